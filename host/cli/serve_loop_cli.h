// The automation loop's options of `tinymlops serve` (--loop-group and friends) and the serve
// hooks that run it (host/loop/policy.h, docs/loop.md). Kept apart from cmd_serve.cc so serve
// without --loop-group is the plain ingest/drift server.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "host/loop/policy.h"
#include "host/monitor/serve_loop.h"

namespace tmf::cli {

struct LoopCliArgs {
  loop::LoopOptions options;
  std::string stages = "1,25%,100%";
  std::string detector = "autoencoder";
};

void add_loop_options(CLI::App* serve, LoopCliArgs& args);

// Hooks running the loop when --loop-group was given (else empty hooks). `registry_dir` is the
// registry serve uses; `fleet`, broker and enrolment come from serve's own options.
// Loop events are printed on stdout as JSON lines (`json`) or as "serve: loop ..." lines.
monitor::ServeHooks loop_hooks(LoopCliArgs& args, const std::string& registry_dir, const std::string& fleet,
                               const fleet::BrokerSettings& broker, const fleet::FleetEnrolment& enrolment,
                               bool json);

}  // namespace tmf::cli
