// The MPS2 board services the firmware needs (cmsdk.h and the board map): a millisecond clock on CMSDK timer 0,
// polled byte I/O on the CMSDK UARTs, the CMSDK watchdog, and system reset by SYSRESETREQ.
// The firmware's main loop is the only thread; interrupts only fill the UART receive rings and
// wake the core from its idle sleep.
#pragma once

#include <stdint.h>

namespace tmf_qemu {

void board_clock_init();
// Milliseconds since board_clock_init; correct as long as it is called at least every 171 s
// (the 32-bit timer wraps at 25 MHz; 214 s at AN505's 20 MHz).
uint64_t board_clock_ms();

// Starts a UART (kUart0Base or kUart1Base) with interrupt-driven reception into a ring: QEMU's
// CMSDK UART holds one byte and hands over the next only after it was read, so reading in the
// interrupt keeps the stream moving while the main loop is busy. When the ring is full the
// interrupt is masked and the sender waits (flow control), until board_uart_read makes room.
void board_uart_init(uint32_t base);
// One received byte, or -1 if none is waiting.
int board_uart_read(uint32_t base);
// Sends bytes, waiting while the transmit register is full.
void board_uart_write(uint32_t base, const uint8_t* bytes, uint32_t count);

// Sleeps (WFI) until the next interrupt: a received byte or the 1 ms idle tick. The main loop
// calls it after a turn with nothing to do, so an idle device does not spin (under QEMU a
// spinning core takes a whole host CPU). Starts the tick on first use.
void board_idle();

// Starts the watchdog: without board_watchdog_feed() for `timeout_ms` its interrupt (NMI) fires,
// whose handler resets the system; if even that fails the second expiry resets by hardware.
void board_watchdog_start(uint32_t timeout_ms);
void board_watchdog_feed();

// SYSRESETREQ: the whole system resets (QEMU reloads the image and keeps the flash file).
__attribute__((noreturn)) void board_reset();

}  // namespace tmf_qemu
