# Drift detection on the host (issue 6 item 3, docs/drift.md): PSI / Jensen-Shannon between feature
# sketches and the training reference, Page-Hinkley and CUSUM on score streams, alerts.
file(GLOB TMF_MONITOR_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*.cc")
# tinymlops serve (docs/serve.md): telemetry store, MQTT ingest, fleet drift, alerts, the serve
# loop. A library of its own so tmf_monitor stays free of SQLite and MQTT.
set(TMF_SERVE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/sketch_blob.cc
  ${CMAKE_CURRENT_LIST_DIR}/telemetry_store.cc
  ${CMAKE_CURRENT_LIST_DIR}/alerts.cc
  ${CMAKE_CURRENT_LIST_DIR}/ingest.cc
  ${CMAKE_CURRENT_LIST_DIR}/fleet_drift.cc
  ${CMAKE_CURRENT_LIST_DIR}/serve_loop.cc
  ${CMAKE_CURRENT_LIST_DIR}/retention.cc
  ${CMAKE_CURRENT_LIST_DIR}/leader_lease.cc)
list(REMOVE_ITEM TMF_MONITOR_SOURCES ${TMF_SERVE_SOURCES})
add_library(tmf_monitor STATIC ${TMF_MONITOR_SOURCES})
target_include_directories(tmf_monitor PUBLIC "${PROJECT_SOURCE_DIR}")
target_link_libraries(tmf_monitor PUBLIC tmf_detect)
target_compile_features(tmf_monitor PUBLIC cxx_std_20)
target_compile_options(tmf_monitor PRIVATE -Wall -Wextra)
if(NOT TMF_FUZZ)
  add_library(tmf_serve STATIC ${TMF_SERVE_SOURCES})
  target_link_libraries(tmf_serve PUBLIC tmf_monitor tmf_deploy tmf_registry tmf_agent_protocol
                        PRIVATE nlohmann_json::nlohmann_json)
  target_compile_options(tmf_serve PRIVATE -Wall -Wextra)
endif()
