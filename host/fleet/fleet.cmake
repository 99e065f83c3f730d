# The device link (host/fleet): broker settings, MQTT session (plain or mutual TLS), topics,
# typed device events and records: tmf_fleet, docs/fleet.md.
add_library(tmf_fleet STATIC
  ${CMAKE_CURRENT_LIST_DIR}/broker_settings.cc
  ${CMAKE_CURRENT_LIST_DIR}/mqtt_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/topic.cc
  ${CMAKE_CURRENT_LIST_DIR}/event.cc
  ${CMAKE_CURRENT_LIST_DIR}/link.cc
  ${CMAKE_CURRENT_LIST_DIR}/device_fault.cc)
target_link_libraries(tmf_fleet PUBLIC tmf_registry tmf_agent_protocol PkgConfig::TMF_MOSQUITTO nlohmann_json::nlohmann_json)
target_compile_features(tmf_fleet PUBLIC cxx_std_20)
target_compile_options(tmf_fleet PRIVATE -Wall -Wextra)
