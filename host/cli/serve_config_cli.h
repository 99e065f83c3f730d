// `tinymlops serve --config FILE` and `--print-config`: every serve flag can come from the
// [serve] section of a TOML file (CLI11's config support; keys are the flags without dashes), and
// --print-config prints the effective settings, flags, file and TINYMLOPS_* variables together,
// as such a file, then exits without serving (docs/serve.md "Configuration file").
#pragma once

#include <CLI/CLI.hpp>

namespace tmf::cli {

// Adds --print-config to `serve` (its last option, so it sees every other one parsed) and lets
// `serve --config FILE` reach the top-level --config.
void add_serve_config_options(CLI::App* serve);

}  // namespace tmf::cli
