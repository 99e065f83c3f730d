// Pooled registry connections (see registry_pool.h).
#include "host/api/registry_pool.h"

namespace tmf::api {

RegistryPool::Lease RegistryPool::acquire() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<registry::Registry> r = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(r));
    }
  }
  return Lease(*this, std::make_unique<registry::Registry>(dir_));
}

void RegistryPool::give_back(std::unique_ptr<registry::Registry> registry) {
  if (!registry) return;
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(std::move(registry));
}

}  // namespace tmf::api
