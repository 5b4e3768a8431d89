// Parsing of the CLI's duration, size and start-time arguments (kept apart from main for tests).
#pragma once

#include <optional>
#include <string>

#include "sim.h"

namespace ww::sim {

#ifndef WW_SIM_DEFAULT_CONFIG
#define WW_SIM_DEFAULT_CONFIG "tools/sim/hospital.yaml"
#endif
inline const char* kDefaultConfig = WW_SIM_DEFAULT_CONFIG;

// "90s", "10m", "2h", "1h30m", "500ms", plain seconds.
std::optional<Ts> parse_duration(const std::string& s);
// "1GB", "500MB", "64KiB", plain bytes; "" is 0 (no limit).
std::optional<uint64_t> parse_size(const std::string& s);
// "2024-03-04T08:00:00Z"
std::optional<Ts> parse_start(const std::string& s);

}  // namespace ww::sim
