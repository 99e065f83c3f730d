// device_firmware: the bare-metal Tiny-MLOps device for the QEMU mps2 boards and AN505 (docs/qemu.md,
// docs/porting.md). Boot: flash from the host file, agent_boot (finishes or reverts what a reset
// interrupted), the app; then one polled loop: watchdog, serial link (UART0) to the gateway, the
// agent and app, sensor windows from UART1. A model on trial must run `trial_windows` windows
// healthy before the app confirms it; a hang or crash on trial resets (watchdog / fault handler)
// and the agent reverts at once (docs/agent.md "Resets on trial").
//
// Arguments (QEMU -append, scripts/qemu-device.sh): flash=PATH key=HEX64 (repeatable) [group=G] [fleet=F]
// [trial_windows=N] [watchdog_ms=MS] [window_ms=MS: at most one window per period, default 100;
// the sensor stream waits meanwhile] [cut=N: power cut before flash operation N]
// [hang_version=V: fault injection, the app hangs when it runs a model of version V]
// [fault_version=V, udf_version=V: fault injection, the app faults when it runs a model of version V:
// a load from unmapped memory (a bus error), an undefined instruction]
// [fault_confirmed_version=V, hang_confirmed_version=V: the same bus error / hang, only once the
// model of version V is confirmed (not on trial): the agent's fault limit for confirmed models].
// [sensor_channels=C: the sensor stream is frames of C (1..8) interleaved axes (default 1); only models
// whose window has C channels run].
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "cmsdk.h"
#include "device/agent/agent.h"
#include "fault_record.h"
#include "device/app/app.h"
#include "device/dsp/frame.h"
#include "device/link/link_device.h"
#include "nor_flash.h"
#include "qemu_port.h"
#include "qemu_print.h"
#include "qemu_startup.h"

