// The registry's signed deployment records (registry.h, migration 6).
#include <algorithm>
#include <chrono>

#include "host/registry/registry.h"

namespace tmf::registry {
namespace {

std::string hex(const std::vector<uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::vector<uint8_t> unhex(const std::string& text, const std::string& what) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw RegistryError(what + ": not hex");
  };
  if (text.size() % 2 != 0) throw RegistryError(what + ": odd hex length");
  std::vector<uint8_t> out;
  for (size_t i = 0; i < text.size(); i += 2) out.push_back(static_cast<uint8_t>(nibble(text[i]) * 16 + nibble(text[i + 1])));
  return out;
}

}  // namespace

std::optional<std::vector<uint8_t>> Registry::find_deployment_record(int64_t deployment, const std::string& artifact) {
  Statement s(db_, "SELECT record FROM deployment_records WHERE deployment = ? AND artifact = ?");
  s.bind(1, deployment).bind(2, artifact);
  if (!s.step()) return std::nullopt;
  return unhex(s.column_text(0), "deployment " + std::to_string(deployment) + " record");
}

uint32_t Registry::next_deployment_sequence() {
  // Sequences reserved by offline-signed loop approvals count too (migration 7).
  Statement s(db_, "SELECT COALESCE(MAX(sequence), 0) FROM (SELECT sequence FROM deployment_records "
                   "UNION ALL SELECT sequence FROM loop_approvals WHERE sequence IS NOT NULL) AS reserved");
  s.step();
  const int64_t stored = s.column_int(0);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const int64_t next = std::max(stored + 1, now);
  if (next > 0xFFFFFFFFll) throw RegistryError("deployment sequence numbers are used up (u32)");
  return static_cast<uint32_t>(next);
}

void Registry::add_deployment_record(int64_t deployment, const std::string& artifact, uint32_t sequence,
                                     const std::vector<uint8_t>& record, const std::string& signer_key_id) {
  Statement(db_, "INSERT INTO deployment_records(deployment, artifact, sequence, record, signer_key_id) "
                 "VALUES (?, ?, ?, ?, ?)")
      .bind(1, deployment)
      .bind(2, artifact)
      .bind(3, int64_t{sequence})
      .bind(4, hex(record))
      .bind(5, signer_key_id)
      .run();
}

}  // namespace tmf::registry
