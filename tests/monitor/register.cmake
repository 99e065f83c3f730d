# Drift detection tests (host/monitor, docs/drift.md).
file(GLOB TMF_MONITOR_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*_test.cc")
add_executable(monitor_tests ${TMF_MONITOR_TEST_SOURCES} ${CMAKE_CURRENT_LIST_DIR}/../support/tmf_test_main_host.cc)
target_link_libraries(monitor_tests PRIVATE tmf_test_support tmf_monitor)
target_compile_options(monitor_tests PRIVATE -Wall -Wextra)
add_test(NAME monitor_tests COMMAND monitor_tests)
