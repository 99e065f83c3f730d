// The real int8 models of ../shared/models (MLPerf Tiny ad01 and kws, TFLM hello_world):
// converted and run through the device runtime, their outputs must equal the bytes TFLM's
// reference kernels produced (golden files, see ../shared/models/README.md). Also the
// footprint targets of the foundation issue and the "validation reads no weight" property.
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "device/runtime/interpreter.h"
#include "device/runtime/model.h"
#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using test::RealModel;

std::vector<uint8_t> convert_model(const RealModel& m) {
  host::ConvertOptions options;
  options.model_name = m.name;
  return host::convert_graph(host::tflite_read_file(m.tflite), options).file;
}

// Runs `file` on `input` through the device runtime; returns the output bytes.
std::vector<uint8_t> run_model(const std::vector<uint8_t>& file, const std::vector<uint8_t>& input,
                               Status* status) {
  std::vector<uint8_t> storage(file.size() + 16);
  uint8_t* base = storage.data() + (16 - reinterpret_cast<uintptr_t>(storage.data()) % 16) % 16;
  std::memcpy(base, file.data(), file.size());
  Model model;
  *status = model_validate(base, file.size(), &model, nullptr);
  if (*status != Status::kOk) return {};
  std::vector<uint8_t> arena_storage(model.header->arena_bytes + 16);
  uint8_t* arena = arena_storage.data() + (16 - reinterpret_cast<uintptr_t>(arena_storage.data()) % 16) % 16;
  Interpreter it;
  if ((*status = interpreter_init(&it, &model, arena, model.header->arena_bytes)) != Status::kOk) return {};
  const TensorRecord* in = nullptr;
  uint8_t* in_data = nullptr;
  interpreter_input(it, 0, &in, &in_data);
  if (in->bytes != input.size()) {
    *status = Status::kErrShapeMismatch;
    return {};
  }
  std::memcpy(in_data, input.data(), input.size());
  if ((*status = interpreter_invoke(&it)) != Status::kOk) return {};
  const TensorRecord* out = nullptr;
  const uint8_t* out_data = nullptr;
  interpreter_output(it, 0, &out, &out_data);
  return std::vector<uint8_t>(out_data, out_data + out->bytes);
}

TMF_TEST(RealModels, OutputsEqualTflmReferenceBytes) {
  for (const RealModel& m : test::real_models()) {
    const std::vector<uint8_t> file = convert_model(m);
    Status status;
    const std::vector<uint8_t> output = run_model(file, test::read_bytes(m.input), &status);
    TMF_EXPECT_EQ(static_cast<int>(status), static_cast<int>(Status::kOk));
    const std::vector<uint8_t> expected = test::read_bytes(m.expected);
    TMF_ASSERT(output.size() == expected.size());
    TMF_EXPECT_BYTES_EQ(output.data(), expected.data(), static_cast<uint32_t>(expected.size()));
  }
}

TMF_TEST(RealModels, ArenaAndFileSizeTargets) {
  for (const RealModel& m : test::real_models()) {
    host::ConvertOptions options;
    const host::ConvertResult r = host::convert_graph(host::tflite_read_file(m.tflite), options);
    const size_t tflite_bytes = test::read_bytes(m.tflite).size();
    TMF_EXPECT(r.file.size() * 100 <= tflite_bytes * 102);
    TMF_EXPECT(r.plan.arena_bytes >= r.plan.lower_bound);
    TMF_EXPECT_EQ(r.arena_bytes, r.plan.arena_bytes + r.scratch_bytes);
    if (m.name == "ad01") TMF_EXPECT(r.arena_bytes <= 1024);
    if (m.name == "kws") TMF_EXPECT(r.arena_bytes <= 17000);
  }
}

TMF_TEST(RealModels, ValidationReadsNoConstantByte) {
  // The constant section's whole pages are made inaccessible; validation must still pass,
  // and only invoke (after access is restored) reads weights.
  const long page = sysconf(_SC_PAGESIZE);
  for (const RealModel& m : test::real_models()) {
    const std::vector<uint8_t> file = convert_model(m);
    const size_t mapped = (file.size() + page - 1) / page * page;
    auto* base = static_cast<uint8_t*>(mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    TMF_ASSERT(base != MAP_FAILED);
    std::memcpy(base, file.data(), file.size());
    const auto* header = reinterpret_cast<const FileHeader*>(base);
    const size_t first = (header->constants.offset + page - 1) / page * page;
    const size_t last = (header->constants.offset + header->constants.bytes) / page * page;
    if (last > first) mprotect(base + first, last - first, PROT_NONE);
    Model model;
    TMF_EXPECT(model_validate(base, file.size(), &model, nullptr) == Status::kOk);
    if (m.name == "ad01") TMF_EXPECT(last - first >= 200 * 1024);  // most of the file was fenced off
    munmap(base, mapped);
  }
}

TMF_TEST(RealModels, RepeatedInvokeIsStable) {
  // The ad01 output shares arena bytes with its input: the caller re-fills the input each time.
  const RealModel m = test::real_models()[0];
  const std::vector<uint8_t> file = convert_model(m);
  const std::vector<uint8_t> input = test::read_bytes(m.input);
  Status s1, s2;
  const std::vector<uint8_t> a = run_model(file, input, &s1);
  const std::vector<uint8_t> b = run_model(file, input, &s2);
  TMF_EXPECT(s1 == Status::kOk && s2 == Status::kOk);
  TMF_EXPECT(a == b);
}

}  // namespace
}  // namespace tmf
