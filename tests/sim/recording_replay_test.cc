// RecordingReplay against the recordings themselves: speed 1 plays the file's samples exactly
// (also across the loop end), speed 1.25 moves a 500 Hz line to 625 Hz, gain and crossfade
// mix exactly as documented, windows join bit-exactly, and a missing condition is named.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "host/sim/recording_replay.h"
#include "host/sim/sim_error.h"
#include "tests/sim/spectrum.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using sim::ClipFilter;
using sim::PiecewiseLinear;
using sim::RecordingReplay;

const std::string kBearing = std::string(TMF_SHARED_DIR) + "/data/bearing";

// A dataset folder with two recordings: 2 s of a 500 Hz sine ("tone", exactly 1000 periods, so
// the loop has no seam) and 1 s of a 1500 Hz sine labelled outer_race.
std::string make_tone_dataset() {
  const auto dir = std::filesystem::temp_directory_path() / ("tmf_sim_replay_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, double f, int n) {
    std::vector<float> x(n);
    for (int i = 0; i < n; ++i) x[i] = static_cast<float>(0.5 * std::sin(2 * M_PI * f * i / 12000.0));
    std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(x.data()), n * 4);
  };
  write("tone.f32", 500, 24000);
  write("fault.f32", 1500, 12000);
  std::ofstream(dir / "manifest.csv") << "file,condition,sample_rate_hz,num_samples\n"
                                      << "tone.f32,normal,12000,24000\nfault.f32,outer_race,12000,12000\n";
  return dir.string();
}

std::vector<float> run(const RecordingReplay& r, double t, uint32_t n) {
  std::vector<float> x(n);
  r.generate(t, n, x.data());
  return x;
}

TMF_TEST(SimReplay, SpeedOnePlaysTheRecordingExactlyAcrossTheLoop) {
  const sim::ReplayClip clip = sim::replay_pick(kBearing, ClipFilter{"normal", 0.0, std::nullopt}, 42);
  const std::vector<float>& x = *clip.samples;
  TMF_ASSERT(x.size() == 42689);  // the development split's normal baseline (README)
  const RecordingReplay r(clip, 42);
  TMF_EXPECT(r.sample_rate_hz() == 12000);
  const uint64_t offset = r.offset();
  TMF_EXPECT(offset < x.size());
  // A window at t = 1 s, and one that runs over the end of the file into its start.
  for (uint64_t start : {uint64_t{12000}, uint64_t{x.size() - offset - 100}}) {
    const auto y = run(r, static_cast<double>(start) / 12000, 300);
    std::vector<float> expected(300);
    for (uint64_t i = 0; i < 300; ++i) expected[i] = x[(offset + start + i) % x.size()];
    TMF_EXPECT_BYTES_EQ(y.data(), expected.data(), 300 * sizeof(float));
  }
}

TMF_TEST(SimReplay, SeedsPickOffsetsAndLoadFilterSelects) {
  const auto a = sim::replay_pick(kBearing, ClipFilter{"normal", std::nullopt, std::nullopt}, 1);
  TMF_EXPECT(RecordingReplay(a, 1).offset() != RecordingReplay(a, 2).offset());
  const auto files = sim::replay_candidates(kBearing, ClipFilter{"inner_race", 2.0, std::nullopt});
  TMF_EXPECT_EQ(files.size(), 3u);  // 0.007, 0.014 and 0.028 at 2 hp (README table)
  for (const auto& f : files) TMF_EXPECT(f.find("_2hp") != std::string::npos);
  TMF_EXPECT_THROWS(sim::replay_candidates(kBearing, ClipFilter{"normal", 3.0, std::nullopt}), sim::SimError,
                    "manifest.csv: no recording with condition 'normal', motor_load_hp 3");
}

