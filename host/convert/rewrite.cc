// Exact graph rewrites (see rewrite.h).
#include "host/convert/rewrite.h"

namespace tmf::host {

int rewrite_pointwise_conv_as_fully_connected(Graph& graph) {
  int rewritten = 0;
  for (Op& op : graph.ops) {
    if (op.opcode != kOpConv2D || op.inputs.size() < 2 || op.outputs.size() != 1) continue;
    if (op.inputs[0] < 0 || op.inputs[1] < 0) continue;
    const Tensor& input = graph.tensors[op.inputs[0]];
    const Tensor& filter = graph.tensors[op.inputs[1]];
    const Tensor& output = graph.tensors[op.outputs[0]];
    const OpOptions& o = op.options;
    const bool pointwise = filter.is_constant() && filter.shape.size() == 4 && filter.shape[1] == 1 &&
                           filter.shape[2] == 1 && o.stride_w == 1 && o.stride_h == 1;
    if (!pointwise) continue;  // the shape reads below need a rank-4 filter
    // The same pixels in and out: no padding and no stride, so nothing is skipped or added.
    const bool same_pixels = input.shape.size() == 4 && output.shape.size() == 4 &&
                             input.shape[0] == output.shape[0] && input.shape[1] == output.shape[1] &&
                             input.shape[2] == output.shape[2] && input.shape[3] == filter.shape[3] &&
                             output.shape[3] == filter.shape[0];
    const bool int8 = input.type == kTensorTypeInt8 && filter.type == kTensorTypeInt8 &&
                      output.type == kTensorTypeInt8;
    const bool channel_axis = !filter.quant.per_channel() || filter.quant.axis == 0;
    if (!same_pixels || !int8 || !channel_axis) continue;

    Tensor weights = filter;
    weights.name = filter.name + "/as_fully_connected";
    weights.shape = {filter.shape[0], filter.shape[3]};
    graph.tensors.push_back(std::move(weights));
    op.inputs[1] = static_cast<int>(graph.tensors.size()) - 1;
    op.opcode = kOpFullyConnected;
    op.source_name = "CONV_2D";  // messages keep naming the op as the user's model does
    op.options.keep_dims = true;
    ++rewritten;
  }
  return rewritten;
}

}  // namespace tmf::host
