// Retention (host/monitor/retention.h, docs/serve.md "Retention") on SQLite (Retention) and
// PostgreSQL (RetentionPostgres): rows older than the cutoff are deleted and newer ones kept,
// counted exactly against the rows the test inserted; what must stay (a device's newest batch, an
// open alert's evidence, captures the loop or a version's lineage uses) stays; a prune of a large
// table lets concurrent ingest commits in after at most one of its transactions; `registry prune`
// and `serve --retain-*` run the same passes (with --db, on PostgreSQL).
#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "host/monitor/alerts.h"
#include "host/monitor/retention.h"
#include "host/monitor/telemetry_store.h"
#include "host/registry/registry.h"
#include "serve_fixture.h"
#include "tests/support/fleet_broker.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

constexpr int64_t kDayMs = 86400000;
using registry::Statement;

monitor::TelemetryBatch batch(const std::string& device, uint32_t seq, uint32_t version, int64_t received_at) {
  monitor::TelemetryBatch b;
  b.device = device;
  b.boot_count = 1;
  b.seq = seq;
  b.received_at_ms = received_at;
  b.model_id = 77;
  b.model_version = version;
  b.window_count = 1;
  b.scores = {0.5f};
  b.votes = {0};
  return b;
}

monitor::Alert alert_on(const std::optional<std::string>& device, const std::optional<std::string>& group,
                        uint32_t version) {
  monitor::Alert a;
  a.kind = device ? "alarm" : "drift";
  a.source = device ? "device" : "shift";
  a.subject = device ? monitor::device_subject(*device) : monitor::group_subject(*group);
  a.device = device;
  a.group = group;
  a.model_id = 77;
  a.model_version = version;
  a.raised_at_ms = 1;
  return a;
}

int64_t add_loop_step(registry::Database& db, const std::string& kind, const std::string& state,
                      std::optional<int64_t> parent, const nlohmann::json& detail) {
  Statement(db, "INSERT INTO loop_steps (device_group, kind, state, reason, parent, started_at, detail) "
                "VALUES ('pumps', ?, ?, 'test', ?, 1, ?)")
      .bind(1, kind)
      .bind(2, state)
      .bind(3, parent)
      .bind(4, detail.dump())
      .run();
  return db.last_insert_id();
}

void write_file(const std::string& path) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << "0123";
}

std::set<monitor::BatchKey> stored_keys(monitor::TelemetryStore& store) {
  const auto keys = store.batch_keys();
  return {keys.begin(), keys.end()};
}

std::set<uint32_t> capture_ids(monitor::TelemetryStore& store) {
  std::set<uint32_t> ids;
  for (const auto& c : store.list_captures()) ids.insert(c.id);
  return ids;
}

