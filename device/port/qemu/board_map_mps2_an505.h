// Board map of QEMU's mps2-an505 (MPS2+ FPGA image AN505: Cortex-M33 in an SSE-200 subsystem,
// QEMU 7.2 hw/arm/mps2-tz.c and hw/arm/armsse.c, checked with `info mtree`). The core boots
// Secure and the firmware never leaves Secure state, so it uses the Secure alias of every block
// (address bit 28 set): the SSE-200's peripheral protection controllers reset with every port
// Secure, and a Secure access through the Non-secure alias is not what a TrustZone image does.
// Included by cmsdk.h when CMake selects this board (TMF_QEMU_BOARD_MAP).
#pragma once

#include <stdint.h>

namespace tmf_qemu {

constexpr const char* kBoardName = "mps2-an505";
constexpr uint32_t kApbHz = 20000000;   // MAINCLK of the AN505 image: timers, watchdog, UART
constexpr uint32_t kCoreHz = 20000000;  // the CPU runs on MAINCLK too (SysTick, CLKSOURCE = core)

// The expansion UARTs (APB PPC EXP1, ports 5 and 6): UART0 at 0x40200000 / 0x50200000.
constexpr uint32_t kUart0Base = 0x50200000u;  // QEMU -serial #1: the link (docs/link.md)
constexpr uint32_t kUart1Base = 0x50201000u;  // QEMU -serial #2: the sensor stream
// Each UART has an RX, a TX and a combined line; UARTn receives on IRQ 32 + 2n. Checked under
// QEMU 7.2: a sample stream into UART1 moves with IRQ 34 enabled; with 35 the UART keeps its one
// byte and the stream stops (the writer's pipe fills at 64 KiB).
constexpr uint32_t kUart0RxIrq = 32, kUart1RxIrq = 34;
// The SSE-200's CMSDK timer 0 (0x40000000 Non-secure alias).
constexpr uint32_t kTimer0Base = 0x50000000u;
// The SSE-200's Secure watchdog (CMSDK APB watchdog on MAINCLK): its interrupt is wired to NMI,
// like the MPS2 watchdog. (The Non-secure one at 0x40081000 raises IRQ 1 instead.)
constexpr uint32_t kWatchdogBase = 0x50081000u;

}  // namespace tmf_qemu
