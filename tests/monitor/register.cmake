# Drift detection tests (host/monitor, docs/drift.md).
file(GLOB TMF_MONITOR_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*_test.cc")
add_executable(monitor_tests ${TMF_MONITOR_TEST_SOURCES} ${CMAKE_CURRENT_LIST_DIR}/../support/tmf_test_main_host.cc)
target_link_libraries(monitor_tests PRIVATE tmf_test_support tmf_monitor)
target_compile_options(monitor_tests PRIVATE -Wall -Wextra)
add_test(NAME monitor_tests COMMAND monitor_tests)

# tinymlops serve (docs/serve.md): store, alerts, fleet drift, ingest and the SIGKILL acceptance
# test against a real Mosquitto and the tinymlops binary.
file(GLOB TMF_SERVE_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/serve/*_test.cc")
add_executable(serve_tests ${TMF_SERVE_TEST_SOURCES} ${CMAKE_CURRENT_LIST_DIR}/../support/tmf_test_main_host.cc)
target_link_libraries(serve_tests PRIVATE tmf_test_fleet tmf_serve nlohmann_json::nlohmann_json)
target_compile_options(serve_tests PRIVATE -Wall -Wextra)
target_compile_definitions(serve_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>"
  TMF_SERVE_WORK="${CMAKE_BINARY_DIR}/serve_work")
add_dependencies(serve_tests tinymlops)
add_test(NAME serve_tests COMMAND serve_tests)
# serve --notify-webhook against a cpp-httplib receiver (tests/monitor/serve/notify_test.cc).
target_link_libraries(serve_tests PRIVATE tmf_notify PkgConfig::TMF_HTTPLIB)
