// The one error type of host/train: bad training data, options or networks. Messages name the
// offending field, row or layer ("labels[12] = 5 is outside [0, 3)", "layer 2 (Conv1D): ...").
#pragma once

#include <stdexcept>

namespace tmf::train {

class TrainError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tmf::train
