// Per-worker cache of parsed certificates (see cert_cache.h for the invariants).
#include "app/tls/cert_cache.h"

#include <cstring>
#include <functional>
#include <new>
#include <string_view>

#include "core/stats.h"

namespace ww::app::tls {

namespace {
uint64_t der_hash(Bytes der) noexcept {
  return std::hash<std::string_view>{}(
      std::string_view(reinterpret_cast<const char*>(der.data()), der.size()));
}
}  // namespace

CertCache::CertCache(StatsBlock& stats)
    : hit_(stats.counter("tls.cert_cache.hit")),
      miss_(stats.counter("tls.cert_cache.miss")),
      evicted_(stats.counter("tls.cert_cache.evicted")) {}

CertCache::~CertCache() { delete[] entries_; }

CertCache* CertCache::of(flow::ArenaBudget& budget) noexcept {
  static const char kTag = 0;  // names the cache among the budget's per-worker state
  auto* state = budget.extension(&kTag);
  if (!state) return nullptr;
  auto& slot = *state;
  if (!slot) {
    // Once per worker. StatsBlock::counter may allocate (and throw on exhaustion, as at any
    // start-up): the cache is then simply not used.
    try {
      slot = std::make_unique<CertCache>(budget.stats());
    } catch (...) {
      return nullptr;
    }
  }
  return static_cast<CertCache*>(slot.get());
}

const CertInfo* CertCache::find(Bytes der) noexcept {
  if (entries_ && der.size() <= kMaxDer) {
    uint64_t h = der_hash(der);
    for (size_t i = 0; i < kEntries; ++i) {
      Entry& e = entries_[i];
      if (e.last_use && e.hash == h && e.der_len == der.size() &&
          std::memcmp(e.der, der.data(), der.size()) == 0) {
        e.last_use = ++clock_;
        hit_.inc();
        return &e.info;
      }
    }
  }
  miss_.inc();
  return nullptr;
}

void CertCache::put(Bytes der, const CertInfo& info) noexcept {
  if (der.size() > kMaxDer) return;
  if (!entries_) {
    entries_ = new (std::nothrow) Entry[kEntries];  // once per worker
    if (!entries_) return;
  }
  Entry* victim = &entries_[0];
  for (size_t i = 0; i < kEntries; ++i) {
    if (entries_[i].last_use < victim->last_use) victim = &entries_[i];
    if (!victim->last_use) break;  // an empty entry
  }
  if (victim->last_use) evicted_.inc();
  victim->hash = der_hash(der);
  victim->last_use = ++clock_;
  victim->der_len = uint32_t(der.size());
  if (!der.empty()) std::memcpy(victim->der, der.data(), der.size());
  victim->info = info;
}

}  // namespace ww::app::tls
