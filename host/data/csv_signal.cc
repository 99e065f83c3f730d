// Reading one numeric column of a CSV file as a signal (see csv_signal.h).
#include "host/data/csv_signal.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include "host/data/dataset.h"

namespace tmf::data {
namespace {

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

std::string trimmed(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

bool parse_index(const std::string& text, size_t* out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

CsvColumns csv_columns_read(const std::string& path, const std::vector<std::string>& columns) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open: " + std::strerror(errno));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError(path + ": read error");

  CsvColumns out;
  size_t width = 0;             // fields per row, fixed by the first non-blank line
  std::vector<size_t> indices;  // the columns read, in the order asked
  bool first = true;
  size_t line_number = 0;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    const std::string_view line = std::string_view(text).substr(start, nl - start);
    start = nl + 1;
    ++line_number;
    if (is_blank(line)) continue;
    const std::string where = path + ":" + std::to_string(line_number);
    if (line.find('"') != std::string_view::npos) {
      throw DataError(where + ": quoted fields are not supported");
    }
    const std::vector<std::string_view> fields = data_split_csv_line(line);

    if (first) {
      first = false;
      width = fields.size();
      bool header = false;
      double ignored = 0;
      for (std::string_view f : fields) header = header || !data_parse_number(f, &ignored);
      if (header) {
        for (std::string_view f : fields) out.header.push_back(trimmed(f));
      }
      // Resolve each column: a header name first, then a 0-based index.
      if (columns.empty()) {
        if (width != 1) {
          throw DataError(where + ": " + std::to_string(width) +
                          " columns; choose one by header name or 0-based index");
        }
        indices.push_back(0);
      }
      for (const std::string& column : columns) {
        size_t index = 0;
        bool found = false;
        for (size_t c = 0; c < out.header.size() && !found; ++c) {
          if (out.header[c] == column) {
            index = c;
            found = true;
          }
        }
        if (!found && parse_index(column, &index)) {
          if (index >= width) {
            throw DataError(where + ": column index " + column + " is out of range (" +
                            std::to_string(width) + " columns)");
          }
          found = true;
        }
        if (!found) throw DataError(where + ": no column named '" + column + "' in the header");
        for (size_t taken : indices) {
          if (taken == index) throw DataError(where + ": column '" + column + "' is asked for twice");
        }
        indices.push_back(index);
      }
      for (size_t index : indices) out.columns.push_back(out.header.empty() ? std::to_string(index) : out.header[index]);
      if (header) continue;
    }

    if (fields.size() != width) {
      throw DataError(where + ": " + std::to_string(fields.size()) + " fields, expected " +
                      std::to_string(width));
    }
    for (size_t k = 0; k < indices.size(); ++k) {
      double value = 0;
      if (!data_parse_number(fields[indices[k]], &value) || !std::isfinite(static_cast<float>(value))) {
        throw DataError(where + ": column '" + out.columns[k] + "': '" + trimmed(fields[indices[k]]) +
                        "' is not a finite float32 number");
      }
      out.frames.push_back(static_cast<float>(value));
    }
  }
  if (first) throw DataError(path + ": no data (empty file)");
  return out;
}

CsvSignal csv_signal_read(const std::string& path, const std::string& column) {
  CsvColumns c = csv_columns_read(path, column.empty() ? std::vector<std::string>{} : std::vector<std::string>{column});
  return CsvSignal{std::move(c.header), c.columns.front(), std::move(c.frames)};
}

}  // namespace tmf::data
