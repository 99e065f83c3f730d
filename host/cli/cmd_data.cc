// `tinymlops data import SRC... --out DIR` converts WAV/CSV/raw float32 files into a dataset
// folder (manifest.csv + .f32 files); `tinymlops data info DIR` summarises one per condition.
// Layout and guarantees: docs/data.md.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/data/csv_signal.h"
#include "host/data/dataset.h"
#include "host/data/wav.h"
#include "host/data/windows.h"

namespace tmf::cli {
namespace {

namespace fs = std::filesystem;

struct ImportArgs {
  std::vector<std::string> sources;
  std::string out;
  std::optional<double> rate;
  std::string label = "unlabeled";
  std::vector<uint32_t> channels = {0};  // WAV channels, in frame order
  std::vector<std::string> columns;       // CSV columns, in frame order (empty: the only one)
  std::vector<std::string> channel_names; // names recorded in the manifest (default: from the source)
  bool json = false;
};

struct InfoArgs {
  std::string dir;
  uint64_t window = 0;  // 0: no window counts
  uint64_t hop = 0;     // 0: same as window
  bool json = false;
};

// One source decoded and ready to be written.
struct Imported {
  std::string source;
  std::string file;  // name inside the dataset folder
  double rate = 0;
  std::vector<float> samples;  // interleaved frames of `names.size()` values
  std::vector<std::string> names;
  uint64_t frames() const { return samples.size() / names.size(); }
};

std::string format_number(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

// Manifest fields are plain text: no separators, quotes or line breaks.
void check_manifest_text(const std::string& what, const std::string& text) {
  if (text.empty() || text.find_first_of(",\"\r\n") != std::string::npos) {
    throw CliError(what + " '" + text + "' cannot be stored in manifest.csv (empty, or contains a "
                   "comma, quote or line break)", 2);
  }
}

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

Imported import_decode(const std::string& source, const ImportArgs& args) {
  Imported im;
  im.source = source;
  const std::string ext = lower_extension(source);
  const auto need_rate = [&] {
    if (!args.rate) throw CliError(source + ": give its sample rate with --rate HZ", 2);
    return *args.rate;
  };
  if (!args.columns.empty() && ext != ".csv" && ext != ".txt") {
    throw CliError(source + ": --column applies to CSV files only", 2);
  }
  if (args.channels.size() > 1 && ext != ".wav") throw CliError(source + ": several --channel apply to WAV files only", 2);
  if (ext == ".wav") {
    // One decode per channel, interleaved here: frame t holds every chosen channel at time t.
    for (size_t k = 0; k < args.channels.size(); ++k) {
      data::WavSignal wav = data::wav_read(source, args.channels[k]);
      im.rate = wav.info.sample_rate_hz;
      if (args.rate && *args.rate != im.rate) {
        throw CliError(source + ": fmt chunk: sample_rate " + format_number(im.rate) +
                       " differs from --rate " + format_number(*args.rate) + " (no resampling)", 2);
      }
      if (k == 0) im.samples.resize(wav.samples.size() * args.channels.size());
      for (size_t t = 0; t < wav.samples.size(); ++t) im.samples[t * args.channels.size() + k] = wav.samples[t];
      im.names.push_back("ch" + std::to_string(args.channels[k]));
    }
  } else if (ext == ".csv" || ext == ".txt") {
    im.rate = need_rate();
    data::CsvColumns csv = data::csv_columns_read(source, args.columns);
    im.samples = std::move(csv.frames);
    im.names = std::move(csv.columns);
  } else if (ext == ".f32" || ext == ".raw" || ext == ".bin") {
    im.rate = need_rate();
    im.names = {"0"};
    const std::vector<uint8_t> bytes = read_file(source);
    if (bytes.size() % 4 != 0) {
      throw CliError(source + ": " + std::to_string(bytes.size()) +
                     " bytes is not a whole number of float32 samples", 2);
    }
    im.samples.resize(bytes.size() / 4);
    std::memcpy(im.samples.data(), bytes.data(), bytes.size());
  } else {
    throw CliError(source + ": unknown extension '" + ext + "' (expected .wav, .csv, .txt, .f32, "
                   ".raw or .bin)", 2);
  }
  if (im.samples.empty()) throw CliError(source + ": no samples", 2);
  if (!args.channel_names.empty()) {
    if (args.channel_names.size() != im.names.size()) {
      throw CliError(source + ": " + std::to_string(im.names.size()) + " channel(s) read, but --channel-names gives " +
                     std::to_string(args.channel_names.size()) + " names", 2);
    }
    im.names = args.channel_names;
  }
  if (im.names.size() > data::kDatasetMaxChannels) {
    throw CliError(source + ": " + std::to_string(im.names.size()) + " channels, at most " +
                   std::to_string(data::kDatasetMaxChannels), 2);
  }
  for (const std::string& name : im.names) {
    if (name.empty() || name.find_first_of(",;\"\r\n") != std::string::npos) {
      throw CliError(source + ": channel name '" + name + "' cannot be stored in manifest.csv (empty, or contains a "
                     "comma, semicolon, quote or line break)", 2);
    }
  }
  im.file = fs::path(source).stem().string() + ".f32";
  check_manifest_text(source + ": file name", im.file);
  return im;
}

void run_import(const ImportArgs& args) {
  if (args.rate && !(*args.rate > 0)) throw CliError("--rate must be positive", 2);
  check_manifest_text("--label", args.label);
  const std::string manifest = args.out + "/manifest.csv";

  // Validate everything before writing anything.
  std::vector<std::string> columns = {"file", "condition", "sample_rate_hz", "num_samples",
                                      "source_file"};
  std::string condition_column = "condition", samples_column = "num_samples";
  std::set<std::string> taken;
  std::string existing_text;
  size_t existing_channels = 0;
  const bool appending = fs::exists(manifest);
  if (appending) {
    const data::Dataset ds = data::dataset_read(args.out);
    existing_channels = ds.recordings.empty() ? 0 : ds.channels();
    columns = ds.columns;
    condition_column = ds.condition_column;
    samples_column = ds.samples_column;
    for (const data::Recording& r : ds.recordings) taken.insert(r.file);
    const std::vector<uint8_t> bytes = read_file(manifest);
    existing_text.assign(bytes.begin(), bytes.end());
    if (!existing_text.empty() && existing_text.back() != '\n') existing_text += '\n';
  }
  std::vector<Imported> imported;
  for (const std::string& source : args.sources) {
    Imported im = import_decode(source, args);
    // One folder, one channel count (Dataset::channels): the first recording's, or the manifest's.
    const size_t want = !imported.empty() ? imported.front().names.size() : appending ? existing_channels : 0;
    if (want != 0 && im.names.size() != want) {
      throw CliError(source + ": " + std::to_string(im.names.size()) + " channel(s), but " +
                     (imported.empty() ? manifest : imported.front().source) + " has " + std::to_string(want) +
                     " (a dataset folder holds recordings of one channel count)", 2);
    }
    const std::string dest = args.out + "/" + im.file;
    if (!taken.insert(im.file).second) {
      throw CliError(dest + ": already listed in " + manifest +
                     " or imported twice; refusing to overwrite a recording");
    }
    if (fs::exists(dest)) throw CliError(dest + ": already exists; refusing to overwrite a recording");
    imported.push_back(std::move(im));
  }

  // Several channels: the manifest records how many and their names (`channels`, `channel_names`
  // joined by ';'); a manifest without a `channels` column cannot take them.
  const size_t channels = imported.front().names.size();
  if (channels > 1) {
    if (!appending) {
      columns.insert(columns.begin() + 4, {"channels", "channel_names"});
    } else if (std::find(columns.begin(), columns.end(), "channels") == columns.end()) {
      throw CliError(manifest + ": has no 'channels' column, so it cannot list " + std::to_string(channels) +
                     "-channel recordings; import them into a new folder", 2);
    }
  }
  std::error_code ec;
  fs::create_directories(args.out, ec);
  if (ec) throw CliError(args.out + ": cannot create: " + ec.message());
  std::string text = appending ? existing_text : "";
  if (!appending) {
    for (size_t c = 0; c < columns.size(); ++c) text += (c ? "," : "") + columns[c];
    text += '\n';
  }
  nlohmann::json report = nlohmann::json::array();
  for (const Imported& im : imported) {
    write_file_atomic(args.out + "/" + im.file, reinterpret_cast<const uint8_t*>(im.samples.data()),
                      im.samples.size() * 4);
    const std::string source_name = fs::path(im.source).filename().string();
    std::map<std::string, std::string> row = {
        {"file", im.file},
        {condition_column, args.label},
        {"sample_rate_hz", format_number(im.rate)},
        {"source_file", source_name.find_first_of(",\"\r\n") == std::string::npos ? source_name : ""},
    };
    if (!samples_column.empty()) row[samples_column] = std::to_string(im.frames());
    std::string names;
    for (const std::string& n : im.names) names += (names.empty() ? "" : ";") + n;
    row["channels"] = std::to_string(im.names.size());
    row["channel_names"] = names;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) text += ',';
      const auto it = row.find(columns[c]);
      if (it != row.end()) text += it->second;
    }
    text += '\n';
    report.push_back({{"file", im.file}, {"source", im.source}, {"condition", args.label},
                      {"sample_rate_hz", im.rate}, {"num_samples", im.frames()}, {"channels", im.names.size()},
                      {"channel_names", im.names}});
  }
  // The recordings are in place before the manifest names them.
  write_file_atomic(manifest, reinterpret_cast<const uint8_t*>(text.data()), text.size());

