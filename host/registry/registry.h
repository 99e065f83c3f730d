// The model registry: models and their versions (each a content-addressed TMF artifact with
// lineage and metrics), the device fleet, and deployments with their per-device state. One
// database (SQLite <dir>/registry.db, or PostgreSQL) that holds the artifacts' bytes too, so any
// worker serves any version; <dir>/artifacts/<sha256> is the registering machine's local copy.
// Every change is one transaction, so a crash or a rejected input leaves the registry as it was.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/registry/artifact_store.h"
#include "host/registry/deployment_state.h"
#include "host/registry/database.h"

namespace tmf::registry {

struct Lineage {
  std::optional<std::string> data;        // dataset the model was trained on
  std::optional<std::string> parameters;  // JSON object text
  std::optional<std::string> parent;      // "name:version" of the version it derives from
};

struct VersionInfo {
  int64_t id = 0;
  std::string name;
  uint32_t model_id = 0;
  uint32_t version = 0;
  std::string artifact;  // hex SHA-256
  std::string stage;     // none | staging | production | archived
  uint32_t file_bytes = 0;
  uint32_t arena_bytes = 0;
  uint64_t macs = 0;
  std::string source;
  std::optional<std::string> signature_key_id;  // hex
  std::string created_at;
  Lineage lineage;
  std::map<std::string, double> metrics;
};

struct AddRequest {
  std::string path;                   // for messages
  std::vector<uint8_t> bytes;         // the TMF file
  std::optional<std::string> name;    // default: the file's model-name metadata
  std::map<std::string, double> metrics;
  Lineage lineage;
};

struct AddResult {
  VersionInfo version;
  bool already_present = false;  // the same artifact was registered under this version before
};

struct DeviceProfile {
  std::string core;
  uint64_t ram_bytes = 0;
  uint64_t flash_bytes = 0;
  uint64_t clock_hz = 0;
};

// Why the device last reverted a model on its own (docs/registry.md): an EVENT reverted with a
// fault result (22 TRIAL_FAULT, 23 CONFIRMED_FAULTS, 24 CONFIRMED_WATCHDOG, 25 TRIAL_WATCHDOG).
struct DeviceFault {
  int64_t code = 0;
  std::string name;     // "CONFIRMED_WATCHDOG"
  uint32_t detail = 0;  // the PC the device reported
  std::string at;       // UTC, when the host recorded it
};

struct DeviceInfo {
  std::string id;
  std::string group;
  DeviceProfile profile;
  std::optional<uint32_t> current_model_id, current_version;
  std::optional<uint32_t> previous_model_id, previous_version;
  bool online = false;
  std::optional<std::string> last_seen;
  std::optional<DeviceFault> last_fault;
};

// Reads the fault columns of `devices` (migration 13: last_fault_code, last_fault_name,
// last_fault_detail, last_fault_at, in this order from column `first`); nullopt when none.
std::optional<DeviceFault> read_device_fault(Statement& s, int first);

// A certificate the fleet CA issued (host/fleet/pki.h), as the registry records it (enrolment.cc).
struct Enrolment {
  std::string id;                    // the certificate CN: device id or service identity
  std::string kind;                  // device | service
  std::string group;                 // devices only
  std::string serial;                // lowercase hex
  bool revoked = false;
  int64_t enrolled_at = 0;           // unix s
  std::optional<int64_t> revoked_at;
};

struct DeploymentInfo {
  int64_t id = 0;
  int64_t version_id = 0;
  std::string model_name;
  uint32_t model_version = 0;
  std::string group;
  std::string stages_json;  // ["1","10%","100%"]
  std::string gates_json;
  int current_stage = 0;
  DeploymentState state = DeploymentState::kRunning;
  std::string reason;
  std::string created_at, updated_at;
};

struct DeploymentDevice {
  std::string device;
  int stage = 0;
  DeviceRolloutState state = DeviceRolloutState::kPending;
  std::optional<int64_t> result_code;
  std::string detail;
  uint64_t chunks_sent = 0;
  uint64_t bytes_sent = 0;
  std::optional<uint32_t> previous_model_id, previous_version;
  std::string updated_at;
};

// "name" or "name:version"; throws RegistryError naming `text` when malformed.
struct VersionRef {
  std::string name;
  std::optional<uint32_t> version;
};
VersionRef parse_version_ref(const std::string& text);

class Registry {
 public:
  // $TINYMLOPS_REGISTRY, else ./.tinymlops
  static std::string default_dir();
  // The database a Registry opened without one uses instead of dir/registry.db: the `--db` of
  // the command this process runs (host/cli/registry_cli.h), so every registry the command opens,
  // including those deep in serve and sim, is the same one. Empty: dir/registry.db.
  static void set_default_database(const std::string& url);
  static const std::string& default_database();
  // Opens (creating and migrating) the registry in `dir`: artifacts under dir/artifacts, the
  // database at `database` (a URL, database.h) or, when that is empty, the SQLite file dir/registry.db.
  explicit Registry(const std::string& dir, const std::string& database = "");

