// Enrolment records of the fleet's certificates (registry.h, migration 5): which identity holds
// which serial, in which group, and which serials are revoked.
#include <ctime>

#include "host/registry/registry.h"

namespace tmf::registry {
namespace {

constexpr const char* kCertificateColumns =
    "SELECT subject, kind, COALESCE(device_group, ''), serial, state, enrolled_at, revoked_at FROM certificates ";

Enrolment read_enrolment(Statement& s) {
  Enrolment e;
  e.id = s.column_text(0);
  e.kind = s.column_text(1);
  e.group = s.column_text(2);
  e.serial = s.column_text(3);
  e.revoked = s.column_text(4) == "revoked";
  e.enrolled_at = s.column_int(5);
  e.revoked_at = s.column_optional_int(6);
  return e;
}

void enroll(Database& db, const std::string& id, const std::string& kind, const std::optional<std::string>& group,
            const std::string& serial) {
  Transaction tx(db);
  {
    Statement held(db, "SELECT serial FROM certificates WHERE subject = ? AND state = 'enrolled'");
    held.bind(1, id);
    if (held.step()) {
      throw RegistryError(kind + " '" + id + "': enrolled already with certificate " + held.column_text(0) +
                          " (revoke it first)");
    }
    Statement known(db, "SELECT subject FROM certificates WHERE serial = ?");
    known.bind(1, serial);
    if (known.step()) throw RegistryError("serial " + serial + ": recorded already for '" + known.column_text(0) + "'");
  }
  Statement(db, "INSERT INTO certificates(serial, subject, kind, device_group, enrolled_at) VALUES (?, ?, ?, ?, ?)")
      .bind(1, serial)
      .bind(2, id)
      .bind(3, kind)
      .bind(4, group)
      .bind(5, static_cast<int64_t>(std::time(nullptr)))
      .run();
  tx.commit();
}

}  // namespace

void Registry::device_enroll(const std::string& id, const std::string& group, const std::string& serial) {
  if (group.empty()) throw RegistryError("device '" + id + "': a group is required");
  enroll(db_, id, "device", group, serial);
}

void Registry::service_enroll(const std::string& identity, const std::string& serial) {
  enroll(db_, identity, "service", std::nullopt, serial);
}

namespace {

// Marks the valid certificate of `subject` (of `kind` device or service) revoked.
Enrolment revoke(Database& db, const std::string& dir, const std::string& kind, const std::string& subject) {
  Transaction tx(db);
  Statement s(db, (std::string(kCertificateColumns) + "WHERE subject = ? AND kind = ? AND state = 'enrolled'").c_str());
  s.bind(1, subject).bind(2, kind);
  if (!s.step()) throw RegistryError(kind + " '" + subject + "': holds no valid certificate in the registry " + dir);
  Enrolment e = read_enrolment(s);
  s.reset();
  e.revoked = true;
  e.revoked_at = static_cast<int64_t>(std::time(nullptr));
  Statement(db, "UPDATE certificates SET state = 'revoked', revoked_at = ? WHERE serial = ?")
      .bind(1, *e.revoked_at)
      .bind(2, e.serial)
      .run();
  tx.commit();
  return e;
}

}  // namespace

Enrolment Registry::device_revoke(const std::string& id) { return revoke(db_, dir_, "device", id); }

Enrolment Registry::service_revoke(const std::string& identity) { return revoke(db_, dir_, "service", identity); }

std::optional<Enrolment> Registry::device_enrolled(const std::string& id) {
  // The valid certificate if there is one, else the newest revoked one.
  Statement s(db_, (std::string(kCertificateColumns) +
                    "WHERE subject = ? AND kind = 'device' ORDER BY state = 'enrolled' DESC, enrolled_at DESC, "
                    "rowid DESC LIMIT 1")
                       .c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_enrolment(s);
}

std::vector<Enrolment> Registry::devices_enrolled(const std::optional<std::string>& group) {
  Statement s(db_, (std::string(kCertificateColumns) + "WHERE kind = 'device' AND state = 'enrolled' " +
                    (group ? "AND device_group = ? " : "") + "ORDER BY subject")
                       .c_str());
  if (group) s.bind(1, *group);
  std::vector<Enrolment> out;
  while (s.step()) out.push_back(read_enrolment(s));
  return out;
}

std::vector<Enrolment> Registry::certificates_revoked() {
  Statement s(db_, (std::string(kCertificateColumns) + "WHERE state = 'revoked' ORDER BY revoked_at, serial").c_str());
  std::vector<Enrolment> out;
  while (s.step()) out.push_back(read_enrolment(s));
  return out;
}

}  // namespace tmf::registry
