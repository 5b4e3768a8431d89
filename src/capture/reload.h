// Live reload of detection content (issue 4: SIGHUP now, the REST API later).
//
// A reload builds a complete new DetectionContent (rules -> DetectEngine, the file rules picked
// from it, known-bad hash lists, YARA rules) on a background thread while packets keep
// flowing. Only a build that succeeds entirely is published: a broken rule file, hash list or
// YARA file keeps everything as it was, with an error logged and detect.reload_failures
// counted. Publishing bumps a generation number; each worker compares it with the generation it
// runs on at its packet-time tick (a relaxed atomic load) and, when it moved, takes the new
// content: a fresh Detector over the new engine (per-flow detection state starts empty: flowbits
// set before the reload are forgotten, raw-stream inspection resumes at the next bytes), the new
// file rules and hash lists for files opened from then on. The old content is freed when the
// last worker lets go of it (shared_ptr). No lock is taken on the packet path.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"
#include "core/stats.h"

namespace ww::detect {
class DetectEngine;
}
namespace ww::files {
class FileRules;
class HashList;
class YaraRules;
}  // namespace ww::files

namespace ww::capture {

struct DetectionContent {
  std::shared_ptr<const detect::DetectEngine> detect;   // null: no signature rules
  std::shared_ptr<const files::FileRules> file_rules;   // null: none in the rule set
  std::shared_ptr<const files::HashList> known_bad;     // null: no hash lists
  std::shared_ptr<const files::YaraRules> yara;         // null: YARA off (or not reloadable)
  std::string summary;                                  // "N rules, N hashes, N YARA rules"
};

class ReloadHub {
 public:
  using Builder = std::function<Result<std::shared_ptr<const DetectionContent>>()>;

  explicit ReloadHub(StatsBlock& stats);
  ~ReloadHub();  // waits for a build in progress
  ReloadHub(const ReloadHub&) = delete;
  ReloadHub& operator=(const ReloadHub&) = delete;

  // How to build the content from the configured files (main). Without it, request() is a no-op.
  void set_builder(Builder b);
  bool reloadable() const;
  // Starts a background build; false when there is no builder or a build is already running.
  bool request();
  // Waits for the build in progress, if any (tests, shutdown).
  void wait();
  // Called by the builder thread (and tests): makes `c` the current content.
  void publish(std::shared_ptr<const DetectionContent> c);

  // Worker side: cheap check, then a copy of the current content when the generation moved.
  uint64_t generation() const noexcept { return gen_.load(std::memory_order_acquire); }
  std::shared_ptr<const DetectionContent> current() const;

 private:
  void build();
  mutable std::mutex mu_;
  Builder builder_;
  std::shared_ptr<const DetectionContent> cur_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<bool> busy_{false};
  std::thread th_;
  Counter& reloads_;
  Counter& failures_;
};

}  // namespace ww::capture
