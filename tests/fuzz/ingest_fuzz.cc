// libFuzzer target over what serve and deploy take from the network: an MQTT topic and payload
// through the fleet link's decoder (host/fleet/event.cc), then what ingest does with each event
// before anything is stored: TELEMETRY into a batch row (batch_from_telemetry, sketch and RMS included),
// DATA through the capture rules (capture_segment_accepted, capture_add_range) and every sample
// read, INFO's strings. Input:
//   u8 selector | payload          selector bit 7 clear: topic tmf/plant/dev-1/<leaf selector % 11>
//   u8 0x80 | topic\0 | payload    bit 7 set: the topic itself comes from the input
// Invariants that would let one device's message reach far are checked and trap when broken.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "host/fleet/event.h"
#include "host/fleet/topic.h"
#include "host/monitor/telemetry_store.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tmf;
  if (size < 1) return 0;
  std::string topic;
  size_t at = 1;
  if (data[0] & 0x80) {
    const void* end = memchr(data + 1, 0, size - 1);
    if (end == nullptr) return 0;
    topic.assign(reinterpret_cast<const char*>(data + 1), static_cast<const uint8_t*>(end) - (data + 1));
    at = static_cast<const uint8_t*>(end) - data + 1;
  } else {
    const auto leaf = static_cast<OtaTopic>((data[0] & 0x7F) % static_cast<uint8_t>(OtaTopic::kOtaTopicCount));
    topic = fleet::fleet_topic("plant", "dev-1", leaf);
  }
  std::vector<uint8_t> payload(data + at, data + size);
  fleet::FleetDecodeError error = fleet::FleetDecodeError::kFleetDecodeOk;
  std::optional<fleet::FleetEvent> e = fleet::fleet_event_decode(topic, std::move(payload), false, "plant", &error);
  if (!e) return 0;
  check(ota_name_valid(e->device.c_str()) && fleet::fleet_topic_is_uplink(e->leaf));

  if (const auto* t = std::get_if<OtaTelemetry>(&e->message)) {
    check(t->alarms_raised <= t->window_count && t->candidates <= t->window_count);
    try {
      const monitor::TelemetryBatch b = monitor::batch_from_telemetry(e->device, *t, 0);
      check(b.scores.size() == t->window_count && b.votes.size() == t->window_count);
      check(b.rms.size() == (t->has_rms ? t->window_count : 0u));
    } catch (const std::invalid_argument&) {
      // a malformed sketch: ingest stores the batch without it
    }
  } else if (const auto* d = std::get_if<OtaData>(&e->message)) {
    monitor::Capture c;
    c.device = "dev-1";
    c.samples = 4096;
    c.state = "requested";
    if (monitor::capture_segment_accepted(c, e->device, d->offset, d->sample_count, d->total_samples)) {
      check(uint64_t{d->offset} + d->sample_count <= c.samples);
      float sum = 0;
      for (uint32_t i = 0; i < d->sample_count; ++i) sum += ota_data_sample(*d, i);
      (void)sum;
      const uint32_t covered = monitor::capture_add_range(c.received_ranges, d->offset, d->sample_count);
      check(covered == d->sample_count && c.received_ranges.size() == 1);
    }
  } else if (const auto* info = std::get_if<OtaInfo>(&e->message)) {
    check(memchr(info->core, 0, sizeof info->core) != nullptr && memchr(info->group, 0, sizeof info->group) != nullptr);
  }
  return 0;
}
