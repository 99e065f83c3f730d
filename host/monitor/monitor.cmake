# Drift detection on the host (issue 6 item 3, docs/drift.md): PSI / Jensen-Shannon between feature
# sketches and the training reference, Page-Hinkley and CUSUM on score streams, alerts.
file(GLOB TMF_MONITOR_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*.cc")
add_library(tmf_monitor STATIC ${TMF_MONITOR_SOURCES})
target_include_directories(tmf_monitor PUBLIC "${PROJECT_SOURCE_DIR}")
target_link_libraries(tmf_monitor PUBLIC tmf_detect)
target_compile_features(tmf_monitor PUBLIC cxx_std_20)
target_compile_options(tmf_monitor PRIVATE -Wall -Wextra)
