// Dataset folders from device captures (see capture_dataset.h).
#include "host/loop/capture_dataset.h"

#include <filesystem>
#include <fstream>

#include "host/loop/loop_error.h"

namespace tmf::loop {

namespace fs = std::filesystem;

void write_capture_dataset(const std::vector<CaptureFile>& captures, const std::string& dir) {
  if (captures.empty()) throw LoopError(dir + ": no captures to build a dataset from");
  if (fs::exists(dir)) throw LoopError(dir + ": dataset folder exists already");
  const fs::path tmp = dir + ".tmp";
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  std::ofstream manifest(tmp / "manifest.csv");
  manifest << "file,condition,sample_rate_hz,num_samples,device,capture_id\n";
  for (const CaptureFile& c : captures) {
    std::error_code ec;
    const uintmax_t bytes = fs::file_size(c.path, ec);
    if (ec) throw LoopError(c.path + ": capture " + std::to_string(c.capture_id) + " of " + c.device + " is missing");
    if (bytes != c.samples * 4) {
      throw LoopError(c.path + ": capture " + std::to_string(c.capture_id) + " of " + c.device + " has " +
                      std::to_string(bytes) + " bytes, expected " + std::to_string(c.samples * 4));
    }
    const std::string name = c.device + "-" + std::to_string(c.capture_id) + ".f32";
    fs::copy_file(c.path, tmp / name, fs::copy_options::overwrite_existing);
    manifest << name << "," << c.label << "," << c.sample_rate_hz << "," << c.samples << "," << c.device << ","
             << c.capture_id << "\n";
  }
  manifest.close();
  if (!manifest) throw LoopError((tmp / "manifest.csv").string() + ": cannot write");
  fs::rename(tmp, dir);
}

}  // namespace tmf::loop
