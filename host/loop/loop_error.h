// The error of the automation loop (retraining, challenger evaluation, datasets from captures).
#pragma once

#include <stdexcept>

namespace tmf::loop {

class LoopError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tmf::loop
