# Device agent tests (included from tests/CMakeLists.txt): the agent and its protocol codec on an
# in-memory, power-cutting port (no broker), sanitized; real models are converted at test time.
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)

file(GLOB TMF_AGENT_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*_test.cc")
add_executable(agent_tests ${TMF_AGENT_TEST_SOURCES}
  ${CMAKE_CURRENT_LIST_DIR}/sim_port.cc ${CMAKE_CURRENT_LIST_DIR}/ota_harness.cc
  ${TMF_AGENT_SOURCES} ${TMF_AGENT_PROTOCOL_SOURCES} support/tmf_test_main_host.cc)
target_link_libraries(agent_tests PRIVATE tmf_test_fleet tmf_runtime_asan PkgConfig::SODIUM PkgConfig::MOSQUITTO)
target_compile_features(agent_tests PRIVATE cxx_std_20)
target_compile_options(agent_tests PRIVATE ${TMF_SANITIZE})
target_link_options(agent_tests PRIVATE -fsanitize=address,undefined)
target_compile_definitions(agent_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>"
  TMF_AGENT_WORK="${CMAKE_BINARY_DIR}/agent_work" TMF_DEVICE="$<TARGET_FILE:tinymlops-device>")
add_dependencies(agent_tests tinymlops tinymlops-device)
add_test(NAME agent_tests COMMAND agent_tests)
set_tests_properties(agent_tests PROPERTIES TIMEOUT 900)