  const std::string& dir() const { return dir_; }
  Database& db() { return db_; }
  ArtifactStore& artifacts() { return artifacts_; }

  // Models and versions. add_version validates the file with the device runtime and checks its
  // SHA-256 trailer before anything is stored.
  AddResult add_version(const AddRequest& request);
  std::vector<VersionInfo> list_versions(const std::optional<std::string>& name = std::nullopt);
  // The given version, or the newest one when ref.version is empty. Throws if absent.
  VersionInfo get_version(const VersionRef& ref);
  std::optional<VersionInfo> find_version_by_id(int64_t id);
  std::optional<VersionInfo> find_version_by_model(uint32_t model_id, uint32_t version);
  // Sets the stage; promoting to production archives the model's previous production version.
  VersionInfo promote(const VersionRef& ref, const std::string& stage);
  // The version's bytes from the store (checked against their SHA-256); an artifact registered
  // before migration 15 and not yet copied in is read from its file.
  std::vector<uint8_t> artifact_bytes(const VersionInfo& version);

  // Devices: upsert_device records identity, group and profile (a device announces itself);
  // record_device_model keeps current/previous when the device reports a different model.
  void upsert_device(const std::string& id, const std::string& group, const DeviceProfile& profile);
  void record_device_model(const std::string& id, uint32_t model_id, uint32_t version);
  void record_device_presence(const std::string& id, bool online);
  // Stores the device's last fault (code, name, detail) with the current UTC time.
  void record_device_fault(const std::string& id, int64_t code, const std::string& name, uint32_t detail);
  std::vector<DeviceInfo> list_devices(const std::optional<std::string>& group = std::nullopt);
  std::optional<DeviceInfo> find_device(const std::string& id);

  // Enrolment (enrolment.cc): one row per issued certificate, at most one valid per identity.
  // device_enroll/service_enroll throw RegistryError naming `id` when it holds a valid certificate
  // already (revoke it first) or the serial is known; device_revoke when it holds none.
  void device_enroll(const std::string& id, const std::string& group, const std::string& serial);
  void service_enroll(const std::string& identity, const std::string& serial);
  Enrolment device_revoke(const std::string& id);
  Enrolment service_revoke(const std::string& identity);
  // The device's newest certificate (valid or revoked), if it was ever enrolled.
  std::optional<Enrolment> device_enrolled(const std::string& id);
  // Devices holding a valid certificate, of one group or all, by id.
  std::vector<Enrolment> devices_enrolled(const std::optional<std::string>& group = std::nullopt);
  // Every revoked certificate: the CRL's content.
  std::vector<Enrolment> certificates_revoked();

  // Deployments.
  int64_t create_deployment(int64_t version_id, const std::string& group, const std::string& stages_json,
                            const std::string& gates_json);
  std::optional<DeploymentInfo> find_deployment(int64_t id);
  std::vector<DeploymentInfo> list_deployments(const std::optional<DeploymentState>& state = std::nullopt);
  void update_deployment(int64_t id, int current_stage, DeploymentState state, const std::string& reason);
  // Compare-and-set of a deployment's state, so an operator's pause or cancel (another process)
  // and the engine never overwrite each other: true if the state was one of `from` and is now `to`.
  bool transition_deployment(int64_t id, const std::vector<DeploymentState>& from, DeploymentState to,
                             const std::string& reason);
  void set_deployment_stage(int64_t id, int current_stage);  // the state is left as it is
  void upsert_deployment_device(int64_t deployment, const DeploymentDevice& device);
  std::vector<DeploymentDevice> deployment_devices(int64_t deployment);

  // Signed deployment records (deployment_records.cc): the 256-byte record a deployment sends
  // for `artifact`, if stored; the next sequence number (above every stored one and at least the
  // current Unix time, so a fresh registry for an existing fleet still counts upwards); storing.
  std::optional<std::vector<uint8_t>> find_deployment_record(int64_t deployment, const std::string& artifact);
  uint32_t next_deployment_sequence();
  void add_deployment_record(int64_t deployment, const std::string& artifact, uint32_t sequence,
                             const std::vector<uint8_t>& record, const std::string& signer_key_id);

 private:
  VersionInfo read_version_row(Statement& s);
  // The artifact's row with its bytes (migration 15), inside the caller's transaction.
  void store_artifact_row(const std::string& hash, const std::vector<uint8_t>& bytes);
  void load_details(VersionInfo& v);

  std::string dir_;
  Database db_;
  ArtifactStore artifacts_;
};

}  // namespace tmf::registry
