// The one reader of legacy artifact and capture files (see legacy_files.h).
#include "host/registry/legacy_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

namespace tmf::registry {
namespace {

// The file of a stored path, if it is a plain file name under captures/ (the path embeds a device
// id: nothing outside the registry's captures folder is ever read).
std::optional<std::filesystem::path> legacy_file(const std::string& dir, const std::string& path) {
  const std::filesystem::path p = std::filesystem::path(path).lexically_normal();
  auto it = p.begin();
  if (p.empty() || p.is_absolute() || it == p.end() || *it != "captures" || ++it == p.end() || *it == ".." ||
      std::next(it) != p.end()) {
    return std::nullopt;
  }
  return std::filesystem::path(dir) / p;
}

}  // namespace

size_t copy_file_artifacts_into_store(Database& db, const ArtifactStore& artifacts) {
  std::vector<std::string> missing;
  {
    Statement s(db, "SELECT sha256 FROM artifacts WHERE content IS NULL");
    while (s.step()) missing.push_back(s.column_text(0));
  }
  size_t copied = 0;
  for (const std::string& hash : missing) {
    if (!std::filesystem::exists(artifacts.path_of(hash))) continue;
    std::vector<uint8_t> bytes;
    try {
      bytes = artifacts.get(hash);  // checks the bytes against their name
    } catch (const RegistryError&) {
      continue;
    }
    Transaction tx(db);
    Statement(db, "UPDATE artifacts SET content = CAST(? AS BLOB) WHERE sha256 = ? AND content IS NULL")
        .bind(1, std::string(bytes.begin(), bytes.end()))
        .bind(2, hash)
        .run();
    copied += db.changes() == 1;
    tx.commit();
  }
  return copied;
}

size_t copy_file_captures_into_store(Database& db, const std::string& dir) {
  struct Pending {
    int64_t id, samples;
    std::string path;
  };
  std::vector<Pending> missing;
  {
    Statement s(db, "SELECT id, samples, path FROM captures WHERE content IS NULL ORDER BY id");
    while (s.step()) missing.push_back({s.column_int(0), s.column_int(1), s.column_text(2)});
  }
  size_t copied = 0;
  for (const Pending& c : missing) {
    const auto file = legacy_file(dir, c.path);
    std::error_code ec;
    if (!file || !std::filesystem::is_regular_file(*file, ec)) continue;
    std::ifstream in(*file, std::ios::binary);
    if (!in) continue;
    const uint64_t limit = 4 * static_cast<uint64_t>(std::max<int64_t>(c.samples, 0));
    const uint64_t size = std::min<uint64_t>(std::filesystem::file_size(*file, ec), limit);
    if (ec) continue;
    std::string bytes(size, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(size));
    if (static_cast<uint64_t>(in.gcount()) != size) continue;
    Transaction tx(db);
    Statement(db, "UPDATE captures SET content = CAST(? AS BLOB) WHERE id = ? AND content IS NULL")
        .bind(1, bytes)
        .bind(2, c.id)
        .run();
    copied += db.changes() == 1;
    tx.commit();
  }
  return copied;
}

}  // namespace tmf::registry
