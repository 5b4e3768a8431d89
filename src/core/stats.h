// Counters: every drop, eviction, malformed packet and memcap hit is counted by name.
//
// Each thread owns a StatsBlock; modules ask it for their counters once, at construction
// (this may allocate), then bump them on the packet path with a relaxed store (single writer,
// no lock, no atomic read-modify-write). The stats thread reads all blocks and sums by name.
// Names are dotted ("decoder.ipv4.bad_checksum"); the EVE stats event nests on the dots.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ww {

class Counter {
 public:
  // Single writer: the owning thread. Readers may run concurrently.
  void inc(uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void dec(uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
  }
  void set(uint64_t n) noexcept { v_.store(n, std::memory_order_relaxed); }
  // For gauges that should report their high-water mark.
  void set_max(uint64_t n) noexcept {
    if (n > v_.load(std::memory_order_relaxed)) v_.store(n, std::memory_order_relaxed);
  }
  uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

enum class CounterKind : uint8_t {
  Sum,  // totals: summed across threads
  Max,  // high-water marks: max across threads
};

// The counters of one thread.
class StatsBlock {
 public:
  explicit StatsBlock(std::string owner = {}) : owner_(std::move(owner)) {}
  StatsBlock(const StatsBlock&) = delete;
  StatsBlock& operator=(const StatsBlock&) = delete;

  // Returns the counter with this name, creating it at zero. Start-up only.
  Counter& counter(std::string_view name, CounterKind kind = CounterKind::Sum);
  void for_each(const std::function<void(const std::string&, CounterKind, uint64_t)>& fn) const;
  uint64_t value(std::string_view name) const;  // 0 when absent (tests, summaries)
  const std::string& owner() const { return owner_; }

 private:
  std::string owner_;
  mutable std::mutex mu_;  // guards the index, not the counter values
  std::deque<Counter> counters_;
  std::vector<std::pair<std::string, CounterKind>> names_;
  std::map<std::string, size_t, std::less<>> index_;
};

// All blocks of the process, summed by name on demand.
class StatsRegistry {
 public:
  StatsBlock& add_block(std::string owner);
  std::map<std::string, uint64_t> snapshot() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<StatsBlock>> blocks_;
};

}  // namespace ww
