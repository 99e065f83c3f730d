// The few C++ runtime hooks a freestanding image may reference, defined here so libstdc++'s versions
// (which reach free(), std::terminate and the exception machinery) are never linked.
#include <stddef.h>

#include "qemu_print.h"
#include "qemu_startup.h"

// A pure virtual function called during construction or destruction.
extern "C" __attribute__((noreturn)) void __cxa_pure_virtual() {
  qemu_print("\nqemu: pure virtual function called\n");
  qemu_exit(kQemuExitFault);
}

// Deleting destructors of classes with virtual destructors reference operator delete even when
// nothing is ever allocated with new. Reaching one is a bug: no object comes from a heap.
namespace {
[[noreturn]] void cxx_delete_called() {
  qemu_print("\nqemu: operator delete called, but device code has no heap\n");
  qemu_exit(kQemuExitFault);
}
}  // namespace

void operator delete(void*) noexcept { cxx_delete_called(); }
void operator delete(void*, size_t) noexcept { cxx_delete_called(); }
void operator delete[](void*) noexcept { cxx_delete_called(); }
void operator delete[](void*, size_t) noexcept { cxx_delete_called(); }
