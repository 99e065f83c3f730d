// libFuzzer target over the device agent's untrusted inputs: every protocol decoder (and the
// accessors of the variable-length ones) on the raw bytes, then the same bytes as a stream of MQTT messages into a booted agent on in-memory flash:
//   record = u8 topic (manifest 0, chunk 1, cmd 2, other: a reboot) | u16 length | payload
// CRCs of chunk records are fixed up so the fuzzer reaches the flash-writing paths; a signature
// whose first byte is 0x5A "verifies" (the fake crypto), so manifests reach the download.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "device/agent/agent.h"
#include "device/agent/protocol.h"
#include "device/app/app.h"

namespace {

constexpr uint32_t kFlashBytes = 256 * 1024;
alignas(16) uint8_t g_flash[kFlashBytes];
alignas(16) uint8_t g_arena[32 * 1024];
uint8_t g_message[tmf::kOtaChunkHeaderBytes + tmf::kOtaMaxChunkBytes + tmf::kOtaMaxManifestBytes];
tmf::Agent g_agent;
tmf::App g_app;
alignas(8) uint8_t g_app_memory[32 * 1024];
float g_capture[2048];
constexpr uint32_t kMaxSamples = sizeof(g_message) / 4;
float g_samples[kMaxSamples];
const uint8_t g_keys[1][32] = {{0}};

class FuzzPort : public tmf::Port {
 public:
  tmf::PortFlashGeometry flash_geometry() override { return {kFlashBytes, 4096, 8}; }
  tmf::PortStatus flash_read(uint32_t offset, void* out, uint32_t bytes) override {
    if (uint64_t{offset} + bytes > kFlashBytes) return tmf::PortStatus::kPortErrRange;
    memcpy(out, g_flash + offset, bytes);
    return tmf::PortStatus::kPortOk;
  }
  tmf::PortStatus flash_erase_sector(uint32_t offset) override {
    if (offset % 4096 != 0 || offset >= kFlashBytes) __builtin_trap();  // the agent must stay in range
    memset(g_flash + offset, 0xFF, 4096);
    return tmf::PortStatus::kPortOk;
  }
  tmf::PortStatus flash_write(uint32_t offset, const void* data, uint32_t bytes) override {
    if (offset % 8 != 0 || bytes % 8 != 0 || uint64_t{offset} + bytes > kFlashBytes) __builtin_trap();
    const uint8_t* in = static_cast<const uint8_t*>(data);
    for (uint32_t i = 0; i < bytes; ++i) g_flash[offset + i] &= in[i];
    return tmf::PortStatus::kPortOk;
  }
  const uint8_t* flash_map(uint32_t offset, uint32_t bytes) override {
    return uint64_t{offset} + bytes > kFlashBytes ? nullptr : g_flash + offset;
  }
  uint32_t clock_ms() override { return now += 50; }
  tmf::PortStatus transport_publish(tmf::OtaTopic, const uint8_t*, uint32_t) override { return tmf::PortStatus::kPortOk; }
  bool crypto_ed25519_verify(const uint8_t signature[64], const uint8_t*, uint32_t, const uint8_t*) override {
    return signature[0] == 0x5A;
  }
  uint32_t sensor_read(float*, uint32_t) override { return 0; }
  void log(const char*) override {}
  uint32_t now = 0;
};

FuzzPort g_port;
volatile float g_sink;
constexpr uint32_t kAppRingLimit = 4;  // keeps the accessor reads of decode_all from being optimized away

void decode_all(const uint8_t* data, size_t size) {
  tmf::OtaManifest m;
  tmf::ota_manifest_decode(data, size, &m);
  tmf::OtaDeployRecord record{};
  tmf::ota_deploy_record_decode(data, size, &record);
  tmf::OtaChunkRequest r;
  tmf::ota_chunk_request_decode(data, size, &r);
  tmf::OtaChunk c;
  if (tmf::ota_chunk_decode(data, size, &c) == tmf::OtaDecodeStatus::kOtaDecodeOk) tmf::ota_chunk_crc_ok(c);
  tmf::OtaEventMessage e;
  tmf::ota_event_decode(data, size, &e);
  tmf::OtaStatusMessage s;
  tmf::ota_status_decode(data, size, &s);
  bool online;
  tmf::ota_presence_decode(data, size, &online);
  tmf::OtaInfo info;
  tmf::ota_info_decode(data, size, &info);
  tmf::OtaCommand command;
  tmf::ota_command_decode(data, size, &command);
  // The loop-closing messages; a decoded message is read in full through its accessors, so
  // ASan sees every byte the host or device would read.
  tmf::OtaTelemetry t;
  if (tmf::ota_telemetry_decode(data, size, &t) == tmf::OtaDecodeStatus::kOtaDecodeOk) {
    float sum = 0.0f;
    for (uint32_t i = 0; i < t.window_count; ++i) sum += tmf::ota_telemetry_score(t, i) + tmf::ota_telemetry_votes(t, i);
    for (uint32_t f = 0; f < t.feature_count; ++f) {
      sum += tmf::ota_telemetry_lo(t, f) + tmf::ota_telemetry_hi(t, f) + tmf::ota_telemetry_mean(t, f) +
             tmf::ota_telemetry_m2(t, f);
      for (uint32_t b = 0; b < t.bins; ++b) sum += tmf::ota_telemetry_bin(t, f, b);
    }
    g_sink = sum;
  }
  tmf::OtaTelemetryAck ack;
  tmf::ota_telemetry_ack_decode(data, size, &ack);
  tmf::OtaData d;
  if (tmf::ota_data_decode(data, size, &d) == tmf::OtaDecodeStatus::kOtaDecodeOk) {
    if (uint64_t{d.offset} + d.sample_count > d.total_samples) __builtin_trap();
    float sum = 0.0f;
    for (uint32_t i = 0; i < d.sample_count; ++i) sum += tmf::ota_data_sample(d, i);
    g_sink = sum;
  }
}

tmf::AgentConfig config() {
  tmf::AgentConfig c{};
  c.core = "fuzz";
  c.group = "fuzz";
  c.fleet = "fuzz";
  c.arena = g_arena;
  c.arena_bytes = sizeof(g_arena);
  c.trusted_keys = g_keys;
  c.trusted_key_count = 1;
  c.max_chunk_bytes = 1024;
  c.window = 4;
  c.request_timeout_ms = 100;
  c.give_up_ms = 10000;
  return c;
}

tmf::AppConfig app_config() {
  tmf::AppConfig c{};
  c.batch_windows = 8;
  c.ring_batches = 4;
  c.ack_timeout_ms = 200;
  c.data_interval_ms = 100;
  c.data_segment_samples = 256;
  c.sample_rate_hz = 25600;
  c.capture_buffer = g_capture;
  c.capture_capacity = 2048;
  c.max_features = 16;
  c.max_bins = 16;
  c.memory = g_app_memory;
  c.memory_bytes = sizeof(g_app_memory);
  return c;
}

void start_app() {
  if (tmf::app_init(&g_app, &g_agent, &g_port, app_config()) != tmf::AppStatus::kAppOk) __builtin_trap();
  tmf::app_on_connect(&g_app);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  decode_all(data, size);
  memset(g_flash, 0xFF, sizeof(g_flash));
  if (tmf::agent_boot(&g_agent, &g_port, config()) == tmf::AgentStatus::kAgentErrArgument) __builtin_trap();
  start_app();
  size_t at = 0;
  while (at + 3 <= size) {
    const uint8_t kind = data[at];
    const size_t length = data[at + 1] | (data[at + 2] << 8);
    at += 3;
    const size_t n = length < size - at ? length : size - at;
    if (n > sizeof(g_message)) break;
    memcpy(g_message, data + at, n);
    at += n;
    if (kind == 1 && n >= tmf::kOtaChunkHeaderBytes) {
      tmf::OtaChunk c;
      if (tmf::ota_chunk_decode(g_message, n, &c) == tmf::OtaDecodeStatus::kOtaDecodeOk) {
        const uint32_t crc = tmf::ota_crc32(0, c.data, c.length);
        for (int i = 0; i < 4; ++i) g_message[16 + i] = static_cast<uint8_t>(crc >> (8 * i));
      }
    }
    if (kind == 0) tmf::app_on_message(&g_app, tmf::OtaTopic::kOtaTopicManifest, g_message, n);
    else if (kind == 1) tmf::app_on_message(&g_app, tmf::OtaTopic::kOtaTopicChunk, g_message, n);
    else if (kind == 2) tmf::app_on_message(&g_app, tmf::OtaTopic::kOtaTopicCommand, g_message, n);
    else if (kind == 4) tmf::app_on_message(&g_app, tmf::OtaTopic::kOtaTopicAck, g_message, n);
    else if (kind == 5) {
      const uint32_t samples = static_cast<uint32_t>(n / 4);
      memcpy(g_samples, g_message, 4 * samples);
      if (samples > 0) tmf::app_on_capture(&g_app, g_samples, samples);
    } else if (kind == 6) {
      // A window, if the installed model carries detection settings: the payload, zero-padded.
      const uint32_t window = tmf::app_window_samples(&g_app);
      if (window > 0 && window <= kMaxSamples) {
        memset(g_samples, 0, 4 * window);
        memcpy(g_samples, g_message, n < 4 * window ? n : 4 * window);
        tmf::AppWindowResult r;
        tmf::app_on_window(&g_app, g_samples, window, &r);
      }
    } else {
      tmf::agent_boot(&g_agent, &g_port, config());  // a reboot mid-stream
      start_app();
    }
    tmf::app_poll(&g_app);
    if (g_app.capture_sent > g_app.capture_total || g_app.ring_count > kAppRingLimit) __builtin_trap();
    const tmf::Model* model = tmf::agent_model(&g_agent);
    if (model != nullptr && model->header->file_bytes == 0) __builtin_trap();
  }
  return 0;
}
