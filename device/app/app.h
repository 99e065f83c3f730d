// The device application: what a sensor node runs around the agent (docs/app.md). Per window it
// runs the detection loop (device/detect) on the agent's active model, configured by the model's
// TLV 0x101; it batches the windows into TELEMETRY messages kept in a fixed ring until the host
// acknowledges them (resent after a timeout and after every reconnect), and it answers COMMAND
// collect by uploading a raw capture as rate-limited DATA segments. Freestanding C++17: the caller
// owns the App object and its memory; no heap, no exceptions.
//
//   app_init()           once after agent_boot().
//   app_on_connect()     after every (re)connect (instead of agent_on_connect).
//   app_on_disconnect()  when the link drops (instead of agent_on_disconnect).
//   app_on_message()     for every message on manifest/chunk/cmd/ack (instead of agent_on_message).
//   app_poll()           periodically (instead of agent_poll).
//   app_on_window()      for every window of app_window_samples() samples.
//   app_capture_pending() / app_on_capture()  when the host asked for raw data.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "device/agent/agent.h"
#include "device/detect/detect_loop.h"
#include "device/runtime/interpreter.h"

// Each TELEMETRY batch carries every window's signal RMS (docs/protocol.md, the part after the
// incarnation trailer): 128 B more in App and 4 B per window per ring batch. A part with no RAM to
// spare (the 16 KB build) sets 0 and sends batches without it, as devices before it did.
#ifndef TMF_APP_SIGNAL_RMS
#define TMF_APP_SIGNAL_RMS 1
#endif

namespace tmf {

constexpr uint32_t kAppMaxRingBatches = 16;

enum class AppStatus : uint8_t {
  kAppOk = 0,
  kAppErrArgument,      // null pointer, config field out of range, wrong window length
  kAppErrMemory,        // config.memory null, not 8-byte aligned or smaller than one batch needs
  kAppErrNoModel,       // no active model, or it has no valid TLV 0x101, or its interface or
                        // size (features, bins) does not fit the loop and this config
  kAppErrInvoke,        // the model failed to run on this window (nothing counted)
  kAppErrNoCapture,     // app_on_capture without a pending collect request
};

const char* app_status_to_string(AppStatus status);

struct AppConfig {
  uint32_t batch_windows;        // windows per TELEMETRY batch, 1..32 (the virtual devices use 8)
  uint32_t ring_batches;         // unacknowledged batches kept, 1..16 (fewer if memory is short)
  uint32_t ack_timeout_ms;       // the oldest unacknowledged batch is sent again after this
  uint32_t data_interval_ms;     // rate limit: at most one DATA segment per interval
  uint32_t data_segment_samples; // samples per DATA segment, 1..1024
  uint32_t sample_rate_hz;       // reported with captures
  float* capture_buffer;         // raw capture storage (may be null: collect is then refused)
  uint32_t capture_capacity;     // samples; a larger collect request is clamped to this
  uint32_t max_features;         // largest feature count F of a model this config serves, 1..64
  uint32_t max_bins;             // largest sketch bin count B, 0..32
  void* memory;                  // 8-byte aligned: detect loop, DATA buffer, sketch staging, ring
  uint32_t memory_bytes;         // app_memory_bytes(config) keeps ring_batches full-size batches
};

struct AppCounters {
  uint32_t windows;             // windows processed since app_init
  uint32_t alarms_raised;
  uint32_t batches_sent;        // first sends (published or attempted while the link was down)
  uint32_t batches_resent;      // sends again (ack timeout, reconnect)
  uint32_t batches_acked;
  uint32_t batches_dropped;     // unacknowledged batches dropped to make room (ring full)
  uint32_t data_segments_sent;
  uint32_t captures;            // captures started (app_on_capture accepted)
  uint32_t loop_restarts;       // detection loop (re)initialized for a new active model
  uint32_t messages_rejected;   // malformed ack/collect messages dropped
};

// What one window did (also in the TELEMETRY batch).
struct AppWindowResult {
  detect::DetectWindowResult detect;  // phase, event, votes, candidate, alarm
  float score;                        // the model's score output
  float rms;                          // the window's signal RMS, all axes (0 with TMF_APP_SIGNAL_RMS 0)
  uint32_t cycles;                    // port cycle_counter() difference around the step
  bool batch_published;               // this window closed a batch (published or queued)
};

struct AppRingEntry {
  uint32_t seq;
  uint32_t offset;   // in the ring pool
  uint32_t bytes;
  uint32_t sent_ms;  // last (attempted) send
};

struct App {
  Agent* agent;
  Port* port;
  AppConfig config;
  bool connected;
  AppCounters counters;
  uint64_t uptime_ms;
  uint32_t last_clock_ms;

