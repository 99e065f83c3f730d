// dsp_status_to_string (device/dsp/dsp_status.h): every code has its own non-empty name, and a
// value outside the enum still gets a string (the switch has no default, so -Wswitch flags a code
// added without a name).
#include "device/dsp/dsp_status.h"

#include <string.h>

#include "tests/support/tmf_test.h"

namespace tmf::dsp {
namespace {

const DspStatus kAll[] = {
    DspStatus::kOk,           DspStatus::kErrNullArgument,   DspStatus::kErrBadLength,
    DspStatus::kErrBadParams, DspStatus::kErrWorkTooSmall,   DspStatus::kErrWorkMisaligned,
    DspStatus::kErrBadIndex,  DspStatus::kErrNotInitialized,
};

TMF_TEST(DspStatusNames, EveryCodeHasADistinctName) {
  const uint32_t count = sizeof(kAll) / sizeof(kAll[0]);
  for (uint32_t i = 0; i < count; ++i) {
    TMF_EXPECT_EQ(static_cast<int>(kAll[i]), static_cast<int>(i));  // the list covers the enum
    const char* name = dsp_status_to_string(kAll[i]);
    TMF_ASSERT(name != nullptr);
    TMF_EXPECT(name[0] != '\0');
    TMF_EXPECT(strcmp(name, "unknown dsp status") != 0);
    for (uint32_t j = 0; j < i; ++j) TMF_EXPECT(strcmp(name, dsp_status_to_string(kAll[j])) != 0);
  }
  TMF_EXPECT(strcmp(dsp_status_to_string(DspStatus::kOk), "ok") == 0);
  TMF_EXPECT(strcmp(dsp_status_to_string(static_cast<DspStatus>(count)), "unknown dsp status") ==
             0);
}

}  // namespace
}  // namespace tmf::dsp
