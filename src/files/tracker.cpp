#include "files/tracker.h"

#include <magic.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "flow/flow.h"
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

void hex(const uint8_t* p, size_t n, char* out) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
}

}  // namespace

double shannon_entropy(const uint64_t (&hist)[256], uint64_t total) noexcept {
  if (total == 0) return 0;
  double e = 0;
  const double t = double(total);
  for (uint64_t c : hist) {
    if (c == 0) continue;
    double p = double(c) / t;
    e -= p * std::log2(p);
  }
  return e;
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
  uint64_t hist[256];
  char name[kMaxName];
  // Per file.
  uint16_t gen = 0;
  bool active = false;
  bool hash_ok = false;
  uint32_t name_len = 0;
  uint32_t prefix_len = 0;
  uint64_t size = 0;
  uint64_t tx_id = 0;
  Direction dir = Direction::ToServer;
  app::Proto proto = app::Proto::Unknown;
  flow::Flow* flow = nullptr;
  FlowFiles* ff = nullptr;
  uint32_t prev = 0, next = 0;  // the flow's list (slot index + 1)
};

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
      open_max_(stats.counter("files.open_max", CounterKind::Max)) {
  cfg_.max_open_files = std::min(cfg_.max_open_files, kMaxSlots);
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

FileTracker::~FileTracker() = default;

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
  s.hash_ok = (!cfg_.md5 || EVP_DigestInit_ex(s.md5.get(), EVP_md5(), nullptr) == 1) &&
              (!cfg_.sha1 || EVP_DigestInit_ex(s.sha1.get(), EVP_sha1(), nullptr) == 1) &&
              (!cfg_.sha256 || EVP_DigestInit_ex(s.sha256.get(), EVP_sha256(), nullptr) == 1);
  s.name_len = uint32_t(std::min(name.size(), kMaxName));
  copy_bytes(s.name, name.data(), s.name_len);
  s.prefix_len = 0;
  std::memset(s.hist, 0, sizeof(s.hist));
  s.size = 0;
  s.tx_id = tx_id;
  s.dir = d;
  s.proto = proto;
  s.flow = &f;
  s.ff = &ff;
  s.prev = 0;
  s.next = ff.head;
  if (ff.head) slots_[ff.head - 1]->prev = i + 1;
  ff.head = i + 1;
  ++ff.open;
  ++open_;
  opened_.inc();
  open_max_.set_max(open_);
  return (uint32_t(s.gen) << kSlotBits) | (i + 1);
}

FileTracker::Slot* FileTracker::lookup(uint32_t id) noexcept {
  uint32_t i = id & kSlotMask;
  if (i == 0 || i > slots_.size()) return nullptr;
  Slot& s = *slots_[i - 1];
  if (!s.active || s.gen != uint16_t(id >> kSlotBits)) return nullptr;
  return &s;
}

void FileTracker::data(uint32_t id, Bytes b) noexcept {
  Slot* s = lookup(id);
  if (!s || b.empty()) return;
  if (s->hash_ok) {
    s->hash_ok = (!cfg_.md5 || EVP_DigestUpdate(s->md5.get(), b.data(), b.size()) == 1) &&
                 (!cfg_.sha1 || EVP_DigestUpdate(s->sha1.get(), b.data(), b.size()) == 1) &&
                 (!cfg_.sha256 || EVP_DigestUpdate(s->sha256.get(), b.data(), b.size()) == 1);
  }
  if (s->prefix_len < kPrefixBytes) {
    size_t n = std::min(b.size(), kPrefixBytes - s->prefix_len);
    copy_bytes(s->prefix + s->prefix_len, b.data(), n);
    s->prefix_len += uint32_t(n);
  }
  for (uint8_t c : b) ++s->hist[c];
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

void FileTracker::finish(Slot& s, uint32_t index, app::FileEnd end) noexcept {
  FileResult r;
  unsigned int len = 0;
  bool hashed = s.hash_ok &&
                (!cfg_.md5 || EVP_DigestFinal_ex(s.md5.get(), r.md5, &len) == 1) &&
                (!cfg_.sha1 || EVP_DigestFinal_ex(s.sha1.get(), r.sha1, &len) == 1) &&
                (!cfg_.sha256 || EVP_DigestFinal_ex(s.sha256.get(), r.sha256, &len) == 1);
  r.name = std::string_view(s.name, s.name_len);
  r.size = s.size;
  r.tx_id = s.tx_id;
  r.entropy = shannon_entropy(s.hist, s.size);
  r.truncated = end != app::FileEnd::Complete;
  r.gaps = end == app::FileEnd::Gap;
  r.direction = s.dir;
  r.proto = s.proto;
  r.dicom = s.prefix_len >= 132 && std::memcmp(s.prefix + 128, "DICM", 4) == 0;
  r.dicom_preamble_executable =
      r.dicom && (std::memcmp(s.prefix, "MZ", 2) == 0 || std::memcmp(s.prefix, "\x7f" "ELF", 4) == 0);
  if (magic_ && magic_->m && s.prefix_len > 0) {
    const char* m = magic_buffer(magic_->m, s.prefix, s.prefix_len);
    if (m)
      r.magic = m;
    else
      magic_errors_.inc();
  }

  if (observer_) observer_(r, observer_arg_);
  if (log_ && s.flow) {
    const flow::Flow& f = *s.flow;
    auto& j = eve_->begin(f.last, "fileinfo");
    output::write_flow_header(*eve_, f, in_iface_);
    eve_->kv("app_proto", app::proto_name(s.proto));
    j.Key("fileinfo");
    j.StartObject();
    eve_->kv("filename", r.name);
    if (!r.magic.empty()) eve_->kv("magic", r.magic);
    eve_->kv_bool("gaps", r.gaps);
    eve_->kv("state", std::string_view(r.truncated ? "TRUNCATED" : "CLOSED"));
    if (hashed) {
      char buf[64];
      if (cfg_.md5) {
        hex(r.md5, 16, buf);
        eve_->kv("md5", std::string_view(buf, 32));
      }
      if (cfg_.sha1) {
        hex(r.sha1, 20, buf);
        eve_->kv("sha1", std::string_view(buf, 40));
      }
      if (cfg_.sha256) {
        hex(r.sha256, 32, buf);
        eve_->kv("sha256", std::string_view(buf, 64));
      }
    }
    eve_->kv_bool("stored", false);
    eve_->kv("size", r.size);
    eve_->kv("tx_id", r.tx_id);
    j.Key("entropy");
    j.Double(std::round(r.entropy * 10000) / 10000);
    if (r.dicom_preamble_executable) eve_->kv_bool("dicom_preamble_executable", true);
    j.EndObject();
    eve_->end();
  }

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
