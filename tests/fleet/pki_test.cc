// The fleet PKI (host/fleet/pki.h) checked with libcrypto's own verifier as the oracle: chains
// verify against the CA and not against another CA, names, serials, key types and usages are as
// issued, the CRL is signed by the CA and makes X509_verify_cert refuse exactly the revoked
// certificate. Also device-id rules, the registry's enrolment records, the ACL against the
// direction column of docs/protocol.md, and the CLI end to end.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "device/agent/protocol.h"
#include "host/fleet/acl.h"
#include "host/fleet/service_workers.h"
#include "host/fleet/broker_config.h"
#include "host/fleet/pki.h"
#include "host/registry/registry.h"
#include "tests/host/test_files.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

std::string fresh_dir(const std::string& name) {
  const std::string dir = test::temp_path(name);
  std::filesystem::remove_all(dir);
  return dir;
}

X509* load_cert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return cert;
}

X509_CRL* load_crl(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509_CRL* crl = PEM_read_X509_CRL(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return crl;
}

EVP_PKEY* load_key(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return key;
}

// X509_verify_cert of `leaf` against `ca` (and `crl` with CRL checking when given) for `purpose`;
// returns the verify error (X509_V_OK when the chain holds).
int verify(X509* leaf, X509* ca, X509_CRL* crl, int purpose) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  if (crl != nullptr) {
    X509_STORE_add_crl(store, crl);
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  }
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  const int ok = X509_verify_cert(ctx);
  const int error = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return error;
}