  // The model the loop runs on (identity checked before every window).
  bool model_seen;            // identity below is valid (loop_ready says whether it is usable)
  bool loop_ready;
  const uint8_t* model_base;
  uint32_t model_id, model_version;
  uint8_t model_slot;
  uint32_t score_output;
  Interpreter interpreter;
  detect::DetectLoop loop;
  uint8_t* loop_memory;
  uint32_t loop_memory_bytes;

  // The batch being filled.
  uint32_t batch_count;
  uint32_t batch_first_window;
  uint32_t batch_model_id, batch_model_version;
  uint8_t batch_slot;
  uint32_t batch_free_ram;
  uint8_t batch_phase;        // OtaTelemetryPhase of the last window
  uint8_t batch_alarm;
  uint16_t batch_alarms, batch_candidates;
  uint64_t batch_cycles;
  float batch_scores[kOtaMaxTelemetryWindows];
  uint8_t batch_votes[kOtaMaxTelemetryWindows];
#if TMF_APP_SIGNAL_RMS
  float batch_rms[kOtaMaxTelemetryWindows];
#endif
  float* stage_f32;           // [4][max_features]: lo, hi, mean, m2 for the encoder
  uint16_t* stage_histogram;  // [max_features * max_bins]

  // Unacknowledged batches, oldest first, encoded in the pool.
  uint8_t* pool;
  uint32_t pool_bytes;
  AppRingEntry ring[kAppMaxRingBatches];
  uint32_t ring_count;
  uint32_t next_seq;

  // Raw capture: requested (pending) -> captured -> uploaded segment by segment.
  uint32_t capture_id;
  uint32_t capture_wanted;    // pending request (samples), 0 if none
  uint32_t capture_total;     // captured samples being uploaded
  uint32_t capture_sent;      // samples already published
  uint32_t capture_model_id, capture_model_version;
  bool data_sent_once;
  uint32_t last_data_ms;
  uint8_t* data_buffer;       // one encoded DATA segment
  uint32_t data_buffer_bytes;
};

// Bytes of memory for ring_batches batches of a model with max_features / max_bins (0 for a bad
// config). A smaller block (at least one batch) keeps fewer batches.
uint32_t app_memory_bytes(const AppConfig& config);

// `agent` must have been booted (agent_boot; a device without a model is fine). `app` may be
// uninitialized memory; agent, port, memory and capture buffer must outlive it.
AppStatus app_init(App* app, Agent* agent, Port* port, const AppConfig& config);

// agent_on_connect, then every unacknowledged batch is sent again (oldest first).
AgentStatus app_on_connect(App* app);
void app_on_disconnect(App* app);
// TELEMETRY_ACK and COMMAND collect are handled here (a malformed one is dropped and counted);
// every other message goes to agent_on_message, whose status is returned.
AgentStatus app_on_message(App* app, OtaTopic topic, const uint8_t* data, size_t bytes);
// agent_poll, then: the oldest batch unacknowledged for ack_timeout_ms is sent again; the next
// DATA segment goes out if data_interval_ms passed since the last one. Returns agent_poll's status.
AgentStatus app_poll(App* app);

// Samples per window of the active model (N of its samples input); 0 without a model or without
// a valid TLV 0x101.
uint32_t app_window_samples(const App* app);

// Sensor axes of the active model's window (format 1.3): its samples input is [C, N], channel-major
// (axis c's N samples at [c*N, (c+1)*N)), and app_window_samples() = C * N. A multi-axis sensor's
// interleaved frames become such a window with dsp::frame_deinterleave. 1 for a single-axis model,
// 0 without a model.
uint32_t app_window_channels(const App* app);

// Runs one window of `n` = app_window_samples() samples through the detection loop on the
// agent's active model and adds it to the TELEMETRY batch (published when full). A changed
// active model first closes the open batch, then restarts the loop (commissioning again).
AppStatus app_on_window(App* app, const float* samples, uint32_t n, AppWindowResult* result);

// Samples the host asked for by COMMAND collect that have not been captured yet (clamped to
// capture_capacity); 0 if none.
uint32_t app_capture_pending(const App* app);
// The platform hands over the requested capture (n contiguous samples; more than requested are
// ignored, fewer make a shorter capture). `samples` may be config.capture_buffer itself. The
// capture is then uploaded by app_poll as DATA segments.
AppStatus app_on_capture(App* app, const float* samples, uint32_t n);

// True while a capture is being uploaded.
inline bool app_capture_uploading(const App* app) { return app->capture_sent < app->capture_total; }
inline const AppCounters& app_counters(const App* app) { return app->counters; }
// Batches waiting for their TELEMETRY_ACK.
inline uint32_t app_unacked_batches(const App* app) { return app->ring_count; }

}  // namespace tmf
