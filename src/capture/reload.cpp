#include "capture/reload.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace ww::capture {

ReloadHub::ReloadHub(StatsBlock& stats)
    : reloads_(stats.counter("detect.reloads")),
      failures_(stats.counter("detect.reload_failures")) {}

ReloadHub::~ReloadHub() { wait(); }

void ReloadHub::set_builder(Builder b) {
  std::lock_guard lk(mu_);
  builder_ = std::move(b);
}

bool ReloadHub::reloadable() const {
  std::lock_guard lk(mu_);
  return bool(builder_);
}

bool ReloadHub::request() {
  if (!reloadable()) return false;
  if (busy_.exchange(true)) return false;  // one build at a time; this request is folded in
  std::lock_guard lk(mu_);
  if (th_.joinable()) th_.join();  // the previous build has finished (busy_ was false)
  th_ = std::thread([this] { build(); });
  return true;
}

void ReloadHub::wait() {
  std::thread t;
  {
    std::lock_guard lk(mu_);
    t = std::move(th_);
  }
  if (t.joinable()) t.join();
}

void ReloadHub::build() {
  Builder b;
  {
    std::lock_guard lk(mu_);
    b = builder_;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto c = b();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (c) {
    publish(std::move(*c));
    reloads_.inc();
    spdlog::info("reload: new detection content in use ({}), built in {:.2f} s",
                 current()->summary, secs);
  } else {
    failures_.inc();
    spdlog::error("reload failed, keeping the previous rules: {}", c.error().str());
  }
  busy_.store(false);
}

void ReloadHub::publish(std::shared_ptr<const DetectionContent> c) {
  {
    std::lock_guard lk(mu_);
    cur_ = std::move(c);
  }
  gen_.fetch_add(1, std::memory_order_acq_rel);
}

std::shared_ptr<const DetectionContent> ReloadHub::current() const {
  std::lock_guard lk(mu_);
  return cur_;
}

}  // namespace ww::capture
