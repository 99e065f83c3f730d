// A real PostgreSQL server for the tests that run the registry on PostgreSQL (docs/scaling.md):
// initdb and pg_ctl from Debian's postgresql package into a fresh temporary folder, listening on
// a free 127.0.0.1 port (its unix socket in that folder too), stopped and removed by the
// destructor. PostgreSQL refuses to run as root: as root the server runs as the `postgres`
// account Debian's package creates (runuser), otherwise as the test's own user. Trust
// authentication for the test role on loopback only; fsync off, because these tests never cut
// power (a commit is still acknowledged only after it, synchronous_commit stays on), unless
// TMF_POSTGRES_FSYNC=1 (scripts/bench_scaling.sh: figures with the durability production has).
#pragma once

#include <glob.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/registry/database.h"
#include "host/registry/registry.h"
#include "tests/support/child_process.h"
#include "tests/support/tmf_test.h"

namespace tmf::test_support {

class PostgresServer {
 public:
  static std::string fsync_setting() {
    const char* v = std::getenv("TMF_POSTGRES_FSYNC");
    return v != nullptr && std::string(v) == "1" ? "on" : "off";
  }

  PostgresServer() {
    bin_ = find_bindir();
    char pattern[] = "/tmp/tmf-pg-XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("postgres test server: mkdtemp failed");
    root_ = pattern;
    if (geteuid() == 0) {
      const passwd* pg = getpwnam("postgres");
      if (!pg) throw std::runtime_error("postgres test server: running as root and no 'postgres' account to run the server as");
      as_user_ = "postgres";
      if (chown(root_.c_str(), pg->pw_uid, pg->pw_gid) != 0) throw std::runtime_error("postgres test server: chown " + root_);
    }
    chmod(root_.c_str(), 0700);
    port_ = free_loopback_port();
    run({bin_ + "/initdb", "-D", root_ + "/data", "-U", "tmf", "--auth=trust", "-E", "UTF8", "--locale=C", "-N"},
        "initdb");
    run({bin_ + "/pg_ctl", "-D", root_ + "/data", "-l", root_ + "/server.log", "-w", "-t", "60", "-o",
         "-p " + std::to_string(port_) + " -k " + root_ + " -c listen_addresses=127.0.0.1 -c fsync=" + fsync_setting(), "start"},
        "pg_ctl start");
    started_ = true;
  }
  ~PostgresServer() {
    if (started_) {
      try {
        run({bin_ + "/pg_ctl", "-D", root_ + "/data", "-m", "fast", "-w", "stop"}, "pg_ctl stop");
      } catch (...) {
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& database) const {
    return "postgresql://tmf@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }
  // A new, empty database (dropped first if a previous run of the same test left it).
  std::string fresh_database(const std::string& name) const {
    registry::Database admin(url("postgres"));
    admin.exec(("DROP DATABASE IF EXISTS " + name).c_str());
    admin.exec(("CREATE DATABASE " + name).c_str());
    return url(name);
  }
  std::string log() const {
    std::ifstream in(root_ + "/server.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  // The newest /usr/lib/postgresql/<major>/bin (Debian installs the server there, not on PATH).
  static std::string find_bindir() {
    glob_t g{};
    std::vector<std::string> dirs;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) dirs.push_back(std::filesystem::path(g.gl_pathv[i]).parent_path());
    }
    globfree(&g);
    if (dirs.empty()) throw std::runtime_error("postgres test server: no /usr/lib/postgresql/*/bin/initdb (scripts/install-deps.sh installs postgresql)");
    std::sort(dirs.begin(), dirs.end(), [](const std::string& a, const std::string& b) {
      const auto major = [](const std::string& d) { return std::atoi(std::filesystem::path(d).parent_path().filename().c_str()); };
      return major(a) < major(b);
    });
    return dirs.back();
  }

  void run(std::vector<std::string> argv, const std::string& what) const {
    if (!as_user_.empty()) argv.insert(argv.begin(), {"runuser", "-u", as_user_, "--"});
    const std::string out = root_ + "/" + what.substr(0, what.find(' ')) + ".out";
    // Opened by the forked child before runuser drops to the server account: root may write it.
    const pid_t pid = spawn_logged(argv, out, true);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::ifstream in(out);
      std::stringstream s;
      s << in.rdbuf();
      throw std::runtime_error("postgres test server: " + what + " failed: " + s.str() + log());
    }
  }

  std::string bin_, root_, as_user_;
  int port_ = 0;
  bool started_ = false;
};

// One server per test binary, started by the first test that asks for it.
inline PostgresServer& postgres_server() {
  static PostgresServer server;
  return server;
}

enum class TestEngine { kSqlite, kPostgres };

// The database URL a test's registry uses: "" (the SQLite file in the registry folder) or a new
// database of that name on the test server (lower-case letters, digits and '_').
inline std::string test_database(TestEngine engine, const std::string& name) {
  return engine == TestEngine::kPostgres ? postgres_server().fresh_database(name) : "";
}

// A fresh database for one test and for everything the test runs: while it lives, every Registry
// this process opens without naming a database uses it (Registry::set_default_database, as a
// command's --db does), and cli_flags() is the `--db URL` for the tinymlops processes the test
// starts. SQLite: nothing is set; the registry folder's own registry.db is the database (fresh,
// as the test's scratch folder is).
class ScopedTestDatabase {
 public:
  ScopedTestDatabase(TestEngine engine, const std::string& name)
      : url_(test_database(engine, name)), previous_(registry::Registry::default_database()) {
    registry::Registry::set_default_database(url_);
  }
  ~ScopedTestDatabase() { registry::Registry::set_default_database(previous_); }
  ScopedTestDatabase(const ScopedTestDatabase&) = delete;
  ScopedTestDatabase& operator=(const ScopedTestDatabase&) = delete;

  const std::string& url() const { return url_; }
  std::vector<std::string> cli_flags() const {
    return url_.empty() ? std::vector<std::string>{} : std::vector<std::string>{"--db", url_};
  }
  std::string cli_line() const { return url_.empty() ? "" : " --db '" + url_ + "'"; }

 private:
  std::string url_, previous_;
};

}  // namespace tmf::test_support

// A test that runs once per engine: suite SUITE on SQLite, SUITEPostgres on PostgreSQL. The body
// sees `engine` (test_support::TestEngine).
#define TMF_TEST_BOTH_ENGINES(suite, name)                                                              \
  static void tmf_both_##suite##_##name(TmfTestState*, ::tmf::test_support::TestEngine);               \
  TMF_TEST(suite, name) { tmf_both_##suite##_##name(tmf_test_state_, ::tmf::test_support::TestEngine::kSqlite); } \
  TMF_TEST(suite##Postgres, name) {                                                                     \
    tmf_both_##suite##_##name(tmf_test_state_, ::tmf::test_support::TestEngine::kPostgres);            \
  }                                                                                                     \
  static void tmf_both_##suite##_##name([[maybe_unused]] TmfTestState* tmf_test_state_,                 \
                                        [[maybe_unused]] ::tmf::test_support::TestEngine engine)
