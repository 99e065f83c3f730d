// The web console in a real browser (issue 17 item 4): Mosquitto on the fleet's mutual-TLS
// configuration, `tinymlops serve --http` over HTTPS with the loop waiting for a release approval,
// devices publishing TELEMETRY with their own certificates, and headless Chromium driven through
// chromedriver's WebDriver API. The oracles are what the test itself published and enrolled, the
// `tinymlops` CLI and the registry: the fleet page lists the enrolled devices; the device page's
// score chart holds every published batch, the largest published score, the alarm and the model
// change; an alert labelled in the browser is labelled in `tinymlops alerts list`; a candidate
// approved in the browser is promoted and serve starts its rollout, which is then paused in the
// browser (the registry row says so). Signed in again with a read-only token, the console shows
// the same devices, offers no admin action, and the registry does not change. Screenshots go to
// build/console_screenshots; the browser's console must hold no SEVERE entry.
#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "host/api/console_files.h"
#include "host/convert/convert.h"
#include "host/convert/tflite_reader.h"
#include "host/deploy/signing.h"
#include "host/loop/loop_steps.h"
#include "host/loop/release.h"
#include "host/registry/registry.h"
#include "tests/api/api_fixture.h"
#include "tests/api/webdriver.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

constexpr int kBatches = 20;        // dev1's batches: 0-11 on ad01:1, 12-19 on ad01:2
constexpr int kModelChangeAt = 12;
constexpr int kAlarmBatch = 16;     // raises one alarm (serve raises an alarm alert for it)
constexpr uint32_t kWindows = 8;

float score_base(int i) { return 0.2f + 0.1f * static_cast<float>(i); }  // batch i scores base + 0..7
// Batch i's window w carries signal RMS rms_base(i) + 0.25 w (serve_fixture.h): multiples of 0.25,
// so their sums and means are exact in float and double.
constexpr int kFirstRmsBatch = 4;
float rms_base(int i) { return 1.0f + 0.5f * static_cast<float>(i); }

