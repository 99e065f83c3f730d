// Scenario JSON parser. Every object is read through a FieldReader that knows its path
// ("events[2]") so messages name the field, and that rejects fields it was not asked for.
#include "host/sim/scenario.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "host/sim/recording_replay.h"
#include "host/sim/sim_error.h"

namespace tmf::sim {
namespace {

using nlohmann::json;

std::string format_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

class FieldReader {
 public:
  FieldReader(const json& object, std::string file, std::string path)
      : object_(object), file_(std::move(file)), path_(std::move(path)) {
    if (!object_.is_object()) fail_at(path_, "expected an object");
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    fail_at(field_path(key), what);
  }
  [[noreturn]] void fail_at(const std::string& where, const std::string& what) const {
    throw SimError(file_ + ": " + (where.empty() ? std::string() : where + ": ") + what);
  }
  std::string field_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& file() const { return file_; }

  bool has(const std::string& key) {
    seen_.insert(key);
    return object_.contains(key);
  }
  const json& get(const std::string& key) {
    if (!has(key)) fail(key, "missing");
    return object_.at(key);
  }

  std::string string(const std::string& key, std::optional<std::string> fallback = std::nullopt) {
    if (!has(key)) {
      if (!fallback) fail(key, "missing");
      return *fallback;
    }
    const json& v = object_.at(key);
    if (!v.is_string()) fail(key, "expected a string");
    return v.get<std::string>();
  }

  // A number in [lo, hi] (open at lo when lo_open).
  double number(const std::string& key, std::optional<double> fallback, double lo, double hi,
                bool lo_open = false) {
    if (!has(key)) {
      if (!fallback) fail(key, "missing");
      return *fallback;
    }
    const json& v = object_.at(key);
    if (!v.is_number()) fail(key, "expected a number");
    const double x = v.get<double>();
    if (!std::isfinite(x) || (lo_open ? x <= lo : x < lo) || x > hi) {
      fail(key, format_number(x) + " is out of range " + (lo_open ? "(" : "[") + format_number(lo) +
                    ", " + format_number(hi) + "]");
    }
    return x;
  }

