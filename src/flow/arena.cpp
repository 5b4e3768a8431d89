// Per-flow bump allocator; see arena.h for the invariants.
#include "flow/arena.h"

#include <cstdlib>

namespace ww::flow {

ArenaBudget::ArenaBudget(StatsBlock& stats, size_t memcap)
    : stats_(stats),
      memcap_(memcap),
      memuse_(stats.counter("flow.arena.memuse")),
      memcap_hit_(stats.counter("flow.arena.memcap_hit")),
      flowcap_hit_(stats.counter("flow.arena.flowcap_hit")),
      blocks_reused_(stats.counter("flow.arena.blocks_reused")),
      blocks_allocated_(stats.counter("flow.arena.blocks_allocated")) {}

ArenaBudget::~ArenaBudget() {
  for (FreeBlock*& head : free_) {
    while (head) {
      FreeBlock* next = head->next;
      std::free(head);
      head = next;
    }
  }
}

int ArenaBudget::block_class(size_t size) noexcept {
  switch (size) {
    case 1024:
      return 0;
    case 2048:
      return 1;
    case 4096:
      return 2;
    case 8192:
      return 3;
    case 16384:
      return 4;
    default:
      return -1;
  }
}

void* ArenaBudget::take_block(size_t size) noexcept {
  int c = block_class(size);
  if (c >= 0 && free_[c]) {
    FreeBlock* b = free_[c];
    free_[c] = b->next;
    cached_bytes_ -= size;
    blocks_reused_.inc();
    return b;
  }
  blocks_allocated_.inc();
  return std::malloc(size);
}

void ArenaBudget::give_block(void* block, size_t size) noexcept {
  int c = block_class(size);
  if (c < 0 || size > kBlockCacheBytes - cached_bytes_) {
    std::free(block);
    return;
  }
  auto* b = static_cast<FreeBlock*>(block);
  b->next = free_[c];
  free_[c] = b;
  cached_bytes_ += size;
}

namespace {
inline uintptr_t align_up(uintptr_t v, size_t a) { return (v + a - 1) & ~uintptr_t(a - 1); }
}  // namespace

void* Arena::alloc(size_t n, size_t align) noexcept {
  if (head_) {
    auto* base = reinterpret_cast<uint8_t*>(head_ + 1);
    uintptr_t p = align_up(reinterpret_cast<uintptr_t>(base + head_->used), align);
    size_t off = p - reinterpret_cast<uintptr_t>(base);
    if (off <= head_->size && head_->size - off >= n) {
      head_->used = off + n;
      return reinterpret_cast<void*>(p);
    }
  }
  return alloc_slow(n, align);
}

void* Arena::alloc_slow(size_t n, size_t align) noexcept {
  if (!budget_) return nullptr;
  // Header plus worst-case padding: Block is 24 bytes, so the payload may need re-aligning.
  size_t need = n + align + sizeof(Block);
  if (need < n) return nullptr;  // overflow
  size_t room = reserved_ < flow_cap_ ? flow_cap_ - reserved_ : 0;
  if (need > room) {
    budget_->flow_cap_hit();
    return nullptr;
  }
  size_t size = next_block_ > need ? next_block_ : need;
  if (size > room) size = room;  // the last block of a flow may be smaller than the series
  if (!budget_->reserve(size)) return nullptr;
  auto* b = static_cast<Block*>(budget_->take_block(size));
  if (!b) {
    budget_->release(size);
    return nullptr;
  }
  b->next = head_;
  b->size = size - sizeof(Block);
  b->used = 0;
  reserved_ += size;
  // A block sized for one big request does not become the current block if the previous one
  // still has more room: keep bumping in the roomier block.
  if (head_ && size == need && head_->size - head_->used > b->size) {
    b->next = head_->next;
    head_->next = b;
    auto* base = reinterpret_cast<uint8_t*>(b + 1);
    uintptr_t p = align_up(reinterpret_cast<uintptr_t>(base), align);
    b->used = b->size;  // dedicated block: full
    return reinterpret_cast<void*>(p);
  }
  head_ = b;
  if (next_block_ < kMaxBlock) next_block_ *= 2;
  auto* base = reinterpret_cast<uint8_t*>(b + 1);
  uintptr_t p = align_up(reinterpret_cast<uintptr_t>(base), align);
  b->used = (p - reinterpret_cast<uintptr_t>(base)) + n;
  return reinterpret_cast<void*>(p);
}

void Arena::reset() noexcept {
  for (Dtor* d = dtors_; d; d = d->next) d->fn(d->obj);
  dtors_ = nullptr;
  while (head_) {
    Block* next = head_->next;
    // An unbound arena holds no block: blocks exist only while budget_ is set.
    budget_->give_block(head_, head_->size + sizeof(Block));
    head_ = next;
  }
  if (budget_ && reserved_) budget_->release(reserved_);
  reserved_ = 0;
  next_block_ = kFirstBlock;
}

}  // namespace ww::flow
