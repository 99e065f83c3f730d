# Device application tests (included from tests/CMakeLists.txt): TLV 0x101, and device/app on a
# real pipeline model built with the host converter, installed over the air into an agent on the
# in-memory SimPort. The app, agent and detect sources are compiled here with the sanitizers; the
# converter's runtime (tmf_runtime) runs the models.
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)

file(GLOB TMF_APP_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*_test.cc")
add_executable(app_tests ${TMF_APP_TEST_SOURCES} ${CMAKE_CURRENT_LIST_DIR}/app_rig.cc
  ${CMAKE_CURRENT_LIST_DIR}/../agent/sim_port.cc ${CMAKE_CURRENT_LIST_DIR}/../agent/ota_harness.cc
  ${PROJECT_SOURCE_DIR}/device/app/app.cc ${TMF_AGENT_SOURCES} ${TMF_AGENT_PROTOCOL_SOURCES}
  ${TMF_DETECT_SOURCES} support/tmf_test_main_host.cc)
target_link_libraries(app_tests PRIVATE tmf_test_support tmf_convert PkgConfig::SODIUM)
target_compile_features(app_tests PRIVATE cxx_std_20)
target_compile_options(app_tests PRIVATE ${TMF_SANITIZE} -ffp-contract=off)
target_link_options(app_tests PRIVATE -fsanitize=address,undefined)
# ota_harness.cc can convert shared models with the CLI; these tests build their own model.
target_compile_definitions(app_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>"
  TMF_AGENT_WORK="${CMAKE_BINARY_DIR}/app_work")
add_test(NAME app_tests COMMAND app_tests)
set_tests_properties(app_tests PROPERTIES TIMEOUT 600)
