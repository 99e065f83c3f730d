// MPS2 board services (board.h) on the CMSDK peripherals (cmsdk.h).
#include "board.h"

#include "cmsdk.h"
#include "qemu_print.h"

namespace tmf_qemu {
namespace {

// Not a global object: plain zero-initialized words (no constructors in device code).
uint32_t g_last_timer;
uint64_t g_ticks;

}  // namespace

void board_clock_init() {
  reg(kTimer0Base + kTimerCtrl) = 0;
  reg(kTimer0Base + kTimerReload) = 0xFFFFFFFFu;
  reg(kTimer0Base + kTimerValue) = 0xFFFFFFFFu;
  reg(kTimer0Base + kTimerCtrl) = kTimerCtrlEnable;
  g_last_timer = reg(kTimer0Base + kTimerValue);
  g_ticks = 0;
}

uint64_t board_clock_ms() {
  const uint32_t now = reg(kTimer0Base + kTimerValue);
  g_ticks += g_last_timer - now;  // a down counter: elapsed ticks, modulo 2^32
  g_last_timer = now;
  return g_ticks / (kCmsdkApbHz / 1000);
}

void board_uart_init(uint32_t base) {
  reg(base + kUartBauddiv) = 16;  // the minimum; QEMU ignores the rate
  reg(base + kUartCtrl) = kUartCtrlTxEnable | kUartCtrlRxEnable;
}

int board_uart_read(uint32_t base) {
  if ((reg(base + kUartState) & kUartStateRxFull) == 0) return -1;
  return static_cast<int>(reg(base + kUartData) & 0xFFu);
}

void board_uart_write(uint32_t base, const uint8_t* bytes, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    while ((reg(base + kUartState) & kUartStateTxFull) != 0) {
    }
    reg(base + kUartData) = bytes[i];
  }
}

void board_watchdog_start(uint32_t timeout_ms) {
  reg(kWatchdogBase + kWdogLock) = kWdogUnlockKey;
  reg(kWatchdogBase + kWdogLoad) = timeout_ms * (kCmsdkApbHz / 1000);
  reg(kWatchdogBase + kWdogControl) = kWdogControlIntEnable | kWdogControlResetEnable;
  reg(kWatchdogBase + kWdogLock) = 0;  // locked again: a stray write cannot stop it
}

void board_watchdog_feed() {
  reg(kWatchdogBase + kWdogLock) = kWdogUnlockKey;
  reg(kWatchdogBase + kWdogIntClr) = 1;
  reg(kWatchdogBase + kWdogLock) = 0;
}

void board_reset() {
  qemu_print_flush();
  __asm volatile("dsb" ::: "memory");
  reg(kScbAircr) = kScbAircrVectKey | kScbAircrSysResetReq;
  __asm volatile("dsb" ::: "memory");
  for (;;) {
  }
}

}  // namespace tmf_qemu

// The watchdog's first expiry (its interrupt is wired to NMI on MPS2): the main loop stopped
// feeding it. Reset now rather than wait for the second expiry.
extern "C" __attribute__((noreturn)) void NMI_Handler(void) {
  qemu_print("firmware: watchdog expired, resetting\n");
  tmf_qemu::board_reset();
}

// A crash (HardFault, or a configurable fault escalated to it): reset, as a watchdog would.
extern "C" __attribute__((noreturn)) void HardFault_Handler(void) {
  qemu_print("firmware: hard fault, resetting\n");
  tmf_qemu::board_reset();
}
