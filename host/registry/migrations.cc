// The registry schema, one numbered step at a time. Never edit a released step: add a new one.
#include "host/registry/migrations.h"

#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace tmf::registry {
namespace {

struct Migration {
  int version;
  const char* sql;
  const char* postgres_sql = nullptr;  // when set, PostgreSQL runs this instead of `sql`
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  model_id INTEGER NOT NULL,            -- the TMF header's lineage id
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE TABLE artifacts (
  sha256 TEXT PRIMARY KEY,               -- hex SHA-256 of the file; stored at artifacts/<sha256>
  bytes INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE TABLE versions (
  id INTEGER PRIMARY KEY,
  model INTEGER NOT NULL REFERENCES models(id),
  version INTEGER NOT NULL,              -- the TMF header's model_version
  artifact TEXT NOT NULL REFERENCES artifacts(sha256),
  stage TEXT NOT NULL DEFAULT 'none' CHECK (stage IN ('none','staging','production','archived')),
  file_bytes INTEGER NOT NULL,
  arena_bytes INTEGER NOT NULL,
  macs INTEGER NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  signature_key_id TEXT,                 -- hex key id when the file carries an Ed25519 trailer
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  UNIQUE (model, version)
);
CREATE TABLE lineage (
  version INTEGER PRIMARY KEY REFERENCES versions(id),
  data TEXT,                             -- dataset path or id the model was trained on
  parameters TEXT,                       -- JSON object of training parameters
  parent INTEGER REFERENCES versions(id)
);
CREATE TABLE metrics (
  version INTEGER NOT NULL REFERENCES versions(id),
  name TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (version, name)
);
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  device_group TEXT NOT NULL,
  core TEXT NOT NULL DEFAULT '',
  ram_bytes INTEGER NOT NULL DEFAULT 0,
  flash_bytes INTEGER NOT NULL DEFAULT 0,
  clock_hz INTEGER NOT NULL DEFAULT 0,
  current_model_id INTEGER,
  current_version INTEGER,
  previous_model_id INTEGER,
  previous_version INTEGER,
  online INTEGER NOT NULL DEFAULT 0,
  last_seen TEXT
);
CREATE INDEX devices_by_group ON devices(device_group);
)sql"},
    {2, R"sql(
CREATE TABLE deployments (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL REFERENCES versions(id),
  device_group TEXT NOT NULL,
  stages TEXT NOT NULL,                  -- JSON array of stage sizes, e.g. ["1","10%","100%"]
  gates TEXT NOT NULL,                   -- JSON object of health-gate bounds
  current_stage INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'running'
    CHECK (state IN ('running','completed','halted','rolled_back')),
  reason TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE TABLE deployment_devices (
  deployment INTEGER NOT NULL REFERENCES deployments(id),
  device TEXT NOT NULL REFERENCES devices(id),
  stage INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  result_code INTEGER,
  detail TEXT NOT NULL DEFAULT '',
  chunks_sent INTEGER NOT NULL DEFAULT 0,
  bytes_sent INTEGER NOT NULL DEFAULT 0,
  previous_model_id INTEGER,
  previous_version INTEGER,
  started_at TEXT,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  PRIMARY KEY (deployment, device)
);
CREATE INDEX deployments_by_state ON deployments(state);
)sql"},
    // Live telemetry, alerts, raw captures and reference sketches (tinymlops serve, docs/serve.md).
    {3, R"sql(
CREATE TABLE telemetry_batches (
  device TEXT NOT NULL,                  -- no foreign key: telemetry may arrive before the INFO
  boot_count INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  received_at INTEGER NOT NULL,          -- unix ms, host clock
  model_id INTEGER NOT NULL,
  model_version INTEGER NOT NULL,
  active_slot INTEGER NOT NULL,
  phase INTEGER NOT NULL,                -- 0 no model, 1 commissioning, 2 monitoring
  alarm INTEGER NOT NULL,
  window_count INTEGER NOT NULL,
  first_window INTEGER NOT NULL,
  uptime_s INTEGER NOT NULL,
  free_ram_bytes INTEGER NOT NULL,
  inference_cycles INTEGER NOT NULL,
  alarms_raised INTEGER NOT NULL,
  candidates INTEGER NOT NULL,
  dropped_batches INTEGER NOT NULL,
  scores BLOB NOT NULL,                  -- f32 little-endian [window_count]
  votes BLOB NOT NULL,                   -- u8 [window_count]
  sketch BLOB,                           -- NULL without a sketch; layout in host/monitor/sketch_blob.h
  PRIMARY KEY (device, boot_count, seq)
);
-- newest K batches of a device's version; a device's batches in arrival order (index entries end with the rowid)
CREATE INDEX telemetry_by_model ON telemetry_batches(device, model_id, model_version, boot_count, seq);
CREATE INDEX telemetry_by_arrival ON telemetry_batches(device);
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('alarm','drift')),
  source TEXT NOT NULL,                  -- alarm: 'device'; drift: 'shift' (PSI) or 'score' (CUSUM, Page-Hinkley)
  subject TEXT NOT NULL,                 -- 'device:<id>' or 'group:<name>'
  device TEXT,
  device_group TEXT,
  model_id INTEGER,
  model_version INTEGER,
  raised_at INTEGER NOT NULL,            -- unix ms
  detail TEXT NOT NULL DEFAULT '{}',     -- JSON object
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','acked')),
  label INTEGER CHECK (label IN (0, 1)), -- NULL unlabelled, 1 true alarm, 0 false alarm
  label_note TEXT,
  labelled_at INTEGER
);
CREATE INDEX alerts_by_subject ON alerts(kind, source, subject, model_id, model_version, state);
CREATE TABLE captures (
  id INTEGER PRIMARY KEY,                -- the capture_id of COMMAND collect and DATA
  device TEXT NOT NULL,
  requested_at INTEGER NOT NULL,         -- unix ms
  samples INTEGER NOT NULL,              -- requested
  sample_rate_hz INTEGER,
  model_id INTEGER,
  model_version INTEGER,
  total_samples INTEGER,                 -- as the device reports it
  received_samples INTEGER NOT NULL DEFAULT 0,
  received_ranges TEXT NOT NULL DEFAULT '[]',  -- JSON [[offset, count], ...], merged
  state TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ('requested','complete')),
  path TEXT NOT NULL,                    -- relative to the registry directory
  completed_at INTEGER
);
CREATE TABLE reference_sketches (
  model_id INTEGER NOT NULL,
  model_version INTEGER NOT NULL,
  feature_count INTEGER NOT NULL,
  bins INTEGER NOT NULL,
  windows INTEGER NOT NULL,
  sketch BLOB NOT NULL,                  -- lo/hi, count/mean/m2, histogram: host/monitor/sketch_blob.h
  score_mean REAL,                       -- the detector score on healthy reference data, if known
  score_std REAL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  PRIMARY KEY (model_id, model_version)
);
)sql"},
    // The automation loop's steps and why they were taken (tinymlops serve --loop-group, docs/loop.md).
    {4, R"sql(
CREATE TABLE loop_steps (
  id INTEGER PRIMARY KEY,
  device_group TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('collect','train','rollout')),
  state TEXT NOT NULL CHECK (state IN ('running','done','failed')),
  reason TEXT NOT NULL,                  -- the trigger, or the step this one follows
  parent INTEGER REFERENCES loop_steps(id),
  started_at INTEGER NOT NULL,           -- unix ms
  ended_at INTEGER,
  detail TEXT NOT NULL DEFAULT '{}'      -- JSON: captures, version, figures, errors
);
CREATE INDEX loop_steps_by_group ON loop_steps(device_group, state);
)sql"},
    // Certificates issued by the fleet CA and their revocation (tinymlops devices enroll|revoke,
    // docs/fleet.md). One row per certificate, so a re-enrolled device's old serial stays revoked.
    {5, R"sql(
CREATE TABLE certificates (
  serial TEXT PRIMARY KEY,               -- lowercase hex, as the fleet CA issued it
  subject TEXT NOT NULL,                 -- the certificate CN: a device id or a service identity
  kind TEXT NOT NULL CHECK (kind IN ('device','service')),
  device_group TEXT,                     -- devices only
  state TEXT NOT NULL DEFAULT 'enrolled' CHECK (state IN ('enrolled','revoked')),
  enrolled_at INTEGER NOT NULL,          -- unix s
  revoked_at INTEGER                     -- unix s
);
-- at most one valid certificate per identity
CREATE UNIQUE INDEX certificates_one_enrolled ON certificates(subject) WHERE state = 'enrolled';
CREATE INDEX certificates_by_group ON certificates(device_group, state);
)sql"},
    // Signed deployment records (docs/protocol.md "Deployment record"): the record each
    // deployment sends per artifact, so a resumed deployment sends the same bytes; sequences
    // only grow (devices reject a record not newer than the last they accepted).
    {6, R"sql(
CREATE TABLE deployment_records (
  deployment INTEGER NOT NULL REFERENCES deployments(id),
  artifact TEXT NOT NULL REFERENCES artifacts(sha256),
  sequence INTEGER NOT NULL UNIQUE,
  record TEXT NOT NULL,                  -- hex of the 256-byte record (signature included)
  signer_key_id TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  PRIMARY KEY (deployment, artifact)
);
)sql"},
    // Release approval of loop-trained models (docs/loop.md "Approval"): loop steps gain the kind
    // 'approval' (the table is rebuilt: SQLite cannot alter a CHECK); one row per candidate
    // waiting at the canary stage, decided by `loop approve|reject` (even while serve is down).
    // An offline-signed approval carries the production file and record; its sequence is
    // reserved (next_deployment_sequence counts it) until serve sends the record.
    {7, R"sql(
CREATE TABLE loop_steps_v7 (
  id INTEGER PRIMARY KEY,
  device_group TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('collect','train','rollout','approval')),
  state TEXT NOT NULL CHECK (state IN ('running','done','failed')),
  reason TEXT NOT NULL,
  parent INTEGER REFERENCES loop_steps_v7(id),  -- renamed with the table
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  detail TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO loop_steps_v7 SELECT id, device_group, kind, state, reason, parent, started_at, ended_at, detail FROM loop_steps
  ORDER BY id;
DROP TABLE loop_steps;
ALTER TABLE loop_steps_v7 RENAME TO loop_steps;
CREATE INDEX loop_steps_by_group ON loop_steps(device_group, state);
CREATE TABLE loop_approvals (
  step INTEGER PRIMARY KEY REFERENCES loop_steps(id),  -- N of `loop approve N`
  device_group TEXT NOT NULL,
  fleet TEXT NOT NULL,
  version TEXT NOT NULL,                 -- "name:version" of the candidate
  security_counter INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','approved','rejected')),
  requested_at INTEGER NOT NULL,         -- unix ms
  decided_at INTEGER,                    -- unix ms
  decided_by TEXT,                       -- OS user or --by; 'auto-approve' for serve --auto-approve
  reason TEXT,
  signer_key_id TEXT,                    -- hex SHA-256 of the key that signed the production record
  sequence INTEGER UNIQUE,               -- the production record's sequence
  record TEXT,                           -- hex of the production record (256 bytes)
  file TEXT                              -- hex of the model file signed with that key
);
CREATE INDEX loop_approvals_by_state ON loop_approvals(device_group, state);
)sql"},
    // Telemetry batch keys gain the device journal's incarnation id (device/agent/journal.h): a
    // device whose journal was erased starts again at boot 1, and its batches are new, not
    // duplicates. SQLite cannot change a primary key in place: the table is rebuilt, rowids kept
    // (they are the arrival order the store reads batches in).
    {8, R"sql(
CREATE TABLE telemetry_batches_v8 (
  device TEXT NOT NULL,                  -- no foreign key: telemetry may arrive before the INFO
  incarnation INTEGER NOT NULL DEFAULT 0, -- 0: a device without incarnation ids
  boot_count INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  received_at INTEGER NOT NULL,          -- unix ms, host clock
  model_id INTEGER NOT NULL,
  model_version INTEGER NOT NULL,
  active_slot INTEGER NOT NULL,
  phase INTEGER NOT NULL,                -- 0 no model, 1 commissioning, 2 monitoring
  alarm INTEGER NOT NULL,
  window_count INTEGER NOT NULL,
  first_window INTEGER NOT NULL,
  uptime_s INTEGER NOT NULL,
  free_ram_bytes INTEGER NOT NULL,
  inference_cycles INTEGER NOT NULL,
  alarms_raised INTEGER NOT NULL,
  candidates INTEGER NOT NULL,
  dropped_batches INTEGER NOT NULL,
  scores BLOB NOT NULL,                  -- f32 little-endian [window_count]
  votes BLOB NOT NULL,                   -- u8 [window_count]
  sketch BLOB,                           -- NULL without a sketch; layout in host/monitor/sketch_blob.h
  PRIMARY KEY (device, incarnation, boot_count, seq)
);
INSERT INTO telemetry_batches_v8(rowid, device, incarnation, boot_count, seq, received_at, model_id, model_version,
  active_slot, phase, alarm, window_count, first_window, uptime_s, free_ram_bytes, inference_cycles, alarms_raised,
  candidates, dropped_batches, scores, votes, sketch)
  SELECT rowid, device, 0, boot_count, seq, received_at, model_id, model_version, active_slot, phase, alarm,
  window_count, first_window, uptime_s, free_ram_bytes, inference_cycles, alarms_raised, candidates, dropped_batches,
  scores, votes, sketch FROM telemetry_batches;
DROP TABLE telemetry_batches;
ALTER TABLE telemetry_batches_v8 RENAME TO telemetry_batches;
-- a device's batches of one version, and all its batches, in arrival order (index entries end with the rowid)
CREATE INDEX telemetry_by_model ON telemetry_batches(device, model_id, model_version);
CREATE INDEX telemetry_by_arrival ON telemetry_batches(device);
)sql"},
    // Webhook delivery of alerts (tinymlops serve --notify-webhook, docs/serve.md "Notifications"):
    // a target gets every alert above since_alert until one of its requests is answered 2xx.
    {9, R"sql(
CREATE TABLE notify_targets (
  target TEXT PRIMARY KEY,               -- hex SHA-256 of the webhook URL (its path may hold a secret)
  display TEXT NOT NULL,                 -- scheme://host:port/... without the path
  since_alert INTEGER NOT NULL,          -- the newest alert id when the target was first configured
  created_at INTEGER NOT NULL            -- unix ms
);
CREATE TABLE notify_deliveries (
  target TEXT NOT NULL REFERENCES notify_targets(target),
  alert INTEGER NOT NULL REFERENCES alerts(id),
  attempts INTEGER NOT NULL,
  last_attempt_at INTEGER NOT NULL,      -- unix ms
  last_error TEXT,                       -- NULL once delivered
  delivered_at INTEGER,                  -- unix ms of the 2xx answer; NULL while pending
  PRIMARY KEY (target, alert)
);
)sql"},
    // Bearer tokens of the HTTP API (tinymlops tokens create|list|revoke, docs/api.md): only the
    // SHA-256 of each token is kept, so a copy of the database grants no access. An index for the
    // API's per-device time ranges.
    {10, R"sql(
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('read','admin')),
  sha256 TEXT NOT NULL UNIQUE,           -- lowercase hex SHA-256 of the token
  created_at INTEGER NOT NULL,           -- unix s
  revoked_at INTEGER                     -- unix s; NULL while valid
);
-- a device's telemetry over a time range (GET /api/v1/devices/{id}/telemetry?from&to)
CREATE INDEX telemetry_by_time ON telemetry_batches(device, received_at);
)sql"},
    // A device's batches in arrival order: SQLite's telemetry_by_arrival(device) entries end with
    // the rowid, so it serves `WHERE device = ? ORDER BY rowid` as it is; PostgreSQL's rowid is a
    // plain column and needs it in the index (docs/scaling.md). Both: retention's scan of
    // everything older than a cutoff (host/monitor/retention.h) by age, not by a full table scan.
    {11, R"sql(
CREATE INDEX telemetry_by_age ON telemetry_batches(received_at);
CREATE INDEX captures_by_age ON captures(requested_at);
)sql",
     R"sql(
