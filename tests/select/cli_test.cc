// `tinymlops profiles` and `tinymlops cost` end to end: JSON keys, the profile sources, a model
// that fits a profile and one refused with the limit named and exit status 4.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

TMF_TEST(SelectCli, ProfilesListAndShow) {
  test::CommandResult r = test::run_cli("profiles list --json");
  TMF_ASSERT(r.exit_code == 0);
  const nlohmann::json list = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& p : list["profiles"]) names.push_back(p["name"]);
  for (const char* name : {"cortex-m0plus-16k", "cortex-m4f-128k", "esp32", "rp2040"}) {
    TMF_EXPECT(std::find(names.begin(), names.end(), name) != names.end());
  }
  r = test::run_cli("profiles show stm32l476 --json");
  TMF_ASSERT(r.exit_code == 0);
  const nlohmann::json p = nlohmann::json::parse(r.out);
  TMF_EXPECT(p["clock_hz"] == 80000000.0);
  TMF_EXPECT(p["source"]["ram_bytes"].get<std::string>().find("DS10198") != std::string::npos);
  r = test::run_cli("profiles show no-such-board");
  TMF_EXPECT_EQ(r.exit_code, 2);
  TMF_EXPECT(r.err.find("no profile 'no-such-board'") != std::string::npos);
  TMF_EXPECT_EQ(test::run_cli("profiles --help").exit_code, 0);
}

TMF_TEST(SelectCli, CostFitsOrRefuses) {
  const std::string kws = test::temp_path("kws.tmf");
  TMF_ASSERT(test::run_cli("convert " + test::shared_path("models/kws_ref_model_int8.tflite") + " -o " + kws).exit_code == 0);
  test::CommandResult r = test::run_cli("cost " + kws + " --target cortex-m4f-128k --json --per-op");
  TMF_ASSERT(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  TMF_EXPECT(j["fits"] == true);
  for (const char* key : {"flash_bytes", "ram_bytes", "instructions", "latency_ms", "energy_uj", "ops"}) {
    TMF_EXPECT(j.contains(key));
  }
  TMF_EXPECT(j["ram_bytes"].get<int64_t>() >= 16256);  // at least the arena
  TMF_EXPECT_EQ(j["ops"].size(), 13u);
  // latency = instructions x CPI / clock; energy = V x mA x ms.
  const double latency = j["instructions"].get<double>() * j["cycles_per_instruction"].get<double>() / 80e6 * 1e3;
  TMF_EXPECT(std::fabs(j["latency_ms"].get<double>() - latency) < 1e-6 * latency);
  TMF_EXPECT(std::fabs(j["energy_uj"].get<double>() - 3.0 * 8.0 * latency) < 1e-6 * latency * 24);

  // kws needs a 16,256-byte arena: more than the 16 KB part can give with a stack.
  r = test::run_cli("cost " + kws + " --target cortex-m0plus-16k");
  TMF_EXPECT_EQ(r.exit_code, 4);
  TMF_EXPECT(r.err.find("does not fit cortex-m0plus-16k: RAM: needs") != std::string::npos);
  r = test::run_cli("cost " + kws + " --target nowhere.json");
  TMF_EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace tmf
