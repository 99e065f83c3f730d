# The ML pipeline (issue 4, docs/pipeline.md): post-training quantization (host/quantize),
# windows and splits, feature extraction through device/dsp, detectors, training and evaluation
# of whole-pipeline model files, and HTML reports (host/report).
file(GLOB TMF_PIPELINE_SOURCES CONFIGURE_DEPENDS
     "${CMAKE_CURRENT_LIST_DIR}/*.cc"
     "${PROJECT_SOURCE_DIR}/host/quantize/*.cc"
     "${PROJECT_SOURCE_DIR}/host/report/*.cc")
add_library(tmf_pipeline STATIC ${TMF_PIPELINE_SOURCES})
target_link_libraries(tmf_pipeline PUBLIC tmf_convert tmf_train tmf_select tmf_detect tmf_dsp PRIVATE nlohmann_json::nlohmann_json)
target_compile_features(tmf_pipeline PUBLIC cxx_std_20)
target_compile_options(tmf_pipeline PRIVATE -Wall -Wextra)
