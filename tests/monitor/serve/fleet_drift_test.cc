// Fleet drift on stored telemetry: PSI of merged batch sketches against the reference, checked
// against PSI computed by hand from the raw values; alerts per device and per group, once per
// (subject, version) until acked; the detection delay in batches for a 1-std shift; CUSUM on a
// device's score stream. Each on SQLite (FleetDrift) and on PostgreSQL (FleetDriftPostgres).
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/monitor/fleet_drift.h"
#include "serve_fixture.h"
#include "tests/monitor/gaussian_stream.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

constexpr uint32_t kF = 3, kB = 16, kWindowsPerBatch = 32;
constexpr float kLo = -4, kHi = 4;
constexpr uint32_t kModel = 77, kVersion = 3;

// The bin rule of docs/detect.md, written out: pos = (x - lo) * (B / (hi - lo)) in float.
uint32_t hand_bin(float x) {
  const float pos = (x - kLo) * (static_cast<float>(kB) / (kHi - kLo));
  if (!(pos >= 0)) return 0;
  if (pos >= static_cast<float>(kB)) return kB - 1;
  return std::min(static_cast<uint32_t>(std::floor(pos)), kB - 1);
}

// PSI by hand: proportions, each raised to 1e-4, sum (q - p) ln(q / p); the max over features.
double hand_psi_max(const std::vector<std::vector<float>>& reference, const std::vector<std::vector<float>>& current) {
  double best = 0;
  for (uint32_t f = 0; f < kF; ++f) {
    std::vector<double> c(kB, 0), d(kB, 0);
    for (const auto& w : reference) c[hand_bin(w[f])] += 1;
    for (const auto& w : current) d[hand_bin(w[f])] += 1;
    double psi = 0;
    for (uint32_t b = 0; b < kB; ++b) {
      const double p = std::max(c[b] / double(reference.size()), 1e-4);
      const double q = std::max(d[b] / double(current.size()), 1e-4);
      psi += (q - p) * std::log(q / p);
    }
    best = std::max(best, psi);
  }
  return best;
}

monitor::OwnedSketch sketch_of(const std::vector<std::vector<float>>& windows) {
  monitor::OwnedSketch s(kF, kB);
  const float lo[kF] = {kLo, kLo, kLo}, hi[kF] = {kHi, kHi, kHi};
  detect::sketch_set_ranges(&s.get(), lo, hi);
  for (const auto& w : windows) detect::sketch_add(&s.get(), w.data());
  return s;
}

struct Fleet {
  test_support::ScopedTestDatabase database;
  registry::Registry reg;
  monitor::TelemetryStore store;
  monitor::AlertStore alerts;
  GaussianStream rng;
  std::map<std::string, uint32_t> seq;
  std::map<std::string, std::vector<std::vector<float>>> values;  // every window sent, per device
  std::vector<std::vector<float>> reference;

  Fleet(const std::string& name, test_support::TestEngine engine)
      : database(engine, name), reg(scratch_dir(name)), store(reg.db()), alerts(reg.db()), rng(11) {
    for (int i = 0; i < 5000; ++i) reference.push_back(window(0));
    store.put_reference(kModel, kVersion, sketch_of(reference).get(), monitor::ReferenceScore{10, 2});
  }
  std::vector<float> window(double shift_feature_1) {
    std::vector<float> w(kF);
    for (uint32_t f = 0; f < kF; ++f) w[f] = static_cast<float>(rng.next(f == 1 ? shift_feature_1 : 0, 1));
    return w;
  }
  // One batch of kWindowsPerBatch windows from `device`; scores N(score_mean, 2).
  void send(const std::string& device, double shift, double score_mean = 10) {
    std::vector<std::vector<float>> windows;
    monitor::TelemetryBatch b;
    for (uint32_t i = 0; i < kWindowsPerBatch; ++i) {
      windows.push_back(window(shift));
      b.scores.push_back(static_cast<float>(rng.next(score_mean, 2)));
      b.votes.push_back(0);
    }
    b.device = device;
    b.boot_count = 1;
    b.seq = ++seq[device];
    b.model_id = kModel;
    b.model_version = kVersion;
    b.phase = 2;
    b.window_count = kWindowsPerBatch;
    b.first_window = (b.seq - 1) * kWindowsPerBatch;
    b.sketch = monitor::encode_sketch(sketch_of(windows).get());
    store.insert_batch(b);
    auto& all = values[device];
    all.insert(all.end(), windows.begin(), windows.end());
  }
  std::vector<std::vector<float>> last_windows(const std::string& device, size_t count) {
    const auto& all = values[device];
    return {all.end() - static_cast<long>(count), all.end()};
  }
};

