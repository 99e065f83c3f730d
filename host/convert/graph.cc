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

}  // namespace tmf::host
