// A trend health indicator (issue 16 item 2, "trends of these"): Holt's double EWMA of one raw
// feature (the backtest uses ln RMS) that scores a lasting rise, which a level threshold sees only
// once the level has moved several baseline sigma. Float, no state but this struct. The choice of
// the feature, the rate and the clamp: docs/backtest.md, "A trend indicator".
#pragma once

#include <stdint.h>

#include "device/detect/detect_status.h"

namespace tmf::detect {

struct TrendConfig {
  float rate;   // a in (0, 1): 1 - exp(-window spacing / time constant)
  float clamp;  // finite, > 0: a window moves the level by at most clamp baseline std (times a)
};

struct Trend {
  TrendConfig config;
  float std;    // the baseline standard deviation of the feature (finite, > 0)
  float level;  // L
  float slope;  // S, feature units per window
};

// Starts at the commissioned baseline: L = mean, S = 0. Errors: kErrNullArgument, kErrBadConfig
// (rate outside (0, 1), clamp or std not finite and > 0, mean not finite).
DetectStatus trend_init(Trend* trend, const TrendConfig& config, float mean, float std);

// One window's feature x: d = clamp(x - L, -clamp * std, +clamp * std); L' = L + a * d;
// S += a * ((L' - L) - S); returns the score (max(0, S) / (a * std))^2: the rise projected over
// one time constant in baseline std, squared. A non-finite x moves nothing and returns the score
// of the unchanged state.
float trend_push(Trend* trend, float x);

// The score of the current state (as trend_push returns it).
float trend_score(const Trend& trend);

}  // namespace tmf::detect
