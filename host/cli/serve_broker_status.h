// `tinymlops serve` says at once when it cannot reach its broker, and again when it connects or
// loses the connection. The MQTT client retries by itself (host/fleet/mqtt_client.h: 1 s doubling
// to 16 s); without this a serve pointed at a broker that is not there waited in silence.
#pragma once

#include "host/monitor/serve_loop.h"

namespace tmf::cli {

// `inner` with the broker reports added (events "broker": unreachable | connected | lost).
monitor::ServeHooks broker_status_hooks(monitor::ServeHooks inner, bool json);

}  // namespace tmf::cli