namespace {

using tmf_qemu::board_uart_write;

constexpr tmf::PortFlashGeometry kFlashGeometry = {512 * 1024, 4096, 8};
#if TMF_FIRMWARE_16K
// The build for a 16 KB part (device_firmware_16k, docs/porting.md "A 16 KB part"): the same code
// with buffers for models of windows up to 256 samples (16 features, 8 sketch bins), a MANIFEST
// copy of at most 1,672 B (256 samples and 2 x 16 normalization floats of golden input) and a
// 256-sample capture. Measured: 16,372 B of RAM (docs/porting.md, "A 16 KB part").
constexpr uint32_t kArenaBytes = 2304;  // a window-256, 16-band pipeline with detection settings asks 2,208
constexpr uint32_t kMaxChunkBytes = 512;
constexpr uint32_t kMaxWindowSamples = 256;
constexpr uint32_t kCaptureSamples = 256;  // collect: one window per part
constexpr uint32_t kAppMemoryBytes = 2544;  // app_memory_bytes() of the settings below
// The send queue holds what the device sends, not the MTU (a MANIFEST is only received): the
// largest uplink message is a TELEMETRY batch of 4 windows x 16 features x 8 bins (588 B; DATA of
// 32 samples 160 B, INFO at most 188 B), checked at boot; 1,024 B also hold the EVENT, STATUS, INFO,
// PRESENCE and chunk REQUEST a (re)connect sends beside it.
constexpr uint32_t kLinkTxBytes = 1024;
constexpr uint32_t kLinkMaxSendBytes = 592;
constexpr uint32_t kMaxKeys = 2;
constexpr uint32_t kDataSegmentSamples = 32;  // a 256-sample capture in 8 DATA segments of 160 B
// One unacknowledged TELEMETRY batch (592 B) instead of two: a batch closes every 4 windows and
// its ack comes back within one link round trip, so a second slot only helps during a link outage
// longer than a batch; a batch the ring cannot keep is dropped and counted (TELEMETRY
// dropped_batches), never silently.
constexpr uint32_t kMaxFeatures = 16, kMaxBins = 8, kBatchWindows = 4, kRingBatches = 1;
#else
constexpr uint32_t kArenaBytes = 64 * 1024;
constexpr uint32_t kMaxChunkBytes = 2048;
constexpr uint32_t kMaxWindowSamples = 4096;
// A capture of 8,192 samples (0.68 s at 12 kHz) is a complete part for the loop's training (its
// min_part_samples) in 32 KiB. Under QEMU the sensor UART moves one byte per interrupt: in the
// simulated fleet a 16,384-sample capture took 7.8-8.5 s from request to upload, while the virtual
// devices' 32,768 took 4.6 s, and the loop waits for the slowest.
constexpr uint32_t kCaptureSamples = 8192;
constexpr uint32_t kAppMemoryBytes = 48 * 1024;
constexpr uint32_t kLinkTxBytes = 16 * 1024;
constexpr uint32_t kLinkMaxSendBytes = 0;  // the MTU
constexpr uint32_t kMaxKeys = tmf::kOtaMaxKeys;
constexpr uint32_t kDataSegmentSamples = 1024;
constexpr uint32_t kMaxFeatures = 32, kMaxBins = 16, kBatchWindows = 8, kRingBatches = 8;
#endif
// The largest downlink message: a MANIFEST the agent keeps (with a 4,096-byte golden input and its
// signed deployment record: 4,616 bytes, for a pipeline whose window is 1,024 float samples), above
// a CHUNK of kMaxChunkBytes. A smaller MTU makes the gateway drop it.
constexpr uint32_t kLinkMtu = tmf::kAgentMaxManifestBytes > kMaxChunkBytes + tmf::kOtaChunkHeaderBytes
                                  ? tmf::kAgentMaxManifestBytes
                                  : kMaxChunkBytes + tmf::kOtaChunkHeaderBytes;

// Everything static, in .bss: no heap, no constructors (PODs and a class without constructor code).
// Stands in for memory-mapped flash: in PSRAM (not zeroed at reset; nor_open fills it), so the
// RAM the linker counts is the device's own.
alignas(16) __attribute__((section(".psram"))) uint8_t g_flash_mirror[512 * 1024];
alignas(16) uint8_t g_arena[kArenaBytes];
alignas(8) uint8_t g_app_memory[kAppMemoryBytes];
uint8_t g_link_rx[kLinkMtu + tmf::kLinkOverheadBytes];
alignas(4) uint8_t g_link_tx[kLinkTxBytes];
float g_window[kMaxWindowSamples];
float g_sensor_stage[16];  // sensor values on their way into the channel-major window (a UART turn brings few)
#if TMF_FIRMWARE_16K
// One buffer for windows and captures: a capture (COMMAND collect) pauses the windows (main loop)
// and the partial window it interrupts is dropped.
static_assert(kCaptureSamples <= kMaxWindowSamples, "the capture shares the window buffer");
constexpr bool kCaptureSharesWindow = true;
float* const g_capture = g_window;
#else
constexpr bool kCaptureSharesWindow = false;
float g_capture[kCaptureSamples];
#endif
uint8_t g_keys[kMaxKeys][32];
tmf_qemu::NorFlash g_flash;
tmf::LinkDevice g_link;
tmf_qemu::QemuPort g_port;
tmf::Agent g_agent;
tmf::App g_app;

struct Args {
  const char* flash;
  const char* group;
  const char* fleet;
  uint32_t key_count;
  uint32_t trial_windows;
  uint32_t watchdog_ms;
  uint32_t cut;
  uint32_t hang_version;
  uint32_t fault_version;
  uint32_t udf_version;
  uint32_t window_ms;
  uint32_t fault_confirmed_version;
  uint32_t hang_confirmed_version;
  uint32_t sensor_channels;
};

bool parse_u32(const char* text, uint32_t* out) {
  uint64_t v = 0;
  if (*text == '\0') return false;
  for (; *text != '\0'; ++text) {
    if (*text < '0' || *text > '9') return false;
    v = v * 10 + static_cast<uint32_t>(*text - '0');
    if (v > 0xFFFFFFFFu) return false;
  }
  *out = static_cast<uint32_t>(v);
  return true;
}

bool parse_key(const char* hex, uint8_t key[32]) {
  if (strlen(hex) != 64) return false;
  for (int i = 0; i < 64; ++i) {
    const char c = hex[i];
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) return false;
    key[i / 2] = static_cast<uint8_t>(i % 2 == 0 ? v << 4 : key[i / 2] | v);
  }
  return true;
}

