// Hostile model files: thousands of mutants of the real converted models (random byte flips,
// random values written into header, table and params fields, truncations) go through
// model_validate() and, when accepted, a full invoke — under ASan and UBSan, so any
// out-of-bounds access or undefined arithmetic fails the test. A few hundred go through the
// `tinymlops run` command too: each must exit with 0 (ran) or 2 (rejected), never crash.
#include <sys/wait.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

constexpr uint32_t kMaxArena = 16u << 20;

struct Outcome {
  int rejected = 0;
  int ran = 0;
};

std::vector<uint8_t> converted(const test::RealModel& m) {
  const std::string path = test::temp_path(m.name + ".tmf");
  if (test::run_cli("convert " + m.tflite + " -o " + path).exit_code != 0) return {};
  return test::read_bytes(path);
}

// Runs one candidate file through the runtime exactly as a device would.
void exercise(const std::vector<uint8_t>& file, Outcome* outcome) {
  std::vector<uint8_t> storage(file.size() + 16);
  uint8_t* base = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
  std::memcpy(base, file.data(), file.size());
  Model model;
  if (model_validate(base, file.size(), &model, nullptr) != Status::kOk ||
      model.header->arena_bytes > kMaxArena) {
    ++outcome->rejected;
    return;
  }
  std::vector<uint8_t> arena_storage(model.header->arena_bytes + 16);
  uint8_t* arena = arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  Interpreter it;
  if (interpreter_init(&it, &model, arena, model.header->arena_bytes) != Status::kOk) {
    ++outcome->rejected;
    return;
  }
  for (uint32_t i = 0; i < model.header->input_count; ++i) {
    const TensorRecord* t = nullptr;
    uint8_t* in = nullptr;
    interpreter_input(it, i, &t, &in);
    for (uint32_t b = 0; b < t->bytes; ++b) in[b] = static_cast<uint8_t>(b * 37 + 11);
  }
  interpreter_invoke(&it);
  ++outcome->ran;
}

// One mutant: a mix of the ways files get damaged or crafted.
std::vector<uint8_t> mutate(const std::vector<uint8_t>& original, std::mt19937& rng) {
  std::vector<uint8_t> m = original;
  const auto* h = reinterpret_cast<const FileHeader*>(original.data());
  // Bytes that describe structure (header, tables, operands, params) matter most; weights rarely.
  const uint32_t structure_end = h->constants.offset;
  std::uniform_int_distribution<int> kind(0, 9);
  const int k = kind(rng);
  if (k == 0) {  // truncation
    m.resize(std::uniform_int_distribution<size_t>(0, m.size() - 1)(rng));
  } else if (k <= 3) {  // random 32-bit value into an aligned structural field
    const uint32_t at = std::uniform_int_distribution<uint32_t>(0, structure_end / 4 - 1)(rng) * 4;
    uint32_t value = rng();
    if (rng() % 2) value = rng() % 512;  // small values pass more checks and reach deeper
    if (rng() % 4 == 0) value = 0xFFFFFFFFu - rng() % 4;
    std::memcpy(m.data() + at, &value, 4);
  } else if (k <= 7) {  // a few bit flips in the structure
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) m[rng() % structure_end] ^= static_cast<uint8_t>(1u << (rng() % 8));
  } else {  // random bytes anywhere
    const int bytes = 1 + static_cast<int>(rng() % 16);
    for (int i = 0; i < bytes; ++i) m[rng() % m.size()] = static_cast<uint8_t>(rng());
  }
  return m;
}

TMF_TEST(ModelMutation, ThousandsOfMutantsNeverCrashTheRuntime) {
  std::mt19937 rng(20261125);
  const int per_model[3] = {300, 3000, 6000};  // ad01, kws, hello_world (ad01 is 270 KB a copy)
  Outcome outcome;
  const std::vector<test::RealModel> models = test::real_models();
  for (size_t i = 0; i < models.size(); ++i) {
    const std::vector<uint8_t> original = converted(models[i]);
    TMF_ASSERT(!original.empty());
    exercise(original, &outcome);
    for (int n = 0; n < per_model[i]; ++n) exercise(mutate(original, rng), &outcome);
  }
  TMF_EXPECT(outcome.rejected > 1000);  // the validator really is the one saying no
  TMF_EXPECT(outcome.ran > 100);        // and mutants of weights or benign fields still run
}

TMF_TEST(ModelMutation, CliRunsOrRejectsEveryMutant) {
  std::mt19937 rng(7);
  const test::RealModel m = test::real_models()[2];
  const std::vector<uint8_t> original = converted(m);
  TMF_ASSERT(!original.empty());
  const std::string input = test::temp_path("mutant_input.bin");
  test::write_bytes(input, {0x10});
  int ran = 0, rejected = 0;
  for (int n = 0; n < 300; ++n) {
    const std::string path = test::temp_path("mutant.tmf");
    test::write_bytes(path, mutate(original, rng));
    const test::CommandResult r =
        test::run_cli("run " + path + " --input " + input + " --output " + test::temp_path("mutant.out"));
    if (r.exit_code == 0) {
      ++ran;
    } else if (r.exit_code == 1 || r.exit_code == 2) {
      ++rejected;  // 2: model rejected; 1: its input size no longer matches
      TMF_EXPECT(r.err.find("tinymlops: ") == 0);
    } else {
      TMF_EXPECT_EQ(r.exit_code, 2);  // a crash or internal error
    }
  }
  TMF_EXPECT(rejected > 50);
  TMF_EXPECT(ran > 10);
}

}  // namespace
}  // namespace tmf
