// A hard task for selection (issue 16 item 4): background noise of one fixed power, as in a
// machine hall, added to every recording. The power is the healthy recordings' mean power
// (mean of x^2 over all their samples) divided by 10^(snr_db / 10); the noise is white and
// Gaussian, seeded per recording from a seed and the recording's identity (sha256, else file),
// so train, select and eval add the very same noise to the same recording.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/data/dataset.h"

namespace tmf::pipeline {

struct NoiseSpec {
  double sigma = 0;   // standard deviation per sample; 0: no noise
  uint64_t seed = 1;
};

// Mean of x^2 over every sample of every recording labelled `normal_label` (pooled, so a longer
// recording weighs more). Throws PipelineError when there is none.
double healthy_mean_power(const data::Dataset& dataset, const std::string& normal_label);

// sqrt(power / 10^(snr_db / 10)).
double snr_noise_sigma(double power, double snr_db);

// The noise for a whole dataset at snr_db (finite), or sigma 0 when snr_db is NaN (no noise).
NoiseSpec snr_noise_for(const data::Dataset& dataset, const std::string& normal_label, double snr_db, uint64_t seed);

// Adds sigma * N(0, 1) to every sample: splitmix64 seeded with seed ^ FNV-1a(identity),
// Box-Muller in double.
void snr_noise_add(std::vector<float>& samples, const NoiseSpec& noise, const std::string& identity);

// The identity a recording's noise is seeded with.
std::string snr_noise_identity(const data::Recording& recording);

}  // namespace tmf::pipeline
