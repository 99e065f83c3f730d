// The converter core: arena planning (against hand-worked lifetimes and the lower bound) and
// the guards that run before any lowering computes with a tensor's quantization.
#include <cstring>
#include <limits>

#include "host/convert/convert.h"
#include "host/convert/planner.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

using host::PlannerTensor;

bool overlaps(const host::ArenaPlan& plan, const std::vector<PlannerTensor>& t, size_t a, size_t b) {
  const bool in_time = t[a].first_op <= t[b].last_op && t[b].first_op <= t[a].last_op;
  const bool in_space = plan.offsets[a] < plan.offsets[b] + t[b].bytes &&
                        plan.offsets[b] < plan.offsets[a] + t[a].bytes;
  return in_time && in_space;
}

TMF_TEST(Planner, ChainReachesLowerBound) {
  // An autoencoder-like chain: 640 -> 128 -> 128 -> 640; input and output never live together.
  const std::vector<PlannerTensor> t = {{640, 0, 0}, {128, 0, 1}, {128, 1, 2}, {640, 2, 3}};
  const host::ArenaPlan plan = host::plan_arena(t);
  TMF_EXPECT_EQ(plan.lower_bound, 768);
  TMF_EXPECT_EQ(plan.arena_bytes, 768);
  for (size_t a = 0; a < t.size(); ++a) {
    for (size_t b = a + 1; b < t.size(); ++b) TMF_EXPECT(!overlaps(plan, t, a, b));
  }
}

TMF_TEST(Planner, NoOverlapOnBranchingLifetimes) {
  // A skip connection: tensor 1 stays alive across ops 1..3 while others come and go.
  const std::vector<PlannerTensor> t = {{100, 0, 0}, {200, 0, 3}, {50, 1, 2}, {300, 2, 3}, {64, 3, 4}};
  const host::ArenaPlan plan = host::plan_arena(t);
  for (size_t a = 0; a < t.size(); ++a) {
    TMF_EXPECT_EQ(plan.offsets[a] % 16, 0);
    for (size_t b = a + 1; b < t.size(); ++b) TMF_EXPECT(!overlaps(plan, t, a, b));
  }
  TMF_EXPECT_EQ(plan.lower_bound, 564);  // op 3: tensors 1, 3, 4
  TMF_EXPECT(plan.arena_bytes >= plan.lower_bound);
}

host::Graph fully_connected_graph(int64_t input_zero_point, float weight_scale) {
  host::Graph g;
  g.source = "crafted.tflite";
  host::Tensor in{"in", kTensorTypeInt8, {1, 4}, {{0.5f}, {input_zero_point}, 0}, {}};
  host::Tensor w{"w", kTensorTypeInt8, {2, 4}, {{weight_scale}, {0}, 0}, std::vector<uint8_t>(8, 1)};
  host::Tensor out{"out", kTensorTypeInt8, {1, 2}, {{0.25f}, {0}, 0}, {}};
  g.tensors = {in, w, out};
  host::Op op;
  op.opcode = kOpFullyConnected;
  op.source_name = "FULLY_CONNECTED";
  op.inputs = {0, 1, -1};
  op.outputs = {2};
  g.ops = {op};
  g.inputs = {0};
  g.outputs = {2};
  return g;
}

TMF_TEST(Convert, SmallFullyConnectedConvertsAndValidates) {
  const host::ConvertResult r = host::convert_graph(fully_connected_graph(3, 0.1f), {});
  TMF_EXPECT(!r.file.empty());
  TMF_EXPECT_EQ(r.plan.arena_bytes, 32);  // two 16-byte aligned activations
}

// Regression (found by tflite_fuzz): a zero point far outside int8 made the bias folding
// overflow int64; it must be rejected, naming op and tensor.
TMF_TEST(Convert, Regression_HugeZeroPointIsRejected) {
  TMF_EXPECT_THROWS(host::convert_graph(fully_connected_graph(-(int64_t{1} << 59), 0.1f), {}),
                    host::ConvertError, "op 0 (FULLY_CONNECTED): tensor 0 'in': zero point");
}

TMF_TEST(Convert, NonFiniteScaleIsRejected) {
  TMF_EXPECT_THROWS(host::convert_graph(fully_connected_graph(0, std::numeric_limits<float>::infinity()), {}),
                    host::ConvertError, "tensor 1 'w': scale");
}

}  // namespace
}  // namespace tmf
