// Target profiles: the built-ins load and cite a source for their facts, the two generic ones
// have exactly the figures issue 7 asks for, and broken files are refused with file and field.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "host/select/profile.h"
#include "host/select/select_error.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using select::SelectError;

nlohmann::json valid_profile() {
  return {{"name", "my-board"},        {"core", "cortex-m4f"},     {"clock_hz", 64000000},
          {"ram_bytes", 65536},        {"flash_bytes", 262144},    {"dsp_extension", true},
          {"fpu", "single"},           {"supply_voltage_v", 3.0},  {"active_current_ma", 5.0},
          {"sleep_current_ua", 2.0}};
}

TMF_TEST(Profile, EveryBuiltInLoadsAndCitesItsFacts) {
  const std::vector<std::string> names = select::builtin_profile_names();
  for (const char* required : {"cortex-m0plus-16k", "cortex-m4f-128k", "stm32l476", "stm32h743", "nrf52840",
                               "nrf5340-app", "rp2040", "esp32"}) {
    TMF_EXPECT(std::find(names.begin(), names.end(), required) != names.end());
  }
  for (const std::string& name : names) {
    const select::Profile p = select::find_profile(name);
    TMF_EXPECT(p.name == name);
    TMF_EXPECT(p.clock_hz > 0 && p.ram_bytes > 0 && p.flash_bytes > 0);
    TMF_EXPECT(p.cycles_per_instruction > 0);
    TMF_EXPECT(!p.sources.empty());  // every built-in says where its figures come from
    bool cites_power = false;
    for (const auto& [field, text] : p.sources) cites_power = cites_power || field.find("active_current") != std::string::npos;
    TMF_EXPECT(cites_power);
  }
}

TMF_TEST(Profile, GenericProfilesMatchTheIssue) {
  const select::Profile m0 = select::find_profile("cortex-m0plus-16k");
  TMF_EXPECT(m0.core == "cortex-m0plus");
  TMF_EXPECT(m0.cost_core == "cortex-m0");
  TMF_EXPECT_EQ(static_cast<int64_t>(m0.clock_hz), 48000000);
  TMF_EXPECT_EQ(static_cast<int64_t>(m0.ram_bytes), 16 * 1024);
  TMF_EXPECT_EQ(static_cast<int64_t>(m0.flash_bytes), 128 * 1024);
  TMF_EXPECT(!m0.dsp_extension && m0.fpu == "none");
  const select::Profile m4 = select::find_profile("cortex-m4f-128k");
  TMF_EXPECT(m4.core == "cortex-m4f" && m4.cost_core == "cortex-m4");
  TMF_EXPECT_EQ(static_cast<int64_t>(m4.clock_hz), 80000000);
  TMF_EXPECT_EQ(static_cast<int64_t>(m4.ram_bytes), 128 * 1024);
  TMF_EXPECT_EQ(static_cast<int64_t>(m4.flash_bytes), 512 * 1024);
  TMF_EXPECT(m4.dsp_extension && m4.fpu == "single");
  // Power in mW from mA and V.
  TMF_EXPECT(std::fabs(m4.active_power_mw() - m4.active_current_ma * m4.supply_voltage_v) < 1e-9);
}

TMF_TEST(Profile, XtensaSaysWhichTableItBorrows) {
  const select::Profile esp = select::find_profile("esp32");
  TMF_EXPECT(esp.core == "xtensa-lx6");
  TMF_EXPECT(esp.cost_core == "cortex-m3");
  TMF_EXPECT(esp.cost_core_note.find("not Arm") != std::string::npos);
}

TMF_TEST(Profile, DefaultsComeFromTheCore) {
  const select::Profile p = select::profile_from_json(valid_profile(), "my.json");
  TMF_EXPECT(p.cost_core == "cortex-m4");
  TMF_EXPECT(p.cycles_per_instruction == select::default_cycles_per_instruction("cortex-m4f"));
  TMF_EXPECT(!p.flash_wait_states.has_value());
  nlohmann::json j = valid_profile();
  j["cycles_per_instruction"] = 1.7;
  j["flash_wait_states"] = 3;
  const select::Profile q = select::profile_from_json(j, "my.json");
  TMF_EXPECT(q.cycles_per_instruction == 1.7);
  TMF_EXPECT(q.flash_wait_states.has_value() && *q.flash_wait_states == 3);
}

TMF_TEST(Profile, BadFieldsAreNamed) {
  struct Case {
    const char* field;
    nlohmann::json value;  // null: remove the field
    const char* message;
  };
  const Case cases[] = {
      {"clock_hz", nullptr, "my.json: clock_hz: missing"},
      {"clock_hz", -5, "my.json: clock_hz: must be positive"},
      {"clock_hz", "80 MHz", "my.json: clock_hz: must be a number"},
      {"ram_bytes", 0, "my.json: ram_bytes: must be positive"},
      {"core", "cortex-a53", "my.json: core: unknown core 'cortex-a53'"},
      {"core", "xtensa-lx6", "my.json: cost_core: missing"},  // no table of its own: must say which
      {"fpu", "yes", "my.json: fpu: must be none, single or double"},
      {"dsp_extension", "true", "my.json: dsp_extension: must be true or false"},
      {"sleep_current_ua", -1, "my.json: sleep_current_ua: must not be negative"},
      {"name", "a b", "my.json: name: must be a non-empty word"},
      {"clock_mhz", 80, "my.json: clock_mhz: unknown field"},
      {"cost_core", "cortex-m55", "my.json: cost_core: 'cortex-m55' is not a QEMU core"},
      {"reserved_ram_bytes", 65536, "my.json: reserved_ram_bytes: leaves no RAM"},
      {"max_arena_bytes", 0, "my.json: max_arena_bytes: must be positive"},
      {"max_arena_bytes", 65537, "my.json: max_arena_bytes: exceeds the RAM left"},
      {"max_input_bytes", -1, "my.json: max_input_bytes: must be positive"},
      {"source", "datasheet", "my.json: source: must be an object"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = valid_profile();
    if (c.value.is_null()) j.erase(c.field);
    else j[c.field] = c.value;
    TMF_EXPECT_THROWS(select::profile_from_json(j, "my.json"), SelectError, c.message);
  }
}

TMF_TEST(Profile, FilesAndNames) {
  const std::string path = test::temp_path("board.json");
  std::ofstream(path) << valid_profile().dump();
  TMF_EXPECT(select::find_profile(path).name == "my-board");
  const std::string broken = test::temp_path("broken.json");
  std::ofstream(broken) << "{\"name\": ";
  TMF_EXPECT_THROWS(select::find_profile(broken), SelectError, "broken.json: not valid JSON");
  TMF_EXPECT_THROWS(select::find_profile("no-such-board"), SelectError, "cortex-m4f-128k");  // lists the built-ins
  TMF_EXPECT_THROWS(select::find_profile("/nonexistent/x.json"), SelectError, "/nonexistent/x.json: no such profile");
  TMF_EXPECT_THROWS(select::find_profile("op_costs"), SelectError, "no profile 'op_costs'");
}

}  // namespace
}  // namespace tmf
