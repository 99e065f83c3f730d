// `tinymlops sim-signal` writes exactly what make_device_source generates for that device and
// time, prints the device's condition, and names a bad group or index (exit code 2).
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/sim/scenario.h"
#include "host/sim/scenario_world.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

const std::string kDemo = std::string(TMF_SOURCE_DIR) + "/scenarios/demo.json";

TMF_TEST(SimSignalCli, WritesTheDeviceSamplesAndCondition) {
  const std::string out = test::temp_path("line-a-03.f32");
  const auto r = test::run_cli("sim-signal --scenario " + kDemo +
                               " --group line-a --device 3 --at 2100 --samples 5000 --json --out " + out);
  TMF_ASSERT(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  TMF_EXPECT(j["device"] == "line-a-03" && j["fault"] == "outer_race" && j["source"] == "synthetic");
  TMF_EXPECT(std::fabs(j["severity"].get<double>() - 0.8 * 300 / 600) < 1e-12);  // halfway up its growth
  const auto bytes = test::read_bytes(out);
  TMF_ASSERT(bytes.size() == 5000 * sizeof(float));
  const sim::Scenario s = sim::scenario_load(kDemo);
  std::vector<float> expected(5000);
  sim::make_device_source(s, "line-a", 3)->generate(2100, 5000, expected.data());
  TMF_EXPECT_BYTES_EQ(bytes.data(), expected.data(), 5000 * sizeof(float));
}

TMF_TEST(SimSignalCli, SeveralAxesWriteInterleavedFrames) {
  const std::string scenario = test::temp_path("three_axis_signal.json");
  const std::string text = R"({"name": "x", "duration_s": 10, "groups": [{"name": "g", "devices": 1, "axes": 3}]})";
  test::write_bytes(scenario, std::vector<uint8_t>(text.begin(), text.end()));
  const std::string out = test::temp_path("g-00.f32");
  const auto r = test::run_cli("sim-signal --scenario " + scenario + " --group g --device 0 --at 1 --samples 2000 --json --out " + out);
  TMF_ASSERT(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  TMF_EXPECT(j["axes"] == 3 && j["axis_rms_g"].size() == 3);
  const auto bytes = test::read_bytes(out);
  TMF_ASSERT(bytes.size() == 3 * 2000 * sizeof(float));
  std::vector<float> expected(3 * 2000);
  sim::make_device_source(sim::scenario_load(scenario), "g", 0)->generate(1, 2000, expected.data());
  TMF_EXPECT_BYTES_EQ(bytes.data(), expected.data(), bytes.size());
  TMF_EXPECT(std::fabs(j["rms_g"].get<double>() - j["axis_rms_g"][0].get<double>()) == 0);
}

TMF_TEST(SimSignalCli, NamesBadGroupAndIndex) {
  auto r = test::run_cli("sim-signal --scenario " + kDemo + " --group line-z --device 0");
  TMF_EXPECT_EQ(r.exit_code, 2);
  TMF_EXPECT(r.err.find("demo.json: no group 'line-z'") != std::string::npos);
  r = test::run_cli("sim-signal --scenario " + kDemo + " --group line-b --device 4");
  TMF_EXPECT_EQ(r.exit_code, 2);
  TMF_EXPECT(r.err.find("group 'line-b' has 4 device(s), no index 4") != std::string::npos);
}

}  // namespace
}  // namespace tmf
