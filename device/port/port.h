// The seam between the device agent and a platform: flash, clock, transport, crypto, sensor, log.
// A port is one object implementing these few functions (POSIX virtual device: device/port/posix;
// bare-metal QEMU mps2 boards: device/port/qemu/qemu_port.h; the fault-injecting test port:
// tests/agent/sim_port.h). Every hook's contract and test: docs/porting.md. Freestanding: no heap, no exceptions.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "device/agent/protocol.h"

namespace tmf {

enum class PortStatus : uint8_t {
  kPortOk = 0,
  kPortErrRange,      // offset/length outside the flash or not aligned to the granularity
  kPortErrFlash,      // the flash operation failed (including power lost mid-operation)
  kPortErrTransport,  // not connected, or the message could not be queued
};

// Flash of the model storage (journal, update area, two slots; see docs/agent.md).
//   erased bytes read 0xFF; erase works on whole sectors; writes program `write_bytes`-aligned
//   granules and may only clear bits (NOR semantics: programming a granule again with the same
//   bytes after a torn write yields those bytes).
struct PortFlashGeometry {
  uint32_t total_bytes;   // multiple of sector_bytes
  uint32_t sector_bytes;  // power of two, >= 256
  uint32_t write_bytes;   // power of two, 1..32
};

class Port {
 public:
  virtual PortFlashGeometry flash_geometry() = 0;
  virtual PortStatus flash_read(uint32_t offset, void* out, uint32_t bytes) = 0;
  // Erases the sector starting at `offset` (a multiple of sector_bytes).
  virtual PortStatus flash_erase_sector(uint32_t offset) = 0;
  // Programs `bytes` (a multiple of write_bytes) at `offset` (write_bytes-aligned).
  virtual PortStatus flash_write(uint32_t offset, const void* data, uint32_t bytes) = 0;
  // Memory-mapped, read-only view of flash for executing a model in place; 16-byte aligned when
  // `offset` is. Valid until the next erase/write of that range. Null if the range is not mapped.
  virtual const uint8_t* flash_map(uint32_t offset, uint32_t bytes) = 0;

  // Monotonic milliseconds; may wrap (the agent only uses differences).
  virtual uint32_t clock_ms() = 0;

  // A free-running cycle counter of the core (e.g. DWT_CYCCNT on Cortex-M3/M4/M7/M33), 0 if the
  // port has none; may wrap (users take differences). The unit is the port's: CPU cycles on a
  // microcontroller; a host port may count nanoseconds instead and must say so. Telemetry
  // reports it as inference_cycles (docs/app.md).
  virtual uint32_t cycle_counter() { return 0; }

  // Publishes on tmf/<fleet>/<device>/<leaf> with the QoS/retain of docs/protocol.md.
  virtual PortStatus transport_publish(OtaTopic topic, const uint8_t* data, uint32_t bytes) = 0;

  // Ed25519 (RFC 8032) verification of `signature` over `message` with `public_key`.
  virtual bool crypto_ed25519_verify(const uint8_t signature[64], const uint8_t* message,
                                     uint32_t message_bytes, const uint8_t public_key[32]) = 0;

  // The sensor seam (docs/porting.md): fills `out` with up to `samples` consecutive samples of
  // the sensor as float in its physical unit (acceleration in g for the vibration pipelines: the
  // unit the model's DSP front end was trained on), continuing where the previous call stopped;
  // returns how many it wrote, 0 if none are ready. Never blocks. The caller gathers
  // app_window_samples() of them and hands the window to app_on_window() (same type, same unit).
  virtual uint32_t sensor_read(float* out, uint32_t samples) = 0;

  // Axes of the sensor (issue 16 item 5): a C-axis sensor delivers frames of C values per sample
  // time, interleaved (x y z x y z ..., as MEMS FIFOs do), and sensor_read counts values, not
  // frames. The caller keeps whole frames together and runs only models whose window has C
  // channels (app_window_channels), scattering the frames into the channel-major window
  // (dsp::frame_scatter). 1 for a single-axis sensor.
  virtual uint32_t sensor_channels() { return 1; }

  // Fills `out` with `bytes` unpredictable bytes (a hardware RNG, or noise such as an ADC's low
  // bits); false if the port has none. The agent draws its journal's incarnation id from it once,
  // when it starts on a blank journal (docs/porting.md); without entropy it falls back to the
  // clock and cycle counter at that instant, which is weaker (two devices erased in the same
  // microsecond of their boot could draw the same id).
  virtual bool entropy(void* out, uint32_t bytes) {
    (void)out;
    (void)bytes;
    return false;
  }

  // One line of diagnostics (no newline).
  virtual void log(const char* text) = 0;

 protected:
  ~Port() = default;  // never deleted through the interface (no heap)
};

}  // namespace tmf