// Returns false and names the bad argument.
bool parse_args(int argc, char** argv, Args* a) {
  *a = Args{nullptr, "default", "fleet", 0, 8, 2000, 0xFFFFFFFFu, 0, 0, 0, 100, 0, 0, 1};
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    const char* eq = strchr(arg, '=');
    if (eq == nullptr) {
      qemu_print("firmware: argument '%s' is not name=value\n", arg);
      return false;
    }
    const size_t name = static_cast<size_t>(eq - arg);
    const char* value = eq + 1;
    bool ok = true;
    if (name == 5 && strncmp(arg, "flash", 5) == 0) {
      a->flash = value;
    } else if (name == 5 && strncmp(arg, "group", 5) == 0) {
      a->group = value;
      ok = tmf::ota_name_valid(value);
    } else if (name == 5 && strncmp(arg, "fleet", 5) == 0) {
      a->fleet = value;
      ok = tmf::ota_name_valid(value);
    } else if (name == 3 && strncmp(arg, "key", 3) == 0) {
      ok = a->key_count < kMaxKeys && parse_key(value, g_keys[a->key_count]);
      if (ok) ++a->key_count;
    } else if (name == 13 && strncmp(arg, "trial_windows", 13) == 0) {
      ok = parse_u32(value, &a->trial_windows) && a->trial_windows >= 1;
    } else if (name == 11 && strncmp(arg, "watchdog_ms", 11) == 0) {
      ok = parse_u32(value, &a->watchdog_ms) && a->watchdog_ms >= 100 && a->watchdog_ms <= 60000;
    } else if (name == 9 && strncmp(arg, "window_ms", 9) == 0) {
      ok = parse_u32(value, &a->window_ms) && a->window_ms <= 60000;
    } else if (name == 15 && strncmp(arg, "sensor_channels", 15) == 0) {
      ok = parse_u32(value, &a->sensor_channels) && a->sensor_channels >= 1 && a->sensor_channels <= 8;
    } else if (name == 3 && strncmp(arg, "cut", 3) == 0) {
      ok = parse_u32(value, &a->cut);
    } else if (name == 12 && strncmp(arg, "hang_version", 12) == 0) {
      ok = parse_u32(value, &a->hang_version);
    } else if (name == 13 && strncmp(arg, "fault_version", 13) == 0) {
      ok = parse_u32(value, &a->fault_version);
    } else if (name == 11 && strncmp(arg, "udf_version", 11) == 0) {
      ok = parse_u32(value, &a->udf_version);
    } else if (name == 23 && strncmp(arg, "fault_confirmed_version", 23) == 0) {
      ok = parse_u32(value, &a->fault_confirmed_version);
    } else if (name == 22 && strncmp(arg, "hang_confirmed_version", 22) == 0) {
      ok = parse_u32(value, &a->hang_confirmed_version);
    } else {
      qemu_print("firmware: unknown argument '%s'\n", arg);
      return false;
    }
    if (!ok) {
      qemu_print("firmware: bad value in '%s'\n", arg);
      return false;
    }
  }
  if (a->flash == nullptr) {
    qemu_print("firmware: flash=PATH is required\n");
    return false;
  }
  return true;
}

void link_write(void*, const uint8_t* bytes, uint32_t count) { board_uart_write(tmf_qemu::kUart0Base, bytes, count); }

// A nonzero session id that differs between boots: the journal's boot count mixed with the
// timer (the count alone repeats after a journal is lost; the timer alone is the same every
// cold start under QEMU).
uint32_t session_id(uint32_t boot_count) {
  uint32_t x = boot_count * 0x9E3779B1u ^ static_cast<uint32_t>(tmf_qemu::board_clock_ms() * 2654435761u);
  x ^= x >> 16;
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  return x == 0 ? 1 : x;
}

const char* model_text(const tmf::Agent* agent, char* buffer, size_t size) {
  const tmf::Model* m = tmf::agent_model(agent);
  if (m == nullptr) return "no model";
  qemu_snprint(buffer, size, "model %lu v%lu", static_cast<unsigned long>(m->header->model_id),
               static_cast<unsigned long>(m->header->model_version));
  return buffer;
}

