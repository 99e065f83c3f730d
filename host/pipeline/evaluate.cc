// Evaluation of a pipeline model file on a dataset folder (see evaluate.h).
#include "host/pipeline/evaluate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "host/convert/model_info.h"
#include "host/data/dataset.h"
#include "host/pipeline/pipeline_model.h"
#include "host/pipeline/window_set.h"
#include "host/report/html_report.h"
#include "host/train/metrics.h"

namespace tmf::pipeline {

EvalResult evaluate_model(const EvalOptions& options) {
  PipelineModel model = PipelineModel::load(options.model_path);
  const data::Dataset dataset = data::dataset_read(options.data_dir);
  EvalResult r;
  r.settings = model.settings();
  for (const data::Recording& rec : dataset.recordings) {
    if (std::fabs(rec.sample_rate_hz - r.settings.sample_rate_hz) > 1e-6 * r.settings.sample_rate_hz) {
      throw PipelineError(rec.where + ": sample rate " + std::to_string(rec.sample_rate_hz) +
                          " Hz, but " + options.model_path + " was made for " +
                          std::to_string(r.settings.sample_rate_hz) + " Hz");
    }
    if (rec.channels != r.settings.channels) {
      throw PipelineError(rec.where + ": " + std::to_string(rec.channels) + " channel(s), but " + options.model_path +
                          " was made for " + std::to_string(r.settings.channels));
    }
  }
  const uint32_t hop = options.hop != 0 ? options.hop : r.settings.hop;
  const LabeledWindows windows = evaluation_windows(dataset, r.settings, hop, &r.skipped_trained_windows);
  SampleCache cache(dataset, snr_noise_for(dataset, r.settings.normal_label, options.snr_db, options.noise_seed));
  r.windows = windows.size();
  r.scores.resize(windows.size());
  r.labels = windows.labels;
  r.classes = r.settings.classes;
  const bool has_probabilities = !r.classes.empty() && model.model().header->output_count >= 3;
  if (has_probabilities) r.confusion.assign(r.classes.size(), std::vector<size_t>(r.classes.size(), 0));
  for (size_t i = 0; i < windows.size(); ++i) {
    r.scores[i] = model.score(cache.window(windows.refs[i], r.settings.window)).score;
    if (has_probabilities) {
      const auto truth = std::find(r.classes.begin(), r.classes.end(), windows.labels[i]);
      if (truth != r.classes.end()) {
        const std::vector<float> p = model.probabilities();
        const size_t predicted = std::max_element(p.begin(), p.end()) - p.begin();
        ++r.confusion[truth - r.classes.begin()][predicted];
      }
    }
    if (options.progress && (i % 512 == 0 || i + 1 == windows.size())) {
      options.progress(static_cast<double>(i + 1) / windows.size());
    }
  }
  r.summary = score_summary(r.scores, r.labels, r.settings.normal_label, r.settings.threshold);
  r.model_bytes = model.file_bytes();
  r.arena_bytes = model.model().header->arena_bytes;
  r.macs = host::model_macs(model.model());
  return r;
}

std::string evaluation_report_html(const EvalResult& r, const std::string& title) {
  using report::Series;
  std::vector<float> healthy;
  std::map<std::string, std::vector<float>> faults;
  std::vector<float> all_faults;
  for (size_t i = 0; i < r.scores.size(); ++i) {
    if (r.labels[i] == r.settings.normal_label) {
      healthy.push_back(r.scores[i]);
    } else {
      faults[r.labels[i]].push_back(r.scores[i]);
      all_faults.push_back(r.scores[i]);
    }
  }
  std::vector<Series> roc;
  const auto roc_series = [&](const std::string& name, const std::vector<float>& positives) {
    Series s;
    s.name = name + " (AUC " + std::to_string(train::roc_auc(healthy, positives)).substr(0, 6) + ")";
    for (const train::RocPoint& p : train::roc_curve(healthy, positives)) {
      s.x.push_back(p.false_positive_rate);
      s.y.push_back(p.true_positive_rate);
    }
    return s;
  };
  roc.push_back(roc_series("all faults", all_faults));
  for (const auto& [condition, scores] : faults) roc.push_back(roc_series(condition, scores));

  // Scores span decades (healthy near the threshold, faults far above): histograms of log10.
  const auto log10_all = [](const std::vector<float>& v) {
    std::vector<double> out;
    for (float s : v) out.push_back(std::log10(std::max<double>(s, 1e-12)));
    return out;
  };
  std::vector<Series> histogram{{r.settings.normal_label, {}, log10_all(healthy)}};
  for (const auto& [condition, scores] : faults) histogram.push_back({condition, {}, log10_all(scores)});

  std::vector<std::vector<std::string>> rows{{"condition", "windows", "ROC-AUC", "detection rate"}};
  const auto fmt = [](double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", v);
    return std::string(text);
  };
  rows.push_back({r.settings.normal_label + " (false alarms)", std::to_string(r.summary.healthy_windows), "",
                  fmt(r.summary.false_alarm_rate)});
  for (const auto& [condition, c] : r.summary.per_condition) {
    rows.push_back({condition, std::to_string(c.windows), fmt(c.auc), fmt(c.detection_rate)});
  }
  rows.push_back({"all faults", std::to_string(r.summary.fault_windows), fmt(r.summary.auc),
                  fmt(r.summary.true_positive_rate)});

  std::vector<std::string> body;
  body.push_back("<p>Detector <b>" + report::html_escape(r.settings.detector) + "</b>, features " +
                 report::html_escape(r.settings.features) + "; threshold " + fmt(r.settings.threshold) +
                 " (calibrated for a false-alarm rate of " + fmt(r.settings.target_false_alarm_rate) +
                 "). Model " + std::to_string(r.model_bytes) + " B, arena " + std::to_string(r.arena_bytes) +
                 " B, " + std::to_string(r.macs) + " MACs per window. " + std::to_string(r.windows) +
                 " windows scored, " + std::to_string(r.skipped_trained_windows) + " skipped (trained on).</p>");
  body.push_back(report::html_table(rows));
  report::Axis unit_x{"false-positive rate", true, 0, 1}, unit_y{"true-positive rate", true, 0, 1};
  body.push_back(report::svg_line_chart("ROC curves", roc, unit_x, unit_y, true));
  body.push_back(report::svg_histogram("Score histograms (log10 score)", histogram, 40, "log10(score)",
                                       std::log10(std::max<double>(r.settings.threshold, 1e-12))));
  if (!r.confusion.empty()) {
    std::vector<std::vector<std::string>> cm{{"true \\ predicted"}};
    for (const std::string& c : r.classes) cm[0].push_back(c);
    for (size_t t = 0; t < r.classes.size(); ++t) {
      cm.push_back({r.classes[t]});
      for (size_t count : r.confusion[t]) cm.back().push_back(std::to_string(count));
    }
    body.push_back("<h2>Confusion matrix</h2>" + report::html_table(cm));
  }
  return report::html_page(title, body);
}

}  // namespace tmf::pipeline
