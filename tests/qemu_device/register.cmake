# The bare-metal device end to end (included from tests/CMakeLists.txt): Mosquitto, `tinymlops
# gateway` and the firmware under QEMU (docs/qemu.md). Needs build/cortex-m4's and build/cortex-m33's
# device_firmware.elf, which `make test` builds before running ctest.
find_package(PkgConfig REQUIRED)
pkg_check_modules(QEMU_DEVICE_SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(QEMU_DEVICE_MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)
add_executable(qemu_device_tests ${CMAKE_CURRENT_LIST_DIR}/qemu_device_test.cc ${CMAKE_CURRENT_LIST_DIR}/qemu_device_3axis_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/qemu_device_power_cut_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/../app/app_rig.cc ${CMAKE_CURRENT_LIST_DIR}/../agent/sim_port.cc
  ${CMAKE_CURRENT_LIST_DIR}/../agent/ota_harness.cc ${CMAKE_CURRENT_LIST_DIR}/qemu_device_main.cc)
target_link_libraries(qemu_device_tests PRIVATE tmf_app tmf_test_fleet tmf_fleet tmf_convert tmf_deploy tmf_simulator PkgConfig::QEMU_DEVICE_SODIUM
  PkgConfig::QEMU_DEVICE_MOSQUITTO)
target_compile_features(qemu_device_tests PRIVATE cxx_std_20)
target_compile_options(qemu_device_tests PRIVATE -ffp-contract=off)
target_compile_definitions(qemu_device_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>"
  TMF_AGENT_WORK="${CMAKE_BINARY_DIR}/qemu_device_work"
  TMF_QEMU_DEVICE_WORK="${CMAKE_BINARY_DIR}/qemu_device_work"
  TMF_QEMU_DEVICE_SCRIPT="${PROJECT_SOURCE_DIR}/scripts/qemu-device.sh"
  TMF_DEVICE_FIRMWARE="${PROJECT_SOURCE_DIR}/build/cortex-m4/bin/device_firmware.elf"
  TMF_DEVICE_FIRMWARE_DIR="${PROJECT_SOURCE_DIR}/build"
  TMF_DEVICE_FIRMWARE_16K="${PROJECT_SOURCE_DIR}/build/cortex-m4/bin/device_firmware_16k.elf")
add_dependencies(qemu_device_tests tinymlops tinymlops-device)
target_compile_definitions(qemu_device_tests PRIVATE TMF_DEVICE_EXE="$<TARGET_FILE:tinymlops-device>")
add_test(NAME qemu_device_tests COMMAND qemu_device_tests InstallTelemetry)
set_tests_properties(qemu_device_tests PROPERTIES TIMEOUT 900)
add_test(NAME qemu_device_16k_tests COMMAND qemu_device_tests SmallPart)
set_tests_properties(qemu_device_16k_tests PROPERTIES TIMEOUT 300)
# The same firmware on the Cortex-M33 board (mps2-an505, its own board map): deploy and telemetry.
add_test(NAME qemu_device_m33_tests COMMAND qemu_device_tests DeployOnCore --core cortex-m33)
set_tests_properties(qemu_device_m33_tests PROPERTIES TIMEOUT 300)
# Issue 16 item 5: a 3-axis pipeline (window 1,024: package type 2) trained on a 3-channel dataset, on
# tinymlops-device, the Cortex-M4 firmware and the simulator's virtual devices, every score and
# sketch equal to the host's.
add_test(NAME qemu_device_3axis_tests COMMAND qemu_device_tests ThreeAxis)
set_tests_properties(qemu_device_3axis_tests PROPERTIES TIMEOUT 300)
add_test(NAME qemu_device_power_cut_tests COMMAND qemu_device_tests PowerCuts)
set_tests_properties(qemu_device_power_cut_tests PROPERTIES TIMEOUT 1800 PROCESSORS 2)  # QEMU in real time

# The link codec and the gateway's session logic, device end against gateway end in memory.
add_executable(link_tests ${CMAKE_CURRENT_LIST_DIR}/link_test.cc support/tmf_test_main_host.cc)
target_link_libraries(link_tests PRIVATE tmf_test_support tmf_gateway)
target_compile_features(link_tests PRIVATE cxx_std_20)
add_test(NAME link_tests COMMAND link_tests)
