// Bytes that lived in files before they lived in the database: artifacts registered before
// migration 15 (artifacts/<sha256>) and captures received before migration 16
// (captures/<device>-<id>.f32), each in the registry folder of the machine that wrote it. Every
// Registry opened copies in what it finds here, so the machine that has the files fills the store
// the first time any command runs there after the upgrade (the migration itself may run on a
// machine without them).
#pragma once

#include <string>

#include "host/registry/artifact_store.h"
#include "host/registry/database.h"

namespace tmf::registry {

// Copies into artifacts.content the bytes of every artifact whose content is NULL and whose file
// is in `artifacts` here and matches its name, one committed transaction each; returns how many
// were copied. A file that is absent or does not match its hash is left for another machine (or
// for `registry add` of the same file, which fills the row too).
size_t copy_file_artifacts_into_store(Database& db, const ArtifactStore& artifacts);

// Copies into captures.content the samples of every capture whose content is NULL and whose
// file is under `dir` here, one committed transaction each; returns how many were copied.
// A file that is absent, not a regular file, or named outside captures/ is left: the capture stays
// without samples (missing) until a registry opened where the file is copies it. Bytes beyond the
// request (4 x samples) cannot have been accepted and are not copied. The file is left in place
// (nothing reads it again; retention deletes it with its row).
size_t copy_file_captures_into_store(Database& db, const std::string& dir);

}  // namespace tmf::registry
