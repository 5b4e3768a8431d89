// files/yara: YARA rules (libyara) and the scan thread pool that runs them on files, off the
// packet path.
//
// - YaraRules: every .yar/.yara file of the configured paths (files or folders, recursive,
//   sorted), compiled once at start into one immutable YR_RULES shared by all scan threads.
//   Each file gets its own namespace (its path relative to the configured folder, without the
//   extension), so rule names may repeat across files. A file that does not compile is left
//   out and reported (file:line: message); the others still load. The LOKI/THOR external
//   variables filename, filepath, extension, filetype and owner are defined (empty at compile
//   time; set per scanned file from its name).
// - ScanPool: N threads sharing the rules. Each worker's FileTracker registers one
//   ScanChannel: two single-producer/single-consumer rings of ScanJob pointers. The worker
//   pushes a job (no lock: it owns the submit ring's producer side) and later pops results
//   from the done ring (no lock: it owns the consumer side). Scan threads take jobs under the
//   pool's mutex (the submit rings' consumer side) and push results under the channel's done
//   mutex (the done ring's producer side); neither lock is ever taken by a worker.
// Limits: jobs per channel (the ring size, from the tracker's job pool); bytes per scan
// (max_scan_bytes, the rest of a file is not scanned); scan time (timeout_s per file).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"

typedef struct YR_RULES YR_RULES;

namespace ww::files {

struct YaraConfig {
  std::vector<std::string> paths;      // rule files or folders (files.yara.rules, --yara)
  uint32_t threads = 2;                // scan threads
  uint32_t queue = 64;                 // scan jobs in flight per worker
  uint64_t memcap = 64ull << 20;       // bytes of file content kept for scanning, per worker
  uint64_t max_scan_bytes = 4ull << 20;  // bytes of one file scanned (a prefix beyond)
  int timeout_s = 10;                  // per file
  // When a worker's jobs or buffer are all in use: wait for a scan to finish (pcap analysis:
  // the same events with any number of workers) or skip the scan and count it (live capture:
  // the packet path never waits).
  bool wait_when_full = true;
  bool when_full_set = false;  // given in the configuration (else: wait for analyze, drop live)
};

struct YaraCompileReport {
  size_t files = 0;     // rule files found
  size_t compiled = 0;  // files that compiled (and are in the rule set)
  size_t failed = 0;    // files left out
  size_t rules = 0;     // rules in the compiled set
  size_t warnings = 0;
  std::vector<std::string> errors;  // "file:line: message", one or more per failed file
};

class YaraRules {
 public:
  // Compiles every rule file under `paths`. Fails when a path does not exist, or when rule
  // files were found but none compiled. Per-file failures are in `report`.
  static Result<std::shared_ptr<const YaraRules>> compile(const std::vector<std::string>& paths,
                                                          YaraCompileReport& report);
  ~YaraRules();
  YaraRules(const YaraRules&) = delete;
  YaraRules& operator=(const YaraRules&) = delete;
  YR_RULES* get() const noexcept { return rules_; }
  size_t rule_count() const noexcept { return count_; }

 private:
  YaraRules() = default;
  YR_RULES* rules_ = nullptr;
  size_t count_ = 0;
};

struct YaraMatch {
  std::string ns, rule;
  std::vector<std::pair<std::string, std::string>> meta;  // (identifier, value as text)
};

// A chunk of kept file content (beyond the tracker's prefix).
inline constexpr size_t kChunkBytes = 64 * 1024;
inline constexpr size_t kMaxChunks = 256;  // max_scan_bytes is capped to kMaxChunks chunks
struct Chunk {
  uint8_t data[kChunkBytes];
};

// One file to scan: filled by the worker, scanned by a pool thread, handed back.
struct ScanJob {
  // Input: the file's first bytes, then full chunks (the last one partly filled).
  uint8_t prefix[4096];
  uint32_t prefix_len = 0;
  Chunk* chunks[kMaxChunks];
  uint32_t nchunks = 0;
  uint64_t kept = 0;  // total bytes kept (prefix + chunks)
  char name[1024];    // the file's name, for the external variables
  uint32_t name_len = 0;
  // libmagic off the packet path: the scan thread types the prefix when asked.
  bool want_magic = false;
  // Output (written by the scan thread).
  char magic_out[256];
  uint32_t magic_out_len = 0;
  bool magic_failed = false;  // libmagic unavailable or failed on this file
  std::vector<YaraMatch> matches;
  bool error = false;    // libyara failed (or timed out) on this file
  bool timeout = false;
};

class ScanPool;

// One worker's connection to the pool.
class ScanChannel {
 public:
  explicit ScanChannel(uint32_t capacity);
  // Worker side (one thread).
  bool submit(ScanJob* j) noexcept;  // false when full
  ScanJob* pop_done() noexcept;      // nullptr when none
  // Blocks until a job completes or `timeout_ms` passes (drain, wait_when_full).
  void wait_done(uint32_t seen_seq, int timeout_ms) noexcept;
  uint32_t done_seq() const noexcept { return done_seq_.load(std::memory_order_acquire); }

 private:
  friend class ScanPool;
  struct Ring {
    explicit Ring(uint32_t cap) : slots(cap + 1) {}
    std::vector<ScanJob*> slots;
    std::atomic<uint32_t> head{0}, tail{0};  // producer writes head, consumer tail
    bool push(ScanJob* j) noexcept;
    ScanJob* pop() noexcept;
  };
  Ring submit_, done_;
  std::mutex done_mu_;  // pool threads only: several produce into done_
  std::atomic<uint32_t> done_seq_{0};
  ScanPool* pool_ = nullptr;
};

class ScanPool {
 public:
  // `rules` may be null: a pool that only runs libmagic for the trackers (files.magic-offload).
  ScanPool(std::shared_ptr<const YaraRules> rules, const YaraConfig& cfg);
  ~ScanPool();
  ScanPool(const ScanPool&) = delete;
  ScanPool& operator=(const ScanPool&) = delete;

  const YaraConfig& config() const noexcept { return cfg_; }
  // The rules in use (a reload may replace them: hold the pointer while using them).
  std::shared_ptr<const YaraRules> rules() const;
  // Reload: scans that start from now on use `r`; scans in flight finish with the old rules.
  void set_rules(std::shared_ptr<const YaraRules> r);
  // Registration at start-up (and tracker destruction, after its jobs are drained).
  void attach(ScanChannel* c);
  void detach(ScanChannel* c);
  // Wakes a scan thread after a submit (worker side: an atomic increment and a futex wake).
  void notify() noexcept;
  // Scans one job in the calling thread (tests, tools).
  void scan_now(ScanJob& j);

 private:
  void run();
  ScanJob* take(ScanChannel** from);
  std::shared_ptr<const YaraRules> rules_;  // guarded by mu_
  std::atomic<uint64_t> rules_gen_{0};
  YaraConfig cfg_;
  mutable std::mutex mu_;
  std::vector<ScanChannel*> channels_;
  size_t rr_ = 0;
  std::atomic<uint32_t> seq_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// Lists the rule files under `path` (a file, or a folder searched recursively for .yar/.yara).
std::vector<std::string> yara_rule_files(const std::string& path);

// `wardwatch rules check` for YARA: prints failures and "N YARA files compiled, N failed,
// N rules"; returns 1 when a file fails to compile or a path is missing, else 0.
int yara_check(const std::vector<std::string>& paths, std::ostream& out);

}  // namespace ww::files
