// Host entry point of test binaries: `binary [FILTER]` runs the tests whose name contains FILTER.
#include <cstdio>

#include "tests/support/tmf_test.h"

extern "C" void tmf_test_print(const char* text) {
  std::fputs(text, stdout);
  std::fflush(stdout);
}

int main(int argc, char** argv) { return tmf_test_run_all(argc > 1 ? argv[1] : "") == 0 ? 0 : 1; }
