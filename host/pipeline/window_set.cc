// Window selection for training and evaluation (see window_set.h).
#include "host/pipeline/window_set.h"

#include <algorithm>
#include <cmath>

#include "host/data/windows.h"

namespace tmf::pipeline {
namespace {

std::string recording_identity(const data::Recording& r) {
  return r.has_field("sha256") && !r.field("sha256").empty() ? r.field("sha256") : r.file;
}

void add_windows(LabeledWindows& out, uint32_t recording, const data::Recording& r,
                 data::SampleRange range, uint32_t window, uint32_t hop) {
  for (uint64_t offset : data::window_offsets(range, window, hop)) out.add(recording, offset, r.condition);
}

}  // namespace

const std::vector<float>& SampleCache::samples(uint32_t recording) {
  if (!loaded_[recording]) {
    samples_[recording] = dataset_.recordings[recording].load_planar();
    snr_noise_add(samples_[recording], noise_, snr_noise_identity(dataset_.recordings[recording]));
    loaded_[recording] = true;
  }
  return samples_[recording];
}

const float* SampleCache::window(const WindowRef& ref, uint32_t length) {
  const data::Recording& r = dataset_.recordings[ref.recording];
  const float* planes = samples(ref.recording).data();
  if (r.channels == 1) return planes + ref.offset;
  gathered_.resize(static_cast<size_t>(r.channels) * length);
  for (uint32_t c = 0; c < r.channels; ++c) {
    std::copy_n(planes + c * r.num_samples + ref.offset, length, gathered_.data() + static_cast<size_t>(c) * length);
  }
  return gathered_.data();
}

TrainingWindows training_windows(const data::Dataset& dataset, const std::string& normal_label,
                                 double sample_rate_hz, const SplitOptions& options) {
  TrainingWindows out;
  data::SplitFractions fractions;
  fractions.train = options.train_fraction;
  fractions.validation = options.validation_fraction;
  fractions.test = 1.0 - options.train_fraction - options.validation_fraction;
  bool any_normal = false;
  for (uint32_t i = 0; i < dataset.recordings.size(); ++i) {
    const data::Recording& r = dataset.recordings[i];
    if (std::fabs(r.sample_rate_hz - sample_rate_hz) > 1e-6 * sample_rate_hz) {
      throw PipelineError(r.where + ": sample rate " + std::to_string(r.sample_rate_hz) +
                          " Hz differs from the pipeline's " + std::to_string(sample_rate_hz) + " Hz");
    }
    const bool normal = r.condition == normal_label;
    any_normal = any_normal || normal;
    if (!normal && !options.faults_in_training) {
      const uint64_t selection_end = static_cast<uint64_t>(std::floor(r.num_samples * options.selection_fraction));
      if (selection_end > 0) {
        add_windows(out.selection, i, r, {0, selection_end}, options.window, options.eval_hop);
        out.trained_on.push_back({recording_identity(r), r.file, 0, selection_end});
      }
      add_windows(out.test, i, r, {selection_end, r.num_samples}, options.window, options.eval_hop);
      continue;
    }
    const data::TimeSplit split = data::split_by_time(r.num_samples, options.window, fractions);
    add_windows(out.train, i, r, split.train, options.window, normal ? options.train_hop : options.fault_train_hop);
    // Threshold calibration sees healthy windows only.
    if (normal) add_windows(out.validation, i, r, split.validation, options.window, options.window / 4);
    add_windows(out.test, i, r, split.test, options.window, options.eval_hop);
    for (const data::SampleRange& range : {split.train, split.validation}) {
      if (range.size() > 0) out.trained_on.push_back({recording_identity(r), r.file, range.begin, range.end});
    }
  }
  if (!any_normal) {
    throw PipelineError(dataset.manifest_path + ": no recording has condition '" + normal_label +
                        "' (healthy data is needed to train and calibrate)");
  }
  if (out.train.size() == 0 || out.validation.size() == 0) {
    throw PipelineError(dataset.manifest_path + ": the healthy recordings are too short for windows of " +
                        std::to_string(options.window) + " samples in each part");
  }
  return out;
}

LabeledWindows evaluation_windows(const data::Dataset& dataset, const PipelineSettings& settings,
                                  uint32_t hop, size_t* skipped) {
  LabeledWindows out;
  size_t left_out = 0;
  for (uint32_t i = 0; i < dataset.recordings.size(); ++i) {
    const data::Recording& r = dataset.recordings[i];
    const std::string identity = recording_identity(r);
    for (uint64_t offset : data::window_offsets({0, r.num_samples}, settings.window, hop)) {
      bool seen = false;
      for (const TrainedRange& t : settings.trained_on) {
        seen = seen || (t.sha256 == identity && offset < t.end && offset + settings.window > t.begin);
      }
      if (seen) {
        ++left_out;
        continue;
      }
      out.add(i, offset, r.condition);
    }
  }
  if (skipped != nullptr) *skipped = left_out;
  return out;
}

}  // namespace tmf::pipeline
