// A tiny test framework that runs the same test sources on the host and bare-metal under QEMU:
// no heap, no exceptions, no global constructors. Tests register through a linker section
// (`tmf_tests`), so a test binary needs no list of its tests. The runner prints one line per
// failure and a closing "N passed, N failed" line.
#pragma once

#include <stdint.h>

struct TmfTestState {
  int failures;
};

struct TmfTestCase {
  const char* suite;
  const char* name;
  void (*run)(TmfTestState* state);
};

// Provided by the platform's runner (host: stdio; QEMU: semihosting).
extern "C" void tmf_test_print(const char* text);

void tmf_test_fail(TmfTestState* state, const char* file, int line, const char* what);
void tmf_test_fail_i64(TmfTestState* state, const char* file, int line, const char* what,
                       int64_t actual, int64_t expected);
// Runs every registered test whose "Suite.Name" contains `filter` (all if null or "").
// Returns the number of failed tests.
int tmf_test_run_all(const char* filter);

// The section holds pointers (one machine word each, so the linker packs them without gaps);
// the cases themselves are ordinary constants.
#define TMF_TEST(suite, name)                                                          \
  static void tmf_test_fn_##suite##_##name(TmfTestState*);                              \
  static const TmfTestCase tmf_test_case_##suite##_##name = {#suite, #name,             \
                                                             tmf_test_fn_##suite##_##name}; \
  __attribute__((used, section("tmf_tests"))) static const TmfTestCase* const          \
      tmf_test_entry_##suite##_##name = &tmf_test_case_##suite##_##name;                \
  static void tmf_test_fn_##suite##_##name(TmfTestState* tmf_test_state_)

#define TMF_EXPECT(cond)                                                   \
  do {                                                                     \
    if (!(cond)) tmf_test_fail(tmf_test_state_, __FILE__, __LINE__, #cond); \
  } while (0)

#define TMF_EXPECT_EQ(actual, expected)                                                    \
  do {                                                                                     \
    const int64_t tmf_a_ = static_cast<int64_t>(actual);                                   \
    const int64_t tmf_e_ = static_cast<int64_t>(expected);                                 \
    if (tmf_a_ != tmf_e_) {                                                                \
      tmf_test_fail_i64(tmf_test_state_, __FILE__, __LINE__, #actual " == " #expected,     \
                        tmf_a_, tmf_e_);                                                   \
    }                                                                                      \
  } while (0)

// Stops the current test if an expectation already failed (e.g. before indexing a result).
#define TMF_ASSERT(cond)                                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      tmf_test_fail(tmf_test_state_, __FILE__, __LINE__, #cond);           \
      return;                                                              \
    }                                                                      \
  } while (0)

// Byte-exact comparison of two buffers; reports the first differing index.
#define TMF_EXPECT_BYTES_EQ(actual, expected, n) \
  tmf_test_expect_bytes_eq(tmf_test_state_, __FILE__, __LINE__, (actual), (expected), (n))
void tmf_test_expect_bytes_eq(TmfTestState* state, const char* file, int line,
                              const void* actual, const void* expected, uint32_t n);

#if defined(TMF_TEST_HOST)
// Host-only: expects `expr` to throw `type` whose what() contains `substring`.
#include <string>
#define TMF_EXPECT_THROWS(expr, type, substring)                                        \
  do {                                                                                  \
    bool tmf_thrown_ = false;                                                           \
    try {                                                                               \
      (void)(expr);                                                                     \
    } catch (const type& e) {                                                           \
      tmf_thrown_ = true;                                                               \
      if (std::string(e.what()).find(substring) == std::string::npos) {                 \
        tmf_test_fail(tmf_test_state_, __FILE__, __LINE__,                              \
                      (std::string("message lacks '") + (substring) + "': " + e.what()) \
                          .c_str());                                                    \
      }                                                                                 \
    }                                                                                   \
    if (!tmf_thrown_) tmf_test_fail(tmf_test_state_, __FILE__, __LINE__, #expr " did not throw"); \
  } while (0)
#endif
