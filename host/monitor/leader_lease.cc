// The serve leader's lock on either engine (see leader_lease.h).
#include "host/monitor/leader_lease.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tmf::monitor {
namespace {

int64_t backend_pid(registry::Database& db) {
  registry::Statement s(db, "SELECT pg_backend_pid()");
  if (!s.step()) db.fail("pg_backend_pid() returned no row");
  return s.column_int(0);
}

}  // namespace

int64_t leader_lock_key(const std::string& fleet) {
  uint64_t h = 14695981039346656037ull;
  for (const char c : "tinymlops-serve-leader/" + fleet) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  return static_cast<int64_t>(h);
}

LeaderLease::LeaderLease(const std::string& registry_dir, const std::string& fleet, const std::string& worker_id)
    : registry_(registry_dir), worker_(worker_id), key_(leader_lock_key(fleet)) {
  registry::Database& db = registry_.db();
  if (db.engine() == registry::DatabaseEngine::kPostgres) {
    where_ = "postgresql advisory lock " + std::to_string(key_) + " on " + db.path();
  } else {
    const std::string path = db.path() + "-leader";
    where_ = "file lock " + path;
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw registry::RegistryError(path + ": cannot open the leader lock file: " + std::strerror(errno));
  }
}

LeaderLease::~LeaderLease() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
  // PostgreSQL: closing the connection (registry_) releases the session lock.
}

bool LeaderLease::try_acquire() {
  if (held_) return true;
  registry::Database& db = registry_.db();
  if (db.engine() == registry::DatabaseEngine::kPostgres) {
    try {
      registry::Statement s(db, "SELECT pg_try_advisory_lock(?1)");
      s.bind(1, key_);
      held_ = s.step() && s.column_text(0) == "t";
      if (held_) backend_pid_ = backend_pid(db);
    } catch (const registry::RegistryError&) {
      held_ = false;  // the database is unreachable: a follower until it answers again
    }
    return held_;
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
    held_ = true;
  } else if (errno != EWOULDBLOCK) {
    throw registry::RegistryError(where_ + ": flock: " + std::strerror(errno));
  }
  return held_;
}

bool LeaderLease::check() {
  if (!held_) return false;
  registry::Database& db = registry_.db();
  if (db.engine() != registry::DatabaseEngine::kPostgres) return true;  // a flock lasts as long as the process
  try {
    held_ = backend_pid(db) == backend_pid_;
  } catch (const registry::RegistryError&) {
    held_ = false;  // the session is gone, and its lock with it
  }
  return held_;
}

}  // namespace tmf::monitor