  uint64_t integer(const std::string& key, std::optional<uint64_t> fallback, uint64_t lo, uint64_t hi) {
    if (!has(key)) {
      if (!fallback) fail(key, "missing");
      return *fallback;
    }
    const json& v = object_.at(key);
    if (!v.is_number_integer() || (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0)) {
      if (v.is_number_integer()) fail(key, std::to_string(v.get<int64_t>()) + " is out of range [" +
                                               std::to_string(lo) + ", " + std::to_string(hi) + "]");
      fail(key, "expected a whole number");
    }
    const uint64_t x = v.get<uint64_t>();
    if (x < lo || x > hi) {
      fail(key, std::to_string(x) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return x;
  }

  // Call last: any field not asked for is an error (a typo would otherwise be ignored).
  void reject_unknown() const {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (!seen_.count(it.key())) fail(it.key(), "unknown field");
    }
  }

 private:
  const json& object_;
  std::string file_, path_;
  std::set<std::string> seen_;
};

bool valid_group_name(const std::string& s) {
  if (s.empty() || s.size() > 32) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (base_dir.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

LinkShape parse_link(FieldReader& parent, const std::string& key) {
  LinkShape link;
  if (!parent.has(key)) return link;
  FieldReader r(parent.get(key), parent.file(), parent.field_path(key));
  link.loss_percent = r.number("loss_percent", 0.0, 0, 100);
  link.latency_ms = r.number("latency_ms", 0.0, 0, 600000);
  link.kbps = r.number("kbps", 0.0, 0, 1e9);
  r.reject_unknown();
  return link;
}

ReplaySpec parse_replay(FieldReader& parent, const std::string& key, const std::string& base_dir) {
  ReplaySpec spec;
  FieldReader r(parent.get(key), parent.file(), parent.field_path(key));
  spec.data = r.string("data");
  if (spec.data.empty()) r.fail("data", "empty path");
  spec.data = resolve(base_dir, spec.data);
  spec.condition = r.string("condition", std::string("normal"));
  if (r.has("load_hp")) spec.load_hp = r.number("load_hp", std::nullopt, 0, 1000);
  if (r.has("fault_size_in")) spec.fault_size_in = r.number("fault_size_in", std::nullopt, 0, 10);
  r.reject_unknown();
  return spec;
}

GroupSpec parse_group(const json& j, const std::string& file, size_t index, const std::string& base_dir) {
  FieldReader r(j, file, "groups[" + std::to_string(index) + "]");
  GroupSpec g;
  g.name = r.string("name");
  if (!valid_group_name(g.name)) {
    r.fail("name", "'" + g.name + "' must be 1-32 characters of a-z, 0-9, '_' and '-'");
  }
  g.devices = static_cast<uint32_t>(r.integer("devices", std::nullopt, 1, 1000));
  const std::string source = r.string("source", std::string("synthetic"));
  if (source == "synthetic") {
    g.source = SourceKind::synthetic;
    if (r.has("replay")) r.fail("replay", "only for \"source\": \"replay\"");
  } else if (source == "replay") {
    g.source = SourceKind::replay;
    g.replay = parse_replay(r, "replay", base_dir);
  } else {
    r.fail("source", "unknown source '" + source + "' (expected synthetic or replay)");
  }
  g.link = parse_link(r, "link");
  g.load = r.number("load", 0.5, 0, 1.5);
  g.shaft_hz = r.number("shaft_hz", 29.95, 0, 200, true);
  g.axes = static_cast<uint32_t>(r.integer("axes", 1, 1, 8));
  if (g.axes > 1 && g.source == SourceKind::replay) {
    r.fail("axes", "only synthetic groups have several axes (the replayed recordings have one)");
  }
  r.reject_unknown();
  return g;
}

EventSpec parse_event(const json& j, const std::string& file, size_t index, const Scenario& s) {
  FieldReader r(j, file, "events[" + std::to_string(index) + "]");
  EventSpec e;
  e.at_s = r.number("at_s", std::nullopt, 0, s.duration_s);
  const std::string kind = r.string("kind");
  e.group = r.string("group");
  const GroupSpec* group = nullptr;
  for (const GroupSpec& g : s.groups) {
    if (g.name == e.group) group = &g;
  }
  if (!group) r.fail("group", "unknown group '" + e.group + "'");
  if (r.has("devices")) {
    const json& d = r.get("devices");
    if (d.is_string()) {
      if (d.get<std::string>() != "all") r.fail("devices", "expected \"all\" or a list of device indices");
    } else if (d.is_array()) {
      e.all_devices = false;
      if (d.empty()) r.fail("devices", "empty list");
      for (size_t i = 0; i < d.size(); ++i) {
        const std::string where = r.field_path("devices") + "[" + std::to_string(i) + "]";
        if (!d[i].is_number_unsigned()) r.fail_at(where, "expected a device index");
        const uint64_t v = d[i].get<uint64_t>();
        if (v >= group->devices) {
          r.fail_at(where, std::to_string(v) + " is out of range: group '" + group->name + "' has " +
                               std::to_string(group->devices) + " device(s)");
        }
        e.devices.push_back(static_cast<uint32_t>(v));
      }
    } else {
      r.fail("devices", "expected \"all\" or a list of device indices");
    }
  }
  if (kind == "load_change") {
    e.kind = EventKind::load_change;
    e.load = r.number("load", std::nullopt, 0, 1.5);
    e.ramp_s = r.number("ramp_s", 0.0, 0, 1e9);
  } else if (kind == "speed_change") {
    e.kind = EventKind::speed_change;
    e.speed = r.number("speed", std::nullopt, 0.25, 2);
    e.ramp_s = r.number("ramp_s", 0.0, 0, 1e9);
  } else if (kind == "fault") {
    e.kind = EventKind::fault;
    const std::string fault = r.string("fault");
    if (!parse_fault_type(fault, &e.fault) || e.fault == FaultType::none) {
      r.fail("fault", "unknown fault '" + fault + "' (expected outer_race, inner_race or ball)");
    }
    e.growth_s = r.number("growth_s", 0.0, 0, 1e9);
    e.max_severity = r.number("max_severity", 1.0, 0, 1, true);
  } else {
    r.fail("kind", "unknown kind '" + kind + "' (expected load_change, speed_change or fault)");
  }
  r.reject_unknown();
  return e;
}

}  // namespace

const char* to_string(SourceKind s) { return s == SourceKind::synthetic ? "synthetic" : "replay"; }

const char* to_string(EventKind k) {
  switch (k) {
    case EventKind::load_change: return "load_change";
    case EventKind::speed_change: return "speed_change";
    case EventKind::fault: return "fault";
  }
  return "?";
}

bool EventSpec::applies_to(uint32_t device_index) const {
  return all_devices || std::find(devices.begin(), devices.end(), device_index) != devices.end();
}

const GroupSpec& Scenario::group(const std::string& name) const {
  for (const GroupSpec& g : groups) {
    if (g.name == name) return g;
  }
  throw SimError(file + ": no group '" + name + "'");
}

uint32_t Scenario::device_count() const {
  uint32_t n = 0;
  for (const GroupSpec& g : groups) n += g.devices;
  return n;
}

Scenario scenario_parse(const std::string& json_text, const std::string& file, const std::string& base_dir) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw SimError(file + ": not valid JSON: " + e.what());
  }
  FieldReader r(root, file, "");
  Scenario s;
  s.file = file;
  s.name = r.string("name");
  if (s.name.empty()) r.fail("name", "empty");
  s.seed = r.integer("seed", 1, 0, UINT64_MAX);
  s.duration_s = r.number("duration_s", std::nullopt, 0, 1e9, true);
  s.speed = r.number("speed", 1.0, 0, 1e6, true);
  s.window_period_s = r.number("window_period_s", 1.0, 0, s.duration_s, true);
  s.sample_rate_hz = r.number("sample_rate_hz", 12000.0, 1000, 200000);
  s.fleet = r.string("fleet", s.name);
  const json& groups = r.get("groups");
  if (!groups.is_array() || groups.empty()) r.fail("groups", "expected a non-empty list");
  for (size_t i = 0; i < groups.size(); ++i) {
    s.groups.push_back(parse_group(groups[i], file, i, base_dir));
    for (size_t j = 0; j < i; ++j) {
      if (s.groups[j].name == s.groups[i].name) {
        r.fail_at("groups[" + std::to_string(i) + "].name", "duplicate group '" + s.groups[i].name + "'");
      }
    }
  }
  if (r.has("events")) {
    const json& events = r.get("events");
    if (!events.is_array()) r.fail("events", "expected a list");
    for (size_t i = 0; i < events.size(); ++i) s.events.push_back(parse_event(events[i], file, i, s));
  }
  r.reject_unknown();
  return s;
}

Scenario scenario_load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SimError(path + ": cannot open scenario file");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string base = std::filesystem::path(path).parent_path().string();
  Scenario s = scenario_parse(text.str(), path, base.empty() ? "." : base);
  // Replay groups: the recordings must exist now, not when the fleet is half started.
  for (size_t gi = 0; gi < s.groups.size(); ++gi) {
    const GroupSpec& g = s.groups[gi];
    if (g.source != SourceKind::replay) continue;
    const std::string where = path + ": groups[" + std::to_string(gi) + "].replay: ";
    try {
      replay_candidates(g.replay.data, ClipFilter{g.replay.condition, g.replay.load_hp, std::nullopt});
      for (FaultType f : kFaultTypes) {
        const bool injected = std::any_of(s.events.begin(), s.events.end(), [&](const EventSpec& e) {
          return e.kind == EventKind::fault && e.group == g.name && e.fault == f;
        });
        if (injected) {
          replay_candidates(g.replay.data, ClipFilter{to_string(f), g.replay.load_hp, g.replay.fault_size_in});
        }
      }
    } catch (const std::exception& e) {
      throw SimError(where + e.what());
    }
  }
  return s;
}

std::string device_id(const std::string& group, uint32_t index) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%02u", index);
  return group + "-" + digits;
}

}  // namespace tmf::sim
