// Scenario registry: the benign background, one scenario per attack, and `hospital` (all of
// them). An attack is injected at a simulated time and writes its own labels.
#pragma once

#include <string>
#include <vector>

#include "engine.h"

namespace ww::sim {

struct Attack {
  const char* name;
  const char* description;
  void (*inject)(Sim& sim, Ts at);
};

const std::vector<Attack>& attacks();
// Background traffic of the whole hospital from sim.start until sim.end.
void schedule_background(Sim& sim);
// Schedules the scenario's attacks (none for "benign"); `span` is the window they spread over,
// `repeat` re-injects them every `span` (for --size runs without a duration).
bool schedule_scenario(Sim& sim, const std::string& name, Ts span, bool repeat);
std::vector<std::pair<std::string, std::string>> scenario_list();

}  // namespace ww::sim
