// Captures received before migration 16 have their samples in a file under the registry folder
// (captures/<device>-<id>.f32) of the machine whose serve received them, not in the database.
#pragma once

#include <string>

#include "host/registry/database.h"

namespace tmf::registry {

// Copies into captures.content the samples of every capture whose content is NULL and whose
// file is under `dir` here, one committed transaction each; returns how many were copied. Called
// by every Registry opened, so the machine that has the files fills the store the first time any
// command runs there after the upgrade (the migration itself may run on a machine without them).
// A file that is absent, not a regular file, or named outside captures/ is left: the capture stays
// without samples (missing) until a registry opened where the file is copies it. Bytes beyond the
// request (4 x samples) cannot have been accepted and are not copied. The file is left in place
// (nothing reads it again; retention deletes it with its row).
size_t copy_file_captures_into_store(Database& db, const std::string& dir);

}  // namespace tmf::registry
