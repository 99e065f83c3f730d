// Fleet CA, identity issuance and CRL with OpenSSL's libcrypto (pki.h). Every OpenSSL object is
// owned by a unique_ptr; every failure becomes a FleetError naming the file and OpenSSL's reason.
#include "host/fleet/pki.h"

#include <fcntl.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

namespace tmf::fleet {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using IntPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;

// "what: OpenSSL's first queued reason" (and clears the queue).
[[noreturn]] void fail(const std::string& what) {
  std::string reason;
  if (const unsigned long e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    reason = std::string(": ") + text;
  }
  ERR_clear_error();
  throw FleetError(what + reason);
}

void check(int ok, const std::string& what) {
  if (ok != 1) fail(what);
}

KeyPtr key_generate_p256() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot generate an EC P-256 key");
  return key;
}

// Writes bytes to a new file with `mode`; never replaces an existing file.
void write_new_file(const std::string& path, const std::string& bytes, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    throw FleetError(path + (errno == EEXIST ? ": exists already; refusing to overwrite it"
                                             : ": cannot create: " + std::string(std::strerror(errno))));
  }
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      throw FleetError(path + ": write failed: " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) throw FleetError(path + ": write failed: " + std::strerror(errno));
}

// Writes PATH.tmp then renames it over PATH, so a reader (the broker) never sees half a file.
void replace_file(const std::string& path, const std::string& bytes, mode_t mode) {
  const std::string tmp = path + ".tmp";
  std::filesystem::remove(tmp);
  write_new_file(tmp, bytes, mode);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw FleetError(path + ": cannot replace: " + std::strerror(errno));
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FleetError(path + ": cannot read");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), "cannot encode key");
  return bio_text(bio.get());
}

std::string cert_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert), "cannot encode certificate");
  return bio_text(bio.get());
}

KeyPtr key_load(const std::string& path) {
  const std::string text = read_text(path);
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) fail(path + ": not a PEM private key");
  return key;
}

CertPtr cert_load(const std::string& path) {
  const std::string text = read_text(path);
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) fail(path + ": not a PEM certificate");
  return cert;
}

std::string hex_of(const ASN1_INTEGER* serial) {
  BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) fail("bad serial number");
  char* hex = BN_bn2hex(bn.get());
  std::string out(hex);
  OPENSSL_free(hex);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

IntPtr serial_from_hex(const std::string& hex) {
  BIGNUM* raw = nullptr;
  if (hex.empty() || hex.size() > 40 || BN_hex2bn(&raw, hex.c_str()) != static_cast<int>(hex.size())) {
    BN_free(raw);
    throw FleetError("serial '" + hex + "': not a hex certificate serial");
  }
  BnPtr bn(raw);
  IntPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) fail("serial '" + hex + "'");
  return serial;
}

// 127 random bits: positive and at most 16 octets, unique with overwhelming probability.
IntPtr serial_random() {
  BnPtr bn(BN_new());
  check(BN_rand(bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), "cannot draw a serial");
  IntPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) fail("cannot encode a serial");
  return serial;
}

std::string time_text(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "";
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  return bio_text(bio.get());
}

NamePtr name_of(const std::string& common_name, const std::string& fleet) {
  NamePtr name(X509_NAME_new());
  const auto add = [&](const char* field, const std::string& value) {
    check(X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0),
          "cannot set " + std::string(field) + " '" + value + "'");
  };
  add("O", "Tiny-MLOps");
  add("OU", "fleet " + fleet);
  add("CN", common_name);
  return name;
}

// Adds one extension given in OpenSSL's configuration syntax ("critical,CA:TRUE").
void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) fail("cannot build extension " + std::string(OBJ_nid2sn(nid)) + " = " + value);
  check(X509_add_ext(cert, ext.get(), -1), "cannot add extension " + std::string(OBJ_nid2sn(nid)));
}

// A certificate for `key` named `subject`, valid from now for `days`, not yet signed.
CertPtr cert_new(EVP_PKEY* key, const X509_NAME* subject, const X509_NAME* issuer, int days) {
  if (days < 1) throw FleetError("validity of " + std::to_string(days) + " days: must be at least 1");
  CertPtr cert(X509_new());
  check(X509_set_version(cert.get(), 2), "cannot set version");
  const IntPtr serial = serial_random();
  check(X509_set_serialNumber(cert.get(), serial.get()), "cannot set serial");
  // Back-dated a minute: a device whose clock is slightly behind still accepts the broker.
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr)) {
    fail("cannot set validity");
  }
  check(X509_set_subject_name(cert.get(), subject), "cannot set subject");
  check(X509_set_issuer_name(cert.get(), issuer), "cannot set issuer");
  check(X509_set_pubkey(cert.get(), key), "cannot set public key");
  return cert;
}

