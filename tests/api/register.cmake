# The HTTP API and /metrics of `tinymlops serve --http` (docs/api.md): a real serve on the fleet's
# mutual-TLS broker, HTTPS with a certificate of the fleet CA, the real Prometheus scraping it, and
# the web console driven in headless Chromium through chromedriver (screenshots: build/console_screenshots).
add_executable(api_tests ${CMAKE_CURRENT_LIST_DIR}/api_test.cc ${CMAKE_CURRENT_LIST_DIR}/prometheus_test.cc
               ${CMAKE_CURRENT_LIST_DIR}/console_test.cc ${CMAKE_CURRENT_LIST_DIR}/webdriver.cc
               ${CMAKE_CURRENT_LIST_DIR}/json_writer_test.cc
               ${CMAKE_CURRENT_LIST_DIR}/../host/test_files.cc ${CMAKE_CURRENT_LIST_DIR}/../support/tmf_test_main_host.cc)
target_link_libraries(api_tests PRIVATE tmf_test_fleet tmf_api tmf_fleet_pki PkgConfig::TMF_HTTPLIB nlohmann_json::nlohmann_json
                      OpenSSL::Crypto)
target_compile_options(api_tests PRIVATE -Wall -Wextra)
target_compile_definitions(api_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>"
  TMF_SERVE_WORK="${CMAKE_BINARY_DIR}/api_work" TMF_CONSOLE_SHOTS="${CMAKE_BINARY_DIR}/console_screenshots")
add_dependencies(api_tests tinymlops)
add_test(NAME api_tests COMMAND api_tests)
# Figures for make bench (scripts/bench_api.sh): not a test.
add_executable(api_bench ${CMAKE_CURRENT_LIST_DIR}/api_bench.cc)
target_link_libraries(api_bench PRIVATE tmf_api PkgConfig::TMF_HTTPLIB)
target_compile_options(api_bench PRIVATE -Wall -Wextra)
