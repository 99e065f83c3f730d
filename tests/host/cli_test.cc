// The `tinymlops` command as a user runs it: convert, inspect --json, run with several input
// sets, and one-line rejections of bad models with a non-zero exit status.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

TMF_TEST(Cli, ConvertInspectRunAd01) {
  const test::RealModel m = test::real_models()[0];
  const std::string tmf = test::temp_path("ad01.tmf");
  const test::CommandResult c = test::run_cli("convert " + m.tflite + " -o " + tmf + " --json");
  TMF_ASSERT(c.exit_code == 0);
  const auto cj = nlohmann::json::parse(c.out);
  TMF_EXPECT(cj["arena_bytes"].get<int>() <= 1024);

  const test::CommandResult i = test::run_cli("inspect " + tmf + " --json");
  TMF_ASSERT(i.exit_code == 0);
  const auto j = nlohmann::json::parse(i.out);
  TMF_EXPECT_EQ(j["ops"].size(), 10);
  TMF_EXPECT_EQ(j["macs"].get<uint64_t>(), 264192);
  TMF_EXPECT_EQ(j["file_bytes"].get<uint64_t>(), test::read_bytes(tmf).size());
  TMF_EXPECT(j["arena_bytes"].get<int>() <= 1024);
  TMF_EXPECT_EQ(j["arena_lower_bound_bytes"].get<int>(), 768);
  TMF_EXPECT(j["content_hash"] == "ok");

  // Two input sets back to back give the two outputs back to back.
  std::vector<uint8_t> input = test::read_bytes(m.input);
  std::vector<uint8_t> expected = test::read_bytes(m.expected);
  std::vector<uint8_t> twice = input;
  twice.insert(twice.end(), input.begin(), input.end());
  const std::string in_path = test::temp_path("ad01_in2.bin");
  const std::string out_path = test::temp_path("ad01_out2.bin");
  test::write_bytes(in_path, twice);
  const test::CommandResult r = test::run_cli("run " + tmf + " --input " + in_path + " --output " +
                                              out_path + " --repeat 3");
  TMF_ASSERT(r.exit_code == 0);
  std::vector<uint8_t> expected_twice = expected;
  expected_twice.insert(expected_twice.end(), expected.begin(), expected.end());
  TMF_EXPECT(test::read_bytes(out_path) == expected_twice);
}

TMF_TEST(Cli, RejectsCorruptModelWithOneLineReason) {
  const test::RealModel m = test::real_models()[2];
  const std::string tmf = test::temp_path("hello.tmf");
  TMF_ASSERT(test::run_cli("convert " + m.tflite + " -o " + tmf).exit_code == 0);
  std::vector<uint8_t> bytes = test::read_bytes(tmf);
  bytes[0] = 'X';
  const std::string bad = test::temp_path("bad_magic.tmf");
  test::write_bytes(bad, bytes);
  const std::string out = test::temp_path("never_written.bin");
  const test::CommandResult r = test::run_cli("run " + bad + " --input " + m.input + " --output " + out);
  TMF_EXPECT(r.exit_code != 0);
  TMF_EXPECT(r.err.find("bad magic") != std::string::npos);
  TMF_EXPECT(r.err.find(bad) != std::string::npos);
  TMF_EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

TMF_TEST(Cli, RejectsWrongInputSize) {
  const test::RealModel m = test::real_models()[0];
  const std::string tmf = test::temp_path("ad01_b.tmf");
  TMF_ASSERT(test::run_cli("convert " + m.tflite + " -o " + tmf).exit_code == 0);
  const std::string in_path = test::temp_path("short.bin");
  test::write_bytes(in_path, std::vector<uint8_t>(100, 1));
  const test::CommandResult r = test::run_cli("run " + tmf + " --input " + in_path + " --output " +
                                              test::temp_path("o.bin"));
  TMF_EXPECT(r.exit_code != 0);
  TMF_EXPECT(r.err.find("not a positive multiple") != std::string::npos);
}

TMF_TEST(Cli, ConvertRejectsNonTflite) {
  const std::string junk = test::temp_path("junk.tflite");
  test::write_bytes(junk, std::vector<uint8_t>(64, 0x42));
  const test::CommandResult r = test::run_cli("convert " + junk + " -o " + test::temp_path("junk.tmf"));
  TMF_EXPECT(r.exit_code != 0);
  TMF_EXPECT(r.err.find(junk) != std::string::npos);
}

}  // namespace
}  // namespace tmf
