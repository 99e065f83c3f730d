// RecordingReplay: the playback position of output sample k is offset + clip_rate x (integral of
// the speed up to k / out_rate), so speed ramps bend the pitch without a jump in position.
#include "host/sim/recording_replay.h"

#include <cmath>
#include <map>
#include <mutex>
#include <sstream>

#include "host/data/dataset.h"
#include "host/sim/counter_rng.h"
#include "host/sim/sim_error.h"

namespace tmf::sim {
namespace {

// Positions within this distance of a whole sample are that sample: speed 1 at the clip's own
// rate then reproduces the recording exactly although k / fs * fs may round.
constexpr double kSnap = 1e-6;

bool matches(const data::Recording& r, const ClipFilter& f) {
  if (r.condition != f.condition) return false;
  if (f.load_hp && (!r.has_field("motor_load_hp") || r.number("motor_load_hp") != *f.load_hp)) return false;
  if (f.fault_size_in &&
      (!r.has_field("fault_size_in") || std::fabs(r.number("fault_size_in") - *f.fault_size_in) > 1e-9)) {
    return false;
  }
  return true;
}

std::shared_ptr<const std::vector<float>> load_shared(const data::Recording& r) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<const std::vector<float>>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto cached = cache[r.path].lock()) return cached;
  // A virtual device senses one axis; a multi-axis recording would read as a garbled signal.
  if (r.channels != 1) throw SimError(r.where + ": replay takes single-channel recordings, this one has " + std::to_string(r.channels));
  auto samples = std::make_shared<const std::vector<float>>(r.load());
  cache[r.path] = samples;
  return samples;
}

}  // namespace

std::string ClipFilter::describe() const {
  std::ostringstream s;
  s << "condition '" << condition << "'";
  if (load_hp) s << ", motor_load_hp " << *load_hp;
  if (fault_size_in) s << ", fault_size_in " << *fault_size_in;
  return s.str();
}

std::vector<std::string> replay_candidates(const std::string& dir, const ClipFilter& filter) {
  const data::Dataset ds = data::dataset_read(dir);
  std::vector<std::string> files;
  for (const data::Recording& r : ds.recordings) {
    if (matches(r, filter)) files.push_back(r.file);
  }
  if (files.empty()) {
    throw SimError(ds.manifest_path + ": no recording with " + filter.describe());
  }
  return files;
}

ReplayClip replay_pick(const std::string& dir, const ClipFilter& filter, uint64_t seed) {
  const data::Dataset ds = data::dataset_read(dir);
  std::vector<const data::Recording*> hits;
  for (const data::Recording& r : ds.recordings) {
    if (matches(r, filter)) hits.push_back(&r);
  }
  if (hits.empty()) throw SimError(ds.manifest_path + ": no recording with " + filter.describe());
  const data::Recording& r = *hits[mix64(seed) % hits.size()];
  return ReplayClip{r.path, r.condition, r.sample_rate_hz, load_shared(r)};
}

RecordingReplay::RecordingReplay(ReplayClip healthy, uint64_t seed, double out_rate_hz)
    : seed_(seed), out_rate_hz_(out_rate_hz > 0 ? out_rate_hz : healthy.sample_rate_hz) {
  if (!healthy.samples || healthy.samples->empty()) throw SimError(healthy.path + ": empty recording");
  if (!(healthy.sample_rate_hz > 0) || !(out_rate_hz_ > 0)) {
    throw SimError(healthy.path + ": sample rate must be > 0");
  }
  healthy_.offset = mix64(seed ^ 0x0FF5E7ull) % healthy.samples->size();
  healthy_.clip = std::move(healthy);
}

void RecordingReplay::set_speed(PiecewiseLinear speed) {
  if (!speed.positive()) throw SimError(healthy_.clip.path + ": replay speed must stay > 0");
  speed_ = std::move(speed);
}

void RecordingReplay::set_gain(PiecewiseLinear gain) { gain_ = std::move(gain); }

void RecordingReplay::add_fault(ReplayClip fault, PiecewiseLinear weight) {
  if (!fault.samples || fault.samples->empty()) throw SimError(fault.path + ": empty recording");
  Track t;
  t.offset = mix64(seed_ + 0x1000 + faults_.size()) % fault.samples->size();
  t.clip = std::move(fault);
  t.weight = std::move(weight);
  faults_.push_back(std::move(t));
}

// Catmull-Rom cubic through the 4 neighbours, the clip treated as a loop.
double RecordingReplay::sample_at(const Track& track, double position) const {
  const std::vector<float>& x = *track.clip.samples;
  const auto size = static_cast<int64_t>(x.size());
  double whole = std::floor(position);
  double f = position - whole;
  if (f < kSnap) f = 0;
  if (f > 1 - kSnap) f = 0, whole += 1;
  const int64_t i = ((static_cast<int64_t>(whole) % size) + size) % size;
  if (f == 0) return x[i];
  auto at = [&](int64_t j) { return static_cast<double>(x[((j % size) + size) % size]); };
  const double p0 = at(i - 1), p1 = at(i), p2 = at(i + 1), p3 = at(i + 2);
  return p1 + 0.5 * f * (p2 - p0 + f * (2 * p0 - 5 * p1 + 4 * p2 - p3 + f * (3 * (p1 - p2) + p3 - p0)));
}

void RecordingReplay::generate(double t_seconds, uint32_t n, float* out) const {
  const int64_t k0 = std::llround(t_seconds * out_rate_hz_);
  for (uint32_t i = 0; i < n; ++i) {
    const double tk = static_cast<double>(k0 + i) / out_rate_hz_;
    const double played_s = speed_.integral(tk);  // clip seconds played since t = 0
    double healthy_weight = 1, total = 0;
    for (const Track& f : faults_) total += std::max(0.0, f.weight.at(tk));
    const double scale = total > 1 ? 1 / total : 1;
    double x = 0;
    for (const Track& f : faults_) {
      const double w = std::max(0.0, f.weight.at(tk)) * scale;
      if (w <= 0) continue;
      healthy_weight -= w;
      x += w * sample_at(f, static_cast<double>(f.offset) + played_s * f.clip.sample_rate_hz);
    }
    if (healthy_weight > 0) {
      const double pos = static_cast<double>(healthy_.offset) + played_s * healthy_.clip.sample_rate_hz;
      x = healthy_weight * sample_at(healthy_, pos) + x;
    }
    out[i] = static_cast<float>(gain_.at(tk) * x);
  }
}

}  // namespace tmf::sim
