// Entry point of the bare-metal kernel-test image: `device_tests [FILTER]`; the exit code is
// the number of failed tests (0: all passed).
#include "qemu_print.h"
#include "tests/support/tmf_test.h"

extern "C" void tmf_test_print(const char* text) { qemu_print("%s", text); }

int main(int argc, char** argv) { return tmf_test_run_all(argc > 1 ? argv[1] : ""); }
