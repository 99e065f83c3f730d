// Dataset folders from device captures (see capture_dataset.h).
#include "host/loop/capture_dataset.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

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
    // The file may end early (its last segments were lost); the part used must be in it.
    const uint64_t needed = 4 * (c.offset + c.samples);
    if (bytes < needed) {
      throw LoopError(c.path + ": capture " + std::to_string(c.capture_id) + " of " + c.device + " has " +
                      std::to_string(bytes) + " bytes, expected at least " + std::to_string(needed));
    }
    const std::string name = c.device + "-" + std::to_string(c.capture_id) +
                             (c.offset ? "-" + std::to_string(c.offset) : std::string()) + ".f32";
    std::vector<char> data(c.samples * 4);
    std::ifstream in(c.path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(c.offset * 4));
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    std::ofstream out(tmp / name, std::ios::binary);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!in || !out) throw LoopError(c.path + ": cannot copy capture " + std::to_string(c.capture_id));
    manifest << name << "," << c.label << "," << c.sample_rate_hz << "," << c.samples << "," << c.device << ","
             << c.capture_id << "\n";
  }
  manifest.close();
  if (!manifest) throw LoopError((tmp / "manifest.csv").string() + ": cannot write");
  fs::rename(tmp, dir);
}

CaptureSplit capture_split_by_upload(const std::vector<CaptureFile>& parts) {
  std::set<uint32_t> ids;
  for (const CaptureFile& c : parts) ids.insert(c.capture_id);
  if (ids.size() < 2) {
    throw LoopError("the challenge needs uploads the challenger is not trained on: " + std::to_string(ids.size()) +
                    " usable capture(s) arrived, at least 2 are needed");
  }
  std::set<uint32_t> held;
  size_t index = 0;
  for (uint32_t id : ids) {
    if (++index % 3 == 0) held.insert(id);
  }
  if (held.empty()) held.insert(*ids.rbegin());
  CaptureSplit out;
  for (const CaptureFile& c : parts) (held.count(c.capture_id) ? out.holdout : out.train).push_back(c);
  return out;
}

}  // namespace tmf::loop
