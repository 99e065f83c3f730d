// MPS2 board services (board.h) on the CMSDK peripherals (cmsdk.h, at the board map's addresses).
#include "board.h"

#include "cmsdk.h"
#include "fault_record.h"
#include "qemu_print.h"

namespace tmf_qemu {
namespace {

// Not a global object: plain zero-initialized words (no constructors in device code).
uint32_t g_last_timer;
uint64_t g_ticks;

// Receive rings: head written by the interrupt, tail by the main loop (single core).
// A power of two; a build for a small part sets TMF_BOARD_RX_RING_BYTES (the UART interrupt only
// has to keep up until the main loop's next turn).
#ifndef TMF_BOARD_RX_RING_BYTES
#define TMF_BOARD_RX_RING_BYTES 8192
#endif
constexpr uint32_t kRxRingBytes = TMF_BOARD_RX_RING_BYTES;
static_assert((kRxRingBytes & (kRxRingBytes - 1)) == 0 && kRxRingBytes >= 64, "TMF_BOARD_RX_RING_BYTES: a power of two");
struct RxRing {
  volatile uint32_t head;
  volatile uint32_t tail;
  volatile bool masked;  // the interrupt was turned off because the ring was full
  uint8_t data[kRxRingBytes];
};
RxRing g_rx[2];

RxRing* ring_of(uint32_t base) { return base == kUart0Base ? &g_rx[0] : &g_rx[1]; }
uint32_t irq_of(uint32_t base) { return base == kUart0Base ? kUart0RxIrq : kUart1RxIrq; }
void nvic_set(uint32_t bank0, uint32_t irq) { reg(bank0 + 4 * (irq / 32)) = 1u << (irq % 32); }

void uart_rx_isr(uint32_t base) {
  RxRing* r = ring_of(base);
  // Clear first: a byte arriving after the loop raises the interrupt again.
  reg(base + kUartIntClear) = kUartIntRx;
  while ((reg(base + kUartState) & kUartStateRxFull) != 0) {
    if (r->head - r->tail == kRxRingBytes) {
      reg(base + kUartCtrl) = kUartCtrlTxEnable | kUartCtrlRxEnable;  // full: stop taking bytes
      r->masked = true;
      return;
    }
    r->data[r->head % kRxRingBytes] = static_cast<uint8_t>(reg(base + kUartData));
    r->head = r->head + 1;
  }
}

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
  return g_ticks / (kApbHz / 1000);
}

void board_uart_init(uint32_t base) {
  RxRing* r = ring_of(base);
  r->head = r->tail = 0;
  r->masked = false;
  reg(base + kUartBauddiv) = 16;  // the minimum; QEMU ignores the rate
  reg(base + kUartCtrl) = kUartCtrlTxEnable | kUartCtrlRxEnable | kUartCtrlRxIntEnable;
  nvic_set(kNvicIser0, irq_of(base));
  nvic_set(kNvicIspr0, irq_of(base));  // a byte may already wait
}

int board_uart_read(uint32_t base) {
  RxRing* r = ring_of(base);
  if (r->head == r->tail) return -1;
  const uint8_t byte = r->data[r->tail % kRxRingBytes];
  r->tail = r->tail + 1;
  if (r->masked && r->head - r->tail < kRxRingBytes / 2) {
    r->masked = false;
    reg(base + kUartCtrl) = kUartCtrlTxEnable | kUartCtrlRxEnable | kUartCtrlRxIntEnable;
    nvic_set(kNvicIspr0, irq_of(base));  // take the byte that waited while masked
  }
  return byte;
}

void board_uart_write(uint32_t base, const uint8_t* bytes, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    while ((reg(base + kUartState) & kUartStateTxFull) != 0) {
    }
    reg(base + kUartData) = bytes[i];
  }
}

void board_idle() {
  if ((reg(kSysTickCtrl) & kSysTickEnable) == 0) {
    reg(kSysTickReload) = kCoreHz / 1000 - 1;
    reg(kSysTickValue) = 0;
    reg(kSysTickCtrl) = kSysTickEnable | kSysTickTickInt | kSysTickCoreClock;
  }
  __asm volatile("dsb\n\twfi" ::: "memory");
}