// Publishes `specs` as `device` (its own certificate), QoS 1, `gap` apart; true once the broker
// has taken every one (PUBACK).
bool publish_as_device(FleetBroker& broker, const std::string& device, const std::vector<TelemetrySpec>& specs,
                       std::chrono::milliseconds gap) {
  mosquitto_lib_init();
  struct State {
    std::atomic<int> published{0};
    std::atomic<bool> connected{false};
  } state;
  mosquitto* client = mosquitto_new(("console-" + device).c_str(), true, &state);
  tls_set(client, broker.device(device));
  mosquitto_connect_callback_set(client, [](mosquitto*, void* s, int rc) { static_cast<State*>(s)->connected = rc == 0; });
  mosquitto_publish_callback_set(client, [](mosquitto*, void* s, int) { ++static_cast<State*>(s)->published; });
  bool ok = mosquitto_connect(client, "127.0.0.1", broker.port(), 10) == MOSQ_ERR_SUCCESS && mosquitto_loop_start(client) == MOSQ_ERR_SUCCESS;
  for (int i = 0; ok && i < 500 && !state.connected; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ok = ok && state.connected;
  const std::string topic = "tmf/" + broker.fleet() + "/" + device + "/telemetry";
  for (size_t i = 0; ok && i < specs.size(); ++i) {
    const std::vector<uint8_t> payload = telemetry_payload(specs[i]);
    ok = mosquitto_publish(client, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, false) == MOSQ_ERR_SUCCESS;
    std::this_thread::sleep_for(gap);
  }
  for (int i = 0; ok && i < 500 && state.published < static_cast<int>(specs.size()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ok = ok && state.published == static_cast<int>(specs.size());
  mosquitto_disconnect(client);
  mosquitto_loop_stop(client, false);
  mosquitto_destroy(client);
  return ok;
}

// Polls `done` every 100 ms for up to `seconds`.
template <typename F>
bool eventually(F done, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

std::vector<std::string> texts(WebDriver& browser, const std::string& css, const std::string& attribute) {
  std::vector<std::string> out;
  for (const std::string& e : browser.find_all(css)) out.push_back(browser.attribute(e, attribute));
  return out;
}

// The current page has finished drawing `page` (console.js sets main[data-page] after a render).
void wait_page(WebDriver& browser, const std::string& page) { browser.wait_for("main[data-page='" + page + "'][data-ready]", 15); }

}  // namespace

TMF_TEST(Console, OperatorDrivesTheFleetInHeadlessChromium) {
  ApiFleet f("console");
  const std::string shots = TMF_CONSOLE_SHOTS;
  std::filesystem::remove_all(shots);

  // The registry as serve finds it: three enrolled devices, ad01:1 in production, ad01:2 (its
  // child) waiting in the loop for a release approval, not yet rolled out anywhere.
  for (const char* id : {"dev1", "dev2", "dev3"}) f.broker().enrol(f.registry(), id, "pumps");
  // Signed with the key serve's loop signs with (devices install signed models only).
  const deploy::KeyPaths keys = deploy::keys_generate(f.dir() + "/keys", true);
  const deploy::KeyPair signer = deploy::key_load_secret(keys.secret);
  uint32_t model_id = 0;
  int64_t approval_step = 0;
  {
    registry::Registry reg(f.registry());
    registry::AddRequest v1 = ad01_model_request(1, "run1", 0.90);
    v1.bytes = deploy::model_sign(v1.bytes, signer, v1.path);
    reg.add_version(v1);
    registry::AddRequest v2 = ad01_model_request(2, "run2", 0.95);
    v2.bytes = deploy::model_sign(v2.bytes, signer, v2.path);
    v2.lineage.parent = "ad01:1";
    reg.add_version(v2);
    reg.promote({"ad01", 1}, "production");
    model_id = reg.get_version({"ad01", 1}).model_id;
    reg.upsert_device("dev1", "pumps", {"cortex-m4", 131072, 524288, 0});
    reg.upsert_device("dev2", "pumps", {"cortex-m4", 131072, 524288, 0});
    reg.upsert_device("dev3", "pumps", {"cortex-m0", 16384, 131072, 0});
    loop::LoopSteps steps(reg.db());
    approval_step = steps.start("pumps", loop::LoopStepKind::kApproval, "ad01:2 won its challenge", std::nullopt,
                                R"({"version": "ad01:2", "after_canary": false})", monitor::unix_ms_now());
    loop::Approval a;
    a.step = approval_step;
    a.group = "pumps";
    a.fleet = "plant";
    a.version = "ad01:2";
    a.requested_at_ms = monitor::unix_ms_now();
    loop::Approvals(reg.db()).request(a);
  }
  const std::string admin = f.token("ops", "admin");
  TMF_ASSERT(!admin.empty());

  // serve: ingest, the loop of group pumps (waiting for the approval), HTTPS API and console.
  std::vector<std::string> argv = f.serve_argv();
  for (const std::string a : {"--loop-group", "pumps", "--model-name", "ad01", "--signing-key", keys.secret.c_str(),
                               "--stages", "1,100%", "--gate-seconds", "0.5"}) {
    argv.push_back(a);
  }
  pid_t serve = spawn(argv, f.serve_log());
  struct Stop {
    pid_t& pid;
    ~Stop() { test_support::stop_child(pid); }
  } stop_serve{serve};
  TMF_ASSERT(eventually([&] {
    const HttpReply r = f.get("/api/v1/status", admin);
    return r.json.is_object() && r.json.value("broker_connected", false);
  }, 15));

  // The devices report: dev1 twenty batches over ~4 s (a model change and one alarm), dev2 three.
  std::vector<TelemetrySpec> dev1, dev2;
  float max_score = 0;
  for (int i = 0; i < kBatches; ++i) {
    TelemetrySpec s;
    s.seq = static_cast<uint32_t>(i + 1);
    s.model_id = model_id;
    s.model_version = i < kModelChangeAt ? 1 : 2;
    s.windows = kWindows;
    s.score_base = score_base(i);
    s.alarms_raised = i == kAlarmBatch ? 1 : 0;
    // Signal RMS from batch kFirstRmsBatch on (the batches before: firmware that sends none).
    if (i >= kFirstRmsBatch) s.rms_base = rms_base(i);
    max_score = std::max(max_score, s.score_base + static_cast<float>(kWindows - 1));
    dev1.push_back(s);
  }
  for (int i = 0; i < 3; ++i) {
    TelemetrySpec s;
    s.seq = static_cast<uint32_t>(i + 1);
    s.model_id = model_id;
    dev2.push_back(s);
  }
  std::thread second([&] { publish_as_device(f.broker(), "dev2", dev2, std::chrono::milliseconds(50)); });
  TMF_EXPECT(publish_as_device(f.broker(), "dev1", dev1, std::chrono::milliseconds(200)));
  second.join();
  int64_t alert_id = 0;
  TMF_ASSERT(eventually([&] {
    const HttpReply r = f.get("/api/v1/alerts?kind=alarm&device=dev1", admin);
    if (r.json.is_object() && r.json["alerts"].size() == 1) alert_id = r.json["alerts"][0]["id"].get<int64_t>();
    return alert_id != 0;
  }, 10));

  // The series in one bucket holds the RMS the device sent: min, max and mean over the windows of
  // the batches that carried it, the others (no RMS part) left out rather than counted as 0.
  {
    double rms_min = INFINITY, rms_max = -INFINITY, rms_sum = 0;
    for (int i = kFirstRmsBatch; i < kBatches; ++i) {
      for (uint32_t w = 0; w < kWindows; ++w) {
        const double v = rms_base(i) + 0.25 * w;
        rms_min = std::min(rms_min, v), rms_max = std::max(rms_max, v), rms_sum += v;
      }
    }
    const int64_t now = monitor::unix_ms_now();
    const std::string one_bucket = "/api/v1/devices/dev1/telemetry?from=" + std::to_string(now - 3600 * 1000) +
                                   "&to=" + std::to_string(now + 60 * 1000) + "&max_points=1";
    nlohmann::json point;
    TMF_EXPECT(eventually([&] {
      const HttpReply r = f.get(one_bucket, admin);
      if (!r.json.is_object() || r.json["points"].size() != 1) return false;
      point = r.json["points"][0];
      return point["batches"] == kBatches;
    }, 10));
    TMF_EXPECT(point["rms_min"].is_number_float() && point["rms_min"].get<double>() == rms_min);
    TMF_EXPECT(point["rms_max"].is_number_float() && point["rms_max"].get<double>() == rms_max);
    TMF_EXPECT(point["rms_mean"].is_number_float() &&
               point["rms_mean"].get<double>() == rms_sum / ((kBatches - kFirstRmsBatch) * kWindows));
    const HttpReply dev2 = f.get("/api/v1/devices/dev2/telemetry", admin);  // dev2 sends no RMS
    TMF_EXPECT(dev2.json.is_object() && !dev2.json["points"].empty() && dev2.json["points"][0]["rms_mean"].is_null());
    // One device's last batch carries its own RMS: the newest of dev1 is batch kBatches - 1.
    const nlohmann::json last = f.get("/api/v1/devices/dev1", admin).json["last_telemetry"];
    double last_sum = 0;
    for (uint32_t w = 0; w < kWindows; ++w) last_sum += rms_base(kBatches - 1) + 0.25 * w;
    TMF_EXPECT(last.is_object() && last["rms_max"].is_number_float() &&
               last["rms_max"].get<double>() == rms_base(kBatches - 1) + 0.25 * (kWindows - 1));
    TMF_EXPECT(last.is_object() && last["rms_mean"].is_number_float() && last["rms_mean"].get<double>() == last_sum / kWindows);
    TMF_EXPECT(f.get("/api/v1/devices/dev2", admin).json["last_telemetry"]["rms_mean"].is_null());
  }

  // The console's files need no token (they hold no data); the API still does.
  HttpReply page = f.get("/", "");
  TMF_EXPECT(page.status == 200 && page.content_type.starts_with("text/html") && page.body.find("console.js") != std::string::npos);
  TMF_EXPECT_EQ(f.get("/console/CMakeLists.txt", "").status, 404);
  TMF_EXPECT_EQ(f.get("/api/v1/devices", "").status, 401);

  const auto started = std::chrono::steady_clock::now();
  WebDriver browser(f.dir() + "/browser", spki_sha256_base64(f.dir() + "/api/api.pem"));
  const std::string origin = "https://127.0.0.1:" + std::to_string(f.http_port());

  // Sign in with the admin token; the fleet page lists exactly the enrolled devices.
  browser.navigate(origin + "/");
  browser.send_keys(browser.wait_for("#token"), admin);
  browser.click(browser.wait_for("#sign-in"));
  wait_page(browser, "fleet");
  std::vector<std::string> listed = texts(browser, "#devices tr[data-device]", "data-device");
  std::sort(listed.begin(), listed.end());
  TMF_EXPECT(listed == (std::vector<std::string>{"dev1", "dev2", "dev3"}));
  browser.screenshot(shots + "/fleet.png");

  // dev1's page, over the last 15 minutes: the chart holds what the device published.
  browser.click(browser.wait_for("#devices tr[data-device='dev1'] a"));
  wait_page(browser, "device");
  browser.click(browser.wait_for("button[data-range='15 min']"));
  browser.wait_for("#score-chart svg[data-range-ms='900000']");
  const std::string chart = browser.wait_for("#score-chart svg");
  TMF_EXPECT_EQ(std::stoll(browser.attribute(chart, "data-batches")), kBatches);
  TMF_EXPECT_EQ(std::stoll(browser.attribute(chart, "data-windows")), kBatches * kWindows);
  TMF_EXPECT(std::fabs(std::stod(browser.attribute(chart, "data-score-max")) - max_score) < 1e-4);
  TMF_EXPECT(std::stoll(browser.attribute(chart, "data-points")) >= 2);
  TMF_EXPECT(!browser.find_all("#score-chart g.series path.line").empty());  // a line, not lone dots
  TMF_EXPECT_EQ(browser.find_all("#score-chart .alarm-mark").size(), 1);
  bool change_marked = false;
  for (const std::string& e : browser.find_all("#score-chart .model-change-label")) {
    change_marked = change_marked || browser.text(e) == "ad01:1 → ad01:2";
  }
  TMF_EXPECT(change_marked);
  // The RMS chart is drawn from the RMS the device sent: a line, its largest and smallest value.
  const std::string rms_chart = browser.wait_for("#rms-chart svg");
  TMF_EXPECT(!browser.find_all("#rms-chart g.series.rms path.line").empty());
  TMF_EXPECT(!browser.find_all("#rms-chart path.band.rms").empty());
  TMF_EXPECT(std::fabs(std::stod(browser.attribute(rms_chart, "data-rms-max")) -
                       (rms_base(kBatches - 1) + 0.25 * (kWindows - 1))) < 1e-6);
  TMF_EXPECT(std::fabs(std::stod(browser.attribute(rms_chart, "data-rms-min")) - rms_base(kFirstRmsBatch)) < 1e-6);
  browser.screenshot(shots + "/device.png");

  // The alarm labelled a real fault, with a note, in the browser; the CLI reads the registry.
  browser.navigate(origin + "/#/alerts");
  wait_page(browser, "alerts");
  const std::string row = "#alerts tr[data-alert='" + std::to_string(alert_id) + "']";
  browser.send_keys(browser.wait_for(row + " input.note"), "outer race, confirmed on site");
  browser.click(browser.wait_for(row + " button.label-fault"));
  browser.wait_for(row + "[data-label='true']");
  browser.screenshot(shots + "/alerts.png");
  const CommandResult alerts = run_cli("alerts list --state all --json --registry " + f.registry());
  TMF_EXPECT_EQ(alerts.exit_code, 0);
  bool labelled = false;
  for (const nlohmann::json& a : nlohmann::json::parse(alerts.out, nullptr, false)) {
    if (a.value("id", int64_t{0}) != alert_id) continue;
    labelled = a["label"] == true && a["label_note"] == "outer race, confirmed on site";
  }
  TMF_EXPECT(labelled);

  // The candidate approved in the browser: serve's loop promotes it and starts its rollout.
  browser.navigate(origin + "/#/rollouts");
  wait_page(browser, "rollouts");
  const std::string approval = "#approvals tr[data-approval='" + std::to_string(approval_step) + "']";
  browser.click(browser.wait_for(approval + " button.approve"));
  browser.wait_for(approval + "[data-state='approved']");
  bool decided_in_browser = false;
  for (const nlohmann::json& step : nlohmann::json::parse(run_cli("loop history --json --registry " + f.registry()).out, nullptr, false)) {
    if (step.value("id", int64_t{0}) != approval_step || !step.contains("approval")) continue;
    decided_in_browser = step["approval"]["state"] == "approved" && step["approval"]["decided_by"] == "api:ops";
  }
  TMF_EXPECT(decided_in_browser);
  std::optional<registry::DeploymentInfo> rollout;
  TMF_EXPECT(eventually([&] {
    registry::Registry reg(f.registry());
    for (const registry::DeploymentInfo& d : reg.list_deployments(std::nullopt)) {
      if (d.model_name == "ad01" && d.model_version == 2 && d.group == "pumps") rollout = d;
    }
    return rollout.has_value();
  }, 15));
  bool rollout_step = false;
  {
    registry::Registry reg(f.registry());
    TMF_EXPECT(reg.get_version({"ad01", 2}).stage == std::string("production"));
    for (const loop::LoopStep& s : loop::LoopSteps(reg.db()).list("pumps")) {
      rollout_step = rollout_step || (s.kind == loop::LoopStepKind::kRollout && s.parent == approval_step);
    }
  }
  TMF_EXPECT(rollout_step);
  if (rollout) {
    // Its first stage offers the update to a device of the group (the registry's row is the oracle).
    std::vector<registry::DeploymentDevice> offered;
    TMF_EXPECT(eventually([&] {
      offered = registry::Registry(f.registry()).deployment_devices(rollout->id);
      return !offered.empty();
    }, 15));
    browser.navigate(origin + "/#/rollout/" + std::to_string(rollout->id));
    wait_page(browser, "rollout");
    TMF_EXPECT(browser.text(browser.wait_for("main h1")).find("ad01:2") != std::string::npos);
    if (!offered.empty()) browser.wait_for("#rollout-devices tr[data-device='" + offered[0].device + "']");
    browser.screenshot(shots + "/rollout.png");
    // Paused in the browser: the registry row that serve's rollout engine reads says so.
    browser.click(browser.wait_for("button[data-control='pause'][data-rollout-id='" + std::to_string(rollout->id) + "']"));
    browser.wait_for("button[data-control='resume'][data-rollout-id='" + std::to_string(rollout->id) + "']");
    const auto paused = registry::Registry(f.registry()).find_deployment(rollout->id);
    TMF_EXPECT(paused && paused->state == registry::DeploymentState::kPaused && paused->reason == "paused by api:ops");
  }

  // The candidate's lineage: itself, then its parent.
  browser.navigate(origin + "/#/model/ad01/2");
  wait_page(browser, "model");
  TMF_EXPECT(texts(browser, "#lineage tr[data-ref]", "data-ref") == (std::vector<std::string>{"ad01:2", "ad01:1"}));
  browser.screenshot(shots + "/model.png");

  // Signed in again with a read-only token: the same data, no admin action offered, and the
  // registry's alerts, approvals and deployments exactly as they were.
  const std::string viewer = f.token("viewer", "read");
  const auto registry_state = [&] {
    return run_cli("alerts list --state all --json --registry " + f.registry()).out + run_cli("loop history --json --registry " + f.registry()).out +
           (rollout ? run_cli("rollout status --json --id " + std::to_string(rollout->id) + " --registry " + f.registry()).out : "");
  };
  const std::string before = registry_state();
  browser.click(browser.wait_for("#logout"));
  browser.send_keys(browser.wait_for("#token"), viewer);
  browser.click(browser.wait_for("#sign-in"));
  wait_page(browser, "model");  // signing in draws the page of the current address
  TMF_EXPECT(browser.text(browser.wait_for("#whoami")).find("viewer (read)") != std::string::npos);
  browser.navigate(origin + "/#/fleet");
  wait_page(browser, "fleet");
  listed = texts(browser, "#devices tr[data-device]", "data-device");
  std::sort(listed.begin(), listed.end());
  TMF_EXPECT(listed == (std::vector<std::string>{"dev1", "dev2", "dev3"}));
  browser.navigate(origin + "/#/rollouts");
  wait_page(browser, "rollouts");
  if (rollout) {
    const std::string rollout_row = browser.wait_for("#rollouts tr[data-rollout='" + std::to_string(rollout->id) + "']");
    TMF_EXPECT(browser.text(rollout_row).find("an admin token pauses or cancels") != std::string::npos);
  }
  TMF_EXPECT(browser.find_all("button[data-control]").empty() && browser.find_all("#approvals button").empty());
  browser.screenshot(shots + "/rollouts_read_only.png");
  browser.navigate(origin + "/#/alerts");
  wait_page(browser, "alerts");
  TMF_EXPECT(browser.text(browser.wait_for(row)).find("an admin token labels") != std::string::npos);
  TMF_EXPECT(browser.find_all("#alerts button").empty() && browser.find_all("#alerts input.note").empty());
  TMF_EXPECT(registry_state() == before);

  // Nothing went wrong in the page: no SEVERE entry (failed request, script error) in its console.
  for (const nlohmann::json& entry : browser.browser_log()) {
    if (entry.value("level", "") == "SEVERE") {
      std::fprintf(stderr, "browser console: %s\n", entry.dump().c_str());
      TMF_EXPECT(entry.value("level", "") != "SEVERE");
    }
  }
  std::printf("console: browser part %.1f s, screenshots in %s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), shots.c_str());
}

// Only plain file names with the console's extensions are served from the folder, whatever else
// is in it or around it.
TMF_TEST(Console, ServesOnlyPlainConsoleFiles) {
  const std::string dir = scratch_dir("console_files");
  std::filesystem::create_directories(dir + "/web/sub");
  const auto write = [](const std::string& path, const std::string& text) { std::ofstream(path) << text; };
  write(dir + "/web/index.html", "<p>console</p>");
  write(dir + "/web/app.js", "let a = 1;");
  write(dir + "/web/notes.txt", "secret");
  write(dir + "/web/.hidden.js", "hidden");
  write(dir + "/web/sub/x.js", "nested");
  write(dir + "/outside.js", "outside");
  const std::string web = dir + "/web";
  const std::optional<api::ConsoleFile> index = api::console_file(web, "index.html");
  TMF_ASSERT(index.has_value());
  TMF_EXPECT(index->body == "<p>console</p>" && index->content_type == "text/html; charset=utf-8");
  const std::optional<api::ConsoleFile> js = api::console_file(web, "app.js");
  TMF_EXPECT(js && js->body == "let a = 1;" && js->content_type == "text/javascript; charset=utf-8");
  for (const char* refused : {"notes.txt", ".hidden.js", "sub/x.js", "../outside.js", "..", "missing.js", "", "sub"}) {
    TMF_EXPECT(!api::console_file(web, refused).has_value());
  }
}

}  // namespace tmf::test
