// Registers of the Arm CMSDK APB peripherals (UART, timer, watchdog) and of the Armv7-M/v8-M
// system control space (NVIC, SysTick, SCB) the QEMU mps2 boards need. Where the blocks sit and
// how fast they count is the board's: one board map header per board, chosen by CMake as
// TMF_QEMU_BOARD_MAP (board_map_mps2.h: AN385/AN386/AN500; board_map_mps2_an505.h: AN505).
#pragma once

#include <stdint.h>

#ifndef TMF_QEMU_BOARD_MAP
#error "cmsdk.h: no board map; CMake defines TMF_QEMU_BOARD_MAP for the board of TMF_CORE"
#endif
#include TMF_QEMU_BOARD_MAP

namespace tmf_qemu {

inline volatile uint32_t& reg(uint32_t address) { return *reinterpret_cast<volatile uint32_t*>(address); }

// CMSDK APB UART: 1-byte holding registers; STATE bit0 TX full, bit1 RX full.
constexpr uint32_t kUartData = 0x00, kUartState = 0x04, kUartCtrl = 0x08, kUartBauddiv = 0x10;
constexpr uint32_t kUartStateTxFull = 1u << 0, kUartStateRxFull = 1u << 1;
constexpr uint32_t kUartCtrlTxEnable = 1u << 0, kUartCtrlRxEnable = 1u << 1, kUartCtrlRxIntEnable = 1u << 3;
constexpr uint32_t kUartIntClear = 0x0C, kUartIntRx = 1u << 1;

// NVIC set-enable and set-pending registers: one bit per interrupt, 32 interrupts per word.
constexpr uint32_t kNvicIser0 = 0xE000E100u, kNvicIspr0 = 0xE000E200u;

// CMSDK APB timer: 32-bit down counter at the APB clock, reloads from RELOAD at zero.
constexpr uint32_t kTimerCtrl = 0x00, kTimerValue = 0x04, kTimerReload = 0x08;
constexpr uint32_t kTimerCtrlEnable = 1u << 0;

// CMSDK APB watchdog: counts LOAD down at the APB clock; the first expiry raises its interrupt
// (NMI on both board maps), the second resets the system if RESEN. Writing INTCLR reloads and clears.
constexpr uint32_t kWdogLoad = 0x000, kWdogValue = 0x004, kWdogControl = 0x008, kWdogIntClr = 0x00C;
// Raw and masked interrupt status, bit 0: the counter reached zero (the reset reason the NMI handler
// records: the NMI is the watchdog's only when its MIS bit is set).
constexpr uint32_t kWdogRis = 0x010, kWdogMis = 0x014;
constexpr uint32_t kWdogLock = 0xC00;
constexpr uint32_t kWdogUnlockKey = 0x1ACCE551u;
constexpr uint32_t kWdogControlIntEnable = 1u << 0, kWdogControlResetEnable = 1u << 1;

// SysTick (the Secure one on v8-M): counts the core clock down from RELOAD; TICKINT
// raises its exception at zero, which wakes the core from WFI.
constexpr uint32_t kSysTickCtrl = 0xE000E010u, kSysTickReload = 0xE000E014u, kSysTickValue = 0xE000E018u;
constexpr uint32_t kSysTickEnable = 1u << 0, kSysTickTickInt = 1u << 1, kSysTickCoreClock = 1u << 2;

// System control block: AIRCR.SYSRESETREQ resets the whole system (QEMU: a machine reset).
constexpr uint32_t kScbAircr = 0xE000ED0Cu;
constexpr uint32_t kScbAircrVectKey = 0x05FA0000u;
constexpr uint32_t kScbAircrSysResetReq = 1u << 2;
// Fault status (Armv7-M and v8-M Mainline): configurable (MMFSR | BFSR << 8 | UFSR << 16), hard,
// and the faulting addresses of a memory-management and a bus fault.
constexpr uint32_t kScbCfsr = 0xE000ED28u, kScbHfsr = 0xE000ED2Cu, kScbMmfar = 0xE000ED34u, kScbBfar = 0xE000ED38u;

}  // namespace tmf_qemu
