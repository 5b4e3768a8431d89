// Prefilter: one Vectorscan (Hyperscan API) literal database per buffer.
//
// Each loaded rule contributes one fast pattern: its content marked fast_pattern, else its
// longest (then most varied) non-negated content, as Suricata chooses. Identical patterns are
// compiled once and fan out to every rule that chose them. Rules without a usable content are
// listed per buffer in always(): they are candidates whenever that buffer is inspected.
// Databases are split by direction: a rule with flow:to_server is only in the to-server
// database of its buffer, flow:to_client only in the to-client one, any other rule in both, so
// one scan per buffer and direction finds every candidate.
//
// A Prefilter is immutable and shared by all workers; each worker owns a Scratch. scan() runs
// on the packet path: no allocation, no exceptions.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/types.h"
#include "detect/buffers.h"
#include "detect/rule.h"

struct hs_database;
struct hs_scratch;

namespace ww::detect {

struct FastPattern {
  BufferId buffer = BufferId::Payload;
  std::string bytes;  // the literal given to Vectorscan (after fast_pattern chop)
  bool nocase = false;
  bool only = false;  // fast_pattern:only: the match needs no re-verification
  int list = -1;      // index in Rule::buffers / BufferList::items of the content
  int item = -1;
};

// Picks the rule's fast pattern; nullopt when it has no usable content.
std::optional<FastPattern> choose_fast_pattern(const Rule& r);

class Prefilter {
 public:
  class Scratch {
   public:
    Scratch() = default;
    Scratch(Scratch&&) noexcept;
    Scratch& operator=(Scratch&&) noexcept;
    ~Scratch();

   private:
    friend class Prefilter;
    hs_scratch* s_ = nullptr;
  };

  // Called once per candidate rule (index into the rule vector the prefilter was built from).
  using Callback = void (*)(uint32_t rule, void* ctx);

  static Result<std::shared_ptr<const Prefilter>> build(const std::vector<Rule>& rules);
  ~Prefilter();

  // Per-thread scratch, valid for every database of this prefilter.
  Result<Scratch> make_scratch() const;

  // Reports each rule whose fast pattern occurs in `data` once. False on a Vectorscan error.
  bool scan(BufferId buffer, Direction dir, std::span<const uint8_t> data, Scratch& scratch,
            Callback cb, void* ctx) const noexcept;
  template <typename F>
  bool scan(BufferId buffer, Direction dir, std::span<const uint8_t> data, Scratch& scratch,
            F&& f) const {
    return scan(
        buffer, dir, data, scratch, [](uint32_t r, void* c) { (*static_cast<F*>(c))(r); }, &f);
  }

  // Rules without a fast pattern whose first list (or packet checks) use this buffer.
  std::span<const uint32_t> always(BufferId buffer, Direction dir) const noexcept;
  const FastPattern* fast_pattern(uint32_t rule) const noexcept;

  size_t pattern_count(BufferId buffer, Direction dir) const noexcept;  // distinct literals
  size_t database_bytes() const noexcept;  // total Vectorscan database size
  double compile_seconds() const noexcept { return compile_seconds_; }

 private:
  Prefilter() = default;
  struct Db {
    hs_database* db = nullptr;
    std::vector<uint32_t> first;  // pattern id -> offset into rules
    std::vector<uint32_t> rules;  // rule indexes, grouped by pattern id
    std::vector<uint32_t> always;
  };
  static size_t slot(BufferId b, Direction d) { return size_t(b) * 2 + size_t(idx(d)); }
  std::vector<Db> dbs_;                         // by slot(BufferId, Direction)
  std::vector<std::optional<FastPattern>> fp_;  // by rule
  double compile_seconds_ = 0;
};

}  // namespace ww::detect