const monitor::SubjectShift* find_shift(const monitor::DriftEvaluation& e, const std::string& subject) {
  for (const auto& s : e.shifts) {
    if (s.subject == subject) return &s;
  }
  return nullptr;
}

size_t count_raised(const monitor::DriftEvaluation& e, const std::string& source, const std::string& subject) {
  size_t n = 0;
  for (const auto& a : e.raised) n += a.source == source && a.subject == subject;
  return n;
}

TMF_TEST_BOTH_ENGINES(FleetDrift, PsiMatchesHandComputationAndAlertsOncePerVersion) {
  Fleet fleet("drift_psi", engine);
  fleet.reg.upsert_device("d1", "press", {"cortex-m4", 65536, 1 << 20, 0});
  fleet.reg.upsert_device("d2", "press", {"cortex-m4", 65536, 1 << 20, 0});
  monitor::FleetDriftOptions options;  // K = 16, min 256 windows, PSI > 0.2
  options.score_detectors = false;
  monitor::FleetDrift drift(fleet.reg, fleet.store, fleet.alerts, options);
  const size_t k_windows = options.recent_batches * kWindowsPerBatch;

  for (int i = 0; i < 20; ++i) {
    fleet.send("d1", 0);
    fleet.send("d2", 0);
  }
  monitor::DriftEvaluation healthy = drift.evaluate(1000);
  const monitor::SubjectShift* d1 = find_shift(healthy, "device:d1");
  const monitor::SubjectShift* group = find_shift(healthy, "group:press");
  TMF_ASSERT(d1 != nullptr && group != nullptr);
  TMF_EXPECT_EQ(d1->windows, k_windows);
  TMF_EXPECT_EQ(group->windows, 2 * k_windows);
  const double d1_hand = hand_psi_max(fleet.reference, fleet.last_windows("d1", k_windows));
  TMF_EXPECT(std::fabs(d1->psi_max - d1_hand) < 1e-9);
  std::vector<std::vector<float>> both = fleet.last_windows("d1", k_windows);
  const auto d2_windows = fleet.last_windows("d2", k_windows);
  both.insert(both.end(), d2_windows.begin(), d2_windows.end());
  TMF_EXPECT(std::fabs(group->psi_max - hand_psi_max(fleet.reference, both)) < 1e-9);
  TMF_EXPECT(d1->psi_max < 0.2 && group->psi_max < 0.2);
  TMF_EXPECT(healthy.raised.empty());
  std::printf("  healthy: PSI max device %.4f (hand %.4f), group %.4f\n", d1->psi_max, d1_hand, group->psi_max);

  // Feature 1 moves by one std on both devices for K batches.
  for (uint32_t i = 0; i < options.recent_batches; ++i) {
    fleet.send("d1", 1.0);
    fleet.send("d2", 1.0);
  }
  monitor::DriftEvaluation shifted = drift.evaluate(2000);
  d1 = find_shift(shifted, "device:d1");
  group = find_shift(shifted, "group:press");
  TMF_ASSERT(d1 != nullptr && group != nullptr);
  const double shifted_hand = hand_psi_max(fleet.reference, fleet.last_windows("d1", k_windows));
  TMF_EXPECT(std::fabs(d1->psi_max - shifted_hand) < 1e-9);
  TMF_EXPECT_EQ(d1->psi_max_feature, 1);
  TMF_EXPECT(d1->psi_max > 0.2);
  TMF_EXPECT_EQ(count_raised(shifted, "shift", "device:d1"), 1);
  TMF_EXPECT_EQ(count_raised(shifted, "shift", "device:d2"), 1);
  TMF_EXPECT_EQ(count_raised(shifted, "shift", "group:press"), 1);
  std::printf("  shifted 1 std: PSI max device %.4f (hand %.4f), group %.4f\n", d1->psi_max, shifted_hand,
              group->psi_max);

  // Still drifted: nothing new until the alert is acknowledged.
  TMF_EXPECT(drift.evaluate(3000).raised.empty());
  for (const auto& a : fleet.alerts.list(alert_filter("open", "drift"))) {
    if (a.subject == "group:press") fleet.alerts.ack(a.id);
  }
  const monitor::DriftEvaluation again = drift.evaluate(4000);
  TMF_EXPECT_EQ(again.raised.size(), 1);
  TMF_EXPECT_EQ(count_raised(again, "shift", "group:press"), 1);
}

