// Datasets on disk: a folder with `manifest.csv` (one header line, one row per recording, plain
// comma-separated fields, no quoting) and one raw little-endian float32 file per row: one channel,
// or with a `channels` column C > 1 (a multi-axis sensor) C values per sample time, interleaved.
// Layouts and guarantees: docs/data.md.
//
// Required columns: `file` (path relative to the folder) and `sample_rate_hz`. The label is read
// from `condition`, or from `bearing` when there is no `condition` column (run_to_failure layout).
// The sample count (per channel) is read from `num_samples` or `n_samples` when present; otherwise
// it is the file size / (4 C). Every column's raw text stays available by name.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tmf::data {

// Any failure reading or writing dataset files. The message names the file and, where known,
// the line and field: "DIR/manifest.csv:7: column 'sample_rate_hz': 'abc' is not a number".
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One recording: a row of the manifest and the float32 file it names.
struct Recording {
  std::string path;            // the .f32 file: manifest folder + "/" + file
  std::string file;            // as written in the manifest's `file` column
  std::string condition;       // label: `condition` column, else `bearing`
  double sample_rate_hz = 0;   // > 0
  uint64_t num_samples = 0;    // per channel: stated by the manifest, else file size / (4 channels)
  uint32_t channels = 1;       // `channels` column (1..kDatasetMaxChannels), else 1
  std::string where;           // "DIR/manifest.csv:LINE", for messages
  std::map<std::string, std::string> fields;  // every column's raw text, by column name

  bool has_field(const std::string& column) const { return fields.count(column) != 0; }
  // Raw text of a column. Throws DataError naming the manifest line if there is no such column.
  const std::string& field(const std::string& column) const;
  // The column parsed as a number. Throws DataError "WHERE: column 'C': 'abc' is not a number"
  // (also for an empty field).
  double number(const std::string& column) const;
  double seconds() const { return static_cast<double>(num_samples) / sample_rate_hz; }
  // Reads all samples as stored: num_samples * channels floats, interleaved (sample t of channel c
  // at t * channels + c). Throws DataError if the file is missing, unreadable or no longer
  // num_samples * channels * 4 bytes long.
  std::vector<float> load() const;
  // The samples channel-major: channel c's num_samples values at [c * num_samples, ...).
  std::vector<float> load_planar() const;
};

constexpr uint32_t kDatasetMaxChannels = 8;  // as many as DSP_FEATURES takes (format 1.3)

struct Dataset {
  std::string dir;
  std::string manifest_path;        // dir + "/manifest.csv"
  std::vector<std::string> columns; // header, in file order
  std::string condition_column;     // "condition" or "bearing"
  std::string samples_column;       // "num_samples", "n_samples" or "" (from file size)
  std::vector<Recording> recordings;  // manifest order
  // The channel count every recording shares; throws DataError naming the first that differs.
  uint32_t channels() const;
};

// Reads DIR/manifest.csv and checks every row: required fields present and numeric, the file
// exists and its size is num_samples * channels * 4 (or a whole number of frames when no count is stated),
// no file listed twice. Throws DataError on the first problem.
Dataset dataset_read(const std::string& dir);

// Helpers shared by the readers of this folder.
// Splits one line on commas (no quoting: a '"' is an error reported by the caller); trims a
// trailing '\r'.
std::vector<std::string_view> data_split_csv_line(std::string_view line);
// Parses a whole field (surrounding spaces allowed) as a finite number; false otherwise.
bool data_parse_number(std::string_view text, double* out);

}  // namespace tmf::data
