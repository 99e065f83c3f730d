// Broker flags shared by the device-facing commands (see broker_flags.h).
#include "host/cli/broker_flags.h"

#include "host/cli/cli_common.h"

namespace tmf::cli {

void broker_flags_add(CLI::App* cmd, BrokerFlags& f) {
  cmd->add_option("--broker", f.url, "Broker URL: mqtts://HOST:PORT (mutual TLS) or mqtt://HOST:PORT (plain, lab only)")
      ->envname("TINYMLOPS_BROKER");
  cmd->add_option("--ca", f.ca, "Fleet CA certificate (PEM) that signed the broker's certificate")->envname("TINYMLOPS_CA");
  cmd->add_option("--cert", f.cert, "This client's certificate (PEM), issued by the fleet CA")->envname("TINYMLOPS_CERT");
  cmd->add_option("--key", f.key, "This client's private key (PEM)")->envname("TINYMLOPS_KEY");
  cmd->add_option("--username", f.username, "User name, for brokers that use them")->envname("TINYMLOPS_USERNAME");
  cmd->add_option("--password-file", f.password_file, "File whose first line is the password")->envname("TINYMLOPS_PASSWORD_FILE");
  cmd->add_option("--broker-host", f.host, "Plain-text broker host (lab form of --broker mqtt://HOST:PORT)");
  cmd->add_option("--broker-port", f.port, "Broker port (with --broker-host, or overriding --broker's)");
}

fleet::BrokerSettings broker_flags_settings(const BrokerFlags& f) {
  fleet::BrokerSettings s;
  try {
    if (!f.url.empty()) fleet::broker_settings_set_url(s, f.url);
    if (!f.host.empty()) {
      if (!f.url.empty()) throw fleet::BrokerSettingsError("give --broker or --broker-host, not both");
      s.host = f.host;
    }
    if (f.port != 0) s.port = f.port;
    s.ca_file = f.ca;
    s.cert_file = f.cert;
    s.key_file = f.key;
    s.username = f.username;
    s.password_file = f.password_file;
    fleet::broker_settings_check(s);
  } catch (const fleet::BrokerSettingsError& e) {
    throw CliError(e.what(), 2);
  }
  return s;
}

}  // namespace tmf::cli
