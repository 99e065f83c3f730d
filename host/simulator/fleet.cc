// The fleet simulator's run loop (see fleet.h).
#include "host/simulator/fleet.h"

#include "host/sim/sim_error.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <map>
#include <thread>

#include "host/deploy/signing.h"
#include "host/fleet/enrolment.h"
#include "host/fleet/pki.h"
#include "host/monitor/alerts.h"
#include "host/monitor/telemetry_store.h"
#include "host/registry/registry.h"
#include "host/sim/scenario_world.h"

namespace tmf::simulator {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The simulated operator: every unlabelled alarm alert becomes a true alarm if its device had a
// fault growing at that time, a false alarm otherwise.
void label_alarms(monitor::AlertStore& alerts, const FleetResult& run, std::vector<LabelRecord>* out) {
  const std::vector<sim::FaultTruth> faults = sim::scenario_faults(run.scenario);
  monitor::AlertFilter filter;
  filter.kind = "alarm";
  for (const monitor::Alert& a : alerts.list(filter)) {
    if (a.label.has_value() || !a.device) continue;
    const double t = run.scenario_start_unix_ms ? run.scenario_time(a.raised_at_ms) : -1;
    bool truth = false;
    std::string why = "no fault on this machine at that time";
    for (const sim::FaultTruth& f : faults) {
      if (f.device_id == *a.device && t >= f.onset_s && run.scenario_start_unix_ms) {
        truth = true;
        why = std::string(sim::to_string(f.fault)) + " fault growing since t=" + std::to_string(f.onset_s) + " s";
      }
    }
    alerts.label(a.id, truth, "simulated operator: " + why, monitor::unix_ms_now());
    out->push_back({a.id, *a.device, t, truth});
  }
}

// The device's own broker identity, as a factory would provision it: issued by the fleet CA and
// enrolled in the registry under the device's group through the path `tinymlops devices enroll`
// takes. A device enrolled by an earlier run whose key and certificate are still in `ids_dir`
// keeps them (the same group is required: the enrolment, not the device, says the group).
tmf_posix::MqttLinkTls device_identity(registry::Registry& registry, const FleetOptions& options,
                                       const std::string& ids_dir, const std::string& id, const std::string& group) {
  const std::string cert = ids_dir + "/" + id + ".pem", key = ids_dir + "/" + id + ".key";
  const auto enrolled = registry.device_enrolled(id);
  if (enrolled && !enrolled->revoked && std::filesystem::exists(cert) && std::filesystem::exists(key)) {
    if (enrolled->group != group) {
      throw std::runtime_error("device '" + id + "' is enrolled in group '" + enrolled->group + "', the scenario puts it in '" +
                               group + "' (tinymlops devices revoke " + id + ", or a fresh --registry)");
    }
  } else {
    fleet::fleet_device_enrol(registry, options.ca_dir, id, group, ids_dir, 3650);
  }
  return {options.broker.ca_file, cert, key};
}

}  // namespace