std::string common_name(X509* cert) {
  char cn[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return cn;
}

std::string serial_hex(const ASN1_INTEGER* serial) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out(hex);
  OPENSSL_free(hex);
  BN_free(bn);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Entries of a CRL (an empty CRL has no revokedCertificates list at all).
int revoked_count(X509_CRL* crl) {
  const STACK_OF(X509_REVOKED)* list = X509_CRL_get_REVOKED(crl);
  return list == nullptr ? 0 : sk_X509_REVOKED_num(list);
}

mode_t file_mode(const std::string& path) {
  struct stat st {};
  stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

TMF_TEST(FleetPki, InitWritesCaAndRefusesASecondOne) {
  const std::string dir = fresh_dir("pki_init");
  const fleet::FleetInfo info = fleet::fleet_init(dir, "plant7", 7300);
  TMF_EXPECT(info.fleet == "plant7");
  const fleet::FleetPaths p = fleet::fleet_paths(dir);
  TMF_EXPECT_EQ(file_mode(p.ca_key), 0600);
  X509* ca = load_cert(p.ca_cert);
  TMF_ASSERT(ca != nullptr);
  // Self-signed, a CA, and the key on disk is the certificate's (EC P-256).
  TMF_EXPECT_EQ(verify(ca, ca, nullptr, X509_PURPOSE_ANY), X509_V_OK);
  TMF_EXPECT_EQ(X509_check_ca(ca), 1);
  EVP_PKEY* key = load_key(p.ca_key);
  TMF_ASSERT(key != nullptr);
  TMF_EXPECT_EQ(X509_check_private_key(ca, key), 1);
  TMF_EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
  char group[64] = {};
  size_t group_len = 0;
  EVP_PKEY_get_group_name(key, group, sizeof group, &group_len);
  TMF_EXPECT(std::string(group) == "prime256v1");
  TMF_EXPECT(serial_hex(X509_get0_serialNumber(ca)) == info.ca_serial);
  EVP_PKEY_free(key);
  X509_free(ca);
  // An empty CRL exists from the start (the broker's crlfile must be loadable before any revocation).
  X509_CRL* crl = load_crl(p.crl);
  TMF_ASSERT(crl != nullptr);
  TMF_EXPECT_EQ(revoked_count(crl), 0);
  X509_CRL_free(crl);

  std::ifstream ca_in(p.ca_cert);
  const std::string ca_text((std::istreambuf_iterator<char>(ca_in)), std::istreambuf_iterator<char>());
  TMF_EXPECT_THROWS(fleet::fleet_init(dir, "plant7", 7300), fleet::FleetError, "refusing to replace the fleet CA");
  std::ifstream ca_again(p.ca_cert);
  TMF_EXPECT(std::string((std::istreambuf_iterator<char>(ca_again)), std::istreambuf_iterator<char>()) == ca_text);
  TMF_EXPECT_THROWS(fleet::fleet_init(fresh_dir("pki_badfleet"), "a/b", 10), fleet::FleetError, "fleet name 'a/b'");
}

TMF_TEST(FleetPki, DeviceCertificateChainsToItsCaOnly) {
  const std::string dir = fresh_dir("pki_chain");
  const std::string other = fresh_dir("pki_chain_other");
  fleet::fleet_init(dir, "fleet", 7300);
  fleet::fleet_init(other, "fleet", 7300);
  fleet::IssueRequest r;
  r.common_name = "pump-01";
  const fleet::Issued issued = fleet::pki_issue(dir, r, dir + "/out", "pump-01");
  r.common_name = "pump-01";  // the same name from another CA
  const fleet::Issued forged = fleet::pki_issue(other, r, other + "/out", "pump-01");

  X509* ca = load_cert(fleet::fleet_paths(dir).ca_cert);
  X509* leaf = load_cert(issued.cert_path);
  X509* foreign = load_cert(forged.cert_path);
  TMF_ASSERT(ca != nullptr && leaf != nullptr && foreign != nullptr);
  TMF_EXPECT_EQ(verify(leaf, ca, nullptr, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  TMF_EXPECT(verify(foreign, ca, nullptr, X509_PURPOSE_SSL_CLIENT) != X509_V_OK);
  // A client certificate cannot serve as a broker certificate (EKU clientAuth only).
  TMF_EXPECT(verify(leaf, ca, nullptr, X509_PURPOSE_SSL_SERVER) != X509_V_OK);
  TMF_EXPECT(common_name(leaf) == "pump-01");
  TMF_EXPECT(serial_hex(X509_get0_serialNumber(leaf)) == issued.serial);
  TMF_EXPECT(issued.serial != forged.serial);
  TMF_EXPECT_EQ(X509_check_ca(leaf), 0);
  EVP_PKEY* key = load_key(issued.key_path);
  TMF_ASSERT(key != nullptr);
  TMF_EXPECT_EQ(X509_check_private_key(leaf, key), 1);
  TMF_EXPECT_EQ(file_mode(issued.key_path), 0600);
  // ca.pem beside the identity is the fleet CA.
  X509* ca_copy = load_cert(issued.ca_path);
  TMF_ASSERT(ca_copy != nullptr);
  TMF_EXPECT_EQ(X509_cmp(ca_copy, ca), 0);
  EVP_PKEY_free(key);
  X509_free(ca_copy);
  X509_free(foreign);
  X509_free(leaf);
  X509_free(ca);
  TMF_EXPECT_THROWS(fleet::pki_issue(dir, r, dir + "/out", "pump-01"), fleet::FleetError, "refusing to overwrite");
}

TMF_TEST(FleetPki, BrokerCertificateNamesLoopback) {
  const std::string fleet_dir = fresh_dir("pki_broker");
  fleet::fleet_init(fleet_dir, "fleet", 7300);
  fleet::BrokerConfigRequest req;
  req.fleet_dir = fleet_dir;
  req.out_dir = fleet_dir + "/broker";
  req.port = 18883;
  req.user = getpwuid(geteuid())->pw_name;
  const fleet::BrokerConfig c = fleet::broker_config_write(req);
  TMF_EXPECT(c.issued_certificate);
  X509* ca = load_cert(fleet::fleet_paths(fleet_dir).ca_cert);
  X509* cert = load_cert(c.cert_path);
  TMF_ASSERT(ca != nullptr && cert != nullptr);
  TMF_EXPECT_EQ(verify(cert, ca, nullptr, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  TMF_EXPECT(verify(cert, ca, nullptr, X509_PURPOSE_SSL_CLIENT) != X509_V_OK);
  TMF_EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  TMF_EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
  TMF_EXPECT(X509_check_ip_asc(cert, "10.0.0.1", 0) != 1);
  X509_free(cert);
  X509_free(ca);
  // Regenerating keeps the broker's certificate.
  const fleet::BrokerConfig again = fleet::broker_config_write(req);
  TMF_EXPECT(!again.issued_certificate);
}

TMF_TEST(FleetPki, CrlRevokesExactlyTheListedSerial) {
  const std::string dir = fresh_dir("pki_crl");
  fleet::fleet_init(dir, "fleet", 7300);
  fleet::IssueRequest r;
  r.common_name = "pump-a";
  const fleet::Issued a = fleet::pki_issue(dir, r, dir + "/out", "pump-a");
  r.common_name = "pump-b";
  const fleet::Issued b = fleet::pki_issue(dir, r, dir + "/out", "pump-b");
  fleet::pki_crl_write(dir, {{a.serial, 1700000000}}, 30);

  X509* ca = load_cert(fleet::fleet_paths(dir).ca_cert);
  X509* ca_b = load_cert(b.cert_path);
  X509* ca_a = load_cert(a.cert_path);
  X509_CRL* crl = load_crl(fleet::fleet_paths(dir).crl);
  TMF_ASSERT(ca != nullptr && ca_a != nullptr && ca_b != nullptr && crl != nullptr);
  TMF_EXPECT_EQ(X509_CRL_verify(crl, X509_get0_pubkey(ca)), 1);
  TMF_EXPECT_EQ(revoked_count(crl), 1);
  X509_REVOKED* entry = nullptr;
  TMF_EXPECT_EQ(X509_CRL_get0_by_cert(crl, &entry, ca_a), 1);
  TMF_ASSERT(entry != nullptr);
  TMF_EXPECT(serial_hex(X509_REVOKED_get0_serialNumber(entry)) == a.serial);
  TMF_EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_REVOKED_get0_revocationDate(entry), 1700000000), 0);
  TMF_EXPECT_EQ(X509_CRL_get0_by_cert(crl, &entry, ca_b), 0);
  TMF_EXPECT_EQ(verify(ca_a, ca, crl, X509_PURPOSE_SSL_CLIENT), X509_V_ERR_CERT_REVOKED);
  TMF_EXPECT_EQ(verify(ca_b, ca, crl, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  // nextUpdate = now + 30 days; the CRL number counts up (init wrote 1, this is 2).
  TMF_EXPECT_EQ(X509_cmp_time(X509_CRL_get0_nextUpdate(crl), nullptr), 1);
  ASN1_INTEGER* number = static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr));
  TMF_ASSERT(number != nullptr);
  TMF_EXPECT_EQ(ASN1_INTEGER_get(number), 2);
  ASN1_INTEGER_free(number);
  X509_CRL_free(crl);
  X509_free(ca_a);
  X509_free(ca_b);
  X509_free(ca);
  TMF_EXPECT_THROWS(fleet::pki_crl_write(dir, {{"xyz", 0}}, 30), fleet::FleetError, "serial 'xyz'");
}

TMF_TEST(FleetIdentity, DeviceIdsFollowTheProtocolAndLeaveServicesAlone) {
  fleet::fleet_device_id_check("pump-01");
  fleet::fleet_device_id_check("A_b-9");
  fleet::fleet_device_id_check(std::string(32, 'x'));
  const char* bad[] = {"", "a/b", "a+b", "a#", "a b", "é", "svc-serve", "svc-pump", "../x"};
  for (const char* id : bad) {
    TMF_EXPECT_THROWS(fleet::fleet_device_id_check(id), fleet::FleetError, std::string("device id '") + id + "'");
  }
  TMF_EXPECT_THROWS(fleet::fleet_device_id_check(std::string(33, 'x')), fleet::FleetError, "1-32");
  TMF_EXPECT_THROWS(fleet::fleet_device_id_check(std::string("ab\0cd", 5)), fleet::FleetError, "device id");
  TMF_EXPECT(fleet::fleet_service_identity(fleet::FleetService::kFleetServiceDeploy) == "svc-deploy");
  TMF_EXPECT(!fleet::fleet_service_parse("broker").has_value());
}

// The ACL against the spec: docs/protocol.md's topic table gives each leaf's direction.
TMF_TEST(FleetAcl, EveryLeafOnceInTheDirectionTheSpecStates) {
  std::ifstream doc(std::string(TMF_SOURCE_DIR) + "/docs/protocol.md");
  std::map<std::string, std::string> spec;  // leaf -> "device → host" | "host → device"
  std::string line;
  while (std::getline(doc, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '|')) cells.push_back(cell);
    if (cells.size() < 4) continue;
    const auto strip = [](std::string s) {
      while (!s.empty() && (s.front() == ' ' || s.front() == '`')) s.erase(s.begin());
      while (!s.empty() && (s.back() == ' ' || s.back() == '`')) s.pop_back();
      return s;
    };
    spec[strip(cells[1])] = strip(cells[3]);
  }
  TMF_EXPECT_EQ(spec.size(), static_cast<size_t>(OtaTopic::kOtaTopicCount));
  const std::string acl = fleet::fleet_acl_text("plant7");
  for (uint8_t t = 0; t < static_cast<uint8_t>(OtaTopic::kOtaTopicCount); ++t) {
    const std::string leaf = ota_topic_leaf(static_cast<OtaTopic>(t));
    TMF_ASSERT(spec.count(leaf) == 1);
    const bool uplink = spec[leaf] == "device → host";
    TMF_EXPECT(uplink || spec[leaf] == "host → device");
    TMF_EXPECT(uplink == (fleet::fleet_topic_direction(static_cast<OtaTopic>(t)) == fleet::TopicDirection::kTopicUplink));
    const std::string own = std::string("pattern ") + (uplink ? "write" : "read") + " tmf/plant7/%u/" + leaf + "\n";
    const std::string service = std::string("topic ") + (uplink ? "read" : "write") + " tmf/plant7/+/" + leaf + "\n";
    const std::string gateway = std::string("topic ") + (uplink ? "write" : "read") + " tmf/plant7/+/" + leaf + "\n";
    TMF_EXPECT(acl.find(own) != std::string::npos);
    TMF_EXPECT(acl.find(service) != std::string::npos);
    TMF_EXPECT(acl.find(gateway) != std::string::npos);
    // Devices never get the opposite access to their own leaf.
    const std::string opposite = std::string("pattern ") + (uplink ? "read" : "write") + " tmf/plant7/%u/" + leaf + "\n";
    TMF_EXPECT(acl.find(opposite) == std::string::npos);
  }
  // No multi-level wildcard in any grant; only the three access words, never both directions.
  std::stringstream lines(acl);
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    TMF_EXPECT(line.find('#') == std::string::npos);
  }
  TMF_EXPECT(acl.find("readwrite") == std::string::npos);
}

// A worker identity's section is the service's section under another username: the same lines,
// parsed out of the generated text; the list of workers refuses names that would inject ACL lines.
TMF_TEST(FleetAcl, WorkerIdentitiesGetTheirServiceLinesOnly) {
  const std::string dir = fresh_dir("acl_workers");
  std::filesystem::create_directories(dir);
  TMF_EXPECT(fleet::fleet_workers_load(dir).empty());
  TMF_EXPECT(fleet::fleet_worker_add(dir, fleet::FleetService::kFleetServiceServe, "w2"));
  TMF_EXPECT(fleet::fleet_worker_add(dir, fleet::FleetService::kFleetServiceServe, "w1"));
  TMF_EXPECT(!fleet::fleet_worker_add(dir, fleet::FleetService::kFleetServiceServe, "w1"));
  const auto workers = fleet::fleet_workers_load(dir);
  TMF_ASSERT(workers.size() == 2);
  TMF_EXPECT(workers[0].worker == "w1" && workers[1].worker == "w2");
  // Grants per username, read back from the text as Mosquitto reads it (a `user` line starts a section).
  const auto sections = [](const std::string& acl) {
    std::map<std::string, std::vector<std::string>> out;
    std::string user = "(pattern)", line;
    std::stringstream lines(acl);
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == '#') continue;
      if (line.rfind("user ", 0) == 0) {
        user = line.substr(5);
        continue;
      }
      out[user].push_back(line);
    }
    return out;
  };
  const auto with = sections(fleet::fleet_acl_text("plant7", workers));
  const auto without = sections(fleet::fleet_acl_text("plant7"));
  TMF_EXPECT_EQ(with.size(), without.size() + 2);
  for (const auto& [user, grants] : without) TMF_EXPECT(with.at(user) == grants);
  TMF_EXPECT(with.at("svc-serve-w1") == without.at("svc-serve"));
  TMF_EXPECT(with.at("svc-serve-w2") == without.at("svc-serve"));
  TMF_EXPECT_THROWS(fleet::fleet_worker_identity(fleet::FleetService::kFleetServiceServe, "w1\ntopic readwrite #"),
                    fleet::FleetError, "worker 'w1");
  {
    std::ofstream edited(dir + "/services.json");
    edited << R"({"workers": {"serve": ["w1\ntopic readwrite #"]}})";
  }
  TMF_EXPECT_THROWS(fleet::fleet_workers_load(dir), fleet::FleetError, "worker 'w1");
}

