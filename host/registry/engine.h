// The two engines behind Database and Statement (database.h): sqlite_engine.cc, postgres_engine.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "host/registry/database.h"

namespace tmf::registry::detail {

class EngineStatement {
 public:
  virtual ~EngineStatement() = default;
  virtual void bind_int(int index, int64_t value) = 0;
  virtual void bind_double(int index, double value) = 0;
  virtual void bind_text(int index, const std::string& value) = 0;
  virtual void bind_null(int index) = 0;
  virtual bool step() = 0;
  virtual void reset() = 0;  // also clears the binds
  virtual int64_t column_int(int index) const = 0;
  virtual double column_double(int index) const = 0;
  virtual std::string column_text(int index) const = 0;
  virtual bool column_is_null(int index) const = 0;
};

class EngineConnection {
 public:
  virtual ~EngineConnection() = default;
  virtual std::unique_ptr<EngineStatement> prepare(const char* sql) = 0;
  virtual void exec(const char* sql) = 0;
  virtual int64_t last_insert_id() = 0;
  virtual int changes() const = 0;
  virtual void begin_write(WriteLock lock) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  virtual void require_durable_commits() = 0;
};

std::unique_ptr<EngineConnection> open_sqlite(const DatabaseUrl& url);
std::unique_ptr<EngineConnection> open_postgres(const DatabaseUrl& url);

}  // namespace tmf::registry::detail
