# Target profiles, cost model and Pareto tests (host/select, docs/select.md).
file(GLOB TMF_SELECT_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*_test.cc")
add_executable(select_tests ${TMF_SELECT_TEST_SOURCES} ${CMAKE_CURRENT_LIST_DIR}/select_test_models.cc
               ${CMAKE_CURRENT_LIST_DIR}/../host/test_files.cc ${CMAKE_CURRENT_LIST_DIR}/../support/tmf_test_main_host.cc)
target_link_libraries(select_tests PRIVATE tmf_test_support tmf_select nlohmann_json::nlohmann_json)
target_compile_options(select_tests PRIVATE -Wall -Wextra)
target_compile_definitions(select_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>")
add_dependencies(select_tests tinymlops)
add_test(NAME select_tests COMMAND select_tests)
