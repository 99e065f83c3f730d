# Deployment tests (included from tests/CMakeLists.txt): signing (RFC 8032 vectors, tamper
# checks) and rollouts against a real Mosquitto on a free loopback port with virtual devices
# (tinymlops-device, device/port/posix).
set(TMF_DEPLOY_TEST_SOURCES ${CMAKE_CURRENT_LIST_DIR}/signing_test.cc ${CMAKE_CURRENT_LIST_DIR}/deploy_record_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/update_package_test.cc)
if(TARGET tinymlops-device)
  list(APPEND TMF_DEPLOY_TEST_SOURCES ${CMAKE_CURRENT_LIST_DIR}/rollout_test.cc ${CMAKE_CURRENT_LIST_DIR}/fleet_harness.cc
       ${CMAKE_CURRENT_LIST_DIR}/fleet_aware_test.cc ${CMAKE_CURRENT_LIST_DIR}/rollout_control_test.cc)
endif()
add_executable(deploy_tests ${TMF_DEPLOY_TEST_SOURCES}
               ${CMAKE_CURRENT_LIST_DIR}/../host/test_files.cc support/tmf_test_main_host.cc)
target_link_libraries(deploy_tests PRIVATE tmf_test_fleet tmf_deploy nlohmann_json::nlohmann_json)
target_compile_definitions(deploy_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>")
add_dependencies(deploy_tests tinymlops)
if(TARGET tinymlops-device)
  target_compile_definitions(deploy_tests PRIVATE TMF_DEVICE="$<TARGET_FILE:tinymlops-device>")
  add_dependencies(deploy_tests tinymlops-device)
endif()
add_test(NAME deploy_tests COMMAND deploy_tests)
set_tests_properties(deploy_tests PROPERTIES TIMEOUT 600)
