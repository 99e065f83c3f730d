// Inline-SVG charts and HTML assembly for the reports (see html_report.h).
#include "host/report/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tmf::report {
namespace {

constexpr int kWidth = 560, kHeight = 360;
constexpr int kLeft = 64, kRight = 16, kTop = 32, kBottom = 48;
const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

struct Range {
  double min, max;
};

Range data_range(const std::vector<Series>& series, bool use_x, const Axis& axis) {
  if (axis.fixed) return {axis.min, axis.max};
  double lo = INFINITY, hi = -INFINITY;
  for (const Series& s : series) {
    for (double v : use_x ? s.x : s.y) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-12) hi = lo + 1;
  return {lo, hi};
}

// Frame, title, axis labels and five ticks per axis.
std::string frame(const std::string& title, const Axis& x_axis, Range xr, const Axis& y_axis, Range yr) {
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(kWidth) +
                  "\" height=\"" + std::to_string(kHeight) + "\" font-family=\"sans-serif\" font-size=\"11\">";
  s += "<rect x=\"" + std::to_string(kLeft) + "\" y=\"" + std::to_string(kTop) + "\" width=\"" +
       std::to_string(kWidth - kLeft - kRight) + "\" height=\"" + std::to_string(kHeight - kTop - kBottom) +
       "\" fill=\"none\" stroke=\"#444\"/>";
  s += "<text x=\"" + std::to_string(kWidth / 2) + "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">" +
       html_escape(title) + "</text>";
  s += "<text x=\"" + std::to_string(kWidth / 2) + "\" y=\"" + std::to_string(kHeight - 8) +
       "\" text-anchor=\"middle\">" + html_escape(x_axis.label) + "</text>";
  s += "<text x=\"14\" y=\"" + std::to_string(kHeight / 2) + "\" text-anchor=\"middle\" transform=\"rotate(-90 14 " +
       std::to_string(kHeight / 2) + ")\">" + html_escape(y_axis.label) + "</text>";
  for (int i = 0; i <= 4; ++i) {
    const double fx = kLeft + (kWidth - kLeft - kRight) * i / 4.0;
    const double fy = kHeight - kBottom - (kHeight - kTop - kBottom) * i / 4.0;
    s += "<text x=\"" + number(fx) + "\" y=\"" + std::to_string(kHeight - kBottom + 14) +
         "\" text-anchor=\"middle\">" + number(xr.min + (xr.max - xr.min) * i / 4.0) + "</text>";
    s += "<text x=\"" + std::to_string(kLeft - 4) + "\" y=\"" + number(fy + 4) + "\" text-anchor=\"end\">" +
         number(yr.min + (yr.max - yr.min) * i / 4.0) + "</text>";
  }
  return s;
}

double px(double v, Range r) { return kLeft + (v - r.min) / (r.max - r.min) * (kWidth - kLeft - kRight); }
double py(double v, Range r) {
  return kHeight - kBottom - (v - r.min) / (r.max - r.min) * (kHeight - kTop - kBottom);
}

std::string legend(const std::vector<Series>& series) {
  std::string s;
  for (size_t i = 0; i < series.size() && i < 10; ++i) {
    const int y = kTop + 14 + 14 * static_cast<int>(i);
    s += "<rect x=\"" + std::to_string(kWidth - kRight - 150) + "\" y=\"" + std::to_string(y - 9) +
         "\" width=\"10\" height=\"10\" fill=\"" + kColors[i % 10] + "\"/>";
    s += "<text x=\"" + std::to_string(kWidth - kRight - 136) + "\" y=\"" + std::to_string(y) + "\">" +
         html_escape(series[i].name) + "</text>";
  }
  return s;
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_line_chart(const std::string& title, const std::vector<Series>& series,
                           const Axis& x_axis, const Axis& y_axis, bool reference, double hline) {
  const Range xr = data_range(series, true, x_axis), yr = data_range(series, false, y_axis);
  std::string s = frame(title, x_axis, xr, y_axis, yr);
  if (reference) {
    s += "<line x1=\"" + number(px(xr.min, xr)) + "\" y1=\"" + number(py(yr.min, yr)) + "\" x2=\"" +
         number(px(xr.max, xr)) + "\" y2=\"" + number(py(yr.max, yr)) + "\" stroke=\"#bbb\" stroke-dasharray=\"4 4\"/>";
  }
  if (std::isfinite(hline) && hline >= yr.min && hline <= yr.max) {
    s += "<line x1=\"" + std::to_string(kLeft) + "\" y1=\"" + number(py(hline, yr)) + "\" x2=\"" +
         std::to_string(kWidth - kRight) + "\" y2=\"" + number(py(hline, yr)) +
         "\" stroke=\"#d62728\" stroke-dasharray=\"6 3\"/>";
  }
  for (size_t i = 0; i < series.size(); ++i) {
    std::string points;
    for (size_t k = 0; k < series[i].x.size() && k < series[i].y.size(); ++k) {
      const double x = std::clamp(series[i].x[k], xr.min, xr.max);
      const double y = std::clamp(series[i].y[k], yr.min, yr.max);
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      points += number(px(x, xr)) + "," + number(py(y, yr)) + " ";
    }
    s += "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" + std::string(kColors[i % 10]) +
         "\" points=\"" + points + "\"/>";
  }
  return s + legend(series) + "</svg>";
}

std::string svg_histogram(const std::string& title, const std::vector<Series>& sets, int bins,
                          const std::string& x_label, double vline) {
  Axis x_axis{x_label};
  std::vector<Series> as_x;
  for (const Series& s : sets) as_x.push_back({s.name, s.y, s.y});
  Range xr = data_range(as_x, true, x_axis);
  if (std::isfinite(vline)) xr.min = std::min(xr.min, vline), xr.max = std::max(xr.max, vline);
  // Fractions per bin, so sets of different sizes compare.
  std::vector<std::vector<double>> fractions(sets.size(), std::vector<double>(bins, 0.0));
  double top = 0;
  for (size_t i = 0; i < sets.size(); ++i) {
    for (double v : sets[i].y) {
      if (!std::isfinite(v)) continue;
      const int b = std::clamp(static_cast<int>((v - xr.min) / (xr.max - xr.min) * bins), 0, bins - 1);
      fractions[i][b] += 1.0 / static_cast<double>(sets[i].y.size());
    }
    for (double f : fractions[i]) top = std::max(top, f);
  }
  const Range yr{0, top > 0 ? top : 1};
  std::string s = frame(title, x_axis, xr, Axis{"fraction of windows"}, yr);
  const double bin_width = (xr.max - xr.min) / bins;
  for (size_t i = 0; i < sets.size(); ++i) {
    for (int b = 0; b < bins; ++b) {
      if (fractions[i][b] <= 0) continue;
      const double x0 = px(xr.min + b * bin_width, xr), x1 = px(xr.min + (b + 1) * bin_width, xr);
      const double y = py(fractions[i][b], yr);
      s += "<rect x=\"" + number(x0) + "\" y=\"" + number(y) + "\" width=\"" + number(std::max(x1 - x0, 0.5)) +
           "\" height=\"" + number(py(0, yr) - y) + "\" fill=\"" + kColors[i % 10] + "\" fill-opacity=\"0.45\"/>";
    }
  }
  if (std::isfinite(vline)) {
    s += "<line x1=\"" + number(px(vline, xr)) + "\" y1=\"" + std::to_string(kTop) + "\" x2=\"" +
         number(px(vline, xr)) + "\" y2=\"" + std::to_string(kHeight - kBottom) +
         "\" stroke=\"#000\" stroke-dasharray=\"6 3\"/>";
  }
  return s + legend(sets) + "</svg>";
}

std::string html_table(const std::vector<std::vector<std::string>>& rows) {
  std::string s = "<table>";
  for (size_t r = 0; r < rows.size(); ++r) {
    s += "<tr>";
    for (const std::string& cell : rows[r]) {
      s += (r == 0 ? "<th>" : "<td>") + html_escape(cell) + (r == 0 ? "</th>" : "</td>");
    }
    s += "</tr>";
  }
  return s + "</table>";
}

std::string html_page(const std::string& title, const std::vector<std::string>& body) {
  std::string s =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
      "</title><style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
      "text-align:right}th{background:#eee}svg{margin:8px;border:1px solid #eee}</style></head><body>";
  s += "<h1>" + html_escape(title) + "</h1>\n";
  for (const std::string& part : body) s += part + "\n";
  return s + "</body></html>\n";
}

}  // namespace tmf::report
