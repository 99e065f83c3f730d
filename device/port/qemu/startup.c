// Vector table and reset handler of the QEMU Cortex-M images (all cores: v6-M, v7-M, v7E-M, v8-M).
// C rather than C++ because it calls main(). The memory symbols come from qemu_sections.ld.
#include <stdint.h>

#include "qemu_print.h"
#include "qemu_startup.h"
#include "semihosting.h"

extern uint32_t __stack_limit[];  // lowest address of the main stack
extern uint32_t __stack_top[];    // initial SP
extern uint32_t __data_load[];    // .data image in ROM
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];

int main(int argc, char** argv);

#define QEMU_STACK_FILL 0x5AC3A55Cu

// Command line for main(): argv[0] is the image path, then the words of QEMU's -append.
#define QEMU_CMDLINE_BYTES 512
#define QEMU_CMDLINE_MAX_ARGS 32
static char g_cmdline[QEMU_CMDLINE_BYTES];
static char* g_argv[QEMU_CMDLINE_MAX_ARGS + 1];

#define SCB_CPACR (*(volatile uint32_t*)0xE000ED88u)
#define SCB_CFSR (*(volatile uint32_t*)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t*)0xE000ED2Cu)

__attribute__((noreturn)) void Reset_Handler(void) {
#if defined(__ARM_FP)
  // CP10 and CP11 full access, before any floating-point instruction.
  SCB_CPACR |= 0xFu << 20;
  __asm volatile("dsb\n\tisb" ::: "memory");
#endif
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8M_BASE__)
  // v8-M: a stack overflow becomes a fault instead of silent corruption.
  __asm volatile("msr msplim, %0" ::"r"(__stack_limit));
#endif
  {
    uint32_t* sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t* p = __stack_limit; p < sp; ++p) *p = QEMU_STACK_FILL;
  }
  {
    const uint32_t* src = __data_load;
    for (uint32_t* dst = __data_start; dst < __data_end; ++dst) *dst = *src++;
    for (uint32_t* dst = __bss_start; dst < __bss_end; ++dst) *dst = 0;
  }
  // There is no C library or C++ initialisation to run: no heap, and the linker script rejects
  // global constructors (.init_array must be empty).
  int argc = 0;
  if (sh_get_cmdline(g_cmdline, sizeof(g_cmdline)) >= 0) {
    argc = sh_split_cmdline(g_cmdline, g_argv, QEMU_CMDLINE_MAX_ARGS);
  } else {
    qemu_print("qemu: command line longer than %d bytes, main() gets no arguments\n",
               QEMU_CMDLINE_BYTES - 1);
  }
  g_argv[argc] = 0;
  qemu_exit(main(argc, g_argv));
}

size_t qemu_stack_size(void) { return (size_t)((uintptr_t)__stack_top - (uintptr_t)__stack_limit); }

size_t qemu_stack_high_water(void) {
  const uint32_t* p = __stack_limit;
  while (p < __stack_top && *p == QEMU_STACK_FILL) ++p;
  return (size_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

size_t qemu_stack_rearm(void) {
  uint32_t* sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  // Leave this function's own frame (and a little margin) untouched.
  for (uint32_t* p = __stack_limit; p < sp - 16; ++p) *p = QEMU_STACK_FILL;
  return (size_t)((uintptr_t)__stack_top - (uintptr_t)sp);
}

void qemu_exit(int code) {
  qemu_print_flush();
  sh_exit(code);
}

// Below this much headroom at the fault, the stack has overflowed (or nearly): no frame to trust.
#define QEMU_FAULT_STACK_MARGIN 64

// frame: the exception frame stacked on MSP (r0 r1 r2 r3 r12 lr pc xpsr), unless the stack overflowed.
__attribute__((noreturn, used)) void qemu_fault_report(const uint32_t* frame) {
  uint32_t ipsr;
  __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  qemu_print_flush();
  qemu_print("\nqemu: fault: exception %u", (unsigned)(ipsr & 0x1FFu));
  if ((uintptr_t)frame < (uintptr_t)__stack_limit + QEMU_FAULT_STACK_MARGIN) {
    qemu_print(" stack overflow (sp=%p, stack %p..%p)", (const void*)frame, (void*)__stack_limit,
               (void*)__stack_top);
  } else {
    qemu_print(" pc=0x%08lx lr=0x%08lx", (unsigned long)frame[6], (unsigned long)frame[5]);
  }
#if !defined(__ARM_ARCH_6M__)
  // v6-M has no configurable fault status registers.
  qemu_print(" cfsr=0x%08lx hfsr=0x%08lx", (unsigned long)SCB_CFSR, (unsigned long)SCB_HFSR);
#endif
  qemu_print(" stack_high_water=%u/%u\n", (unsigned)qemu_stack_high_water(), (unsigned)qemu_stack_size());
  qemu_exit(kQemuExitFault);
}

// Every exception but reset ends here. Only MSP is used (no thread mode stack switch). After a stack
// overflow the report runs on a fresh stack from the top (nothing returns from here).
__attribute__((naked, noreturn)) void qemu_fault_handler(void) {
  __asm volatile(
      "mrs r0, msp\n\t"
      "ldr r1, =__stack_limit + %c0\n\t"
      "cmp r0, r1\n\t"
      "bhs 1f\n\t"
      "ldr r1, =__stack_top\n\t"
      "mov sp, r1\n"
      "1:\n\t"
      "ldr r1, =qemu_fault_report\n\t"
      "bx r1\n\t"
      ".ltorg" ::"i"(QEMU_FAULT_STACK_MARGIN));
}

typedef void (*QemuVector)(void);

// An image may define its own NMI and HardFault handlers (the device firmware resets instead of
// exiting: board.cc); by default they report and exit like every other exception.
void NMI_Handler(void) __attribute__((weak, noreturn, alias("qemu_fault_handler")));
void HardFault_Handler(void) __attribute__((weak, noreturn, alias("qemu_fault_handler")));
// SysTick: the device firmware's idle wake-up tick (board.cc); other images never start it.
void SysTick_Handler(void) __attribute__((weak, noreturn, alias("qemu_fault_handler")));
// External interrupts: one entry point for all; the device firmware takes it (board.cc) and
// dispatches on IPSR to the interrupts its board map names, other images never enable any.
// (noreturn only to match the alias target; nothing calls a handler)
void IRQ_Handler(void) __attribute__((weak, noreturn, alias("qemu_fault_handler")));

// 16 system vectors and 48 interrupts: the mps2 boards use IRQ 0-31, AN505 puts its expansion
// UARTs at 32-46. 256 bytes, at the start of ROM, where the reset VTOR of every board points.
__attribute__((section(".isr_vector"), used)) const QemuVector g_qemu_vector_table[16 + 48] = {
    (QemuVector)__stack_top,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    [4 ... 16 - 2] = qemu_fault_handler,
    [15] = SysTick_Handler,
    [16 ... 16 + 48 - 1] = IRQ_Handler,
};
