// The TMF writer: lowering, tensor compaction, arena planning, layout (see convert.h).
#include "host/convert/convert.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <map>

#include "device/runtime/model.h"
#include "device/runtime/kernels/scratch.h"
#include "device/runtime/model_builder.h"
#include "host/convert/lower.h"
#include "host/convert/rewrite.h"

namespace tmf::host {
namespace {

uint32_t type_size(TensorType type) { return tensor_type_size(type); }

// The per-channel quantization block of a tensor, as it goes into the params blob.
uint32_t append_per_channel(ParamsBlob& blob, const Tensor& t) {
  const PerChannelQuant header{static_cast<uint32_t>(t.quant.axis),
                               static_cast<uint32_t>(t.quant.scales.size())};
  std::vector<int32_t> zero_points(t.quant.zero_points.begin(), t.quant.zero_points.end());
  const uint32_t offset = blob.append_struct(header);
  blob.append(t.quant.scales.data(), t.quant.scales.size() * sizeof(float));
  blob.append(zero_points.data(), zero_points.size() * sizeof(int32_t));
  return offset;
}

// Every quantized tensor an op touches must have usable quantization before any lowering computes
// with it (the importer passes values through as the file states them).
void check_quantization(const Graph& graph) {
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    std::vector<int> used = op.inputs;
    used.insert(used.end(), op.outputs.begin(), op.outputs.end());
    for (int index : used) {
      if (index < 0) continue;
      const Tensor& t = graph.tensors[index];
      int64_t lo = INT32_MIN, hi = INT32_MAX;
      if (t.type == kTensorTypeInt8) lo = -128, hi = 127;
      if (t.type == kTensorTypeUint8) lo = 0, hi = 255;
      if (t.type == kTensorTypeInt16) lo = -32768, hi = 32767;
      for (size_t c = 0; c < t.quant.scales.size(); ++c) {
        const float scale = t.quant.scales[c];
        const int64_t zp = t.quant.zero_points[c];
        if (!(scale > 0.0f) || !std::isfinite(scale)) {
          throw ConvertError(graph.op_context(i) + ": " + graph.tensor_context(index) + ": scale " +
                             std::to_string(scale) + " is not finite and positive");
        }
        if (zp < lo || zp > hi) {
          throw ConvertError(graph.op_context(i) + ": " + graph.tensor_context(index) + ": zero point " +
                             std::to_string(zp) + " is out of range for its type");
        }
      }
    }
  }
}

// The largest scratch any op's optimized kernel may use (kernels/scratch.h).
uint32_t scratch_bytes_needed(const Graph& graph, const std::vector<LoweredOp>& lowered) {
  uint32_t bytes = 0;
  for (const LoweredOp& op : lowered) {
    if (op.opcode == kOpAdd && !op.outputs.empty()) {
      const int64_t elements = graph.tensors[op.outputs[0]].element_count();
      bytes = std::max(bytes, add_dsp_scratch_bytes(static_cast<uint32_t>(elements)));
    }
    if (op.inputs.size() < 2 || op.inputs[1] < 0) continue;
    const std::vector<int32_t>& w = graph.tensors[op.inputs[1]].shape;
    if (op.opcode == kOpConv2D && w.size() == 4) {
      bytes = std::max(bytes, conv_2d_dsp_scratch_bytes(w[1], w[2], w[3]));
    }
    if (op.opcode == kOpFullyConnected && w.size() == 2 && w[1] > 0) {
      const int64_t batches = graph.tensors[op.inputs[0]].element_count() / w[1];
      bytes = std::max(bytes, fully_connected_dsp_scratch_bytes(static_cast<int32_t>(batches), w[1]));
    }
  }
  return bytes;
}

}  // namespace

uint32_t fnv1a32(const void* data, size_t bytes) {
  uint32_t h = 2166136261u;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < bytes; ++i) {
    h ^= p[i];
    h *= 16777619u;
  }
  return h;
}

