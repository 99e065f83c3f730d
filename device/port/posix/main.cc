// tinymlops-device: a virtual Tiny-MLOps device. The device agent (device/agent) on a POSIX port:
// a flash image file, MQTT through a broker on 127.0.0.1 (libmosquitto), Ed25519 by libsodium,
// and link shaping (rate, latency, loss, forced disconnects) for benchmarks.
#include <sodium.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "device/agent/agent.h"
#include "device/app/app.h"
#include "host/cli/version.h"
#include "device/dsp/frame.h"
#include "host/sim/multi_axis.h"
#include "host/sim/synthetic_machine.h"
#include "mqtt_link.h"
#include "posix_flash.h"
#include "posix_port.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Options {
  std::string id, fleet = "fleet", group = "default", core = "cortex-m4", flash_path;
  int broker_port = 1883;
  uint32_t ram = 64 * 1024, flash_bytes = 1024 * 1024, sector_bytes = 4096, write_bytes = 8;
  uint32_t max_chunk = 4096, window = 8, request_timeout_ms = 2000, give_up_ms = 120000;
  std::vector<std::string> trusted_keys;
  tmf_posix::MqttLinkTls tls;
  double link_kbps = 0, latency_ms = 0, loss = 0, reconnect_ms = 1000, run_seconds = 0;
  std::vector<double> disconnect_at;
  uint64_t seed = 1, power_cut_at = UINT64_MAX;
  uint32_t infer_ms = 0;
  double load = 0.5;  // the synthetic pump's load (--load)
  uint32_t axes = 1;  // sensor axes (--axes): frames of this many interleaved values
  std::string sensor_file;  // --sensor: recorded frames replayed instead of the synthetic pump
  uint32_t drop_confirmed = 0;  // fault injection: the first N 'confirmed' EVENTs are lost on the link
  bool exit_on_result = false, json = false, quiet = false;
  std::string stats_path;  // --stats: counters written as JSON after every ended update and at exit
};

// A trusted key file: 32 raw bytes, or the key as 64 hex digits (whitespace ignored).
std::vector<uint8_t> read_public_key(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read trusted key");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() == 32) return std::vector<uint8_t>(text.begin(), text.end());
  std::string hex;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) hex += c;
  }
  std::vector<uint8_t> key(32);
  size_t bin_len = 0;
  if (hex.size() != 64 ||
      sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &bin_len, nullptr) != 0 || bin_len != 32) {
    throw std::runtime_error(path + ": not an Ed25519 public key (32 raw bytes or 64 hex digits)");
  }
  return key;
}

// One line per event or status the device publishes (JSON with --json).
void print_published(const Options& o, double now_ms, tmf::OtaTopic topic, const uint8_t* data, uint32_t bytes) {
  if (o.quiet) return;
  if (topic == tmf::OtaTopic::kOtaTopicEvent) {
    tmf::OtaEventMessage e{};
    if (tmf::ota_event_decode(data, bytes, &e) != tmf::OtaDecodeStatus::kOtaDecodeOk) return;
    if (o.json) {
      nlohmann::json j = {{"t_ms", static_cast<int64_t>(now_ms)}, {"device", o.id}, {"type", "event"},
                          {"event", tmf::ota_event_to_string(e.event)}, {"result", tmf::ota_result_to_string(e.result)},
                          {"result_code", static_cast<int>(e.result)}, {"update_id", e.update_id},
                          {"model_id", e.model_id}, {"model_version", e.model_version}, {"detail", e.detail}};
      std::cout << j.dump() << std::endl;
    } else {
      std::cout << o.id << ": " << tmf::ota_event_to_string(e.event) << " update " << e.update_id << " (model "
                << e.model_id << " v" << e.model_version << "): " << tmf::ota_result_to_string(e.result) << std::endl;
    }
  } else if (topic == tmf::OtaTopic::kOtaTopicStatus && o.json) {
    tmf::OtaStatusMessage s{};
    if (tmf::ota_status_decode(data, bytes, &s) != tmf::OtaDecodeStatus::kOtaDecodeOk) return;
    nlohmann::json j = {{"t_ms", static_cast<int64_t>(now_ms)}, {"device", o.id}, {"type", "status"},
                        {"state", tmf::ota_state_to_string(s.state)}, {"active_slot", s.active_slot},
                        {"last_result", tmf::ota_result_to_string(s.last_result)},
                        {"active_model_id", s.active_model_id}, {"active_model_version", s.active_model_version},
                        {"previous_model_version", s.previous_model_version}, {"confirmed_bytes", s.confirmed_bytes},
                        {"download_file_bytes", s.download_file_bytes}, {"boot_count", s.boot_count}};
    std::cout << j.dump() << std::endl;
  }
}

