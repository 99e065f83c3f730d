// Dataset folders from device captures (see capture_dataset.h).
#include "host/loop/capture_dataset.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <vector>

#include "host/loop/loop_error.h"
#include "host/monitor/telemetry_store.h"

namespace tmf::loop {

namespace fs = std::filesystem;

CaptureSamples capture_samples_from_store(registry::Database& db) {
  return [&db](uint32_t capture_id) { return monitor::TelemetryStore(db).capture_data(capture_id); };
}

void write_capture_dataset(const std::vector<CapturePart>& parts, const std::string& dir,
                           const CaptureSamples& samples) {
  if (parts.empty()) throw LoopError(dir + ": no captures to build a dataset from");
  if (fs::exists(dir)) throw LoopError(dir + ": dataset folder exists already");
  const fs::path tmp = dir + ".tmp";
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  std::ofstream manifest(tmp / "manifest.csv");
  manifest << "file,condition,sample_rate_hz,num_samples,device,capture_id\n";
  std::map<uint32_t, std::string> read;  // capture id -> its samples, read once
  for (const CapturePart& c : parts) {
    const std::string what = "capture " + std::to_string(c.capture_id) + " of " + c.device;
    auto it = read.find(c.capture_id);
    if (it == read.end()) {
      try {
        it = read.emplace(c.capture_id, samples(c.capture_id)).first;
      } catch (const std::exception& e) {
        fs::remove_all(tmp);
        throw LoopError(what + ": cannot read its samples: " + e.what());
      }
    }
    const std::string& bytes = it->second;
    // The samples may end early (the last segments were lost); the part used must be in them.
    const uint64_t needed = 4 * (c.offset + c.samples);
    if (bytes.size() < needed) {
      fs::remove_all(tmp);
      throw LoopError(what + " has " + std::to_string(bytes.size()) + " bytes, expected at least " +
                      std::to_string(needed));
    }
    const std::string name = c.device + "-" + std::to_string(c.capture_id) +
                             (c.offset ? "-" + std::to_string(c.offset) : std::string()) + ".f32";
    std::ofstream out(tmp / name, std::ios::binary);
    out.write(bytes.data() + c.offset * 4, static_cast<std::streamsize>(c.samples * 4));
    if (!out) throw LoopError((tmp / name).string() + ": cannot write " + what);
    manifest << name << "," << c.label << "," << c.sample_rate_hz << "," << c.samples << "," << c.device << ","
             << c.capture_id << "\n";
  }
  manifest.close();
  if (!manifest) throw LoopError((tmp / "manifest.csv").string() + ": cannot write");
  fs::rename(tmp, dir);
}

CaptureSplit capture_split_by_upload(const std::vector<CapturePart>& parts) {
  std::set<uint32_t> ids;
  for (const CapturePart& c : parts) ids.insert(c.capture_id);
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
  for (const CapturePart& c : parts) (held.count(c.capture_id) ? out.holdout : out.train).push_back(c);
  return out;
}

}  // namespace tmf::loop