  if (args.json) {
    std::printf("%s\n", nlohmann::json{{"manifest", manifest}, {"appended", appending},
                                       {"imported", report}}.dump(2).c_str());
  } else {
    for (const Imported& im : imported) {
      std::string names;
      for (const std::string& n : im.names) names += (names.empty() ? "" : ", ") + n;
      std::printf("%s -> %s/%s: %llu samples at %s Hz, condition %s, %zu channel(s): %s\n", im.source.c_str(),
                  args.out.c_str(), im.file.c_str(), static_cast<unsigned long long>(im.frames()),
                  format_number(im.rate).c_str(), args.label.c_str(), im.names.size(), names.c_str());
    }
    std::printf("%s: %s %zu recording(s)\n", manifest.c_str(), appending ? "appended" : "created",
                imported.size());
  }
}

void run_info(const InfoArgs& args) {
  const data::Dataset ds = data::dataset_read(args.dir);
  const uint64_t hop = args.hop ? args.hop : args.window;
  struct Totals {
    uint64_t recordings = 0, samples = 0, windows = 0;
    double seconds = 0;
  };
  std::map<std::string, Totals> by_condition;
  Totals all;
  std::set<double> rates;
  for (const data::Recording& r : ds.recordings) {
    const uint64_t windows = args.window ? data::window_count(r.num_samples, args.window, hop) : 0;
    for (Totals* t : {&by_condition[r.condition], &all}) {
      t->recordings += 1;
      t->samples += r.num_samples;
      t->seconds += r.seconds();
      t->windows += windows;
    }
    rates.insert(r.sample_rate_hz);
  }

  if (args.json) {
    const auto totals_json = [&](const Totals& t) {
      nlohmann::json j{{"recordings", t.recordings}, {"samples", t.samples}, {"seconds", t.seconds}};
      if (args.window) j["windows"] = t.windows;
      return j;
    };
    nlohmann::json j = totals_json(all);
    j["dir"] = ds.dir;
    j["condition_column"] = ds.condition_column;
    j["sample_rates_hz"] = std::vector<double>(rates.begin(), rates.end());
    if (args.window) {
      j["window"] = args.window;
      j["hop"] = hop;
    }
    j["conditions"] = nlohmann::json::object();
    for (const auto& [c, t] : by_condition) j["conditions"][c] = totals_json(t);
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s: %llu recording(s), %llu samples, %.1f s", ds.manifest_path.c_str(),
              static_cast<unsigned long long>(all.recordings),
              static_cast<unsigned long long>(all.samples), all.seconds);
  std::printf(", sample rate(s)");
  for (double r : rates) std::printf(" %s", format_number(r).c_str());
  std::printf(" Hz\n");
  if (args.window) {
    std::printf("windows of %llu samples, hop %llu\n", static_cast<unsigned long long>(args.window),
                static_cast<unsigned long long>(hop));
  }
  std::printf("%-20s %10s %12s %10s%s\n", ds.condition_column.c_str(), "recordings", "samples",
              "seconds", args.window ? "    windows" : "");
  for (const auto& [c, t] : by_condition) {
    std::printf("%-20s %10llu %12llu %10.1f", c.c_str(), static_cast<unsigned long long>(t.recordings),
                static_cast<unsigned long long>(t.samples), t.seconds);
    if (args.window) std::printf(" %10llu", static_cast<unsigned long long>(t.windows));
    std::printf("\n");
  }
}

// Dataset errors name the file and field already; they exit 2 like other bad input.
template <typename F>
void reporting_data_errors(F&& run) {
  try {
    run();
  } catch (const data::DataError& e) {
    throw CliError(e.what(), 2);
  }
}

}  // namespace

