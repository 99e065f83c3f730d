// Arm semihosting calls: parameter blocks of 32-bit words, trapped by QEMU on BKPT 0xAB.
#include "semihosting.h"

#include <string.h>

namespace {

// ADP_Stopped_ApplicationExit: the reason code of a normal program exit.
constexpr uint32_t kShAdpStoppedApplicationExit = 0x20026;

// SYS_OPEN takes the index of the mode in this list (it is the order of the Arm specification).
constexpr const char* kShOpenModes[] = {"r", "rb", "r+", "r+b", "w", "wb", "w+", "w+b",
                                        "a", "ab", "a+", "a+b"};

uint32_t sh_word(const void* pointer) { return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(pointer)); }

}  // namespace

extern "C" {

int32_t sh_call(int32_t op, const void* arg) {
  register int32_t r0 asm("r0") = op;
  register const void* r1 asm("r1") = arg;
  // The host reads and writes guest memory through r1: a full memory clobber.
  asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void sh_write0(const char* text) { sh_call(kShOpWrite0, text); }

int32_t sh_open(const char* path, const char* mode) {
  int32_t mode_index = -1;
  for (size_t i = 0; i < sizeof(kShOpenModes) / sizeof(kShOpenModes[0]); ++i) {
    if (strcmp(mode, kShOpenModes[i]) == 0) {
      mode_index = static_cast<int32_t>(i);
      break;
    }
  }
  if (mode_index < 0) return -1;
  const uint32_t block[3] = {sh_word(path), static_cast<uint32_t>(mode_index),
                             static_cast<uint32_t>(strlen(path))};
  return sh_call(kShOpOpen, block);
}

int32_t sh_close(int32_t handle) {
  const uint32_t block[1] = {static_cast<uint32_t>(handle)};
  return sh_call(kShOpClose, block);
}

size_t sh_write(int32_t handle, const void* data, size_t size) {
  const uint32_t block[3] = {static_cast<uint32_t>(handle), sh_word(data), static_cast<uint32_t>(size)};
  const uint32_t not_written = static_cast<uint32_t>(sh_call(kShOpWrite, block));
  return not_written > size ? 0 : size - not_written;
}

size_t sh_read(int32_t handle, void* data, size_t size) {
  const uint32_t block[3] = {static_cast<uint32_t>(handle), sh_word(data), static_cast<uint32_t>(size)};
  const uint32_t not_read = static_cast<uint32_t>(sh_call(kShOpRead, block));
  return not_read > size ? 0 : size - not_read;
}

int32_t sh_seek(int32_t handle, uint32_t offset) {
  const uint32_t block[2] = {static_cast<uint32_t>(handle), offset};
  return sh_call(kShOpSeek, block) == 0 ? 0 : -1;
}

int32_t sh_flen(int32_t handle) {
  const uint32_t block[1] = {static_cast<uint32_t>(handle)};
  return sh_call(kShOpFlen, block);
}

int32_t sh_errno(void) { return sh_call(kShOpErrno, nullptr); }

int32_t sh_get_cmdline(char* buffer, size_t size) {
  if (buffer == nullptr || size == 0) return -1;
  // The host updates the length word to the length of the line it wrote.
  uint32_t block[2] = {sh_word(buffer), static_cast<uint32_t>(size)};
  if (sh_call(kShOpGetCmdline, block) != 0) return -1;
  if (block[1] >= size) return -1;
  buffer[block[1]] = '\0';
  return static_cast<int32_t>(block[1]);
}

int sh_split_cmdline(char* line, char** argv, int max_args) {
  int count = 0;
  char* p = line;
  while (*p != '\0' && count < max_args) {
    while (*p == ' ') *p++ = '\0';
    if (*p == '\0') break;
    argv[count++] = p;
    while (*p != '\0' && *p != ' ') ++p;
  }
  // Terminate the last word even when arguments beyond max_args are dropped.
  if (*p == ' ') *p = '\0';
  return count;
}

void sh_exit(int code) {
  const uint32_t block[2] = {kShAdpStoppedApplicationExit, static_cast<uint32_t>(code)};
  sh_call(kShOpExitExtended, block);
  // A host without SYS_EXIT_EXTENDED: plain SYS_EXIT carries only the reason on AArch32.
  sh_call(kShOpExit, reinterpret_cast<const void*>(static_cast<uintptr_t>(kShAdpStoppedApplicationExit)));
  for (;;) {
    asm volatile("" ::: "memory");
  }
}

}  // extern "C"
