// Invariant checks. Never use these on packet contents: malformed traffic is data.
//   WW_ASSERT(cond)  debug builds only.
//   WW_BUG(cond)     release too: counted in the "bug" counter and logged once per site.
//   WW_FATAL(msg)    start-up and out-of-memory only: logs and exits.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdlib>

namespace ww::detail {
void report_bug(const char* file, int line, const char* cond) noexcept;
[[noreturn]] void fatal(const char* file, int line, const char* msg) noexcept;
uint64_t bug_count() noexcept;
}  // namespace ww::detail

#define WW_ASSERT(cond) assert(cond)
#define WW_BUG(cond)                                                              \
  do {                                                                            \
    if (__builtin_expect(!(cond), 0)) ::ww::detail::report_bug(__FILE__, __LINE__, #cond); \
  } while (0)
#define WW_FATAL(msg) ::ww::detail::fatal(__FILE__, __LINE__, msg)
