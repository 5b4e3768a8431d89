// Verification of a rule's buffer matches (content, pcre, byte_*, isdataat, bsize,
// base64_decode/base64_data) against the bytes of each buffer, with Suricata's semantics:
// distance/within and relative keywords are measured from the end of the previous match in the
// same buffer, and a content chain backtracks to the next occurrence of an earlier content when
// a later relative item fails (bounded by a recursion budget, like Suricata's).
//
// Header, flow, flowbits and app checks are not evaluated here; the packet/transaction
// matcher does that before calling match_buffers().
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <span>
#include <string>

#include "core/byte_reader.h"
#include "detect/rule.h"

namespace ww::detect {

// The inspected buffers of one packet or transaction, by BufferId. Borrowed bytes.
class InspectBuffers {
 public:
  void set(BufferId id, Bytes b) noexcept {
    bufs_[size_t(id)] = b;
    present_.set(size_t(id));
  }
  void reset(BufferId id) noexcept { present_.reset(size_t(id)); }
  const Bytes* get(BufferId id) const noexcept {
    return present_.test(size_t(id)) ? &bufs_[size_t(id)] : nullptr;
  }
  // Multi-buffers (Suricata's: tls.certs, tls.subjectaltname, tls.alpn, ftp.reply ...): one
  // more instance of `id` (the first is what get() returns); a rule's list on the buffer
  // matches when one instance does. Up to kMaxExtra extra instances per set (more are not
  // inspected).
  static constexpr size_t kMaxExtra = 64;
  // The same bytes (address and size) twice are one instance.
  void add(BufferId id, Bytes b) noexcept {
    if (!present_.test(size_t(id))) return set(id, b);
    if (same(bufs_[size_t(id)], b)) return;
    for (size_t i = 0; i < n_extra_; ++i)
      if (extra_[i].id == id && same(extra_[i].b, b)) return;
    if (n_extra_ < kMaxExtra) extra_[n_extra_++] = {id, b};
  }
  // The instance of `id` after `cur` (an instance of it in this set, compared by address and
  // size); nullptr after the last or when `cur` is not one.
  const Bytes* next(BufferId id, Bytes cur) const noexcept {
    if (!present_.test(size_t(id))) return nullptr;
    size_t i = 0;
    if (!same(bufs_[size_t(id)], cur)) {
      while (i < n_extra_ && !(extra_[i].id == id && same(extra_[i].b, cur))) ++i;
      if (i == n_extra_) return nullptr;
      ++i;
    }
    for (; i < n_extra_; ++i)
      if (extra_[i].id == id) return &extra_[i].b;
    return nullptr;
  }

 private:
  static bool same(Bytes a, Bytes b) noexcept {
    return a.data() == b.data() && a.size() == b.size();
  }
  struct Extra {
    BufferId id;
    Bytes b;
  };
  std::array<Bytes, kBufferCount> bufs_{};
  std::bitset<kBufferCount> present_;
  std::array<Extra, kMaxExtra> extra_;  // the first n_extra_ are set
  size_t n_extra_ = 0;
};

// Per-thread working memory of the matcher: one PCRE2 match data block (reused by every pcre)
// and the strings transforms and base64_decode write into. Strings keep their capacity, so
// after the first packets of a run matching allocates nothing.
class MatchScratch {
 public:
  MatchScratch() noexcept;
  ~MatchScratch();
  MatchScratch(const MatchScratch&) = delete;
  MatchScratch& operator=(const MatchScratch&) = delete;

  void* pcre_match_data() const noexcept { return md_; }  // pcre2_match_data*, may be null
  std::string base64, transformed, tmp;
  // Pcre captures of the last match_buffers that matched (Pcre::captures): the values point
  // into the inspected buffers, valid while they are.
  struct Captured {
    const Pcre::Capture* var = nullptr;
    Bytes value;
  };
  static constexpr size_t kMaxCaptures = 16;
  std::array<Captured, kMaxCaptures> captures;
  size_t n_captures = 0;

 private:
  void* md_ = nullptr;
};

// True when every buffer list of `rule` matches its buffer. A list whose buffer is absent does
// not match. Packet path: no allocation beyond the scratch strings' growth.
// `to_client`: a transactional rule (=>) on both directions of a transaction, `buffers` then
// being the to_server ones: a list takes its direction's buffer (Default: to_server, else
// to_client).
bool match_buffers(const Rule& rule, const InspectBuffers& buffers, MatchScratch& scratch,
                   const InspectBuffers* to_client = nullptr) noexcept;
// Same with a temporary scratch (tests, tools).
bool match_buffers(const Rule& rule, const InspectBuffers& buffers);

// One list against one buffer (tests). `vars` holds byte_extract/byte_math values.
bool match_list(const BufferList& list, Bytes data, std::span<int64_t> vars);

}  // namespace ww::detect
