// Arm semihosting calls (BKPT 0xAB on M-profile), the host I/O channel of the QEMU images.
// Run QEMU with `-semihosting-config enable=on,target=native`; see scripts/qemu-run.sh.
// Without a debugger or QEMU attached a semihosting call is a HardFault: these are for QEMU only.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Operation numbers (Arm "Semihosting for AArch32 and AArch64", version 2).
enum ShOp {
  kShOpOpen = 0x01,
  kShOpClose = 0x02,
  kShOpWriteC = 0x03,
  kShOpWrite0 = 0x04,
  kShOpWrite = 0x05,
  kShOpRead = 0x06,
  kShOpSeek = 0x0A,
  kShOpFlen = 0x0C,
  kShOpErrno = 0x13,
  kShOpGetCmdline = 0x15,
  kShOpExit = 0x18,
  kShOpExitExtended = 0x20,
};

// Raw call: op in r0, arg (pointer to a parameter block, or a value) in r1; returns r0.
int32_t sh_call(int32_t op, const void* arg);

// Writes a NUL-terminated string to the host console (QEMU: the semihosting chardev).
void sh_write0(const char* text);

// Opens a host file. `path` is relative to QEMU's working directory; ":tt" is the console
// ("r" stdin, "w" stdout, "a" stderr). `mode` is an fopen mode: "r", "rb", "r+", "r+b", "w", "wb",
// "w+", "w+b", "a", "ab", "a+", "a+b". Returns a handle (> 0), or -1 on error (see sh_errno).
int32_t sh_open(const char* path, const char* mode);

// Closes a handle. Returns 0, or -1 on error.
int32_t sh_close(int32_t handle);

// Writes `size` bytes. Returns the number of bytes written (== size on success).
size_t sh_write(int32_t handle, const void* data, size_t size);

// Reads up to `size` bytes. Returns the number of bytes read: 0 at end of file, < size when the file
// ends first. Semihosting cannot tell a read error from end of file.
size_t sh_read(int32_t handle, void* data, size_t size);

// Moves to absolute byte offset `offset`. Returns 0, or -1 on error.
int32_t sh_seek(int32_t handle, uint32_t offset);

// Returns the length of the file in bytes, or -1 on error.
int32_t sh_flen(int32_t handle);

// Returns the host errno of the last failed call.
int32_t sh_errno(void);

// Copies the command line into `buffer` (NUL-terminated). Under QEMU it is the image path followed by
// the words of `-append "..."`, joined by single spaces (QEMU splits -append on spaces, so arguments
// cannot contain spaces). Returns the length without the NUL, or -1 if it does not fit or on error.
int32_t sh_get_cmdline(char* buffer, size_t size);

// Splits `line` in place on spaces into at most `max_args` NUL-terminated words; returns their count.
// argv[0] is the image path when `line` comes from sh_get_cmdline.
int sh_split_cmdline(char* line, char** argv, int max_args);

// Ends the program: QEMU exits with `code` (0..255 reaches the shell). Uses SYS_EXIT_EXTENDED with
// ADP_Stopped_ApplicationExit, which carries the code on AArch32 too. Does not flush qemu_print; use
// qemu_exit() (qemu_startup.h) for that.
__attribute__((noreturn)) void sh_exit(int code);

#ifdef __cplusplus
}  // extern "C"
#endif