// A developing fault on one machine moves the group's sketch too; the group alert waits until
// most machines moved, each against its own first batches on the version.
TMF_TEST_BOTH_ENGINES(FleetDrift, GroupDriftNeedsTheShiftOnMostMachines) {
  Fleet fleet("drift_spread", engine);
  const std::vector<std::string> devices = {"d1", "d2", "d3", "d4"};
  for (const std::string& d : devices) fleet.reg.upsert_device(d, "press", {"cortex-m4", 65536, 1 << 20, 0});
  monitor::FleetDriftOptions options;
  options.score_detectors = false;
  options.per_device = false;
  options.recent_batches = 4;
  options.min_windows = 64;
  monitor::FleetDrift drift(fleet.reg, fleet.store, fleet.alerts, options);
  for (int i = 0; i < 10; ++i) {
    for (const std::string& d : devices) fleet.send(d, 0);
  }
  // d1 alone: feature 1 three standard deviations up.
  for (uint32_t i = 0; i < options.recent_batches; ++i) {
    fleet.send("d1", 3.0);
    for (size_t d = 1; d < devices.size(); ++d) fleet.send(devices[d], 0);
  }
  const monitor::DriftEvaluation one = drift.evaluate(1000);
  const monitor::SubjectShift* group = find_shift(one, "group:press");
  TMF_ASSERT(group != nullptr);
  std::printf("  one machine shifted: group PSI max %.3f, %u of %u machines moved\n", group->psi_max,
              group->devices_shifted, group->devices_compared);
  TMF_EXPECT(group->psi_max > 0.2);  // the sketch alone would call it drift
  TMF_EXPECT_EQ(group->devices_compared, 4);
  TMF_EXPECT_EQ(group->devices_shifted, 1);
  TMF_EXPECT_EQ(count_raised(one, "shift", "group:press"), 0);
  // Every machine: the fleet drifted.
  for (uint32_t i = 0; i < options.recent_batches; ++i) {
    for (const std::string& d : devices) fleet.send(d, 3.0);
  }
  const monitor::DriftEvaluation all = drift.evaluate(2000);
  group = find_shift(all, "group:press");
  TMF_ASSERT(group != nullptr);
  TMF_EXPECT_EQ(group->devices_shifted, 4);
  TMF_EXPECT_EQ(count_raised(all, "shift", "group:press"), 1);
}

double normal_cdf(double x) { return 0.5 * (1 + std::erf(x / std::sqrt(2.0))); }

std::vector<double> bin_probabilities(double mu) {
  std::vector<double> p(kB);
  for (uint32_t b = 0; b < kB; ++b) {
    const double lo = kLo + (kHi - kLo) * b / kB, hi = kLo + (kHi - kLo) * (b + 1) / kB;
    p[b] = normal_cdf(hi - mu) - normal_cdf(lo - mu);
  }
  p[0] += normal_cdf(kLo - mu);
  p[kB - 1] += 1 - normal_cdf(kHi - mu);
  return p;
}

