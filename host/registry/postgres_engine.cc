// The PostgreSQL engine of database.h, over libpq. Statements are translated once
// (postgres_dialect.h) and run with PQexecParams: text-format binds typed int8/float8 (strings
// untyped, so the server infers their column's type), bytea binds in binary format, text results.
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

#include "host/registry/engine.h"
#include "host/registry/postgres_dialect.h"

namespace tmf::registry::detail {
namespace {

// Well-known type OIDs (PostgreSQL's pg_type.dat; stable across releases).
constexpr Oid kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kFloat8Oid = 701;

// One key for every registry writer: write transactions run one at a time, as on SQLite.
constexpr long long kWriteLockKey = 0x746d665f7265674cLL;  // "tmf_regL"

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "unknown error" : s;
}

class PgResult {
 public:
  explicit PgResult(PGresult* r = nullptr) : r_(r) {}
  ~PgResult() { PQclear(r_); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  void reset(PGresult* r) {
    PQclear(r_);
    r_ = r;
  }
  PGresult* get() const { return r_; }

 private:
  PGresult* r_;
};

class PgConnection final : public EngineConnection {
 public:
  explicit PgConnection(const DatabaseUrl& url) : display_(url.display) {
    conn_ = PQconnectdb(url.target.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string message = trimmed(PQerrorMessage(conn_));
      PQfinish(conn_);
      conn_ = nullptr;
      throw RegistryError(display_ + ": cannot connect: " + message);
    }
    // Server notices ("relation ... already exists, skipping") are not the command's output.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    exec("SET TIME ZONE 'UTC'");
  }
  ~PgConnection() override { PQfinish(conn_); }

  [[noreturn]] void fail(const std::string& what, const char* message) const {
    throw RegistryError(display_ + ": " + what + ": " + trimmed(message));
  }

  // A connection the server dropped (restart, failover) is opened again between transactions;
  // inside one, the transaction is lost and the error says so.
  void ensure_connected() {
    if (PQstatus(conn_) == CONNECTION_OK) return;
    if (!in_transaction_) PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) fail("connection lost", PQerrorMessage(conn_));
    exec_raw("SET TIME ZONE 'UTC'", "reconnect");
  }

  // "ERROR: <primary>[: <detail>]" on one line; libpq's own text when the server sent none.
  std::string server_message(PGresult* r) const {
    const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    if (!primary) return trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    const char* severity = PQresultErrorField(r, PG_DIAG_SEVERITY);
    const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    return std::string(severity ? severity : "ERROR") + ": " + primary + (detail ? std::string(": ") + detail : "");
  }

  PGresult* check(PGresult* r, const std::string& sql) {
    const ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const std::string message = server_message(r);
      PQclear(r);
      throw RegistryError(display_ + ": " + message + " (in '" + sql + "')");
    }
    const char* rows = PQcmdTuples(r);
    changes_ = rows && *rows ? std::atoi(rows) : 0;
    return r;
  }

  void exec_raw(const std::string& sql, const std::string& original) {
    PgResult r(check(PQexec(conn_, sql.c_str()), original));
  }

  PGresult* execute(const PostgresSql& sql, const std::string& original, const std::vector<std::optional<std::string>>& values,
                    const std::vector<Oid>& types) {
    ensure_connected();
    std::vector<const char*> pointers(values.size());
    std::vector<int> lengths(values.size()), formats(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      pointers[i] = values[i] ? values[i]->data() : nullptr;
      lengths[i] = values[i] ? static_cast<int>(values[i]->size()) : 0;
      formats[i] = sql.bytea_params[i] ? 1 : 0;
    }
    return check(PQexecParams(conn_, sql.text.c_str(), static_cast<int>(values.size()), types.data(), pointers.data(),
                              lengths.data(), formats.data(), 0),
                 original);
  }

  std::unique_ptr<EngineStatement> prepare(const char* sql) override;

  void exec(const char* sql) override {
    ensure_connected();
    exec_raw(postgres_sql(sql).text, sql);
  }

  int64_t last_insert_id() override {
    PgResult r(check(PQexec(conn_, "SELECT lastval()"), "SELECT lastval()"));
    return std::strtoll(PQgetvalue(r.get(), 0, 0), nullptr, 10);
  }
  int changes() const override { return changes_; }

