// wardwatch-sim: writes a labelled pcap of a simulated hospital network.
//   wardwatch-sim --scenario hospital --duration 10m --seed 42 -w out.pcap --labels out.labels.jsonl
// See docs/simulator.md.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "engine.h"
#include "hospital.h"
#include "scenarios.h"
#include "sim_options.h"

using namespace ww::sim;

int main(int argc, char** argv) {
  CLI::App app{"wardwatch-sim: hospital network traffic simulator with labelled attack scenarios"};
  std::string scenario = "benign", duration_s, size_s, out, labels, config = kDefaultConfig,
              start_s = "2024-03-04T08:00:00Z";
  uint64_t seed = 1;
  bool list = false, quiet = false;
  app.add_option("--scenario", scenario, "scenario name (see --list-scenarios)");
  app.add_option("--duration", duration_s, "simulated time, e.g. 90s, 10m, 2h (default 10m)");
  app.add_option("--seed", seed, "random seed; same seed and options give the same bytes");
  app.add_option("-w,--write", out, "output pcap file ('-' for stdout)");
  app.add_option("--labels", labels, "labels file (JSON lines), one line per malicious activity");
  app.add_option("--size", size_s, "stop once the pcap reaches this size, e.g. 500MB, 1GB");
  app.add_option("--config", config, "hospital model (YAML)");
  app.add_option("--start", start_s, "simulated start time, UTC (YYYY-MM-DDTHH:MM:SSZ)");
  double bulk = 1.0;
  app.add_option("--bulk", bulk, "scale bulk payloads (images, file copies, uploads); 0.05 for small demos")
      ->check(CLI::Range(0.001, 100.0));
  app.add_flag("--list-scenarios", list, "list scenarios and exit");
  app.add_flag("-q,--quiet", quiet, "no summary on stderr");
  CLI11_PARSE(app, argc, argv);

  if (list) {
    for (const auto& [name, desc] : scenario_list()) std::printf("%-16s %s\n", name.c_str(), desc.c_str());
    return 0;
  }
  if (out.empty()) {
    std::fprintf(stderr, "wardwatch-sim: -w FILE is required\n");
    return 2;
  }
  bool known = false;
  for (const auto& [name, desc] : scenario_list()) known |= name == scenario;
  if (!known) {
    std::fprintf(stderr, "wardwatch-sim: unknown scenario '%s' (try --list-scenarios)\n", scenario.c_str());
    return 2;
  }
  auto dur = parse_duration(duration_s.empty() ? "10m" : duration_s);
  auto size = parse_size(size_s);
  auto start = parse_start(start_s);
  if (!dur || !size || !start) {
    std::fprintf(stderr, "wardwatch-sim: bad --duration, --size or --start\n");
    return 2;
  }
  Hospital h;
  try {
    h = load_hospital(config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wardwatch-sim: %s\n", e.what());
    return 2;
  }
  // --size without --duration runs until the size is reached; attacks then repeat every 10 min.
  bool size_mode = *size > 0 && duration_s.empty();
  Ts span = size_mode ? 10 * kMin : *dur;
  Ts end = size_mode ? INT64_MAX : *start + *dur;
  Sim sim(h, seed, *start, end, scenario);
  sim.bulk = bulk;
  schedule_background(sim);
  schedule_scenario(sim, scenario, span, size_mode);

  PcapWriter w;
  if (!w.open(out)) {
    std::fprintf(stderr, "wardwatch-sim: cannot write %s\n", out.c_str());
    return 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  sim.run(w, *size);
  if (!w.close()) {
    std::fprintf(stderr, "wardwatch-sim: write error on %s\n", out.c_str());
    return 1;
  }
  if (!labels.empty() && !write_labels(labels, sim.labels)) {
    std::fprintf(stderr, "wardwatch-sim: cannot write %s\n", labels.c_str());
    return 1;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!quiet)
    std::fprintf(stderr, "wardwatch-sim: %s seed %llu: %llu packets, %.1f MB, %zu labels in %.2f s (%.0f MB/s)\n",
                 scenario.c_str(), static_cast<unsigned long long>(seed),
                 static_cast<unsigned long long>(w.packets()), static_cast<double>(w.bytes()) / 1e6,
                 sim.labels.size(), secs, static_cast<double>(w.bytes()) / 1e6 / std::max(secs, 1e-9));
  return 0;
}
