# The fleet simulator (issue 6 item 9, docs/sim.md): virtual devices running the real device
# code (agent, device app) on the POSIX port, the scenario clock, the simulated operator, and the
# judge that checks whether the loop closed.
file(GLOB TMF_SIMULATOR_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*.cc")
add_library(tmf_simulator STATIC ${TMF_SIMULATOR_SOURCES})
target_link_libraries(tmf_simulator PUBLIC tmf_sim_world tmf_app tmf_port_posix tmf_loop tmf_serve tmf_fleet_pki
                      PRIVATE nlohmann_json::nlohmann_json)
target_compile_features(tmf_simulator PUBLIC cxx_std_20)
target_compile_options(tmf_simulator PRIVATE -Wall -Wextra)
