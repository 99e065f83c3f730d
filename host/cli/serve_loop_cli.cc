// `serve --loop-group`: options and hooks of the automation loop (see serve_loop_cli.h).
#include "host/cli/serve_loop_cli.h"

#include <cstdio>
#include <sstream>

#include "host/cli/cli_common.h"
#include "host/monitor/telemetry_store.h"

namespace tmf::cli {

void add_loop_options(CLI::App* serve, LoopCliArgs& a) {
  loop::LoopOptions& o = a.options;
  o.group.clear();
  serve->add_option("--loop-group", o.group,
                    "Run the automation loop for this device group: collect -> train -> rollout on bootstrap, "
                    "drift and labels (docs/loop.md)");
  serve->add_option("--model-name", o.model_name, "Model the loop trains and deploys")->capture_default_str();
  serve->add_option("--signing-key", o.signing_key,
                    "Secret key file the loop signs models and canary-stage records with (needed with --loop-group); "
                    "the canary stage goes to devices trusting it (docs/security.md)");
  serve->add_flag("--auto-approve", o.auto_approve,
                  "Skip the human: a loop-trained model that wins its challenge is approved at once and rolled out "
                  "through every --stages stage, no `tinymlops loop approve N` (for demos and labs; docs/loop.md)");
  serve->add_option("--min-devices", o.min_devices, "Bootstrap waits until this many group devices are online")
      ->capture_default_str();
  serve->add_option("--capture-samples", o.capture_samples, "Raw samples collected per device for retraining")
      ->check(CLI::Range(uint32_t{1}, monitor::kCaptureMaxSamples))
      ->capture_default_str();
  serve->add_option("--capture-timeout", o.capture_timeout_s, "Seconds to wait for captures")->capture_default_str();
  serve->add_option("--labels-to-retrain", o.labels_to_retrain,
                    "Retrain after this many new operator labels (0: only on bootstrap and drift)")
      ->capture_default_str();
  serve->add_option("--max-false-alarm-rate", o.max_false_alarm_rate,
                    "A challenger is promoted only under this false-alarm rate on recent held-out windows")
      ->capture_default_str();
  serve->add_option("--detector", a.detector, "Detector the loop trains (autoencoder|kmeans|gmm|mahalanobis)")
      ->capture_default_str();
  serve->add_option("--stages", a.stages,
                    "Rollout stages of the loop's deployments: the first is the canary stage, the rest follow approval")
      ->capture_default_str();
  serve->add_option("--gate-seconds", o.gate_seconds, "Health gate after each device confirms")->capture_default_str();
}

monitor::ServeHooks loop_hooks(LoopCliArgs& a, const std::string& registry_dir, const std::string& fleet,
                               const fleet::BrokerSettings& broker, const fleet::FleetEnrolment& enrolment,
                               bool json) {
  monitor::ServeHooks hooks;
  if (a.options.group.empty()) return hooks;
  if (a.options.signing_key.empty()) throw CliError("--loop-group needs --signing-key (devices install signed models only)", 2);
  a.options.fleet = fleet;
  a.options.broker = broker;
  a.options.enrolment = enrolment;
  a.options.train.detector = a.detector;
  a.options.stages.clear();
  std::stringstream stages(a.stages);
  for (std::string s; std::getline(stages, s, ',');) a.options.stages.push_back(s);
  auto policy = std::make_shared<std::unique_ptr<loop::LoopPolicy>>();
  auto options = std::make_shared<loop::LoopOptions>(a.options);
  options->log = [json](const nlohmann::json& event) {
    if (json) {
      std::printf("%s\n", event.dump().c_str());
    } else {
      std::printf("serve: %s %s\n", event.value("event", "").c_str(), event.dump().c_str());
    }
    std::fflush(stdout);
  };
  hooks.on_start = [policy, options, registry_dir](monitor::ServeContext&) {
    *policy = std::make_unique<loop::LoopPolicy>(registry_dir, *options);
  };
  hooks.on_tick = [policy](monitor::ServeContext& ctx) {
    if (*policy) (*policy)->tick(ctx.ingest);
  };
  hooks.on_stop = [policy](monitor::ServeContext&) { policy->reset(); };
  return hooks;
}

}  // namespace tmf::cli