ConvertResult convert_graph(Graph graph, const ConvertOptions& options) {
  ConvertResult result;
  result.source_op_count = static_cast<uint32_t>(graph.ops.size());

  check_quantization(graph);
  rewrite_pointwise_conv_as_fully_connected(graph);
  ParamsBlob blob;
  std::vector<LoweredOp> lowered;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const LowerFn lower = lowering_find(graph.ops[i].opcode);
    if (lower == nullptr) throw ConvertError(graph.op_context(i) + ": no lowering for this op");
    LoweringContext ctx(graph, i, blob);
    lowered.push_back(lower(ctx));
  }

  // Keep only tensors that an op or the graph's interface uses, in first-use order.
  std::map<int, uint16_t> remap;
  std::vector<int> kept;
  const auto keep = [&](int index) {
    if (index < 0 || remap.count(index)) return;
    if (kept.size() >= kTmfNoTensor) throw ConvertError(graph.source + ": too many tensors");
    remap[index] = static_cast<uint16_t>(kept.size());
    kept.push_back(index);
  };
  for (int index : graph.inputs) keep(index);
  for (const LoweredOp& op : lowered) {
    for (int index : op.inputs) keep(index);
    for (int index : op.outputs) keep(index);
  }
  for (int index : graph.outputs) keep(index);

  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    if (graph.tensors[graph.inputs[i]].is_constant()) {
      throw ConvertError(graph.source + ": graph input " + graph.tensor_context(graph.inputs[i]) +
                         " is a constant");
    }
  }

  // Lifetimes of arena tensors, then the offline plan.
  const int op_count = static_cast<int>(lowered.size());
  std::vector<PlannerTensor> planner(kept.size());
  std::vector<bool> in_arena(kept.size(), false);
  std::vector<bool> seen(kept.size(), false);
  for (size_t k = 0; k < kept.size(); ++k) {
    const Tensor& t = graph.tensors[kept[k]];
    in_arena[k] = !t.is_constant();
    planner[k].bytes = static_cast<uint32_t>(t.element_count()) * type_size(t.type);
  }
  for (int index : graph.inputs) {
    seen[remap[index]] = true;
    planner[remap[index]].first_op = 0;
  }
  for (int op = 0; op < op_count; ++op) {
    for (int index : lowered[op].inputs) {
      if (index < 0) continue;
      const uint16_t k = remap[index];
      if (in_arena[k] && !seen[k]) {
        throw ConvertError(graph.op_context(op) + ": reads " + graph.tensor_context(index) +
                           " before any op writes it");
      }
      planner[k].last_op = std::max(planner[k].last_op, op);
    }
    for (int index : lowered[op].outputs) {
      const uint16_t k = remap[index];
      if (!seen[k]) planner[k].first_op = op;
      seen[k] = true;
      planner[k].last_op = std::max(planner[k].last_op, op);
    }
  }
  for (int index : graph.outputs) planner[remap[index]].last_op = op_count;
  std::vector<PlannerTensor> arena_tensors;
  std::vector<size_t> arena_index;
  for (size_t k = 0; k < kept.size(); ++k) {
    if (in_arena[k]) {
      arena_tensors.push_back(planner[k]);
      arena_index.push_back(k);
    }
  }
  result.plan = plan_arena(arena_tensors);
  const uint32_t scratch_bytes = scratch_bytes_needed(graph, lowered);

  // Capacities, then the builder.
  ModelBuilderCapacity cap{};
  cap.tensors = static_cast<uint32_t>(kept.size());
  cap.ops = static_cast<uint32_t>(lowered.size());
  for (const LoweredOp& op : lowered) cap.operands += op.inputs.size() + op.outputs.size();
  size_t params_bytes = blob.bytes().size();
  for (int index : kept) {
    const Tensor& t = graph.tensors[index];
    if (t.quant.per_channel()) params_bytes += sizeof(PerChannelQuant) + 8 * t.quant.scales.size() + 8;
    if (t.is_constant()) cap.constants_bytes += t.data.size() + kTmfConstAlign;
    cap.strings_bytes += t.name.size() + 1;
  }
  const std::string name = options.model_name;
  const std::string source = graph.source + (graph.description.empty() ? "" : " (" + graph.description + ")");
  cap.params_bytes = static_cast<uint32_t>(params_bytes + 16);
  cap.metadata_bytes = static_cast<uint32_t>(2 * sizeof(TlvHeader) + name.size() + source.size() + 8);
  std::vector<uint8_t> workspace(model_builder_workspace_bytes(cap) + 16);
  uint8_t* aligned = workspace.data() + (16 - reinterpret_cast<uintptr_t>(workspace.data()) % 16) % 16;
  ModelBuilder builder(cap, aligned, workspace.size() - 16);

  // The lowering blob goes first, so the offsets the lowerings recorded stay valid.
  if (!blob.bytes().empty()) builder.add_params(blob.bytes().data(), static_cast<uint32_t>(blob.bytes().size()));
  for (size_t k = 0; k < kept.size(); ++k) {
    const Tensor& t = graph.tensors[kept[k]];
    TensorRecord r{};
    r.type = t.type;
    if (t.shape.size() > kTmfMaxRank) {
      throw ConvertError(graph.source + ": " + graph.tensor_context(kept[k]) + ": rank " +
                         std::to_string(t.shape.size()) + " exceeds " + std::to_string(kTmfMaxRank));
    }
    r.rank = static_cast<uint8_t>(t.shape.size());
    for (uint32_t i = 0; i < kTmfMaxRank; ++i) r.dims[i] = i < t.shape.size() ? t.shape[i] : 1;
    r.name = builder.add_string(t.name.c_str());
    if (t.quant.per_tensor()) {
      r.quant = kTensorQuantPerTensor;
      r.scale = t.quant.scales[0];
      r.zero_point = static_cast<int32_t>(t.quant.zero_points[0]);
    } else if (t.quant.per_channel()) {
      ParamsBlob one;
      append_per_channel(one, t);
      r.quant = kTensorQuantPerChannel;
      r.per_channel = builder.add_params(one.bytes().data(), static_cast<uint32_t>(one.bytes().size()));
    }
    if (t.is_constant()) {
      r.storage = kTensorStorageConstant;
      r.offset = builder.add_constant_data(t.data.data(), static_cast<uint32_t>(t.data.size()));
    } else {
      r.storage = kTensorStorageArena;
      const size_t a = std::find(arena_index.begin(), arena_index.end(), k) - arena_index.begin();
      r.offset = result.plan.offsets[a];
    }
    builder.add_tensor(r);
  }
  for (const LoweredOp& op : lowered) {
    std::vector<uint16_t> inputs, outputs;
    for (int index : op.inputs) inputs.push_back(index < 0 ? kTmfNoTensor : remap[index]);
    for (int index : op.outputs) outputs.push_back(remap[index]);
    builder.add_op(op.opcode, inputs.data(), static_cast<uint8_t>(inputs.size()), outputs.data(),
                   static_cast<uint8_t>(outputs.size()), op.params_offset, op.params_bytes);
  }
  std::vector<uint16_t> io_in, io_out;
  for (int index : graph.inputs) io_in.push_back(remap[index]);
  for (int index : graph.outputs) io_out.push_back(remap[index]);
  builder.set_graph_io(io_in.data(), static_cast<uint16_t>(io_in.size()), io_out.data(),
                       static_cast<uint16_t>(io_out.size()));
  builder.add_metadata(kMetadataModelName, name.data(), static_cast<uint32_t>(name.size()));
  builder.add_metadata(kMetadataSource, source.data(), static_cast<uint32_t>(source.size()));
  if (!builder.ok()) throw ConvertError(graph.source + ": internal error: model builder capacity exceeded");

  ModelBuilderHeader header{};
  header.model_id = options.model_id != 0 ? options.model_id : fnv1a32(name.data(), name.size());
  header.model_version = options.model_version;
  // The scratch area follows the planned activations.
  header.scratch_offset = scratch_bytes > 0 ? result.plan.arena_bytes : 0;
  header.scratch_bytes = scratch_bytes;
  header.arena_bytes = result.plan.arena_bytes + scratch_bytes;
  result.scratch_bytes = scratch_bytes;
  result.arena_bytes = header.arena_bytes;
  result.file.resize(builder.file_bytes());
  if (builder.finish(header, result.file.data(), result.file.size()) != result.file.size()) {
    throw ConvertError(graph.source + ": internal error: model layout failed");
  }

  // The device's own validator is the last word on what we wrote.
  std::vector<uint8_t> check(result.file.size() + 16);
  uint8_t* at = check.data() + (16 - reinterpret_cast<uintptr_t>(check.data()) % 16) % 16;
  std::memcpy(at, result.file.data(), result.file.size());
  Model model;
  ValidationError error{};
  if (model_validate(at, result.file.size(), &model, &error) != Status::kOk) {
    std::string where = error.item == ValidationItem::kValidationItemOp
                            ? graph.op_context(std::min<size_t>(error.index, graph.ops.size()))
                            : graph.source;
    throw ConvertError(where + ": internal error: written model fails validation (" +
                       status_to_string(error.status) + ")");
  }
  return result;
}

}  // namespace tmf::host