  void begin_write(WriteLock lock) override {
    ensure_connected();
    exec_raw("BEGIN", "BEGIN");
    in_transaction_ = true;
    try {
      const char* function = lock == WriteLock::kShared ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock";
      exec_raw(std::string("SELECT ") + function + "(" + std::to_string(kWriteLockKey) + ")", "write lock");
    } catch (...) {
      rollback();
      throw;
    }
  }
  void commit() override {
    PgResult r(check(PQexec(conn_, "COMMIT"), "COMMIT"));
    in_transaction_ = false;
    // COMMIT of a transaction that failed earlier answers ROLLBACK: nothing was stored.
    if (std::string(PQcmdStatus(r.get())) != "COMMIT") throw RegistryError(display_ + ": transaction rolled back");
  }
  void rollback() noexcept override {
    PQclear(PQexec(conn_, "ROLLBACK"));
    in_transaction_ = false;
  }
  void require_durable_commits() override { exec("SET synchronous_commit = on"); }

  const std::string& display() const { return display_; }

 private:
  PGconn* conn_ = nullptr;
  std::string display_;
  int changes_ = 0;
  bool in_transaction_ = false;
};

class PgStatement final : public EngineStatement {
 public:
  PgStatement(PgConnection& db, const char* sql) : db_(db), original_(sql), sql_(postgres_sql(sql)) { clear(); }

  void bind_int(int index, int64_t value) override { set(index, std::to_string(value), kInt8Oid); }
  void bind_double(int index, double value) override {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    set(index, text, kFloat8Oid);
  }
  void bind_text(int index, const std::string& value) override { set(index, value, 0); }
  void bind_null(int index) override { set(index, std::nullopt, 0); }

  bool step() override {
    if (!result_.get()) {
      result_.reset(db_.execute(sql_, original_, values_, types_));
      row_ = 0;
    } else {
      ++row_;
    }
    return row_ < PQntuples(result_.get());
  }
  void reset() override {
    result_.reset(nullptr);
    clear();
  }

  int64_t column_int(int index) const override {
    const char* v = value(index);
    if (PQftype(result_.get(), index) == kBoolOid) return v[0] == 't';
    return std::strtoll(v, nullptr, 10);
  }
  double column_double(int index) const override { return std::strtod(value(index), nullptr); }
  std::string column_text(int index) const override {
    const char* v = value(index);
    const size_t length = static_cast<size_t>(PQgetlength(result_.get(), row_, index));
    if (PQftype(result_.get(), index) != kByteaOid) return std::string(v, length);
    size_t bytes = 0;
    unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(v), &bytes);
    if (!raw) db_.fail("column " + std::to_string(index), "cannot decode bytea");
    std::string out(reinterpret_cast<const char*>(raw), bytes);
    PQfreemem(raw);
    return out;
  }
  bool column_is_null(int index) const override {
    in_range(index);
    return PQgetisnull(result_.get(), row_, index) != 0;
  }

 private:
  void clear() {
    values_.assign(static_cast<size_t>(sql_.params), std::nullopt);
    types_.assign(static_cast<size_t>(sql_.params), 0);
    for (size_t i = 0; i < types_.size(); ++i) {
      if (sql_.bytea_params[i]) types_[i] = kByteaOid;
    }
  }
  void set(int index, std::optional<std::string> v, Oid type) {
    if (index < 1 || index > sql_.params) {
      db_.fail("bind", ("index " + std::to_string(index) + " outside 1.." + std::to_string(sql_.params) + " of '" +
                        original_ + "'").c_str());
    }
    const size_t i = static_cast<size_t>(index - 1);
    values_[i] = std::move(v);
    if (!sql_.bytea_params[i]) types_[i] = type;
  }
  void in_range(int index) const {
    if (!result_.get() || row_ >= PQntuples(result_.get()) || index < 0 || index >= PQnfields(result_.get())) {
      db_.fail("column " + std::to_string(index), ("no such column in the current row of '" + original_ + "'").c_str());
    }
  }
  const char* value(int index) const {
    in_range(index);
    return PQgetvalue(result_.get(), row_, index);
  }

  PgConnection& db_;
  std::string original_;
  PostgresSql sql_;
  std::vector<std::optional<std::string>> values_;
  std::vector<Oid> types_;
  PgResult result_;
  int row_ = 0;
};

std::unique_ptr<EngineStatement> PgConnection::prepare(const char* sql) { return std::make_unique<PgStatement>(*this, sql); }

}  // namespace

std::unique_ptr<EngineConnection> open_postgres(const DatabaseUrl& url) { return std::make_unique<PgConnection>(url); }

}  // namespace tmf::registry::detail
