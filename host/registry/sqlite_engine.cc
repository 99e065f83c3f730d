// The SQLite engine of database.h: one connection to a file, WAL journal.
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "host/registry/engine.h"

namespace tmf::registry::detail {
namespace {

class SqliteConnection;

constexpr int kBusyTimeoutMs = 10000;

class SqliteStatement final : public EngineStatement {
 public:
  SqliteStatement(SqliteConnection& db, const char* sql);
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void bind_int(int index, int64_t value) override { check(sqlite3_bind_int64(stmt_, index, value)); }
  void bind_double(int index, double value) override { check(sqlite3_bind_double(stmt_, index, value)); }
  void bind_text(int index, const std::string& value) override {
    check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
  }
  void bind_null(int index) override { check(sqlite3_bind_null(stmt_, index)); }
  bool step() override;
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t column_int(int index) const override { return sqlite3_column_int64(stmt_, index); }
  double column_double(int index) const override { return sqlite3_column_double(stmt_, index); }
  std::string column_text(int index) const override {
    const unsigned char* text = sqlite3_column_text(stmt_, index);
    return text ? std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, index)) : std::string();
  }
  bool column_is_null(int index) const override { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

 private:
  void check(int rc);
  SqliteConnection& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteConnection final : public EngineConnection {
 public:
  explicit SqliteConnection(const DatabaseUrl& url) : path_(url.display) {
    const int rc = sqlite3_open_v2(url.target.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
      const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw RegistryError(path_ + ": cannot open database: " + message);
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    set_wal_journal();
    exec("PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=ON");
  }
  ~SqliteConnection() override { sqlite3_close(db_); }

  [[noreturn]] void fail(const std::string& what) const {
    throw RegistryError(path_ + ": " + what + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* handle() { return db_; }

  std::unique_ptr<EngineStatement> prepare(const char* sql) override {
    return std::make_unique<SqliteStatement>(*this, sql);
  }
  void exec(const char* sql) override {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      throw RegistryError(path_ + ": " + text + " (in '" + std::string(sql).substr(0, 60) + "')");
    }
  }
  // Switching to WAL (even on a file already in WAL) can fail with SQLITE_BUSY at once, without the
  // busy handler, while another process opens or closes the same file: measured on 1 of about 300
  // rounds of four commands starting together. Retry it for as long as the busy timeout.
  void set_wal_journal() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    for (;;) {
      const int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return;
      const bool busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
      if (!busy || std::chrono::steady_clock::now() >= deadline) {
        exec("PRAGMA journal_mode=WAL");  // throws with SQLite's message, unless this last try succeeds
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  int64_t last_insert_id() override { return sqlite3_last_insert_rowid(db_); }
  int changes() const override { return sqlite3_changes(db_); }
  // Immediate transactions take the write lock at once, so two writers never deadlock on an upgrade.
  void begin_write(WriteLock) override { exec("BEGIN IMMEDIATE"); }
  void commit() override { exec("COMMIT"); }
  void rollback() noexcept override {
    char* message = nullptr;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, &message);
    sqlite3_free(message);
  }
  void require_durable_commits() override { exec("PRAGMA synchronous=FULL"); }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

SqliteStatement::SqliteStatement(SqliteConnection& db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK) {
    db.fail(std::string("cannot prepare '") + sql + "'");
  }
}

void SqliteStatement::check(int rc) {
  if (rc != SQLITE_OK) db_.fail("bind");
}

bool SqliteStatement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail(std::string("cannot run '") + sqlite3_sql(stmt_) + "'");
}

}  // namespace

std::unique_ptr<EngineConnection> open_sqlite(const DatabaseUrl& url) { return std::make_unique<SqliteConnection>(url); }

}  // namespace tmf::registry::detail