void cert_sign(X509* cert, EVP_PKEY* ca_key) {
  if (X509_sign(cert, ca_key, EVP_sha256()) <= 0) fail("cannot sign certificate");
}

std::string fleet_of(const FleetPaths& paths) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_text(paths.fleet_json));
    return j.at("fleet").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw FleetError(paths.fleet_json + ": " + e.what());
  }
}

}  // namespace

FleetPaths fleet_paths(const std::string& dir) {
  return {dir, dir + "/ca.key", dir + "/ca.pem", dir + "/crl.pem", dir + "/fleet.json"};
}

FleetInfo fleet_init(const std::string& dir, const std::string& fleet, int days) {
  fleet_name_check(fleet);
  const FleetPaths paths = fleet_paths(dir);
  for (const std::string& p : {paths.ca_key, paths.ca_cert, paths.crl, paths.fleet_json}) {
    if (std::filesystem::exists(p)) throw FleetError(p + ": exists already; refusing to replace the fleet CA");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw FleetError(dir + ": cannot create: " + ec.message());

  const KeyPtr key = key_generate_p256();
  const NamePtr name = name_of("Tiny-MLOps fleet CA " + fleet, fleet);
  CertPtr cert = cert_new(key.get(), name.get(), name.get(), days);
  add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  cert_sign(cert.get(), key.get());

  // The key first: if anything later fails, a rerun refuses instead of making a second CA.
  write_new_file(paths.ca_key, key_pem(key.get()), 0600);
  write_new_file(paths.ca_cert, cert_pem(cert.get()), 0644);
  nlohmann::json j;
  j["fleet"] = fleet;
  write_new_file(paths.fleet_json, j.dump(2) + "\n", 0644);
  pki_crl_write(dir, {}, kPkiCrlDays);
  return fleet_load(dir);
}

FleetInfo fleet_load(const std::string& dir) {
  const FleetPaths paths = fleet_paths(dir);
  if (!std::filesystem::exists(paths.ca_cert)) {
    throw FleetError(paths.ca_cert + ": no fleet CA (run `tinymlops fleet init --dir " + dir + "` first)");
  }
  FleetInfo info;
  info.fleet = fleet_of(paths);
  fleet_name_check(info.fleet);
  const CertPtr ca = cert_load(paths.ca_cert);
  info.ca_subject = name_text(X509_get_subject_name(ca.get()));
  info.ca_serial = hex_of(X509_get0_serialNumber(ca.get()));
  info.ca_not_after = time_text(X509_get0_notAfter(ca.get()));
  return info;
}

Issued pki_issue(const std::string& fleet_dir, const IssueRequest& request, const std::string& out_dir,
                 const std::string& file_stem) {
  const FleetPaths paths = fleet_paths(fleet_dir);
  const FleetInfo fleet = fleet_load(fleet_dir);
  const KeyPtr ca_key = key_load(paths.ca_key);
  const CertPtr ca = cert_load(paths.ca_cert);
  if (X509_check_private_key(ca.get(), ca_key.get()) != 1) {
    ERR_clear_error();
    throw FleetError(paths.ca_key + ": does not belong to " + paths.ca_cert);
  }
  Issued out;
  out.common_name = request.common_name;
  out.key_path = out_dir + "/" + file_stem + ".key";
  out.cert_path = out_dir + "/" + file_stem + ".pem";
  out.ca_path = out_dir + "/ca.pem";
  for (const std::string& p : {out.key_path, out.cert_path}) {
    if (std::filesystem::exists(p)) throw FleetError(p + ": exists already; refusing to overwrite it");
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw FleetError(out_dir + ": cannot create: " + ec.message());

  const KeyPtr key = key_generate_p256();
  const NamePtr subject = name_of(request.common_name, fleet.fleet);
  CertPtr cert = cert_new(key.get(), subject.get(), X509_get_subject_name(ca.get()), request.days);
  add_extension(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), ca.get(), NID_subject_key_identifier, "hash");
  add_extension(cert.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  if (request.usage == CertificateUsage::kCertificateServer) {
    add_extension(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature,keyAgreement");
    add_extension(cert.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    std::string san;
    for (const std::string& d : request.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    for (const std::string& ip : request.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
    if (san.empty()) throw FleetError(request.common_name + ": a server certificate needs a DNS name or IP address");
    add_extension(cert.get(), ca.get(), NID_subject_alt_name, san);
  } else {
    add_extension(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), ca.get(), NID_ext_key_usage, "clientAuth");
  }
  cert_sign(cert.get(), ca_key.get());

  write_new_file(out.key_path, key_pem(key.get()), 0600);
  write_new_file(out.cert_path, cert_pem(cert.get()), 0644);
  if (!std::filesystem::exists(out.ca_path) || !std::filesystem::equivalent(out.ca_path, paths.ca_cert)) {
    replace_file(out.ca_path, read_text(paths.ca_cert), 0644);
  }
  out.serial = hex_of(X509_get0_serialNumber(cert.get()));
  out.not_after = time_text(X509_get0_notAfter(cert.get()));
  return out;
}

void pki_crl_write(const std::string& fleet_dir, const std::vector<Revocation>& revoked, int days) {
  if (days < 1) throw FleetError("CRL validity of " + std::to_string(days) + " days: must be at least 1");
  const FleetPaths paths = fleet_paths(fleet_dir);
  const KeyPtr ca_key = key_load(paths.ca_key);
  const CertPtr ca = cert_load(paths.ca_cert);

  // CRL number: one above the current file's, so relying parties can order CRLs.
  long number = 1;
  if (std::filesystem::exists(paths.crl)) {
    const std::string text = read_text(paths.crl);
    BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    CrlPtr old(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (!old) fail(paths.crl + ": not a PEM CRL");
    IntPtr n(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(old.get(), NID_crl_number, nullptr, nullptr)));
    if (n) number = ASN1_INTEGER_get(n.get()) + 1;
  }

  CrlPtr crl(X509_CRL_new());
  check(X509_CRL_set_version(crl.get(), 1), "cannot set CRL version");
  check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.get())), "cannot set CRL issuer");
  const time_t now = std::time(nullptr);
  TimePtr last(ASN1_TIME_adj(nullptr, now, 0, -60));
  TimePtr next(ASN1_TIME_adj(nullptr, now, days, 0));
  if (!last || !next) fail("cannot set CRL times");
  check(X509_CRL_set1_lastUpdate(crl.get(), last.get()), "cannot set CRL lastUpdate");
  check(X509_CRL_set1_nextUpdate(crl.get(), next.get()), "cannot set CRL nextUpdate");
  for (const Revocation& r : revoked) {
    X509_REVOKED* entry = X509_REVOKED_new();
    const IntPtr serial = serial_from_hex(r.serial);
    TimePtr when(ASN1_TIME_set(nullptr, static_cast<time_t>(r.revoked_at)));
    if (!entry || !when || X509_REVOKED_set_serialNumber(entry, serial.get()) != 1 ||
        X509_REVOKED_set_revocationDate(entry, when.get()) != 1 || X509_CRL_add0_revoked(crl.get(), entry) != 1) {
      X509_REVOKED_free(entry);
      fail("cannot add serial " + r.serial + " to the CRL");
    }
  }
  check(X509_CRL_sort(crl.get()), "cannot sort the CRL");
  IntPtr crl_number(ASN1_INTEGER_new());
  check(ASN1_INTEGER_set(crl_number.get(), number), "cannot set CRL number");
  check(X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, crl_number.get(), 0, 0), "cannot add CRL number");
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, ca.get(), nullptr, nullptr, crl.get(), 0);
  ExtPtr aki(X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!aki || X509_CRL_add_ext(crl.get(), aki.get(), -1) != 1) fail("cannot add the CRL's authority key id");
  if (X509_CRL_sign(crl.get(), ca_key.get(), EVP_sha256()) <= 0) fail("cannot sign the CRL");

  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509_CRL(bio.get(), crl.get()), "cannot encode the CRL");
  replace_file(paths.crl, bio_text(bio.get()), 0644);
}

}  // namespace tmf::fleet
