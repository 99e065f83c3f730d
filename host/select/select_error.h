// The error type of host/select: profile and cost-table problems, named by file and field.
#pragma once

#include <stdexcept>

namespace tmf::select {

class SelectError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tmf::select