// The trial policy (docs/porting.md): on probation, `trial_windows` windows in a row must run
// (app_on_window ok); a model the app cannot run (no usable detection settings) or a failed window
// reverts at once; a hang is the watchdog's.
struct Trial {
  uint32_t healthy;
};

void trial_after_window(Trial* t, bool ok, uint32_t needed) {
  if (!tmf::agent_in_trial(&g_agent)) {
    t->healthy = 0;
    return;
  }
  if (!ok) {
    g_port.log("trial: the app check failed, reverting");
    tmf::agent_trial_end(&g_agent, false);
    t->healthy = 0;
    return;
  }
  if (++t->healthy >= needed) {
    g_port.log("trial: healthy windows reached, confirming");
    tmf::agent_trial_end(&g_agent, true);
    t->healthy = 0;
    // For power-cut tests: how many flash operations a boot plus one update take (cut=N).
    qemu_print("firmware: flash operations since boot: %lu, stack peak %lu of %lu bytes\n",
               static_cast<unsigned long>(g_flash.operations), static_cast<unsigned long>(qemu_stack_high_water()),
               static_cast<unsigned long>(qemu_stack_size()));
  }
}

// An address none of the boards decodes (QEMU 7.2 `info mtree`: no region of AN385, AN386, AN500
// or AN505 covers it): a load from it is a bus error (HardFault). Not 0x0FF00000: the mps2 boards
// cover 0x00800000-0x43FFFFFF with read-as-zero "RESERVED" regions.
constexpr uint32_t kUnmappedAddress = 0xD0000000u;

// Not inlined: the test finds the faulting PC inside this function's symbol.
__attribute__((noinline)) void inject_fault(bool udf) {
  if (udf) __asm volatile("udf #7" ::: "memory");
  const uint32_t v = *reinterpret_cast<volatile const uint32_t*>(kUnmappedAddress);
  g_port.log(v == 0 ? "fault injection: the read returned 0" : "fault injection: the read returned data");
}

