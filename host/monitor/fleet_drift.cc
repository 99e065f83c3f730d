// Feature shift and score-stream change detection over stored telemetry (see fleet_drift.h).
#include "host/monitor/fleet_drift.h"

#include <set>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace tmf::monitor {
namespace {

constexpr uint8_t kPhaseMonitoring = 2;  // OtaTelemetryPhase::kOtaPhaseMonitoring

struct Merged {
  std::optional<OwnedSketch> sketch;
  uint32_t batches = 0;
  uint32_t compared = 0, shifted = 0;  // groups: machines checked against their own early windows
};

// Adds `blob` to `merged` when it matches the reference's shape and ranges (sketch_merge's
// condition); false if it does not.
bool merge_blob(Merged& merged, const std::vector<uint8_t>& blob, const OwnedSketch& reference) {
  std::optional<OwnedSketch> decoded;
  try {
    decoded.emplace(decode_sketch(blob));
  } catch (const std::invalid_argument&) {
    return false;
  }
  const OwnedSketch& batch = *decoded;
  if (batch.windows() == 0) return true;
  if (!merged.sketch) {
    merged.sketch.emplace(reference.feature_count(), reference.bins());
    // Start from an empty sketch with the reference's ranges, so a batch with other ranges is
    // refused by sketch_merge instead of silently defining them.
    detect::sketch_set_ranges(&merged.sketch->get(), reference.get().lo, reference.get().hi);
  }
  if (detect::sketch_merge(&merged.sketch->get(), batch.get()) != detect::DetectStatus::kOk) return false;
  ++merged.batches;
  return true;
}

}  // namespace

FleetDrift::FleetDrift(registry::Registry& registry, TelemetryStore& store, AlertStore& alerts,
                       const FleetDriftOptions& options)
    : registry_(registry), store_(store), alerts_(alerts), options_(options) {
  if (options_.recent_batches == 0) throw std::invalid_argument("drift: recent batches (K) must be >= 1");
  if (!(options_.psi_threshold > 0)) throw std::invalid_argument("drift: PSI threshold must be > 0");
}

namespace {

// Whether a machine's recent windows moved against its own early windows on the same version:
// some feature's mean by more than `sigmas` early standard deviations. nullopt when the machine
// has not yet run long enough on the version to tell (early and recent would overlap).
std::optional<bool> machine_shifted(TelemetryStore& store, const TelemetryBatch& latest, const Merged& recent,
                                    const OwnedSketch& reference, const FleetDriftOptions& o) {
  Merged early;
  const std::vector<TelemetryBatch> first =
      store.first_batches(latest.device, latest.model_id, latest.model_version, o.spread_early_batches);
  if (first.size() < o.spread_early_batches || !recent.sketch) return std::nullopt;
  if (first.back().seq >= latest.seq - std::min(latest.seq, o.recent_batches) + 1 &&
      first.back().incarnation == latest.incarnation && first.back().boot_count == latest.boot_count) {
    return std::nullopt;
  }
  for (const TelemetryBatch& b : first) {
    if (!b.sketch.empty()) merge_blob(early, b.sketch, reference);
  }
  if (!early.sketch || early.sketch->windows() < 2 || recent.sketch->windows() == 0) return std::nullopt;
  const detect::RunningStats& e = early.sketch->get().stats;
  const detect::RunningStats& r = recent.sketch->get().stats;
  for (uint32_t f = 0; f < e.feature_count; ++f) {
    const double std = std::sqrt(std::max(e.m2[f] / e.count, 1e-12));
    if (std::fabs(r.mean[f] - e.mean[f]) > o.spread_sigmas * std) return true;
  }
  return false;
}

}  // namespace

