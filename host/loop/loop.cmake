# The automation loop (issue 6, docs/loop.md): datasets from device captures, retraining with
# champion/challenger evaluation and lineage, and the policy `serve` runs.
file(GLOB TMF_LOOP_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*.cc")
add_library(tmf_loop STATIC ${TMF_LOOP_SOURCES})
target_link_libraries(tmf_loop PUBLIC tmf_pipeline tmf_serve tmf_deploy tmf_registry PRIVATE nlohmann_json::nlohmann_json)
target_compile_features(tmf_loop PUBLIC cxx_std_20)
target_compile_options(tmf_loop PRIVATE -Wall -Wextra)
