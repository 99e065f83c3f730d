// Release approval rows and decisions (see release.h).
#include "host/loop/release.h"

#include <optional>

#include "host/deploy/deploy_record.h"
#include "host/deploy/signing.h"
#include "host/deploy/update_package.h"
#include "host/loop/loop_error.h"

namespace tmf::loop {
namespace {

constexpr const char* kColumns =
    "step, device_group, fleet, version, security_counter, state, requested_at, decided_at, decided_by, reason, "
    "signer_key_id, sequence, record, file";

ApprovalState state_parse(const std::string& text) {
  if (text == "approved") return ApprovalState::kApprovalApproved;
  if (text == "rejected") return ApprovalState::kApprovalRejected;
  return ApprovalState::kApprovalPending;
}

std::vector<uint8_t> hex_or_empty(const std::optional<std::string>& text, const std::string& what) {
  return text && !text->empty() ? deploy::hex_decode(*text, what) : std::vector<uint8_t>{};
}

Approval read_row(registry::Statement& s) {
  Approval a;
  a.step = s.column_int(0);
  a.group = s.column_text(1);
  a.fleet = s.column_text(2);
  a.version = s.column_text(3);
  a.security_counter = static_cast<uint32_t>(s.column_int(4));
  a.state = state_parse(s.column_text(5));
  a.requested_at_ms = s.column_int(6);
  a.decided_at_ms = s.column_optional_int(7);
  a.decided_by = s.column_optional_text(8).value_or("");
  a.reason = s.column_optional_text(9).value_or("");
  a.signer_key_id = s.column_optional_text(10).value_or("");
  if (const auto seq = s.column_optional_int(11)) a.sequence = static_cast<uint32_t>(*seq);
  a.record = hex_or_empty(s.column_optional_text(12), "loop_approvals.record");
  a.file = hex_or_empty(s.column_optional_text(13), "loop_approvals.file");
  return a;
}

// The pending approval of `step`, or LoopError naming why it cannot be decided.
Approval pending(registry::Registry& registry, int64_t step) {
  const std::optional<Approval> a = Approvals(registry.db()).find(step);
  if (!a) throw LoopError("candidate " + std::to_string(step) + ": no loop step waits for approval under that number (see `tinymlops loop history`)");
  if (a->state != ApprovalState::kApprovalPending) {
    throw LoopError("candidate " + std::to_string(step) + " (" + a->version + "): already " +
                    approval_state_to_string(a->state) + " by " + a->decided_by);
  }
  return *a;
}

std::optional<std::string> text_or_null(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }

}  // namespace

const char* approval_state_to_string(ApprovalState state) {
  switch (state) {
    case ApprovalState::kApprovalPending:
      return "pending";
    case ApprovalState::kApprovalApproved:
      return "approved";
    case ApprovalState::kApprovalRejected:
      return "rejected";
  }
  return "unknown";
}

void Approvals::request(const Approval& a) {
  registry::Statement(db_,
                      "INSERT OR IGNORE INTO loop_approvals (step, device_group, fleet, version, security_counter, "
                      "requested_at) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(1, a.step)
      .bind(2, a.group)
      .bind(3, a.fleet)
      .bind(4, a.version)
      .bind(5, static_cast<int64_t>(a.security_counter))
      .bind(6, a.requested_at_ms)
      .run();
}

std::optional<Approval> Approvals::find(int64_t step) {
  registry::Statement s(db_, (std::string("SELECT ") + kColumns + " FROM loop_approvals WHERE step = ?").c_str());
  s.bind(1, step);
  if (!s.step()) return std::nullopt;
  return read_row(s);
}

std::vector<Approval> Approvals::list(const std::string& group) {
  registry::Statement s(db_, (std::string("SELECT ") + kColumns +
                              " FROM loop_approvals WHERE ? = '' OR device_group = ? ORDER BY step")
                                 .c_str());
  s.bind(1, group).bind(2, group);
  std::vector<Approval> out;
  while (s.step()) out.push_back(read_row(s));
  return out;
}

bool Approvals::decide(const Approval& d) {
  registry::Statement(db_,
                      "UPDATE loop_approvals SET state = ?, decided_at = ?, decided_by = ?, reason = ?, "
                      "signer_key_id = ?, sequence = ?, record = ?, file = ? WHERE step = ? AND state = 'pending'")
      .bind(1, approval_state_to_string(d.state))
      .bind(2, d.decided_at_ms)
      .bind(3, d.decided_by)
      .bind(4, text_or_null(d.reason))
      .bind(5, text_or_null(d.signer_key_id))
      .bind(6, d.sequence ? std::optional<int64_t>(*d.sequence) : std::nullopt)
      .bind(7, text_or_null(d.record.empty() ? "" : deploy::hex_encode(d.record.data(), d.record.size())))
      .bind(8, text_or_null(d.file.empty() ? "" : deploy::hex_encode(d.file.data(), d.file.size())))
      .bind(9, d.step)
      .run();
  return db_.changes() == 1;
}

Approval release_approve(registry::Registry& registry, int64_t step, const std::string& by,
                         const std::string& key_path, int64_t now_ms) {
  Approval a = pending(registry, step);
  const registry::VersionInfo version = registry.get_version(registry::parse_version_ref(a.version));
  a.state = ApprovalState::kApprovalApproved;
  a.decided_at_ms = now_ms;
  a.decided_by = by;
  // The production key, if given, signs the file (same content hash: the signature is outside the
  // hashed range) and, with a sequence reserved in the same transaction as the decision, its record.
  std::optional<deploy::KeyPair> key;
  std::optional<deploy::UpdatePackage> package;  // its manifest points into it
  if (!key_path.empty()) {
    try {
      key = deploy::key_load_secret(key_path);
    } catch (const std::exception& e) {
      throw LoopError(std::string("--signing-key ") + e.what());
    }
    a.file = deploy::model_sign(registry.artifact_bytes(version), *key, a.version);
    package = deploy::update_package_build(a.file, 4096, a.version);
    const deploy::KeyId id = deploy::key_id_of(key->public_key);
    a.signer_key_id = deploy::hex_encode(id.data(), id.size());
  }
  registry::Transaction tx(registry.db());
  if (key) {
    a.sequence = registry.next_deployment_sequence();
    a.record = deploy::deploy_record_sign(package->manifest, {a.fleet, a.group, *a.sequence, a.security_counter}, *key);
  }
  if (!Approvals(registry.db()).decide(a)) throw LoopError("candidate " + std::to_string(step) + ": decided meanwhile");
  tx.commit();
  registry.promote({version.name, version.version}, "production");
  return a;
}

Approval release_reject(registry::Registry& registry, int64_t step, const std::string& by,
                        const std::string& reason, int64_t now_ms) {
  Approval a = pending(registry, step);
  const registry::VersionInfo version = registry.get_version(registry::parse_version_ref(a.version));
  a.state = ApprovalState::kApprovalRejected;
  a.decided_at_ms = now_ms;
  a.decided_by = by;
  a.reason = reason;
  {
    registry::Transaction tx(registry.db());
    if (!Approvals(registry.db()).decide(a)) throw LoopError("candidate " + std::to_string(step) + ": decided meanwhile");
    tx.commit();
  }
  if (version.stage != "production") registry.promote({version.name, version.version}, "archived");
  return a;
}

}  // namespace tmf::loop
