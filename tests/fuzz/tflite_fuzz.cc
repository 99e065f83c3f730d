// libFuzzer target over the .tflite importer and the converter: any bytes must end in a Graph
// and a validated TMF file, or a ConvertError; never a crash, sanitizer report or hang. A float32
// model goes the way `convert --calibrate` takes it: post-training quantization on two
// calibration inputs (fixed values, so a crash reproduces from the file alone), conversion, and
// the float-vs-int8 comparison that runs the converted file through the device runtime.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "host/quantize/float_graph.h"

namespace {

// Larger graph inputs are skipped for the float path: the fuzzer looks for bugs, not big tensors.
constexpr int64_t kMaxCalibrationElements = 1 << 16;

std::vector<std::vector<float>> calibration_for(const tmf::host::Graph& graph) {
  const int64_t n = graph.tensors[static_cast<size_t>(graph.inputs[0])].element_count();
  std::vector<std::vector<float>> sets(2, std::vector<float>(static_cast<size_t>(n)));
  uint32_t s = 12345;
  for (std::vector<float>& set : sets) {
    for (float& v : set) {
      s = s * 1664525u + 1013904223u;
      v = static_cast<float>(static_cast<int32_t>(s >> 8) % 4001 - 2000) / 1000.0f;  // [-2, 2]
    }
  }
  return sets;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    tmf::host::Graph graph = tmf::host::tflite_read(std::vector<uint8_t>(data, data + size), "fuzz.tflite");
    if (!tmf::quantize::float_graph_needs_calibration(graph)) {
      tmf::host::convert_graph(std::move(graph), tmf::host::ConvertOptions{});
      return 0;
    }
    const int64_t n = graph.tensors[static_cast<size_t>(graph.inputs[0])].element_count();
    if (n < 1 || n > kMaxCalibrationElements) return 0;
    const std::vector<std::vector<float>> calibration = calibration_for(graph);
    tmf::host::Graph quantized = tmf::quantize::float_graph_quantize(graph, calibration);
    const std::vector<uint8_t> file = tmf::host::convert_graph(std::move(quantized), tmf::host::ConvertOptions{}).file;
    tmf::quantize::float_graph_quantization_error(graph, file, calibration);
  } catch (const tmf::host::ConvertError&) {
  }
  return 0;
}
