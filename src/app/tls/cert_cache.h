// app/tls: a per-worker cache of parsed leaf certificates.
//
// The same server certificates come back on every connection to a server, and decoding one
// with OpenSSL (d2i_X509, which also decodes the public key) was ~9% of the instructions of the
// parsers on the simulator's hospital capture. The cache maps a certificate's DER bytes to the
// CertInfo the parser extracted from them, so a repeated certificate is parsed once per worker.
//
// Invariants:
//  - Exact: an entry is found only when its DER is byte-for-byte the one looked up (a 64-bit
//    hash picks the candidate, memcmp confirms it), so a hit gives the same fields as parsing.
//  - Only certificates that parsed are stored: a bad one is parsed (and its anomaly raised)
//    every time.
//  - Bounded: kEntries entries of at most kMaxDer DER bytes each, allocated once per worker at
//    its first certificate; a larger certificate is not cached (counted as a miss). When full,
//    the least recently used entry is replaced.
//  - One cache per worker, held by the worker's arena budget (ArenaBudget::extension, under a
//    tag of this file's), so it lives as long as the worker and its counters; the worker's
//    parsers all run on its thread: no locks.
// Counters (in the worker's StatsBlock): tls.cert_cache.hit, tls.cert_cache.miss,
// tls.cert_cache.evicted.
#pragma once

#include <cstddef>
#include <cstdint>

#include "app/tls/parser.h"
#include "core/byte_reader.h"
#include "core/stats.h"
#include "flow/arena.h"

namespace ww::app::tls {

class CertCache final : public flow::ArenaBudget::Extension {
 public:
  static constexpr size_t kEntries = 64;
  static constexpr size_t kMaxDer = 4096;

  // Registers the counters in `stats` (start-up of the cache: the worker's first certificate).
  explicit CertCache(StatsBlock& stats);
  ~CertCache() override;
  CertCache(const CertCache&) = delete;
  CertCache& operator=(const CertCache&) = delete;

  // The worker's cache, created on first use; nullptr when it cannot be allocated.
  static CertCache* of(flow::ArenaBudget& budget) noexcept;

  // The fields parsed from exactly these DER bytes, or nullptr (a miss is counted).
  const CertInfo* find(Bytes der) noexcept;
  // Remembers the fields parsed from `der` (no-op when der is over kMaxDer or the cache could
  // not get its memory).
  void put(Bytes der, const CertInfo& info) noexcept;

  uint64_t evictions() const noexcept { return evicted_.get(); }

 private:
  struct Entry {
    uint64_t hash = 0;
    uint64_t last_use = 0;  // 0: empty
    uint32_t der_len = 0;
    uint8_t der[kMaxDer];
    CertInfo info;
  };
  Entry* entries_ = nullptr;  // kEntries, allocated at the first put()
  uint64_t clock_ = 0;
  Counter& hit_;
  Counter& miss_;
  Counter& evicted_;
};

}  // namespace ww::app::tls