uint32_t predicted_delay(double mu, uint32_t k) {
  const std::vector<double> p = bin_probabilities(0), q = bin_probabilities(mu);
  for (uint32_t j = 1; j <= k; ++j) {
    const double a = double(j) / k;
    double psi = 0;
    for (uint32_t b = 0; b < kB; ++b) {
      const double pb = std::max(p[b], 1e-4), mb = std::max((1 - a) * p[b] + a * q[b], 1e-4);
      psi += (mb - pb) * std::log(mb / pb);
    }
    if (psi > 0.2) return j;
  }
  return k;
}

TMF_TEST_BOTH_ENGINES(FleetDrift, DetectionDelayInBatchesOfAMeanShift) {
  // Delay = shifted batches stored when the device's alert is raised, evaluating after each batch.
  for (const double shift : {1.0, 2.0}) {
    Fleet fleet(shift == 1.0 ? "drift_delay_1" : "drift_delay_2", engine);
    monitor::FleetDriftOptions options;
    options.score_detectors = false;
    monitor::FleetDrift drift(fleet.reg, fleet.store, fleet.alerts, options);
    for (int i = 0; i < 16; ++i) fleet.send("d1", 0);
    TMF_EXPECT(drift.evaluate(0).raised.empty());
    uint32_t delay = 0;
    for (uint32_t j = 1; j <= 2 * options.recent_batches && delay == 0; ++j) {
      fleet.send("d1", shift);
      if (!drift.evaluate(j).raised.empty()) delay = j;
    }
    // Predicted delay: the smallest j for which the expected PSI of the merged K batches (a
    // fraction a = j / K of them shifted) exceeds 0.2, from the exact bin probabilities of N(0, 1)
    // and N(mu, 1) on the 16 bins over [-4, 4) (end bins take the tails). Sampling noise of the
    // 512-window merged sketch moves it by a batch or two: the test allows two.
    const uint32_t predicted = predicted_delay(shift, options.recent_batches);
    const double bound = predicted + 2;
    std::printf("  %.0f std shift on one feature: alert after %u shifted batches of %u windows (K = %u, predicted %u)\n",
                shift, delay, kWindowsPerBatch, options.recent_batches, predicted);
    TMF_EXPECT(delay >= 1);
    TMF_EXPECT(delay <= bound);
  }
}

TMF_TEST_BOTH_ENGINES(FleetDrift, CusumOnScoreStreamRaisesOneScoreAlert) {
  Fleet fleet("drift_score", engine);
  monitor::FleetDriftOptions options;
  monitor::FleetDrift drift(fleet.reg, fleet.store, fleet.alerts, options);
  for (int i = 0; i < 40; ++i) fleet.send("d1", 0, 10);  // reference score N(10, 2)
  TMF_EXPECT_EQ(count_raised(drift.evaluate(1), "score", "device:d1"), 0);
  for (int i = 0; i < 40; ++i) fleet.send("d1", 0, 10);
  TMF_EXPECT_EQ(count_raised(drift.evaluate(2), "score", "device:d1"), 0);
  const uint32_t shift_window = 80 * kWindowsPerBatch;  // first window with scores N(16, 2) (+3 std)
  for (int i = 0; i < 4; ++i) fleet.send("d1", 0, 16);
  const monitor::DriftEvaluation e = drift.evaluate(3);
  TMF_ASSERT(count_raised(e, "score", "device:d1") == 1);
  for (const auto& a : e.raised) {
    if (a.source != "score") continue;
    const auto detail = nlohmann::json::parse(a.detail_json);
    const uint32_t window = detail["window"].get<uint32_t>();
    std::printf("  +3 std score step: %s at window %u, %u windows after the step\n",
                detail["statistic"].get<std::string>().c_str(), window, window - shift_window);
    TMF_EXPECT(window >= shift_window);
    TMF_EXPECT(window <= shift_window + 12);  // docs/drift.md bound for CUSUM at +3 std
    TMF_EXPECT(detail["reference"] == "model");
  }
  // Still shifted: one open score alert per (device, version) is enough.
  for (int i = 0; i < 4; ++i) fleet.send("d1", 0, 16);
  TMF_EXPECT_EQ(count_raised(drift.evaluate(4), "score", "device:d1"), 0);
}

}  // namespace
}  // namespace tmf::test
