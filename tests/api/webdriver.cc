// chromedriver + headless Chromium over the W3C WebDriver API (see webdriver.h).
#include "tests/api/webdriver.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/child_process.h"

namespace tmf::test {
namespace {

constexpr const char* kElementKey = "element-6066-11e4-a52e-4f735466cecf";  // W3C WebDriver's element reference

std::string base64_decode(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) throw WebDriverError("screenshot: not base64");
  size_t padding = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

}  // namespace

std::string spki_sha256_base64(const std::string& cert_pem_path) {
  FILE* f = std::fopen(cert_pem_path.c_str(), "r");
  if (!f) throw WebDriverError(cert_pem_path + ": cannot read");
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!cert) throw WebDriverError(cert_pem_path + ": not a PEM certificate");
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
  X509_free(cert);
  if (len <= 0) throw WebDriverError(cert_pem_path + ": no public key");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(der, static_cast<size_t>(len), digest, &digest_len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  std::string out(4 * ((digest_len + 2) / 3) + 1, '\0');
  out.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(digest_len))));
  return out;
}

WebDriver::WebDriver(const std::string& work_dir, const std::string& trusted_spki) {
  std::filesystem::create_directories(work_dir);
  profile_ = work_dir + "/profile";
  std::filesystem::remove_all(profile_);
  std::filesystem::create_directories(profile_);
  log_ = work_dir + "/chromedriver.log";
  port_ = test_support::free_loopback_port();
  // Without --allowed-ips chromedriver listens on loopback only.
  pid_ = test_support::spawn_logged({"chromedriver", "--port=" + std::to_string(port_)}, log_, false);
  for (int i = 0; i < 500 && !test_support::loopback_port_accepts(port_); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const nlohmann::json args = {
      "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--no-first-run", "--no-default-browser-check", "--disable-sync", "--disable-default-apps",
      "--disable-extensions", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
      "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
      "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile_,
      // Nothing but loopback: host names resolve to nothing, other addresses go to a closed port.
      // (Chromium never sends loopback through a proxy.)
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=http://127.0.0.1:9",
      "--ignore-certificate-errors-spki-list=" + trusted_spki};
  const nlohmann::json caps = {
      {"capabilities",
       {{"alwaysMatch",
         {{"browserName", "chrome"},
          {"goog:chromeOptions", {{"binary", "/usr/lib/chromium/chromium"}, {"args", args}}},
          {"goog:loggingPrefs", {{"browser", "ALL"}}}}}}}};
  const nlohmann::json created = call("POST", "/session", caps);
  session_ = created.value("sessionId", "");
  if (session_.empty()) throw WebDriverError("chromedriver created no session: " + created.dump());
  call("POST", "/session/" + session_ + "/timeouts", {{"script", 10000}, {"pageLoad", 15000}, {"implicit", 0}});
}

WebDriver::~WebDriver() {
  if (!session_.empty()) {
    try {
      call("DELETE", "/session/" + session_);
    } catch (const std::exception&) {
      // chromedriver is stopped below either way
    }
  }
  test_support::stop_child(pid_);
  std::error_code ec;
  std::filesystem::remove_all(profile_, ec);
}

nlohmann::json WebDriver::call(const std::string& method, const std::string& path, const nlohmann::json& body) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(std::chrono::seconds(60));
  client.set_connection_timeout(std::chrono::seconds(5));
  httplib::Result r = method == "GET"      ? client.Get(path.c_str())
                      : method == "DELETE" ? client.Delete(path.c_str())
                                           : client.Post(path.c_str(), body.is_null() ? "{}" : body.dump(), "application/json");
  if (!r) throw WebDriverError(method + " " + path + ": chromedriver did not answer (httplib error " + std::to_string(static_cast<int>(r.error())) + "); see " + log_);
  const nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) throw WebDriverError(method + " " + path + ": not JSON: " + r->body.substr(0, 200));
  if (r->status != 200) {
    const nlohmann::json v = j.value("value", nlohmann::json::object());
    throw WebDriverError(method + " " + path + ": " + v.value("error", "error") + ": " + v.value("message", r->body.substr(0, 300)));
  }
  return j.value("value", nlohmann::json());
}

void WebDriver::navigate(const std::string& url) { call("POST", "/session/" + session_ + "/url", {{"url", url}}); }

std::vector<std::string> WebDriver::find_all(const std::string& css) {
  const nlohmann::json found =
      call("POST", "/session/" + session_ + "/elements", {{"using", "css selector"}, {"value", css}});
  std::vector<std::string> out;
  for (const nlohmann::json& e : found) out.push_back(e.value(kElementKey, ""));
  return out;
}

std::string WebDriver::wait_for(const std::string& css, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    const std::vector<std::string> found = find_all(css);
    if (!found.empty()) return found.front();
    if (std::chrono::steady_clock::now() > until) throw WebDriverError("no element '" + css + "' within " + std::to_string(seconds) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void WebDriver::click(const std::string& element) {
  call("POST", "/session/" + session_ + "/element/" + element + "/click", nlohmann::json::object());
}

void WebDriver::send_keys(const std::string& element, const std::string& text) {
  call("POST", "/session/" + session_ + "/element/" + element + "/value", {{"text", text}});
}

std::string WebDriver::text(const std::string& element) {
  return call("GET", "/session/" + session_ + "/element/" + element + "/text").get<std::string>();
}

std::string WebDriver::attribute(const std::string& element, const std::string& name) {
  const nlohmann::json v = call("GET", "/session/" + session_ + "/element/" + element + "/attribute/" + name);
  return v.is_string() ? v.get<std::string>() : "";
}

nlohmann::json WebDriver::script(const std::string& body, const nlohmann::json& args) {
  return call("POST", "/session/" + session_ + "/execute/sync", {{"script", body}, {"args", args}});
}

void WebDriver::screenshot(const std::string& png_path) {
  const std::string png = base64_decode(call("GET", "/session/" + session_ + "/screenshot").get<std::string>());
  std::filesystem::create_directories(std::filesystem::path(png_path).parent_path());
  std::ofstream(png_path, std::ios::binary).write(png.data(), static_cast<std::streamsize>(png.size()));
}

std::vector<nlohmann::json> WebDriver::browser_log() {
  const nlohmann::json entries = call("POST", "/session/" + session_ + "/se/log", {{"type", "browser"}});
  return entries.is_array() ? entries.get<std::vector<nlohmann::json>>() : std::vector<nlohmann::json>{};
}

}  // namespace tmf::test
