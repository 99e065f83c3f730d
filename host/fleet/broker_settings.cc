// Broker URL parsing and the checks made before a client connects (see broker_settings.h).
#include "host/fleet/broker_settings.h"

#include <fstream>

namespace tmf::fleet {
namespace {

void check_readable(const std::string& option, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw BrokerSettingsError(option + " " + path + ": cannot read the file");
}

}  // namespace

std::string BrokerSettings::url() const {
  return std::string(tls ? "mqtts://" : "mqtt://") + host + ":" + std::to_string(port);
}

void broker_settings_set_url(BrokerSettings& settings, const std::string& url) {
  std::string rest;
  bool tls = false;
  if (url.rfind("mqtts://", 0) == 0) {
    tls = true;
    rest = url.substr(8);
  } else if (url.rfind("mqtt://", 0) == 0) {
    rest = url.substr(7);
  } else {
    throw BrokerSettingsError("--broker '" + url + "': expected mqtt://HOST:PORT or mqtts://HOST:PORT");
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  int port = tls ? 8883 : 1883;
  std::string host = rest;
  const size_t colon = rest.rfind(':');
  const bool bracketed = !rest.empty() && rest.front() == '[';  // [::1]:8883
  if (colon != std::string::npos && (!bracketed || colon > rest.find(']'))) {
    host = rest.substr(0, colon);
    const std::string digits = rest.substr(colon + 1);
    size_t used = 0;
    long value = -1;
    try {
      value = std::stol(digits, &used);
    } catch (const std::logic_error&) {
      used = 0;
    }
    if (digits.empty() || used != digits.size() || value < 1 || value > 65535) {
      throw BrokerSettingsError("--broker '" + url + "': port '" + digits + "' is not 1..65535");
    }
    port = static_cast<int>(value);
  }
  if (bracketed) {
    if (host.size() < 3 || host.back() != ']') throw BrokerSettingsError("--broker '" + url + "': unterminated [IPv6] host");
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host.find('/') != std::string::npos) {
    throw BrokerSettingsError("--broker '" + url + "': no host name");
  }
  settings.host = host;
  settings.port = port;
  settings.tls = tls;
}

void broker_settings_check(const BrokerSettings& s) {
  if (s.port < 1 || s.port > 65535) throw BrokerSettingsError("broker port " + std::to_string(s.port) + " is not 1..65535");
  const bool any_tls_file = !s.ca_file.empty() || !s.cert_file.empty() || !s.key_file.empty();
  if (any_tls_file && !s.tls) {
    throw BrokerSettingsError(s.url() + ": --ca/--cert/--key given for a plain-text broker; use mqtts://");
  }
  if (s.tls && s.ca_file.empty()) throw BrokerSettingsError(s.url() + ": TLS needs --ca (the fleet CA certificate)");
  if (s.cert_file.empty() != s.key_file.empty()) {
    throw BrokerSettingsError(s.url() + ": --cert and --key go together (the client's certificate and its key)");
  }
  if (!s.password_file.empty() && s.username.empty()) {
    throw BrokerSettingsError("--password-file " + s.password_file + ": needs --username");
  }
  if (!s.ca_file.empty()) check_readable("--ca", s.ca_file);
  if (!s.cert_file.empty()) check_readable("--cert", s.cert_file);
  if (!s.key_file.empty()) check_readable("--key", s.key_file);
  if (!s.password_file.empty()) check_readable("--password-file", s.password_file);
}

std::string broker_settings_password(const BrokerSettings& s) {
  if (s.password_file.empty()) return "";
  std::ifstream in(s.password_file);
  if (!in) throw BrokerSettingsError("--password-file " + s.password_file + ": cannot read the file");
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace tmf::fleet
