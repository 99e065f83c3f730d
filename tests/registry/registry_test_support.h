// What the registry's test files share: fresh folders and databases per engine, a real converted
// model per version, and independent row counts and hashes for their oracles.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "host/deploy/signing.h"
#include "host/registry/registry.h"
#include "tests/host/test_files.h"
#include "tests/support/postgres_server.h"
#include "tests/support/tmf_test.h"

namespace tmf::registry_test {

using registry::Registry;

inline std::string fresh_dir(const std::string& name) {
  const std::string dir = test::temp_path(name);
  std::filesystem::remove_all(dir);
  return dir;
}

using Engine = test_support::TestEngine;

inline std::string database_for(Engine engine, const std::string& name) { return test_support::test_database(engine, name); }

// A fresh registry folder and database of that name.
inline Registry open_fresh(Engine engine, const std::string& name) { return Registry(fresh_dir(name), database_for(engine, name)); }

#define REGISTRY_TEST(name) TMF_TEST_BOTH_ENGINES(Registry, name)

// A real model converted with a given version (the file bytes differ per version).
inline std::string model_file(int version) {
  const std::string path = test::temp_path("ad01_v" + std::to_string(version) + ".tmf");
  if (!std::filesystem::exists(path)) {
    test::run_cli("convert " + test::real_models()[0].tflite + " -o " + path + " --name ad01 --model-version " +
                  std::to_string(version));
  }
  return path;
}

inline registry::AddRequest request_for(const std::string& path) {
  registry::AddRequest r;
  r.path = path;
  r.bytes = test::read_bytes(path);
  return r;
}

inline int64_t count_rows_of(registry::Database& db, const char* table) {
  registry::Statement s(db, (std::string("SELECT COUNT(*) FROM ") + table).c_str());
  s.step();
  return s.column_int(0);
}
inline int64_t count_rows(Registry& reg, const char* table) { return count_rows_of(reg.db(), table); }

inline std::string independent_sha256_hex(const std::vector<uint8_t>& bytes) {
  uint8_t digest[32];
  crypto_hash_sha256(digest, bytes.data(), bytes.size());
  return deploy::hex_encode(digest, 32);
}

}  // namespace tmf::registry_test
