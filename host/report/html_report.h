// Self-contained HTML reports with inline SVG charts (no scripts, no external files): line
// charts (ROC curves, scores over time) and histograms. Used by eval, backtest and select.
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace tmf::report {

struct Series {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
};

struct Axis {
  std::string label;
  bool fixed = false;  // use [min, max] as given instead of the data's range
  double min = 0.0;
  double max = 1.0;
};

// An SVG line chart of several series; `reference` draws the x = y diagonal (ROC charts);
// `hline` (if finite) draws a dashed horizontal line, e.g. a threshold.
std::string svg_line_chart(const std::string& title, const std::vector<Series>& series,
                           const Axis& x_axis, const Axis& y_axis, bool reference = false,
                           double hline = std::numeric_limits<double>::quiet_NaN());

// An SVG histogram of several value sets over shared bins (`bins` equal-width bins over the
// pooled range); `vline` (if finite) marks a value such as the decision threshold.
std::string svg_histogram(const std::string& title, const std::vector<Series>& sets, int bins,
                          const std::string& x_label, double vline);

// An HTML table: first row is the header.
std::string html_table(const std::vector<std::vector<std::string>>& rows);

// Escapes &, <, >, " for HTML text and attributes.
std::string html_escape(const std::string& text);

// A whole page: <h1>title</h1> then the body fragments in order.
std::string html_page(const std::string& title, const std::vector<std::string>& body);

}  // namespace tmf::report
