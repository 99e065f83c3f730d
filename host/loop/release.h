// Release approval of the models the loop trains (docs/loop.md "Approval", docs/security.md):
// a candidate that passed its canary stage waits in `loop_approvals` (registry migration 7) until
// `tinymlops loop approve N` or `loop reject N` decides it, or serve's --auto-approve does. An
// approval may carry the production deployment record and file signed there with a key serve
// never sees (offline signing); serve sends those bytes in the production stages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/registry/registry.h"

namespace tmf::loop {

enum class ApprovalState { kApprovalPending, kApprovalApproved, kApprovalRejected };
const char* approval_state_to_string(ApprovalState state);

struct Approval {
  int64_t step = 0;     // the loop step waiting for the decision: N of `loop approve N`
  std::string group, fleet;
  std::string version;  // "name:version" of the candidate
  uint32_t security_counter = 0;
  ApprovalState state = ApprovalState::kApprovalPending;
  int64_t requested_at_ms = 0;
  std::optional<int64_t> decided_at_ms;
  std::string decided_by;     // OS user, --by, or "auto-approve"
  std::string reason;         // rejection reason (may be empty)
  std::string signer_key_id;  // hex; empty: serve signs the production record with its own key
  std::optional<uint32_t> sequence;
  std::vector<uint8_t> record;  // the production record (256 bytes), empty without a key
  std::vector<uint8_t> file;    // the candidate's file signed with the same key, empty without
};

// The rows of loop_approvals.
class Approvals {
 public:
  explicit Approvals(registry::Database& db) : db_(db) {}
  // Adds the pending row of `a.step` (a no-op if it exists: a restarted serve asks again).
  void request(const Approval& a);
  std::optional<Approval> find(int64_t step);
  std::vector<Approval> list(const std::string& group = "");  // oldest first; "" = every group
  // Records the decision of a pending row; false if it is not pending (decided meanwhile).
  bool decide(const Approval& decided);

 private:
  registry::Database& db_;
};

// `loop approve N`: approves the pending candidate of step N and promotes it to production in the
// registry. With `key_path`, signs its production record (fleet and group of the request, the
// next deployment sequence, reserved) and its file with that key, in this process only. Throws
// LoopError naming the bad input: unknown N, N already decided, an unreadable or bad key file.
Approval release_approve(registry::Registry& registry, int64_t step, const std::string& by,
                         const std::string& key_path, int64_t now_ms);

// `loop reject N`: the candidate is archived; production is not touched. Throws LoopError as above.
Approval release_reject(registry::Registry& registry, int64_t step, const std::string& by,
                        const std::string& reason, int64_t now_ms);

}  // namespace tmf::loop
