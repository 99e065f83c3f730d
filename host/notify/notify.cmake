# Alert notifications of `tinymlops serve --notify-webhook` (docs/serve.md "Notifications"):
# tmf_notify, an HTTP client (cpp-httplib, OpenSSL) on a thread of its own.
if(NOT TARGET PkgConfig::TMF_HTTPLIB)
  pkg_check_modules(TMF_HTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib)  # GLOBAL: tests link it too
endif()
add_library(tmf_notify STATIC ${CMAKE_CURRENT_LIST_DIR}/webhook_url.cc ${CMAKE_CURRENT_LIST_DIR}/notify_store.cc
            ${CMAKE_CURRENT_LIST_DIR}/alert_notifier.cc)
target_link_libraries(tmf_notify PUBLIC tmf_serve tmf_registry tmf_version nlohmann_json::nlohmann_json
                      PRIVATE PkgConfig::TMF_HTTPLIB PkgConfig::TMF_SODIUM)
target_compile_options(tmf_notify PRIVATE -Wall -Wextra)