void register_data(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "Import and summarise datasets (manifest.csv + float32 files)");
  data->require_subcommand(1);

  auto imp = std::make_shared<ImportArgs>();
  CLI::App* import_cmd = data->add_subcommand(
      "import", "Convert WAV, CSV or raw float32 files into DIR (manifest.csv + one .f32 per file)");
  import_cmd->add_option("sources", imp->sources, "Files to import: .wav, .csv/.txt, .f32/.raw/.bin")
      ->required()->check(CLI::ExistingFile);
  import_cmd->add_option("--out", imp->out, "Dataset folder; created, or its manifest appended to")->required();
  import_cmd->add_option("--rate", imp->rate, "Sample rate in Hz (required for CSV and raw; must match a WAV's)");
  import_cmd->add_option("--label", imp->label, "Condition label of every imported file")->capture_default_str();
  import_cmd->add_option("--channel", imp->channels,
                         "WAV channel(s) to take, 0-based; several (--channel 0,1) make a multi-channel recording")
      ->delimiter(',')->allow_extra_args(false)->capture_default_str();
  import_cmd->add_option("--column", imp->columns,
                         "CSV column(s): header name or 0-based index; several (--column x,y,z) make a "
                         "multi-channel recording of interleaved frames")
      ->delimiter(',')->allow_extra_args(false);
  import_cmd->add_option("--channel-names", imp->channel_names,
                         "Names of the channels, recorded in the manifest (default: the CSV header names or "
                         "indices, or ch<N> for WAV channels)")
      ->delimiter(',')->allow_extra_args(false);
  import_cmd->add_flag("--json", imp->json, "Print a JSON summary");
  import_cmd->callback([imp] { reporting_data_errors([&] { run_import(*imp); }); });

  auto info = std::make_shared<InfoArgs>();
  CLI::App* info_cmd = data->add_subcommand("info", "Summarise a dataset folder per condition");
  info_cmd->add_option("dir", info->dir, "Dataset folder holding manifest.csv")->required();
  info_cmd->add_option("--window", info->window, "Window length in samples, to count windows")
      ->check(CLI::PositiveNumber);
  info_cmd->add_option("--hop", info->hop, "Hop between windows in samples (default: the window length)")
      ->check(CLI::PositiveNumber);
  info_cmd->add_flag("--json", info->json, "Print JSON");
  info_cmd->callback([info] {
    if (info->hop && !info->window) throw CliError("--hop needs --window", 2);
    reporting_data_errors([&] { run_info(*info); });
  });
}

}  // namespace tmf::cli
