#include "files/tracker.h"
#include "core/hex.h"

#include <magic.h>
#include <openssl/evp.h>

#include <fcntl.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "detect/match.h"
#include "files/file_rules.h"
#include "files/hash_list.h"
#include "flow/flow.h"
#include "output/alert_event.h"
#include "output/eve.h"
#include "output/flow_event.h"

namespace ww::files {

namespace {

struct MdCtxDelete {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDelete>;

constexpr uint32_t kSlotBits = 16;
constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;
constexpr uint32_t kMaxSlots = kSlotMask;  // slot + 1 must fit in the low bits


// c * log2(c) for the small counts most bins of a file hold (0 for 0 and 1), so that the
// entropy costs one log2 per file instead of one per non-empty bin.
constexpr uint64_t kClogcSmall = 2048;
struct ClogcTable {
  double v[kClogcSmall];
  ClogcTable() noexcept {
    v[0] = 0;
    for (uint64_t c = 1; c < kClogcSmall; ++c) v[c] = double(c) * std::log2(double(c));
  }
};
const ClogcTable kClogc;

inline double clogc(uint64_t c) noexcept {
  return c < kClogcSmall ? kClogc.v[c] : double(c) * std::log2(double(c));
}

// H = -sum (c/t) log2(c/t) = log2(t) - sum(c log2 c) / t. It differs from the per-bin form only
// in the last bits (below 1e-13), far under the 4 decimals the event prints. One byte value
// only: exactly 0, as the per-bin form gives.
template <typename Count>
double entropy_of(double sum_clogc, uint64_t total, Count count) noexcept {
  double h = std::log2(double(total)) - sum_clogc / double(total);
  if (h < 1e-6) {
    for (int v = 0; v < 256; ++v)
      if (count(v) == total) return 0;
  }
  return h > 0 ? h : 0;
}

}  // namespace

double shannon_entropy(const uint64_t (&hist)[256], uint64_t total) noexcept {
  if (total == 0) return 0;
  double s = 0;
  for (uint64_t c : hist) s += clogc(c);
  return entropy_of(s, total, [&](int v) { return hist[v]; });
}

double ByteHistogram::entropy() noexcept {
  if (counted_ == 0) return 0;
  if (folded_) return shannon_entropy(totals(), counted_);  // a file of more than 2^31 bytes
  // The four tables summed bin by bin, no fold into the 64-bit totals: without a fold no count
  // exceeds pending_ <= 2^31, so the sums fit in 32 bits (a loop the compiler vectorises).
  uint32_t c[256];
  for (int v = 0; v < 256; ++v) c[v] = part_[0][v] + part_[1][v] + part_[2][v] + part_[3][v];
  double s = 0;
  for (uint32_t x : c) s += clogc(x);
  return entropy_of(s, counted_, [&c](int v) { return uint64_t(c[v]); });
}

void ByteHistogram::clear() noexcept {
  std::memset(part_, 0, sizeof part_);
  if (folded_) std::memset(total_, 0, sizeof total_);
  folded_ = false;
  pending_ = 0;
  counted_ = 0;
}

void ByteHistogram::fold() noexcept {
  for (int v = 0; v < 256; ++v)
    total_[v] += uint64_t(part_[0][v]) + part_[1][v] + part_[2][v] + part_[3][v];
  std::memset(part_, 0, sizeof part_);
  pending_ = 0;
  folded_ = true;
}

// Sixteen bytes into the four tables in turn.
inline void ByteHistogram::count16(const uint8_t* p) noexcept {
  ++part_[0][p[0]];
  ++part_[1][p[1]];
  ++part_[2][p[2]];
  ++part_[3][p[3]];
  ++part_[0][p[4]];
  ++part_[1][p[5]];
  ++part_[2][p[6]];
  ++part_[3][p[7]];
  ++part_[0][p[8]];
  ++part_[1][p[9]];
  ++part_[2][p[10]];
  ++part_[3][p[11]];
  ++part_[0][p[12]];
  ++part_[1][p[13]];
  ++part_[2][p[14]];
  ++part_[3][p[15]];
}

void ByteHistogram::add(const uint8_t* p, size_t n) noexcept {
  // No counter can exceed pending_ <= 2^31 between folds, well inside 32 bits.
  constexpr uint64_t kFoldAt = uint64_t(1) << 31;
  while (n > 0) {
    size_t take = size_t(std::min<uint64_t>(n, kFoldAt));
    if (pending_ + take > kFoldAt) fold();
    pending_ += take;
    counted_ += take;
    n -= take;
    // 64 bytes an iteration (a sampled block of 256 is four of them): the loop's own
    // increment, compare and branch are then a small share of the ~2 instructions (load, add to
    // memory) each byte costs. Written out: -O2 does not unroll an inner loop.
    const uint8_t* end = p + take;
    const uint8_t* end64 = p + (take & ~size_t(63));
    for (; p != end64; p += 64) {
      count16(p);
      count16(p + 16);
      count16(p + 32);
      count16(p + 48);
    }
    const uint8_t* end16 = p + (size_t(end - p) & ~size_t(15));
    for (; p != end16; p += 16) count16(p);
    for (; p != end; ++p) ++part_[0][*p];
  }
}

void ByteHistogram::sample_beyond(uint64_t off, const uint8_t* p, size_t n) noexcept {
  const uint64_t end = off + n;
  if (off < kExactBytes) {
    size_t k = size_t(std::min(end, kExactBytes) - off);
    add(p, k);
    off += k;
  }
  while (off < end) {
    uint64_t in_block = off % kSampleEvery;
    if (in_block < kSampleBytes) {
      size_t k = size_t(std::min(end - off, kSampleBytes - in_block));
      add(p + (off - (end - n)), k);
      off += k;
    } else {
      off += std::min(end - off, kSampleEvery - in_block);
    }
  }
}

const uint64_t (&ByteHistogram::totals() noexcept)[256] {
  if (pending_) fold();
  return total_;
}

struct FileTracker::Magic {
  magic_t m = nullptr;
  ~Magic() {
    if (m) magic_close(m);
  }
};

struct FileTracker::Slot {
  // Reused across files: created once with the slot.
  MdCtx md5{EVP_MD_CTX_new()};
  MdCtx sha1{EVP_MD_CTX_new()};
  MdCtx sha256{EVP_MD_CTX_new()};
  uint8_t prefix[kPrefixBytes];
  ByteHistogram hist;
  char name[kMaxName];
  // Per file.
  uint16_t gen = 0;
  bool active = false;
  bool hash_ok = false;
  bool use_md5 = false, use_sha1 = false, use_sha256 = false;  // hashes computed for this file
  uint32_t name_len = 0;
  uint32_t prefix_len = 0;
  uint64_t size = 0;
  uint64_t tx_id = 0;
  Direction dir = Direction::ToServer;
  app::Proto proto = app::Proto::Unknown;
  flow::Flow* flow = nullptr;
  FlowFiles* ff = nullptr;
  uint32_t prev = 0, next = 0;  // the flow's list (slot index + 1)
  // YARA: content kept beyond the prefix.
  Chunk* chunks[kMaxChunks];
  uint32_t nchunks = 0;
  uint64_t chunk_bytes = 0;  // bytes written to the chunks
  bool keep = false;     // still keeping bytes for the scan
  bool cut = false;      // stopped keeping: the worker's chunk pool was exhausted
  // Filestore: the temporary file the bytes are written to (-1: none).
  int store_fd = -1;
  char store_tmp[256];
  // The transaction's EVE object for the fileinfo event (set_app_record).
  const char* app_key = nullptr;
  std::string app_json;
};

// A file waiting for its YARA scan, with what its fileinfo event and alerts need.
struct FileTracker::Job : ScanJob {
  flow::Flow flow;  // a copy: the flow may end before the scan does
  FileResult r;
  char magic[256];
  uint32_t magic_len = 0;
  bool hashed = false;
  bool cut = false;
  std::string app_json;
};

struct FileTracker::RuleState {
  detect::MatchScratch scratch;
  detect::InspectBuffers bufs;
};

namespace {

// Stable signature ids for alerts that are not signature rules (gid 1).
constexpr uint32_t kKnownBadSid = 9899999;
constexpr uint32_t kYaraSidBase = 9900000;  // + FNV-1a("namespace:rule") % 100000

uint32_t fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

output::AlertContext alert_ctx(const flow::Flow& f, std::string_view iface, const FileResult& r) {
  output::AlertContext c;
  c.ts = f.last;
  c.flow = &f;
  c.in_iface = iface;
  bool ts = r.direction == Direction::ToServer;
  c.src = ts ? f.src : f.dst;
  c.dst = ts ? f.dst : f.src;
  c.sp = ts ? f.sp : f.dp;
  c.dp = ts ? f.dp : f.sp;
  c.proto = f.proto;
  c.dir = r.direction;
  c.has_tx = true;
  c.tx_id = r.tx_id;
  return c;
}

}  // namespace

FileTracker::FileTracker(StatsBlock& stats, output::EveWriter* eve, std::string_view in_iface,
                         FileTrackerConfig cfg)
    : cfg_(cfg),
      eve_(eve),
      in_iface_(in_iface),
      opened_(stats.counter("files.opened")),
      closed_(stats.counter("files.closed")),
      truncated_(stats.counter("files.truncated")),
      bytes_(stats.counter("files.bytes")),
      open_limit_drop_(stats.counter("files.open_limit_drop")),
      magic_errors_(stats.counter("files.magic_errors")),
      open_max_(stats.counter("files.open_max", CounterKind::Max)),
      yara_scanned_(stats.counter("files.yara.scanned")),
      yara_matches_(stats.counter("files.yara.matches")),
      yara_skipped_(stats.counter("files.yara.skipped_queue_full")),
      yara_memcap_cut_(stats.counter("files.yara.memcap_cut")),
      yara_prefix_only_(stats.counter("files.yara.prefix_only")),
      yara_errors_(stats.counter("files.yara.errors")),
      yara_waits_(stats.counter("files.yara.waits")),
      yara_chunks_max_(stats.counter("files.yara.chunks_max", CounterKind::Max)),
      known_bad_(stats.counter("files.known_bad")),
      rule_alerts_(stats.counter("files.rule_alerts")),
      fs_stored_(stats.counter("files.filestore.stored")),
      fs_too_big_(stats.counter("files.filestore.too_big")),
      fs_errors_(stats.counter("files.filestore.errors")),
      fs_evicted_(stats.counter("files.filestore.evicted")) {
  if (cfg_.filestore) cfg_.sha256 = true;  // the store is addressed by SHA-256
  cfg_.max_open_files = std::min(cfg_.max_open_files, kMaxSlots);
  need_hashes();
  if (cfg_.rules && !cfg_.rules->rules().empty()) rs_ = std::make_unique<RuleState>();
  yara_on_ = cfg_.yara && cfg_.yara->rules();
  if (cfg_.yara) {
    const YaraConfig& yc = cfg_.yara->config();
    chan_ = std::make_unique<ScanChannel>(yc.queue);
    jobs_.reserve(yc.queue);
    free_jobs_.reserve(yc.queue);
    max_keep_ = yc.max_scan_bytes;
    max_chunks_ = uint32_t(std::max<uint64_t>(yc.memcap / kChunkBytes, 1));
    chunks_.reserve(max_chunks_);
    free_chunks_.reserve(max_chunks_);
    cfg_.yara->attach(chan_.get());
  }
  log_ = eve_ && eve_->enabled("fileinfo");
  slots_.reserve(cfg_.max_open_files);
  free_.reserve(cfg_.max_open_files);
  if (cfg_.magic) {
    magic_ = std::make_unique<Magic>();
    magic_->m = magic_open(MAGIC_NONE);
    if (magic_->m && magic_load(magic_->m, nullptr) != 0) {
      magic_close(magic_->m);
      magic_->m = nullptr;
    }
    if (!magic_->m) magic_errors_.inc();  // no file types; everything else works
  }
}

FileTracker::~FileTracker() {
  if (chan_) {
    drain();
    cfg_.yara->detach(chan_.get());
  }
}

uint32_t FileTracker::open(flow::Flow& f, FlowFiles& ff, Direction d, std::string_view name,
                           uint64_t tx_id, app::Proto proto) noexcept {
  if (open_ >= cfg_.max_open_files || ff.open >= cfg_.max_files_per_flow) {
    open_limit_drop_.inc();
    return 0;
  }
  uint32_t i;
  if (!free_.empty()) {
    i = free_.back();
    free_.pop_back();
  } else {
    // Grows the pool by one slot, up to max_open_files (reserved at start).
    auto s = std::unique_ptr<Slot>(new (std::nothrow) Slot);
    if (!s || !s->md5 || !s->sha1 || !s->sha256) {
      open_limit_drop_.inc();
      return 0;
    }
    i = uint32_t(slots_.size());
    slots_.push_back(std::move(s));
  }
  Slot& s = *slots_[i];
  s.active = true;
  if (++s.gen == 0) s.gen = 1;
  s.use_md5 = cfg_.md5;  // a reload may turn hashes on; an open file keeps its set
  s.use_sha1 = cfg_.sha1;
  s.use_sha256 = cfg_.sha256;
  s.hash_ok = (!s.use_md5 || EVP_DigestInit_ex(s.md5.get(), EVP_md5(), nullptr) == 1) &&
              (!s.use_sha1 || EVP_DigestInit_ex(s.sha1.get(), EVP_sha1(), nullptr) == 1) &&
              (!s.use_sha256 || EVP_DigestInit_ex(s.sha256.get(), EVP_sha256(), nullptr) == 1);
  s.name_len = uint32_t(std::min(name.size(), kMaxName));
  copy_bytes(s.name, name.data(), s.name_len);
  s.prefix_len = 0;
  s.hist.clear();
  s.size = 0;
  s.tx_id = tx_id;
  s.dir = d;
  s.proto = proto;
  s.app_key = nullptr;
  s.app_json.clear();
  s.flow = &f;
  s.ff = &ff;
  s.prev = 0;
  s.nchunks = 0;
  s.chunk_bytes = 0;
  s.keep = yara_on_;
  s.cut = false;
  s.store_fd = -1;
  if (cfg_.filestore) {
    s.store_fd = cfg_.filestore->create_tmp(s.store_tmp);
    if (s.store_fd < 0) fs_errors_.inc();
  }
  s.next = ff.head;
  if (ff.head) slots_[ff.head - 1]->prev = i + 1;
  ff.head = i + 1;
  ++ff.open;
  ++open_;
  opened_.inc();
  open_max_.set_max(open_);
  return (uint32_t(s.gen) << kSlotBits) | (i + 1);
}

inline FileTracker::Slot* FileTracker::lookup(uint32_t id) noexcept {
  uint32_t i = id & kSlotMask;
  if (i == 0 || i > slots_.size()) return nullptr;
  Slot& s = *slots_[i - 1];
  if (!s.active || s.gen != uint16_t(id >> kSlotBits)) return nullptr;
  return &s;
}

void FileTracker::need_hashes() noexcept {
  // The hashes that hash lists and file rules compare are computed whatever files.hashes says.
  if (const HashList* l = cfg_.known_bad.get()) {
    if (l->md5_count()) cfg_.md5 = true;
    if (l->sha1_count()) cfg_.sha1 = true;
    if (l->sha256_count()) cfg_.sha256 = true;
  }
  if (cfg_.rules) {
    for (const auto& fr : cfg_.rules->rules())
      for (const auto& h : fr.hashes) {
        if (h.kind == 16) cfg_.md5 = true;
        if (h.kind == 20) cfg_.sha1 = true;
        if (h.kind == 32) cfg_.sha256 = true;
      }
  }
}

void FileTracker::set_detection(std::shared_ptr<const FileRules> rules,
                                std::shared_ptr<const HashList> known_bad) {
  cfg_.rules = std::move(rules);
  cfg_.known_bad = std::move(known_bad);
  need_hashes();
  if (cfg_.rules && !cfg_.rules->rules().empty())
    rs_ = std::make_unique<RuleState>();  // fresh scratch for the new engine's rules
}

void FileTracker::data(uint32_t id, Bytes b) noexcept {
  Slot* s = lookup(id);
  if (!s || b.empty()) return;
  if (s->hash_ok) {
    s->hash_ok = (!s->use_md5 || EVP_DigestUpdate(s->md5.get(), b.data(), b.size()) == 1) &&
                 (!s->use_sha1 || EVP_DigestUpdate(s->sha1.get(), b.data(), b.size()) == 1) &&
                 (!s->use_sha256 || EVP_DigestUpdate(s->sha256.get(), b.data(), b.size()) == 1);
  }
  if (s->prefix_len < kPrefixBytes) {
    size_t n = std::min(b.size(), kPrefixBytes - s->prefix_len);
    copy_bytes(s->prefix + s->prefix_len, b.data(), n);
    s->prefix_len += uint32_t(n);
  }
  if (s->keep) keep(*s, b, s->size);
  if (s->store_fd >= 0) store_data(*s, b);
  if (cfg_.entropy) s->hist.sample(s->size, b.data(), b.size());
  s->size += b.size();
  bytes_.inc(b.size());
}

void FileTracker::close(uint32_t id, app::FileEnd end) noexcept {
  Slot* s = lookup(id);
  if (!s) return;
  finish(*s, (id & kSlotMask) - 1, end);
}

void FileTracker::close_flow(FlowFiles& ff) noexcept {
  while (ff.head) {
    uint32_t i = ff.head - 1;
    finish(*slots_[i], i, app::FileEnd::Truncated);  // unlinks it: head moves on
  }
}

void FileTracker::keep(Slot& s, Bytes b, uint64_t off) noexcept {
  // Bytes at file offsets [kPrefixBytes, max_keep_) go to chunks; the prefix holds the rest.
  size_t skip = off < kPrefixBytes ? size_t(std::min<uint64_t>(b.size(), kPrefixBytes - off)) : 0;
  off += skip;
  const uint8_t* p = b.data() + skip;
  size_t n = b.size() - skip;
  while (n > 0) {
    if (off >= max_keep_) {
      s.keep = false;  // the rest is not scanned (files.yara.prefix_only at close)
      return;
    }
    uint64_t rel = off - kPrefixBytes;
    uint32_t ci = uint32_t(rel / kChunkBytes);
    size_t co = size_t(rel % kChunkBytes);
    if (ci >= s.nchunks) {
      Chunk* c = ci < kMaxChunks ? get_chunk() : nullptr;
      if (!c) {
        s.keep = false;
        s.cut = true;
        yara_memcap_cut_.inc();
        return;
      }
      s.chunks[s.nchunks++] = c;
    }
    size_t take = std::min({n, kChunkBytes - co, size_t(max_keep_ - off)});
    std::memcpy(s.chunks[ci]->data + co, p, take);
    s.chunk_bytes += take;
    p += take;
    n -= take;
    off += take;
  }
}

Chunk* FileTracker::get_chunk() noexcept {
  while (true) {
    if (!free_chunks_.empty()) {
      Chunk* c = free_chunks_.back();
      free_chunks_.pop_back();
      return c;
    }
    if (chunks_.size() < max_chunks_) {
      auto c = std::unique_ptr<Chunk>(new (std::nothrow) Chunk);
      if (!c) return nullptr;
      chunks_.push_back(std::move(c));
      yara_chunks_max_.set_max(chunks_.size());
      return chunks_.back().get();
    }
    // All chunks are held by open files or by scans in flight: a finished scan frees some.
    if (!cfg_.yara->config().wait_when_full || !wait_one()) return nullptr;
  }
}

void FileTracker::release_chunks(Chunk** c, uint32_t& n) noexcept {
  for (uint32_t i = 0; i < n; ++i) free_chunks_.push_back(c[i]);
  n = 0;
}

FileTracker::Job* FileTracker::get_job() noexcept {
  while (true) {
    if (!free_jobs_.empty()) {
      Job* j = free_jobs_.back();
      free_jobs_.pop_back();
      return j;
    }
    if (jobs_.size() < cfg_.yara->config().queue) {
      auto j = std::unique_ptr<Job>(new (std::nothrow) Job);
      if (!j) return nullptr;
      jobs_.push_back(std::move(j));
      return jobs_.back().get();
    }
    if (!cfg_.yara->config().wait_when_full || !wait_one()) return nullptr;
  }
}

// Waits until at least one scan in flight has come back and writes its events. False when
// nothing is in flight.
bool FileTracker::wait_one() noexcept {
  if (!inflight_) return false;
  yara_waits_.inc();
  uint32_t before = inflight_;
  while (inflight_ == before) {
    uint32_t seq = chan_->done_seq();
    poll_done();
    if (inflight_ == before) chan_->wait_done(seq, 1000);
  }
  return true;
}

void FileTracker::poll_done() noexcept {
  while (ScanJob* sj = chan_->pop_done()) {
    --inflight_;
    complete(static_cast<Job&>(*sj));
  }
}

void FileTracker::drain() noexcept {
  while (inflight_) {
    uint32_t seq = chan_->done_seq();
    poll_done();
    if (inflight_) chan_->wait_done(seq, 1000);
  }
}

void FileTracker::complete(Job& j) noexcept {
  FileResult& r = j.r;
  r.name = std::string_view(j.name, j.name_len);
  r.magic = j.want_magic ? std::string_view(j.magic_out, j.magic_out_len)
                         : std::string_view(j.magic, j.magic_len);
  if (j.want_magic && j.magic_failed) magic_errors_.inc();
  r.app_json = j.app_json;
  if (yara_on_) {
    yara_scanned_.inc();
    if (j.error) yara_errors_.inc();
  }
  if (yara_observer_) yara_observer_(r, j.matches, yara_observer_arg_);
  if (!j.matches.empty()) yara_matches_.inc(j.matches.size());
  if (eve_ && eve_->enabled("alert")) {
    for (const auto& m : j.matches) {
      // The alert names the rule and its namespace; its meta goes to alert.metadata. Built
      // per match (rare), never per packet.
      detect::Rule rule;
      std::string full = m.ns + ":" + m.rule;
      rule.gid = 1;
      rule.sid = kYaraSidBase + fnv1a(full) % 100000;
      rule.rev = 1;
      rule.msg = "YARA " + full;
      rule.category = "A Network Trojan was detected";
      rule.priority = 1;
      rule.metadata = m.meta;
      rule.metadata.emplace_back("yara_namespace", m.ns);
      rule.metadata.emplace_back("yara_rule", m.rule);
      output::write_alert_event(*eve_, rule, alert_ctx(j.flow, in_iface_, r));
    }
  }
  write_fileinfo(j.flow, r, j.hashed, yara_on_ ? &j : nullptr);
  release_chunks(j.chunks, j.nchunks);
  j.matches.clear();
  free_jobs_.push_back(&j);
}

void FileTracker::detect(const flow::Flow& f, FileResult& r,
                         std::string_view prefix) noexcept {
  bool alerts = eve_ && eve_->enabled("alert");
  if (cfg_.known_bad) {
    const HashList& l = *cfg_.known_bad;
    bool bad = (r.with_md5 && l.md5_count() && l.has_md5(r.md5)) ||
               (r.with_sha1 && l.sha1_count() && l.has_sha1(r.sha1)) ||
               (r.with_sha256 && l.sha256_count() && l.has_sha256(r.sha256));
    if (bad) {
      r.known_bad = true;
      known_bad_.inc();
      if (alerts) {
        static const detect::Rule* kRule = [] {
          auto* x = new detect::Rule;  // one for the process, never freed
          x->gid = 1;
          x->sid = kKnownBadSid;
          x->rev = 1;
          x->msg = "WARDWATCH FILES known-bad file hash";
          x->category = "A Network Trojan was detected";
          x->priority = 1;
          return x;
        }();
        output::write_alert_event(*eve_, *kRule, alert_ctx(f, in_iface_, r));
      }
    }
  }
  if (!rs_) return;
  const detect::DetectEngine& eng = cfg_.rules->engine();
  detect::InspectBuffers& bufs = rs_->bufs;
  bufs = detect::InspectBuffers{};
  bufs.set(detect::BufferId::FileName, Bytes(reinterpret_cast<const uint8_t*>(r.name.data()),
                                             r.name.size()));
  if (!r.magic.empty())
    bufs.set(detect::BufferId::FileMagic,
             Bytes(reinterpret_cast<const uint8_t*>(r.magic.data()), r.magic.size()));
  bufs.set(detect::BufferId::FileData,
           Bytes(reinterpret_cast<const uint8_t*>(prefix.data()), prefix.size()));
  uint16_t app = eng.app_of(uint16_t(r.proto));
  bool ts = r.direction == Direction::ToServer;
  const IpAddr& src = ts ? f.src : f.dst;
  const IpAddr& dst = ts ? f.dst : f.src;
  uint16_t sp = ts ? f.sp : f.dp, dp = ts ? f.dp : f.sp;
  for (const FileRule& fr : cfg_.rules->rules()) {
    const detect::Rule& rule = *fr.rule;
    if (rule.proto.app != detect::kAppNone && rule.proto.app != app) continue;
    if (rule.proto.ip_proto && rule.proto.ip_proto != f.proto) continue;
    bool fwd = rule.src.contains(src) && rule.dst.contains(dst) && rule.sport.contains(sp) &&
               rule.dport.contains(dp);
    bool rev = rule.bidirectional && rule.src.contains(dst) && rule.dst.contains(src) &&
               rule.sport.contains(dp) && rule.dport.contains(sp);
    if (!fwd && !rev) continue;
    if ((rule.flow.to_server && !ts) || (rule.flow.to_client && ts)) continue;
    bool ok = true;
    for (const auto& c : rule.app_checks) {
      if (c.keyword != "app-layer-protocol") continue;
      std::string_view v = c.value;
      if (!v.empty() && v.front() == '!') v.remove_prefix(1);
      if ((v == app::proto_name(r.proto)) == c.negated) ok = false;
    }
    for (const auto& h : fr.hashes) {
      bool have = h.kind == 16 ? r.with_md5 : h.kind == 20 ? r.with_sha1 : r.with_sha256;
      bool in = have && (h.kind == 16   ? h.list->has_md5(r.md5)
                         : h.kind == 20 ? h.list->has_sha1(r.sha1)
                                        : h.list->has_sha256(r.sha256));
      if (!have || in == h.negated) ok = false;
    }
    for (const auto& sz : fr.sizes)  // a size is known only when complete
      if (r.truncated || (sz.dir && *sz.dir != r.direction) || !sz.cmp.match(r.size)) ok = false;
    if (!ok) continue;
    if (!rule.buffers.empty() && !detect::match_buffers(rule, bufs, rs_->scratch)) continue;
    if (fr.filestore) store_mark_ = true;
    if (!fr.alert) continue;
    rule_alerts_.inc();
    if (alerts && !rule.noalert) output::write_alert_event(*eve_, rule, alert_ctx(f, in_iface_, r));
  }
}

void FileTracker::write_fileinfo(const flow::Flow& f, const FileResult& r, bool hashed,
                                 const Job* yara) noexcept {
  if (!log_) return;
  auto& j = eve_->begin(f.last, "fileinfo");
  // As Suricata: src is the file's sender (a download's fileinfo names the server as src).
  output::write_flow_header(*eve_, f, in_iface_, r.direction == Direction::ToClient);
  if (r.app_key && !r.app_json.empty()) {
    // `,"<key>":<record>` as Key() and RawValue() write it, appended with one copy (RawValue
    // copies byte by byte). The event has members already (timestamp, flow header); the key
    // is the protocol's event type, plain text.
    app_member_.assign(",\"").append(r.app_key).append("\":").append(r.app_json);
    eve_->append_members(app_member_);
  }
  eve_->kv("app_proto", app::proto_name(r.proto));
  j.Key("fileinfo");
  j.StartObject();
  eve_->kv("filename", r.name);
  if (!r.magic.empty()) eve_->kv("magic", r.magic);
  eve_->kv_bool("gaps", r.gaps);
  eve_->kv("state", std::string_view(r.truncated ? "TRUNCATED" : "CLOSED"));
  if (hashed) {
    char buf[64];
    if (r.with_md5) {
      hex::bytes(r.md5, 16, buf);
      eve_->kv("md5", std::string_view(buf, 32));
    }
    if (r.with_sha1) {
      hex::bytes(r.sha1, 20, buf);
      eve_->kv("sha1", std::string_view(buf, 40));
    }
    if (r.with_sha256) {
      hex::bytes(r.sha256, 32, buf);
      eve_->kv("sha256", std::string_view(buf, 64));
    }
  }
  eve_->kv_bool("stored", r.stored);
  eve_->kv("size", r.size);
  eve_->kv("tx_id", r.tx_id);
  if (r.with_entropy) {
    j.Key("entropy");
    j.Double(std::round(r.entropy * 10000) / 10000);
  }
  if (r.dicom_preamble_executable) eve_->kv_bool("dicom_preamble_executable", true);
  if (r.known_bad) eve_->kv_bool("known_bad", true);
  if (yara) {
    // What was scanned: "complete", "prefix" (bigger than max_scan_bytes or truncated),
    // "memcap" (the worker's chunk pool ran out), "error".
    const char* scan = yara->error ? "error"
                       : yara->cut ? "memcap"
                       : (yara->kept < r.size || r.truncated) ? "prefix"
                                                              : "complete";
    eve_->kv("yara_scan", std::string_view(scan));
    j.Key("yara");
    j.StartArray();
    for (const auto& m : yara->matches) {
      j.StartObject();
      eve_->kv("rule", m.rule);
      eve_->kv("namespace", m.ns);
      j.EndObject();
    }
    j.EndArray();
  }
  j.EndObject();
  eve_->end();
}

void FileTracker::store_data(Slot& s, Bytes b) noexcept {
  if (s.size + b.size() > cfg_.filestore->config().max_file_bytes) {
    ::close(s.store_fd);
    cfg_.filestore->discard(s.store_tmp);
    s.store_fd = -1;
    fs_too_big_.inc();
    return;
  }
  const uint8_t* p = b.data();
  size_t n = b.size();
  while (n > 0) {
    ssize_t w = ::write(s.store_fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      ::close(s.store_fd);
      cfg_.filestore->discard(s.store_tmp);
      s.store_fd = -1;
      fs_errors_.inc();
      return;
    }
    p += w;
    n -= size_t(w);
  }
}

void FileTracker::store_close(Slot& s, const flow::Flow& f, FileResult& r) noexcept {
  bool ok = ::close(s.store_fd) == 0;
  s.store_fd = -1;
  if (!ok) {
    cfg_.filestore->discard(s.store_tmp);
    fs_errors_.inc();
    return;
  }
  // The sidecar: what the fileinfo event says, for whoever picks the file up later.
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  char ts[40];
  char buf[64];
  auto str = [&](const char* k, std::string_view v) {
    w.Key(k);
    w.String(v.data(), rapidjson::SizeType(v.size()));
  };
  w.StartObject();
  str("timestamp", std::string_view(ts, format_timestamp(f.last, ts)));
  w.Key("flow_id");
  w.Uint64(f.flow_id);
  char ip[48];
  str("src_ip", std::string_view(ip, f.src.format(ip)));
  w.Key("src_port");
  w.Uint(f.sp);
  str("dest_ip", std::string_view(ip, f.dst.format(ip)));
  w.Key("dest_port");
  w.Uint(f.dp);
  str("app_proto", app::proto_name(r.proto));
  str("direction", r.direction == Direction::ToServer ? "to_server" : "to_client");
  str("filename", r.name);
  if (!r.magic.empty()) str("magic", r.magic);
  str("state", r.truncated ? "TRUNCATED" : "CLOSED");
  hex::bytes(r.sha256, 32, buf);
  str("sha256", std::string_view(buf, 64));
  if (r.with_md5) {
    hex::bytes(r.md5, 16, buf);
    str("md5", std::string_view(buf, 32));
  }
  w.Key("size");
  w.Uint64(r.size);
  w.Key("tx_id");
  w.Uint64(r.tx_id);
  w.EndObject();
  hex::bytes(r.sha256, 32, buf);
  std::string name = std::string(buf, 64) + "." + std::to_string(f.last.usec / 1000000) + "." +
                     std::to_string(f.flow_id) + ".json";
  uint64_t evicted = 0;
  if (cfg_.filestore->commit(s.store_tmp, r.sha256, r.size, name,
                             std::string(sb.GetString(), sb.GetSize()), evicted)) {
    r.stored = true;
    fs_stored_.inc();
  } else {
    fs_errors_.inc();
  }
  fs_evicted_.inc(evicted);
}

void FileTracker::set_app_record(uint32_t id, const char* key, std::string_view json) noexcept {
  Slot* s = lookup(id);
  if (!s || !log_) return;
  s->app_key = key;
  s->app_json.assign(json.data(), json.size());
}

void FileTracker::finish(Slot& s, uint32_t index, app::FileEnd end) noexcept {
  FileResult r;
  unsigned int len = 0;
  bool hashed = s.hash_ok &&
                (!s.use_md5 || EVP_DigestFinal_ex(s.md5.get(), r.md5, &len) == 1) &&
                (!s.use_sha1 || EVP_DigestFinal_ex(s.sha1.get(), r.sha1, &len) == 1) &&
                (!s.use_sha256 || EVP_DigestFinal_ex(s.sha256.get(), r.sha256, &len) == 1);
  // Hashes turned on by a reload while this file was open: none computed, none compared.
  r.with_md5 = s.use_md5;
  r.with_sha1 = s.use_sha1;
  r.with_sha256 = s.use_sha256;
  if (!s.use_md5) std::memset(r.md5, 0, sizeof r.md5);
  if (!s.use_sha1) std::memset(r.sha1, 0, sizeof r.sha1);
  if (!s.use_sha256) std::memset(r.sha256, 0, sizeof r.sha256);
  r.name = std::string_view(s.name, s.name_len);
  r.size = s.size;
  r.tx_id = s.tx_id;
  r.with_entropy = cfg_.entropy;
  r.entropy = cfg_.entropy ? s.hist.entropy() : 0;
  r.truncated = end != app::FileEnd::Complete;
  r.gaps = end == app::FileEnd::Gap;
  r.direction = s.dir;
  r.proto = s.proto;
  r.app_key = s.app_key;
  r.app_json = s.app_json;
  r.dicom = s.prefix_len >= 132 && std::memcmp(s.prefix + 128, "DICM", 4) == 0;
  r.dicom_preamble_executable =
      r.dicom && (std::memcmp(s.prefix, "MZ", 2) == 0 || std::memcmp(s.prefix, "\x7f" "ELF", 4) == 0);
  // libmagic: on a scan thread when the file goes to the pool anyway and nothing at close
  // needs the type (file rules, the filestore's sidecar); else here.
  const bool defer_magic = magic_ && magic_->m && s.prefix_len > 0 && s.flow && chan_ &&
                           cfg_.magic_offload && !cfg_.filestore &&
                           !(cfg_.rules && !cfg_.rules->rules().empty());
  auto type_here = [&] {
    if (!magic_ || !magic_->m || s.prefix_len == 0) return;
    const char* m = magic_buffer(magic_->m, s.prefix, s.prefix_len);
    if (m)
      r.magic = m;
    else
      magic_errors_.inc();
  };
  if (!defer_magic) type_here();
  if (!hashed) {
    std::memset(r.md5, 0, sizeof r.md5);
    std::memset(r.sha1, 0, sizeof r.sha1);
    std::memset(r.sha256, 0, sizeof r.sha256);
  }

  store_mark_ = false;
  if (s.flow && hashed)
    detect(*s.flow, r, std::string_view(reinterpret_cast<const char*>(s.prefix), s.prefix_len));
  if (s.store_fd >= 0) {
    if (hashed && s.flow && (store_mark_ || cfg_.filestore->config().all)) {
      store_close(s, *s.flow, r);
    } else {
      ::close(s.store_fd);
      cfg_.filestore->discard(s.store_tmp);
    }
    s.store_fd = -1;
  }
  if (observer_) observer_(r, observer_arg_);

  Job* job = (chan_ && s.flow) ? get_job() : nullptr;
  if (chan_ && s.flow && !job) {
    if (yara_on_) yara_skipped_.inc();
    if (defer_magic) type_here();  // no job free (live capture never waits): typed here
  }
  if (job) {
    job->want_magic = defer_magic;
    job->magic_out_len = 0;
    job->magic_failed = false;
    // The scan gets the prefix and the chunks; the fileinfo event waits for its result.
    std::memcpy(job->prefix, s.prefix, s.prefix_len);
    job->prefix_len = s.prefix_len;
    std::memcpy(job->chunks, s.chunks, s.nchunks * sizeof(Chunk*));
    job->nchunks = s.nchunks;
    s.nchunks = 0;
    job->kept = std::min<uint64_t>(s.size, kPrefixBytes) + s.chunk_bytes;
    job->cut = s.cut;
    if (yara_on_ && s.size > max_keep_) yara_prefix_only_.inc();
    job->name_len = s.name_len;
    std::memcpy(job->name, s.name, s.name_len);
    job->magic_len = uint32_t(std::min(r.magic.size(), sizeof job->magic));
    copy_bytes(job->magic, r.magic.data(), job->magic_len);
    job->flow = *s.flow;
    job->flow.tcp = nullptr;
    job->flow.app = nullptr;
    job->flow.arena = nullptr;
    job->app_json = s.app_json;
    job->r = r;
    job->r.app_json = job->app_json;
    job->hashed = hashed;
    job->matches.clear();
    if (chan_->submit(job)) {
      ++inflight_;
    } else {  // cannot happen: the ring has a slot per job
      release_chunks(job->chunks, job->nchunks);
      free_jobs_.push_back(job);
      if (yara_on_) yara_skipped_.inc();
      job = nullptr;
      if (defer_magic) type_here();
    }
  }
  if (!job && s.flow) write_fileinfo(*s.flow, r, hashed, nullptr);
  release_chunks(s.chunks, s.nchunks);

  closed_.inc();
  if (r.truncated) truncated_.inc();
  // Unlink from the flow's list and free the slot.
  if (s.ff) {
    FlowFiles& ff = *s.ff;
    if (s.prev)
      slots_[s.prev - 1]->next = s.next;
    else
      ff.head = s.next;
    if (s.next) slots_[s.next - 1]->prev = s.prev;
    if (ff.open) --ff.open;
  }
  s.active = false;
  s.flow = nullptr;
  s.ff = nullptr;
  s.prev = s.next = 0;
  --open_;
  free_.push_back(index);
}

}  // namespace ww::files
