// Arena: the per-flow bump allocator later stages (app parsers, file trackers) keep state in.
//
// Invariants:
//  - Every byte an Arena holds is reserved first from a shared ArenaBudget (one per worker, so
//    no locks): the budget caps all arenas of a worker together (flow.arena.memcap_hit when a
//    reservation is refused); each Arena also has its own per-flow cap.
//  - Allocation never throws: it returns nullptr at a cap and the caller degrades (a parser
//    stops for that flow and raises an anomaly).
//  - Nothing is freed one object at a time: reset() (called when the flow ends) runs the
//    destructors registered by make<T>() in reverse order and frees every block at once.
//  - Memory is taken lazily: an Arena that is never used holds no block.
//  - Blocks of the series' sizes (1 KiB ... 16 KiB) freed by reset() go to the budget's block
//    cache (one per worker, at most kBlockCacheBytes) and are reused by the next flows of the
//    worker instead of being returned to malloc (a flow's malloc/free of fresh blocks was ~4%
//    of the parsers' CPU); cached blocks are not counted as reserved.
// Limits: one allocation cannot exceed the per-flow cap; blocks grow 1 KiB, 2 KiB ... 16 KiB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

#include "core/stats.h"

namespace ww::flow {

// Shared accounting for all arenas of one worker. Counters: flow.arena.memuse (bytes reserved),
// flow.arena.memcap_hit (reservations refused by the global cap), flow.arena.flowcap_hit
// (allocations refused by a per-flow cap), flow.arena.blocks_reused (blocks taken from the
// block cache) and flow.arena.blocks_allocated (blocks taken from malloc).
class ArenaBudget {
 public:
  // The most bytes of freed blocks a worker keeps for reuse.
  static constexpr size_t kBlockCacheBytes = 256 * 1024;

  ArenaBudget(StatsBlock& stats, size_t memcap);
  ~ArenaBudget();
  ArenaBudget(const ArenaBudget&) = delete;
  ArenaBudget& operator=(const ArenaBudget&) = delete;

  // Takes `n` bytes from the budget; false (and flow.arena.memcap_hit) when it would exceed it.
  bool reserve(size_t n) noexcept {
    if (n > memcap_ || used_ > memcap_ - n) {
      memcap_hit_.inc();
      return false;
    }
    used_ += n;
    memuse_.set(used_);
    return true;
  }
  void release(size_t n) noexcept {
    used_ = n > used_ ? 0 : used_ - n;
    memuse_.set(used_);
  }
  void flow_cap_hit() noexcept { flowcap_hit_.inc(); }
  size_t used() const noexcept { return used_; }
  size_t memcap() const noexcept { return memcap_; }
  // The worker's counters: per-worker caches of later stages register theirs here the first
  // time they run on this worker.
  StatsBlock& stats() const noexcept { return stats_; }

  // State that later stages keep per worker (caches), created on first use by the stage that
  // owns it and deleted with the budget, so it lives exactly as long as the worker's counters.
  // A stage names its state by a tag of its own (the address of an object it defines), so this
  // stage knows none of them. Single thread, like the rest of the budget.
  struct Extension {
    virtual ~Extension() = default;
  };
  static constexpr size_t kExtensionSlots = 4;
  // The slot of `tag` (empty until its stage fills it), or nullptr when kExtensionSlots other
  // tags hold every slot.
  std::unique_ptr<Extension>* extension(const void* tag) noexcept {
    for (ExtensionSlot& e : ext_) {
      if (!e.tag) e.tag = tag;
      if (e.tag == tag) return &e.state;
    }
    return nullptr;
  }

  // A block of exactly `size` bytes (malloc'd), from the cache or malloc; nullptr when malloc
  // fails. Only reserve()d bytes may be asked for.
  void* take_block(size_t size) noexcept;
  // Gives back a block of `size` bytes: cached when `size` is one of the series' sizes and the
  // cache has room, freed otherwise.
  void give_block(void* block, size_t size) noexcept;
  size_t cached_bytes() const noexcept { return cached_bytes_; }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  static constexpr int kClasses = 5;  // 1, 2, 4, 8, 16 KiB
  // The cache class of a block size, or -1.
  static int block_class(size_t size) noexcept;