// The int8 input of a model without detection settings: a 50 Hz-like tone plus a harmonic,
// enough to exercise inference (the sensor seam carries physical samples for the app instead).
void fill_test_tone(uint32_t* phase, int8_t* out, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i, ++*phase) {
    const double t = *phase / 1000.0;
    out[i] = static_cast<int8_t>(std::lround(60.0 * std::sin(2 * M_PI * 50 * t) + 20.0 * std::sin(2 * M_PI * 150 * t)));
  }
}

// True for events that end an update (for --exit-on-result); *ok if it installed the model.
bool is_final_event(const uint8_t* data, uint32_t bytes, bool* ok) {
  tmf::OtaEventMessage e{};
  if (tmf::ota_event_decode(data, bytes, &e) != tmf::OtaDecodeStatus::kOtaDecodeOk) return false;
  *ok = e.event == tmf::OtaEvent::kOtaEventConfirmed;
  if (e.event == tmf::OtaEvent::kOtaEventRejected && e.result == tmf::OtaResult::kOtaResultConnectionLost) return false;
  return e.event == tmf::OtaEvent::kOtaEventConfirmed || e.event == tmf::OtaEvent::kOtaEventReverted ||
         e.event == tmf::OtaEvent::kOtaEventRejected;
}

// --sensor FILE: float32 little-endian frames of `axes` interleaved values, replayed in a loop
// from the first frame on (as the QEMU board's sensor stream, docs/qemu.md): the device's first
// window is the file's first frames, so a test can compute what the device must report.
class FileSensor {
 public:
  FileSensor(const std::string& path, uint32_t axes) : axes_(axes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot read the sensor file");
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty() || bytes.size() % (sizeof(float) * axes) != 0) {
      throw std::runtime_error(path + ": " + std::to_string(bytes.size()) + " bytes are not whole frames of " +
                               std::to_string(axes) + " float32 value(s)");
    }
    values_.resize(bytes.size() / sizeof(float));
    std::memcpy(values_.data(), bytes.data(), bytes.size());
  }
  void read(uint32_t frames, float* out) {
    for (uint64_t k = 0; k < uint64_t{frames} * axes_; ++k) {
      out[k] = values_[next_];
      next_ = next_ + 1 == values_.size() ? 0 : next_ + 1;
    }
  }

 private:
  uint32_t axes_;
  std::vector<float> values_;
  size_t next_ = 0;
};

// --stats FILE: the agent's download counters as JSON, replaced atomically (benchmarks read it).
void write_stats(const Options& o, const tmf::Agent& agent) {
  if (o.stats_path.empty()) return;
  const nlohmann::json j = {{"device", o.id},
                            {"confirmed_chunks", agent.confirmed_chunks},
                            {"chunks_received_again", agent.chunks_received_again},
                            {"confirmed_chunks_requested", agent.confirmed_chunks_requested},
                            {"boot_count", agent.state.boot_count}};
  const std::string tmp = o.stats_path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump() << "\n";
  }
  std::rename(tmp.c_str(), o.stats_path.c_str());
}

