// `tinymlops serve --config FILE` (docs/serve.md "Configuration file"): a hand-written [serve]
// section gives the same effective settings as the same values as flags, for every serve flag
// (the list is read from `serve --help`, so a new flag without a config key fails here), and a
// misspelt key is an error naming it.
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "serve_fixture.h"
#include "tests/support/tmf_test.h"

namespace tmf::test {
namespace {

struct Output {
  int exit_code = -1;
  std::string text;
};

Output run_cli(const std::string& args) {
  Output o;
  FILE* pipe = popen((std::string(TMF_CLI) + " " + args + " 2>&1").c_str(), "r");
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) o.text.append(buffer, n);
  const int status = pclose(pipe);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

// key -> value (quotes removed) of a printed [serve] section.
std::map<std::string, std::string> settings(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    out[line.substr(0, eq)] = value;
  }
  return out;
}

TMF_TEST(ServeConfig, FileGivesTheSameSettingsAsFlagsForEveryFlag) {
  const std::string dir = scratch_dir("serve_config");
  // A value for every flag, none of them a default (a default would pass without being read).
  const std::map<std::string, std::string> values = {
      {"registry", dir + "/reg"},           {"broker", "mqtts://broker.plant:8883"},
      {"ca", "/etc/t/ca.pem"},              {"cert", "/etc/t/serve.pem"},
      {"key", "/etc/t/serve.key"},          {"username", "svc"},
      {"password-file", "/etc/t/pw"},       {"broker-host", "10.0.0.7"},
      {"broker-port", "18883"},             {"fleet", "plant7"},
      {"client-id", "serve-a"},             {"drift-every-seconds", "2.5"},
      {"progress-seconds", "7"},            {"commit-ms", "40"},
      {"commit-messages", "99"},            {"max-device-batches-per-second", "12.5"},
      {"recent-batches", "9"},              {"min-windows", "111"},
      {"psi-threshold", "0.35"},            {"loop-group", "pumps"},
      {"model-name", "m7"},                 {"signing-key", "/etc/t/sign.key"},
      {"min-devices", "3"},                 {"capture-samples", "4096"},
      {"capture-timeout", "12"},            {"labels-to-retrain", "5"},
      {"max-false-alarm-rate", "0.05"},     {"detector", "kmeans"},
      {"stages", "1,50%,100%"},             {"gate-seconds", "4"},
      {"notify-webhook", "https://hooks.plant:8443/a/b?c=d"}, {"notify-ca", "/etc/t/hooks-ca.pem"},
      {"notify-retry-initial-seconds", "0.5"}, {"notify-retry-max-seconds", "60"},
      {"http", "127.0.0.1:8080"},           {"http-cert", "/etc/t/http.pem"},
      {"http-key", "/etc/t/http.key"},      {"http-threads", "4"},
      {"db", "postgresql://serve@db.plant:5432/fleet"}, {"retain-telemetry", "30"},
      {"retain-captures", "90.5"},
      {"worker-id", "w7"},                  {"share-group", "ingest"},
      {"session-expiry-seconds", "30"}};
  const std::set<std::string> flags = {"allow-unenrolled", "json", "auto-approve"};

  // Every option serve --help lists is covered above.
  const Output help = run_cli("serve --help");
  TMF_ASSERT(help.exit_code == 0);
  std::set<std::string> listed;
  const std::regex option(R"((?:^|[ ,])--([a-z][a-z0-9-]*))");
  std::istringstream lines(help.text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (line.size() > 2 && line[2] == '-' && std::regex_search(line, m, option)) listed.insert(m[1]);
  }
  listed.erase("help");
  listed.erase("print-config");
  for (const std::string& name : listed) {
    const bool covered = values.count(name) || flags.count(name);
    if (!covered) std::printf("  serve --%s has no value in this test\n", name.c_str());
    TMF_EXPECT(covered);
  }
  TMF_EXPECT(listed.size() == values.size() + flags.size());

  std::string flag_args;
  for (const auto& [name, value] : values) flag_args += " --" + name + " '" + value + "'";
  for (const auto& name : flags) flag_args += " --" + name;
  const Output from_flags = run_cli("serve" + flag_args + " --print-config");
  TMF_ASSERT(from_flags.exit_code == 0);

  // The file as an operator writes it: comments, spaces, bare numbers and booleans.
  {
    std::ofstream file(dir + "/serve.toml");
    file << "# serve settings\n[serve]\n";
    for (const auto& [name, value] : values) {
      const bool number = value.find_first_not_of("0123456789.") == std::string::npos;
      file << name << " = " << (number ? value : "\"" + value + "\"") << "\n";
    }
    for (const auto& name : flags) file << name << " = true   # on\n";
  }
  const Output from_file = run_cli("serve --config '" + dir + "/serve.toml' --print-config");
  TMF_ASSERT(from_file.exit_code == 0);
  TMF_EXPECT(from_file.text == from_flags.text);

  // ... and both are the values given, key by key.
  const auto got = settings(from_file.text);
  for (const auto& [name, value] : values) {
    const auto it = got.find(name);
    TMF_EXPECT(it != got.end() && std::stod(it->second.find_first_not_of("0123456789.") == std::string::npos
                                                 ? it->second : "0") ==
                                      std::stod(value.find_first_not_of("0123456789.") == std::string::npos ? value : "0"));
    if (it != got.end() && value.find_first_not_of("0123456789.") != std::string::npos) TMF_EXPECT(it->second == value);
  }
  for (const auto& name : flags) TMF_EXPECT(got.count(name) && got.at(name) == "true");

  // A misspelt key is an error naming it.
  { std::ofstream(dir + "/typo.toml") << "[serve]\nflete = \"x\"\n"; }
  const Output typo = run_cli("serve --config '" + dir + "/typo.toml' --print-config");
  TMF_EXPECT(typo.exit_code == 2 && typo.text.find("flete") != std::string::npos);
  std::printf("  serve --config: %zu flags, the file's settings equal the flags'\n", listed.size());
}

}  // namespace
}  // namespace tmf::test
