// libFuzzer target over the .tflite importer and the converter: any bytes must end in a Graph
// and a validated TMF file, or a ConvertError; never a crash, sanitizer report or hang.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    tmf::host::Graph graph = tmf::host::tflite_read(std::vector<uint8_t>(data, data + size), "fuzz.tflite");
    tmf::host::convert_graph(std::move(graph), tmf::host::ConvertOptions{});
  } catch (const tmf::host::ConvertError&) {
  }
  return 0;
}
