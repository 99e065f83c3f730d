// Kept for the code that includes it by its old name: the SQL layer is database.h (SQLite or
// PostgreSQL behind one API).
#pragma once

#include "host/registry/database.h"
