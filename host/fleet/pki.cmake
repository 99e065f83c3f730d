# The fleet's identities and broker configuration: fleet CA, certificates, CRL (OpenSSL libcrypto),
# Mosquitto configuration and ACL generated from the protocol's topics: tmf_fleet_pki, docs/fleet.md.
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
add_library(tmf_fleet_pki STATIC
  ${CMAKE_CURRENT_LIST_DIR}/identity.cc
  ${CMAKE_CURRENT_LIST_DIR}/pki.cc
  ${CMAKE_CURRENT_LIST_DIR}/enrolment.cc
  ${CMAKE_CURRENT_LIST_DIR}/acl.cc
  ${CMAKE_CURRENT_LIST_DIR}/service_workers.cc
  ${CMAKE_CURRENT_LIST_DIR}/broker_config.cc)
target_include_directories(tmf_fleet_pki PUBLIC "${PROJECT_SOURCE_DIR}")
target_link_libraries(tmf_fleet_pki PUBLIC tmf_fleet tmf_agent_protocol OpenSSL::Crypto PRIVATE nlohmann_json::nlohmann_json)
target_compile_features(tmf_fleet_pki PUBLIC cxx_std_20)
target_compile_options(tmf_fleet_pki PRIVATE -Wall -Wextra)
