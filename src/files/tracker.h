// files: the file tracker of one worker (issue 7).
//
// Every parser that moves a file (HTTP bodies, SMTP attachments, SMB reads/writes, DICOM
// C-STORE objects) hands its bytes, in order, through ParseContext::file_open/file_data/
// file_close; the app layer forwards them here. For each file the tracker computes, as the bytes
// stream: MD5, SHA-1 and SHA-256 (OpenSSL EVP), the size, a byte histogram (Shannon entropy of
// the whole content) and keeps the first kPrefixBytes for file type detection (libmagic, run
// once at close on that prefix) and for the DICOM checks (DICM at offset 128; a PE or ELF
// header in the 128-byte preamble, CVE-2019-11687). At close it writes a Suricata-style
// `fileinfo` EVE event.
//
// Invariants:
//  - Per-file state lives in slots of a per-worker pool: a slot (its EVP contexts, prefix and
//    histogram) is created the first time it is needed and reused for later files, so the pool
//    is capped by max_open_files and nothing is allocated per chunk.
//  - A file id is (generation << 16 | slot + 1): a stale id (a file already closed) is ignored,
//    never applied to the file that reuses the slot.
//  - Each flow's open files are linked through FlowFiles (held in the flow's app state); when
//    the flow ends, close_flow() closes those still open as TRUNCATED, so no slot outlives its
//    flow.
// Limits: max_open_files per worker, max_files_per_flow per flow (beyond either the file is not
// tracked: files.open_limit_drop); names are cut at kMaxName bytes.
//
// Detection on files (at close, on the worker): the known-bad hash list (files.hash-lists) and
// the file rules (files/file_rules.h: filemd5/filesha1/filesha256, filesize, filemagic ...)
// alert at once. YARA (files/yara.h) runs off the packet path: while a file is open its bytes
// beyond the prefix are kept in 64 KiB chunks from a per-worker pool (capped by yara.memcap;
// the first max_scan_bytes of each file); at close the prefix and chunks go, in a job from a
// per-worker pool of yara.queue jobs, to the scan threads. The file's fileinfo event then waits
// for the result: poll() (every packet and tick) writes the YARA alerts and the fileinfo event
// of each finished job, drain() (end of input) waits for all of them. When the jobs or the
// chunks run out the tracker waits for a scan to finish (wait_when_full, pcap analysis) or
// skips the scan / stops keeping bytes and counts it (live capture).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/parser.h"
#include "app/proto.h"
#include "core/stats.h"
#include "core/types.h"
#include "files/filestore.h"
#include "files/yara.h"

namespace ww::flow {
struct Flow;
}
namespace ww::output {
class EveWriter;
}

