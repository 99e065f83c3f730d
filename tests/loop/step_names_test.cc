// One text form per loop step kind and state (host/loop/loop_steps.h): the registry column,
// `loop history --json` and loop events all spell them the same way, and unknown words are refused.
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "host/loop/loop_steps.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

TMF_TEST(LoopStepNames, EveryValueHasOneTextAndJsonForm) {
  using loop::LoopStepKind;
  using loop::LoopStepState;
  const std::pair<LoopStepKind, const char*> kinds[] = {{LoopStepKind::kCollect, "collect"},
                                                        {LoopStepKind::kTrain, "train"},
                                                        {LoopStepKind::kApproval, "approval"},
                                                        {LoopStepKind::kRollout, "rollout"}};
  for (const auto& [kind, text] : kinds) {
    TMF_EXPECT(std::string(loop::to_string(kind)) == text);
    TMF_EXPECT(loop::loop_step_kind_parse(text) == kind);
    TMF_EXPECT(nlohmann::json(kind) == text);
    TMF_EXPECT(nlohmann::json(text).get<LoopStepKind>() == kind);
  }
  const std::pair<LoopStepState, const char*> states[] = {
      {LoopStepState::kRunning, "running"}, {LoopStepState::kDone, "done"}, {LoopStepState::kFailed, "failed"}};
  for (const auto& [state, text] : states) {
    TMF_EXPECT(std::string(loop::to_string(state)) == text);
    TMF_EXPECT(nlohmann::json(text).get<LoopStepState>() == state);
  }
  TMF_EXPECT_THROWS(loop::loop_step_kind_parse("retrain"), std::invalid_argument,
                    "loop step kind 'retrain': not one of collect, train, approval or rollout");
  TMF_EXPECT_THROWS(nlohmann::json("Done").get<LoopStepState>(), std::invalid_argument, "loop step state 'Done'");
}

}  // namespace
}  // namespace tmf
