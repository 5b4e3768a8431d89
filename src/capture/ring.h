// SpscRing: a single-producer single-consumer byte ring carrying variable-size entries
// (a Packet header plus its bytes) from the dispatcher to one worker.
//
// Lock-free: the producer owns `head`, the consumer owns `tail`; each publishes its index with
// release semantics in batches (every kPublishEvery entries, and whenever it is about to
// wait), so the shared cache lines move once per batch, not once per packet.
// Entries are 64-byte aligned; an entry that does not fit before the end of the buffer is
// preceded by a wrap marker and written at the start.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace ww::capture {

class SpscRing {
 public:
  static constexpr size_t kAlign = 64;
  static constexpr uint32_t kWrap = 0xFFFFFFFFu;
  static constexpr int kPublishEvery = 32;

  // Every entry starts with this; `len` is the entry's aligned size in bytes.
  struct EntryHeader {
    uint32_t len;
    uint32_t kind;
  };

  explicit SpscRing(size_t capacity_bytes)
      : cap_(round_up(capacity_bytes < 4096 ? 4096 : capacity_bytes)),
        buf_(static_cast<uint8_t*>(::operator new[](cap_, std::align_val_t(kAlign)))) {}
  ~SpscRing() { ::operator delete[](buf_, std::align_val_t(kAlign)); }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  static constexpr size_t round_up(size_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }
  size_t capacity() const { return cap_; }
  // Largest entry that can ever be written.
  size_t max_entry() const { return cap_ / 2; }

  // ---- producer ----
  // Returns space for an entry of `n` bytes (header included), or nullptr if the ring is full
  // right now. n must be <= max_entry().
  uint8_t* reserve(size_t n) noexcept {
    n = round_up(n);
    size_t pos = wpos_ % cap_;
    size_t need = n + (pos + n > cap_ ? cap_ - pos : 0);
    if (wpos_ + need - cached_tail_ > cap_) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (wpos_ + need - cached_tail_ > cap_) return nullptr;
    }
    if (pos + n > cap_) {
      auto* h = reinterpret_cast<EntryHeader*>(buf_ + pos);
      h->len = static_cast<uint32_t>(cap_ - pos);
      h->kind = kWrap;
      wpos_ += cap_ - pos;
      pos = 0;
    }
    pending_len_ = n;
    return buf_ + pos;
  }
  void commit() noexcept {
    auto* h = reinterpret_cast<EntryHeader*>(buf_ + wpos_ % cap_);
    h->len = static_cast<uint32_t>(pending_len_);
    wpos_ += pending_len_;
    if (++unpublished_ >= kPublishEvery) publish();
  }
  // Bytes written so far (producer side) and bytes the consumer has released: an entry
  // written before written() == W is fully processed once consumed() >= W.
  size_t written() const noexcept { return wpos_; }
  size_t consumed() const noexcept { return tail_.load(std::memory_order_acquire); }
  void publish() noexcept {
    unpublished_ = 0;
    head_.store(wpos_, std::memory_order_release);
  }

  // ---- consumer ----
  // The next entry, or nullptr when the ring is empty (as far as published).
  const EntryHeader* peek() noexcept {
    for (;;) {
      if (rpos_ == cached_head_) {
        cached_head_ = head_.load(std::memory_order_acquire);
        if (rpos_ == cached_head_) return nullptr;
      }
      auto* h = reinterpret_cast<const EntryHeader*>(buf_ + rpos_ % cap_);
      if (h->kind == kWrap) {
        rpos_ += h->len;
        continue;
      }
      return h;
    }
  }
  void pop(const EntryHeader* h) noexcept {
    rpos_ += h->len;
    if (++unreleased_ >= kPublishEvery) release();
  }
  void release() noexcept {
    unreleased_ = 0;
    tail_.store(rpos_, std::memory_order_release);
  }

 private:
  const size_t cap_;
  uint8_t* const buf_;
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
  // producer-local
  alignas(64) size_t wpos_ = 0;
  size_t cached_tail_ = 0;
  size_t pending_len_ = 0;
  int unpublished_ = 0;
  // consumer-local
  alignas(64) size_t rpos_ = 0;
  size_t cached_head_ = 0;
  int unreleased_ = 0;
};

}  // namespace ww::capture
