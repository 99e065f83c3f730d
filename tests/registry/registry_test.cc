// The registry: schema migrations, versions with lineage and metrics, content-addressed
// artifacts, promotion, devices, and that bad input or a crash mid-transaction changes nothing.
// The tests declared with REGISTRY_TEST run twice: on SQLite (suite Registry) and on a real
// PostgreSQL server the binary starts (suite RegistryPostgres, tests/support/postgres_server.h).
// What differs between the engines (URLs, dialect, locks, errors): registry_engines_test.cc.
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "host/deploy/signing.h"
#include "host/monitor/telemetry_store.h"
#include "host/registry/migrations.h"
#include "host/registry/registry.h"
#include "tests/registry/registry_test_support.h"

namespace tmf {
namespace {

using namespace registry_test;

REGISTRY_TEST(MigrationsAreRecordedAndNewerSchemasRefused) {
  const std::string dir = fresh_dir("reg_migrations");
  const std::string url = database_for(engine, "reg_migrations");
  {
    Registry reg(dir, url);
    TMF_EXPECT_EQ(registry::schema_current_version(reg.db()), registry::schema_latest_version());
    TMF_EXPECT_EQ(count_rows(reg, "schema_version"), registry::schema_latest_version());
    if (engine == Engine::kSqlite) {
      registry::Statement wal(reg.db(), "PRAGMA journal_mode");
      wal.step();
      TMF_EXPECT(wal.column_text(0) == "wal");
    }
  }
  { Registry again(dir, url); }  // reopening applies nothing twice
  {
    registry::Database db(url.empty() ? dir + "/registry.db" : url);
    TMF_EXPECT_EQ(registry::schema_current_version(db), registry::schema_latest_version());
    TMF_EXPECT_EQ(count_rows_of(db, "schema_version"), registry::schema_latest_version());
    db.exec("INSERT INTO schema_version(version) VALUES (999)");
  }
  TMF_EXPECT_THROWS(Registry(dir, url), registry::RegistryError, "newer than this tinymlops");
}

// Migration 12 rebuilds deployments (and its two child tables) to allow 'paused' and
// 'cancelled': the rows of a version-10 database keep every column and their references, the new
// states are accepted, and a deployment created afterwards takes the next id.
REGISTRY_TEST(Migration12KeepsDeploymentsAndAllowsPauseAndCancel) {
  const std::string dir = fresh_dir("reg_migration12");
  const std::string url = database_for(engine, "reg_migration12");
  std::filesystem::create_directories(dir);
  {
    registry::Database db(url.empty() ? dir + "/registry.db" : url);
    registry::schema_migrate(db, 10);
    for (const char* sql :
         {"INSERT INTO models(id, name, model_id) VALUES (1, 'pump', 7)",
          "INSERT INTO artifacts(sha256, bytes) VALUES ('ab', 10)",
          "INSERT INTO versions(id, model, version, artifact, file_bytes, arena_bytes, macs) VALUES (1, 1, 3, 'ab', 10, 4, 5)",
          "INSERT INTO devices(id, device_group) VALUES ('pump-1', 'line')",
          "INSERT INTO deployments(id, version, device_group, stages, gates, current_stage, state, reason) "
          "VALUES (4, 1, 'line', '[\"1\",\"100%\"]', '{}', 1, 'rolled_back', 'stage 2 failed')",
          "INSERT INTO deployment_devices(deployment, device, stage, state, result_code, detail, chunks_sent, bytes_sent) "
          "VALUES (4, 'pump-1', 1, 'rolled_back', 3, 'reverted', 9, 4096)",
          "INSERT INTO deployment_records(deployment, artifact, sequence, record, signer_key_id) VALUES (4, 'ab', 12, 'cd', 'ef')"}) {
      db.exec(sql);
    }
  }
  Registry reg(dir, url);  // migrates to the latest version
  const auto old = reg.find_deployment(4);
  TMF_ASSERT(old.has_value());
  TMF_EXPECT(old->state == registry::DeploymentState::kRolledBack && old->reason == "stage 2 failed" && old->current_stage == 1 &&
             old->model_name == "pump" && old->model_version == 3u && old->stages_json == "[\"1\",\"100%\"]");
  const auto rows = reg.deployment_devices(4);
  TMF_ASSERT(rows.size() == 1);
  TMF_EXPECT(rows[0].device == "pump-1" && rows[0].state == registry::DeviceRolloutState::kRolledBack &&
             rows[0].result_code.value_or(0) == 3 && rows[0].bytes_sent == 4096u);
  TMF_EXPECT(reg.find_deployment_record(4, "ab").has_value());
  const int64_t next = reg.create_deployment(1, "line", "[\"100%\"]", "{}");
  TMF_EXPECT_EQ(next, 5);
  using registry::DeploymentState;
  TMF_EXPECT(reg.transition_deployment(next, {DeploymentState::kRunning}, DeploymentState::kPaused, "paused by test"));
  TMF_EXPECT(!reg.transition_deployment(next, {DeploymentState::kRunning}, DeploymentState::kCancelled, ""));
  TMF_EXPECT(reg.transition_deployment(next, {DeploymentState::kPaused}, DeploymentState::kCancelled, "cancelled by test"));
  TMF_EXPECT(reg.find_deployment(next)->state == DeploymentState::kCancelled);
  // The child tables still refer to deployments: a row for a deployment that does not exist is refused.
  registry::DeploymentDevice orphan;
  orphan.device = "pump-1";
  TMF_EXPECT_THROWS(reg.upsert_deployment_device(99, orphan), registry::RegistryError, "");
}

// Migration 13 adds each device's last fault: a version-12 row keeps its columns and has none; a
// recorded fault comes back field for field, its PC above 2^31 included (a u32 on the wire).
REGISTRY_TEST(Migration13AddsTheLastFaultOfADevice) {
  const std::string dir = fresh_dir("reg_migration13");
  const std::string url = database_for(engine, "reg_migration13");
  std::filesystem::create_directories(dir);
  {
    registry::Database db(url.empty() ? dir + "/registry.db" : url);
    registry::schema_migrate(db, 12);
    db.exec("INSERT INTO devices(id, device_group, core, online) VALUES ('pump-1', 'line', 'cortex-m33', 1)");
  }
  Registry reg(dir, url);
  auto before = reg.find_device("pump-1");
  TMF_ASSERT(before.has_value());
  TMF_EXPECT(before->profile.core == "cortex-m33" && before->online && !before->last_fault.has_value());
  reg.record_device_fault("pump-1", 24, "CONFIRMED_WATCHDOG", 0x10000F2Au);
  reg.record_device_fault("pump-1", 23, "CONFIRMED_FAULTS", 0xFFFFFFF0u);  // the last one counts
  reg.record_device_fault("nosuch", 22, "TRIAL_FAULT", 1);                  // no row: nothing written
  const auto after = reg.find_device("pump-1");
  TMF_ASSERT(after.has_value() && after->last_fault.has_value());
  TMF_EXPECT_EQ(after->last_fault->code, 23);
  TMF_EXPECT(after->last_fault->name == "CONFIRMED_FAULTS");
  TMF_EXPECT_EQ(after->last_fault->detail, 0xFFFFFFF0u);
  const std::string& at = after->last_fault->at;  // UTC text as last_seen: YYYY-MM-DDTHH:MM:SSZ
  TMF_EXPECT(at.size() == 20 && at[4] == '-' && at[10] == 'T' && at[19] == 'Z');
  TMF_EXPECT(reg.list_devices()[0].last_fault.has_value());
  TMF_EXPECT(!reg.find_device("nosuch").has_value());
}

// Migration 8 rebuilds telemetry_batches with the journal incarnation in the key: rows of a
// version-7 database keep every column, their arrival order (rowid) and incarnation 0.
REGISTRY_TEST(Migration8KeepsTelemetryRowsWithIncarnationZero) {
  const std::string dir = fresh_dir("reg_migration8");
  const std::string url = database_for(engine, "reg_migration8");
  std::filesystem::create_directories(dir);
  {
    registry::Database db(url.empty() ? dir + "/registry.db" : url);
    registry::schema_migrate(db, 7);
    TMF_EXPECT_EQ(registry::schema_current_version(db), 7);
    for (const char* row : {"(5, 'pump-1', 1, 2, 100, 7, 1, 0, 2, 0, 1, 8, 60, 4096, 79153, 0, 0, 0, x'0000803F', x'01', NULL)",
                            "(9, 'pump-1', 1, 1, 200, 7, 1, 0, 2, 1, 1, 0, 30, 4096, 79153, 1, 1, 0, x'00000040', x'03', x'AB')"}) {
      const std::string insert =
          std::string("INSERT INTO telemetry_batches(rowid, device, boot_count, seq, received_at, model_id, "
                      "model_version, active_slot, phase, alarm, window_count, first_window, uptime_s, free_ram_bytes, "
                      "inference_cycles, alarms_raised, candidates, dropped_batches, scores, votes, sketch) VALUES ") +
          row;
      db.exec(insert.c_str());
    }
  }
  Registry reg(dir, url);  // migrates to the latest version
  monitor::TelemetryStore store(reg.db());
  const std::vector<monitor::BatchKey> keys = store.batch_keys();
  TMF_ASSERT(keys.size() == 2);
  const auto second = store.find_batch({"pump-1", 1, 2});
  TMF_ASSERT(second.has_value());
  TMF_EXPECT_EQ(second->incarnation, 0u);
  TMF_EXPECT_EQ(second->row, 5);
  TMF_EXPECT_EQ(second->received_at_ms, 100);
  TMF_EXPECT(second->scores.size() == 1 && second->scores[0] == 1.0f && second->sketch.empty());
  // Arrival order survives the rebuild: (1, 1) arrived after (1, 2) and is the latest.
  const auto latest = store.latest_batch_per_device();
  TMF_ASSERT(latest.size() == 1);
  TMF_EXPECT(latest[0].seq == 1 && latest[0].row == 9 && latest[0].sketch.size() == 1);
  // A batch arriving after the rebuild comes after the copied rows, as SQLite's next rowid would.
  monitor::TelemetryBatch next = *second;
  next.seq = 3;
  TMF_EXPECT(store.insert_batch(next));
  const auto newest = store.latest_batch_per_device();
  TMF_ASSERT(newest.size() == 1);
  TMF_EXPECT(newest[0].seq == 3 && newest[0].row == 10);
}

// One text form per deployment and device rollout state (registry/deployment_state.h): the
// registry columns, `deploy --json` and the API spell them the same way; unknown words are refused.
TMF_TEST(Registry, DeploymentStatesHaveOneTextAndJsonForm) {
  using registry::DeploymentState;
  using registry::DeviceRolloutState;
  const std::pair<DeploymentState, const char*> deployments[] = {{DeploymentState::kRunning, "running"},
                                                                 {DeploymentState::kCompleted, "completed"},
                                                                 {DeploymentState::kHalted, "halted"},
                                                                 {DeploymentState::kRolledBack, "rolled_back"},
                                                                 {DeploymentState::kPaused, "paused"},
                                                                 {DeploymentState::kCancelled, "cancelled"}};
  for (const auto& [state, text] : deployments) {
    TMF_EXPECT(std::string(registry::to_string(state)) == text);
    TMF_EXPECT(registry::deployment_state_parse(text) == state);
    TMF_EXPECT(nlohmann::json(state) == text);
    TMF_EXPECT(nlohmann::json(text).get<DeploymentState>() == state);
  }
  const std::pair<DeviceRolloutState, const char*> devices[] = {
      {DeviceRolloutState::kPending, "pending"},         {DeviceRolloutState::kOffered, "offered"},
      {DeviceRolloutState::kDownloading, "downloading"}, {DeviceRolloutState::kVerified, "verified"},
      {DeviceRolloutState::kTrial, "trial"},             {DeviceRolloutState::kConfirmed, "confirmed"},
      {DeviceRolloutState::kHealthy, "healthy"},         {DeviceRolloutState::kFailed, "failed"},
      {DeviceRolloutState::kRollingBack, "rolling_back"}, {DeviceRolloutState::kRolledBack, "rolled_back"},
      {DeviceRolloutState::kRefused, "refused"},         {DeviceRolloutState::kCancelled, "cancelled"}};
  int terminal = 0;
  for (const auto& [state, text] : devices) {
    TMF_EXPECT(std::string(registry::to_string(state)) == text);
    TMF_EXPECT(nlohmann::json(text).get<DeviceRolloutState>() == state);
    terminal += registry::terminal(state);
  }
  TMF_EXPECT_EQ(terminal, 5);  // healthy, failed, rolled_back, refused, cancelled
  TMF_EXPECT_THROWS(registry::deployment_state_parse("done"), std::invalid_argument,
                    "deployment state 'done': not one of running, completed, halted, rolled_back, paused or cancelled");
  TMF_EXPECT_THROWS(nlohmann::json("installed").get<DeviceRolloutState>(), std::invalid_argument, "'installed'");
}

REGISTRY_TEST(AddStoresArtifactLineageAndMetrics) {
  Registry reg = open_fresh(engine, "reg_add");
  registry::AddRequest parent = request_for(model_file(1));
  const registry::AddResult first = reg.add_version(parent);
  TMF_EXPECT(!first.already_present);
  TMF_EXPECT(first.version.name == "ad01");
  TMF_EXPECT_EQ(first.version.version, 1);
  TMF_EXPECT(first.version.stage == "none");
  TMF_EXPECT_EQ(first.version.macs, 264192);
  // Content addressing: the artifact is the file under its SHA-256 (computed by libsodium here).
  TMF_EXPECT(first.version.artifact == independent_sha256_hex(parent.bytes));
  TMF_EXPECT(test::read_bytes(reg.dir() + "/artifacts/" + first.version.artifact) == parent.bytes);

  registry::AddRequest child = request_for(model_file(2));
  child.metrics = {{"auc", 0.87}, {"f1", 0.5}};
  child.lineage.data = "bearing/2024-05";
  child.lineage.parameters = R"({"epochs": 20, "lr": 0.001})";
  child.lineage.parent = "ad01:1";
  reg.add_version(child);
  const registry::VersionInfo v = reg.get_version(registry::parse_version_ref("ad01"));  // newest
  TMF_EXPECT_EQ(v.version, 2);
  TMF_EXPECT(v.lineage.parent == std::optional<std::string>("ad01:1"));
  TMF_EXPECT(v.lineage.data == std::optional<std::string>("bearing/2024-05"));
  TMF_EXPECT(nlohmann::json::parse(*v.lineage.parameters)["epochs"] == 20);
  TMF_EXPECT_EQ(v.metrics.size(), 2);
  TMF_EXPECT(v.metrics.at("auc") == 0.87);
  TMF_EXPECT_EQ(reg.list_versions().size(), 2);

  // The same file again is recognised, not duplicated.
  TMF_EXPECT(reg.add_version(request_for(model_file(1))).already_present);
  TMF_EXPECT_EQ(count_rows(reg, "versions"), 2);
}

// Migration 15 (docs/scaling.md "Shared artifacts"): a version's bytes live in the store, written
// with the version, so a registry opened on another folder (another worker host) reads them
// without the registering folder's file; damaged stored bytes are refused; an artifact row left
// without bytes (as registered before step 15) is filled by the first registry that has the file.
REGISTRY_TEST(ArtifactBytesLiveInTheStore) {
  const std::string home = fresh_dir("reg_artifact_home"), elsewhere = fresh_dir("reg_artifact_elsewhere");
  const std::string url = database_for(engine, "reg_artifact");
  const std::string shared = url.empty() ? home + "/registry.db" : url;  // SQLite: both open the one file
  std::filesystem::create_directories(home);
  const registry::AddRequest one = request_for(model_file(1)), two = request_for(model_file(2));
  std::string hash_one, hash_two;
  {
    Registry reg(home, shared);
    hash_one = reg.add_version(one).version.artifact;
    hash_two = reg.add_version(two).version.artifact;
    registry::Statement row(reg.db(), "SELECT content, bytes FROM artifacts WHERE sha256 = ?");
    row.bind(1, hash_one);
    TMF_ASSERT(row.step());
    const std::string stored = row.column_text(0);
    TMF_EXPECT(std::vector<uint8_t>(stored.begin(), stored.end()) == one.bytes);
    TMF_EXPECT_EQ(row.column_int(1), static_cast<int64_t>(one.bytes.size()));
  }
  {
    Registry worker(elsewhere, shared);  // an empty folder: no artifact file to fall back on
    const registry::VersionInfo v = worker.get_version(registry::parse_version_ref("ad01:1"));
    TMF_EXPECT(worker.artifact_bytes(v) == one.bytes);
    TMF_EXPECT(independent_sha256_hex(worker.artifact_bytes(v)) == hash_one);
    TMF_EXPECT(!std::filesystem::exists(elsewhere + "/artifacts/" + hash_one));

    std::vector<uint8_t> damaged = one.bytes;
    damaged[damaged.size() / 2] ^= 0x10;
    registry::Statement(worker.db(), "UPDATE artifacts SET content = CAST(? AS BLOB) WHERE sha256 = ?")
        .bind(1, std::string(damaged.begin(), damaged.end()))
        .bind(2, hash_one)
        .run();
    TMF_EXPECT_THROWS(worker.artifact_bytes(v), registry::RegistryError, "damaged");
    // Version 2's row as a registry before step 15 left it: the file at home only.
    registry::Statement(worker.db(), "UPDATE artifacts SET content = NULL WHERE sha256 = ?").bind(1, hash_two).run();
    const registry::VersionInfo v2 = worker.get_version(registry::parse_version_ref("ad01:2"));
    TMF_EXPECT_THROWS(worker.artifact_bytes(v2), registry::RegistryError, "artifact missing");
  }
  { Registry home_again(home, shared); }  // has the file: copies it into the store
  {
    Registry worker(elsewhere, shared);
    TMF_EXPECT(worker.artifact_bytes(worker.get_version(registry::parse_version_ref("ad01:2"))) == two.bytes);
    TMF_EXPECT(!std::filesystem::exists(elsewhere + "/artifacts/" + hash_two));
  }
  {
    // Registering the same file again fills a row without bytes and repairs damaged ones.
    Registry reg(home, shared);
    registry::Statement(reg.db(), "UPDATE artifacts SET content = NULL WHERE sha256 = ?").bind(1, hash_two).run();
    std::filesystem::remove(home + "/artifacts/" + hash_two);
    TMF_EXPECT(reg.add_version(two).already_present);
    TMF_EXPECT(reg.add_version(one).already_present);
    Registry worker(elsewhere, shared);
    TMF_EXPECT(worker.artifact_bytes(worker.get_version(registry::parse_version_ref("ad01:2"))) == two.bytes);
    TMF_EXPECT(worker.artifact_bytes(worker.get_version(registry::parse_version_ref("ad01:1"))) == one.bytes);
  }
}

// Migration 16 (docs/scaling.md "Shared captures"): a registry from before step 16 whose serve
// received captures into files under its folder. Opening it there migrates and copies each file's
// samples into captures.content (at most 4 x the samples requested); a capture that had received
// nothing gets empty samples; one whose file is gone stays, content NULL (samples missing); a path
// outside captures/ is never read; a registry opened elsewhere (no files) copies nothing.
REGISTRY_TEST(PreSixteenCaptureFilesAreCopiedIntoTheStore) {
  const std::string home = fresh_dir("reg_captures_home"), elsewhere = fresh_dir("reg_captures_elsewhere");
  const std::string url = database_for(engine, "reg_captures");
  const std::string shared = url.empty() ? home + "/registry.db" : url;
  std::filesystem::create_directories(home + "/captures");
  std::vector<float> samples(300);
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = 0.5f * static_cast<float>(i) - 7.25f;
  const std::string bytes(reinterpret_cast<const char*>(samples.data()), 4 * samples.size());
  {
    registry::Database db(shared);
    registry::schema_migrate(db, 15);
    const char* insert =
        "INSERT INTO captures(id, device, requested_at, samples, received_samples, received_ranges, state, path) "
        "VALUES (?, ?, 1, ?, ?, ?, ?, ?)";
    auto row = [&](int64_t id, int64_t requested, int64_t received, const char* ranges, const char* state,
                   const std::string& path) {
      registry::Statement(db, insert).bind(1, id).bind(2, "dev" + std::to_string(id)).bind(3, requested)
          .bind(4, received).bind(5, ranges).bind(6, state).bind(7, path).run();
    };
    row(1, 300, 300, "[[0,300]]", "complete", "captures/dev1-1.f32");
    row(2, 300, 300, "[[0,300]]", "complete", "captures/dev2-2.f32");  // its file is gone
    row(3, 300, 0, "[]", "requested", "captures/dev3-3.f32");          // nothing received yet
    row(4, 200, 200, "[[0,200]]", "complete", "captures/dev4-4.f32");  // a file longer than the request
    row(5, 300, 300, "[[0,300]]", "complete", "../outside.f32");       // never read
  }
  std::ofstream(home + "/captures/dev1-1.f32", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::ofstream(home + "/captures/dev4-4.f32", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::ofstream(home + "/outside.f32", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  auto content = [](Registry& reg, int64_t id) -> std::optional<std::string> {
    registry::Statement s(reg.db(), "SELECT content FROM captures WHERE id = ?");
    s.bind(1, id);
    if (!s.step() || s.column_is_null(0)) return std::nullopt;
    return s.column_text(0);
  };
  {
    Registry worker(elsewhere, shared);  // migrates; no files in its folder
    TMF_EXPECT_EQ(registry::schema_current_version(worker.db()), 16);
    TMF_EXPECT(!content(worker, 1) && !content(worker, 2) && !content(worker, 4) && !content(worker, 5));
    TMF_EXPECT(content(worker, 3) == std::optional<std::string>(""));
  }
  {
    Registry reg(home, shared);  // the machine with the files
    TMF_EXPECT(content(reg, 1) == std::optional<std::string>(bytes));
    TMF_EXPECT(content(reg, 4) == std::optional<std::string>(bytes.substr(0, 4 * 200)));
    TMF_EXPECT(!content(reg, 2) && !content(reg, 5));
    TMF_EXPECT_EQ(count_rows(reg, "captures"), 5);
  }
  // What every reader sees through the store: the copied samples, and a clear error for the gone file.
  Registry worker(elsewhere, shared);
  monitor::TelemetryStore store(worker.db());
  TMF_EXPECT(store.capture_data(1) == bytes);
  TMF_EXPECT(!store.find_capture(1)->samples_missing && store.find_capture(2)->samples_missing);
  TMF_EXPECT_EQ(store.find_capture(2)->received_samples, 300u);  // still readable as metadata
  TMF_EXPECT_THROWS(store.capture_data(2), monitor::CaptureSamplesMissing,
                    "capture 2 of dev2: samples missing (received before schema 16 into captures/dev2-2.f32");
}

REGISTRY_TEST(BadInputChangesNothing) {
  Registry reg = open_fresh(engine, "reg_bad");
  reg.add_version(request_for(model_file(1)));
  const int64_t versions = count_rows(reg, "versions");
  const int64_t artifacts = count_rows(reg, "artifacts");

  // A corrupted model: rejected naming the file, nothing stored.
  registry::AddRequest corrupt = request_for(model_file(2));
  corrupt.path = "corrupt.tmf";
  corrupt.bytes[5000] ^= 0xFF;  // a weight byte: only the content hash notices
  TMF_EXPECT_THROWS(reg.add_version(corrupt), registry::RegistryError, "corrupt.tmf: content hash");
  registry::AddRequest truncated = request_for(model_file(2));
  truncated.path = "truncated.tmf";
  truncated.bytes.resize(100);
  TMF_EXPECT_THROWS(reg.add_version(truncated), registry::RegistryError, "truncated.tmf");

  // Same name and version, different bytes (another network converted as ad01 version 1).
  const std::string impostor = test::temp_path("impostor.tmf");
  test::run_cli("convert " + test::real_models()[2].tflite + " -o " + impostor + " --name ad01 --model-version 1");
  TMF_EXPECT_THROWS(reg.add_version(request_for(impostor)), registry::RegistryError, "different content");

  // Unknown lineage parent and bad parameters: the transaction rolls back.
  registry::AddRequest orphan = request_for(model_file(2));
  orphan.lineage.parent = "ad01:42";
  TMF_EXPECT_THROWS(reg.add_version(orphan), registry::RegistryError, "ad01:42");
  registry::AddRequest bad_params = request_for(model_file(2));
  bad_params.lineage.parameters = "[1,2]";
  TMF_EXPECT_THROWS(reg.add_version(bad_params), registry::RegistryError, "not a JSON object");
  TMF_EXPECT_EQ(count_rows(reg, "versions"), versions);
  TMF_EXPECT_EQ(count_rows(reg, "artifacts"), artifacts);
  TMF_EXPECT_EQ(count_rows(reg, "models"), 1);

  TMF_EXPECT_THROWS(reg.get_version(registry::parse_version_ref("nosuch")), registry::RegistryError, "nosuch");
  TMF_EXPECT_THROWS(registry::parse_version_ref("ad01:x"), registry::RegistryError, "ad01:x");
  TMF_EXPECT_THROWS(reg.promote(registry::parse_version_ref("ad01:1"), "live"), registry::RegistryError, "live");
}

REGISTRY_TEST(CrashInsideATransactionLeavesNoTrace) {
  const std::string dir = fresh_dir("reg_crash");
  const std::string url = database_for(engine, "reg_crash");
  { Registry reg(dir, url); reg.add_version(request_for(model_file(1))); }
  const pid_t child = fork();
  if (child == 0) {
    // The child dies (no destructors, no rollback) between writing and committing.
    Registry reg(dir, url);
    reg.db().exec(engine == Engine::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
    reg.db().exec("UPDATE versions SET stage = 'production'");
    reg.db().exec("INSERT INTO models(name, model_id) VALUES ('ghost', 7)");
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  Registry reg(dir, url);
  if (engine == Engine::kSqlite) {
    registry::Statement check(reg.db(), "PRAGMA integrity_check");
    check.step();
    TMF_EXPECT(check.column_text(0) == "ok");
  }
  TMF_EXPECT_EQ(count_rows(reg, "models"), 1);
  TMF_EXPECT(reg.get_version(registry::parse_version_ref("ad01:1")).stage == "none");
  // Artifact writes leave no temporary files behind.
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/artifacts")) {
    TMF_EXPECT(entry.path().filename().string().rfind(".tmp", 0) != 0);
  }
}

REGISTRY_TEST(PromoteArchivesThePreviousProductionVersion) {
  Registry reg = open_fresh(engine, "reg_promote");
  reg.add_version(request_for(model_file(1)));
  reg.add_version(request_for(model_file(2)));
  TMF_EXPECT(reg.promote(registry::parse_version_ref("ad01:1"), "production").stage == "production");
  reg.promote(registry::parse_version_ref("ad01:2"), "production");
  TMF_EXPECT(reg.get_version(registry::parse_version_ref("ad01:1")).stage == "archived");
  TMF_EXPECT(reg.get_version(registry::parse_version_ref("ad01:2")).stage == "production");
}

REGISTRY_TEST(DevicesKeepCurrentAndPreviousModel) {
  Registry reg = open_fresh(engine, "reg_devices");
  reg.upsert_device("dev-b", "line1", {"cortex-m4", 131072, 1048576, 80000000});
  reg.upsert_device("dev-a", "line1", {"cortex-m7", 524288, 2097152, 216000000});
  reg.upsert_device("dev-c", "line2", {"cortex-m0", 16384, 262144, 16000000});
  reg.record_device_model("dev-a", 0x1234, 1);
  reg.record_device_model("dev-a", 0x1234, 1);  // same model again: no shift
  reg.record_device_model("dev-a", 0x1234, 2);
  const auto a = reg.find_device("dev-a");
  TMF_ASSERT(a.has_value());
  TMF_EXPECT_EQ(*a->current_version, 2);
  TMF_EXPECT_EQ(*a->previous_version, 1);
  TMF_EXPECT(a->profile.core == "cortex-m7");
  TMF_EXPECT_EQ(a->profile.clock_hz, 216000000);
  const auto group = reg.list_devices(std::string("line1"));
  TMF_EXPECT_EQ(group.size(), 2);
  TMF_EXPECT(group[0].id == "dev-a");
  TMF_EXPECT(!reg.find_device("nosuch").has_value());
}

TMF_TEST(Registry, CliAddListShowPromoteDevices) {
  const std::string dir = fresh_dir("reg_cli");
  const std::string r = " --registry " + dir;
  const test::CommandResult add = test::run_cli("registry add " + model_file(1) + r +
                                                " --metrics '{\"auc\":0.9}' --data bearing --json");
  TMF_ASSERT(add.exit_code == 0);
  const auto j = nlohmann::json::parse(add.out);
  TMF_EXPECT(j["name"] == "ad01");
  TMF_EXPECT(j["metrics"]["auc"] == 0.9);
  TMF_EXPECT(j["lineage"]["data"] == "bearing");
  TMF_EXPECT_EQ(test::run_cli("registry add " + model_file(2) + r + " --parent ad01:1").exit_code, 0);
  const auto list = nlohmann::json::parse(test::run_cli("registry list --json" + r).out);
  TMF_EXPECT_EQ(list.size(), 2);
  TMF_EXPECT_EQ(test::run_cli("registry promote ad01:2 --stage production" + r).exit_code, 0);
  const auto show = nlohmann::json::parse(test::run_cli("registry show ad01:2 --json" + r).out);
  TMF_EXPECT(show["stage"] == "production");
  TMF_EXPECT(show["lineage"]["parent"] == "ad01:1");

  const test::CommandResult bad_metrics = test::run_cli("registry add " + model_file(3) + r + " --metrics '{\"auc\":\"high\"}'");
  TMF_EXPECT_EQ(bad_metrics.exit_code, 2);
  TMF_EXPECT(bad_metrics.err.find("auc") != std::string::npos);
  const test::CommandResult missing = test::run_cli("registry show ad01:9" + r);
  TMF_EXPECT_EQ(missing.exit_code, 2);
  TMF_EXPECT(missing.err.find("ad01") != std::string::npos);

  {
    Registry reg(dir);
    reg.upsert_device("sensor-1", "pumps", {"cortex-m4", 131072, 1048576, 80000000});
    const auto v = reg.get_version(registry::parse_version_ref("ad01:2"));
    reg.record_device_model("sensor-1", v.model_id, 1);
    reg.record_device_model("sensor-1", v.model_id, 2);
  }
  auto dev = nlohmann::json::parse(test::run_cli("devices show sensor-1 --json" + r).out);
  TMF_EXPECT(dev["last_fault"].is_null());
  {
    Registry reg(dir);
    reg.record_device_fault("sensor-1", 25, "TRIAL_WATCHDOG", 0x498u);
  }
  dev = nlohmann::json::parse(test::run_cli("devices show sensor-1 --json" + r).out);
  TMF_EXPECT(dev["last_fault"]["code"] == 25 && dev["last_fault"]["name"] == "TRIAL_WATCHDOG" &&
             dev["last_fault"]["detail"] == 0x498 && dev["last_fault"]["pc"] == "0x00000498");
  TMF_EXPECT(dev["last_fault"]["description"] == "the model stalled the device on trial (watchdog)");
  TMF_EXPECT(test::run_cli("devices show sensor-1" + r).out.find("last fault: TRIAL_WATCHDOG (the model stalled the device on trial (watchdog)), pc 0x00000498, at ") !=
             std::string::npos);
  TMF_EXPECT(test::run_cli("devices list" + r).out.find("TRIAL_WATCHDOG pc=0x00000498") != std::string::npos);
  TMF_EXPECT(dev["current_model"] == "ad01:2");
  TMF_EXPECT(dev["previous_model"] == "ad01:1");
  TMF_EXPECT(dev["group"] == "pumps");
  TMF_EXPECT_EQ(nlohmann::json::parse(test::run_cli("devices list --group pumps --json" + r).out).size(), 1);
  const test::CommandResult unknown = test::run_cli("devices show sensor-9" + r);
  TMF_EXPECT_EQ(unknown.exit_code, 2);
  TMF_EXPECT(unknown.err.find("sensor-9") != std::string::npos);
  TMF_EXPECT_EQ(test::run_cli("registry --help").exit_code, 0);
  TMF_EXPECT_EQ(test::run_cli("devices list --help").exit_code, 0);
}

// Enrolment records (host/registry/enrolment.cc; moved here from fleet_tests to run on both
// engines beside the other registry tests): one valid certificate per identity, a serial once,
// revocation, re-enrolment on new hardware, the newest certificate of an identity read in
// arrival order, and the revoked list the CRL is signed from.
REGISTRY_TEST(EnrolRevokeReenrol) {
  Registry reg = open_fresh(engine, "registry_enrol");
  TMF_EXPECT(!reg.device_enrolled("pump-a").has_value());
  reg.device_enroll("pump-a", "pumps", "0a");
  reg.device_enroll("pump-b", "pumps", "0b");
  reg.device_enroll("fan-1", "fans", "0c");
  TMF_EXPECT_THROWS(reg.device_enroll("pump-a", "pumps", "0d"), registry::RegistryError, "enrolled already with certificate 0a");
  TMF_EXPECT_THROWS(reg.device_enroll("pump-z", "pumps", "0a"), registry::RegistryError, "serial 0a");
  const auto a = reg.device_enrolled("pump-a");
  TMF_ASSERT(a.has_value());
  TMF_EXPECT(a->group == "pumps" && a->serial == "0a" && !a->revoked && a->kind == "device");
  TMF_EXPECT_EQ(reg.devices_enrolled(std::string("pumps")).size(), 2u);
  TMF_EXPECT_EQ(reg.devices_enrolled().size(), 3u);

  const registry::Enrolment revoked = reg.device_revoke("pump-a");
  TMF_EXPECT(revoked.serial == "0a" && revoked.revoked && revoked.revoked_at.has_value());
  TMF_EXPECT_THROWS(reg.device_revoke("pump-a"), registry::RegistryError, "holds no valid certificate");
  TMF_EXPECT(reg.device_enrolled("pump-a")->revoked);
  TMF_EXPECT_EQ(reg.devices_enrolled(std::string("pumps")).size(), 1u);
  // New hardware under the old id: a new serial; the old one stays on the revocation list.
  reg.device_enroll("pump-a", "pumps", "1a");
  TMF_EXPECT(reg.device_enrolled("pump-a")->serial == "1a" && !reg.device_enrolled("pump-a")->revoked);
  // Revoked again and re-enrolled again within the same second: the newest certificate still wins.
  reg.device_revoke("pump-a");
  reg.device_enroll("pump-a", "pumps", "2a");
  reg.device_revoke("pump-a");
  TMF_EXPECT(reg.device_enrolled("pump-a")->serial == "2a");
  // A service identity: its own kind, revoked alone, never listed as a device.
  reg.service_enroll("svc-serve-w1", "5e");
  TMF_EXPECT_THROWS(reg.service_enroll("svc-serve-w1", "5f"), registry::RegistryError, "enrolled already with certificate 5e");
  TMF_EXPECT(reg.service_revoke("svc-serve-w1").serial == "5e");
  TMF_EXPECT(!reg.device_enrolled("svc-serve-w1").has_value());
  std::vector<std::string> serials;
  for (const auto& e : reg.certificates_revoked()) serials.push_back(e.serial);
  std::sort(serials.begin(), serials.end());
  TMF_EXPECT(serials == std::vector<std::string>({"0a", "1a", "2a", "5e"}));
}

}  // namespace
}  // namespace tmf
