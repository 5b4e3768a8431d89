#include "core/stats.h"

#include <algorithm>

namespace ww {

Counter& StatsBlock::counter(std::string_view name, CounterKind kind) {
  std::lock_guard lk(mu_);
  auto it = index_.find(name);
  if (it != index_.end()) return counters_[it->second];
  counters_.emplace_back();
  names_.emplace_back(std::string(name), kind);
  index_.emplace(std::string(name), counters_.size() - 1);
  return counters_.back();
}

void StatsBlock::for_each(
    const std::function<void(const std::string&, CounterKind, uint64_t)>& fn) const {
  std::lock_guard lk(mu_);
  for (size_t i = 0; i < names_.size(); ++i) fn(names_[i].first, names_[i].second, counters_[i].get());
}

uint64_t StatsBlock::value(std::string_view name) const {
  std::lock_guard lk(mu_);
  auto it = index_.find(name);
  return it == index_.end() ? 0 : counters_[it->second].get();
}

StatsBlock& StatsRegistry::add_block(std::string owner) {
  std::lock_guard lk(mu_);
  blocks_.push_back(std::make_unique<StatsBlock>(std::move(owner)));
  return *blocks_.back();
}

std::map<std::string, uint64_t> StatsRegistry::snapshot() const {
  std::lock_guard lk(mu_);
  std::map<std::string, uint64_t> out;
  for (const auto& b : blocks_) {
    b->for_each([&](const std::string& name, CounterKind kind, uint64_t v) {
      auto& slot = out[name];
      slot = kind == CounterKind::Max ? std::max(slot, v) : slot + v;
    });
  }
  return out;
}

}  // namespace ww
