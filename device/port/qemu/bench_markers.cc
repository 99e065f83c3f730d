// The marker functions: empty bodies that the compiler must keep as distinct, real calls.
#include "bench_markers.h"

// noipa: no inlining, cloning, identical-code folding (begin and end have the same body) or
// side-effect analysis across the call; `used` keeps them even when gc-sections sees no caller.
extern "C" __attribute__((noinline, noipa, used)) void tmf_bench_marker_begin(void) {
  asm volatile("" ::: "memory");
}

extern "C" __attribute__((noinline, noipa, used)) void tmf_bench_marker_end(void) {
  asm volatile("" ::: "memory");
}
