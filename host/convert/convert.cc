// The TMF writer: lowering, tensor compaction, arena planning, layout (see convert.h).
#include "host/convert/convert.h"
#include "host/convert/aligned_buffer.h"

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
    if (op.opcode == kOpDspFeatures && !op.inputs.empty() && !op.outputs.empty()) {
      // One channel's window at a time (the samples' last dimension), all channels' features.
      const std::vector<int32_t>& shape = graph.tensors[op.inputs[0]].shape;
      const int64_t n = shape.empty() ? 0 : shape.back();
      const int64_t features = graph.tensors[op.outputs[0]].element_count();
      bytes = std::max(bytes, dsp_features_scratch_bytes(static_cast<uint32_t>(n),
                                                         static_cast<uint32_t>(features)));
    }
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

namespace {

// The tensors an op or the graph's interface uses, renumbered densely in first-use order.
struct TensorSelection {
  std::map<int, uint16_t> index;  // graph tensor -> file tensor
  std::vector<int> kept;          // file tensor -> graph tensor
};

TensorSelection select_tensors(const Graph& graph, const std::vector<LoweredOp>& lowered) {
  TensorSelection s;
  const auto keep = [&](int t) {
    if (t < 0 || s.index.count(t)) return;
    if (s.kept.size() >= kTmfNoTensor) throw ConvertError(graph.source + ": too many tensors");
    s.index[t] = static_cast<uint16_t>(s.kept.size());
    s.kept.push_back(t);
  };
  for (int t : graph.inputs) keep(t);
  for (const LoweredOp& op : lowered) {
    for (int t : op.inputs) keep(t);
    for (int t : op.outputs) keep(t);
  }
  for (int t : graph.outputs) keep(t);
  for (int t : graph.inputs) {
    if (graph.tensors[t].is_constant()) {
      throw ConvertError(graph.source + ": graph input " + graph.tensor_context(t) + " is a constant");
    }
  }
  return s;
}

// Arena offsets of the selected activations: lifetimes from the op order, then the planner.
// arena_offset[k] is set for every non-constant selected tensor k.
ArenaPlan plan_activations(const Graph& graph, const std::vector<LoweredOp>& lowered,
                           const TensorSelection& sel, std::vector<uint32_t>* arena_offset) {
  const size_t n = sel.kept.size();
  const int op_count = static_cast<int>(lowered.size());
  std::vector<PlannerTensor> lifetime(n);
  std::vector<bool> written(n, false);
  for (int t : graph.inputs) written[sel.index.at(t)] = true;  // first_op stays 0
  // A state tensor lives from the first op to past the last: its bytes are its own, kept
  // between invokes (TMF storage 2).
  for (size_t k = 0; k < n; ++k) written[k] = written[k] || graph.tensors[sel.kept[k]].is_state;
  for (int op = 0; op < op_count; ++op) {
    for (int t : lowered[op].inputs) {
      if (t < 0) continue;
      const uint16_t k = sel.index.at(t);
      if (!graph.tensors[t].is_constant() && !written[k]) {
        throw ConvertError(graph.op_context(op) + ": reads " + graph.tensor_context(t) +
                           " before any op writes it");
      }
      lifetime[k].last_op = std::max(lifetime[k].last_op, op);
    }
    for (int t : lowered[op].outputs) {
      const uint16_t k = sel.index.at(t);
      if (!written[k]) lifetime[k].first_op = op;
      written[k] = true;
      lifetime[k].last_op = std::max(lifetime[k].last_op, op);
    }
  }
  for (int t : graph.outputs) lifetime[sel.index.at(t)].last_op = op_count;
  for (size_t k = 0; k < n; ++k) {
    if (!graph.tensors[sel.kept[k]].is_state) continue;
    lifetime[k].first_op = 0;
    lifetime[k].last_op = op_count;
  }

  std::vector<PlannerTensor> activations;
  std::vector<size_t> slot_of;  // activation -> selected tensor
  for (size_t k = 0; k < n; ++k) {
    const Tensor& t = graph.tensors[sel.kept[k]];
    if (t.is_constant()) continue;
    lifetime[k].bytes = static_cast<uint32_t>(t.element_count()) * tensor_type_size(t.type);
    activations.push_back(lifetime[k]);
    slot_of.push_back(k);
  }
  ArenaPlan plan = plan_arena(activations);
  arena_offset->assign(n, 0);
  for (size_t a = 0; a < slot_of.size(); ++a) (*arena_offset)[slot_of[a]] = plan.offsets[a];
  return plan;
}

// The file record of graph tensor `t`; its constant bytes, per-channel block and name go to the
// builder.
TensorRecord tensor_record(const Graph& graph, int t, uint32_t arena_offset, ModelBuilder& builder) {
  const Tensor& tensor = graph.tensors[t];
  TensorRecord r{};
  r.type = tensor.type;
  if (tensor.shape.size() > kTmfMaxRank) {
    throw ConvertError(graph.source + ": " + graph.tensor_context(t) + ": rank " +
                       std::to_string(tensor.shape.size()) + " exceeds " + std::to_string(kTmfMaxRank));
  }
  r.rank = static_cast<uint8_t>(tensor.shape.size());
  for (uint32_t i = 0; i < kTmfMaxRank; ++i) r.dims[i] = i < tensor.shape.size() ? tensor.shape[i] : 1;
  r.name = builder.add_string(tensor.name.c_str());
  if (tensor.quant.per_tensor()) {
    r.quant = kTensorQuantPerTensor;
    r.scale = tensor.quant.scales[0];
    r.zero_point = static_cast<int32_t>(tensor.quant.zero_points[0]);
  } else if (tensor.quant.per_channel()) {
    ParamsBlob block;
    append_per_channel(block, tensor);
    r.quant = kTensorQuantPerChannel;
    r.per_channel = builder.add_params(block.bytes().data(), static_cast<uint32_t>(block.bytes().size()));
  }
  if (tensor.is_constant()) {
    r.storage = kTensorStorageConstant;
    r.offset = builder.add_constant_data(tensor.data.data(), static_cast<uint32_t>(tensor.data.size()));
  } else {
    r.storage = tensor.is_state ? kTensorStorageState : kTensorStorageArena;
    r.offset = arena_offset;
  }
  return r;
}

// Capacities of the model builder for this graph.
ModelBuilderCapacity builder_capacity(const Graph& graph, const std::vector<LoweredOp>& lowered,
                                      const TensorSelection& sel, const ParamsBlob& blob,
                                      size_t metadata_text_bytes) {
  ModelBuilderCapacity cap{};
  cap.tensors = static_cast<uint32_t>(sel.kept.size());
  cap.ops = static_cast<uint32_t>(lowered.size());
  for (const LoweredOp& op : lowered) cap.operands += op.inputs.size() + op.outputs.size();
  size_t params_bytes = blob.bytes().size() + 16;
  for (int t : sel.kept) {
    const Tensor& tensor = graph.tensors[t];
    if (tensor.quant.per_channel()) {
      params_bytes += sizeof(PerChannelQuant) + 8 * tensor.quant.scales.size() + 8;
    }
    if (tensor.is_constant()) cap.constants_bytes += tensor.data.size() + kTmfConstAlign;
    cap.strings_bytes += tensor.name.size() + 1;
  }
  cap.params_bytes = static_cast<uint32_t>(params_bytes);
  cap.metadata_bytes = static_cast<uint32_t>(2 * sizeof(TlvHeader) + metadata_text_bytes + 8);
  return cap;
}

// The device's own validator is the last word on what the converter wrote.
void check_with_device_validator(const Graph& graph, const std::vector<uint8_t>& file) {
  const AlignedBuffer copy(file);
  const uint8_t* at = copy.data();
  Model model;
  ValidationError error{};
  if (model_validate(at, file.size(), &model, &error) != Status::kOk) {
    const std::string where = error.item == ValidationItem::kValidationItemOp
                                  ? graph.op_context(std::min<size_t>(error.index, graph.ops.size()))
                                  : graph.source;
    throw ConvertError(where + ": internal error: written model fails validation (" +
                       status_to_string(error.status) + ")");
  }
}

}  // namespace

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

  const TensorSelection sel = select_tensors(graph, lowered);
  std::vector<uint32_t> arena_offset;
  result.plan = plan_activations(graph, lowered, sel, &arena_offset);
  result.scratch_bytes = scratch_bytes_needed(graph, lowered);
  result.arena_bytes = result.plan.arena_bytes + result.scratch_bytes;

  const std::string& name = options.model_name;
  const std::string source = graph.source + (graph.description.empty() ? "" : " (" + graph.description + ")");
  size_t metadata_text_bytes = name.size() + source.size();
  for (const auto& [tag, value] : options.extra_metadata) {
    metadata_text_bytes += sizeof(TlvHeader) + value.size() + 4;
  }
  const ModelBuilderCapacity cap = builder_capacity(graph, lowered, sel, blob, metadata_text_bytes);
  std::vector<uint8_t> workspace(model_builder_workspace_bytes(cap) + 16);
  uint8_t* aligned = workspace.data() + (16 - reinterpret_cast<uintptr_t>(workspace.data()) % 16) % 16;
  ModelBuilder builder(cap, aligned, workspace.size() - 16);

  // The lowering blob goes first, so the offsets the lowerings recorded stay valid.
  if (!blob.bytes().empty()) builder.add_params(blob.bytes().data(), static_cast<uint32_t>(blob.bytes().size()));
  for (size_t k = 0; k < sel.kept.size(); ++k) {
    builder.add_tensor(tensor_record(graph, sel.kept[k], arena_offset[k], builder));
  }
  for (const LoweredOp& op : lowered) {
    std::vector<uint16_t> inputs, outputs;
    for (int t : op.inputs) inputs.push_back(t < 0 ? kTmfNoTensor : sel.index.at(t));
    for (int t : op.outputs) outputs.push_back(sel.index.at(t));
    builder.add_op(op.opcode, inputs.data(), static_cast<uint8_t>(inputs.size()), outputs.data(),
                   static_cast<uint8_t>(outputs.size()), op.params_offset, op.params_bytes);
  }
  std::vector<uint16_t> io_in, io_out;
  for (int t : graph.inputs) io_in.push_back(sel.index.at(t));
  for (int t : graph.outputs) io_out.push_back(sel.index.at(t));
  builder.set_graph_io(io_in.data(), static_cast<uint16_t>(io_in.size()), io_out.data(),
                       static_cast<uint16_t>(io_out.size()));
  builder.add_metadata(kMetadataModelName, name.data(), static_cast<uint32_t>(name.size()));
  builder.add_metadata(kMetadataSource, source.data(), static_cast<uint32_t>(source.size()));
  for (const auto& [tag, value] : options.extra_metadata) {
    builder.add_metadata(tag, value.data(), static_cast<uint32_t>(value.size()));
  }
  if (!builder.ok()) throw ConvertError(graph.source + ": internal error: model builder capacity exceeded");

  ModelBuilderHeader header{};
  header.model_id = options.model_id != 0 ? options.model_id : fnv1a32(name.data(), name.size());
  header.model_version = options.model_version;
  // The scratch area follows the planned activations.
  header.scratch_offset = result.scratch_bytes > 0 ? result.plan.arena_bytes : 0;
  header.scratch_bytes = result.scratch_bytes;
  header.arena_bytes = result.arena_bytes;
  result.file.resize(builder.file_bytes());
  if (builder.finish(header, result.file.data(), result.file.size()) != result.file.size()) {
    throw ConvertError(graph.source + ": internal error: model layout failed");
  }
  check_with_device_validator(graph, result.file);
  return result;
}

}  // namespace tmf::host
