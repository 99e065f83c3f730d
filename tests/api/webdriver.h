// A WebDriver client for the console test: chromedriver (Debian chromium-driver) on a free
// loopback port driving headless Chromium with a fresh profile, over the W3C WebDriver HTTP API
// (JSON over HTTP). Chromium is kept off every non-loopback address: no background networking or
// component updates, every host name resolves to nothing and any other address goes to a dead
// loopback proxy.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace tmf::test {

class WebDriverError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WebDriver {
 public:
  // Starts chromedriver and a session. `trusted_spki` (base64 SHA-256 of a server certificate's
  // public key) is the one HTTPS server identity Chromium accepts without a public CA.
  WebDriver(const std::string& work_dir, const std::string& trusted_spki);
  ~WebDriver();
  WebDriver(const WebDriver&) = delete;
  WebDriver& operator=(const WebDriver&) = delete;

  void navigate(const std::string& url);
  std::vector<std::string> find_all(const std::string& css);  // element references, in document order
  // The first element matching `css` within `seconds` (polled every 50 ms); throws WebDriverError.
  std::string wait_for(const std::string& css, double seconds = 10);
  void click(const std::string& element);
  void send_keys(const std::string& element, const std::string& text);
  std::string text(const std::string& element);
  std::string attribute(const std::string& element, const std::string& name);  // "" when absent
  nlohmann::json script(const std::string& body, const nlohmann::json& args = nlohmann::json::array());
  void screenshot(const std::string& png_path);
  // Browser console entries since the previous call (level, message, timestamp).
  std::vector<nlohmann::json> browser_log();
  const std::string& driver_log() const { return log_; }

 private:
  nlohmann::json call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr);

  int port_ = 0;
  pid_t pid_ = -1;
  std::string session_, log_, profile_;
};

// Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo (Chromium's
// --ignore-certificate-errors-spki-list form).
std::string spki_sha256_base64(const std::string& cert_pem_path);

}  // namespace tmf::test
