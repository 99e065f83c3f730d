// One-op model harness for kernel tests (see op_test.h).
#include "tests/support/op_test.h"

#include <string.h>

#ifndef TMF_OP_TEST_FILE_BYTES
#define TMF_OP_TEST_FILE_BYTES (96 * 1024)
#endif
#ifndef TMF_OP_TEST_ARENA_BYTES
#define TMF_OP_TEST_ARENA_BYTES (64 * 1024)
#endif

namespace tmf {
namespace {

constexpr ModelBuilderCapacity kCapacity = {
    /*tensors=*/16, /*ops=*/2, /*operands=*/16, /*params_bytes=*/8 * 1024,
    /*constants_bytes=*/TMF_OP_TEST_FILE_BYTES / 2, /*strings_bytes=*/0, /*metadata_bytes=*/0};

alignas(16) uint8_t g_workspace[TMF_OP_TEST_FILE_BYTES];
alignas(16) uint8_t g_file[TMF_OP_TEST_FILE_BYTES];
alignas(16) uint8_t g_arena[TMF_OP_TEST_ARENA_BYTES];

TensorRecord make_record(TensorType type, Shape shape, float scale, int32_t zero_point) {
  TensorRecord t;
  memset(&t, 0, sizeof(t));
  t.type = type;
  t.rank = shape.rank;
  for (uint32_t i = 0; i < kTmfMaxRank; ++i) t.dims[i] = i < shape.rank ? shape.dims[i] : 1;
  t.quant = scale > 0.0f ? kTensorQuantPerTensor : kTensorQuantNone;
  t.scale = scale;
  t.zero_point = zero_point;
  t.name = kTmfNoName;
  return t;
}

}  // namespace

OpTest::OpTest() : builder_(kCapacity, g_workspace, sizeof(g_workspace)) {
  static_assert(sizeof(g_workspace) >= 8 * 1024 + TMF_OP_TEST_FILE_BYTES / 2 + 2048,
                "op test workspace too small for its capacity");
}

uint16_t OpTest::arena_tensor(TensorType type, Shape shape, float scale, int32_t zero_point,
                              TensorStorage storage) {
  TensorRecord t = make_record(type, shape, scale, zero_point);
  t.storage = storage;
  t.offset = arena_used_;
  const uint16_t index = builder_.add_tensor(t);
  uint32_t elements = 1;
  for (uint32_t i = 0; i < shape.rank; ++i) elements *= static_cast<uint32_t>(shape.dims[i]);
  arena_used_ += (elements * tensor_type_size(type) + 15u) & ~15u;
  return index;
}

uint16_t OpTest::input(TensorType type, Shape shape, float scale, int32_t zero_point) {
  const uint16_t index = arena_tensor(type, shape, scale, zero_point);
  if (input_count_ < 8) inputs_[input_count_++] = index;
  return index;
}

uint16_t OpTest::state(TensorType type, Shape shape, float scale, int32_t zero_point) {
  return arena_tensor(type, shape, scale, zero_point, kTensorStorageState);
}

uint16_t OpTest::output(TensorType type, Shape shape, float scale, int32_t zero_point) {
  const uint16_t index = arena_tensor(type, shape, scale, zero_point);
  if (output_count_ < 8) outputs_[output_count_++] = index;
  return index;
}

uint16_t OpTest::constant_record(TensorRecord t, const void* data) {
  uint32_t elements = 1;
  for (uint32_t i = 0; i < t.rank; ++i) elements *= static_cast<uint32_t>(t.dims[i]);
  t.storage = kTensorStorageConstant;
  t.offset = builder_.add_constant_data(data, elements * tensor_type_size(t.type));
  return builder_.add_tensor(t);
}

uint16_t OpTest::constant(TensorType type, Shape shape, const void* data, float scale,
                          int32_t zero_point) {
  return constant_record(make_record(type, shape, scale, zero_point), data);
}

uint16_t OpTest::constant_per_channel(TensorType type, Shape shape, const void* data,
                                      uint32_t axis, const float* scales,
                                      const int32_t* zero_points) {
  const uint32_t count = static_cast<uint32_t>(shape.dims[axis]);
  const PerChannelQuant header{axis, count};
  TensorRecord t = make_record(type, shape, 0.0f, 0);
  t.quant = kTensorQuantPerChannel;
  t.per_channel = builder_.add_params(&header, sizeof(header));
  builder_.add_params(scales, 4 * count);
  builder_.add_params(zero_points, 4 * count);
  return constant_record(t, data);
}

uint32_t OpTest::params_array(const void* data, uint32_t bytes) {
  return builder_.add_params(data, bytes);
}

void OpTest::op_raw(uint16_t opcode, const void* params, uint32_t params_bytes,
                    const uint16_t* inputs, uint8_t input_count, const uint16_t* outputs,
                    uint8_t output_count) {
  const uint32_t offset = params_bytes > 0 ? builder_.add_params(params, params_bytes) : 0;
  builder_.add_op(opcode, inputs, input_count, outputs, output_count, offset, params_bytes);
}

Status OpTest::build() {
  builder_.set_graph_io(inputs_, input_count_, outputs_, output_count_);
  ModelBuilderHeader header{};
  header.model_id = 1;
  header.model_version = 1;
  header.scratch_offset = scratch_bytes_ > 0 ? arena_used_ : 0;
  header.scratch_bytes = scratch_bytes_;
  header.arena_bytes = arena_used_ + scratch_bytes_;
  file_bytes_ = static_cast<uint32_t>(builder_.finish(header, g_file, sizeof(g_file)));
  if (file_bytes_ == 0 || header.arena_bytes > sizeof(g_arena)) return Status::kErrNullArgument;
  const Status s = model_validate(g_file, file_bytes_, &model_, nullptr);
  if (s != Status::kOk) return s;
  // Stale bytes a kernel must not depend on, also past the arena the model asked for.
  memset(g_arena, 0x5A, sizeof(g_arena));
  return interpreter_init(&interpreter_, &model_, g_arena, header.arena_bytes);
}

void OpTest::set_input(uint32_t index, const void* data, uint32_t bytes) {
  uint8_t* dst = nullptr;
  const TensorRecord* t = nullptr;
  if (interpreter_input(interpreter_, index, &t, &dst) == Status::kOk && bytes <= t->bytes) {
    memcpy(dst, data, bytes);
  }
}

Status OpTest::invoke() { return interpreter_invoke(&interpreter_); }

Status OpTest::invoke_kernel(const KernelRegistration& kernel) {
  const EvalContext ctx{{&model_, &model_.ops[0]}, g_arena};
  return kernel.eval(ctx);
}

const uint8_t* OpTest::output_data(uint32_t index) const {
  const uint8_t* data = nullptr;
  interpreter_output(interpreter_, index, nullptr, &data);
  return data;
}

uint8_t* OpTest::file() const { return g_file; }

}  // namespace tmf
