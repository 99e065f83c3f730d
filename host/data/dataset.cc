// Reading a dataset folder: manifest.csv plus raw little-endian float32 files (see dataset.h).
#include "host/data/dataset.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

namespace tmf::data {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the float32 files are little-endian; a big-endian host needs byte swapping");

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError(path + ": read error");
  return text;
}

bool parse_count(std::string_view text, uint64_t* out) {
  text = trim(text);
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// The file's size in bytes; throws naming the manifest line when it is missing.
uint64_t recording_file_bytes(const Recording& r) {
  std::error_code ec;
  const auto status = std::filesystem::status(r.path, ec);
  if (ec || !std::filesystem::exists(status)) {
    throw DataError(r.where + ": file '" + r.file + "' is missing (" + r.path + ")");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw DataError(r.where + ": file '" + r.file + "' is not a regular file (" + r.path + ")");
  }
  const uint64_t bytes = std::filesystem::file_size(r.path, ec);
  if (ec) throw DataError(r.path + ": cannot read its size: " + ec.message());
  return bytes;
}

}  // namespace

std::vector<std::string_view> data_split_csv_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
}

bool data_parse_number(std::string_view text, double* out) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return false;
  *out = value;
  return true;
}

const std::string& Recording::field(const std::string& column) const {
  const auto it = fields.find(column);
  if (it == fields.end()) throw DataError(where + ": no column '" + column + "'");
  return it->second;
}

double Recording::number(const std::string& column) const {
  const std::string& text = field(column);
  double value = 0;
  if (!data_parse_number(text, &value)) {
    throw DataError(where + ": column '" + column + "': '" + text + "' is not a number");
  }
  return value;
}

std::vector<float> Recording::load() const {
  const uint64_t bytes = recording_file_bytes(*this);
  const uint64_t values = num_samples * channels;
  if (bytes != values * 4) {
    throw DataError(path + ": " + std::to_string(bytes) + " bytes, but " + where + " says " +
                    std::to_string(num_samples) + " float32 samples" +
                    (channels > 1 ? " of " + std::to_string(channels) + " channels" : std::string()) +
                    " (" + std::to_string(values * 4) + " bytes)");
  }
  std::vector<float> samples(values);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open: " + std::strerror(errno));
  in.read(reinterpret_cast<char*>(samples.data()), static_cast<std::streamsize>(bytes));
  if (static_cast<uint64_t>(in.gcount()) != bytes) {
    throw DataError(path + ": read " + std::to_string(in.gcount()) + " of " +
                    std::to_string(bytes) + " bytes");
  }
  return samples;
}

std::vector<float> Recording::load_planar() const {
  std::vector<float> interleaved = load();
  if (channels == 1) return interleaved;
  std::vector<float> planar(interleaved.size());
  for (uint64_t t = 0; t < num_samples; ++t) {
    for (uint32_t c = 0; c < channels; ++c) planar[c * num_samples + t] = interleaved[t * channels + c];
  }
  return planar;
}

uint32_t Dataset::channels() const {
  if (recordings.empty()) return 1;
  for (const Recording& r : recordings) {
    if (r.channels != recordings.front().channels) {
      throw DataError(r.where + ": " + std::to_string(r.channels) + " channel(s), but " +
                      recordings.front().where + " has " + std::to_string(recordings.front().channels) +
                      " (a dataset's recordings must share one channel count)");
    }
  }
  return recordings.front().channels;
}