// Boot: board, flash, agent, app and link. Out of line so that its configuration structs (copied
// into the agent, the app and the link) leave the stack before the main loop runs: on a 16 KB part
// that is stack the deepest step (a signature check under a message) does not have to share.
// 0, or main's exit code.
__attribute__((noinline)) int firmware_boot(const Args& args) {
  tmf_qemu::board_clock_init();
  tmf_qemu::board_watchdog_start(args.watchdog_ms);
  tmf_qemu::board_uart_init(tmf_qemu::kUart0Base);
  tmf_qemu::board_uart_init(tmf_qemu::kUart1Base);

  const tmf_qemu::NorStatus ns =
      tmf_qemu::nor_open(&g_flash, args.flash, kFlashGeometry, g_flash_mirror, sizeof(g_flash_mirror));
  if (ns != tmf_qemu::NorStatus::kNorOk) {
    qemu_print("firmware: %s: %s\n", args.flash, tmf_qemu::nor_status_to_string(ns));
    return 1;
  }
  g_port.bind(&g_flash, &g_link);
  g_port.set_sensor_channels(args.sensor_channels);
  g_port.cut_power_at(args.cut);

  tmf::AgentConfig config{};
  config.core = "cortex-m4";
#if defined(__ARM_ARCH_7M__)
  config.core = "cortex-m3";
#elif defined(__ARM_ARCH_7EM__) && defined(__ARM_FP) && (__ARM_FP & 8)
  config.core = "cortex-m7";
#elif defined(__ARM_ARCH_8M_MAIN__)
  config.core = "cortex-m33";
#endif
  config.group = args.group;
  config.fleet = args.fleet;  // deployment records must name this fleet and the group
  config.arena = g_arena;
  config.arena_bytes = kArenaBytes;
  config.trusted_keys = g_keys;
  config.trusted_key_count = args.key_count;
  config.max_chunk_bytes = kMaxChunkBytes;
  config.window = 4;
  config.request_timeout_ms = 2000;
  config.give_up_ms = 120000;
  config.app_confirms = true;
  // Why the last reset: a record the fault handler or the watchdog's NMI left (board.cc). A fault
  // ends a trial at once; both count against a confirmed model (agent.h, kAgentFaultLimit).
  tmf_qemu::FaultRecord fault{};
  if (tmf_qemu::fault_record_take(&fault)) {
    if (tmf_qemu::fault_record_is_watchdog(fault)) {
      qemu_print("firmware: reset by the watchdog: pc=0x%08lx lr=0x%08lx\n", static_cast<unsigned long>(fault.pc),
                 static_cast<unsigned long>(fault.lr));
      config.reset_by_watchdog = true;
    } else {
      qemu_print("firmware: reset by a fault: %s, pc=0x%08lx lr=0x%08lx cfsr=0x%08lx hfsr=0x%08lx bfar=0x%08lx\n",
                 tmf_qemu::fault_kind(fault), static_cast<unsigned long>(fault.pc), static_cast<unsigned long>(fault.lr),
                 static_cast<unsigned long>(fault.cfsr), static_cast<unsigned long>(fault.hfsr),
                 static_cast<unsigned long>(fault.bfar));
      config.reset_by_fault = true;
    }
    config.fault_pc = fault.pc;
  }
  const tmf::AgentStatus boot = tmf::agent_boot(&g_agent, &g_port, config);
  if (boot != tmf::AgentStatus::kAgentOk && boot != tmf::AgentStatus::kAgentErrNoModel) {
    qemu_print("firmware: agent boot failed: %s; resetting\n", tmf::agent_status_to_string(boot));
    tmf_qemu::board_reset();
  }
  tmf::AppConfig app_config{};
  app_config.batch_windows = kBatchWindows;
  app_config.ring_batches = kRingBatches;
  app_config.ack_timeout_ms = 3000;
  app_config.data_interval_ms = 20;
  app_config.data_segment_samples = kDataSegmentSamples;
  app_config.sample_rate_hz = 12000;
  app_config.capture_buffer = g_capture;
  app_config.capture_capacity = kCaptureSamples;
  app_config.max_features = kMaxFeatures;  // the default pipeline has 32 FFT bands (docs/pipeline.md)
  app_config.max_bins = kMaxBins;
  app_config.memory = g_app_memory;
  app_config.memory_bytes = sizeof(g_app_memory);
  if (tmf::app_init(&g_app, &g_agent, &g_port, app_config) != tmf::AppStatus::kAppOk) {
    qemu_print("firmware: app config does not fit its memory (%lu bytes needed)\n",
               static_cast<unsigned long>(tmf::app_memory_bytes(app_config)));
    return 1;
  }
  if (kLinkMaxSendBytes != 0 &&
      (tmf::ota_telemetry_bytes(kBatchWindows, kMaxFeatures, kMaxBins, TMF_APP_SIGNAL_RMS != 0) > kLinkMaxSendBytes ||
       tmf::kOtaDataFixedBytes + 4 * kDataSegmentSamples > kLinkMaxSendBytes)) {
    qemu_print("firmware: a TELEMETRY or DATA message exceeds the link's send limit of %lu bytes\n",
               static_cast<unsigned long>(kLinkMaxSendBytes));
    return 1;
  }
  char text[48];
  qemu_print("firmware: booted (boot %lu), %s%s\n", static_cast<unsigned long>(g_agent.state.boot_count),
             model_text(&g_agent, text, sizeof(text)), tmf::agent_in_trial(&g_agent) ? " on trial" : "");
  if (g_agent.state.fault_resets != 0 || g_agent.state.watchdog_resets != 0) {
    qemu_print("firmware: resets of the confirmed model since boot %lu: %u by faults, %u by the watchdog\n",
               static_cast<unsigned long>(g_agent.state.fault_window_boot), static_cast<unsigned>(g_agent.state.fault_resets),
               static_cast<unsigned>(g_agent.state.watchdog_resets));
  }

  tmf::LinkDeviceConfig link_config{};
  link_config.session = session_id(g_agent.state.boot_count);
  link_config.mtu = kLinkMtu;
  link_config.rx_buffer = g_link_rx;
  link_config.rx_buffer_bytes = sizeof(g_link_rx);
  link_config.tx_pool = g_link_tx;
  link_config.tx_pool_bytes = sizeof(g_link_tx);
  link_config.max_send_bytes = kLinkMaxSendBytes;
  link_config.retransmit_ms = 200;
  link_config.hello_ms = 250;
  link_config.keepalive_ms = 1000;
  link_config.dead_ms = 3000;
  link_config.write = link_write;
  tmf::link_device_init(&g_link, link_config);

  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, &args)) return 2;
  if (const int failed = firmware_boot(args); failed != 0) return failed;
  Trial trial{0};
  // Stack painting (qemu_startup.h): the deepest use so far, printed when a step deepens it, so the
  // stack a build needs is measured, and by which step (boot: signature check, trial self-test).
  size_t stack_peak = qemu_stack_high_water();
  qemu_print("firmware: stack peak %lu of %lu bytes after boot\n", static_cast<unsigned long>(stack_peak),
             static_cast<unsigned long>(qemu_stack_size()));
  uint32_t window_fill = 0, capture_fill = 0, next_window_ms = 0;
  bool channel_mismatch_logged = false;
  bool idle = false;  // the last turn read no byte and no sample: sleep until an interrupt
  for (;;) {
    if (idle) tmf_qemu::board_idle();
    idle = true;
    tmf_qemu::board_watchdog_feed();
    uint32_t now = g_port.clock_ms();
    if (tmf::link_device_poll(&g_link, now) == tmf::LinkEvent::kLinkEventDown) {
      qemu_print("firmware: link down (gateway silent); sent %lu, retransmits %lu, received %lu, bad crc %lu, "
                 "malformed %lu, too long %lu\n",
                 static_cast<unsigned long>(g_link.counters.sent), static_cast<unsigned long>(g_link.counters.retransmits),
                 static_cast<unsigned long>(g_link.counters.received),
                 static_cast<unsigned long>(g_link.receiver.counters.bad_crc),
                 static_cast<unsigned long>(g_link.receiver.counters.malformed),
                 static_cast<unsigned long>(g_link.receiver.counters.too_long));
      tmf::app_on_disconnect(&g_app);
    }
    // At most a frame's worth of bytes per turn, so the sensor and the watchdog are served too.
    for (uint32_t i = 0; i < 2 * kLinkMtu; ++i) {
      const int byte = tmf_qemu::board_uart_read(tmf_qemu::kUart0Base);
      if (byte < 0) break;
      idle = false;
      tmf::LinkMessage message;
      const tmf::LinkEvent e = tmf::link_device_on_byte(&g_link, static_cast<uint8_t>(byte), now, &message);
      if (e == tmf::LinkEvent::kLinkEventUp) {
        g_port.log("link up");
        tmf::app_on_connect(&g_app);
      } else if (e == tmf::LinkEvent::kLinkEventDown) {
        g_port.log("link down (gateway asked to resync)");
        tmf::app_on_disconnect(&g_app);
      } else if (e == tmf::LinkEvent::kLinkEventMessage && message.leaf < static_cast<uint8_t>(tmf::OtaTopic::kOtaTopicCount)) {
        const tmf::AgentStatus s =
            tmf::app_on_message(&g_app, static_cast<tmf::OtaTopic>(message.leaf), message.data, message.bytes);
        if (s == tmf::AgentStatus::kAgentErrFlash) {
          g_port.log("flash operation failed: resetting");
          tmf_qemu::board_reset();
        }
        if (const size_t peak = qemu_stack_high_water(); peak > stack_peak) {
          stack_peak = peak;
          qemu_print("firmware: stack peak %lu bytes after a %s message\n", static_cast<unsigned long>(peak),
                     tmf::ota_topic_leaf(static_cast<tmf::OtaTopic>(message.leaf)));
        }
        now = g_port.clock_ms();
      }
    }
    tmf::app_poll(&g_app);
    if (g_agent.reboot_requested) {
      g_port.log("rebooting (command)");
      tmf_qemu::board_reset();
    }

    // Sensor samples: a requested capture first, else the current window.
    if (const uint32_t wanted = tmf::app_capture_pending(&g_app); wanted > 0) {
      if (kCaptureSharesWindow) window_fill = 0;
      if (capture_fill == 0 && g_port.sensor_phase() != 0) {
        // A capture also starts at a frame's first axis: its values are whole frames from there.
        const uint32_t got = g_port.sensor_read(g_sensor_stage, args.sensor_channels - g_port.sensor_phase());
        idle = idle && got == 0;
        continue;
      }
      const uint32_t got = g_port.sensor_read(g_capture + capture_fill, wanted - capture_fill);
      idle = idle && got == 0;
      capture_fill += got;
      if (capture_fill == wanted) {
        tmf::app_on_capture(&g_app, g_capture, capture_fill);
        capture_fill = 0;
      }
      continue;
    }
    capture_fill = 0;
    uint32_t n = tmf::app_window_samples(&g_app);
    const uint32_t channels = tmf::app_window_channels(&g_app);
    if (n != 0 && channels != args.sensor_channels) {
      // A model for another sensor: its window cannot be filled from this one (a trial fails).
      if (!channel_mismatch_logged) {
        qemu_print("firmware: the model's window has %lu channel(s), the sensor %lu: not run\n",
                   static_cast<unsigned long>(channels), static_cast<unsigned long>(args.sensor_channels));
        channel_mismatch_logged = true;
      }
      n = 0;
    } else {
      channel_mismatch_logged = false;
    }
    if (n == 0 || n > kMaxWindowSamples) {
      window_fill = 0;
      if (tmf::agent_in_trial(&g_agent)) trial_after_window(&trial, false, args.trial_windows);
      // Keep the stream live, at the pace of windows: drop what came (draining it without pause
      // would spend the core on a sensor nobody listens to).
      if (static_cast<int32_t>(now - next_window_ms) >= 0) {
        g_port.sensor_read(g_window, kMaxWindowSamples);
        next_window_ms = now + args.window_ms;
      }
      continue;
    }
    if (window_fill > n) window_fill = 0;
    if (static_cast<int32_t>(now - next_window_ms) < 0) continue;  // not yet: the stream waits
    if (window_fill == 0 && g_port.sensor_phase() != 0) {
      // A capture or the drain above stopped inside a frame: a window starts at a frame's first axis.
      const uint32_t got = g_port.sensor_read(g_sensor_stage, channels - g_port.sensor_phase());
      idle = idle && got == 0;
      continue;
    }
    // The interleaved frames go to their places in the channel-major window as they come.
    const uint32_t want = n - window_fill < sizeof(g_sensor_stage) / sizeof(float)
                              ? n - window_fill
                              : static_cast<uint32_t>(sizeof(g_sensor_stage) / sizeof(float));
    const uint32_t got = g_port.sensor_read(g_sensor_stage, want);
    idle = idle && got == 0;
    tmf::dsp::frame_scatter(g_sensor_stage, window_fill, got, n / channels, channels, g_window);
    window_fill += got;
    if (window_fill < n) continue;
    idle = false;
    window_fill = 0;
    next_window_ms = g_port.clock_ms() + args.window_ms;
    const tmf::Model* model = tmf::agent_model(&g_agent);
    if (model != nullptr && args.hang_version != 0 && model->header->model_version == args.hang_version) {
      g_port.log("fault injection: the app hangs on this model");
      for (;;) {
      }
    }
    const bool confirmed = model != nullptr && !tmf::agent_in_trial(&g_agent);
    if (confirmed && args.hang_confirmed_version != 0 && model->header->model_version == args.hang_confirmed_version) {
      g_port.log("fault injection: the app hangs on this confirmed model");
      for (;;) {
      }
    }
    if (model != nullptr && model->header->model_version != 0 &&
        (model->header->model_version == args.fault_version || model->header->model_version == args.udf_version ||
         (confirmed && model->header->model_version == args.fault_confirmed_version))) {
      const bool udf = model->header->model_version == args.udf_version;
      g_port.log(udf ? "fault injection: the app executes an undefined instruction"
                     : "fault injection: the app reads unmapped memory");
      inject_fault(udf);
    }
    tmf::AppWindowResult result{};
    const tmf::AppStatus s = tmf::app_on_window(&g_app, g_window, n, &result);
    trial_after_window(&trial, s == tmf::AppStatus::kAppOk, args.trial_windows);
    if (const size_t peak = qemu_stack_high_water(); peak > stack_peak) {
      stack_peak = peak;
      qemu_print("firmware: stack peak %lu bytes after a window\n", static_cast<unsigned long>(peak));
    }
  }
}
