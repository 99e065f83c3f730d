// PLACEHOLDER until the conv_2d kernel lands: rejects every model using it.
#include "../kernel.h"

namespace tmf {
namespace {
Status placeholder_prepare(const OpContext&) { return Status::kErrOpNotInBuild; }
Status placeholder_eval(const EvalContext&) { return Status::kErrOpNotInBuild; }
}  // namespace
extern const KernelRegistration kKernelConv2D = {kOpConv2D, placeholder_prepare, placeholder_eval};
}  // namespace tmf
