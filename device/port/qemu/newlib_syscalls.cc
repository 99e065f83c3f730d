// newlib (nano.specs) system call stubs: console output goes to semihosting, files are not provided,
// and there is no heap. _sbrk always fails, so a stray malloc() returns NULL instead of corrupting
// memory; tmf_add_qemu_executable() also rejects any image that links malloc at all.
#include <errno.h>
#include <stddef.h>
#include <sys/stat.h>

#include "qemu_startup.h"
#include "semihosting.h"

namespace {

// Console handles of the semihosting ":tt" file, opened on first use (0: not yet).
int32_t g_syscalls_stdout = 0;
int32_t g_syscalls_stderr = 0;

int32_t syscalls_console(int fd) {
  int32_t* handle = fd == 2 ? &g_syscalls_stderr : &g_syscalls_stdout;
  if (*handle == 0) *handle = sh_open(":tt", fd == 2 ? "a" : "w");
  return *handle;
}

}  // namespace

extern "C" {

void* _sbrk(ptrdiff_t) {
  errno = ENOMEM;
  return reinterpret_cast<void*>(-1);
}

int _write(int fd, const char* data, int size) {
  if (fd != 1 && fd != 2) {
    errno = EBADF;
    return -1;
  }
  const int32_t handle = syscalls_console(fd);
  if (handle < 0 || size < 0) {
    errno = EIO;
    return -1;
  }
  return static_cast<int>(sh_write(handle, data, static_cast<size_t>(size)));
}

int _read(int, char*, int) {
  errno = EBADF;
  return -1;
}

int _open(const char*, int, ...) {
  errno = ENOSYS;
  return -1;
}

int _close(int) {
  errno = EBADF;
  return -1;
}

int _lseek(int, int, int) {
  errno = ESPIPE;
  return -1;
}

int _fstat(int, struct stat* st) {
  st->st_mode = S_IFCHR;
  return 0;
}

int _isatty(int fd) { return fd >= 0 && fd <= 2 ? 1 : 0; }

int _getpid(void) { return 1; }

int _kill(int, int) {
  errno = EINVAL;
  return -1;
}

__attribute__((noreturn)) void _exit(int code) { qemu_exit(code); }

// Referenced by newlib's exit path in some configurations; there are no init/fini sections to run.
void _init(void) {}
void _fini(void) {}

}  // extern "C"
