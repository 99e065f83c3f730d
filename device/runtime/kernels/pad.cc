// PLACEHOLDER until the pad kernel lands: rejects every model using it.
#include "../kernel.h"

namespace tmf {
namespace {
Status placeholder_prepare(const OpContext&) { return Status::kErrOpNotInBuild; }
Status placeholder_eval(const EvalContext&) { return Status::kErrOpNotInBuild; }
}  // namespace
extern const KernelRegistration kKernelPad = {kOpPad, placeholder_prepare, placeholder_eval};
}  // namespace tmf
