// Where and how a host client reaches the MQTT broker: mqtt://HOST:PORT (plain, a lab opt-in) or
// mqtts://HOST:PORT with the fleet CA and the client's own certificate and key (mutual TLS, the
// default in docs, tests and the demo), plus optional user name / password file. Every host
// command that talks to devices takes these settings (docs/fleet.md).
#pragma once

#include <stdexcept>
#include <string>

namespace tmf::fleet {

class BrokerSettingsError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct BrokerSettings {
  std::string host = "127.0.0.1";
  int port = 1883;
  bool tls = false;           // mqtts://
  std::string ca_file;        // PEM: the CA that signed the broker's certificate (required with TLS)
  std::string cert_file;      // PEM: this client's certificate (mutual TLS)
  std::string key_file;       // PEM: its private key
  std::string username;       // brokers that use user names (empty: none, or the cert's CN)
  std::string password_file;  // first line is the password (never on the command line)

  // "mqtts://127.0.0.1:8883": for messages and logs (never includes secrets).
  std::string url() const;
};

// Parses mqtt://HOST:PORT or mqtts://HOST:PORT (PORT optional: 1883 / 8883) into host, port and
// tls of `settings`; throws BrokerSettingsError naming the bad part.
void broker_settings_set_url(BrokerSettings& settings, const std::string& url);

// Checks the settings are usable before connecting: TLS needs a CA file, a certificate needs its
// key (and the reverse), every named file is readable, a password file needs a user name.
// Throws BrokerSettingsError naming the option and the file.
void broker_settings_check(const BrokerSettings& settings);

// The password (first line of password_file), "" when there is none. Throws on an unreadable file.
std::string broker_settings_password(const BrokerSettings& settings);

}  // namespace tmf::fleet
