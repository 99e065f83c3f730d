# Registry tests (included from tests/CMakeLists.txt): SQLite schema, artifacts, devices, CLI.
add_executable(registry_tests ${CMAKE_CURRENT_LIST_DIR}/registry_test.cc ${CMAKE_CURRENT_LIST_DIR}/registry_engines_test.cc
               ${CMAKE_CURRENT_LIST_DIR}/../host/test_files.cc support/tmf_test_main_host.cc)
target_link_libraries(registry_tests PRIVATE tmf_test_support tmf_deploy tmf_serve nlohmann_json::nlohmann_json)
target_compile_definitions(registry_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>")
add_dependencies(registry_tests tinymlops)
add_test(NAME registry_tests COMMAND registry_tests)
