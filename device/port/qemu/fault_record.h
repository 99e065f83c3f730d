// The record a fault handler leaves for the next boot (docs/porting.md, "Faults"): why the device
// reset, in RAM that neither the reset nor the start-up code clears (the linker's NOINIT region,
// mps2_*.ld). The firmware takes it once at boot and hands it to the agent, which judges a trial
// that faulted as failed; a cold start finds no valid record (QEMU starts with RAM zeroed).
#pragma once

#include <stdint.h>

namespace tmf_qemu {

struct FaultRecord {
  uint32_t magic;
  uint32_t exception;  // IPSR of the handler: 3 HardFault (configurable faults escalate to it), 2 NMI (the watchdog)
  uint32_t pc;         // the stacked PC: the faulting instruction (0: the stack had overflowed)
  uint32_t lr;
  uint32_t cfsr;       // configurable fault status (MMFSR | BFSR << 8 | UFSR << 16)
  uint32_t hfsr;
  uint32_t bfar;       // valid when CFSR.BFARVALID
  uint32_t mmfar;      // valid when CFSR.MMARVALID
  uint32_t wdog_mis;   // at an NMI: the watchdog's masked interrupt status (bit 0: it expired), else 0
  uint32_t check;      // a checksum of the fields above: a torn or random record is no record
};

// Stores the record (called from the fault handler, nothing else runs then).
void fault_record_save(const FaultRecord& record);
// The record left before the last reset, if any: true and *out filled, and the record is erased so
// the next reset (a watchdog, a command) is not taken for a fault.
bool fault_record_take(FaultRecord* out);
// What the status registers say, for the log: "undefined instruction", "precise bus error", ...,
// "watchdog expiry".
const char* fault_kind(const FaultRecord& record);
// True when the record is the watchdog's (its NMI, with the watchdog's interrupt raised), not a fault.
bool fault_record_is_watchdog(const FaultRecord& record);

}  // namespace tmf_qemu