DROP INDEX telemetry_by_arrival;
CREATE INDEX telemetry_by_arrival ON telemetry_batches(device, rowid);
CREATE INDEX telemetry_by_age ON telemetry_batches(received_at, rowid);
CREATE INDEX captures_by_age ON captures(requested_at);
)sql"},
    // Rollout pause, resume and cancel (docs/deploy.md "Pause, resume, cancel"): deployments gain
    // the states 'paused' and 'cancelled'. SQLite cannot alter a CHECK, so the table is rebuilt;
    // its two child tables are rebuilt first against the new table (dropping a parent that rows
    // still reference fails), and the renames carry their references along. Ids are kept.
    {12, R"sql(
CREATE TABLE deployments_v12 (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL REFERENCES versions(id),
  device_group TEXT NOT NULL,
  stages TEXT NOT NULL,                  -- JSON array of stage sizes, e.g. ["1","10%","100%"]
  gates TEXT NOT NULL,                   -- JSON object of health-gate bounds
  current_stage INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'running'
    CHECK (state IN ('running','completed','halted','rolled_back','paused','cancelled')),
  reason TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
INSERT INTO deployments_v12(id, version, device_group, stages, gates, current_stage, state, reason, created_at, updated_at)
  SELECT id, version, device_group, stages, gates, current_stage, state, reason, created_at, updated_at FROM deployments
  ORDER BY id;
CREATE TABLE deployment_devices_v12 (
  deployment INTEGER NOT NULL REFERENCES deployments_v12(id),  -- renamed with the table
  device TEXT NOT NULL REFERENCES devices(id),
  stage INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  result_code INTEGER,
  detail TEXT NOT NULL DEFAULT '',
  chunks_sent INTEGER NOT NULL DEFAULT 0,
  bytes_sent INTEGER NOT NULL DEFAULT 0,
  previous_model_id INTEGER,
  previous_version INTEGER,
  started_at TEXT,
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  PRIMARY KEY (deployment, device)
);
INSERT INTO deployment_devices_v12(deployment, device, stage, state, result_code, detail, chunks_sent, bytes_sent,
  previous_model_id, previous_version, started_at, updated_at)
  SELECT deployment, device, stage, state, result_code, detail, chunks_sent, bytes_sent, previous_model_id,
  previous_version, started_at, updated_at FROM deployment_devices;
CREATE TABLE deployment_records_v12 (
  deployment INTEGER NOT NULL REFERENCES deployments_v12(id),  -- renamed with the table
  artifact TEXT NOT NULL REFERENCES artifacts(sha256),
  sequence INTEGER NOT NULL UNIQUE,
  record TEXT NOT NULL,                  -- hex of the 256-byte record (signature included)
  signer_key_id TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  PRIMARY KEY (deployment, artifact)
);
INSERT INTO deployment_records_v12(deployment, artifact, sequence, record, signer_key_id, created_at)
  SELECT deployment, artifact, sequence, record, signer_key_id, created_at FROM deployment_records;
DROP TABLE deployment_records;
DROP TABLE deployment_devices;
DROP TABLE deployments;
ALTER TABLE deployments_v12 RENAME TO deployments;
ALTER TABLE deployment_devices_v12 RENAME TO deployment_devices;
ALTER TABLE deployment_records_v12 RENAME TO deployment_records;
CREATE INDEX deployments_by_state ON deployments(state);
)sql"},
    // A device's last fault (docs/registry.md): the EVENT reverted with result 22-25 its link saw
    // last, its PC and when the host recorded it. NULL until the device reports one.
    {13, R"sql(
ALTER TABLE devices ADD COLUMN last_fault_code INTEGER;
ALTER TABLE devices ADD COLUMN last_fault_name TEXT;
ALTER TABLE devices ADD COLUMN last_fault_detail INTEGER;
ALTER TABLE devices ADD COLUMN last_fault_at TEXT;
)sql"},
    // Signal RMS per window (TELEMETRY's optional part after the incarnation trailer, docs/protocol.md):
    // f32 little-endian [window_count]; NULL for batches of devices that send none and rows from before.
    {14, R"sql(
ALTER TABLE telemetry_batches ADD COLUMN rms BLOB;
)sql"},
    // Artifacts in the database (docs/scaling.md "Shared artifacts"): a worker on another machine
    // serves a rollout from the store alone, without the registering machine's artifacts/ folder.
    // Registration writes the bytes in the transaction that adds the version, so a version is
    // never visible without them. NULL: registered before this step, the file holds the bytes
    // (copied in by the first Registry opened where the file is, registry.cc).
    {15, R"sql(
ALTER TABLE artifacts ADD COLUMN content BLOB;
)sql"},
    // Capture samples in the database (docs/scaling.md "Shared captures"): the serve worker that
    // receives a DATA segment writes its samples into `content` in the commit that records its
    // range, so any worker or reader on any machine has them and samples and ranges never disagree.
    // f32 little-endian from sample 0 up to the furthest sample received (holes read 0). A capture
    // that had received nothing needs no file: its samples start empty. NULL: received before this
    // step into captures/<device>-<id>.f32, copied in by the first Registry opened where that
    // file is (registry.cc); still NULL, its samples are missing.
    {16, R"sql(
ALTER TABLE captures ADD COLUMN content BLOB;
UPDATE captures SET content = x'' WHERE received_samples = 0;
)sql"},
};

