// Message helpers of the converter graph.
#include "host/convert/graph.h"

namespace tmf::host {

std::string Graph::op_context(size_t index) const {
  std::string name = index < ops.size() ? ops[index].source_name : std::string("?");
  return source + ": op " + std::to_string(index) + " (" + name + ")";
}

std::string Graph::tensor_context(int index) const {
  std::string s = "tensor " + std::to_string(index);
  if (index >= 0 && static_cast<size_t>(index) < tensors.size()) {
    s += " '" + tensors[index].name + "'";
  }
  return s;
}

std::string shape_string(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace tmf::host