void FleetDrift::raise_shift(const SubjectShift& s, const std::optional<std::string>& device,
                             const std::optional<std::string>& group, int64_t now_ms, DriftEvaluation& out) {
  if (s.psi_max <= options_.psi_threshold) return;
  if (alerts_.has_open("drift", "shift", s.subject, s.model_id, s.model_version)) return;
  Alert a;
  a.kind = "drift";
  a.source = "shift";
  a.subject = s.subject;
  a.device = device;
  a.group = group;
  a.model_id = s.model_id;
  a.model_version = s.model_version;
  a.raised_at_ms = now_ms;
  a.detail_json = nlohmann::json{{"statistic", "psi"},
                                 {"value", s.psi_max},
                                 {"threshold", options_.psi_threshold},
                                 {"feature", s.psi_max_feature},
                                 {"js_max", s.js_max},
                                 {"windows", s.windows},
                                 {"batches", s.batches},
                                 {"devices_compared", s.devices_compared},
                                 {"devices_shifted", s.devices_shifted}}
                      .dump();
  a.id = alerts_.raise(a);
  out.raised.push_back(a);
}

void FleetDrift::run_scores(const TelemetryBatch& latest, const std::optional<Reference>& reference, int64_t now_ms,
                            DriftEvaluation& out) {
  ScoreStream& st = streams_[latest.device];
  std::vector<TelemetryBatch> batches;
  if (st.model_id != latest.model_id || st.model_version != latest.model_version || st.last_row == 0) {
    // A new stream (first sight, or the device runs another version): the last K batches.
    st = ScoreStream{};
    st.model_id = latest.model_id;
    st.model_version = latest.model_version;
    batches = store_.recent_batches(latest.device, latest.model_id, latest.model_version, options_.recent_batches);
  } else {
    batches = store_.batches_after(latest.device, st.last_row, 100000);
  }
  const std::string subject = device_subject(latest.device);
  for (const TelemetryBatch& b : batches) {
    st.last_row = std::max(st.last_row, b.row);
    if (b.model_id != st.model_id || b.model_version != st.model_version || b.phase != kPhaseMonitoring) continue;
    for (size_t w = 0; w < b.scores.size(); ++w) {
      const double x = b.scores[w];
      if (!std::isfinite(x)) continue;
      ++st.windows;
      if (!st.cusum) {
        if (reference && reference->score) {
          st.reference_mean = reference->score->mean;
          st.reference_std = reference->score->std;
        } else {
          ++st.warmup_n;
          const double d = x - st.warmup_mean;
          st.warmup_mean += d / double(st.warmup_n);
          st.warmup_m2 += d * (x - st.warmup_mean);
          if (st.warmup_n < options_.score_warmup_windows) continue;
          st.reference_mean = st.warmup_mean;
          // A constant score stream still needs a positive scale.
          st.reference_std = std::max(std::sqrt(st.warmup_m2 / double(st.warmup_n)), 1e-9);
        }
        CusumOptions c = options_.cusum;
        c.reference_mean = st.reference_mean;
        c.reference_std = st.reference_std;
        PageHinkleyOptions p = options_.page_hinkley;
        p.reference_mean = st.reference_mean;
        p.reference_std = st.reference_std;
        st.cusum.emplace(c);
        st.page_hinkley.emplace(p);
        if (!(reference && reference->score)) continue;  // this sample was part of the warm-up
      }
      const auto at_cusum = st.cusum->update(x);
      const auto at_ph = st.page_hinkley->update(x);
      if (!at_cusum && !at_ph) continue;
      if (alerts_.has_open("drift", "score", subject, st.model_id, st.model_version)) continue;
      const bool cusum_fired = at_cusum.has_value();
      std::optional<std::string> group;
      if (const auto d = registry_.find_device(latest.device)) group = d->group;
      Alert a;
      a.kind = "drift";
      a.source = "score";
      a.subject = subject;
      a.device = latest.device;
      a.group = group;
      a.model_id = st.model_id;
      a.model_version = st.model_version;
      a.raised_at_ms = now_ms;
      a.detail_json =
          nlohmann::json{{"statistic", cusum_fired ? "cusum" : "page_hinkley"},
                         {"value", cusum_fired ? st.cusum->last_signal_value() : st.page_hinkley->last_signal_value()},
                         {"threshold", cusum_fired ? options_.cusum.h : options_.page_hinkley.lambda},
                         {"reference_mean", st.reference_mean},
                         {"reference_std", st.reference_std},
                         {"reference", reference && reference->score ? "model" : "warmup"},
                         {"boot_count", b.boot_count},
                         {"seq", b.seq},
                         {"window", b.first_window + w},
                         {"stream_sample", st.windows - 1}}
              .dump();
      a.id = alerts_.raise(a);
      out.raised.push_back(a);
    }
  }
}

