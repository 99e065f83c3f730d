// Entry point of qemu_device_tests: `qemu_device_tests [FILTER] [--core CORE]` runs the tests whose
// name contains FILTER; CORE (default cortex-m4) picks the firmware image build/CORE/bin/
// device_firmware.elf and its QEMU board (scripts/qemu-device.sh) for the tests that take a core.
#include <cstdio>
#include <cstring>

#include "tests/support/tmf_test.h"

namespace tmf_test {
const char* g_qemu_device_core = "cortex-m4";
}

extern "C" void tmf_test_print(const char* text) {
  std::fputs(text, stdout);
  std::fflush(stdout);
}

int main(int argc, char** argv) {
  const char* filter = "";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--core") == 0 && i + 1 < argc) {
      tmf_test::g_qemu_device_core = argv[++i];
    } else if (std::strcmp(argv[i], "--help") == 0) {
      std::printf("usage: qemu_device_tests [FILTER] [--core cortex-m3|cortex-m4|cortex-m7|cortex-m33]\n");
      return 0;
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "qemu_device_tests: unknown option '%s' (--help)\n", argv[i]);
      return 2;
    } else {
      filter = argv[i];
    }
  }
  return tmf_test_run_all(filter) == 0 ? 0 : 1;
}
