// Registry operations over the SQLite schema of migrations.cc (see registry.h).
#include "host/registry/registry.h"
#include "host/convert/aligned_buffer.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "device/runtime/integrity.h"
#include "device/runtime/model.h"
#include "host/convert/model_info.h"
#include "host/registry/legacy_files.h"
#include "host/registry/migrations.h"

namespace tmf::registry {
namespace {

std::string database_path(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw RegistryError(dir + ": cannot create registry directory: " + ec.message());
  return dir + "/registry.db";
}

std::string to_hex(const uint8_t* data, size_t bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < bytes; ++i) {
    hex += kHex[data[i] >> 4];
    hex += kHex[data[i] & 15];
  }
  return hex;
}

// What the registry records about a model file, read through the device validator.
struct ModelFacts {
  uint32_t model_id = 0, version = 0, file_bytes = 0, arena_bytes = 0;
  uint64_t macs = 0;
  std::string name, source;
  std::optional<std::string> key_id;
};

std::string metadata_text(const Model& m, uint16_t tag) {
  uint32_t length = 0;
  const uint8_t* value = model_find_metadata(m, tag, &length);
  return value ? std::string(reinterpret_cast<const char*>(value), length) : std::string();
}

ModelFacts read_model_facts(const std::string& path, const std::vector<uint8_t>& bytes) {
  const host::AlignedBuffer buffer(bytes);
  const uint8_t* aligned = buffer.data();
  Model m{};
  ValidationError error{};
  if (model_validate(aligned, bytes.size(), &m, &error) != Status::kOk) {
    std::string where = path;
    if (error.item == ValidationItem::kValidationItemOp) where += ": op " + std::to_string(error.index);
    if (error.item == ValidationItem::kValidationItemTensor) where += ": tensor " + std::to_string(error.index);
    throw RegistryError(where + ": not a valid model: " + status_to_string(error.status));
  }
  if (m.header->file_bytes != bytes.size()) {
    throw RegistryError(path + ": " + std::to_string(bytes.size() - m.header->file_bytes) +
                        " bytes after the end the header states (file_bytes " +
                        std::to_string(m.header->file_bytes) + ")");
  }
  const Status hash = model_verify_hash(m);
  if (hash != Status::kOk) throw RegistryError(path + ": content hash: " + status_to_string(hash));
  ModelFacts f;
  f.model_id = m.header->model_id;
  f.version = m.header->model_version;
  f.file_bytes = m.header->file_bytes;
  f.arena_bytes = m.header->arena_bytes;
  f.macs = host::model_macs(m);
  f.name = metadata_text(m, kMetadataModelName);
  f.source = metadata_text(m, kMetadataSource);
  uint32_t length = 0;
  const uint8_t* signature = model_find_trailer(m, kTrailerEd25519, &length);
  if (signature && length == 96) f.key_id = to_hex(signature + 64, 32);
  return f;
}

std::optional<uint32_t> optional_u32(const std::optional<int64_t>& v) {
  if (!v) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

std::optional<int64_t> optional_i64(const std::optional<uint32_t>& v) {
  if (!v) return std::nullopt;
  return static_cast<int64_t>(*v);
}

constexpr const char* kVersionColumns =
    "SELECT v.id, m.name, m.model_id, v.version, v.artifact, v.stage, v.file_bytes, v.arena_bytes, "
    "v.macs, v.source, v.signature_key_id, v.created_at FROM versions v JOIN models m ON m.id = v.model ";

}  // namespace

VersionRef parse_version_ref(const std::string& text) {
  VersionRef ref;
  const size_t colon = text.rfind(':');
  ref.name = colon == std::string::npos ? text : text.substr(0, colon);
  if (ref.name.empty()) throw RegistryError("'" + text + "': empty model name (expected NAME or NAME:VERSION)");
  if (colon != std::string::npos) {
    const std::string number = text.substr(colon + 1);
    char* end = nullptr;
    const unsigned long long v = std::strtoull(number.c_str(), &end, 10);
    if (number.empty() || *end != '\0' || v > 0xFFFFFFFFull) {
      throw RegistryError("'" + text + "': version '" + number + "' is not a number (expected NAME:VERSION)");
    }
    ref.version = static_cast<uint32_t>(v);
  }
  return ref;
}

std::string Registry::default_dir() {
  const char* env = std::getenv("TINYMLOPS_REGISTRY");
  return env && *env ? env : "./.tinymlops";
}

namespace {
std::string& process_database() {
  static std::string url;
  return url;
}
}  // namespace

void Registry::set_default_database(const std::string& url) { process_database() = url; }
const std::string& Registry::default_database() { return process_database(); }

Registry::Registry(const std::string& dir, const std::string& database)
    : dir_(dir),
      db_(!database.empty() ? database : !default_database().empty() ? default_database() : database_path(dir)),
      artifacts_(dir + "/artifacts") {
  schema_migrate(db_);
  copy_file_artifacts_into_store(db_, artifacts_);
  copy_file_captures_into_store(db_, dir_);
}

void Registry::store_artifact_row(const std::string& hash, const std::vector<uint8_t>& bytes) {
  Statement(db_,
            "INSERT INTO artifacts(sha256, bytes, content) VALUES (?, ?, CAST(? AS BLOB)) "
            "ON CONFLICT(sha256) DO UPDATE SET content = excluded.content "
            "WHERE artifacts.content IS NULL OR artifacts.content <> excluded.content")
      .bind(1, hash)
      .bind(2, static_cast<int64_t>(bytes.size()))
      .bind(3, std::string(bytes.begin(), bytes.end()))
      .run();
}

VersionInfo Registry::read_version_row(Statement& s) {
  VersionInfo v;
  v.id = s.column_int(0);
  v.name = s.column_text(1);
  v.model_id = static_cast<uint32_t>(s.column_int(2));
  v.version = static_cast<uint32_t>(s.column_int(3));
  v.artifact = s.column_text(4);
  v.stage = s.column_text(5);
  v.file_bytes = static_cast<uint32_t>(s.column_int(6));
  v.arena_bytes = static_cast<uint32_t>(s.column_int(7));
  v.macs = static_cast<uint64_t>(s.column_int(8));
  v.source = s.column_text(9);
  v.signature_key_id = s.column_optional_text(10);
  v.created_at = s.column_text(11);
  return v;
}

void Registry::load_details(VersionInfo& v) {
  Statement lineage(db_,
                    "SELECT l.data, l.parameters, pm.name || ':' || pv.version FROM lineage l "
                    "LEFT JOIN versions pv ON pv.id = l.parent LEFT JOIN models pm ON pm.id = pv.model "
                    "WHERE l.version = ?");
  lineage.bind(1, v.id);
  if (lineage.step()) {
    v.lineage.data = lineage.column_optional_text(0);
    v.lineage.parameters = lineage.column_optional_text(1);
    v.lineage.parent = lineage.column_optional_text(2);
  }
  Statement metrics(db_, "SELECT name, value FROM metrics WHERE version = ? ORDER BY name");
  metrics.bind(1, v.id);
  while (metrics.step()) v.metrics[metrics.column_text(0)] = metrics.column_double(1);
}

AddResult Registry::add_version(const AddRequest& request) {
  const ModelFacts facts = read_model_facts(request.path, request.bytes);
  const std::string name = request.name.value_or(facts.name);
  if (name.empty()) throw RegistryError(request.path + ": the file names no model; give --name");
  if (name.find(':') != std::string::npos) throw RegistryError("--name '" + name + "': a model name cannot contain ':'");
  if (request.lineage.parameters) {
    const auto params = nlohmann::json::parse(*request.lineage.parameters, nullptr, false);
    if (params.is_discarded() || !params.is_object()) {
      throw RegistryError("lineage parameters: not a JSON object: " + *request.lineage.parameters);
    }
  }

  // The local file copy goes first: if we crash before the commit, an unreferenced but complete
  // file remains (harmless, reused by a retry). The bytes every worker reads are the artifact
  // row's, written in the version's own transaction: no version is visible without them.
  const std::string hash = artifacts_.put(request.bytes);

  Transaction tx(db_);
  int64_t model_row = 0;
  {
    Statement find(db_, "SELECT id, model_id FROM models WHERE name = ?");
    find.bind(1, name);
    if (find.step()) {
      model_row = find.column_int(0);
      const uint32_t known_id = static_cast<uint32_t>(find.column_int(1));
      if (known_id != facts.model_id) {
        char text[160];
        std::snprintf(text, sizeof text, ": model_id 0x%08x, but model '%s' has model_id 0x%08x",
                      facts.model_id, name.c_str(), known_id);
        throw RegistryError(request.path + text);
      }
    } else {
      Statement insert(db_, "INSERT INTO models(name, model_id) VALUES (?, ?)");
      insert.bind(1, name).bind(2, int64_t{facts.model_id}).run();
      model_row = db_.last_insert_id();
    }
  }
  {
    Statement existing(db_, "SELECT artifact FROM versions WHERE model = ? AND version = ?");
    existing.bind(1, model_row).bind(2, int64_t{facts.version});
    if (existing.step()) {
      if (existing.column_text(0) != hash) {
        throw RegistryError(request.path + ": " + name + ":" + std::to_string(facts.version) +
                            " is already registered with different content (sha256 " +
                            existing.column_text(0).substr(0, 12) + "...); convert with a higher --model-version");
      }
      existing.reset();
      store_artifact_row(hash, request.bytes);  // fills a row without bytes (before step 15) or repairs one
      tx.commit();
      return AddResult{get_version({name, facts.version}), true};
    }
  }
  std::optional<int64_t> parent_row;
  if (request.lineage.parent) {
    const VersionRef parent = parse_version_ref(*request.lineage.parent);
    if (!parent.version) throw RegistryError("lineage parent '" + *request.lineage.parent + "': give NAME:VERSION");
    Statement find(db_, "SELECT v.id FROM versions v JOIN models m ON m.id = v.model WHERE m.name = ? AND v.version = ?");
    find.bind(1, parent.name).bind(2, int64_t{*parent.version});
    if (!find.step()) throw RegistryError("lineage parent '" + *request.lineage.parent + "': no such version in the registry");
    parent_row = find.column_int(0);
  }
  store_artifact_row(hash, request.bytes);
  Statement insert(db_,
                   "INSERT INTO versions(model, version, artifact, file_bytes, arena_bytes, macs, source, "
                   "signature_key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, model_row)
      .bind(2, int64_t{facts.version})
      .bind(3, hash)
      .bind(4, int64_t{facts.file_bytes})
      .bind(5, int64_t{facts.arena_bytes})
      .bind(6, static_cast<int64_t>(facts.macs))
      .bind(7, facts.source)
      .bind(8, facts.key_id)
      .run();
  const int64_t version_row = db_.last_insert_id();
  if (request.lineage.data || request.lineage.parameters || parent_row) {
    Statement(db_, "INSERT INTO lineage(version, data, parameters, parent) VALUES (?, ?, ?, ?)")
        .bind(1, version_row)
        .bind(2, request.lineage.data)
        .bind(3, request.lineage.parameters)
        .bind(4, parent_row)
        .run();
  }
  Statement metric(db_, "INSERT INTO metrics(version, name, value) VALUES (?, ?, ?)");
  for (const auto& [key, value] : request.metrics) metric.bind(1, version_row).bind(2, key).bind(3, value).run();
  tx.commit();
  return AddResult{get_version({name, facts.version}), false};
}

std::vector<VersionInfo> Registry::list_versions(const std::optional<std::string>& name) {
  std::string sql = std::string(kVersionColumns) + (name ? "WHERE m.name = ? " : "") + "ORDER BY m.name, v.version";
  Statement s(db_, sql.c_str());
  if (name) s.bind(1, *name);
  std::vector<VersionInfo> out;
  while (s.step()) out.push_back(read_version_row(s));
  for (VersionInfo& v : out) load_details(v);
  return out;
}

VersionInfo Registry::get_version(const VersionRef& ref) {
  std::string sql = std::string(kVersionColumns) + "WHERE m.name = ? " +
                    (ref.version ? "AND v.version = ?" : "ORDER BY v.version DESC LIMIT 1");
  Statement s(db_, sql.c_str());
  s.bind(1, ref.name);
  if (ref.version) s.bind(2, int64_t{*ref.version});
  if (!s.step()) {
    Statement model(db_, "SELECT 1 FROM models WHERE name = ?");
    model.bind(1, ref.name);
    if (!model.step()) throw RegistryError("model '" + ref.name + "': not in the registry " + dir_);
    throw RegistryError("model '" + ref.name + "': no version " + std::to_string(ref.version.value_or(0)));
  }
  VersionInfo v = read_version_row(s);
  load_details(v);
  return v;
}

std::optional<VersionInfo> Registry::find_version_by_id(int64_t id) {
  Statement s(db_, (std::string(kVersionColumns) + "WHERE v.id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  VersionInfo v = read_version_row(s);
  load_details(v);
  return v;
}

std::optional<VersionInfo> Registry::find_version_by_model(uint32_t model_id, uint32_t version) {
  Statement s(db_, (std::string(kVersionColumns) + "WHERE m.model_id = ? AND v.version = ? LIMIT 1").c_str());
  s.bind(1, int64_t{model_id}).bind(2, int64_t{version});
  if (!s.step()) return std::nullopt;
  VersionInfo v = read_version_row(s);
  load_details(v);
  return v;
}

VersionInfo Registry::promote(const VersionRef& ref, const std::string& stage) {
  if (stage != "none" && stage != "staging" && stage != "production" && stage != "archived") {
    throw RegistryError("--stage '" + stage + "': expected none, staging, production or archived");
  }
  if (!ref.version) throw RegistryError("'" + ref.name + "': give NAME:VERSION to promote");
  Transaction tx(db_);
  const VersionInfo v = get_version(ref);
  if (stage == "production") {
    Statement(db_, "UPDATE versions SET stage = 'archived' WHERE model = (SELECT model FROM versions WHERE id = ?) "
                   "AND stage = 'production' AND id != ?")
        .bind(1, v.id)
        .bind(2, v.id)
        .run();
  }
  Statement(db_, "UPDATE versions SET stage = ? WHERE id = ?").bind(1, stage).bind(2, v.id).run();
  tx.commit();
  return get_version(ref);
}

std::vector<uint8_t> Registry::artifact_bytes(const VersionInfo& version) {
  Statement s(db_, "SELECT content FROM artifacts WHERE sha256 = ?");
  s.bind(1, version.artifact);
  if (!s.step()) throw RegistryError("artifact " + version.artifact + ": not in the registry " + db_.path());
  if (s.column_is_null(0)) return artifacts_.get(version.artifact);  // registered before migration 15
  const std::string content = s.column_text(0);
  std::vector<uint8_t> bytes(content.begin(), content.end());
  if (sha256_hex(bytes.data(), bytes.size()) != version.artifact) {
    throw RegistryError("artifact " + version.artifact + " in " + db_.path() +
                        ": damaged (content does not match its SHA-256)");
  }
  return bytes;
}

void Registry::upsert_device(const std::string& id, const std::string& group, const DeviceProfile& profile) {
  Statement(db_,
            "INSERT INTO devices(id, device_group, core, ram_bytes, flash_bytes, clock_hz) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET device_group = excluded.device_group, core = excluded.core, "
            "ram_bytes = excluded.ram_bytes, flash_bytes = excluded.flash_bytes, clock_hz = excluded.clock_hz")
      .bind(1, id)
      .bind(2, group)
      .bind(3, profile.core)
      .bind(4, static_cast<int64_t>(profile.ram_bytes))
      .bind(5, static_cast<int64_t>(profile.flash_bytes))
      .bind(6, static_cast<int64_t>(profile.clock_hz))
      .run();
}

void Registry::record_device_model(const std::string& id, uint32_t model_id, uint32_t version) {
  // Current moves to previous only when the device reports a different model than recorded.
  Statement(db_,
            "UPDATE devices SET previous_model_id = current_model_id, previous_version = current_version, "
            "current_model_id = ?1, current_version = ?2 WHERE id = ?3 AND current_model_id IS NOT NULL AND "
            "(current_model_id != ?1 OR current_version != ?2)")
      .bind(1, int64_t{model_id})
      .bind(2, int64_t{version})
      .bind(3, id)
      .run();
  Statement(db_, "UPDATE devices SET current_model_id = ?1, current_version = ?2 WHERE id = ?3 AND current_model_id IS NULL")
      .bind(1, int64_t{model_id})
      .bind(2, int64_t{version})
      .bind(3, id)
      .run();
}

void Registry::record_device_presence(const std::string& id, bool online) {
  Statement(db_, "UPDATE devices SET online = ?, last_seen = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?")
      .bind(1, int64_t{online ? 1 : 0})
      .bind(2, id)
      .run();
}

void Registry::record_device_fault(const std::string& id, int64_t code, const std::string& name, uint32_t detail) {
  Statement(db_,
            "UPDATE devices SET last_fault_code = ?, last_fault_name = ?, last_fault_detail = ?, "
            "last_fault_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?")
      .bind(1, code)
      .bind(2, name)
      .bind(3, int64_t{detail})
      .bind(4, id)
      .run();
}

std::optional<DeviceFault> read_device_fault(Statement& s, int first) {
  const std::optional<int64_t> code = s.column_optional_int(first);
  if (!code) return std::nullopt;
  DeviceFault f;
  f.code = *code;
  f.name = s.column_text(first + 1);
  f.detail = static_cast<uint32_t>(s.column_optional_int(first + 2).value_or(0));
  f.at = s.column_optional_text(first + 3).value_or("");
  return f;
}

namespace {
constexpr const char* kDeviceColumns =
    "SELECT id, device_group, core, ram_bytes, flash_bytes, clock_hz, current_model_id, current_version, "
    "previous_model_id, previous_version, online, last_seen, last_fault_code, last_fault_name, last_fault_detail, "
    "last_fault_at FROM devices ";

DeviceInfo read_device_row(Statement& s) {
  DeviceInfo d;
  d.id = s.column_text(0);
  d.group = s.column_text(1);
  d.profile.core = s.column_text(2);
  d.profile.ram_bytes = static_cast<uint64_t>(s.column_int(3));
  d.profile.flash_bytes = static_cast<uint64_t>(s.column_int(4));
  d.profile.clock_hz = static_cast<uint64_t>(s.column_int(5));
  d.current_model_id = optional_u32(s.column_optional_int(6));
  d.current_version = optional_u32(s.column_optional_int(7));
  d.previous_model_id = optional_u32(s.column_optional_int(8));
  d.previous_version = optional_u32(s.column_optional_int(9));
  d.online = s.column_int(10) != 0;
  d.last_seen = s.column_optional_text(11);
  d.last_fault = read_device_fault(s, 12);
  return d;
}
}  // namespace

std::vector<DeviceInfo> Registry::list_devices(const std::optional<std::string>& group) {
  Statement s(db_, (std::string(kDeviceColumns) + (group ? "WHERE device_group = ? " : "") + "ORDER BY id").c_str());
  if (group) s.bind(1, *group);
  std::vector<DeviceInfo> out;
  while (s.step()) out.push_back(read_device_row(s));
  return out;
}

std::optional<DeviceInfo> Registry::find_device(const std::string& id) {
  Statement s(db_, (std::string(kDeviceColumns) + "WHERE id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_device_row(s);
}

int64_t Registry::create_deployment(int64_t version_id, const std::string& group, const std::string& stages_json,
                                    const std::string& gates_json) {
  Statement(db_, "INSERT INTO deployments(version, device_group, stages, gates) VALUES (?, ?, ?, ?)")
      .bind(1, version_id)
      .bind(2, group)
      .bind(3, stages_json)
      .bind(4, gates_json)
      .run();
  return db_.last_insert_id();
}

namespace {
constexpr const char* kDeploymentColumns =
    "SELECT d.id, d.version, m.name, v.version, d.device_group, d.stages, d.gates, d.current_stage, d.state, "
    "d.reason, d.created_at, d.updated_at FROM deployments d JOIN versions v ON v.id = d.version "
    "JOIN models m ON m.id = v.model ";

DeploymentInfo read_deployment_row(Statement& s) {
  DeploymentInfo d;
  d.id = s.column_int(0);
  d.version_id = s.column_int(1);
  d.model_name = s.column_text(2);
  d.model_version = static_cast<uint32_t>(s.column_int(3));
  d.group = s.column_text(4);
  d.stages_json = s.column_text(5);
  d.gates_json = s.column_text(6);
  d.current_stage = static_cast<int>(s.column_int(7));
  d.state = deployment_state_parse(s.column_text(8));
  d.reason = s.column_text(9);
  d.created_at = s.column_text(10);
  d.updated_at = s.column_text(11);
  return d;
}
}  // namespace

std::optional<DeploymentInfo> Registry::find_deployment(int64_t id) {
  Statement s(db_, (std::string(kDeploymentColumns) + "WHERE d.id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_deployment_row(s);
}

std::vector<DeploymentInfo> Registry::list_deployments(const std::optional<DeploymentState>& state) {
  Statement s(db_, (std::string(kDeploymentColumns) + (state ? "WHERE d.state = ? " : "") + "ORDER BY d.id").c_str());
  if (state) s.bind(1, std::string(to_string(*state)));
  std::vector<DeploymentInfo> out;
  while (s.step()) out.push_back(read_deployment_row(s));
  return out;
}

void Registry::update_deployment(int64_t id, int current_stage, DeploymentState state, const std::string& reason) {
  Statement(db_, "UPDATE deployments SET current_stage = ?, state = ?, reason = ?, "
                 "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?")
      .bind(1, int64_t{current_stage})
      .bind(2, std::string(to_string(state)))
      .bind(3, reason)
      .bind(4, id)
      .run();
}

bool Registry::transition_deployment(int64_t id, const std::vector<DeploymentState>& from, DeploymentState to,
                                     const std::string& reason) {
  std::string in;
  for (size_t i = 0; i < from.size(); ++i) in += i ? ", ?" : "?";
  Statement s(db_, ("UPDATE deployments SET state = ?, reason = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') "
                    "WHERE id = ? AND state IN (" + in + ")").c_str());
  s.bind(1, std::string(to_string(to))).bind(2, reason).bind(3, id);
  int n = 4;
  for (DeploymentState state : from) s.bind(n++, std::string(to_string(state)));
  s.run();
  return db_.changes() == 1;
}

void Registry::set_deployment_stage(int64_t id, int current_stage) {
  Statement(db_, "UPDATE deployments SET current_stage = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?")
      .bind(1, int64_t{current_stage})
      .bind(2, id)
      .run();
}

void Registry::upsert_deployment_device(int64_t deployment, const DeploymentDevice& d) {
  Statement(db_,
            "INSERT INTO deployment_devices(deployment, device, stage, state, result_code, detail, chunks_sent, "
            "bytes_sent, previous_model_id, previous_version, started_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now')) "
            "ON CONFLICT(deployment, device) DO UPDATE SET stage = excluded.stage, state = excluded.state, "
            "result_code = excluded.result_code, detail = excluded.detail, chunks_sent = excluded.chunks_sent, "
            "bytes_sent = excluded.bytes_sent, previous_model_id = excluded.previous_model_id, "
            "previous_version = excluded.previous_version, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')")
      .bind(1, deployment)
      .bind(2, d.device)
      .bind(3, int64_t{d.stage})
      .bind(4, std::string(to_string(d.state)))
      .bind(5, d.result_code)
      .bind(6, d.detail)
      .bind(7, static_cast<int64_t>(d.chunks_sent))
      .bind(8, static_cast<int64_t>(d.bytes_sent))
      .bind(9, optional_i64(d.previous_model_id))
      .bind(10, optional_i64(d.previous_version))
      .run();
}

std::vector<DeploymentDevice> Registry::deployment_devices(int64_t deployment) {
  Statement s(db_,
              "SELECT device, stage, state, result_code, detail, chunks_sent, bytes_sent, previous_model_id, "
              "previous_version, updated_at FROM deployment_devices WHERE deployment = ? ORDER BY stage, device");
  s.bind(1, deployment);
  std::vector<DeploymentDevice> out;
  while (s.step()) {
    DeploymentDevice d;
    d.device = s.column_text(0);
    d.stage = static_cast<int>(s.column_int(1));
    d.state = device_rollout_state_parse(s.column_text(2));
    d.result_code = s.column_optional_int(3);
    d.detail = s.column_text(4);
    d.chunks_sent = static_cast<uint64_t>(s.column_int(5));
    d.bytes_sent = static_cast<uint64_t>(s.column_int(6));
    d.previous_model_id = optional_u32(s.column_optional_int(7));
    d.previous_version = optional_u32(s.column_optional_int(8));
    d.updated_at = s.column_text(9);
    out.push_back(d);
  }
  return out;
}

}  // namespace tmf::registry
