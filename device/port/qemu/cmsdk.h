// Registers of the Arm CMSDK APB peripherals on the MPS2 FPGA images QEMU models (AN385 Cortex-M3,
// AN386 Cortex-M4, AN500 Cortex-M7 share this map; QEMU 7.2 hw/arm/mps2.c): UART, timer,
// watchdog, and the SCB registers for reset. Units: the APB clock is 25 MHz on these boards.
// AN505 (Cortex-M33) puts the same blocks behind its IoT subsystem at other addresses: not here yet.
#pragma once

#include <stdint.h>

namespace tmf_qemu {

#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8M_BASE__) || defined(__ARM_ARCH_6M__)
#error "cmsdk.h: the CMSDK map here is the one of mps2-an385/an386/an500 (Cortex-M3/M4/M7)"
#endif

constexpr uint32_t kCmsdkApbHz = 25000000;

inline volatile uint32_t& reg(uint32_t address) { return *reinterpret_cast<volatile uint32_t*>(address); }

// CMSDK APB UART: 1-byte holding registers; STATE bit0 TX full, bit1 RX full.
constexpr uint32_t kUart0Base = 0x40004000u;  // QEMU -serial #1: the link (docs/link.md)
constexpr uint32_t kUart1Base = 0x40005000u;  // QEMU -serial #2: the sensor stream
constexpr uint32_t kUartData = 0x00, kUartState = 0x04, kUartCtrl = 0x08, kUartBauddiv = 0x10;
constexpr uint32_t kUartStateTxFull = 1u << 0, kUartStateRxFull = 1u << 1;
constexpr uint32_t kUartCtrlTxEnable = 1u << 0, kUartCtrlRxEnable = 1u << 1, kUartCtrlRxIntEnable = 1u << 3;
constexpr uint32_t kUartIntClear = 0x0C, kUartIntRx = 1u << 1;
constexpr uint32_t kUart0RxIrq = 0, kUart1RxIrq = 2;  // NVIC interrupt numbers on mps2

// NVIC set-enable and set-pending registers (interrupts 0..31).
constexpr uint32_t kNvicIser0 = 0xE000E100u, kNvicIspr0 = 0xE000E200u;

// CMSDK APB timer 0: 32-bit down counter at the APB clock, reloads from RELOAD at zero.
constexpr uint32_t kTimer0Base = 0x40000000u;
constexpr uint32_t kTimerCtrl = 0x00, kTimerValue = 0x04, kTimerReload = 0x08;
constexpr uint32_t kTimerCtrlEnable = 1u << 0;

// CMSDK APB watchdog: counts LOAD down at the APB clock; the first expiry raises its interrupt
// (NMI on MPS2), the second resets the system if RESEN. Writing INTCLR reloads and clears.
constexpr uint32_t kWatchdogBase = 0x40008000u;
constexpr uint32_t kWdogLoad = 0x000, kWdogValue = 0x004, kWdogControl = 0x008, kWdogIntClr = 0x00C;
constexpr uint32_t kWdogLock = 0xC00;
constexpr uint32_t kWdogUnlockKey = 0x1ACCE551u;
constexpr uint32_t kWdogControlIntEnable = 1u << 0, kWdogControlResetEnable = 1u << 1;

// SysTick (Armv7-M): counts the core clock (25 MHz on these boards) down from RELOAD; TICKINT
// raises its exception at zero, which wakes the core from WFI.
constexpr uint32_t kSysTickCtrl = 0xE000E010u, kSysTickReload = 0xE000E014u, kSysTickValue = 0xE000E018u;
constexpr uint32_t kSysTickEnable = 1u << 0, kSysTickTickInt = 1u << 1, kSysTickCoreClock = 1u << 2;

// System control block: AIRCR.SYSRESETREQ resets the whole system (QEMU: a machine reset).
constexpr uint32_t kScbAircr = 0xE000ED0Cu;
constexpr uint32_t kScbAircrVectKey = 0x05FA0000u;
constexpr uint32_t kScbAircrSysResetReq = 1u << 2;

}  // namespace tmf_qemu
