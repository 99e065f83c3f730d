// The JSON API of `tinymlops serve --http` against a live serve on the fleet's mutual-TLS broker,
// over HTTPS verified with the fleet CA: tokens and roles, filters, one device, the telemetry time
// series (checked against the scores the publisher sent), models and lineage, a rollout's
// per-device state, alerts labelled through the API and seen by `tinymlops alerts list`, capture
// downloads byte for byte, a loop approval seen by `tinymlops loop history`, JSON errors naming
// the field, and a busy port refused at once.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "host/api/api_routes.h"
#include "host/api/api_tokens.h"
#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "host/loop/loop_steps.h"
#include "host/loop/release.h"
#include "host/registry/registry.h"
#include "tests/api/api_fixture.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

// The registry as serve finds it: two models versions with lineage and metrics, three devices
// (their INFO/STATUS/PRESENCE as ingest would have written them), a deployment with per-device
// rows, a complete capture of 100 samples, a loop candidate waiting for approval.
struct Prepared {
  uint32_t capture_id = 0;
  std::vector<float> samples;
  int64_t approval_step = 0;
  int64_t deployment = 0;
};

Prepared prepare_registry(ApiFleet& f) {
  for (const char* id : {"dev1", "dev2"}) f.broker().enrol(f.registry(), id, "pumps");
  f.broker().enrol(f.registry(), "dev3", "fans");
  registry::Registry reg(f.registry());
  reg.add_version(ad01_model_request(1, "run1", 0.9));
  registry::AddRequest v2 = ad01_model_request(2, "run2", 0.95);
  v2.lineage.parent = "ad01:1";
  reg.add_version(v2);
  const registry::VersionInfo ad01_1 = reg.get_version({"ad01", 1});
  reg.upsert_device("dev1", "pumps", {"cortex-m4", 131072, 524288, 0});
  reg.upsert_device("dev2", "pumps", {"cortex-m0", 16384, 131072, 0});
  reg.upsert_device("dev3", "fans", {"cortex-m7", 262144, 1048576, 0});
  reg.record_device_model("dev1", ad01_1.model_id, 1);
  reg.record_device_presence("dev1", true);
  reg.record_device_presence("dev2", false);

  Prepared p;
  p.deployment = reg.create_deployment(ad01_1.id, "pumps", "[\"1\",\"100%\"]", "{}");
  registry::DeploymentDevice d1;
  d1.device = "dev1";
  d1.stage = 0;
  d1.state = registry::DeviceRolloutState::kHealthy;
  reg.upsert_deployment_device(p.deployment, d1);
  registry::DeploymentDevice d2 = d1;
  d2.device = "dev2";
  d2.stage = 1;
  d2.state = registry::DeviceRolloutState::kDownloading;
  d2.chunks_sent = 3;
  reg.upsert_deployment_device(p.deployment, d2);

  monitor::TelemetryStore store(reg.db());
  p.capture_id = store.create_capture("dev1", 100, monitor::unix_ms_now());
  monitor::Capture c = *store.find_capture(p.capture_id);
  for (int i = 0; i < 100; ++i) p.samples.push_back(std::sin(0.1f * static_cast<float>(i)) * 2.5f);
  store.put_capture_data(p.capture_id, std::string(reinterpret_cast<const char*>(p.samples.data()), 4 * p.samples.size()));
  c.total_samples = 100;
  c.sample_rate_hz = 8000;
  c.received_samples = 100;
  c.received_ranges = {{0, 100}};
  c.state = "complete";
  store.update_capture(c);

  loop::LoopSteps steps(reg.db());
  p.approval_step = steps.start("pumps", loop::LoopStepKind::kApproval, "canary passed", std::nullopt, "{}", monitor::unix_ms_now());
  loop::Approval a;
  a.step = p.approval_step;
  a.group = "pumps";
  a.fleet = "plant";
  a.version = "ad01:2";
  a.requested_at_ms = monitor::unix_ms_now();
  loop::Approvals(reg.db()).request(a);
  return p;
}

nlohmann::json cli_json(const std::string& args) {
  return nlohmann::json::parse(run_cli(args).out, nullptr, false);
}

