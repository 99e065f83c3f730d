// Instruction-count markers: call tmf_bench_marker_begin() and tmf_bench_marker_end() around the code
// to measure; under QEMU with tools/qemu_plugin/insn_count.so (scripts/qemu-run.sh --count FILE) each
// begin/end pair becomes one region line "region N instructions C" in FILE.
// C counts the instructions executed from the first instruction of begin (included) to the first
// instruction of end (excluded): the measured code plus a small constant (begin's `bx lr` and the
// call to end, typically 2); measure an empty region to calibrate. On hardware the markers do nothing.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

// Separate, never-inlined functions (the plugin finds them by address with arm-none-eabi-nm); they
// also act as compiler barriers, so memory work is not moved across them.
void tmf_bench_marker_begin(void);
void tmf_bench_marker_end(void);

#ifdef __cplusplus
}  // extern "C"
#endif