int run(const Options& o) {
  if (!tmf::ota_name_valid(o.id.c_str()) || !tmf::ota_name_valid(o.fleet.c_str()) || !tmf::ota_name_valid(o.group.c_str())) {
    std::cerr << "tinymlops-device: --id, --fleet and --group must be 1-32 characters of [A-Za-z0-9_-]\n";
    return 2;
  }
  std::vector<std::vector<uint8_t>> keys;
  for (const std::string& path : o.trusted_keys) keys.push_back(read_public_key(path));
  if (keys.size() > tmf::kOtaMaxKeys) throw std::runtime_error("at most 8 --trusted-key files");
  static uint8_t key_table[tmf::kOtaMaxKeys][32];
  for (size_t k = 0; k < keys.size(); ++k) std::copy(keys[k].begin(), keys[k].end(), key_table[k]);

  tmf_posix::PosixFlash flash(o.flash_path, {o.flash_bytes, o.sector_bytes, o.write_bytes});
  flash.cut_power_at(o.power_cut_at);
  tmf_posix::LinkProfile down{o.link_kbps, o.latency_ms, o.loss, 40};
  tmf_posix::LinkProfile up{o.link_kbps, o.latency_ms, o.loss, 40};
  tmf_posix::MqttLink link(o.fleet, o.id, o.broker_port, down, up, o.seed, o.tls);

  bool finished = false, installed = false, update_ended = false;
  uint32_t dropped_confirmed = 0;
  std::unique_ptr<tmf_posix::PosixPort> port;
  port = std::make_unique<tmf_posix::PosixPort>(
      &flash,
      [&](tmf::OtaTopic topic, const uint8_t* data, uint32_t bytes) {
        const double now = port->now_ms();
        print_published(o, now, topic, data, bytes);
        bool ok = false;
        if (topic == tmf::OtaTopic::kOtaTopicEvent && is_final_event(data, bytes, &ok)) {
          update_ended = true;
          if (o.exit_on_result) finished = true, installed = ok;
        }
        tmf::OtaEventMessage e{};
        if (dropped_confirmed < o.drop_confirmed && topic == tmf::OtaTopic::kOtaTopicEvent &&
            tmf::ota_event_decode(data, bytes, &e) == tmf::OtaDecodeStatus::kOtaDecodeOk &&
            e.event == tmf::OtaEvent::kOtaEventConfirmed) {
          ++dropped_confirmed;
          return tmf::PortStatus::kPortOk;  // sent, and lost on the way
        }
        return link.publish(now, topic, data, bytes);
      },
      o.quiet);

  std::vector<uint8_t> arena_storage(o.ram + 16);
  uint8_t* arena = arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  tmf::AgentConfig config{};
  config.core = o.core.c_str();
  config.group = o.group.c_str();
  config.fleet = o.fleet.c_str();
  config.arena = arena;
  config.arena_bytes = o.ram;
  config.trusted_keys = key_table;
  config.trusted_key_count = static_cast<uint32_t>(keys.size());
  config.max_chunk_bytes = o.max_chunk;
  config.window = o.window;
  config.request_timeout_ms = o.request_timeout_ms;
  config.give_up_ms = o.give_up_ms;

  // The device app around the agent (docs/app.md): detection loop, telemetry, captures.
  std::vector<float> capture(32768);
  tmf::AppConfig app_config{};
  app_config.batch_windows = 8;
  app_config.ring_batches = 16;
  app_config.ack_timeout_ms = 3000;
  app_config.data_interval_ms = 20;
  app_config.data_segment_samples = 1024;
  app_config.sample_rate_hz = 12000;
  app_config.capture_buffer = capture.data();
  app_config.capture_capacity = static_cast<uint32_t>(capture.size());
  app_config.max_features = 64;
  app_config.max_bins = 32;
  std::vector<uint64_t> app_memory((tmf::app_memory_bytes(app_config) + 7) / 8);
  app_config.memory = app_memory.data();
  app_config.memory_bytes = static_cast<uint32_t>(app_memory.size() * 8);
  // What the sensor sees: a synthetic pump (host/sim) whose machine is chosen by --seed, on --axes
  // axes (axis 0 is the single-axis pump), or the frames of a --sensor file.
  tmf::sim::MachineTimeline timeline;
  timeline.load = tmf::sim::PiecewiseLinear(o.load);
  const tmf::sim::MultiAxisMachine machine(tmf::sim::machine_params_from_seed(o.seed), timeline, o.axes);
  std::unique_ptr<FileSensor> file_sensor;
  if (!o.sensor_file.empty()) {
    file_sensor = std::make_unique<FileSensor>(o.sensor_file, o.axes);
    port->set_sensor([&file_sensor](double, uint32_t frames, float* out) { file_sensor->read(frames, out); }, o.axes);
  } else {
    port->set_sensor([&machine](double t, uint32_t frames, float* out) { machine.generate_interleaved(t, frames, out); },
                     o.axes);
  }

  auto agent = std::make_unique<tmf::Agent>();
  auto app = std::make_unique<tmf::App>();
  auto boot = [&]() {
    const tmf::AgentStatus s = tmf::agent_boot(agent.get(), port.get(), config);
    if (s != tmf::AgentStatus::kAgentOk && s != tmf::AgentStatus::kAgentErrNoModel) {
      throw std::runtime_error(o.flash_path + ": agent boot failed: " + tmf::agent_status_to_string(s));
    }
    if (tmf::app_init(app.get(), agent.get(), port.get(), app_config) != tmf::AppStatus::kAppOk) {
      throw std::runtime_error("device app: bad configuration");
    }
    const tmf::Model* m = tmf::agent_model(agent.get());
    if (!o.quiet) {
      std::string line = "booted, ";
      line += m != nullptr ? "model " + std::to_string(m->header->model_id) + " v" + std::to_string(m->header->model_version)
                           : std::string("no model");
      port->log(line.c_str());
    }
  };
  boot();
  link.start(port->now_ms());

  size_t next_disconnect = 0;
  double next_infer_ms = o.infer_ms;
  std::vector<int8_t> sensor;
  uint32_t tone_phase = 0;
  std::vector<uint8_t> output(4096);
  std::vector<float> frames, window;
  bool channel_mismatch_logged = false;
  std::vector<tmf_posix::LinkMessage> due;
  while (!g_stop && !finished) {
    const double now = port->now_ms();
    if (o.run_seconds > 0 && now >= o.run_seconds * 1000) break;
    if (next_disconnect < o.disconnect_at.size() && now >= o.disconnect_at[next_disconnect] * 1000) {
      ++next_disconnect;
      link.force_disconnect(now, o.reconnect_ms);
      port->log("link dropped (--disconnect-at)");
    }
    due.clear();
    link.poll(now, 2, &due);
    if (link.just_disconnected) {
      link.just_disconnected = false;
      tmf::app_on_disconnect(app.get());
    }
    if (link.just_connected) {
      link.just_connected = false;
      tmf::app_on_connect(app.get());
    }
    for (const tmf_posix::LinkMessage& m : due) {
      if (tmf::app_on_message(app.get(), m.topic, m.payload.data(), m.payload.size()) ==
          tmf::AgentStatus::kAgentErrFlash) {
        throw std::runtime_error(o.flash_path + ": flash operation failed");
      }
    }
    tmf::app_poll(app.get());
    if (update_ended) {
      update_ended = false;
      write_stats(o, *agent);
    }
    if (agent->reboot_requested) {
      port->log("rebooting (command)");
      tmf::app_on_disconnect(app.get());
      boot();
      if (link.connected()) tmf::app_on_connect(app.get());
    }
    if (const uint32_t wanted = tmf::app_capture_pending(app.get()); wanted > 0) {
      // Whole frames: a request shorter than one frame still gets (the start of) one.
      const uint32_t got = port->sensor_read(capture.data(), std::max(wanted, o.axes));
      tmf::app_on_capture(app.get(), capture.data(), got);
    }
    const tmf::Model* model = tmf::agent_model(agent.get());
    if (o.infer_ms > 0 && model != nullptr && port->now_ms() >= next_infer_ms) {
      // No catch-up burst after a time without a model: the next window is one period from now.
      next_infer_ms = std::max(next_infer_ms + o.infer_ms, port->now_ms());
      // A model with detection settings (TLV 0x101) runs in the detection loop on the pump's
      // signal and reports telemetry; any other model runs on the int8 test tone.
      if (const uint32_t n = tmf::app_window_samples(app.get()); n > 0) {
        // The sensor's interleaved frames become the model's channel-major window; a model for
        // another number of axes is not run (its trial fails).
        const uint32_t channels = tmf::app_window_channels(app.get());
        if (channels != o.axes) {
          if (!channel_mismatch_logged) {
            const std::string line = "the model's window has " + std::to_string(channels) + " channel(s), the sensor " +
                                     std::to_string(o.axes) + ": not run";
            port->log(line.c_str());
          }
          channel_mismatch_logged = true;
          continue;
        }
        channel_mismatch_logged = false;
        frames.resize(n);
        window.resize(n);
        if (port->sensor_read(frames.data(), n) == n &&
            tmf::dsp::frame_deinterleave(frames.data(), n / channels, channels, window.data()) == tmf::dsp::DspStatus::kOk) {
          tmf::AppWindowResult r{};
          tmf::app_on_window(app.get(), window.data(), n, &r);
        }
        continue;
      }
      uint32_t input_bytes = 0;
      for (uint32_t i = 0; i < model->header->input_count; ++i) {
        input_bytes += model->tensors[model->operands[i]].bytes;
      }
      sensor.resize(input_bytes);
      fill_test_tone(&tone_phase, sensor.data(), input_bytes);
      uint32_t written = 0;
      tmf::agent_infer(agent.get(), reinterpret_cast<const uint8_t*>(sensor.data()), input_bytes, output.data(),
                       static_cast<uint32_t>(output.size()), &written);
    }
  }
  // Let the last messages out.
  for (int i = 0; i < 50 && link.connected(); ++i) {
    due.clear();
    link.poll(port->now_ms(), 2, &due);
  }
  write_stats(o, *agent);
  if (o.exit_on_result && finished) return installed ? 0 : 3;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"A virtual Tiny-MLOps device: the device agent on a flash image file, updated over MQTT "
               "(docs/agent.md, docs/protocol.md). Talks only to a broker on 127.0.0.1."};
  app.set_version_flag("--version", std::string("tinymlops-device ") + tmf::kTinymlopsVersion, "Print the version and exit");
  app.add_option("--id", o.id, "Device id (tmf/<fleet>/<id>/...)")->required();
  app.add_option("--fleet", o.fleet, "Fleet name")->capture_default_str();
  app.add_option("--group", o.group, "Rollout group, reported in the device info")->capture_default_str();
  app.add_option("--broker-port", o.broker_port, "MQTT broker port on 127.0.0.1")->capture_default_str();
  app.add_option("--ca", o.tls.ca_file, "Fleet CA certificate (PEM): connect with TLS and verify the broker");
  app.add_option("--cert", o.tls.cert_file, "This device's certificate (PEM), from `tinymlops devices enroll`");
  app.add_option("--key", o.tls.key_file, "This device's private key (PEM)");
  app.add_option("--flash", o.flash_path, "Flash image file (created erased if missing)")->required();
  app.add_option("--flash-bytes", o.flash_bytes, "Flash size: journal, update area and two model slots")->capture_default_str();
  app.add_option("--sector-bytes", o.sector_bytes, "Erase sector size")->capture_default_str();
  app.add_option("--write-bytes", o.write_bytes, "Write granule")->capture_default_str();
  app.add_option("--ram", o.ram, "Model arena bytes the device offers")->capture_default_str();
  app.add_option("--core", o.core, "Core name reported in the device info")->capture_default_str();
  app.add_option("--trusted-key", o.trusted_keys, "Ed25519 public key file (32 bytes raw or 64 hex digits); repeatable");
  app.add_option("--max-chunk", o.max_chunk, "Largest chunk requested (bytes)")->capture_default_str();
  app.add_option("--window", o.window, "Chunk requests outstanding at once (1-16)")->capture_default_str();
  app.add_option("--request-timeout-ms", o.request_timeout_ms, "Re-request a chunk after this silence")->capture_default_str();
  app.add_option("--give-up-ms", o.give_up_ms, "Report 'connection lost' after this long without a chunk")->capture_default_str();
  app.add_option("--link-kbps", o.link_kbps, "Link rate in kbit/s, each direction (0: unlimited)")->capture_default_str();
  app.add_option("--latency-ms", o.latency_ms, "One-way link latency")->capture_default_str();
  app.add_option("--loss", o.loss, "Message loss in percent, each direction")->capture_default_str();
  app.add_option("--disconnect-at", o.disconnect_at, "Drop the link at these seconds after start (comma-separated)")
      ->delimiter(',');
  app.add_option("--reconnect-ms", o.reconnect_ms, "How long a forced disconnect lasts")->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the loss generator")->capture_default_str();
  app.add_option("--drop-confirmed", o.drop_confirmed,
                 "Fault injection: lose the first N 'confirmed' EVENTs on the link (the host must recover)");
  app.add_option("--power-cut-at", o.power_cut_at, "Exit (status 137) at this flash erase/write, a scripted power cut");
  app.add_option("--infer-ms", o.infer_ms,
                 "Measure a window every N ms (0: never): a model with detection settings runs the detection "
                 "loop on a synthetic pump and sends telemetry (docs/app.md); others run on a test tone")
      ->capture_default_str();
  app.add_option("--load", o.load, "Load of the synthetic pump the sensor sees (0..1.5; the machine comes from --seed)")
      ->capture_default_str();
  app.add_option("--axes", o.axes,
                 "Sensor axes: frames of this many interleaved values (the synthetic pump seen by a multi-axis "
                 "accelerometer, or the --sensor file's layout); only models with this many channels run")
      ->capture_default_str()->check(CLI::Range(1u, tmf::sim::kMaxAxes));
  app.add_option("--sensor", o.sensor_file,
                 "Replay this float32 file (frames of --axes interleaved values) in a loop from its start "
                 "instead of the synthetic pump");
  app.add_option("--run-seconds", o.run_seconds, "Exit after this many seconds (0: run until signalled)");
  app.add_flag("--exit-on-result", o.exit_on_result, "Exit when an update ends: 0 confirmed, 3 rejected or reverted");
  app.add_flag("--json", o.json, "Print events and status as JSON lines");
  app.add_option("--stats", o.stats_path, "Write download counters (JSON) to this file after each update and at exit");
  app.add_flag("--quiet", o.quiet, "Print nothing");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return e.get_exit_code() == 0 ? 0 : (code == 0 ? 0 : 2);
  }
  if (o.window < 1 || o.window > tmf::kAgentMaxWindow || o.max_chunk < tmf::kOtaMinChunkBytes ||
      o.max_chunk > tmf::kOtaMaxChunkBytes || o.loss < 0 || o.loss > 100) {
    std::cerr << "tinymlops-device: --window 1-16, --max-chunk 64-16384, --loss 0-100\n";
    return 2;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "tinymlops-device: " << e.what() << "\n";
    return 1;
  }
}
