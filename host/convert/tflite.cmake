# The TFLite schema subset (tflite_schema.fbs) compiled by flatc into
# <build>/generated/host/convert/tflite_schema_generated.h. Consumers link the INTERFACE target
# tmf_tflite_schema, which carries the include dir, the flatbuffers headers and the build order.
find_package(FlatBuffers CONFIG REQUIRED)  # Debian: libflatbuffers-dev, flatbuffers-compiler
if(TARGET flatbuffers::flatc)
  set(TMF_FLATC flatbuffers::flatc)
else()
  find_program(TMF_FLATC flatc REQUIRED)
endif()

set(TMF_TFLITE_SCHEMA "${CMAKE_CURRENT_LIST_DIR}/tflite_schema.fbs")
set(TMF_TFLITE_GENERATED_DIR "${CMAKE_BINARY_DIR}/generated")
set(TMF_TFLITE_HEADER "${TMF_TFLITE_GENERATED_DIR}/host/convert/tflite_schema_generated.h")

add_custom_command(
  OUTPUT "${TMF_TFLITE_HEADER}"
  COMMAND ${TMF_FLATC} --cpp -o "${TMF_TFLITE_GENERATED_DIR}/host/convert" "${TMF_TFLITE_SCHEMA}"
  DEPENDS "${TMF_TFLITE_SCHEMA}"
  COMMENT "flatc: generating tflite_schema_generated.h"
  VERBATIM)
add_custom_target(tmf_tflite_schema_generate DEPENDS "${TMF_TFLITE_HEADER}")

add_library(tmf_tflite_schema INTERFACE)
target_include_directories(tmf_tflite_schema INTERFACE "${TMF_TFLITE_GENERATED_DIR}")
target_link_libraries(tmf_tflite_schema INTERFACE flatbuffers::flatbuffers)
add_dependencies(tmf_tflite_schema tmf_tflite_schema_generate)
