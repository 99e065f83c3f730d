// Schema migrations of the registry database: numbered SQL steps applied in order, each in its
// own transaction, with the applied step numbers recorded in the schema_version table.
#pragma once

#include "host/registry/database.h"

namespace tmf::registry {

// The highest step this build knows.
int schema_latest_version();
// Applies every step above the database's recorded version, up to `target` (tests stop early to
// build a database as an older release left it). A database written by a newer build (recorded
// version > latest) is refused instead of being misread.
void schema_migrate(Database& db, int target = schema_latest_version());
int schema_current_version(Database& db);

}  // namespace tmf::registry
