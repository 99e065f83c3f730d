# Fleet identity tests (included from tests/CMakeLists.txt): the PKI checked with libcrypto's
# verifier, enrolment records, the generated ACL against docs/protocol.md, the CLI, and the
# generated configuration enforced by a real Mosquitto with libmosquitto TLS clients.
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
pkg_check_modules(TMF_FLEET_TEST_MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)
add_executable(fleet_tests ${CMAKE_CURRENT_LIST_DIR}/pki_test.cc ${CMAKE_CURRENT_LIST_DIR}/broker_test.cc
               ${CMAKE_CURRENT_LIST_DIR}/../host/test_files.cc support/tmf_test_main_host.cc)
target_link_libraries(fleet_tests PRIVATE tmf_test_support tmf_fleet_pki tmf_registry PkgConfig::TMF_FLEET_TEST_MOSQUITTO
                      OpenSSL::Crypto nlohmann_json::nlohmann_json)
target_compile_definitions(fleet_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>")
add_dependencies(fleet_tests tinymlops)
add_test(NAME fleet_tests COMMAND fleet_tests)
set_tests_properties(fleet_tests PROPERTIES TIMEOUT 300)

# The device link (host/fleet, docs/fleet.md): broker settings, topics, and the fleet link's
# enrolment filter and device records against a real Mosquitto on a free loopback port.
add_executable(fleet_link_tests ${CMAKE_CURRENT_LIST_DIR}/link_test.cc ${CMAKE_CURRENT_LIST_DIR}/../support/tmf_test_main_host.cc)
target_link_libraries(fleet_link_tests PRIVATE tmf_test_support tmf_fleet)
target_compile_options(fleet_link_tests PRIVATE -Wall -Wextra)
add_test(NAME fleet_link_tests COMMAND fleet_link_tests)
set_tests_properties(fleet_link_tests PROPERTIES TIMEOUT 120)

# Hostile clients against serve, deploy and enrolled virtual devices over mutual TLS (docs/security.md).
if(TARGET tinymlops-device)
  add_executable(fleet_hostile_tests ${CMAKE_CURRENT_LIST_DIR}/hostile_test.cc ${CMAKE_CURRENT_LIST_DIR}/ingest_rate_tls_test.cc
                 ${CMAKE_CURRENT_LIST_DIR}/../host/test_files.cc ${CMAKE_CURRENT_LIST_DIR}/../support/tmf_test_main_host.cc)
  target_link_libraries(fleet_hostile_tests PRIVATE tmf_test_support tmf_serve PkgConfig::TMF_FLEET_TEST_MOSQUITTO
                        nlohmann_json::nlohmann_json)
  target_compile_definitions(fleet_hostile_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>"
                             TMF_DEVICE="$<TARGET_FILE:tinymlops-device>" TMF_SERVE_WORK="${CMAKE_BINARY_DIR}/serve_work")
  add_dependencies(fleet_hostile_tests tinymlops tinymlops-device)
  add_test(NAME fleet_hostile_tests COMMAND fleet_hostile_tests)
  set_tests_properties(fleet_hostile_tests PROPERTIES TIMEOUT 300)
endif()