Dataset dataset_read(const std::string& dir) {
  Dataset ds;
  ds.dir = dir;
  ds.manifest_path = dir + "/manifest.csv";
  const std::string text = read_text(ds.manifest_path);

  std::vector<std::string_view> lines;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(std::string_view(text).substr(start, nl - start));
    start = nl + 1;
  }
  if (lines.empty() || trim(lines[0]).empty()) {
    throw DataError(ds.manifest_path + ":1: missing header line");
  }
  if (text.find('"') != std::string::npos) {
    const size_t line = 1 + std::count(text.begin(), text.begin() + text.find('"'), '\n');
    throw DataError(ds.manifest_path + ":" + std::to_string(line) +
                    ": quoted fields are not supported (plain comma-separated fields only)");
  }

  std::set<std::string> seen_columns;
  for (std::string_view c : data_split_csv_line(lines[0])) {
    const std::string name(trim(c));
    if (name.empty()) throw DataError(ds.manifest_path + ":1: empty column name");
    if (!seen_columns.insert(name).second) {
      throw DataError(ds.manifest_path + ":1: column '" + name + "' appears twice");
    }
    ds.columns.push_back(name);
  }
  const auto has = [&](const char* c) { return seen_columns.count(c) != 0; };
  for (const char* required : {"file", "sample_rate_hz"}) {
    if (!has(required)) {
      throw DataError(ds.manifest_path + ":1: missing column '" + std::string(required) + "'");
    }
  }
  if (has("condition")) {
    ds.condition_column = "condition";
  } else if (has("bearing")) {
    ds.condition_column = "bearing";
  } else {
    throw DataError(ds.manifest_path + ":1: missing column 'condition' (or 'bearing')");
  }
  ds.samples_column = has("num_samples") ? "num_samples" : has("n_samples") ? "n_samples" : "";

  std::set<std::string> seen_files;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) continue;  // blank lines (e.g. a trailing newline)
    Recording r;
    r.where = ds.manifest_path + ":" + std::to_string(i + 1);
    const std::vector<std::string_view> values = data_split_csv_line(lines[i]);
    if (values.size() != ds.columns.size()) {
      throw DataError(r.where + ": " + std::to_string(values.size()) + " fields, the header has " +
                      std::to_string(ds.columns.size()));
    }
    for (size_t c = 0; c < values.size(); ++c) r.fields[ds.columns[c]] = std::string(values[c]);

    r.file = std::string(trim(r.fields["file"]));
    if (r.file.empty()) throw DataError(r.where + ": column 'file' is empty");
    if (!seen_files.insert(r.file).second) {
      throw DataError(r.where + ": file '" + r.file + "' is listed twice");
    }
    r.path = dir + "/" + r.file;
    r.condition = std::string(trim(r.fields[ds.condition_column]));
    if (r.condition.empty()) {
      throw DataError(r.where + ": column '" + ds.condition_column + "' is empty");
    }
    r.sample_rate_hz = r.number("sample_rate_hz");
    if (!(r.sample_rate_hz > 0)) {
      throw DataError(r.where + ": column 'sample_rate_hz': '" + r.fields["sample_rate_hz"] +
                      "' is not a positive rate");
    }

    if (has("channels")) {
      uint64_t channels = 0;
      if (!parse_count(r.fields["channels"], &channels) || channels < 1 || channels > kDatasetMaxChannels) {
        throw DataError(r.where + ": column 'channels': '" + r.fields["channels"] + "' is not a whole number in 1.." +
                        std::to_string(kDatasetMaxChannels));
      }
      r.channels = static_cast<uint32_t>(channels);
    }
    // `channel_names` (written by `data import`): one name per channel, joined by ';'.
    if (has("channel_names") && !r.fields["channel_names"].empty()) {
      const std::string& names = r.fields["channel_names"];
      const size_t count = static_cast<size_t>(std::count(names.begin(), names.end(), ';')) + 1;
      if (count != r.channels) {
        throw DataError(r.where + ": column 'channel_names': '" + names + "' names " + std::to_string(count) +
                        " channel(s), the recording has " + std::to_string(r.channels));
      }
    }
    const uint64_t bytes = recording_file_bytes(r);
    const uint64_t frame_bytes = 4ull * r.channels;
    if (!ds.samples_column.empty()) {
      const std::string& stated = r.fields[ds.samples_column];
      if (!parse_count(stated, &r.num_samples)) {
        throw DataError(r.where + ": column '" + ds.samples_column + "': '" + stated +
                        "' is not a whole number");
      }
      if (r.num_samples > bytes / frame_bytes || bytes != r.num_samples * frame_bytes) {
        throw DataError(r.path + ": " + std::to_string(bytes) + " bytes, but " + r.where +
                        " column '" + ds.samples_column + "' says " + std::to_string(r.num_samples) +
                        " float32 samples" +
                        (r.channels > 1 ? " of " + std::to_string(r.channels) + " channels" : std::string()) +
                        " (" + std::to_string(r.num_samples * frame_bytes) + " bytes)");
      }
    } else {
      if (bytes % frame_bytes != 0) {
        throw DataError(r.path + ": " + std::to_string(bytes) + " bytes is not a whole number of " +
                        (r.channels > 1 ? std::to_string(r.channels) + "-channel frames" : std::string("float32 samples")) +
                        " (" + r.where + ")");
      }
      r.num_samples = bytes / frame_bytes;
    }
    ds.recordings.push_back(std::move(r));
  }
  return ds;
}

}  // namespace tmf::data
