// defrag: IPv4 and IPv6 fragment reassembly with its own bounded pool.
//
// Invariants: memory held by pending fragments never exceeds DefragConfig::memcap; when a new
// fragment would exceed it, the oldest datagrams are evicted (defrag.memcap_evictions).
// Overlap policy: first fragment wins ("first" / BSD-right is Suricata's default is "bsd";
// see defrag.cpp for the policy wardwatch documents), overlaps counted in defrag.overlaps.
#pragma once

#include <cstdint>

#include "core/packet.h"
#include "core/stats.h"
#include "decode/decoder.h"

namespace ww::decode {

struct DefragConfig {
  size_t memcap = 32u << 20;          // bytes of fragment data held at once
  uint32_t max_datagrams = 65536;     // pending datagrams tracked at once
  int64_t timeout_usec = 60'000'000;  // a datagram not completed in this time is dropped
};

class Defragmenter {
 public:
  Defragmenter(Decoder& decoder, StatsBlock& stats, const DefragConfig& cfg = {});
  ~Defragmenter();
  Defragmenter(const Defragmenter&) = delete;
  Defragmenter& operator=(const Defragmenter&) = delete;

  // Takes one fragment (frag.is_fragment). When it completes a datagram, returns a Packet
  // decoded from the reassembled datagram (reassembled == true, linktype raw IP). Its bytes are
  // owned by the Defragmenter and stay valid until the next call to add() or expire().
  // Otherwise returns nullptr.
  const Packet* add(const Packet& frag) noexcept;
  // The decode events (Packet::decode_events bits: ipv4/ipv6 frag_overlap, frag_invalid_length,
  // frag_pkt_too_large) the last add() raised on its fragment; 0 when none.
  uint64_t events() const noexcept;
  // Drops datagrams older than the timeout (counted in defrag.timeouts).
  void expire(Timestamp now) noexcept;

  size_t memuse() const noexcept;

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace ww::decode