// The enrolment records themselves are registry_tests Registry(Postgres).EnrolRevokeReenrol.
TMF_TEST(FleetCli, InitEnrollRevokeThroughTheCommand) {
  const std::string root = fresh_dir("pki_cli");
  const std::string r = " --registry " + root + "/registry";
  const std::string ca = root + "/fleet";
  const test::CommandResult init = test::run_cli("fleet init --dir " + ca + " --fleet plant7 --json" + r);
  TMF_EXPECT_EQ(init.exit_code, 0);
  TMF_EXPECT(nlohmann::json::parse(init.out)["fleet"] == "plant7");
  TMF_EXPECT_EQ(test::run_cli("fleet init --dir " + ca + r).exit_code, 2);

  const test::CommandResult enroll =
      test::run_cli("devices enroll pump-7 --group pumps --out " + root + "/pump-7 --ca-dir " + ca + " --json" + r);
  TMF_EXPECT_EQ(enroll.exit_code, 0);
  const auto j = nlohmann::json::parse(enroll.out);
  const std::string serial = j["serial"];
  X509* cert = load_cert(j["cert_path"]);
  TMF_ASSERT(cert != nullptr);
  TMF_EXPECT(common_name(cert) == "pump-7");
  TMF_EXPECT(serial_hex(X509_get0_serialNumber(cert)) == serial);
  X509_free(cert);
  {
    registry::Registry reg(root + "/registry");
    const auto e = reg.device_enrolled("pump-7");
    TMF_ASSERT(e.has_value());
    TMF_EXPECT(e->serial == serial && e->group == "pumps");
  }
  // Enrolled twice: refused, and the existing key is untouched.
  TMF_EXPECT_EQ(test::run_cli("devices enroll pump-7 --group pumps --out " + root + "/again --ca-dir " + ca + r).exit_code, 2);
  TMF_EXPECT(!std::filesystem::exists(root + "/again/pump-7.key"));
  const test::CommandResult svc = test::run_cli("devices enroll svc-deploy --group pumps --out " + root + "/x --ca-dir " + ca + r);
  TMF_EXPECT_EQ(svc.exit_code, 2);
  TMF_EXPECT(svc.err.find("reserved for service identities") != std::string::npos);
  TMF_EXPECT_EQ(test::run_cli("devices enroll 'a/b' --group pumps --out " + root + "/x --ca-dir " + ca + r).exit_code, 2);

  const test::CommandResult revoke = test::run_cli("devices revoke pump-7 --ca-dir " + ca + " --json" + r);
  TMF_EXPECT_EQ(revoke.exit_code, 0);
  TMF_EXPECT(nlohmann::json::parse(revoke.out)["serial"] == serial);
  X509_CRL* crl = load_crl(ca + "/crl.pem");
  TMF_ASSERT(crl != nullptr);
  TMF_EXPECT_EQ(revoked_count(crl), 1);
  TMF_EXPECT(serial_hex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl), 0))) == serial);
  X509_CRL_free(crl);
  TMF_EXPECT_EQ(test::run_cli("devices revoke pump-7 --ca-dir " + ca + r).exit_code, 2);

  const test::CommandResult service = test::run_cli("fleet service deploy --out " + root + "/svc --dir " + ca + " --json" + r);
  TMF_EXPECT_EQ(service.exit_code, 0);
  TMF_EXPECT(nlohmann::json::parse(service.out)["identity"] == "svc-deploy");
  TMF_EXPECT_EQ(test::run_cli("fleet service broker --out " + root + "/svc2 --dir " + ca + r).exit_code, 2);

  // A compromised deploy host: its service certificate is revoked and joins the device's in the CRL.
  const test::CommandResult svc_revoke = test::run_cli("fleet revoke deploy --dir " + ca + " --json" + r);
  TMF_EXPECT_EQ(svc_revoke.exit_code, 0);
  const auto revoked_service = nlohmann::json::parse(svc_revoke.out);
  TMF_EXPECT(revoked_service["id"] == "svc-deploy");
  TMF_EXPECT(revoked_service["serial"] == nlohmann::json::parse(service.out)["serial"]);
  TMF_EXPECT_EQ(revoked_service["crl_entries"].get<int>(), 2);
  crl = load_crl(ca + "/crl.pem");
  TMF_ASSERT(crl != nullptr);
  TMF_EXPECT_EQ(revoked_count(crl), 2);
  X509_CRL_free(crl);
  const test::CommandResult again = test::run_cli("fleet revoke deploy --dir " + ca + r);
  TMF_EXPECT_EQ(again.exit_code, 2);
  TMF_EXPECT(again.err.find("service 'svc-deploy': holds no valid certificate") != std::string::npos);
  const test::CommandResult unknown = test::run_cli("fleet revoke broker --dir " + ca + r);
  TMF_EXPECT_EQ(unknown.exit_code, 2);
  TMF_EXPECT(unknown.err.find("service 'broker'") != std::string::npos);
  // Re-issued after the revocation: a fresh certificate.
  TMF_EXPECT_EQ(test::run_cli("fleet service deploy --out " + root + "/svc3 --dir " + ca + r).exit_code, 0);

  const test::CommandResult broker =
      test::run_cli("broker config --dir " + ca + " --out " + root + "/broker --port 18884 --fleet plant7 --json --user " +
                    getpwuid(geteuid())->pw_name);
  TMF_EXPECT_EQ(broker.exit_code, 0);
  const auto b = nlohmann::json::parse(broker.out);
  TMF_EXPECT(b["fleet"] == "plant7" && b["port"] == 18884 && b["bind"] == "127.0.0.1");
  TMF_EXPECT_EQ(test::run_cli("broker config --dir " + ca + " --out " + root + "/broker --port 18884 --fleet other").exit_code, 2);
  for (const char* help : {"fleet init --help", "fleet service --help", "fleet revoke --help", "fleet crl --help",
                           "devices enroll --help",
                           "devices revoke --help", "broker config --help"}) {
    TMF_EXPECT_EQ(test::run_cli(help).exit_code, 0);
  }
}

}  // namespace
}  // namespace tmf
