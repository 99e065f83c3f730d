// Issue 16 item 4 on ../shared/data/bearing: with background noise at -12 dB (one power for every
// recording), `select` for cortex-m0plus-16k and cortex-m4f-128k, choosing on its own selection
// split, must pick different pipelines that each fit their profile, and `eval` of both picks on
// the windows selection did not use (the model's trained-on ranges include the selection ranges)
// must give the M4F pick the higher worst-condition AUC. Prints the figures for docs/select.md.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "host/pipeline/evaluate.h"
#include "host/pipeline/select_search.h"
#include "tests/support/tmf_test.h"

namespace {

double min_condition(const tmf::pipeline::ScoreSummary& s) {
  double m = 1.0;
  for (const auto& [c, v] : s.per_condition) m = std::min(m, v.auc);
  return m;
}

TMF_TEST(SelectSnr, ProfilesPickDifferentPipelinesAtMinus12dB) {
  tmf::pipeline::SelectOptions o;
  o.data_dir = std::string(TMF_SHARED_DIR) + "/data/bearing";
  o.targets = {"cortex-m0plus-16k", "cortex-m4f-128k"};
  o.snr_db = -12.0;
  const tmf::pipeline::SelectResult r = tmf::pipeline::select_search(o);
  TMF_ASSERT(r.targets.size() == 2);
  TMF_ASSERT(r.targets[0].selected && r.targets[1].selected);
  double eval_auc[2] = {0, 0};
  for (size_t t = 0; t < 2; ++t) {
    const tmf::pipeline::SearchCandidate& c = r.candidates[*r.targets[t].selected];
    TMF_EXPECT(c.costs[t].fits());
    const std::string path = std::string(TMF_PIPELINE_WORK) + "/select_snr_" + std::to_string(t) + ".tmf";
    std::filesystem::create_directories(TMF_PIPELINE_WORK);
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(c.file.data()), static_cast<std::streamsize>(c.file.size()));
    tmf::pipeline::EvalOptions e;
    e.model_path = path;
    e.data_dir = o.data_dir;
    e.snr_db = -12.0;
    const tmf::pipeline::EvalResult er = tmf::pipeline::evaluate_model(e);
    eval_auc[t] = min_condition(er.summary);
    std::printf("%s: %s, selection min AUC %.4f (margin %.3f), eval min AUC %.4f on %zu windows (%zu skipped), RAM %.0f B, "
                "%.0f instructions\n",
                r.targets[t].profile.name.c_str(), c.name.c_str(), c.quality, c.margin, eval_auc[t], er.windows,
                er.skipped_trained_windows, c.costs[t].ram_bytes, c.costs[t].instructions);
  }
  for (const auto& c : r.candidates) {
    std::printf("  %-36s selection %.4f held-out %.4f margin %.3f\n", c.name.c_str(), c.quality, min_condition(c.held_out),
                c.margin);
  }
  TMF_EXPECT(*r.targets[0].selected != *r.targets[1].selected);
  TMF_EXPECT(eval_auc[1] > eval_auc[0]);
}

}  // namespace
