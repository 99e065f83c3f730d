// Self-test of the QEMU port: printing, command line, semihosting file reads, stack measurement,
// FPU, and instruction-count markers around loops of known length (see CMakeLists.txt for usage).
#include <stdint.h>
#include <string.h>

#include "bench_markers.h"
#include "qemu_print.h"
#include "qemu_startup.h"
#include "semihosting.h"

namespace {

int g_selftest_failures = 0;

void selftest_expect(bool ok, const char* what) {
  qemu_print("selftest: %s %s\n", ok ? "pass" : "FAIL", what);
  if (!ok) ++g_selftest_failures;
}

// "key=value" argument lookup; returns the value or nullptr.
const char* selftest_arg(int argc, char** argv, const char* key) {
  const size_t key_len = strlen(key);
  for (int i = 1; i < argc; ++i) {
    if (strncmp(argv[i], key, key_len) == 0 && argv[i][key_len] == '=') return argv[i] + key_len + 1;
  }
  return nullptr;
}

uint32_t selftest_parse_u32(const char* text, uint32_t fallback) {
  if (text == nullptr || *text == '\0') return fallback;
  uint32_t value = 0;
  for (; *text >= '0' && *text <= '9'; ++text) value = value * 10 + static_cast<uint32_t>(*text - '0');
  return value;
}

void selftest_print_formats() {
  char buffer[96];
  qemu_snprint(buffer, sizeof(buffer), "%d|%5d|%-4d|%05d|%u|%x|%08X|%s|%c|%%|%lld|%llx|%zu", -42, 17, 3, -9,
               4000000000u, 0xbeefu, 0xCAFEu, "str", 'z', -1234567890123LL, 0x123456789abcULL, sizeof(uint64_t));
  const char* expected = "-42|   17|3   |-0009|4000000000|beef|0000CAFE|str|z|%|-1234567890123|123456789abc|8";
  const bool ok = strcmp(buffer, expected) == 0;
  if (!ok) qemu_print("selftest: got      %s\nselftest: expected %s\n", buffer, expected);
  selftest_expect(ok, "qemu_snprint conversions");
  const int full = qemu_snprint(buffer, 4, "%s", "truncated");
  selftest_expect(full == 9 && strcmp(buffer, "tru") == 0, "qemu_snprint truncation");
}

// Reads the file in small chunks (several semihosting reads) and checks the byte count.
void selftest_read_file(const char* path, const char* expected_size) {
  const int32_t handle = sh_open(path, "rb");
  if (handle < 0) {
    qemu_print("selftest: cannot open %s (host errno %ld)\n", path, static_cast<long>(sh_errno()));
    selftest_expect(false, "sh_open");
    return;
  }
  const int32_t length = sh_flen(handle);
  uint8_t chunk[100];
  uint32_t total = 0;
  uint32_t hash = 2166136261u;  // FNV-1a 32
  for (;;) {
    const size_t n = sh_read(handle, chunk, sizeof(chunk));
    for (size_t i = 0; i < n; ++i) hash = (hash ^ chunk[i]) * 16777619u;
    total += n;
    if (n < sizeof(chunk)) break;
  }
  sh_close(handle);
  qemu_print("selftest: read %s: flen %ld, read %lu bytes, fnv1a32 0x%08lx\n", path, static_cast<long>(length),
             static_cast<unsigned long>(total), static_cast<unsigned long>(hash));
  selftest_expect(length >= 0 && total == static_cast<uint32_t>(length), "sh_read reads sh_flen bytes");
  if (expected_size != nullptr) selftest_expect(total == selftest_parse_u32(expected_size, 0), "file size as expected");
}

// Touches `depth` KB of stack so the high-water mark moves (each frame's block is read after the
// recursive call, so the frames cannot share storage).
__attribute__((noipa)) uint32_t selftest_use_stack(uint32_t depth) {
  volatile uint8_t block[1024];
  for (size_t i = 0; i < sizeof(block); i += 64) block[i] = static_cast<uint8_t>(i + depth);
  const uint32_t inner = depth <= 1 ? 0 : selftest_use_stack(depth - 1);
  return inner + block[0];
}

// Exactly 2 instructions per iteration (subs, bne), n >= 1; the same code on every core.
inline void selftest_spin(uint32_t n) {
  // GCC wraps Thumb-1 inline asm in divided syntax; `subs` with an immediate needs unified.
  asm volatile(
      ".syntax unified\n"
      "1:\n\t"
      "subs %0, %0, #1\n\t"
      "bne 1b"
      : "+l"(n)
      :
      : "cc");
}

}  // namespace

int main(int argc, char** argv) {
  qemu_print("selftest: hello from %s\n",
#if defined(__ARM_ARCH_8M_MAIN__)
             "Armv8-M mainline"
#elif defined(__ARM_ARCH_7EM__)
             "Armv7E-M"
#elif defined(__ARM_ARCH_7M__)
             "Armv7-M"
#elif defined(__ARM_ARCH_6M__)
             "Armv6-M"
#else
             "an unknown core"
#endif
  );
  selftest_print_formats();

  char line[256];
  const int32_t line_length = sh_get_cmdline(line, sizeof(line));
  qemu_print("selftest: cmdline (%ld chars): %s\n", static_cast<long>(line_length), line_length >= 0 ? line : "");
  for (int i = 0; i < argc; ++i) qemu_print("selftest: argv[%d] = %s\n", i, argv[i]);
  selftest_expect(argc >= 1 && line_length > 0, "command line");

  const char* path = selftest_arg(argc, argv, "file");
  if (path != nullptr) selftest_read_file(path, selftest_arg(argc, argv, "size"));

#if defined(__ARM_FP)
  volatile float a = 1.5f;
  volatile float b = 2.25f;
  selftest_expect(a * b == 3.375f, "FPU enabled");
#endif

  const size_t stack_before = qemu_stack_high_water();
  const uint32_t sink = selftest_use_stack(2);
  const size_t stack_after = qemu_stack_high_water();
  qemu_print("selftest: stack %lu bytes; high water %lu before, %lu after 2 KB of locals (%lu)\n",
             static_cast<unsigned long>(qemu_stack_size()), static_cast<unsigned long>(stack_before),
             static_cast<unsigned long>(stack_after), static_cast<unsigned long>(sink));
  selftest_expect(stack_after >= stack_before + 1024 && stack_after >= 2048 && stack_after < qemu_stack_size(),
                  "stack high water");

  // Regions for the instruction counter: 0 empty (the marker overhead), 1 loops, 2 twice as many.
  const uint32_t loops = selftest_parse_u32(selftest_arg(argc, argv, "loops"), 1000);
  tmf_bench_marker_begin();
  tmf_bench_marker_end();
  tmf_bench_marker_begin();
  selftest_spin(loops);
  tmf_bench_marker_end();
  tmf_bench_marker_begin();
  selftest_spin(2 * loops);
  tmf_bench_marker_end();
  qemu_print("selftest: marked regions: empty, %lu and %lu loop iterations of 2 instructions\n",
             static_cast<unsigned long>(loops), static_cast<unsigned long>(2 * loops));

  const int exit_code = static_cast<int>(selftest_parse_u32(selftest_arg(argc, argv, "exit"), 0));
  if (g_selftest_failures != 0) {
    qemu_print("selftest: %d check(s) failed\n", g_selftest_failures);
    return 1;
  }
  qemu_print("selftest: ok, exiting with %d\n", exit_code);
  return exit_code;
}