void board_watchdog_start(uint32_t timeout_ms) {
  reg(kWatchdogBase + kWdogLock) = kWdogUnlockKey;
  reg(kWatchdogBase + kWdogLoad) = timeout_ms * (kApbHz / 1000);
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
// feeding it. Record it as the reset's reason, with the interrupted PC (frame: the exception frame
// on MSP), where the next boot finds it (fault_record.h), and reset now rather than wait for the
// second expiry. An NMI the watchdog did not raise (its MIS bit clear) resets without a record.
extern "C" __attribute__((noreturn, used)) void board_nmi(const uint32_t* frame) {
  using tmf_qemu::kWatchdogBase, tmf_qemu::kWdogMis;
  const uint32_t mis = tmf_qemu::reg(kWatchdogBase + kWdogMis);
  if ((mis & 1u) == 0) {
    qemu_print("firmware: NMI not from the watchdog, resetting\n");
    tmf_qemu::board_reset();
  }
  tmf_qemu::FaultRecord r{};
  r.exception = 2;
  r.pc = frame[6];
  r.lr = frame[5];
  r.wdog_mis = mis;
  tmf_qemu::fault_record_save(r);
  qemu_print("firmware: watchdog expired, pc=0x%08lx, resetting\n", static_cast<unsigned long>(r.pc));
  tmf_qemu::board_reset();
}

extern "C" __attribute__((naked, noreturn)) void NMI_Handler(void) {
  __asm volatile(
      "mrs r0, msp\n\t"
      "ldr r2, =board_nmi\n\t"
      "bx r2\n\t"
      ".ltorg");
}

// The idle tick only wakes the core; the main loop reads the clock from timer 0.
extern "C" void SysTick_Handler(void) {}

// Every external interrupt (startup.c): the UART receive lines of the board map; nothing else is
// enabled, so anything else is a fault.
extern "C" void IRQ_Handler(void) {
  uint32_t ipsr;
  __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  const uint32_t irq = (ipsr & 0x1FFu) - 16;
  if (irq == tmf_qemu::kUart0RxIrq) {
    tmf_qemu::uart_rx_isr(tmf_qemu::kUart0Base);
  } else if (irq == tmf_qemu::kUart1RxIrq) {
    tmf_qemu::uart_rx_isr(tmf_qemu::kUart1Base);
  } else {
    qemu_print("firmware: unexpected interrupt %lu, resetting\n", static_cast<unsigned long>(irq));
    tmf_qemu::board_reset();
  }
}

// A crash (HardFault, or a configurable fault escalated to it: a bad memory access, an undefined
// instruction, a stack overflow on v8-M): record it where the next boot finds it (fault_record.h),
// then reset, as a watchdog would. frame: the exception frame on MSP (r0 r1 r2 r3 r12 lr pc xpsr),
// unless the stack had overflowed (overflowed != 0: the handler runs on a fresh stack).
extern "C" __attribute__((noreturn, used)) void board_fault(const uint32_t* frame, uint32_t overflowed) {
  using tmf_qemu::kScbBfar, tmf_qemu::kScbCfsr, tmf_qemu::kScbHfsr, tmf_qemu::kScbMmfar;
  uint32_t ipsr;
  __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  tmf_qemu::FaultRecord r{};
  r.exception = ipsr & 0x1FFu;
  r.pc = overflowed != 0 ? 0 : frame[6];
  r.lr = overflowed != 0 ? 0 : frame[5];
  r.cfsr = tmf_qemu::reg(kScbCfsr);
  r.hfsr = tmf_qemu::reg(kScbHfsr);
  r.mmfar = tmf_qemu::reg(kScbMmfar);
  r.bfar = tmf_qemu::reg(kScbBfar);
  tmf_qemu::fault_record_save(r);
  qemu_print("firmware: fault: %s, pc=0x%08lx cfsr=0x%08lx hfsr=0x%08lx, resetting\n", tmf_qemu::fault_kind(r),
             static_cast<unsigned long>(r.pc), static_cast<unsigned long>(r.cfsr), static_cast<unsigned long>(r.hfsr));
  tmf_qemu::board_reset();
}

// With less than 64 bytes of stack left the stack has overflowed (or nearly): no frame to trust, no
// room to run; board_fault then runs on a fresh stack from the top.
extern "C" __attribute__((naked, noreturn)) void HardFault_Handler(void) {
  __asm volatile(
      "mrs r0, msp\n\t"
      "movs r1, #0\n\t"
      "ldr r2, =__stack_limit + 64\n\t"
      "cmp r0, r2\n\t"
      "bhs 1f\n\t"
      "ldr r2, =__stack_top\n\t"
      "mov sp, r2\n\t"
      "movs r1, #1\n"
      "1:\n\t"
      "ldr r2, =board_fault\n\t"
      "bx r2\n\t"
      ".ltorg");
}
