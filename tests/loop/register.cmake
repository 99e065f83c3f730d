# The automation loop (host/loop, docs/loop.md): datasets from captures, retraining with
# champion/challenger and lineage, release approval (canary, approve/reject, offline key) against
# a real Mosquitto with virtual devices; and the closed loop end to end (Mosquitto + serve + sim).
file(GLOB TMF_LOOP_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*_test.cc")
if(TARGET tinymlops-device)
  list(APPEND TMF_LOOP_TEST_SOURCES ${CMAKE_CURRENT_LIST_DIR}/../deploy/fleet_harness.cc)
else()
  list(FILTER TMF_LOOP_TEST_SOURCES EXCLUDE REGEX "(release|leader_handover)_test\\.cc$")
endif()
add_executable(loop_tests ${TMF_LOOP_TEST_SOURCES} ${CMAKE_CURRENT_LIST_DIR}/../host/test_files.cc
               ${CMAKE_CURRENT_LIST_DIR}/../support/tmf_test_main_host.cc)
target_link_libraries(loop_tests PRIVATE tmf_test_fleet tmf_loop tmf_sim_world nlohmann_json::nlohmann_json)
target_compile_options(loop_tests PRIVATE -Wall -Wextra)
target_compile_definitions(loop_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>")
add_dependencies(loop_tests tinymlops)
if(TARGET tinymlops-device)
  target_compile_definitions(loop_tests PRIVATE TMF_DEVICE="$<TARGET_FILE:tinymlops-device>")
  add_dependencies(loop_tests tinymlops-device)
endif()
add_test(NAME loop_tests COMMAND loop_tests)

# The closed loop on a small fleet, SIGKILL of serve included (scripts/demo_loop.sh).
add_test(NAME loop_closed_e2e
         COMMAND env TMF_CLI=$<TARGET_FILE:tinymlops> TMF_LOOP_WORK=${CMAKE_BINARY_DIR}/loop_e2e
                 TMF_LOOP_SCENARIO=${CMAKE_CURRENT_LIST_DIR}/small_loop.json TMF_DEMO_DEVICES=6
                 ${PROJECT_SOURCE_DIR}/scripts/demo_loop.sh)
# Scenario time runs at 25x wall time and two QEMU devices emulate in real time: ctest gives it
# two of make test's slots so it never shares the cores with more than one other test.
set_tests_properties(loop_closed_e2e PROPERTIES TIMEOUT 900 PROCESSORS 2)