TMF_TEST_BOTH_ENGINES(Retention, DeletesOlderRowsKeepsNewerAndWhatMustStay) {
  const std::string dir = scratch_dir("retention_rules");
  const test_support::ScopedTestDatabase database(engine, "retention_rules");
  registry::Registry reg(dir);
  monitor::TelemetryStore store(reg.db());
  monitor::AlertStore alerts(reg.db());
  const int64_t now = monitor::unix_ms_now();
  const int64_t old_at = now - 40 * kDayMs, new_at = now - kDayMs;
  for (const char* d : {"d1", "d2", "d3", "d6"}) reg.upsert_device(d, "pumps", {"cortex-m4", 1, 1, 0});
  for (const char* d : {"d4", "d5"}) reg.upsert_device(d, "press", {"cortex-m4", 1, 1, 0});

  // The oracle: every row the test inserts, and whether a 30-day retention must keep it.
  std::set<monitor::BatchKey> keep;
  size_t must_delete = 0, old_kept = 0;
  auto put = [&](const std::string& device, uint32_t seq, uint32_t version, int64_t at, bool kept) {
    TMF_EXPECT(store.insert_batch(batch(device, seq, version, at)));
    if (kept) keep.insert({device, 1, seq});
    must_delete += !kept;
    old_kept += kept && at < now - 30 * kDayMs;
  };
  // Old rows of different devices interleaved in time, so age order is not device order.
  for (uint32_t seq = 1; seq <= 12; ++seq) {
    const int64_t at = old_at + seq * 60000;
    if (seq <= 10) put("d1", seq, 1, at, false);
    if (seq <= 6) put("d2", seq, 1, at + 1, seq == 6);      // its newest batch stays
    put("d3", seq, seq <= 8 ? 1 : 2, at + 2, seq <= 8);     // v1: an open alarm's evidence
    if (seq <= 5) put("d4", seq, 1, at + 3, true);          // v1: an open group alert's evidence (press)
    if (seq <= 3) put("d5", seq, 2, at + 4, false);         // press, but v2
    if (seq <= 4) put("d6", seq, 1, at + 5, false);         // its alert is acked
  }
  for (uint32_t seq = 11; seq <= 15; ++seq) put("d1", seq, 1, new_at + seq, true);
  put("d3", 13, 2, new_at, true);
  put("d4", 6, 1, new_at, true);
  put("d5", 4, 2, new_at, true);
  put("d6", 5, 1, new_at, true);
  const int64_t d3_alarm = alerts.raise(alert_on("d3", "pumps", 1));
  alerts.raise(alert_on(std::nullopt, "press", 1));
  alerts.ack(alerts.raise(alert_on("d6", "pumps", 1)));

  // Captures, every one with samples in its row: c1 and c5 prunable, also with legacy files (the
  // captures/ file of a capture received before schema 16), c8 prunable with a path outside
  // captures/ (its file there must survive), the others kept.
  const int64_t old_capture = now - 40 * kDayMs;
  const uint32_t c1 = store.create_capture("d1", 100, old_capture);
  const uint32_t c2 = store.create_capture("d1", 100, old_capture + 1);  // a running collect step's
  const uint32_t c3 = store.create_capture("d2", 100, old_capture + 2);  // trained version 1
  const uint32_t c4 = store.create_capture("d2", 100, old_capture + 3);  // held out for version 1
  const uint32_t c5 = store.create_capture("d3", 100, old_capture + 4);  // its training failed
  const uint32_t c6 = store.create_capture("d3", 100, old_capture + 5);  // a lineage's data file
  const uint32_t c7 = store.create_capture("d4", 100, now - kDayMs);     // new
  const uint32_t c8 = store.create_capture("d4", 100, old_capture + 6);
  for (const uint32_t c : {c1, c2, c3, c4, c5, c6, c7, c8}) store.put_capture_data(c, std::string(400, char(c)));
  for (const uint32_t c : {c1, c5, c6}) {
    const std::string legacy = "captures/" + store.find_capture(c)->device + "-" + std::to_string(c) + ".f32";
    Statement(reg.db(), "UPDATE captures SET path = ? WHERE id = ?").bind(1, legacy).bind(2, int64_t{c}).run();
    write_file(dir + "/" + legacy);
  }
  Statement(reg.db(), "UPDATE captures SET path = '../outside.f32' WHERE id = ?").bind(1, int64_t{c8}).run();
  write_file(dir + "/../outside.f32");
  registry::Database& db = reg.db();
  add_loop_step(db, "collect", "running", std::nullopt, {{"captures", {c2}}});
  const int64_t collect = add_loop_step(db, "collect", "done", std::nullopt, {{"captures", {c3, c4}}});
  add_loop_step(db, "train", "done", collect, {{"version", "m:1"}, {"holdout_captures", {c4}}});
  const int64_t failed_collect = add_loop_step(db, "collect", "done", std::nullopt, {{"captures", {c5}}});
  add_loop_step(db, "train", "failed", failed_collect, {{"error", "x"}});
  Statement(db, "INSERT INTO models(name, model_id) VALUES ('m', 77)").run();
  const int64_t model = db.last_insert_id();
  Statement(db, "INSERT INTO artifacts(sha256, bytes) VALUES ('ab', 1)").run();
  Statement(db, "INSERT INTO versions(model, version, artifact, file_bytes, arena_bytes, macs) VALUES (?, 1, 'ab', 1, 1, 1)")
      .bind(1, model)
      .run();
  const int64_t version = db.last_insert_id();
  Statement(db, "INSERT INTO lineage(version, data) VALUES (?, ?)")
      .bind(1, version)
      .bind(2, dir + "/" + store.find_capture(c6)->path)
      .run();

  const size_t total = stored_keys(store).size();
  monitor::RetentionPolicy policy;
  policy.telemetry_days = policy.capture_days = 30;
  policy.rows_per_transaction = 4;  // many transactions and keyset pages over 40 old rows
  const monitor::RetentionCounts dry = monitor::RetentionPass(reg, policy, now, true).run(std::chrono::milliseconds(0));
  TMF_EXPECT_EQ(dry.telemetry_deleted, must_delete);
  TMF_EXPECT_EQ(dry.telemetry_kept, old_kept);
  TMF_EXPECT_EQ(dry.captures_deleted, 3);
  TMF_EXPECT_EQ(dry.captures_kept, 4);
  TMF_EXPECT_EQ(dry.capture_files_deleted, 2);
  TMF_EXPECT_EQ(dry.transactions, 0);
  TMF_EXPECT_EQ(stored_keys(store).size(), total);  // a dry run deletes nothing
  TMF_EXPECT_EQ(capture_ids(store).size(), 8);

  const monitor::RetentionCounts real = monitor::RetentionPass(reg, policy, now).run(std::chrono::milliseconds(0));
  TMF_EXPECT_EQ(real.telemetry_deleted, must_delete);
  TMF_EXPECT_EQ(real.telemetry_kept, old_kept);
  TMF_EXPECT_EQ(real.captures_deleted, 3);
  TMF_EXPECT_EQ(real.capture_files_deleted, 2);
  TMF_EXPECT(real.max_rows_per_transaction <= 4);
  TMF_EXPECT(real.transactions >= (must_delete + 3) / 4 + 1);
  TMF_EXPECT(stored_keys(store) == keep);
  TMF_EXPECT(capture_ids(store) == (std::set<uint32_t>{c2, c3, c4, c6, c7}));
  TMF_EXPECT(!std::filesystem::exists(dir + "/captures/d1-" + std::to_string(c1) + ".f32"));
  TMF_EXPECT(!std::filesystem::exists(dir + "/captures/d3-" + std::to_string(c5) + ".f32"));
  TMF_EXPECT(std::filesystem::exists(dir + "/captures/d3-" + std::to_string(c6) + ".f32"));
  TMF_EXPECT(std::filesystem::exists(dir + "/../outside.f32"));
  // The deleted rows took their samples with them; the kept ones still have theirs.
  TMF_EXPECT_THROWS(store.capture_data(c1), registry::RegistryError, "no such capture");
  TMF_EXPECT(store.capture_data(c7) == std::string(400, char(c7)));

  // Nothing more on a second pass; once the alarm is acked its evidence goes too.
  const monitor::RetentionCounts again = monitor::RetentionPass(reg, policy, now).run(std::chrono::milliseconds(0));
  TMF_EXPECT_EQ(again.telemetry_deleted + again.captures_deleted, 0);
  alerts.ack(d3_alarm);
  const monitor::RetentionCounts acked = monitor::RetentionPass(reg, policy, now).run(std::chrono::milliseconds(0));
  TMF_EXPECT_EQ(acked.telemetry_deleted, 8);
  TMF_EXPECT_EQ(store.batch_count(std::string("d3")), 1);
  std::printf("  retention: %zu of %zu batches deleted, %zu old ones kept; captures 3 deleted, 4 kept; %llu "
              "transactions of <= 4 rows\n",
              must_delete, total, old_kept, static_cast<unsigned long long>(real.transactions));
}

