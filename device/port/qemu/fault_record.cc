// Fault record (fault_record.h) in the NOINIT region the board linker script leaves after RAM.
#include "fault_record.h"

extern "C" uint32_t __tmf_noinit_start[];
extern "C" uint32_t __tmf_noinit_end[];

namespace tmf_qemu {
namespace {

constexpr uint32_t kFaultMagic = 0x544D4654u;  // "TMFT"

uint32_t checksum(const FaultRecord& r) {
  const uint32_t words[] = {r.magic, r.exception, r.pc, r.lr, r.cfsr, r.hfsr, r.bfar, r.mmfar, r.wdog_mis};
  uint32_t h = 0x811C9DC5u;
  for (uint32_t w : words) {
    h ^= w;
    h *= 0x01000193u;
  }
  return h;
}

volatile FaultRecord* slot() {
  static_assert(sizeof(FaultRecord) <= 256, "the NOINIT region of mps2_*.ld is 256 bytes");
  return reinterpret_cast<volatile FaultRecord*>(__tmf_noinit_start);
}

}  // namespace

void fault_record_save(const FaultRecord& record) {
  FaultRecord r = record;
  r.magic = kFaultMagic;
  r.check = checksum(r);
  volatile FaultRecord* s = slot();
  s->magic = r.magic;
  s->exception = r.exception;
  s->pc = r.pc;
  s->lr = r.lr;
  s->cfsr = r.cfsr;
  s->hfsr = r.hfsr;
  s->bfar = r.bfar;
  s->mmfar = r.mmfar;
  s->wdog_mis = r.wdog_mis;
  s->check = r.check;
  __asm volatile("dsb" ::: "memory");
}

bool fault_record_take(FaultRecord* out) {
  volatile FaultRecord* s = slot();
  FaultRecord r;
  r.magic = s->magic;
  r.exception = s->exception;
  r.pc = s->pc;
  r.lr = s->lr;
  r.cfsr = s->cfsr;
  r.hfsr = s->hfsr;
  r.bfar = s->bfar;
  r.mmfar = s->mmfar;
  r.wdog_mis = s->wdog_mis;
  r.check = s->check;
  s->magic = 0;
  s->check = 0;
  if (r.magic != kFaultMagic || r.check != checksum(r)) return false;
  *out = r;
  return true;
}

bool fault_record_is_watchdog(const FaultRecord& r) { return r.exception == 2 && (r.wdog_mis & 1u) != 0; }

const char* fault_kind(const FaultRecord& r) {
  if (fault_record_is_watchdog(r)) return "watchdog expiry";
  if (r.exception == 2) return "NMI";
  const uint32_t ufsr = r.cfsr >> 16, bfsr = (r.cfsr >> 8) & 0xFFu, mmfsr = r.cfsr & 0xFFu;
  if (ufsr & (1u << 0)) return "undefined instruction";
  if (ufsr & (1u << 1)) return "invalid state (EPSR.T)";
  if (ufsr & (1u << 2)) return "invalid EXC_RETURN";
  if (ufsr & (1u << 3)) return "no coprocessor";
  if (ufsr & (1u << 4)) return "stack overflow (MSPLIM)";
  if (ufsr & (1u << 8)) return "unaligned access";
  if (ufsr & (1u << 9)) return "divide by zero";
  if (bfsr & (1u << 0)) return "instruction bus error";
  if (bfsr & (1u << 1)) return "precise bus error";
  if (bfsr & (1u << 2)) return "imprecise bus error";
  if (bfsr & ((1u << 3) | (1u << 4))) return "bus error on exception stacking";
  if (mmfsr & (1u << 0)) return "instruction access violation";
  if (mmfsr & (1u << 1)) return "data access violation";
  if (mmfsr & ((1u << 3) | (1u << 4))) return "memory management fault on exception stacking";
  if (r.hfsr & (1u << 1)) return "vector table read fault";
  return "hard fault";
}

}  // namespace tmf_qemu
