// Where the data files installed beside `tinymlops` live (profiles, web console): $ENV_VAR when
// set, else <bin>/../share/tinymlops/NAME next to the running executable. Never a path compiled
// in: the build tree (build/bin, build/share) has the same layout as an install prefix
// (docs/install.md; tests/install checks the binaries hold no source path).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tmf::host {

inline std::string share_dir(const char* env_var, const std::string& name) {
  if (const char* env = std::getenv(env_var); env && *env) return env;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "share/tinymlops/" + name;
  return (exe.parent_path().parent_path() / "share" / "tinymlops" / name).string();
}

}  // namespace tmf::host
