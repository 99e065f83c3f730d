// Database URLs and the engine-neutral Database, Statement and Transaction (see database.h).
#include "host/registry/database.h"

#include "host/registry/engine.h"

namespace tmf::registry {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// postgresql://user:secret@host/db -> postgresql://user@host/db: messages never carry a password.
std::string without_password(const std::string& uri) {
  const size_t scheme = uri.find("://");
  if (scheme == std::string::npos) return uri;
  const size_t authority = scheme + 3;
  const size_t end = uri.find_first_of("/?", authority);
  const size_t at = uri.rfind('@', end == std::string::npos ? uri.size() : end);
  if (at == std::string::npos || at < authority) return uri;
  const size_t colon = uri.find(':', authority);
  if (colon == std::string::npos || colon > at) return uri;
  return uri.substr(0, colon) + uri.substr(at);
}

}  // namespace

DatabaseUrl parse_database_url(const std::string& text) {
  DatabaseUrl url;
  if (starts_with(text, "postgresql://") || starts_with(text, "postgres://")) {
    url.engine = DatabaseEngine::kPostgres;
    url.target = text;
    url.display = without_password(text);
    return url;
  }
  url.target = starts_with(text, "sqlite:") ? text.substr(7) : text;
  // A scheme we do not know (mysql://, http://...) is a mistake, not a file name to create.
  const size_t scheme = text.find("://");
  if (!starts_with(text, "sqlite:") && scheme != std::string::npos && text.find('/') > scheme) {
    throw RegistryError("database '" + text + "': unknown scheme (expected sqlite:PATH, a path, or postgresql://...)");
  }
  if (url.target.empty()) throw RegistryError("database '" + text + "': no path (expected sqlite:PATH)");
  url.display = url.target;
  return url;
}

Database::Database(const std::string& text) {
  const DatabaseUrl url = parse_database_url(text);
  engine_ = url.engine;
  display_ = url.display;
  impl_ = url.engine == DatabaseEngine::kPostgres ? detail::open_postgres(url) : detail::open_sqlite(url);
}

Database::~Database() = default;

void Database::fail(const std::string& what) const { throw RegistryError(display_ + ": " + what); }
void Database::exec(const char* sql) { impl_->exec(sql); }
int64_t Database::last_insert_id() const { return impl_->last_insert_id(); }
int Database::changes() const { return impl_->changes(); }
void Database::require_durable_commits() { impl_->require_durable_commits(); }

Statement::Statement(Database& db, const char* sql) : impl_(db.connection().prepare(sql)) {}
Statement::~Statement() = default;

Statement& Statement::bind(int index, int64_t value) {
  impl_->bind_int(index, value);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  impl_->bind_double(index, value);
  return *this;
}
Statement& Statement::bind(int index, const std::string& value) {
  impl_->bind_text(index, value);
  return *this;
}
Statement& Statement::bind(int index, const char* value) { return bind(index, std::string(value)); }
Statement& Statement::bind_null(int index) {
  impl_->bind_null(index);
  return *this;
}
Statement& Statement::bind(int index, const std::optional<int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}
Statement& Statement::bind(int index, const std::optional<std::string>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

bool Statement::step() { return impl_->step(); }
void Statement::run() {
  step();
  reset();
}
void Statement::reset() { impl_->reset(); }

int64_t Statement::column_int(int index) const { return impl_->column_int(index); }
double Statement::column_double(int index) const { return impl_->column_double(index); }
std::string Statement::column_text(int index) const { return impl_->column_text(index); }
bool Statement::column_is_null(int index) const { return impl_->column_is_null(index); }
std::optional<int64_t> Statement::column_optional_int(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_int(index);
}
std::optional<std::string> Statement::column_optional_text(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_text(index);
}

Transaction::Transaction(Database& db, WriteLock lock) : db_(db) { db_.connection().begin_write(lock); }

Transaction::~Transaction() {
  if (!done_) db_.connection().rollback();
}

void Transaction::commit() {
  db_.connection().commit();
  done_ = true;
}

}  // namespace tmf::registry
