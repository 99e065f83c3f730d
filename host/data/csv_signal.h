// One signal from a text CSV file: numbers, one row per sample, comma-separated columns, with an
// optional header line (taken as a header when any of its fields is not a number). Blank lines
// are skipped; quoted fields are not supported.
#pragma once

#include <string>
#include <vector>

namespace tmf::data {

struct CsvSignal {
  std::vector<std::string> header;  // empty when the file has no header line
  std::string column;               // the column read: its header name, else its 0-based index
  std::vector<float> samples;
};

// Reads one column. `column` is a header name or a 0-based column index; empty means "the only
// column" (an error for a file with several). Throws DataError naming the file, line and column:
// "x.csv:12: column 'vib': 'n/a' is not a number".
CsvSignal csv_signal_read(const std::string& path, const std::string& column = "");

// Several columns at once, as the frames of a multi-axis recording (issue 16 item 5).
struct CsvColumns {
  std::vector<std::string> header;   // empty when the file has no header line
  std::vector<std::string> columns;  // the columns read, in the order asked: header name, else index
  std::vector<float> frames;         // interleaved: row r's value of column k at r * columns.size() + k
};
// `columns`: header names or 0-based indices, in the order the frames take them (empty: the only
// column). Errors as csv_signal_read, and a column asked for twice.
CsvColumns csv_columns_read(const std::string& path, const std::vector<std::string>& columns);

}  // namespace tmf::data
