// The fleet's public-key infrastructure on OpenSSL's libcrypto: one fleet CA (EC P-256, ECDSA
// with SHA-256) that issues every device, service and broker certificate, and its CRL.
//
//   <fleet dir>/ca.key      CA private key, PKCS#8 PEM, mode 0600 (keep it off the broker host)
//   <fleet dir>/ca.pem      self-signed CA certificate (CA:TRUE, pathlen 0, keyCertSign + cRLSign)
//   <fleet dir>/crl.pem     CRL v2 signed by the CA; rewritten atomically on every revocation
//   <fleet dir>/fleet.json  {"fleet": NAME}: the topic namespace tmf/NAME/... the CA serves
//
// An issued identity is <out>/<name>.key (0600), <out>/<name>.pem and a copy of ca.pem. Serials
// are 127 random bits (positive, RFC 5280 allows up to 20 octets), as lowercase hex.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/fleet/identity.h"

namespace tmf::fleet {

struct FleetPaths {
  std::string dir, ca_key, ca_cert, crl, fleet_json;
};
FleetPaths fleet_paths(const std::string& dir);

struct FleetInfo {
  std::string fleet;
  std::string ca_subject;  // one-line RFC 2253 form
  std::string ca_serial;   // hex
  std::string ca_not_after;  // ISO 8601 UTC
};

// Creates the CA key, certificate (valid `days`), an empty CRL and fleet.json in `dir`. Refuses
// (FleetError) if any of them exists already: a second CA would silently orphan every identity.
FleetInfo fleet_init(const std::string& dir, const std::string& fleet, int days);
// Reads fleet.json and ca.pem; throws FleetError naming the file when absent or malformed.
FleetInfo fleet_load(const std::string& dir);

enum class CertificateUsage {
  kCertificateClient,  // devices and services: EKU clientAuth
  kCertificateServer,  // the broker: EKU serverAuth, with subjectAltNames
};

struct IssueRequest {
  std::string common_name;
  CertificateUsage usage = CertificateUsage::kCertificateClient;
  std::vector<std::string> dns_names;     // server only
  std::vector<std::string> ip_addresses;  // server only
  int days = 3650;
};

struct Issued {
  std::string common_name, serial, key_path, cert_path, ca_path, not_after;
};

// Generates a key pair in `out_dir`/<file_stem>.key (0600; refuses to overwrite) and a certificate
// for it signed by the fleet CA in `fleet_dir`, and copies ca.pem beside them.
Issued pki_issue(const std::string& fleet_dir, const IssueRequest& request, const std::string& out_dir,
                 const std::string& file_stem);

struct Revocation {
  std::string serial;   // hex, as pki_issue reported it
  int64_t revoked_at;   // unix seconds
};
// Rewrites <fleet dir>/crl.pem (atomically) listing exactly `revoked`, valid for `days`, with a
// CRL number one above the previous file's.
void pki_crl_write(const std::string& fleet_dir, const std::vector<Revocation>& revoked, int days);

// CRL validity when not told otherwise: Mosquitto refuses every client once nextUpdate passes, so
// a revocation (or `tinymlops fleet crl`) must re-sign it within this time.
inline constexpr int kPkiCrlDays = 365;

}  // namespace tmf::fleet