DriftEvaluation FleetDrift::evaluate(int64_t now_ms) {
  DriftEvaluation out;
  registry::Transaction tx(registry_.db());
  std::map<std::pair<uint32_t, uint32_t>, std::optional<Reference>> references;
  auto reference_of = [&](uint32_t id, uint32_t version) -> const std::optional<Reference>& {
    auto it = references.find({id, version});
    if (it == references.end()) it = references.emplace(std::make_pair(id, version), store_.get_reference(id, version)).first;
    return it->second;
  };
  // (group, model id, version) -> the group's merged sketch
  std::map<std::tuple<std::string, uint32_t, uint32_t>, Merged> groups;
  // Machines with an alarm an operator confirmed are faulty, not the fleet drifting: their
  // windows stay out of the group's sketch (a developing fault on one machine is not retrained away).
  std::set<std::string> confirmed_faulty;
  AlertFilter alarms;
  alarms.kind = "alarm";
  for (const Alert& a : alerts_.list(alarms)) {
    if (a.label == true && a.device) confirmed_faulty.insert(*a.device);
  }

  for (const TelemetryBatch& latest : store_.latest_batch_per_device()) {
    if (latest.model_id == 0) continue;
    ++out.devices;
    const std::optional<Reference>& reference = reference_of(latest.model_id, latest.model_version);
    if (options_.score_detectors) run_scores(latest, reference, now_ms, out);
    if (!reference) {
      ++out.no_reference;
      continue;
    }
    Merged device;
    for (const TelemetryBatch& b :
         store_.recent_batches(latest.device, latest.model_id, latest.model_version, options_.recent_batches)) {
      if (b.sketch.empty()) continue;
      if (!merge_blob(device, b.sketch, reference->sketch)) ++out.incompatible;
    }
    if (!device.sketch || device.sketch->windows() == 0) {
      ++out.too_few_windows;
      continue;
    }
    std::optional<std::string> group;
    if (const auto d = registry_.find_device(latest.device)) group = d->group;
    if (group && options_.per_group && !confirmed_faulty.count(latest.device)) {
      Merged& g = groups[{*group, latest.model_id, latest.model_version}];
      if (const std::optional<bool> moved = machine_shifted(store_, latest, device, reference->sketch, options_)) {
        ++g.compared;
        g.shifted += *moved;
      }
      if (!g.sketch) {
        g.sketch = device.sketch;
      } else {
        detect::sketch_merge(&g.sketch->get(), device.sketch->get());  // same ranges: the reference's
      }
      g.batches += device.batches;
    }
    if (!options_.per_device) continue;
    if (device.sketch->windows() < std::max(options_.min_windows, 1u)) {
      ++out.too_few_windows;
      continue;
    }
    const ShiftReport r = compare_sketches(reference->sketch.get(), device.sketch->get());
    SubjectShift s{device_subject(latest.device), latest.model_id, latest.model_version, device.sketch->windows(),
                   device.batches, r.psi_max, r.psi_max_feature, r.js_max};
    out.shifts.push_back(s);
    raise_shift(s, latest.device, group, now_ms, out);
  }
  for (const auto& [key, g] : groups) {
    const auto& [group, model_id, version] = key;
    if (g.sketch->windows() < std::max(options_.min_windows, 1u)) {
      ++out.too_few_windows;
      continue;
    }
    const ShiftReport r = compare_sketches(reference_of(model_id, version)->sketch.get(), g.sketch->get());
    SubjectShift s{group_subject(group), model_id, version, g.sketch->windows(), g.batches, r.psi_max,
                   r.psi_max_feature, r.js_max, g.compared, g.shifted};
    out.shifts.push_back(s);
    if (g.compared == 0 || g.shifted < options_.spread_share * g.compared) continue;
    raise_shift(s, std::nullopt, group, now_ms, out);
  }
  tx.commit();
  return out;
}

}  // namespace tmf::monitor
