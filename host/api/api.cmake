# The operator's HTTP surface (issue 17): JSON API under /api/v1, GET /metrics, bearer tokens
# (cpp-httplib from Debian, OpenSSL for TLS and SHA-256): tmf_api, docs/api.md.
pkg_check_modules(TMF_HTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib)
find_package(OpenSSL REQUIRED COMPONENTS Crypto SSL)
file(GLOB TMF_API_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*.cc")
add_library(tmf_api STATIC ${TMF_API_SOURCES})
target_include_directories(tmf_api PUBLIC "${PROJECT_SOURCE_DIR}")
# httplib stays private: its compile definitions (CPPHTTPLIB_*) must not reach every CLI source.
target_link_libraries(tmf_api PUBLIC tmf_loop tmf_serve tmf_notify tmf_registry nlohmann_json::nlohmann_json
                      PRIVATE PkgConfig::TMF_HTTPLIB OpenSSL::SSL OpenSSL::Crypto)
target_compile_features(tmf_api PUBLIC cxx_std_20)
target_compile_options(tmf_api PRIVATE -Wall -Wextra)
# The version /metrics and /api/v1/status report: CMake's project version (empty: "unversioned").
target_compile_definitions(tmf_api PRIVATE TMF_API_PROJECT_VERSION="${PROJECT_VERSION}")
