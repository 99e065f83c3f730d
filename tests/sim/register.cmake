# Fleet simulator world tests (host/sim, docs/sim.md), plus `tinymlops sim-signal`.
file(GLOB TMF_SIM_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*_test.cc")
add_executable(sim_world_tests ${TMF_SIM_TEST_SOURCES} ${CMAKE_CURRENT_LIST_DIR}/../host/test_files.cc
               ${CMAKE_CURRENT_LIST_DIR}/../support/tmf_test_main_host.cc)
target_link_libraries(sim_world_tests PRIVATE tmf_test_support tmf_sim_world nlohmann_json::nlohmann_json)
target_compile_definitions(sim_world_tests PRIVATE TMF_CLI="$<TARGET_FILE:tinymlops>")
add_dependencies(sim_world_tests tinymlops)
target_compile_options(sim_world_tests PRIVATE -Wall -Wextra)
add_test(NAME sim_world_tests COMMAND sim_world_tests)
