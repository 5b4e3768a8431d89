// Expected connections (see expect.h).
#include "app/expect.h"

#include <algorithm>
#include <cstring>
#include <thread>

namespace ww::app {

std::string_view Expectation::command_view() const noexcept {
  return {command, strnlen(command, sizeof command)};
}

void Expectation::set(std::string_view cmd, std::string_view file) noexcept {
  std::memset(command, 0, sizeof command);
  std::memcpy(command, cmd.data(), std::min(cmd.size(), sizeof command - 1));
  name_len = uint16_t(std::min(file.size(), sizeof name));
  if (name_len) std::memcpy(name, file.data(), name_len);
}

void ExpectationTable::lock() noexcept {
  // Held for a scan of kExpectCap entries at most.
  while (lock_.test_and_set(std::memory_order_acquire)) std::this_thread::yield();
}

ExpectationTable::Add ExpectationTable::add(const Expectation& e) noexcept {
  lock();
  size_t free_at = kExpectCap, victim = 0;
  Add result = Add::Added;
  for (size_t i = 0; i < kExpectCap; ++i) {
    if (!used_[i]) {
      if (free_at == kExpectCap) free_at = i;
      continue;
    }
    const Expectation& x = slots_[i];
    if (x.port == e.port && x.server == e.server && x.client == e.client) {
      free_at = i;
      result = Add::Replaced;
      break;
    }
    if (x.expires_us < slots_[victim].expires_us || !used_[victim]) victim = i;
  }
  if (free_at == kExpectCap) {
    free_at = victim;
    result = Add::Evicted;
  }
  slots_[free_at] = e;
  if (!used_[free_at]) {
    used_[free_at] = true;
    live_.fetch_add(1, std::memory_order_release);
  }
  unlock();
  return result;
}

bool ExpectationTable::take(const IpAddr& client, const IpAddr& server, uint16_t port,
                            int64_t now_us, Expectation& out, uint32_t& expired) noexcept {
  if (empty()) return false;
  bool found = false;
  lock();
  for (size_t i = 0; i < kExpectCap; ++i) {
    if (!used_[i]) continue;
    Expectation& x = slots_[i];
    bool stale = x.expires_us < now_us;
    bool match = !stale && x.port == port && x.server == server && x.client == client;
    if (!stale && !match) continue;
    used_[i] = false;
    live_.fetch_sub(1, std::memory_order_release);
    if (stale) {
      ++expired;
      continue;
    }
    out = x;
    found = true;
    break;
  }
  unlock();
  return found;
}

void ExpectationTable::clear() noexcept {
  lock();
  for (size_t i = 0; i < kExpectCap; ++i) used_[i] = false;
  live_.store(0, std::memory_order_release);
  unlock();
}

ExpectationTable& ExpectationTable::global() noexcept {
  static ExpectationTable t;
  return t;
}

}  // namespace ww::app