// PostgreSQL: an identity column draws from a sequence that an explicit id (a table rebuild
// copying its rows, an import) does not advance; SQLite picks max(rowid) + 1 instead. After
// every step each identity sequence is moved past the largest id, so the next row gets the id
// SQLite would give it.
void resync_identities(Database& db) {
  Statement columns(db, "SELECT table_name, column_name FROM information_schema.columns "
                        "WHERE table_schema = current_schema() AND is_identity = 'YES'");
  std::vector<std::pair<std::string, std::string>> found;
  while (columns.step()) found.emplace_back(columns.column_text(0), columns.column_text(1));
  for (const auto& [table, column] : found) {
    const std::string sql = "SELECT setval(pg_get_serial_sequence('" + table + "', '" + column + "'), COALESCE(MAX(" +
                            column + "), 0) + 1, false) FROM " + table;
    Statement(db, sql.c_str()).run();
  }
}

}  // namespace

int schema_latest_version() { return std::end(kMigrations)[-1].version; }

int schema_current_version(Database& db) {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
          "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))");
  Statement s(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
  s.step();
  return static_cast<int>(s.column_int(0));
}

void schema_migrate(Database& db, int target) {
  int current = 0;
  if (db.engine() == DatabaseEngine::kPostgres) {
    // Two processes creating schema_version at once collide on PostgreSQL; the write lock orders them.
    Transaction tx(db);
    current = schema_current_version(db);
    tx.commit();
  } else {
    current = schema_current_version(db);
  }
  if (current > schema_latest_version()) {
    throw RegistryError(db.path() + ": schema version " + std::to_string(current) +
                        " is newer than this tinymlops (" + std::to_string(schema_latest_version()) +
                        "); upgrade tinymlops");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= current || m.version > target) continue;
    Transaction tx(db);
    // Another process may have migrated between our read and our write lock.
    if (schema_current_version(db) >= m.version) continue;
    db.exec(db.engine() == DatabaseEngine::kPostgres && m.postgres_sql ? m.postgres_sql : m.sql);
    Statement(db, "INSERT INTO schema_version(version) VALUES (?)").bind(1, int64_t{m.version}).run();
    if (db.engine() == DatabaseEngine::kPostgres) resync_identities(db);
    tx.commit();
  }
}

}  // namespace tmf::registry
