// MAC counts and arena lower bound of validated models.
#include "host/convert/model_info.h"

#include <algorithm>
#include <vector>

namespace tmf::host {

uint64_t op_macs(const Model& model, uint32_t index) {
  const OpRecord& op = model.ops[index];
  const auto tensor = [&](uint32_t operand) -> const TensorRecord& {
    return model.tensors[model.operands[op.operands + operand]];
  };
  const uint64_t out_elements = tensor_element_count(tensor(op.input_count));
  switch (op.opcode) {
    case kOpFullyConnected:
      return out_elements * static_cast<uint64_t>(tensor(1).dims[1]);
    case kOpConv2D:  // filter [out_c, kh, kw, in_c]
      return out_elements * static_cast<uint64_t>(tensor(1).dims[1]) * tensor(1).dims[2] *
             tensor(1).dims[3];
    case kOpDepthwiseConv2D:  // filter [1, kh, kw, out_c]
      return out_elements * static_cast<uint64_t>(tensor(1).dims[1]) * tensor(1).dims[2];
    case kOpTransposeConv:  // input [b, h, w, in_c] scattered through filter [out_c, kh, kw, in_c]
      return tensor_element_count(tensor(0)) * static_cast<uint64_t>(tensor(1).dims[0]) *
             tensor(1).dims[1] * tensor(1).dims[2];
    case kOpSvdf:  // feature [filters, input] and time [filters, memory] products per batch
      return static_cast<uint64_t>(tensor(0).dims[0]) * tensor(1).dims[0] *
             (static_cast<uint64_t>(tensor(1).dims[1]) + tensor(2).dims[1]);
    case kOpUnidirectionalSequenceLstm:  // per output value 4 gates x (input + cells) products
      return out_elements * 4 *
             (static_cast<uint64_t>(tensor(0).dims[2]) + static_cast<uint64_t>(tensor(2).dims[1]));
    default:
      return 0;
  }
}

uint64_t model_macs(const Model& model) {
  uint64_t total = 0;
  for (uint32_t i = 0; i < model.header->op_count; ++i) total += op_macs(model, i);
  return total;
}

uint32_t arena_lower_bound(const Model& model) {
  const FileHeader& h = *model.header;
  const int op_count = h.op_count;
  std::vector<int> first(h.tensor_count, op_count + 1), last(h.tensor_count, -1);
  for (uint32_t i = 0; i < h.input_count; ++i) {
    first[model.operands[i]] = 0;
    last[model.operands[i]] = 0;
  }
  for (int op = 0; op < op_count; ++op) {
    const OpRecord& r = model.ops[op];
    for (uint32_t k = 0; k < static_cast<uint32_t>(r.input_count) + r.output_count; ++k) {
      const uint16_t t = model.operands[r.operands + k];
      if (t == kTmfNoTensor) continue;
      first[t] = std::min(first[t], op);
      last[t] = std::max(last[t], op);
    }
  }
  for (uint32_t i = 0; i < h.output_count; ++i) last[model.operands[h.input_count + i]] = op_count;
  uint32_t bound = 0;
  for (int op = 0; op <= op_count; ++op) {
    uint32_t live = 0;
    for (uint32_t t = 0; t < h.tensor_count; ++t) {
      const TensorRecord& r = model.tensors[t];
      const bool state = r.storage == kTensorStorageState;  // live through every op
      if (state || (r.storage == kTensorStorageArena && first[t] <= op && op <= last[t])) {
        live += r.bytes;
      }
    }
    bound = std::max(bound, live);
  }
  return bound;
}

}  // namespace tmf::host
