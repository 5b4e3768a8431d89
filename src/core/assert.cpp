#include "core/assert.h"

#include <mutex>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

namespace ww::detail {
namespace {
std::atomic<uint64_t> g_bugs{0};
}

void report_bug(const char* file, int line, const char* cond) noexcept {
  g_bugs.fetch_add(1, std::memory_order_relaxed);
  // Logged once per site; the lock is only taken on the (never expected) bug path.
  static std::mutex mu;
  static std::set<std::pair<const char*, int>> seen;
  std::lock_guard lk(mu);
  try {
    if (seen.emplace(file, line).second) spdlog::error("internal bug at {}:{}: {}", file, line, cond);
  } catch (...) {
  }
}

void fatal(const char* file, int line, const char* msg) noexcept {
  try {
    spdlog::critical("fatal at {}:{}: {}", file, line, msg);
  } catch (...) {
  }
  std::abort();
}

uint64_t bug_count() noexcept { return g_bugs.load(std::memory_order_relaxed); }

}  // namespace ww::detail