namespace ww::files {

class HashList;
class FileRules;

inline constexpr size_t kPrefixBytes = 4096;  // kept for libmagic and the DICOM checks
inline constexpr size_t kMaxName = 1024;

struct FileTrackerConfig {
  uint32_t max_open_files = 4096;   // per worker
  uint32_t max_files_per_flow = 64;  // open at once in one flow
  bool magic = true;                 // libmagic file type
  // libmagic on the scan threads (the YARA pool, or a pool of its own), not on the packet path.
  // Typed inline instead when file rules or the filestore need the type at close.
  bool magic_offload = true;
  // files.entropy: a byte histogram of each file's content (ByteHistogram: about 2 instructions
  // a counted byte) and the fileinfo "entropy" field. Off: neither (no other stage reads it).
  bool entropy = true;
  // Hashes computed for every file (files.hashes). Each costs CPU on every file byte; SHA-1 is
  // off by default (MD5 and SHA-256 are what threat-intel feeds and hash lists use).
  bool md5 = false;  // SHA-256 by default; MD5/SHA-1 when configured or a list/rule needs them
  bool sha1 = false;
  bool sha256 = true;
  // YAML files.yara and files.hash-lists (paths; main compiles and loads them).
  YaraConfig yara_config;
  std::vector<std::string> hash_list_paths;
  FilestoreConfig filestore_config;  // files.filestore
  // Built at start-up (main) and shared by every worker; null = off.
  std::shared_ptr<ScanPool> yara;
  std::shared_ptr<const HashList> known_bad;  // files.hash-lists (merged)
  std::shared_ptr<const FileRules> rules;     // file rules of the loaded rule set
  std::shared_ptr<FileStore> filestore;       // files.filestore.enabled
};

// Per-flow list of open files; lives in the flow's app state (zero-initialised).
struct FlowFiles {
  uint32_t head = 0;  // slot index + 1 of the first open file of the flow; 0 = none
  uint32_t open = 0;  // open files of the flow
};

// What the tracker knows about a file when it closes (also handed to tests).
struct FileResult {
  std::string_view name;
  std::string_view magic;  // empty when libmagic is off or failed
  uint8_t md5[16];
  uint8_t sha1[20];
  uint8_t sha256[32];
  uint64_t size = 0;
  uint64_t tx_id = 0;
  double entropy = 0;
  bool with_entropy = false;  // entropy was computed (files.entropy)
  bool truncated = false;
  bool gaps = false;
  bool dicom = false;                     // "DICM" at offset 128
  bool dicom_preamble_executable = false;  // DICM at 128 and MZ or \x7fELF at 0
  bool known_bad = false;                  // a hash is in the known-bad list
  bool with_md5 = false, with_sha1 = false, with_sha256 = false;  // which hashes were computed
  bool stored = false;                     // kept in the filestore
  Direction direction = Direction::ToServer;
  app::Proto proto = app::Proto::Unknown;
  // The transaction's EVE object (e.g. "http"), written into the fileinfo event; none when
  // app_key is null (FileTracker::set_app_record).
  const char* app_key = nullptr;
  std::string_view app_json;
};

// Shannon entropy in bits per byte (0..8) of content with this byte histogram.
double shannon_entropy(const uint64_t (&hist)[256], uint64_t total) noexcept;

// Byte counts of a file's content, updated per chunk on the packet path. Four interleaved
// 32-bit tables: a run of one byte value (zero-filled pixel data, padding) would otherwise make
// every increment wait for the previous one to the same counter (a store-to-load chain of
// several cycles per byte); with four tables consecutive bytes hit different counters. The
// tables fold into 64-bit totals before any counter can overflow and when totals() is asked;
// entropy() reads the tables directly (a file's histogram is then cleared at the next open).
// `sample` counts the bytes at file offsets below kExactBytes, and beyond them only the first
// kSampleBytes of every kSampleEvery bytes (by offset, so the result does not depend on how the
// content was cut into segments): entropy is exact for small files and estimated from 1/16 of
// the content of big ones, which bounds its cost on bulk transfers.
class ByteHistogram {
 public:
  static constexpr uint64_t kExactBytes = 64 * 1024;
  static constexpr uint64_t kSampleEvery = 4096;
  static constexpr uint64_t kSampleBytes = 256;

  void clear() noexcept;
  void add(const uint8_t* p, size_t n) noexcept;
  // Counts the content bytes [off, off + n) that the sampling rule above selects.
  void sample(uint64_t off, const uint8_t* p, size_t n) noexcept {
    if (off + n <= kExactBytes)
      add(p, n);  // the common case, inline on the per-chunk path
    else
      sample_beyond(off, p, n);
  }
  // Folds the pending counts in and returns the totals.
  const uint64_t (&totals() noexcept)[256];
  // shannon_entropy() of the counts, read straight from the four tables (no fold).
  double entropy() noexcept;
  uint64_t counted() const noexcept { return counted_; }

 private:
  void fold() noexcept;
  void sample_beyond(uint64_t off, const uint8_t* p, size_t n) noexcept;
  void count16(const uint8_t* p) noexcept;
  uint32_t part_[4][256];
  uint64_t total_[256];  // all zero after clear() until a fold
  bool folded_ = true;    // total_ may hold counts (or is not yet zeroed): clear() zeroes it
  uint64_t pending_ = 0;  // bytes counted in part_ since the last fold
  uint64_t counted_ = 0;  // bytes counted since clear()
};

class FileTracker {
 public:
  // `eve` may be null (no output); `in_iface` must outlive the tracker. Opens libmagic (start-up).
  FileTracker(StatsBlock& stats, output::EveWriter* eve, std::string_view in_iface = {},
              FileTrackerConfig cfg = {});
  ~FileTracker();
  FileTracker(const FileTracker&) = delete;
  FileTracker& operator=(const FileTracker&) = delete;

  // A new file of flow `f`; returns its id, 0 when it is not tracked (limits).
  uint32_t open(flow::Flow& f, FlowFiles& ff, Direction d, std::string_view name, uint64_t tx_id,
                app::Proto proto) noexcept;
  void data(uint32_t id, Bytes bytes) noexcept;
  void close(uint32_t id, app::FileEnd end) noexcept;
  // The EVE object of the transaction the file belongs to (`json`: one JSON object, written
  // under `key`, a static string, in the file's fileinfo event, as Suricata writes "http").
  // Copied into the file's slot (its buffer is reused from file to file).
  void set_app_record(uint32_t id, const char* key, std::string_view json) noexcept;
  // Flow end: closes the flow's files still open as TRUNCATED.
  void close_flow(FlowFiles& ff) noexcept;

