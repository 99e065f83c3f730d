// The CLI around serve: `tinymlops collect --wait-seconds` against a running `tinymlops serve`
// and a device that answers COMMAND collect with DATA; `tinymlops alerts list|ack|label`,
// including the error for an unknown alert id. On SQLite (ServeCli) and PostgreSQL (ServeCliPostgres).
#include <mosquitto.h>

#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "publisher.h"
#include "serve_fixture.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

CommandResult run(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

float sample_value(uint32_t i) { return std::cos(0.02f * static_cast<float>(i)) * 3.0f; }

// Answers COMMAND collect with the capture in DATA segments of 1,000 samples.
void on_command(struct mosquitto* mosq, void*, const struct mosquitto_message* m) {
  OtaCommand c{};
  if (ota_command_decode(static_cast<const uint8_t*>(m->payload), static_cast<size_t>(m->payloadlen), &c) !=
          OtaDecodeStatus::kOtaDecodeOk ||
      c.command != OtaCommandCode::kOtaCommandCollect) {
    return;
  }
  std::vector<float> samples(c.collect_samples);
  for (uint32_t i = 0; i < c.collect_samples; ++i) samples[i] = sample_value(i);
  for (uint32_t offset = 0; offset < c.collect_samples; offset += 1000) {
    const uint32_t count = std::min<uint32_t>(1000, c.collect_samples - offset);
    OtaData d{c.update_id, offset, c.collect_samples, 8000, 0x1234, 1, static_cast<uint16_t>(count),
              samples.data() + offset, nullptr};
    std::vector<uint8_t> out(kOtaDataFixedBytes + 4 * count);
    out.resize(ota_data_encode(d, out.data(), out.size()));
    mosquitto_publish(mosq, nullptr, "tmf/plant/dev1/data", static_cast<int>(out.size()), out.data(), 1, false);
  }
}

TMF_TEST_BOTH_ENGINES(ServeCli, CollectWaitsForTheCaptureAndAlertsAreAckedAndLabelled) {
  const std::string dir = scratch_dir("serve_cli");
  const test_support::ScopedTestDatabase database(engine, "serve_cli");
  FleetBroker broker(dir + "/broker", "plant");
  const std::string registry = dir + "/registry";
  broker.enrol(registry, "dev1", "pumps");
  std::vector<std::string> serve_argv = {TMF_CLI, "serve", "--registry", registry, "--fleet", "plant", "--json"};
  for (const auto& flag : broker.service_flags(fleet::FleetService::kFleetServiceServe)) serve_argv.push_back(flag);
  for (const auto& flag : database.cli_flags()) serve_argv.push_back(flag);
  const pid_t serve = spawn(serve_argv, dir + "/serve.log");
  mosquitto_lib_init();
  struct mosquitto* device = mosquitto_new("cli-dev1", true, nullptr);
  const TlsIdentity me = broker.device("dev1");
  tls_set(device, me);
  mosquitto_message_callback_set(device, on_command);
  TMF_ASSERT(mosquitto_connect(device, "127.0.0.1", broker.port(), 10) == MOSQ_ERR_SUCCESS);
  mosquitto_subscribe(device, nullptr, "tmf/plant/dev1/cmd", 1);
  mosquitto_loop_start(device);

  // An alarm batch, resent until serve acknowledges it (serve may still be starting).
  DevicePublishers publisher(broker, {"dev1"}, "cli-publisher");
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (publisher.acked_count() == 0 && std::chrono::steady_clock::now() < end) {
    publisher.publish({"dev1", 1, 1}, 8, /*alarms_raised=*/1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  TMF_ASSERT(publisher.acked_count() == 1);

  const std::string common = " --registry '" + registry + "'" + database.cli_line();
  CommandResult collect = run(std::string(TMF_CLI) + " collect --device dev1 --samples 2500 --wait-seconds 20 --json" +
                              " --out '" + dir + "/dev1.f32' " +
                              broker.service_flags_line(fleet::FleetService::kFleetServiceCollect) + " --fleet plant" +
                              common);
  TMF_EXPECT_EQ(collect.exit_code, 0);
  const auto capture = nlohmann::json::parse(collect.out, nullptr, false);
  TMF_ASSERT(!capture.is_discarded());
  TMF_EXPECT(capture["state"] == "complete");
  TMF_EXPECT_EQ(capture["received_samples"].get<int>(), 2500);
  TMF_EXPECT_EQ(capture["sample_rate_hz"].get<int>(), 8000);
  TMF_EXPECT(capture["samples_missing"] == false && capture["out_bytes"] == 2500 * sizeof(float));
  // The samples the device sent, exported from the store (serve writes no capture files).
  auto wrong_samples = [](const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (bytes.size() != 2500 * sizeof(float)) return size_t{2500};
    size_t wrong = 0;
    for (uint32_t i = 0; i < 2500; ++i) {
      float v;
      std::memcpy(&v, bytes.data() + 4 * i, 4);
      wrong += v != sample_value(i);
    }
    return wrong;
  };
  TMF_EXPECT_EQ(wrong_samples(dir + "/dev1.f32"), 0);
  TMF_EXPECT(!std::filesystem::exists(registry + "/captures"));
  // ... and again later by id, without asking the device.
  const std::string capture_id = std::to_string(capture["capture_id"].get<int>());
  CommandResult exported = run(std::string(TMF_CLI) + " collect --capture " + capture_id + " --out '" + dir +
                               "/again.f32'" + common);
  TMF_EXPECT_EQ(exported.exit_code, 0);
  TMF_EXPECT(exported.out.find("10000 bytes of float32 written to") != std::string::npos);
  TMF_EXPECT_EQ(wrong_samples(dir + "/again.f32"), 0);
  CommandResult unknown = run(std::string(TMF_CLI) + " collect --capture 999 --out '" + dir + "/x.f32'" + common);
  TMF_EXPECT(unknown.exit_code == 2 && unknown.out.find("--capture 999: no such capture") != std::string::npos);

  // The alarm batch raised exactly one alert (resends of the same batch raise none).
  CommandResult list = run(std::string(TMF_CLI) + " alerts list --json" + common);
  TMF_EXPECT_EQ(list.exit_code, 0);
  const auto open_alerts = nlohmann::json::parse(list.out, nullptr, false);
  TMF_ASSERT(open_alerts.is_array() && open_alerts.size() == 1);
  const int64_t id = open_alerts[0]["id"].get<int64_t>();
  TMF_EXPECT(open_alerts[0]["kind"] == "alarm" && open_alerts[0]["device"] == "dev1");
  TMF_EXPECT_EQ(run(std::string(TMF_CLI) + " alerts ack " + std::to_string(id) + common).exit_code, 0);
  CommandResult labelled = run(std::string(TMF_CLI) + " alerts label " + std::to_string(id) +
                               " false --note 'loose sensor' --json" + common);
  TMF_EXPECT_EQ(labelled.exit_code, 0);
  const auto alert = nlohmann::json::parse(labelled.out, nullptr, false);
  TMF_ASSERT(alert.is_object());
  TMF_EXPECT(alert["state"] == "acked" && alert["label"] == false && alert["label_note"] == "loose sensor");
  TMF_EXPECT(nlohmann::json::parse(run(std::string(TMF_CLI) + " alerts list --json" + common).out).empty());
  const auto acked = nlohmann::json::parse(run(std::string(TMF_CLI) + " alerts list --state acked --kind alarm --json" + common).out);
  TMF_EXPECT_EQ(acked.size(), 1);
  std::printf("  collect: capture %d complete (%d samples at %d Hz); alert %lld acked and labelled false\n",
              capture["capture_id"].get<int>(), capture["received_samples"].get<int>(),
              capture["sample_rate_hz"].get<int>(), static_cast<long long>(id));

  CommandResult missing = run(std::string(TMF_CLI) + " alerts ack 999" + common);
  TMF_EXPECT_EQ(missing.exit_code, 2);
  TMF_EXPECT(missing.out.find("alert 999: no such alert") != std::string::npos);
  CommandResult bad = run(std::string(TMF_CLI) + " alerts label 999 maybe" + common);
  TMF_EXPECT_EQ(bad.exit_code, 2);
  TMF_EXPECT(bad.out.find("true or false") != std::string::npos);

  mosquitto_disconnect(device);
  mosquitto_loop_stop(device, false);
  mosquitto_destroy(device);
  kill(serve, SIGTERM);
  int status = 0;
  waitpid(serve, &status, 0);
  TMF_EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace tmf::test
