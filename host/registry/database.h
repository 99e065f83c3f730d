// The registry's SQL layer: one connection to one of two engines behind the same API. SQLite (a
// file, as before) or PostgreSQL (libpq), chosen by a URL: `sqlite:PATH`, a plain PATH, or
// `postgresql://...` / `postgres://...`. Statements are written once in SQLite's dialect with
// 1-based `?`/`?N` binds; on PostgreSQL they are translated (postgres_dialect.h). Every error is a
// RegistryError naming the database and the engine's message.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace tmf::registry {

class RegistryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class DatabaseEngine { kSqlite, kPostgres };
enum class WriteLock { kExclusive, kShared };

struct DatabaseUrl {
  DatabaseEngine engine = DatabaseEngine::kSqlite;
  std::string target;   // SQLite: the file path; PostgreSQL: the libpq connection URI
  std::string display;  // for messages: the path, or the URI without its password
};
// Throws RegistryError naming `text` when it is empty or names an unknown scheme.
DatabaseUrl parse_database_url(const std::string& text);

namespace detail {
class EngineStatement;
class EngineConnection;
}  // namespace detail

class Database;

// A prepared statement; bind parameters are 1-based like SQLite's. step() returns true while a
// row is available. Reset by reset() or by destruction.
class Statement {
 public:
  Statement(Database& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, const std::string& value);
  Statement& bind(int index, const char* value);
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<int64_t>& value);
  Statement& bind(int index, const std::optional<std::string>& value);

  bool step();
  void run();  // step() for statements that return no row
  void reset();

  int64_t column_int(int index) const;
  double column_double(int index) const;
  std::string column_text(int index) const;  // blobs come back as their bytes
  bool column_is_null(int index) const;
  std::optional<int64_t> column_optional_int(int index) const;
  std::optional<std::string> column_optional_text(int index) const;

 private:
  std::unique_ptr<detail::EngineStatement> impl_;
};

class Database {
 public:
  // Opens `url` (parse_database_url). SQLite: creates the file if needed, WAL journal, foreign
  // keys on, a busy timeout so concurrent `tinymlops` processes wait for each other. PostgreSQL:
  // connects (the database must exist), UTC session time zone.
  explicit Database(const std::string& url);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without binds (schema steps); on PostgreSQL translated first.
  void exec(const char* sql);
  // The id the last INSERT gave its row (SQLite rowid; PostgreSQL: the identity it drew).
  int64_t last_insert_id() const;
  // Rows the last INSERT/UPDATE/DELETE changed; an ignored INSERT OR IGNORE changed none.
  int changes() const;
  // Every commit reaches stable storage before it returns (SQLite synchronous=FULL; on
  // PostgreSQL synchronous_commit=on, its default, set explicitly against a server-wide override).
  void require_durable_commits();
  DatabaseEngine engine() const { return engine_; }
  // The database for messages: the SQLite path, or the PostgreSQL URI without its password.
  const std::string& path() const { return display_; }
  [[noreturn]] void fail(const std::string& what) const;

  detail::EngineConnection& connection() { return *impl_; }

 private:
  std::unique_ptr<detail::EngineConnection> impl_;
  DatabaseEngine engine_;
  std::string display_;
};

// Starts a write transaction; ROLLBACK on destruction unless commit() ran. Write transactions
// are serialised as SQLite's are (BEGIN IMMEDIATE; on PostgreSQL a transaction-scoped advisory
// lock), so read-then-write steps such as the next deployment sequence never race.
// WriteLock::kShared is for serve's ingest commits on PostgreSQL: they run side by side with
// each other (each writes only rows keyed by what it received, and locks a capture row it
// rewrites, docs/scaling.md) and never beside an exclusive writer. On SQLite both are BEGIN
// IMMEDIATE: one writer at a time.
class Transaction {
 public:
  explicit Transaction(Database& db, WriteLock lock = WriteLock::kExclusive);
  ~Transaction();
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace tmf::registry
