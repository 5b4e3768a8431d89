#include "app/redact.h"

#include <atomic>

namespace ww::app {

namespace {
std::atomic<bool> g_redact{true};
}

bool redact_phi() noexcept { return g_redact.load(std::memory_order_relaxed); }
void set_redact_phi(bool on) noexcept { g_redact.store(on, std::memory_order_relaxed); }

}  // namespace ww::app