// Old batches spread over 100 devices, inserted by the database itself.
void insert_old_rows(registry::Database& db, int64_t rows, int64_t received_at) {
  Statement(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) "
                "INSERT INTO telemetry_batches(device, incarnation, boot_count, seq, received_at, model_id, model_version, "
                "active_slot, phase, alarm, window_count, first_window, uptime_s, free_ram_bytes, inference_cycles, "
                "alarms_raised, candidates, dropped_batches, scores, votes, sketch) "
                "SELECT 'old' || (i % 100), 0, 1, i, ?2 + i, 77, 1, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, x'0000003f', x'00', NULL "
                "FROM n")
      .bind(1, rows)
      .bind(2, received_at)
      .run();
}

std::string query_plan(registry::Database& db, const std::string& sql) {
  const bool pg = db.engine() == registry::DatabaseEngine::kPostgres;
  Statement s(db, ((pg ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql).c_str());
  std::string plan;
  while (s.step()) plan += s.column_text(pg ? 0 : 3) + "\n";
  return plan;
}

TMF_TEST_BOTH_ENGINES(Retention, IngestCommitsInterleaveWithALargePrune) {
  const std::string dir = scratch_dir("retention_large");
  const test_support::ScopedTestDatabase database(engine, "retention_large");
  registry::Registry reg(dir);
  const int64_t now = monitor::unix_ms_now();
  constexpr int64_t kOld = 6000;
  insert_old_rows(reg.db(), kOld, now - 40 * kDayMs);
  if (engine == test_support::TestEngine::kPostgres) reg.db().exec("ANALYZE telemetry_batches");

  // The per-device arrival reads (batches_after, /metrics' latest row) and retention's age scan
  // use their indexes (migration 11) rather than scanning the table.
  const std::string arrival =
      query_plan(reg.db(), "SELECT rowid FROM telemetry_batches WHERE device = 'old7' AND rowid > 5000 ORDER BY rowid LIMIT 16");
  const std::string age = query_plan(
      reg.db(), "SELECT rowid FROM telemetry_batches WHERE received_at < 5 AND received_at >= 0 ORDER BY received_at, rowid LIMIT 1000");
  TMF_EXPECT(arrival.find("telemetry_by_arrival") != std::string::npos);
  TMF_EXPECT(age.find("telemetry_by_age") != std::string::npos);
  std::printf("  plan of a device's batches in arrival order:\n%s", arrival.c_str());

  // The pruner on its own connection, as `registry prune` beside a running serve; the ingest on
  // another, committing 8 batches per transaction as serve does.
  std::atomic<int> pruner_commits{0};
  std::atomic<bool> pruning{true};
  // The pruner starts once the ingest connection has committed: opening a registry takes longer
  // than the whole prune on a quiet machine, and a prune that ends first shows no interleaving.
  std::atomic<bool> ingest_running{false};
  monitor::RetentionCounts counts;
  std::string pruner_error;
  registry::Registry ingest(dir);
  monitor::TelemetryStore store(ingest.db());
  std::thread pruner([&] {
    try {
      registry::Registry own(dir);
      while (!ingest_running.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      monitor::RetentionPolicy policy;
      policy.telemetry_days = 30;  // rows_per_transaction: the default
      monitor::RetentionPass pass(own, policy, now);
      const auto pause = monitor::retention_pause(own.db().engine());
      while (pass.step()) {
        pruner_commits.fetch_add(1);
        std::this_thread::sleep_for(pause);
      }
      counts = pass.counts();
    } catch (const std::exception& e) {
      pruner_error = e.what();
    }
    pruning = false;
  });
  int during = 0, most_waited = 0;
  uint32_t seq = 0;
  while (pruning.load()) {
    const int before = pruner_commits.load();
    registry::Transaction tx(ingest.db());
    const int waited = pruner_commits.load() - before;  // pruner transactions committed while we waited
    for (int i = 0; i < 8; ++i) store.insert_batch(batch("live", ++seq, 1, now));
    tx.commit();
    ingest_running = true;
    if (pruning.load() && pruner_commits.load() > 0) {
      ++during;
      most_waited = std::max(most_waited, waited);
    }
    // serve's ingest gathers messages between its commits (every 100 ms or 256 messages). On
    // PostgreSQL the pruner does not pause and its six transactions can take a few ms each, so a
    // 10 ms gap could let it finish unseen; a busy ingest is always waiting for the lock there,
    // and the lock queue's order decides who is next (the property under test).
    std::this_thread::sleep_for(ingest.db().engine() == registry::DatabaseEngine::kSqlite
                                    ? std::chrono::milliseconds(10)
                                    : std::chrono::milliseconds(1));
  }
  pruner.join();
  TMF_ASSERT(pruner_error.empty());
  TMF_EXPECT_EQ(counts.telemetry_deleted, kOld - 100);  // each device's newest old row stays
  TMF_EXPECT_EQ(counts.telemetry_kept, 100);
  TMF_EXPECT(counts.max_rows_per_transaction <= 1000);
  TMF_EXPECT(during >= 3);
  TMF_EXPECT(most_waited <= 1);
  TMF_EXPECT_EQ(store.batch_count(std::string("live")), seq);
  TMF_EXPECT_EQ(store.batch_count(), seq + 100);
  std::printf("  prune of %lld rows: %llu transactions (longest %.1f ms, %u rows); %d ingest commits in between, each "
              "waited for at most %d of them\n",
              static_cast<long long>(kOld), static_cast<unsigned long long>(counts.transactions), counts.max_transaction_ms,
              counts.max_rows_per_transaction, during, most_waited);
}

struct Run {
  int exit_code = -1;
  std::string out;
};
Run run_cli(const std::string& args) {
  Run r;
  FILE* pipe = popen((std::string(TMF_CLI) + " " + args + " 2>&1").c_str(), "r");
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The retention event of a serve log, if printed.
nlohmann::json retention_event(const std::string& log) {
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("event", "") == "retention") return j;
  }
  return nullptr;
}

// The commands over `--db`, on PostgreSQL only: the passes are the ones tested above on both
// engines, and each tinymlops process costs seconds of start-up on a loaded machine.
TMF_TEST(RetentionPostgres, RegistryPruneAndServeRetainRunThePasses) {
  const std::string dir = scratch_dir("retention_cli");
  const test_support::ScopedTestDatabase database(test_support::TestEngine::kPostgres, "retention_cli");
  const std::string registry = dir + "/registry";
  const int64_t now = monitor::unix_ms_now();
  {
    registry::Registry reg(registry);
    monitor::TelemetryStore store(reg.db());
    for (uint32_t seq = 1; seq <= 20; ++seq) store.insert_batch(batch("d1", seq, 1, now - (seq <= 12 ? 50 : 5) * kDayMs));
    for (uint32_t seq = 21; seq <= 25; ++seq) store.insert_batch(batch("d1", seq, 1, now - 20 * kDayMs));
    store.create_capture("d1", 10, now - 50 * kDayMs);
  }
  const std::string common = " --registry '" + registry + "'" + database.cli_line();
  // 40 days: the 12 oldest batches (the device's newest is younger) and the capture.
  const Run dry = run_cli("registry prune --older-than 40 --dry-run --json" + common);
  TMF_EXPECT_EQ(dry.exit_code, 0);
  const auto d = nlohmann::json::parse(dry.out, nullptr, false);
  TMF_ASSERT(d.is_object());
  TMF_EXPECT(d["dry_run"] == true && d["telemetry_deleted"] == 12 && d["captures_deleted"] == 1);
  const Run pruned = run_cli("registry prune --older-than 40 --json" + common);
  TMF_EXPECT_EQ(pruned.exit_code, 0);
  const auto p = nlohmann::json::parse(pruned.out, nullptr, false);
  TMF_ASSERT(p.is_object());
  TMF_EXPECT(p["telemetry_deleted"] == 12 && p["captures_deleted"] == 1 && p["transactions"] == 2);

  // serve --retain-telemetry 10: a pass at start deletes four of the five 20-day-old batches (the
  // fifth is the device's newest).
  FleetBroker broker(dir + "/broker", "plant");
  std::vector<std::string> argv = {TMF_CLI, "serve", "--registry", registry, "--fleet", "plant", "--json",
                                   "--retain-telemetry", "10", "--retain-captures", "10"};
  for (const auto& flag : broker.service_flags(fleet::FleetService::kFleetServiceServe)) argv.push_back(flag);
  for (const auto& flag : database.cli_flags()) argv.push_back(flag);
  pid_t serve = spawn(argv, dir + "/serve.log");
  nlohmann::json event;
  for (int i = 0; i < 200 && event.is_null(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    event = retention_event(dir + "/serve.log");
  }
  test_support::stop_child(serve);
  TMF_ASSERT(!event.is_null());
  TMF_EXPECT(event["telemetry_deleted"] == 4 && event["telemetry_kept"] == 1 && event["captures_deleted"] == 0);
  registry::Registry reg(registry);
  TMF_EXPECT_EQ(monitor::TelemetryStore(reg.db()).batch_count(), 9);
  const Run refused = run_cli("serve --registry '" + registry + "' --retain-captures=-1 --allow-unenrolled");
  TMF_EXPECT(refused.exit_code == 2 && refused.out.find("--retain-captures") != std::string::npos);
}

}  // namespace
}  // namespace tmf::test