  uint32_t open_files() const noexcept { return open_; }
  // Writes the events of finished YARA scans (cheap when none is in flight).
  void poll() noexcept {
    if (inflight_) poll_done();
  }
  // Waits for every scan in flight and writes their events (end of input).
  void drain() noexcept;
  uint32_t scans_in_flight() const noexcept { return inflight_; }
  // Reload (capture/reload.h): the file rules and known-bad hashes that files opened from now on
  // are checked against. Hashes a new list or rule needs are computed from then on (a file
  // already open keeps the hashes it started with). Not on the packet path.
  void set_detection(std::shared_ptr<const FileRules> rules,
                     std::shared_ptr<const HashList> known_bad);
  // Called with each file's YARA matches when its scan comes back (tests).
  void set_yara_observer(void (*fn)(const FileResult&, const std::vector<YaraMatch>&, void*),
                         void* arg) noexcept {
    yara_observer_ = fn;
    yara_observer_arg_ = arg;
  }
  // Called with each file's result at close, before its event is written (tests, later: YARA,
  // hash lists). Off by default.
  void set_observer(void (*fn)(const FileResult&, void*), void* arg) noexcept {
    observer_ = fn;
    observer_arg_ = arg;
  }

 private:
  struct Slot;
  struct Magic;
  struct Job;
  struct RuleState;
  Slot* lookup(uint32_t id) noexcept;
  void finish(Slot& s, uint32_t index, app::FileEnd end) noexcept;
  void keep(Slot& s, Bytes b, uint64_t off) noexcept;
  Chunk* get_chunk() noexcept;
  void release_chunks(Chunk** c, uint32_t& n) noexcept;
  Job* get_job() noexcept;
  bool wait_one() noexcept;
  void poll_done() noexcept;
  void complete(Job& j) noexcept;
  void detect(const flow::Flow& f, FileResult& r, std::string_view prefix) noexcept;
  void write_fileinfo(const flow::Flow& f, const FileResult& r, bool hashed,
                      const Job* yara) noexcept;

  FileTrackerConfig cfg_;
  output::EveWriter* eve_;
  std::string_view in_iface_;
  bool log_ = false;
  std::unique_ptr<Magic> magic_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<uint32_t> free_;  // free slot indexes (capacity max_open_files, reserved at start)
  uint32_t open_ = 0;
  void (*observer_)(const FileResult&, void*) = nullptr;
  void* observer_arg_ = nullptr;
  void (*yara_observer_)(const FileResult&, const std::vector<YaraMatch>&, void*) = nullptr;
  void* yara_observer_arg_ = nullptr;
  // YARA: job and chunk pools (grown on demand up to their caps, then reused).
  std::unique_ptr<ScanChannel> chan_;
  std::vector<std::unique_ptr<Job>> jobs_;
  std::vector<Job*> free_jobs_;
  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::vector<Chunk*> free_chunks_;
  uint32_t max_chunks_ = 0;
  uint32_t inflight_ = 0;
  uint64_t max_keep_ = 0;
  std::unique_ptr<RuleState> rs_;
  bool yara_on_ = false;  // the pool has YARA rules (else it only types files: magic-offload)
  void need_hashes() noexcept;  // turns on the hashes cfg_.known_bad and cfg_.rules compare
  bool store_mark_ = false;  // set by detect(): a filestore rule matched the file
  std::string app_member_;   // write_fileinfo: the transaction's member, reused
  void store_data(Slot& s, Bytes b) noexcept;
  void store_close(Slot& s, const flow::Flow& f, FileResult& r) noexcept;
  Counter& opened_;
  Counter& closed_;
  Counter& truncated_;
  Counter& bytes_;
  Counter& open_limit_drop_;
  Counter& magic_errors_;
  Counter& open_max_;
  Counter& yara_scanned_;
  Counter& yara_matches_;
  Counter& yara_skipped_;
  Counter& yara_memcap_cut_;
  Counter& yara_prefix_only_;
  Counter& yara_errors_;
  Counter& yara_waits_;
  Counter& yara_chunks_max_;
  Counter& known_bad_;
  Counter& rule_alerts_;
  Counter& fs_stored_;
  Counter& fs_too_big_;
  Counter& fs_errors_;
  Counter& fs_evicted_;
};

}  // namespace ww::files
