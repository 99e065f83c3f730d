// Which serve worker runs what must run once per fleet (drift evaluation, the automation loop,
// rollouts, the notifier): the holder of a lock that dies with its holder. docs/scaling.md.
//   PostgreSQL: a session-level advisory lock (pg_try_advisory_lock) on a connection of its own,
//               keyed by the fleet; the server releases it when that connection or process dies.
//               The lease is held while that very session lives (its backend pid is unchanged): a
//               connection the engine reopened has lost the lock, and so has the worker.
//   SQLite:     an exclusive flock(2) on "<database file>-leader" beside the database, released
//               by the kernel when the process dies (SQLite serves one machine, as flock does).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "host/registry/registry.h"

namespace tmf::monitor {

// The advisory-lock key of a fleet's leader: FNV-1a 64 of "tinymlops-serve-leader/<fleet>",
// distinct from the registry's write-lock key.
int64_t leader_lock_key(const std::string& fleet);

class LeaderLease {
 public:
  // Opens its own connection to the registry's database (the process's --db, else
  // registry_dir/registry.db); takes nothing yet. Throws RegistryError naming the database.
  LeaderLease(const std::string& registry_dir, const std::string& fleet, const std::string& worker_id);
  ~LeaderLease();
  LeaderLease(const LeaderLease&) = delete;
  LeaderLease& operator=(const LeaderLease&) = delete;

  // Takes the lease if it is free; true if this worker holds it now. Never blocks on a holder.
  bool try_acquire();
  // True while the lease taken by try_acquire is still this worker's (PostgreSQL: the locking
  // session is alive, checked with one round trip). False once lost; try_acquire may take it again.
  bool check();
  bool held() const { return held_; }
  const std::string& worker() const { return worker_; }
  // "postgresql advisory lock KEY on URL" or "file lock PATH", for messages.
  const std::string& where() const { return where_; }

 private:
  registry::Registry registry_;
  std::string worker_;
  std::string where_;
  int64_t key_ = 0;
  int64_t backend_pid_ = 0;  // PostgreSQL: the session holding the lock
  int fd_ = -1;              // SQLite: the flocked file
  bool held_ = false;
};

}  // namespace tmf::monitor
