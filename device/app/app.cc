// The device application (contract in app.h, docs/app.md): detection loop per window, TELEMETRY
// batches in a ring until acknowledged, raw captures uploaded as rate-limited DATA segments.
#include "device/app/app.h"

#include <string.h>

#include "device/detect/model_config.h"
#include "device/dsp/stats.h"
#include "device/runtime/model.h"

namespace tmf {
namespace {

constexpr uint32_t align8(uint32_t bytes) { return (bytes + 7u) & ~7u; }

// The protocol's limits bound what one config can serve.
bool config_valid(const AppConfig& c) {
  return c.batch_windows >= 1 && c.batch_windows <= kOtaMaxTelemetryWindows && c.ring_batches >= 1 &&
         c.ring_batches <= kAppMaxRingBatches && c.data_segment_samples >= 1 &&
         c.data_segment_samples <= kOtaMaxDataSamples && c.max_features >= 1 &&
         c.max_features <= kOtaMaxTelemetryFeatures && c.max_bins <= kOtaMaxTelemetryBins &&
         (c.capture_buffer != nullptr || c.capture_capacity == 0);
}

// Detect loop memory for the largest model the config serves.
uint32_t loop_bytes(const AppConfig& c) {
  detect::DetectLoopConfig worst{};
  worst.detector_count = 1;
  worst.vote_k = 1;
  worst.baseline.feature_count = c.max_features;
  worst.sketch_bins = c.max_bins;
  worst.sketch_sigmas = 1.0f;
  return detect::detect_loop_bytes(worst);
}

uint32_t data_buffer_bytes(const AppConfig& c) { return align8(kOtaDataFixedBytes + 4u * c.data_segment_samples); }
uint32_t stage_bytes(const AppConfig& c) {
  return align8(16u * c.max_features) + align8(2u * c.max_features * c.max_bins);
}
// A full batch of the largest model: the smallest ring pool.
uint32_t max_batch_bytes(const AppConfig& c) {
  const uint32_t f = c.max_bins > 0 ? c.max_features : 0;
  return align8(static_cast<uint32_t>(ota_telemetry_bytes(c.batch_windows, f, c.max_bins, TMF_APP_SIGNAL_RMS != 0)));
}
uint32_t fixed_bytes(const AppConfig& c) { return loop_bytes(c) + data_buffer_bytes(c) + stage_bytes(c); }

void update_clock(App* app) {
  const uint32_t now = app->port->clock_ms();
  app->uptime_ms += static_cast<uint32_t>(now - app->last_clock_ms);  // wraps like the clock
  app->last_clock_ms = now;
}

bool plain_float(const TensorRecord& t) { return t.type == kTensorTypeFloat32 && t.quant == kTensorQuantNone; }

// Decodes the model's TLV 0x101 and checks it fits this config; the samples input's element count.
bool model_settings(const App& app, const Model& model, detect::ModelConfig* mc, uint32_t* samples) {
  if (detect::model_config_find(model, mc) != detect::DetectStatus::kOk) return false;
  if (mc->feature_count > app.config.max_features || mc->sketch_bins > app.config.max_bins) return false;
  const Interpreter probe{&model, app.agent->config.arena};
  const TensorRecord* t = nullptr;
  if (interpreter_input(probe, mc->samples_input, &t, nullptr) != Status::kOk || !plain_float(*t)) return false;
  *samples = tensor_element_count(*t);
  if (interpreter_output(probe, mc->score_output, &t, nullptr) != Status::kOk || !plain_float(*t) ||
      tensor_element_count(*t) != 1) {
    return false;
  }
  return true;
}

// ---- ring of unacknowledged batches ----

void ring_remove(App* app, uint32_t index) {
  for (uint32_t i = index + 1; i < app->ring_count; ++i) app->ring[i - 1] = app->ring[i];
  --app->ring_count;
}

// Room for `bytes` in the pool after the newest entry (or from the start, wrapping), never over
// the oldest entry. Entries are consecutive around the pool in send order; an acked entry in the
// middle leaves a hole that is reused once the entries before it are gone.
bool ring_fit(const App& app, uint32_t bytes, uint32_t* offset) {
  if (app.ring_count == 0) {
    *offset = 0;
    return bytes <= app.pool_bytes;
  }
  if (app.ring_count >= app.config.ring_batches) return false;
  const uint32_t head = app.ring[0].offset;
  const AppRingEntry& newest = app.ring[app.ring_count - 1];
  const uint32_t tail = newest.offset + newest.bytes;
  if (tail > head) {  // occupied [head, tail): free after tail, then before head
    if (bytes <= app.pool_bytes - tail) return *offset = tail, true;
    if (bytes <= head) return *offset = 0, true;
    return false;
  }
  if (bytes <= head - tail) return *offset = tail, true;  // wrapped: free [tail, head)
  return false;
}

// A slot for a new batch; drops the oldest batches (counted, logged) until one fits.
uint8_t* ring_reserve(App* app, uint32_t bytes, AppRingEntry* entry) {
  uint32_t offset = 0;
  while (!ring_fit(*app, bytes, &offset)) {
    if (app->ring_count == 0) return nullptr;  // larger than the pool: cannot happen (app_init)
    ring_remove(app, 0);
    ++app->counters.batches_dropped;
    app->port->log("app: telemetry ring full, oldest unacknowledged batch dropped");
  }
  entry->offset = offset;
  entry->bytes = bytes;
  return app->pool + offset;
}

void ring_send(App* app, AppRingEntry* entry) {
  entry->sent_ms = app->last_clock_ms;
  if (!app->connected) return;  // sent again on the next connect
  app->port->transport_publish(OtaTopic::kOtaTopicTelemetry, app->pool + entry->offset, entry->bytes);
}

// ---- batches ----

uint16_t saturate16(uint32_t v) { return v > 0xFFFFu ? 0xFFFFu : static_cast<uint16_t>(v); }

// Encodes the open batch into the ring, sends it, restarts the batch and the loop's sketch.
void close_batch(App* app) {
  if (app->batch_count == 0) return;
  update_clock(app);
  OtaTelemetry t{};
  t.incarnation = app->agent->state.incarnation;
  t.boot_count = app->agent->state.boot_count;
  t.seq = app->next_seq;
  t.model_id = app->batch_model_id;
  t.model_version = app->batch_model_version;
  t.active_slot = app->batch_slot;
  t.phase = static_cast<OtaTelemetryPhase>(app->batch_phase);
  t.alarm = app->batch_alarm;
  t.window_count = static_cast<uint8_t>(app->batch_count);
  t.first_window = app->batch_first_window;
  t.uptime_s = static_cast<uint32_t>(app->uptime_ms / 1000u);
  t.free_ram_bytes = app->batch_free_ram;
  t.inference_cycles = static_cast<uint32_t>(app->batch_cycles / app->batch_count);
  t.alarms_raised = app->batch_alarms;
  t.candidates = app->batch_candidates;
  t.scores = app->batch_scores;
  t.votes = app->batch_votes;
#if TMF_APP_SIGNAL_RMS
  t.rms = app->batch_rms;
#endif
  detect::FeatureSketch* sketch = nullptr;
  if (app->loop_ready && app->loop.config.sketch_bins > 0) {
    sketch = &app->loop.sketch;
    const uint32_t f = sketch->config.feature_count, b = sketch->config.bins;
    float* lo = app->stage_f32;
    float* hi = lo + f;
    float* mean = hi + f;
    float* m2 = mean + f;
    for (uint32_t i = 0; i < f; ++i) {
      lo[i] = sketch->lo[i];
      hi[i] = sketch->hi[i];
      mean[i] = static_cast<float>(sketch->stats.mean[i]);
      m2[i] = static_cast<float>(sketch->stats.m2[i]);
    }
    for (uint32_t i = 0; i < f * b; ++i) app->stage_histogram[i] = saturate16(sketch->histogram[i]);
    t.feature_count = static_cast<uint8_t>(f);
    t.bins = static_cast<uint8_t>(b);
    t.sketch_count = sketch->stats.count;
    t.lo = lo, t.hi = hi, t.mean = mean, t.m2 = m2;
    t.histogram = app->stage_histogram;
  }
  const uint32_t bytes =
      static_cast<uint32_t>(ota_telemetry_bytes(t.window_count, t.feature_count, t.bins, t.rms != nullptr));
  AppRingEntry entry{app->next_seq, 0, 0, 0};
  uint8_t* slot = ring_reserve(app, bytes, &entry);
  t.dropped_batches = saturate16(app->counters.batches_dropped);  // including drops for this one
  if (slot != nullptr && ota_telemetry_encode(t, slot, bytes) == bytes) {
    app->ring[app->ring_count++] = entry;
    ++app->counters.batches_sent;
    ring_send(app, &app->ring[app->ring_count - 1]);
  } else {
    ++app->counters.batches_dropped;  // not reachable with a valid config; never silent
    app->port->log("app: telemetry batch could not be encoded, dropped");
  }
  ++app->next_seq;
  app->batch_count = 0;
  if (sketch != nullptr) detect::sketch_reset(sketch);  // the sketch covers one batch
}

// The loop runs on the agent's active model: on a change (id, version, slot, bytes) the open batch
// is closed with the old identity, then the loop restarts on the new model. False if there is no
// usable model.
// True if `model` (may be null) is the one the loop was last set up for.
bool same_model(const App* app, const Model* model) {
  const uint8_t* base = model != nullptr ? model->base : nullptr;
  const uint32_t id = model != nullptr ? model->header->model_id : 0;
  const uint32_t version = model != nullptr ? model->header->model_version : 0;
  return app->model_seen && base == app->model_base && id == app->model_id && version == app->model_version &&
         app->agent->state.active_slot == app->model_slot;
}

bool ensure_model(App* app) {
  const Model* model = agent_model(app->agent);
  if (same_model(app, model)) return app->loop_ready;
  const uint8_t* base = model != nullptr ? model->base : nullptr;
  const uint32_t id = model != nullptr ? model->header->model_id : 0;
  const uint32_t version = model != nullptr ? model->header->model_version : 0;
  const uint8_t slot = app->agent->state.active_slot;
  close_batch(app);
  app->model_seen = true;
  app->loop_ready = false;
  app->model_base = base;
  app->model_id = id;
  app->model_version = version;
  app->model_slot = slot;
  if (model == nullptr) return false;
  detect::ModelConfig mc;
  uint32_t samples = 0;
  if (!model_settings(*app, *model, &mc, &samples)) {
    app->port->log("app: active model has no usable detection settings (TLV 0x101)");
    return false;
  }
  if (interpreter_init(&app->interpreter, model, app->agent->config.arena, app->agent->config.arena_bytes) !=
      Status::kOk) {
    app->port->log("app: active model does not fit the arena");
    return false;
  }
  // The staging area holds [2][F] floats: the fixed sketch ranges, copied by detect_loop_init.
  const detect::DetectLoopConfig lc = detect::model_config_loop_config(mc, app->stage_f32);
  if (detect::detect_loop_init(&app->loop, lc, &app->interpreter, app->loop_memory, app->loop_memory_bytes) !=
      detect::DetectStatus::kOk) {
    app->port->log("app: detection loop does not accept the active model");
    return false;
  }
  app->score_output = mc.score_output;
  app->loop_ready = true;
  ++app->counters.loop_restarts;
  return true;
}

// ---- raw captures ----

void send_data_segment(App* app) {
  const uint32_t left = app->capture_total - app->capture_sent;
  const uint32_t n = left < app->config.data_segment_samples ? left : app->config.data_segment_samples;
  OtaData d{};
  d.capture_id = app->capture_id;
  d.offset = app->capture_sent;
  d.total_samples = app->capture_total;
  d.sample_rate_hz = app->config.sample_rate_hz;
  d.model_id = app->capture_model_id;
  d.model_version = app->capture_model_version;
  d.sample_count = static_cast<uint16_t>(n);
  d.samples = app->config.capture_buffer + app->capture_sent;
  const size_t bytes = ota_data_encode(d, app->data_buffer, app->data_buffer_bytes);
  app->data_sent_once = true;
  app->last_data_ms = app->last_clock_ms;  // failed attempts count against the rate too
  if (bytes == 0) return;
  if (app->port->transport_publish(OtaTopic::kOtaTopicData, app->data_buffer, static_cast<uint32_t>(bytes)) ==
      PortStatus::kPortOk) {
    app->capture_sent += n;
    ++app->counters.data_segments_sent;
  }
}

void on_collect(App* app, const OtaCommand& c) {
  app->capture_total = app->capture_sent = 0;  // a new request replaces the one in progress
  app->capture_id = c.update_id;
  app->capture_wanted = c.collect_samples < app->config.capture_capacity ? c.collect_samples
                                                                           : app->config.capture_capacity;
  if (app->capture_wanted == 0) app->port->log("app: collect refused, no capture buffer");
}

void on_ack(App* app, const OtaTelemetryAck& ack) {
  if (ack.boot_count != app->agent->state.boot_count) return;  // a batch of an earlier boot
  // ...or of the same boot number in the journal's earlier life (an erased journal starts again at
  // boot 1); an older host's ack carries no incarnation and matches by (boot, seq) as before.
  if (ack.has_incarnation && ack.incarnation != app->agent->state.incarnation) return;
  for (uint32_t i = 0; i < app->ring_count; ++i) {
    if (app->ring[i].seq == ack.seq) {
      ring_remove(app, i);
      ++app->counters.batches_acked;
      return;
    }
  }
}

}  // namespace

const char* app_status_to_string(AppStatus status) {
  switch (status) {
    case AppStatus::kAppOk: return "ok";
    case AppStatus::kAppErrArgument: return "bad argument";
    case AppStatus::kAppErrMemory: return "memory null, misaligned or too small";
    case AppStatus::kAppErrNoModel: return "no active model with usable detection settings";
    case AppStatus::kAppErrInvoke: return "the model failed on this window";
    case AppStatus::kAppErrNoCapture: return "no capture was requested";
  }
  return "unknown app status";
}

uint32_t app_memory_bytes(const AppConfig& config) {
  if (!config_valid(config) || loop_bytes(config) == 0) return 0;
  return fixed_bytes(config) + config.ring_batches * max_batch_bytes(config);
}

AppStatus app_init(App* app, Agent* agent, Port* port, const AppConfig& config) {
  if (app == nullptr || agent == nullptr || port == nullptr || !agent->booted || !config_valid(config) ||
      loop_bytes(config) == 0) {
    return AppStatus::kAppErrArgument;
  }
  if (config.memory == nullptr || (reinterpret_cast<uintptr_t>(config.memory) & 7u) != 0 ||
      config.memory_bytes < fixed_bytes(config) + max_batch_bytes(config)) {
    return AppStatus::kAppErrMemory;
  }
  memset(app, 0, sizeof(*app));
  app->agent = agent;
  app->port = port;
  app->config = config;
  app->last_clock_ms = port->clock_ms();
  uint8_t* at = static_cast<uint8_t*>(config.memory);
  app->loop_memory = at;
  app->loop_memory_bytes = loop_bytes(config);
  at += app->loop_memory_bytes;
  app->data_buffer = at;
  app->data_buffer_bytes = data_buffer_bytes(config);
  at += app->data_buffer_bytes;
  app->stage_f32 = reinterpret_cast<float*>(at);
  app->stage_histogram = reinterpret_cast<uint16_t*>(at + align8(16u * config.max_features));
  at += stage_bytes(config);
  app->pool = at;
  app->pool_bytes = config.memory_bytes - fixed_bytes(config);
  app->next_seq = 1;
  return AppStatus::kAppOk;
}

AgentStatus app_on_connect(App* app) {
  const AgentStatus s = agent_on_connect(app->agent);
  app->connected = true;
  update_clock(app);
  for (uint32_t i = 0; i < app->ring_count; ++i) {
    ring_send(app, &app->ring[i]);
    ++app->counters.batches_resent;
  }
  return s;
}

void app_on_disconnect(App* app) {
  app->connected = false;
  agent_on_disconnect(app->agent);
}

AgentStatus app_on_message(App* app, OtaTopic topic, const uint8_t* data, size_t bytes) {
  if (topic == OtaTopic::kOtaTopicAck) {
    OtaTelemetryAck ack{};
    if (ota_telemetry_ack_decode(data, bytes, &ack) == OtaDecodeStatus::kOtaDecodeOk) {
      on_ack(app, ack);
    } else {
      ++app->counters.messages_rejected;
    }
    return AgentStatus::kAgentOk;
  }
  if (topic == OtaTopic::kOtaTopicCommand && data != nullptr && bytes > 4 &&
      data[4] == static_cast<uint8_t>(OtaCommandCode::kOtaCommandCollect)) {
    OtaCommand command{};
    if (ota_command_decode(data, bytes, &command) == OtaDecodeStatus::kOtaDecodeOk) {
      on_collect(app, command);
      return AgentStatus::kAgentOk;
    }
    // Another version or type is the agent's to judge; a broken collect is dropped here.
    OtaMessageType type{};
    if (ota_message_type(data, bytes, &type) == OtaDecodeStatus::kOtaDecodeOk &&
        type == OtaMessageType::kOtaMessageCommand) {
      ++app->counters.messages_rejected;
      return AgentStatus::kAgentOk;
    }
  }
  return agent_on_message(app->agent, topic, data, bytes);
}

AgentStatus app_poll(App* app) {
  const AgentStatus s = agent_poll(app->agent);
  update_clock(app);
  const uint32_t now = app->last_clock_ms;
  if (app->connected && app->ring_count > 0 && now - app->ring[0].sent_ms >= app->config.ack_timeout_ms) {
    ring_send(app, &app->ring[0]);
    ++app->counters.batches_resent;
  }
  if (app->connected && app_capture_uploading(app) &&
      (!app->data_sent_once || now - app->last_data_ms >= app->config.data_interval_ms)) {
    send_data_segment(app);
  }
  return s;
}

uint32_t app_window_samples(const App* app) {
  if (app == nullptr || app->agent == nullptr) return 0;
  const Model* model = agent_model(app->agent);
  if (model == nullptr) return 0;
  if (app->loop_ready && same_model(app, model)) return app->loop.sample_count;
  detect::ModelConfig mc;
  uint32_t samples = 0;
  return model_settings(*app, *model, &mc, &samples) ? samples : 0;
}

uint32_t app_window_channels(const App* app) {
  if (app_window_samples(app) == 0) return 0;
  const Model* model = agent_model(app->agent);
  detect::ModelConfig mc;
  if (detect::model_config_find(*model, &mc) != detect::DetectStatus::kOk) return 0;
  const Interpreter probe{model, app->agent->config.arena};
  const TensorRecord* t = nullptr;
  if (interpreter_input(probe, mc.samples_input, &t, nullptr) != Status::kOk) return 0;
  // [C, N]: the second-to-last dimension; [1, N] and [N] are one axis.
  return t->rank >= 2 ? static_cast<uint32_t>(t->dims[t->rank - 2]) : 1u;
}

AppStatus app_on_window(App* app, const float* samples, uint32_t n, AppWindowResult* result) {
  if (app == nullptr || samples == nullptr || result == nullptr) return AppStatus::kAppErrArgument;
  if (!ensure_model(app)) return AppStatus::kAppErrNoModel;
  if (n != app->loop.sample_count) return AppStatus::kAppErrArgument;
  // The interpreter holds only the model and arena pointers, which ensure_model keeps current; the
  // agent's self-test runs in the same arena, but every input is written again before each invoke.
  const Model* model = agent_model(app->agent);
  const uint32_t c0 = app->port->cycle_counter();
  detect::DetectWindowResult r{};
  const detect::DetectStatus ds = detect::detect_loop_step(&app->loop, samples, &r);
  const uint32_t cycles = app->port->cycle_counter() - c0;
  if (ds != detect::DetectStatus::kOk) return AppStatus::kAppErrInvoke;
  const uint8_t* out = nullptr;
  float score = 0.0f;
  if (interpreter_output(app->interpreter, app->score_output, nullptr, &out) == Status::kOk) memcpy(&score, out, 4);
  ++app->agent->inference_count;  // STATUS reports the inferences since boot
  // Outside the cycle count above: inference_cycles stays the detection loop's own cost.
  float rms = 0.0f;
#if TMF_APP_SIGNAL_RMS
  dsp::SignalStats stats{};
  if (dsp::stats_compute(samples, n, &stats) == dsp::DspStatus::kOk) rms = stats.rms;
#endif

  if (app->batch_count == 0) {
    app->batch_first_window = app->counters.windows;
    app->batch_model_id = app->model_id;
    app->batch_model_version = app->model_version;
    app->batch_slot = app->model_slot;
    app->batch_free_ram = app->agent->config.arena_bytes - model->header->arena_bytes;
    app->batch_alarms = app->batch_candidates = 0;
    app->batch_cycles = 0;
  }
  const uint32_t k = app->batch_count++;
  app->batch_scores[k] = score;
#if TMF_APP_SIGNAL_RMS
  app->batch_rms[k] = rms;
#endif
  app->batch_votes[k] = r.votes > 0xFFu ? 0xFFu : static_cast<uint8_t>(r.votes);
  app->batch_cycles += cycles;
  if (r.candidate) ++app->batch_candidates;
  if (r.event == detect::DetectEvent::kAlarmRaised) {
    ++app->batch_alarms;
    ++app->counters.alarms_raised;
  }
  app->batch_phase = static_cast<uint8_t>(r.phase == detect::DetectPhase::kCommissioning
                                              ? OtaTelemetryPhase::kOtaPhaseCommissioning
                                              : OtaTelemetryPhase::kOtaPhaseMonitoring);
  app->batch_alarm = r.alarm ? 1 : 0;
  ++app->counters.windows;

  result->detect = r;
  result->score = score;
  result->rms = rms;
  result->cycles = cycles;
  result->batch_published = app->batch_count >= app->config.batch_windows;
  if (result->batch_published) close_batch(app);
  return AppStatus::kAppOk;
}

uint32_t app_capture_pending(const App* app) { return app == nullptr ? 0 : app->capture_wanted; }

AppStatus app_on_capture(App* app, const float* samples, uint32_t n) {
  if (app == nullptr || samples == nullptr || n == 0) return AppStatus::kAppErrArgument;
  if (app->capture_wanted == 0) return AppStatus::kAppErrNoCapture;
  const uint32_t total = n < app->capture_wanted ? n : app->capture_wanted;
  if (samples != app->config.capture_buffer) memmove(app->config.capture_buffer, samples, 4u * total);
  const Model* model = agent_model(app->agent);
  app->capture_model_id = model != nullptr ? model->header->model_id : 0;
  app->capture_model_version = model != nullptr ? model->header->model_version : 0;
  app->capture_total = total;
  app->capture_sent = 0;
  app->capture_wanted = 0;
  ++app->counters.captures;
  return AppStatus::kAppOk;
}

}  // namespace tmf