// On SQLite (Api) and PostgreSQL (ApiPostgres): every route below reads the registry through SQL
// of its own (filters, time buckets, groups, lineage, rollouts, alerts, approvals, tokens).
TMF_TEST_BOTH_ENGINES(Api, ServesTheFleetToTokensOfEachRoleOverHttps) {
  const test_support::ScopedTestDatabase database(engine, "api_fleet");
  ApiFleet f("api", &database);
  const Prepared prep = prepare_registry(f);
  // The admin token from the CLI (`tokens create`), the read token from the library.
  const std::string admin = f.token("ops", "admin");
  std::string viewer;
  {
    registry::Registry reg(f.registry());
    viewer = api::ApiTokens(reg.db()).create("viewer", api::ApiRole::kApiRoleRead, 0).secret;
  }
  TMF_ASSERT(!admin.empty() && !viewer.empty() && admin != viewer);
  const int64_t t0 = monitor::unix_ms_now();
  TMF_ASSERT(f.start_serve());

  // Authentication: no token, a malformed header, an unknown token.
  HttpReply r = f.get("/api/v1/devices", "");
  TMF_EXPECT_EQ(r.status, 401);
  TMF_EXPECT(r.json["error"]["field"] == "Authorization");
  TMF_EXPECT_EQ(f.get("/api/v1/devices", "tmf_" + std::string(64, '0')).status, 401);

  // Telemetry from dev1, the last batch with an alarm; serve acknowledges each after its commit.
  const auto connected_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < connected_by && !f.get("/api/v1/status", viewer).json.value("broker_connected", false)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  DevicePublishers publishers(f.broker(), {"dev1"}, "api-pub");
  std::vector<std::pair<monitor::BatchKey, uint16_t>> keys;
  for (uint32_t seq = 1; seq <= 7; ++seq) keys.push_back({{"dev1", 1, seq}, seq == 7 ? uint16_t{1} : uint16_t{0}});
  TMF_ASSERT(publish_until_acked(publishers, keys));

  // Devices with filters, and a bad filter named.
  r = f.get("/api/v1/devices?group=pumps", viewer);
  TMF_EXPECT_EQ(r.status, 200);
  TMF_EXPECT_EQ(r.json["total"].get<int>(), 2);
  TMF_EXPECT(r.json["devices"][0]["id"] == "dev1" && r.json["devices"][1]["id"] == "dev2");
  TMF_EXPECT(r.json["devices"][0]["current_model"] == "ad01:1");
  TMF_EXPECT(r.json["devices"][0]["hardware"]["core"] == "cortex-m4");
  r = f.get("/api/v1/devices?state=online", viewer);
  TMF_EXPECT_EQ(r.json["total"].get<int>(), 1);
  r = f.get("/api/v1/devices?model=ad01:1", viewer);
  TMF_EXPECT(r.json["total"] == 1 && r.json["devices"][0]["id"] == "dev1");
  r = f.get("/api/v1/devices?state=sideways", viewer);
  TMF_EXPECT_EQ(r.status, 400);
  TMF_EXPECT(r.json["error"]["field"] == "state");
  r = f.get("/api/v1/devices?limit=0", viewer);
  TMF_EXPECT(r.status == 400 && r.json["error"]["field"] == "limit");
  r = f.get("/api/v1/devices?model=nosuch", viewer);
  TMF_EXPECT(r.status == 400 && r.json["error"]["field"] == "model");

  // One device: its newest batch, model history, the alarm, the capture, the rollout.
  r = f.get("/api/v1/devices/dev1", viewer);
  TMF_EXPECT_EQ(r.status, 200);
  TMF_EXPECT_EQ(r.json["last_telemetry"]["seq"].get<int>(), 7);
  TMF_EXPECT_EQ(r.json["model_history"][0]["batches"].get<int>(), 7);
  TMF_EXPECT_EQ(r.json["alerts"].size(), size_t{1});
  TMF_EXPECT_EQ(r.json["captures"][0]["id"].get<uint32_t>(), prep.capture_id);
  TMF_EXPECT(r.json["rollouts"][0]["state"] == "healthy");
  r = f.get("/api/v1/devices/nobody", viewer);
  TMF_EXPECT(r.status == 404 && r.json["error"]["field"] == "id");

  // The time series against the publisher's own scores: window i of every batch scores 0.5 + i,
  // so 7 batches of 8 windows have mean 4.0, min 0.5, max 7.5; one bucket over the whole run.
  const int64_t t1 = monitor::unix_ms_now() + 1;
  r = f.get("/api/v1/devices/dev1/telemetry?from=" + std::to_string(t0) + "&to=" + std::to_string(t1) +
                "&step_ms=" + std::to_string(t1 - t0),
            viewer);
  TMF_EXPECT_EQ(r.status, 200);
  TMF_ASSERT(r.json["points"].size() == 1);
  const nlohmann::json& p = r.json["points"][0];
  TMF_EXPECT_EQ(p["batches"].get<int>(), 7);
  TMF_EXPECT_EQ(p["windows"].get<int>(), 56);
  TMF_EXPECT(std::fabs(p["score_mean"].get<double>() - 4.0) < 1e-9);
  TMF_EXPECT(p["score_min"].get<double>() == 0.5 && p["score_max"].get<double>() == 7.5);
  TMF_EXPECT_EQ(p["alarms_raised"].get<int>(), 1);
  // Downsampled to at most max_points buckets, never more; a step giving more is refused by name.
  r = f.get("/api/v1/devices/dev1/telemetry?from=" + std::to_string(t0) + "&to=" + std::to_string(t1) + "&max_points=3",
            viewer);
  TMF_EXPECT(r.json["points"].size() >= 1 && r.json["points"].size() <= 3);
  int batches = 0;
  for (const auto& point : r.json["points"]) batches += point["batches"].get<int>();
  TMF_EXPECT_EQ(batches, 7);
  r = f.get("/api/v1/devices/dev1/telemetry?from=" + std::to_string(t0) + "&to=" + std::to_string(t0 + 10000) +
                "&step_ms=1&max_points=100",
            viewer);
  TMF_EXPECT(r.status == 400 && r.json["error"]["field"] == "step_ms");
  r = f.get("/api/v1/devices/dev1/telemetry?from=10&to=5", viewer);
  TMF_EXPECT(r.status == 400 && r.json["error"]["field"] == "from");

  // Groups, models, lineage.
  r = f.get("/api/v1/groups", viewer);
  TMF_EXPECT(r.json["groups"][1]["group"] == "pumps" && r.json["groups"][1]["devices"] == 2 &&
             r.json["groups"][1]["online"] == 1 && r.json["groups"][1]["open_alerts"]["alarm"] == 1);
  r = f.get("/api/v1/models", viewer);
  TMF_EXPECT(r.json["models"][0]["name"] == "ad01" && r.json["models"][0]["versions"].size() == 2);
  r = f.get("/api/v1/models/ad01/versions/1", viewer);
  TMF_EXPECT(r.json["children"][0] == "ad01:2" && r.json["devices_running"] == 1 && r.json["metrics"]["auc"] == 0.9);
  r = f.get("/api/v1/models/ad01/versions/2/lineage", viewer);
  TMF_EXPECT(r.json["lineage"].size() == 2 && r.json["lineage"][0]["lineage"]["data"] == "run2" &&
             r.json["lineage"][1]["ref"] == "ad01:1");
  r = f.get("/api/v1/models/ad01/versions/7", viewer);
  TMF_EXPECT(r.status == 404 && r.json["error"]["field"] == "version");

  // A rollout with its per-device state.
  r = f.get("/api/v1/rollouts/" + std::to_string(prep.deployment), viewer);
  TMF_EXPECT(r.json["devices_by_state"]["healthy"] == 1 && r.json["devices_by_state"]["downloading"] == 1);
  TMF_EXPECT(r.json["devices"][1]["chunks_sent"] == 3);
  TMF_EXPECT_EQ(f.get("/api/v1/rollouts/999", viewer).status, 404);

  // Pause, resume and cancel (the registry row a running engine reads; docs/deploy.md): a read
  // token is refused and nothing changes; each refusal of an admin names the state.
  const std::string control = "/api/v1/rollouts/" + std::to_string(prep.deployment);
  const std::string status_cli = "rollout status --json --id " + std::to_string(prep.deployment) + f.registry_flags();
  r = f.post(control + "/pause", viewer);
  TMF_EXPECT(r.status == 403 && r.json["error"]["field"] == "Authorization");
  TMF_EXPECT(cli_json(status_cli)["state"] == "running");
  r = f.post(control + "/pause", admin, R"({"reason": "line check"})");
  TMF_EXPECT(r.status == 200 && r.json["state"] == "paused" && r.json["reason"] == "paused by api:ops: line check");
  TMF_EXPECT(cli_json(status_cli)["state"] == "paused");
  r = f.post(control + "/pause", admin);
  TMF_EXPECT(r.status == 409 && r.json["error"]["field"] == "state" &&
             r.json["error"]["message"] == "rollout " + std::to_string(prep.deployment) + " is paused: only a running rollout can be paused");
  r = f.post(control + "/resume", admin);
  TMF_EXPECT(r.status == 200 && r.json["state"] == "running" && r.json["reason"] == "");
  r = f.post(control + "/cancel", admin, R"({"reason": 5})");
  TMF_EXPECT(r.status == 400 && r.json["error"]["field"] == "reason");
  r = f.post(control + "/cancel", admin);
  TMF_EXPECT(r.status == 200 && r.json["state"] == "cancelled" && r.json["reason"] == "cancelled by api:ops");
  r = f.post(control + "/resume", admin);
  TMF_EXPECT(r.status == 409 && r.json["error"]["message"].get<std::string>().find("is cancelled: only a paused rollout can be resumed") != std::string::npos);
  TMF_EXPECT(cli_json(status_cli)["state"] == "cancelled");
  r = f.post("/api/v1/rollouts/999/cancel", admin);
  TMF_EXPECT(r.status == 404 && r.json["error"]["field"] == "id");
  r = f.get("/api/v1/rollouts?state=cancelled", viewer);
  TMF_EXPECT(r.json["rollouts"].size() == 1 && r.json["rollouts"][0]["id"] == prep.deployment);
  const std::string metrics = f.get("/metrics", viewer).body;
  TMF_EXPECT(metrics.find("tinymlops_rollouts{state=\"cancelled\"} 1\n") != std::string::npos);
  TMF_EXPECT(metrics.find("tinymlops_rollouts{state=\"paused\"} 0\n") != std::string::npos);

  // Alerts: a read token may not label (403, nothing changes); an admin token labels and acks,
  // and `tinymlops alerts list` (the CLI, reading the registry itself) sees both.
  r = f.get("/api/v1/alerts?kind=alarm", viewer);
  TMF_ASSERT(r.json["alerts"].size() == 1);
  const std::string alert = std::to_string(r.json["alerts"][0]["id"].get<int64_t>());
  r = f.post("/api/v1/alerts/" + alert + "/label", viewer, R"({"label": true})");
  TMF_EXPECT_EQ(r.status, 403);
  TMF_EXPECT(r.json["error"]["field"] == "Authorization");
  {
    registry::Registry reg(f.registry());
    TMF_EXPECT(!monitor::AlertStore(reg.db()).find(std::stoll(alert))->label.has_value());
  }
  r = f.post("/api/v1/alerts/" + alert + "/label", admin, R"({"label": "yes"})");
  TMF_EXPECT(r.status == 400 && r.json["error"]["field"] == "label");
  r = f.post("/api/v1/alerts/" + alert + "/label", admin, "not json");
  TMF_EXPECT(r.status == 400 && r.json["error"]["field"] == "body");
  r = f.post("/api/v1/alerts/" + alert + "/label", admin, R"({"label": true, "note": "outer race"})");
  TMF_EXPECT_EQ(r.status, 200);
  r = f.post("/api/v1/alerts/" + alert + "/ack", admin);
  TMF_EXPECT_EQ(r.status, 200);
  const nlohmann::json listed = cli_json("alerts list --state all --json" + f.registry_flags());
  TMF_EXPECT(listed[0]["label"] == true && listed[0]["label_note"] == "outer race" && listed[0]["state"] == "acked");
  r = f.post("/api/v1/alerts/424242/ack", admin);
  TMF_EXPECT(r.status == 404 && r.json["error"]["field"] == "id");

  // Capture downloads: the file's bytes, and CSV with the same values.
  r = f.get("/api/v1/captures/" + std::to_string(prep.capture_id) + "/data?format=f32", viewer);
  TMF_ASSERT(r.status == 200 && r.body.size() == 400);
  TMF_EXPECT(std::memcmp(r.body.data(), prep.samples.data(), 400) == 0);
  r = f.get("/api/v1/captures/" + std::to_string(prep.capture_id) + "/data?format=csv", viewer);
  std::istringstream csv(r.body);
  std::string line;
  std::getline(csv, line);
  TMF_EXPECT(line == "index,value");
  int rows = 0;
  bool same = true;
  while (std::getline(csv, line)) {
    const size_t comma = line.find(',');
    same = same && std::stoi(line.substr(0, comma)) == rows && std::stof(line.substr(comma + 1)) == prep.samples[rows];
    ++rows;
  }
  TMF_EXPECT(rows == 100 && same);
  r = f.get("/api/v1/captures/" + std::to_string(prep.capture_id) + "/data?format=wav", viewer);
  TMF_EXPECT(r.status == 400 && r.json["error"]["field"] == "format");
  // Samples missing (received before schema 16, the file never copied in): listed, data refused.
  {
    registry::Registry reg(f.registry());
    registry::Statement(reg.db(), "UPDATE captures SET content = NULL WHERE id = ?").bind(1, int64_t{prep.capture_id}).run();
  }
  r = f.get("/api/v1/captures/" + std::to_string(prep.capture_id), viewer);
  TMF_EXPECT(r.status == 200 && r.json["samples_missing"] == true && r.json["received_samples"] == 100);
  r = f.get("/api/v1/captures/" + std::to_string(prep.capture_id) + "/data", viewer);
  TMF_EXPECT(r.status == 410 && r.json["error"]["message"].get<std::string>().find("samples missing") != std::string::npos);

  // The loop's candidate approved through the API: `loop history` and the registry agree.
  const std::string approve = "/api/v1/approvals/" + std::to_string(prep.approval_step) + "/approve";
  TMF_EXPECT_EQ(f.post(approve, viewer).status, 403);
  r = f.post(approve, admin);
  TMF_EXPECT(r.status == 200 && r.json["state"] == "approved");
  const nlohmann::json history = cli_json("loop history --json" + f.registry_flags());
  TMF_EXPECT(history.dump().find("\"decided_by\":\"api:ops\"") != std::string::npos);
  {
    registry::Registry reg(f.registry());
    TMF_EXPECT(reg.get_version({"ad01", 2}).stage == "production");
  }
  r = f.post(approve, admin);
  TMF_EXPECT(r.status == 409 && r.json["error"]["field"] == "step");

  // Unknown endpoints answer in JSON too.
  r = f.get("/api/v1/nothing-here", viewer);
  TMF_EXPECT(r.status == 404 && r.json["error"]["field"] == "path");

  // A revoked token is refused at its next request.
  // (tokens list shows names and hashes, never a token)
  const nlohmann::json tokens = cli_json("tokens list --json" + f.registry_flags());
  TMF_EXPECT(tokens.size() == 2 && tokens[1]["name"] == "viewer" && tokens.dump().find(viewer) == std::string::npos &&
             tokens[1]["sha256"] == api::api_token_hash(viewer));
  TMF_EXPECT_EQ(run_cli("tokens revoke " + std::to_string(tokens[1]["id"].get<int>()) + f.registry_flags()).exit_code, 0);
  TMF_EXPECT_EQ(f.get("/api/v1/devices", viewer).status, 401);
  TMF_EXPECT_EQ(f.get("/api/v1/devices", admin).status, 200);

  // A second serve on the same HTTP port stops at once, naming the flag and address (bounded
  // wait: a serve that did bind would run until killed).
  std::vector<std::string> second = f.serve_argv();
  second.push_back("--client-id");
  second.push_back("second");
  pid_t pid = spawn(second, f.dir() + "/second.log");
  int status = -1;
  for (int i = 0; i < 1000 && waitpid(pid, &status, WNOHANG) != pid; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const bool exited = WIFEXITED(status);
  if (!exited) test_support::stop_child(pid);
  TMF_EXPECT(exited && WEXITSTATUS(status) == 2);
  std::ifstream log(f.dir() + "/second.log");
  const std::string said((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  TMF_EXPECT(said.find("--http 127.0.0.1:" + std::to_string(f.http_port()) + ": cannot listen") != std::string::npos);
}

}  // namespace
}  // namespace tmf::test

namespace tmf::test {
namespace {

// docs/api.json (OpenAPI) names every route the server registers, with the same method.
TMF_TEST(Api, OpenApiDocumentListsEveryRoute) {
  std::vector<api::ApiRoute> routes;
  api::api_routes_fleet(routes);
  api::api_routes_models(routes);
  api::api_routes_releases(routes);
  api::api_routes_alerts(routes);
  std::ifstream in(std::string(TMF_SOURCE_DIR) + "/docs/api.json");
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  TMF_ASSERT(doc.is_object() && doc.contains("paths"));
  TMF_EXPECT(routes.size() >= 20);
  for (const api::ApiRoute& route : routes) {
    // "/api/v1/devices/([^/]+)/telemetry" -> "/api/v1/devices/{}/telemetry"; the document's names
    // of path parameters are compared as {}.
    std::string path = route.pattern;
    for (size_t at; (at = path.find("([^/]+)")) != std::string::npos;) path.replace(at, 7, "{}");
    bool found = false;
    for (const auto& [documented, methods] : doc["paths"].items()) {
      std::string shape;
      for (size_t i = 0; i < documented.size(); ++i) {
        if (documented[i] == '{') {
          shape += "{}";
          i = documented.find('}', i);
        } else {
          shape += documented[i];
        }
      }
      std::string method = route.method;
      for (char& c : method) c = static_cast<char>(std::tolower(c));
      if (shape == path && methods.contains(method)) found = true;
    }
    if (!found) std::printf("  not in docs/api.json: %s %s\n", route.method, route.pattern.c_str());
    TMF_EXPECT(found);
  }
}

}  // namespace
}  // namespace tmf::test