FleetResult fleet_run(const FleetOptions& options) {
  FleetResult run;
  run.scenario = sim::scenario_load(options.scenario_path);
  sim::Scenario& s = run.scenario;
  // The loop retrains from captures as single-axis datasets (host/loop/capture_dataset.h): a
  // multi-axis group would be commissioned with a model its sensors cannot run.
  for (const sim::GroupSpec& g : s.groups) {
    if (g.axes > 1) {
      throw sim::SimError(options.scenario_path + ": group '" + g.name + "' has " + std::to_string(g.axes) +
                               " axes; tinymlops sim closes the loop for single-axis groups only (docs/sim.md)");
    }
  }
  if (options.devices > 0) {
    if (s.groups.size() != 1) {
      throw std::runtime_error(options.scenario_path + ": --devices needs a scenario with exactly one group");
    }
    for (const sim::EventSpec& e : s.events) {
      for (uint32_t index : e.devices) {
        if (index >= options.devices) {
          throw std::runtime_error(options.scenario_path + ": an event names device " + std::to_string(index) +
                                   ", but --devices is " + std::to_string(options.devices));
        }
      }
    }
    s.groups[0].devices = options.devices;
  }
  // Bare-metal devices take the indices after the first group's virtual ones (their machines and
  // ids follow the scenario like any device's); events name virtual devices only.
  const uint32_t virtual_count = s.groups[0].devices;
  if (options.bare_metal > 0) {
    if (s.sample_rate_hz != 12000) {
      throw std::runtime_error(options.scenario_path + ": bare-metal devices sample at 12000 Hz (the firmware's rate), the scenario at " +
                               std::to_string(s.sample_rate_hz));
    }
    for (const sim::EventSpec& e : s.events) {
      for (uint32_t index : e.devices) {
        if (e.group == s.groups[0].name && index >= virtual_count) {
          throw std::runtime_error(options.scenario_path + ": an event names device " + std::to_string(index) +
                                   ", but the group has " + std::to_string(virtual_count) +
                                   " virtual devices (events on bare-metal devices are not judged)");
        }
      }
    }
    s.groups[0].devices = virtual_count + options.bare_metal;
  }
  std::vector<std::array<uint8_t, 32>> keys;
  for (const std::string& path : options.trusted_keys) keys.push_back(deploy::key_load_public(path));
  std::filesystem::create_directories(options.work_dir);
  registry::Registry registry(options.registry_dir);
  const std::string ids_dir = (std::filesystem::path(options.work_dir) / "ids").string();
  if (options.broker.tls) {
    if (options.ca_dir.empty()) throw std::runtime_error("--broker mqtts://...: --ca-dir FLEETDIR is needed to issue the devices' identities");
    const fleet::FleetInfo info = fleet::fleet_load(options.ca_dir);
    if (info.fleet != s.fleet) {
      throw std::runtime_error(options.scenario_path + ": fleet '" + s.fleet + "', but the CA in " + options.ca_dir +
                               " serves fleet '" + info.fleet + "'");
    }
  }

  for (const sim::GroupSpec& g : s.groups) {
    const uint32_t count = &g == &s.groups[0] ? virtual_count : g.devices;
    for (uint32_t i = 0; i < count; ++i) {
      VirtualDeviceOptions o;
      o.fleet = s.fleet;
      o.id = sim::device_id(g.name, i);
      o.group = g.name;
      o.broker_port = options.broker.port;
      if (options.broker.tls) o.tls = device_identity(registry, options, ids_dir, o.id, o.group);
      o.flash_path = (std::filesystem::path(options.work_dir) / (o.id + ".flash")).string();
      o.trusted_keys = keys;
      o.link = g.link;
      o.seed = sim::device_seed(s, g.name, i);
      o.sample_rate_hz = static_cast<uint32_t>(s.sample_rate_hz);
      run.devices.push_back(std::make_unique<VirtualDevice>(o, sim::make_device_source(s, g.name, i)));
    }
  }
  const double wall_period_ms = s.window_period_s / s.speed * 1000;
  for (uint32_t i = virtual_count; i < virtual_count + options.bare_metal; ++i) {
    const sim::GroupSpec& g = s.groups[0];
    BareMetalDeviceOptions o;
    o.fleet = s.fleet;
    o.id = sim::device_id(g.name, i);
    o.group = g.name;
    o.core = options.bare_metal_core;
    o.qemu_device_script = options.qemu_device_script;
    o.firmware = options.firmware;
    o.gateway_cli = options.gateway_cli;
    o.work_dir = options.work_dir;
    o.broker = options.broker;
    if (options.broker.tls) {
      const tmf_posix::MqttLinkTls id = device_identity(registry, options, ids_dir, o.id, o.group);
      o.broker.cert_file = id.cert_file;
      o.broker.key_file = id.key_file;
    }
    o.trusted_key_files = options.trusted_keys;
    // Half the wall window period: the device is ready for each window well before the next.
    o.window_ms = static_cast<uint32_t>(std::max(1.0, wall_period_ms / 2));
    std::filesystem::remove(o.work_dir + "/" + o.id + ".flash");  // starts erased, as the virtual ones
    run.bare_metal.push_back(std::make_unique<BareMetalDevice>(o, sim::make_device_source(s, g.name, i)));
  }
  for (auto& d : run.devices) d->start();
  for (auto& d : run.bare_metal) d->start();
  if (options.log) {
    options.log({{"event", "sim.start"}, {"devices", run.devices.size()}, {"bare_metal", run.bare_metal.size()},
                 {"scenario", s.name}});
  }

  monitor::AlertStore alerts(registry.db());
  const Clock::time_point wall0 = Clock::now();
  Clock::time_point last_label = wall0, last_progress = wall0;
  // Before commissioning the machines run in their initial condition (far before any event).
  constexpr double kBeforeScenario = -1e6;
  for (auto& d : run.devices) d->set_next_window(kBeforeScenario);
  for (auto& d : run.bare_metal) d->set_next_window(kBeforeScenario);
  bool commissioned = false;
  double t = kBeforeScenario;
  while (true) {
    if (!commissioned) {
      t = kBeforeScenario + seconds_since(wall0) * s.speed;
      bool all = true;
      for (const auto& d : run.devices) all = all && d->runs_detection();
      if (all) {
        commissioned = true;
        run.scenario_start_unix_ms = monitor::unix_ms_now();
        run.commission_wall_s = seconds_since(wall0);
        // Spread the devices' measurements over one period.
        const size_t all = run.devices.size() + run.bare_metal.size();
        for (size_t i = 0; i < run.devices.size(); ++i) {
          run.devices[i]->set_next_window(s.window_period_s * static_cast<double>(i) / all);
        }
        for (size_t i = 0; i < run.bare_metal.size(); ++i) {
          run.bare_metal[i]->set_next_window(s.window_period_s * static_cast<double>(run.devices.size() + i) / all);
        }
        if (options.log) options.log({{"event", "sim.commissioned"}, {"wall_s", run.commission_wall_s}});
      } else if (seconds_since(wall0) > options.commission_timeout_s) {
        throw std::runtime_error("commissioning: not every device runs a model with detection settings after " +
                                 std::to_string(options.commission_timeout_s) + " s (is `tinymlops serve` running?)");
      }
    }
    if (commissioned) {
      t = run.scenario_time(monitor::unix_ms_now());
      if (t >= s.duration_s) break;
    }
    bool worked = false;
    for (auto& d : run.devices) worked = d->step(t, s.window_period_s) || worked;
    if (!run.bare_metal.empty()) {
      // The bare-metal devices run the group's model: its window length, from a virtual device
      // running it (the firmware's default pipeline window before any model has one).
      uint32_t window = 1024;
      for (const auto& d : run.devices) {
        if (d->group() == s.groups[0].name && d->runs_detection()) window = d->window_samples();
      }
      for (auto& d : run.bare_metal) {
        worked = d->step(t, s.window_period_s, window) || worked;
        if (!d->running()) throw std::runtime_error("bare-metal device " + d->id() + ": QEMU or its gateway stopped (see " + options.work_dir + "/" + d->id() + ".*.log)");
      }
    }
    if (options.operator_labels && seconds_since(last_label) >= 1.0) {
      last_label = Clock::now();
      label_alarms(alerts, run, &run.labels);
    }
    if (options.log && seconds_since(last_progress) >= 10.0) {
      last_progress = Clock::now();
      std::map<std::string, int> versions;
      for (const auto& d : run.devices) versions["v" + std::to_string(d->model().second)] += 1;
      nlohmann::json bare = nlohmann::json::object();
      for (const auto& d : run.bare_metal) {
        bare[d->id()] = {{"windows", d->windows_streamed()}, {"captures", d->captures_streamed()}};
      }
      options.log({{"event", "sim.progress"}, {"t_s", commissioned ? t : 0.0}, {"commissioned", commissioned},
                   {"models", versions}, {"bare_metal_sensor", bare}});
    }
    if (!worked) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // No more measurements; let the last batches be acknowledged.
  for (auto& d : run.devices) d->set_next_window(std::numeric_limits<double>::infinity());
  const Clock::time_point drain_start = Clock::now();
  while (seconds_since(drain_start) < options.drain_seconds) {
    uint32_t unacked = 0;
    for (auto& d : run.devices) {
      d->step(t, s.window_period_s);
      unacked += d->unacked_batches();
    }
    if (unacked == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (options.operator_labels) label_alarms(alerts, run, &run.labels);
  for (auto& d : run.devices) d->drain();
  for (auto& d : run.bare_metal) d->stop();
  run.run_wall_s = seconds_since(wall0);
  return run;
}

}  // namespace tmf::simulator
