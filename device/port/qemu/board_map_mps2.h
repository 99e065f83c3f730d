// Board map of QEMU's mps2-an385 (Cortex-M3), mps2-an386 (Cortex-M4) and mps2-an500 (Cortex-M7):
// the MPS2 FPGA images put the CMSDK APB peripherals at the same addresses (QEMU 7.2 hw/arm/mps2.c,
// `info mtree`). The cores run without TrustZone; every address is the only one.
// Included by cmsdk.h when CMake selects this board (TMF_QEMU_BOARD_MAP).
#pragma once

#include <stdint.h>

namespace tmf_qemu {

constexpr const char* kBoardName = "mps2 (AN385/AN386/AN500)";
constexpr uint32_t kApbHz = 25000000;   // APB peripheral clock (timer, watchdog)
constexpr uint32_t kCoreHz = 25000000;  // SYSCLK: SysTick with CLKSOURCE = core

constexpr uint32_t kUart0Base = 0x40004000u;  // QEMU -serial #1: the link (docs/link.md)
constexpr uint32_t kUart1Base = 0x40005000u;  // QEMU -serial #2: the sensor stream
constexpr uint32_t kUart0RxIrq = 0, kUart1RxIrq = 2;  // NVIC interrupt numbers
constexpr uint32_t kTimer0Base = 0x40000000u;
// The CMSDK watchdog; its interrupt is wired to NMI on MPS2.
constexpr uint32_t kWatchdogBase = 0x40008000u;

}  // namespace tmf_qemu
