// Start-up of the QEMU images (startup.c): vector table, reset (FPU on, .data/.bss, stack fill),
// main(argc, argv) from the semihosting command line, then exit with main's return code.
// Faults print one line ("qemu: fault ...") and exit with kQemuExitFault.
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum QemuExit {
  kQemuExitFault = 134,  // HardFault or an unexpected exception (like a process killed by SIGABRT)
};

// Size of the main stack in bytes (linker symbol __tmf_stack_size, default per board; see tmf_arm.cmake).
size_t qemu_stack_size(void);

// Deepest stack use since reset in bytes: the stack is filled with a pattern at reset and this scans
// for the lowest overwritten word. Cost: one pass over the unused part of the stack.
// Equal to qemu_stack_size() means the stack has (probably) overflowed.
size_t qemu_stack_high_water(void);

// Repaints the unused stack so that qemu_stack_high_water() afterwards measures what the code run
// since then used; returns the stack depth at the call (subtract it to get that code's use).
size_t qemu_stack_rearm(void);

// Flushes qemu_print and ends the program with `code` (see sh_exit).
__attribute__((noreturn)) void qemu_exit(int code);

#ifdef __cplusplus
}  // extern "C"
#endif
