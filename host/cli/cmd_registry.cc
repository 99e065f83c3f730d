// `tinymlops registry add|list|show|promote|prune`: models, versions, lineage, metrics and their
// content-addressed artifacts (docs/registry.md); prune: serve's retention run once (docs/serve.md).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/cli/commands.h"
#include "host/cli/registry_cli.h"
#include "host/monitor/retention.h"
#include "host/monitor/telemetry_store.h"

namespace tmf::cli {
namespace {

struct RegistryArgs {
  std::string dir;
  bool json = false;
  // add
  std::string model_path, name, metrics_json, lineage_json, data, params_json, parent, sign_key;
  // list / show / promote
  std::string ref, stage = "production";
  // prune
  double older_than_days = 0;
  bool dry_run = false;
};

nlohmann::json version_json(const registry::VersionInfo& v, const std::string& dir) {
  nlohmann::json j;
  j["name"] = v.name;
  j["version"] = v.version;
  j["model_id"] = v.model_id;
  j["stage"] = v.stage;
  j["artifact_sha256"] = v.artifact;
  j["artifact_path"] = dir + "/artifacts/" + v.artifact;
  j["file_bytes"] = v.file_bytes;
  j["arena_bytes"] = v.arena_bytes;
  j["macs"] = v.macs;
  j["source"] = v.source;
  j["signature_key_id"] = v.signature_key_id ? nlohmann::json(*v.signature_key_id) : nlohmann::json(nullptr);
  j["created_at"] = v.created_at;
  nlohmann::json lineage = nlohmann::json::object();
  if (v.lineage.data) lineage["data"] = *v.lineage.data;
  if (v.lineage.parameters) lineage["parameters"] = nlohmann::json::parse(*v.lineage.parameters);
  if (v.lineage.parent) lineage["parent"] = *v.lineage.parent;
  j["lineage"] = lineage;
  j["metrics"] = v.metrics;
  return j;
}

void print_version(const registry::VersionInfo& v) {
  std::printf("%s:%u  stage %s  model_id 0x%08x\n", v.name.c_str(), v.version, v.stage.c_str(), v.model_id);
  std::printf("  artifact sha256 %s (%u bytes), arena %u bytes, %llu MACs\n", v.artifact.c_str(), v.file_bytes,
              v.arena_bytes, static_cast<unsigned long long>(v.macs));
  std::printf("  source: %s\n  signed: %s\n  registered: %s\n", v.source.c_str(),
              v.signature_key_id ? ("key id " + *v.signature_key_id).c_str() : "no", v.created_at.c_str());
  if (v.lineage.data) std::printf("  lineage data: %s\n", v.lineage.data->c_str());
  if (v.lineage.parameters) std::printf("  lineage parameters: %s\n", v.lineage.parameters->c_str());
  if (v.lineage.parent) std::printf("  lineage parent: %s\n", v.lineage.parent->c_str());
  for (const auto& [key, value] : v.metrics) std::printf("  metric %s = %g\n", key.c_str(), value);
}

std::map<std::string, double> parse_metrics(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw CliError("--metrics: not a JSON object: " + text, 2);
  std::map<std::string, double> out;
  for (const auto& [key, value] : j.items()) {
    if (!value.is_number()) throw CliError("--metrics: '" + key + "' is not a number", 2);
    out[key] = value.get<double>();
  }
  return out;
}

registry::Lineage parse_lineage(const RegistryArgs& a) {
  registry::Lineage l;
  if (!a.lineage_json.empty()) {
    const auto j = nlohmann::json::parse(a.lineage_json, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw CliError("--lineage: not a JSON object: " + a.lineage_json, 2);
    for (const auto& [key, value] : j.items()) {
      if (key == "data" && value.is_string()) {
        l.data = value.get<std::string>();
      } else if (key == "parameters" && value.is_object()) {
        l.parameters = value.dump();
      } else if (key == "parent" && value.is_string()) {
        l.parent = value.get<std::string>();
      } else {
        throw CliError("--lineage: key '" + key + "': expected data (string), parameters (object) or parent (NAME:VERSION)", 2);
      }
    }
  }
  if (!a.data.empty()) l.data = a.data;
  if (!a.params_json.empty()) l.parameters = a.params_json;
  if (!a.parent.empty()) l.parent = a.parent;
  return l;
}

void run_add(const RegistryArgs& a) {
  registry::AddRequest request;
  request.path = a.model_path;
  request.bytes = read_file(a.model_path);
  if (!a.name.empty()) request.name = a.name;
  if (!a.metrics_json.empty()) request.metrics = parse_metrics(a.metrics_json);
  request.lineage = parse_lineage(a);
  if (!a.sign_key.empty()) {
    const deploy::KeyPair key = deploy::key_load_secret(a.sign_key);
    request.bytes = deploy::model_sign(request.bytes, key, a.model_path);
  }
  registry::Registry reg(a.dir);
  const registry::AddResult r = reg.add_version(request);
  if (a.json) {
    nlohmann::json j = version_json(r.version, reg.dir());
    j["already_present"] = r.already_present;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s %s:%u (sha256 %s)\n", r.already_present ? "already registered:" : "registered", r.version.name.c_str(),
              r.version.version, r.version.artifact.c_str());
}

void run_list(const RegistryArgs& a) {
  registry::Registry reg(a.dir);
  const auto versions = reg.list_versions(a.ref.empty() ? std::nullopt : std::optional<std::string>(a.ref));
  if (a.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : versions) j.push_back(version_json(v, reg.dir()));
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%-24s %8s %-11s %9s %8s %-8s %s\n", "model", "version", "stage", "bytes", "arena", "signed", "sha256");
  for (const auto& v : versions) {
    std::printf("%-24s %8u %-11s %9u %8u %-8s %.16s\n", v.name.c_str(), v.version, v.stage.c_str(), v.file_bytes,
                v.arena_bytes, v.signature_key_id ? "yes" : "no", v.artifact.c_str());
  }
}

void run_show(const RegistryArgs& a) {
  registry::Registry reg(a.dir);
  const registry::VersionInfo v = reg.get_version(registry::parse_version_ref(a.ref));
  if (a.json) {
    std::printf("%s\n", version_json(v, reg.dir()).dump(2).c_str());
    return;
  }
  print_version(v);
}

void run_promote(const RegistryArgs& a) {
  registry::Registry reg(a.dir);
  const registry::VersionInfo v = reg.promote(registry::parse_version_ref(a.ref), a.stage);
  if (a.json) {
    std::printf("%s\n", version_json(v, reg.dir()).dump(2).c_str());
    return;
  }
  std::printf("%s:%u is now %s\n", v.name.c_str(), v.version, v.stage.c_str());
}

// One retention pass over telemetry and captures, as `serve --retain-*` runs hourly, pausing
// between transactions so a running serve's ingest commits in between (retention_pause).
void run_prune(const RegistryArgs& a) {
  if (!(a.older_than_days > 0)) throw CliError("--older-than must be > 0 days", 2);
  try {
    monitor::retention_check_days(a.older_than_days, "--older-than");
  } catch (const std::invalid_argument& e) {
    throw CliError(e.what(), 2);
  }
  registry::Registry reg(a.dir);
  monitor::RetentionPolicy policy;
  policy.telemetry_days = policy.capture_days = a.older_than_days;
  const int64_t now = monitor::unix_ms_now();
  monitor::RetentionPass pass(reg, policy, now, a.dry_run);
  const monitor::RetentionCounts c = pass.run(monitor::retention_pause(reg.db().engine()));
  if (a.json) {
    const nlohmann::json j = {{"dry_run", a.dry_run},
                              {"older_than_days", a.older_than_days},
                              {"cutoff", monitor::utc_text(now - static_cast<int64_t>(a.older_than_days * 86400e3))},
                              {"telemetry_deleted", c.telemetry_deleted},
                              {"telemetry_kept", c.telemetry_kept},
                              {"captures_deleted", c.captures_deleted},
                              {"captures_kept", c.captures_kept},
                              {"capture_files_deleted", c.capture_files_deleted},
                              {"transactions", c.transactions},
                              {"max_rows_per_transaction", c.max_rows_per_transaction},
                              {"max_transaction_ms", c.max_transaction_ms}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  const char* verb = a.dry_run ? "would delete" : "deleted";
  std::printf("%s %llu telemetry batch(es) and %llu capture(s) (%llu file(s)) older than %g day(s); kept %llu batch(es) "
              "and %llu capture(s) that must stay (docs/serve.md \"Retention\")\n",
              verb, static_cast<unsigned long long>(c.telemetry_deleted), static_cast<unsigned long long>(c.captures_deleted),
              static_cast<unsigned long long>(c.capture_files_deleted), a.older_than_days,
              static_cast<unsigned long long>(c.telemetry_kept), static_cast<unsigned long long>(c.captures_kept));
}

}  // namespace

void register_registry(CLI::App& app) {
  CLI::App* registry = app.add_subcommand("registry", "Models, versions, lineage, metrics and artifacts");
  registry->require_subcommand(1);

  auto add_args = std::make_shared<RegistryArgs>();
  CLI::App* add = registry->add_subcommand("add", "Register a TMF model file as a new version");
  add->add_option("model", add_args->model_path, "The .tmf file")->required()->check(CLI::ExistingFile);
  add->add_option("--name", add_args->name, "Model name (default: the name stored in the file)");
  add->add_option("--metrics", add_args->metrics_json, "Metrics as a JSON object of numbers, e.g. '{\"auc\":0.87}'");
  add->add_option("--lineage", add_args->lineage_json,
                  "Lineage as JSON: {\"data\": \"...\", \"parameters\": {...}, \"parent\": \"NAME:VERSION\"}");
  add->add_option("--data", add_args->data, "Lineage: the dataset the model was trained on");
  add->add_option("--params", add_args->params_json, "Lineage: training parameters as a JSON object");
  add->add_option("--parent", add_args->parent, "Lineage: the version this one derives from (NAME:VERSION)");
  add->add_option("--sign", add_args->sign_key, "Sign with this secret key file before storing")
      ->check(CLI::ExistingFile);
  add->add_flag("--json", add_args->json, "Print the registered version as JSON");
  add_registry_option(add, add_args->dir);
  add->callback([add_args] { run_registry_command([&] { run_add(*add_args); }); });

  auto list_args = std::make_shared<RegistryArgs>();
  CLI::App* list = registry->add_subcommand("list", "List registered versions");
  list->add_option("name", list_args->ref, "Only this model");
  list->add_flag("--json", list_args->json, "Print a JSON array of versions");
  add_registry_option(list, list_args->dir);
  list->callback([list_args] { run_registry_command([&] { run_list(*list_args); }); });

  auto show_args = std::make_shared<RegistryArgs>();
  CLI::App* show = registry->add_subcommand("show", "Show one version (the newest if VERSION is omitted)");
  show->add_option("ref", show_args->ref, "NAME or NAME:VERSION")->required();
  show->add_flag("--json", show_args->json, "Print JSON (keys: name, version, stage, artifact_sha256, lineage, metrics, ...)");
  add_registry_option(show, show_args->dir);
  show->callback([show_args] { run_registry_command([&] { run_show(*show_args); }); });

  auto promote_args = std::make_shared<RegistryArgs>();
  CLI::App* promote = registry->add_subcommand("promote", "Move a version to a stage (production archives the previous one)");
  promote->add_option("ref", promote_args->ref, "NAME:VERSION")->required();
  promote->add_option("--stage", promote_args->stage, "none, staging, production or archived (default production)");
  promote->add_flag("--json", promote_args->json, "Print the version as JSON");
  add_registry_option(promote, promote_args->dir);
  promote->callback([promote_args] { run_registry_command([&] { run_promote(*promote_args); }); });

  auto prune_args = std::make_shared<RegistryArgs>();
  CLI::App* prune = registry->add_subcommand(
      "prune", "Delete telemetry batches and captures older than DAYS, in transactions of at most 1,000 rows (what is "
               "always kept: docs/serve.md \"Retention\")");
  prune->add_option("--older-than", prune_args->older_than_days, "Age in days (> 0; fractions allowed)")->required();
  prune->add_flag("--dry-run", prune_args->dry_run, "Count what would be deleted; delete nothing");
  prune->add_flag("--json", prune_args->json,
                  "Print JSON (telemetry_deleted, telemetry_kept, captures_deleted, captures_kept, capture_files_deleted, "
                  "transactions, ...)");
  add_registry_option(prune, prune_args->dir);
  prune->callback([prune_args] { run_registry_command([&] { run_prune(*prune_args); }); });
}

}  // namespace tmf::cli
