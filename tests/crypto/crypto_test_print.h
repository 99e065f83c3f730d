// printf-style diagnostics for the crypto tests, through tmf_test_print on the host and under QEMU.
#pragma once

#include <stdarg.h>

#include "tests/support/tmf_test.h"

#if defined(TMF_TEST_HOST)
#include <stdio.h>
#define CRYPTO_TEST_VSNPRINTF vsnprintf
#else
#include "qemu_print.h"
#define CRYPTO_TEST_VSNPRINTF qemu_vsnprint
#endif

__attribute__((format(printf, 1, 2))) inline void crypto_test_printf(const char* format, ...) {
  char line[240];
  va_list args;
  va_start(args, format);
  CRYPTO_TEST_VSNPRINTF(line, sizeof line, format, args);
  va_end(args);
  tmf_test_print(line);
}
