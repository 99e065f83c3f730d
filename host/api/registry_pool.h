// Registry connections for the HTTP API's worker threads, separate from the one serve's ingest
// writes through: in WAL mode readers never wait for that writer, and the writer never waits for
// a reader, so no API request can hold up ingest (docs/api.md "Concurrency").
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/registry/registry.h"

namespace tmf::api {

class RegistryPool {
 public:
  explicit RegistryPool(std::string dir) : dir_(std::move(dir)) {}

  // A connection for the caller alone until the lease ends; opened on demand (at most one per
  // concurrent request, so the pool grows to the server's thread count).
  class Lease {
   public:
    Lease(RegistryPool& pool, std::unique_ptr<registry::Registry> registry)
        : pool_(pool), registry_(std::move(registry)) {}
    ~Lease() { pool_.give_back(std::move(registry_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    registry::Registry& registry() { return *registry_; }

   private:
    RegistryPool& pool_;
    std::unique_ptr<registry::Registry> registry_;
  };

  Lease acquire();
  const std::string& dir() const { return dir_; }

 private:
  void give_back(std::unique_ptr<registry::Registry> registry);

  std::string dir_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<registry::Registry>> idle_;
};

}  // namespace tmf::api