  StatsBlock& stats_;
  size_t memcap_;
  size_t used_ = 0;
  Counter& memuse_;
  Counter& memcap_hit_;
  Counter& flowcap_hit_;
  Counter& blocks_reused_;
  Counter& blocks_allocated_;
  FreeBlock* free_[kClasses] = {};
  size_t cached_bytes_ = 0;
  struct ExtensionSlot {
    const void* tag = nullptr;
    std::unique_ptr<Extension> state;
  };
  ExtensionSlot ext_[kExtensionSlots];
};

class Arena {
 public:
  // An unbound arena refuses every allocation until bind().
  Arena() noexcept = default;
  Arena(ArenaBudget* budget, size_t flow_cap) noexcept : budget_(budget), flow_cap_(flow_cap) {}
  ~Arena() { reset(); }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  void bind(ArenaBudget* budget, size_t flow_cap) noexcept {
    reset();
    budget_ = budget;
    flow_cap_ = flow_cap;
  }

  // `n` bytes aligned to `align` (a power of two, at most alignof(max_align_t)); nullptr at a
  // cap. alloc(0) returns a valid non-null pointer.
  void* alloc(size_t n, size_t align = alignof(std::max_align_t)) noexcept;

  // Constructs a T in the arena. Its destructor (when not trivial) runs at reset().
  template <typename T, typename... Args>
  T* make(Args&&... args) noexcept {
    static_assert(std::is_nothrow_constructible_v<T, Args...>,
                  "arena objects are built on the packet path: constructors must be noexcept");
    static_assert(alignof(T) <= alignof(std::max_align_t));
    if constexpr (std::is_trivially_destructible_v<T>) {
      void* p = alloc(sizeof(T), alignof(T));
      return p ? new (p) T(std::forward<Args>(args)...) : nullptr;
    } else {
      auto* d = static_cast<Dtor*>(alloc(sizeof(Dtor), alignof(Dtor)));
      void* p = d ? alloc(sizeof(T), alignof(T)) : nullptr;
      if (!p) return nullptr;  // the Dtor slot is wasted until reset(): harmless
      T* obj = new (p) T(std::forward<Args>(args)...);
      d->fn = [](void* o) { static_cast<T*>(o)->~T(); };
      d->obj = obj;
      d->next = dtors_;
      dtors_ = d;
      return obj;
    }
  }

  // Uninitialised array of a trivially destructible type.
  template <typename T>
  T* alloc_array(size_t n) noexcept {
    static_assert(std::is_trivially_destructible_v<T>);
    if (n > SIZE_MAX / sizeof(T)) return nullptr;
    return static_cast<T*>(alloc(n * sizeof(T), alignof(T)));
  }

  // A copy of `b` that lives as long as the flow; empty span at a cap.
  std::span<uint8_t> copy(std::span<const uint8_t> b) noexcept {
    auto* p = static_cast<uint8_t*>(alloc(b.size(), 1));
    if (!p) return {};
    if (!b.empty()) std::memcpy(p, b.data(), b.size());
    return {p, b.size()};
  }

  // Runs registered destructors (newest first) and frees every block back to the budget.
  void reset() noexcept;

  size_t reserved() const noexcept { return reserved_; }  // bytes taken from the budget
  size_t flow_cap() const noexcept { return flow_cap_; }
  bool bound() const noexcept { return budget_ != nullptr; }
  ArenaBudget* budget() const noexcept { return budget_; }  // nullptr when unbound

 private:
  struct Block {
    Block* next;
    size_t size;  // usable bytes after the header
    size_t used;
  };
  struct Dtor {
    Dtor* next;
    void (*fn)(void*);
    void* obj;
  };
  static constexpr size_t kFirstBlock = 1024, kMaxBlock = 16 * 1024;

  void* alloc_slow(size_t n, size_t align) noexcept;

  ArenaBudget* budget_ = nullptr;
  size_t flow_cap_ = 0;
  size_t reserved_ = 0;
  size_t next_block_ = kFirstBlock;
  Block* head_ = nullptr;  // current block first
  Dtor* dtors_ = nullptr;
};

}  // namespace ww::flow
