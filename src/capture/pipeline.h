// Pipeline: wires sources, the dispatcher, workers, outputs and the stats thread together.
//
//   offline, 1 worker:   reader thread = decode + defrag + worker (no ring, no copy)
//   offline, N workers:  reader thread = decode + defrag + symmetric hash -> SpscRing per
//                        worker -> N worker threads (flow, stream, app, output)
//   live:                N worker threads, each with its own AF_PACKET socket in one fanout
//                        group (the kernel hashes flows and defragments), no dispatcher
// Shutdown (SIGINT/SIGTERM, end of input) drains the rings, ends every flow (reason
// "shutdown"), flushes EVE and writes a final stats event.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "capture/pcap_source.h"
#include "capture/reload.h"
#include "core/config.h"
#include "core/result.h"
#include "core/stats.h"
#include "output/eve.h"

namespace ww::detect {
class DetectEngine;
}

namespace ww::capture {

// Set from signal handlers; checked on the packet path with relaxed loads.
struct Signals {
  static std::atomic<bool> stop;
  static std::atomic<bool> reopen;
  static void install();  // SIGINT/SIGTERM -> stop, SIGHUP -> reopen logs and reload rules
};

struct RunSummary {
  uint64_t packets = 0;         // frames read from the sources
  uint64_t bytes = 0;
  uint64_t files = 0;
  uint64_t truncated_files = 0;
  uint64_t events = 0;          // EVE events written by the workers
  double seconds = 0;           // wall time of the packet loop
  bool interrupted = false;
  std::vector<std::string> warnings;
};

struct ReadAccounting;
class PcapFileSource;

class Engine {
 public:
  Engine(Config cfg, std::string log_dir);
  ~Engine();

  // Opens eve.json (and the unix socket sink) in the log dir.
  Result<void> open_outputs();
  Result<RunSummary> analyze(const std::vector<std::string>& files, int workers);
  // A BPF filter (tcpdump syntax) for analyze: records it rejects are skipped before decoding
  // (capture.pcap.filtered) and not numbered (pcap_cnt counts what passes, as with libpcap).
  void set_file_filter(std::string bpf) { file_bpf_ = std::move(bpf); }
  Result<RunSummary> run_live(const LiveOptions& opt, int workers);

  StatsRegistry& stats() { return stats_; }
  // Rules shared by every worker (before analyze/run_live); null: no signature detection.
  void set_detect(std::shared_ptr<const detect::DetectEngine> d) { detect_ = std::move(d); }
  // Live reload (SIGHUP): main gives the hub a builder; workers follow its generations.
  ReloadHub& reload() { return reload_; }
  std::string eve_path() const;
  const Config& config() const { return cfg_; }

 private:
  class StatsThread;
  Result<void> analyze_dispatcher(std::vector<std::unique_ptr<PcapFileSource>>& sources,
                                  int nworkers, ReadAccounting& acct, Counter& ring_waits,
                                  uint64_t& count, Timestamp& last_ts);
  Config cfg_;
  std::string log_dir_;
  StatsRegistry stats_;
  StatsBlock& out_stats_;
  std::unique_ptr<output::EveOutput> eve_;
  std::shared_ptr<const detect::DetectEngine> detect_;
  std::string file_bpf_;
  ReloadHub reload_;
};

int default_workers();

}  // namespace ww::capture
