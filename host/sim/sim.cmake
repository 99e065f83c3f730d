# The world virtual devices sense (issue 6 item 9, docs/sim.md): synthetic rotary machines,
# replayed recordings, scenario files and their timelines and ground truth.
file(GLOB TMF_SIM_WORLD_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*.cc")
add_library(tmf_sim_world STATIC ${TMF_SIM_WORLD_SOURCES})
target_include_directories(tmf_sim_world PUBLIC "${PROJECT_SOURCE_DIR}")
target_link_libraries(tmf_sim_world PUBLIC tmf_convert PRIVATE nlohmann_json::nlohmann_json)
target_compile_features(tmf_sim_world PUBLIC cxx_std_20)
target_compile_options(tmf_sim_world PRIVATE -Wall -Wextra)
