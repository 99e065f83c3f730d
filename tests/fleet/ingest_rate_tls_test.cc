// The ingest figure over mutual TLS (make bench: serve.ingest_tls.batches_per_second beside the
// plain-text serve.ingest.batches_per_second of serve_tests Serve.IngestRateFigure): serve with its
// service identity on the generated broker configuration, enrolment enforced, and three enrolled
// devices each publishing 1,000 batches through its own TLS session. A figure, not an assertion on
// time; what is asserted is that every batch was acknowledged and stored once.
#include <nlohmann/json.hpp>

#include "host/monitor/telemetry_store.h"
#include "host/registry/registry.h"
#include "tests/fleet/fleet_fixture.h"
#include "tests/monitor/serve/publisher.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using namespace fleet_test;
using Clock = std::chrono::steady_clock;

TMF_TEST(FleetIngest, TlsRateFigure) {
  Fleet f;
  TMF_ASSERT(make_fleet(&f, "ingest_tls"));
  const std::string reg_dir = f.root + "/registry";
  Mosquitto broker(f.config, f.port, f.log);
  const Identity svc = f.identity("svc-serve");
  const std::string serve_log = f.root + "/serve.log";
  const pid_t serve = test_support::spawn_logged(
      {TMF_CLI, "serve", "--registry", reg_dir, "--fleet", "plant7", "--broker", "mqtts://127.0.0.1:" + std::to_string(f.port),
       "--ca", svc.ca, "--cert", svc.cert, "--key", svc.key, "--json", "--progress-seconds", "1",
       "--max-device-batches-per-second", "0"},
      serve_log, false);
  const std::vector<std::string> devices = {"pump-a", "pump-b", "pump-c"};
  std::vector<std::unique_ptr<test::TelemetryPublisher>> publishers;
  for (const auto& id : devices) {
    const Identity me = f.identity(id);
    const test::PublisherTls tls{me.ca, me.cert, me.key};
    publishers.push_back(std::make_unique<test::TelemetryPublisher>("plant7", f.port, "rate-" + id, &tls,
                                                                    "tmf/plant7/" + id + "/ack"));
  }
  // Serve is up and subscribed once a probe batch of each device is acknowledged.
  const auto probe_end = Clock::now() + std::chrono::seconds(30);
  for (size_t i = 0; i < devices.size(); ++i) {
    while (publishers[i]->acked_count() == 0 && Clock::now() < probe_end) {
      publishers[i]->publish({devices[i], 2, 1});
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    TMF_ASSERT(publishers[i]->acked_count() == 1);
  }
  constexpr uint32_t kBatchesPerDevice = 1000;
  const size_t total = devices.size() * kBatchesPerDevice;
  const auto start = Clock::now();
  uint32_t next_seq = 1;
  auto acked = [&] {
    size_t n = 0;
    for (auto& p : publishers) n += p->acked_count() - 1;
    return n;
  };
  while (Clock::now() < start + std::chrono::seconds(120) && acked() < total) {
    bool room = true;
    while (next_seq <= kBatchesPerDevice && room) {
      for (auto& p : publishers) room = room && p->unacked_count() < 256;
      if (!room) break;
      for (size_t i = 0; i < devices.size(); ++i) publishers[i]->publish({devices[i], 1, next_seq});
      ++next_seq;
    }
    for (auto& p : publishers) p->resend_unacked(std::chrono::milliseconds(3000));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  TMF_EXPECT_EQ(acked(), total);
  kill(serve, SIGTERM);
  waitpid(serve, nullptr, 0);
  registry::Registry reg(reg_dir);
  monitor::TelemetryStore store(reg.db());
  for (const auto& id : devices) TMF_EXPECT_EQ(store.batch_count(id), uint64_t{kBatchesPerDevice} + 1);
  std::printf("  ingest_tls: %zu batches (8 windows, 2x8 sketch) acked in %.2f s = %.0f batches/s over mutual TLS\n",
              total, seconds, double(total) / seconds);
}

}  // namespace
}  // namespace tmf