TMF_TEST(SimReplay, SpeedFactorScalesFrequencies) {
  const std::string dir = make_tone_dataset();
  const auto clip = sim::replay_pick(dir, ClipFilter{"normal", std::nullopt, std::nullopt}, 5);
  RecordingReplay r(clip, 5);
  r.set_speed(PiecewiseLinear(1.25));
  const auto x = test::to_double(run(r, 3.0, 12000));  // 1 s: 1 Hz bins
  const double peak = test::peak_frequency(x, 12000, 300, 900, 1);
  std::printf("  replay speed 1.25: 500 Hz line now at %.1f Hz\n", peak);
  TMF_EXPECT(std::fabs(peak - 625) <= 1);
  // Resampled to 24 kHz at speed 1: still 500 Hz.
  const RecordingReplay up(clip, 5, 24000);
  TMF_EXPECT(up.sample_rate_hz() == 24000);
  const auto y = test::to_double(run(up, 1.0, 24000));
  TMF_EXPECT(std::fabs(test::peak_frequency(y, 24000, 300, 900, 1) - 500) <= 1);
  std::filesystem::remove_all(dir);
}

TMF_TEST(SimReplay, GainAndCrossfadeMixAsDocumented) {
  const std::string dir = make_tone_dataset();
  const auto healthy = sim::replay_pick(dir, ClipFilter{"normal", std::nullopt, std::nullopt}, 8);
  const auto fault = sim::replay_pick(dir, ClipFilter{"outer_race", std::nullopt, std::nullopt}, 8);
  const RecordingReplay plain(healthy, 8);
  RecordingReplay loud(healthy, 8);
  loud.set_gain(PiecewiseLinear(2.0));
  const auto p = run(plain, 0.7, 1000), l = run(loud, 0.7, 1000);
  for (int i = 0; i < 1000; ++i) TMF_EXPECT(l[i] == 2 * p[i]);

  // Only the fault is played at weight 1: the fault file itself, from the fault's own offset.
  RecordingReplay only_fault(healthy, 8);
  only_fault.add_fault(fault, PiecewiseLinear(1.0));
  RecordingReplay mixed(healthy, 8);
  mixed.add_fault(fault, PiecewiseLinear(0.25));
  const auto f = run(only_fault, 0.7, 1000), m = run(mixed, 0.7, 1000);
  double worst = 0;
  for (int i = 0; i < 1000; ++i) worst = std::max(worst, std::fabs(m[i] - (0.75 * p[i] + 0.25 * f[i])));
  TMF_EXPECT(worst < 1e-6);
  // The fault's 1500 Hz line is in the mix at a quarter of the amplitude.
  const auto md = test::to_double(run(mixed, 0.0, 12000));
  const double ratio = std::sqrt(test::power_at(md, 12000, 1500) / test::power_at(md, 12000, 500));
  TMF_EXPECT(std::fabs(ratio - 0.25 / 0.75) < 0.01);
  std::filesystem::remove_all(dir);
}

TMF_TEST(SimReplay, WindowsJoinBitExactlyThroughARamp) {
  const std::string dir = make_tone_dataset();
  const auto healthy = sim::replay_pick(dir, ClipFilter{"normal", std::nullopt, std::nullopt}, 3);
  const auto fault = sim::replay_pick(dir, ClipFilter{"outer_race", std::nullopt, std::nullopt}, 3);
  RecordingReplay r(healthy, 3, 16000);
  r.set_speed(PiecewiseLinear({{1, 1.0}, {2, 1.3}}));
  r.set_gain(PiecewiseLinear({{0.5, 1.0}, {1.5, 1.6}}));
  r.add_fault(fault, PiecewiseLinear({{1.2, 0.0}, {2.2, 0.5}}));
  for (double t : {0.9, 1.4, 2.1, 5.0}) {
    const auto whole = run(r, t, 2000);
    std::vector<float> parts(2000);
    r.generate(t + 700 / 16000.0, 1300, parts.data() + 700);
    r.generate(t, 700, parts.data());
    TMF_EXPECT_BYTES_EQ(parts.data(), whole.data(), 2000 * sizeof(float));
  }
  std::filesystem::remove_all(dir);
}

TMF_TEST(SimReplay, ThroughputFigure) {
  (void)tmf_test_state_;
  const auto clip = sim::replay_pick(kBearing, ClipFilter{"normal", std::nullopt, std::nullopt}, 1);
  RecordingReplay r(clip, 1);
  r.set_speed(PiecewiseLinear(1.05));
  std::vector<float> x(120000);
  const auto start = std::chrono::steady_clock::now();
  r.generate(10.0, static_cast<uint32_t>(x.size()), x.data());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("  replay at speed 1.05 (cubic): %.2f M samples/s\n", x.size() / s / 1e6);
}

}  // namespace
}  // namespace tmf
