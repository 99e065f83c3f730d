// Runner of the tiny test framework (tmf_test.h); freestanding.
#include "tests/support/tmf_test.h"

#if defined(TMF_TEST_HOST)
#include <exception>
#endif

extern "C" const TmfTestCase* const __start_tmf_tests[];
extern "C" const TmfTestCase* const __stop_tmf_tests[];

namespace {

// Small freestanding formatting, so the same runner works without stdio.
void append(char* buf, uint32_t cap, uint32_t* len, const char* s) {
  while (*s && *len + 1 < cap) buf[(*len)++] = *s++;
  buf[*len] = 0;
}

void append_i64(char* buf, uint32_t cap, uint32_t* len, int64_t v) {
  char digits[24];
  int n = 0;
  uint64_t u = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  do {
    digits[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) append(buf, cap, len, "-");
  char one[2] = {0, 0};
  while (n > 0) {
    one[0] = digits[--n];
    append(buf, cap, len, one);
  }
}

bool contains(const char* haystack, const char* needle) {
  if (needle == nullptr || *needle == 0) return true;
  for (; *haystack; ++haystack) {
    const char* h = haystack;
    const char* n = needle;
    while (*h && *n && *h == *n) ++h, ++n;
    if (*n == 0) return true;
  }
  return false;
}

const TmfTestCase* g_current = nullptr;

}  // namespace

void tmf_test_fail(TmfTestState* state, const char* file, int line, const char* what) {
  char buf[512];
  uint32_t len = 0;
  append(buf, sizeof(buf), &len, "FAIL ");
  if (g_current) {
    append(buf, sizeof(buf), &len, g_current->suite);
    append(buf, sizeof(buf), &len, ".");
    append(buf, sizeof(buf), &len, g_current->name);
    append(buf, sizeof(buf), &len, " ");
  }
  append(buf, sizeof(buf), &len, file);
  append(buf, sizeof(buf), &len, ":");
  append_i64(buf, sizeof(buf), &len, line);
  append(buf, sizeof(buf), &len, ": ");
  append(buf, sizeof(buf), &len, what);
  append(buf, sizeof(buf), &len, "\n");
  tmf_test_print(buf);
  ++state->failures;
}

void tmf_test_fail_i64(TmfTestState* state, const char* file, int line, const char* what,
                       int64_t actual, int64_t expected) {
  char buf[384];
  uint32_t len = 0;
  append(buf, sizeof(buf), &len, what);
  append(buf, sizeof(buf), &len, " (actual ");
  append_i64(buf, sizeof(buf), &len, actual);
  append(buf, sizeof(buf), &len, ", expected ");
  append_i64(buf, sizeof(buf), &len, expected);
  append(buf, sizeof(buf), &len, ")");
  tmf_test_fail(state, file, line, buf);
}

void tmf_test_expect_bytes_eq(TmfTestState* state, const char* file, int line,
                              const void* actual, const void* expected, uint32_t n) {
  const auto* a = static_cast<const uint8_t*>(actual);
  const auto* e = static_cast<const uint8_t*>(expected);
  for (uint32_t i = 0; i < n; ++i) {
    if (a[i] != e[i]) {
      char buf[160];
      uint32_t len = 0;
      append(buf, sizeof(buf), &len, "bytes differ at index ");
      append_i64(buf, sizeof(buf), &len, i);
      append(buf, sizeof(buf), &len, " of ");
      append_i64(buf, sizeof(buf), &len, n);
      tmf_test_fail_i64(state, file, line, buf, static_cast<int8_t>(a[i]),
                        static_cast<int8_t>(e[i]));
      return;
    }
  }
}

int tmf_test_run_all(const char* filter) {
  int passed = 0, failed = 0;
  for (const TmfTestCase* const* entry = __start_tmf_tests; entry < __stop_tmf_tests; ++entry) {
    const TmfTestCase* t = *entry;
    char full[160];
    uint32_t len = 0;
    append(full, sizeof(full), &len, t->suite);
    append(full, sizeof(full), &len, ".");
    append(full, sizeof(full), &len, t->name);
    if (!contains(full, filter)) continue;
    g_current = t;
    TmfTestState state{0};
#if defined(TMF_TEST_HOST)
    // Host tests may call throwing code; an escaped exception fails that test, not the run.
    try {
      t->run(&state);
    } catch (const std::exception& e) {
      tmf_test_fail(&state, "exception", 0, e.what());
    }
#else
    t->run(&state);
#endif
    g_current = nullptr;
    if (state.failures == 0) {
      ++passed;
    } else {
      ++failed;
    }
  }
  char buf[96];
  uint32_t len = 0;
  append_i64(buf, sizeof(buf), &len, passed);
  append(buf, sizeof(buf), &len, " passed, ");
  append_i64(buf, sizeof(buf), &len, failed);
  append(buf, sizeof(buf), &len, " failed\n");
  tmf_test_print(buf);
  return failed;
}
