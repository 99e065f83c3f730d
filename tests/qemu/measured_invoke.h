// The invoke both QEMU model runners measure: the whole model between one pair of
// instruction-count markers, or with per_op one pair per op (the cost tables' per-op regions).
#pragma once

#include "bench_markers.h"
#include "device/runtime/interpreter.h"

inline tmf::Status runner_invoke_measured(tmf::Interpreter* interpreter, uint32_t op_count, bool per_op) {
  tmf::Status s = tmf::Status::kOk;
  if (!per_op) {
    tmf_bench_marker_begin();
    s = tmf::interpreter_invoke(interpreter);
    tmf_bench_marker_end();
    return s;
  }
  for (uint32_t op = 0; op < op_count && s == tmf::Status::kOk; ++op) {
    tmf_bench_marker_begin();
    s = tmf::interpreter_invoke_op(interpreter, op);
    tmf_bench_marker_end();
  }
  return s;
}
