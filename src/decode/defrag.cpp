// defrag: IPv4 (RFC 791) and IPv6 (RFC 8200 section 4.5) fragment reassembly.
//
// Policy: FIRST-RECEIVED DATA WINS. When a fragment overlaps bytes already held, only the bytes
// not yet held are copied; the old bytes are kept (Suricata's "first" policy, what Windows and
// Solaris do). Every fragment that overlaps anything is counted in defrag.overlaps and
// decoder.event.ipv{4,6}.frag_overlap, exact duplicates included. A fragment that contradicts
// the datagram's end (a second last fragment with another end, data past the end) is dropped
// and counted as an overlap too. Detection sees one reassembled datagram; an attacker relying on
// "last wins" targets gets an overlap anomaly instead of an evasion.
//
// Datagram key: (src, dst, id, IP version, protocol for IPv4, both VLAN ids). The header of the
// reassembled datagram comes from the offset-0 fragment (IPv4 header incl. options; IPv6
// unfragmentable part), the fragment header is removed and lengths, MF/offset and the IPv4
// checksum are rewritten.
//
// Rejected (dropped, counted, the datagram is kept for its other fragments): fragments that
// would make the datagram larger than 65535 bytes (decoder.event.ipv{4,6}.frag_pkt_too_large),
// non-last fragments whose length is not a multiple of 8 (decoder.event.ipv{4,6}.
// frag_invalid_length), empty fragments, IPv6 unfragmentable parts over 512 bytes
// (defrag.header_too_large).
//
// Memory: data lives in 1 KiB blocks (a datagram maps image offset / 1 KiB to a block), from
// slabs of 64 blocks allocated on first need and never freed, so memory never exceeds
// DefragConfig::memcap (blocks + datagram records) and steady state allocates nothing. When a
// fragment would go over the memcap, or a new datagram over max_datagrams, the oldest datagrams
// (by first fragment time) are dropped first (defrag.memcap_evictions, defrag.max_frag_hits).
// A datagram with more than 32 disjoint holes is dropped (defrag.too_many_holes). Datagrams are
// dropped once older than timeout_usec (defrag.timeouts), checked on every add() and expire().
#include "decode/defrag.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <random>
#include <vector>

#include "decode/checksum.h"
#include "decode/events.h"

namespace ww::decode {

namespace {

constexpr uint32_t kNil = 0xffffffffu;
constexpr uint32_t kBlock = 1024;
constexpr uint32_t kHdrArea = 512;  // image [0, 512): header; data at 512 + fragment offset
constexpr uint32_t kMaxDatagram = 65535;
constexpr uint32_t kMaxLink = 64;  // link header kept in front of a reassembled datagram
constexpr uint32_t kBlocksPerDatagram = (kHdrArea + kMaxDatagram + kBlock - 1) / kBlock;
constexpr uint32_t kMaxRanges = 32;
constexpr uint32_t kBlocksPerSlab = 64;
constexpr uint32_t kDatagramsPerSlab = 256;
static_assert(kHdrArea <= kBlock, "the header area must fit in block 0");

struct Key {
  IpAddr src, dst;
  uint32_t id = 0;
  uint16_t vlan0 = 0, vlan1 = 0;
  uint8_t version = 0;
  uint8_t proto = 0;
  bool operator==(const Key&) const = default;
};

struct Range {
  uint32_t s, e;  // [s, e) of fragment data
};

struct Datagram {
  Key key;
  uint32_t hnext = kNil;                // hash chain
  uint32_t older = kNil, newer = kNil;  // age list, oldest at the head
  int64_t first_usec = 0;
  uint32_t total = 0;  // data length, known once the last fragment arrived
  bool have_last = false;
  uint16_t hdr_len = 0;  // header bytes held (0: offset-0 fragment not seen yet)
  uint16_t nh_pos = 0;   // IPv6: header byte that names the fragment header
  uint8_t next_hdr = 0;  // IPv6: next header from the offset-0 fragment header
  uint8_t nranges = 0;
  uint16_t nblocks = 0;
  Range ranges[kMaxRanges];  // sorted, disjoint, not adjacent
  uint32_t blocks[kBlocksPerDatagram];
};

inline uint16_t be16(const uint8_t* p) noexcept { return uint16_t(p[0] << 8 | p[1]); }
inline void put16(uint8_t* p, uint16_t v) noexcept {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}

inline uint64_t mix(uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

struct Defragmenter::Impl {
  Decoder& decoder;
  DefragConfig cfg;

  Counter& v4_fragments;
  Counter& v4_reassembled;
  Counter& v6_fragments;
  Counter& v6_reassembled;
  Counter& overlaps;
  Counter& timeouts;
  Counter& memcap_evictions;
  Counter& max_frag_hits;
  Counter& too_many_holes;
  Counter& header_too_large;
  Counter& memuse_counter;
  Counter& v4_overlap_event;
  Counter& v6_overlap_event;
  Counter& v4_too_large_event;
  Counter& v6_too_large_event;
  Counter& v4_invalid_len_event;
  Counter& v6_invalid_len_event;

  uint64_t seed;
  std::vector<uint32_t> buckets;
  uint32_t bucket_mask = 0;

  std::vector<std::unique_ptr<Datagram[]>> dg_slabs;
  std::vector<uint32_t> dg_free;
  uint32_t dg_capacity = 0;  // records allocated so far
  uint32_t dg_in_use = 0;
  uint32_t oldest = kNil, newest = kNil;

  std::vector<std::unique_ptr<uint8_t[]>> block_slabs;
  std::vector<uint32_t> block_free;
  uint32_t block_capacity = 0;
  uint32_t blocks_in_use = 0;
  uint32_t max_blocks = 0;

  std::unique_ptr<uint8_t[]> out;  // the reassembled datagram handed out
  Packet out_pkt;

  Impl(Decoder& d, StatsBlock& s, const DefragConfig& c)
      : decoder(d),
        cfg(c),
        v4_fragments(s.counter("defrag.ipv4.fragments")),
        v4_reassembled(s.counter("defrag.ipv4.reassembled")),
        v6_fragments(s.counter("defrag.ipv6.fragments")),
        v6_reassembled(s.counter("defrag.ipv6.reassembled")),
        overlaps(s.counter("defrag.overlaps")),
        timeouts(s.counter("defrag.timeouts")),
        memcap_evictions(s.counter("defrag.memcap_evictions")),
        max_frag_hits(s.counter("defrag.max_frag_hits")),
        too_many_holes(s.counter("defrag.too_many_holes")),
        header_too_large(s.counter("defrag.header_too_large")),
        memuse_counter(s.counter("defrag.memuse")),
        v4_overlap_event(s.counter("decoder.event.ipv4.frag_overlap")),
        v6_overlap_event(s.counter("decoder.event.ipv6.frag_overlap")),
        v4_too_large_event(s.counter("decoder.event.ipv4.frag_pkt_too_large")),
        v6_too_large_event(s.counter("decoder.event.ipv6.frag_pkt_too_large")),
        v4_invalid_len_event(s.counter("decoder.event.ipv4.frag_invalid_length")),
        v6_invalid_len_event(s.counter("decoder.event.ipv6.frag_invalid_length")) {
    cfg.max_datagrams = std::max<uint32_t>(cfg.max_datagrams, 1);
    uint32_t nb = 64;
    while (nb < cfg.max_datagrams && nb < (1u << 24)) nb <<= 1;
    buckets.assign(nb, kNil);
    bucket_mask = nb - 1;
    seed = (uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
    max_blocks = static_cast<uint32_t>(std::min<size_t>(cfg.memcap / kBlock, 1u << 26));
    // Everything that could grow on the packet path is reserved here.
    dg_slabs.reserve((cfg.max_datagrams + kDatagramsPerSlab - 1) / kDatagramsPerSlab);
    dg_free.reserve(cfg.max_datagrams + kDatagramsPerSlab);
    block_slabs.reserve((max_blocks + kBlocksPerSlab - 1) / kBlocksPerSlab);
    block_free.reserve(max_blocks + kBlocksPerSlab);
    out.reset(new uint8_t[kMaxLink + kMaxDatagram]);
  }

  size_t memuse() const noexcept {
    return size_t(blocks_in_use) * kBlock + size_t(dg_in_use) * sizeof(Datagram);
  }
  void update_memuse() noexcept { memuse_counter.set(memuse()); }

  Datagram& dg(uint32_t i) noexcept {
    return dg_slabs[i / kDatagramsPerSlab][i % kDatagramsPerSlab];
  }
  uint8_t* block(uint32_t b) noexcept {
    return block_slabs[b / kBlocksPerSlab].get() + size_t(b % kBlocksPerSlab) * kBlock;
  }

  uint32_t bucket_of(const Key& k) const noexcept {
    uint64_t a, b, c, e;
    std::memcpy(&a, k.src.b.data(), 8);
    std::memcpy(&b, k.src.b.data() + 8, 8);
    std::memcpy(&c, k.dst.b.data(), 8);
    std::memcpy(&e, k.dst.b.data() + 8, 8);
    uint64_t h = mix(a ^ seed);
    h = mix(h ^ b);
    h = mix(h ^ c);
    h = mix(h ^ e);
    h = mix(h ^ (uint64_t(k.id) << 32 | uint64_t(k.vlan0) << 16 | k.vlan1) ^
            (uint64_t(k.version) << 8 | k.proto));
    return static_cast<uint32_t>(h) & bucket_mask;
  }

  uint32_t find(const Key& k) noexcept {
    for (uint32_t i = buckets[bucket_of(k)]; i != kNil; i = dg(i).hnext)
      if (dg(i).key == k) return i;
    return kNil;
  }

  void release(uint32_t i) noexcept {
    Datagram& g = dg(i);
    for (uint32_t j = 0; j < kBlocksPerDatagram && g.nblocks; ++j) {
      if (g.blocks[j] != kNil) {
        block_free.push_back(g.blocks[j]);
        g.blocks[j] = kNil;
        --g.nblocks;
        --blocks_in_use;
      }
    }
    uint32_t* link = &buckets[bucket_of(g.key)];
    while (*link != i) link = &dg(*link).hnext;
    *link = g.hnext;
    (g.older == kNil ? oldest : dg(g.older).newer) = g.newer;
    (g.newer == kNil ? newest : dg(g.newer).older) = g.older;
    dg_free.push_back(i);
    --dg_in_use;
  }

  // A fresh record for `k`, or kNil when none can be had within the limits.
  uint32_t create(const Key& k, int64_t now) noexcept {
    while (dg_in_use >= cfg.max_datagrams && oldest != kNil) {
      max_frag_hits.inc();
      release(oldest);
    }
    while (memuse() + sizeof(Datagram) > cfg.memcap && oldest != kNil) {
      memcap_evictions.inc();
      release(oldest);
    }
    if (memuse() + sizeof(Datagram) > cfg.memcap) return kNil;
    if (dg_free.empty()) {
      if (dg_capacity >= cfg.max_datagrams) return kNil;
      auto* slab = new (std::nothrow) Datagram[kDatagramsPerSlab];
      if (!slab) return kNil;
      dg_slabs.emplace_back(slab);
      for (uint32_t j = kDatagramsPerSlab; j-- > 0;) dg_free.push_back(dg_capacity + j);
      dg_capacity += kDatagramsPerSlab;
    }
    uint32_t i = dg_free.back();
    dg_free.pop_back();
    ++dg_in_use;
    Datagram& g = dg(i);
    g.key = k;
    g.first_usec = now;
    g.total = 0;
    g.have_last = false;
    g.hdr_len = 0;
    g.nh_pos = 0;
    g.next_hdr = 0;
    g.nranges = 0;
    g.nblocks = 0;
    std::fill(std::begin(g.blocks), std::end(g.blocks), kNil);
    uint32_t& head = buckets[bucket_of(k)];
    g.hnext = head;
    head = i;
    g.older = newest;
    g.newer = kNil;
    (newest == kNil ? oldest : dg(newest).newer) = i;
    newest = i;
    return i;
  }

  void expire(int64_t now) noexcept {
    bool any = false;
    while (oldest != kNil && now - dg(oldest).first_usec > cfg.timeout_usec) {
      timeouts.inc();
      release(oldest);
      any = true;
    }
    if (any) update_memuse();
  }

  // Blocks of g not yet allocated over image [s, e).
  uint32_t blocks_missing(const Datagram& g, uint32_t s, uint32_t e) const noexcept {
    uint32_t n = 0;
    for (uint32_t b = s / kBlock; b <= (e - 1) / kBlock; ++b) n += g.blocks[b] == kNil;
    return n;
  }

  // Makes room for `need` more blocks without evicting `keep`; false when impossible.
  bool reserve_blocks(uint32_t need, uint32_t keep) noexcept {
    while (memuse() + size_t(need) * kBlock > cfg.memcap) {
      uint32_t victim = oldest == keep ? dg(oldest).newer : oldest;
      if (victim == kNil) return false;
      memcap_evictions.inc();
      release(victim);
    }
    while (block_free.size() < need) {
      if (block_capacity >= max_blocks + kBlocksPerSlab) return false;
      auto* slab = new (std::nothrow) uint8_t[size_t(kBlocksPerSlab) * kBlock];
      if (!slab) return false;
      block_slabs.emplace_back(slab);
      for (uint32_t j = kBlocksPerSlab; j-- > 0;) block_free.push_back(block_capacity + j);
      block_capacity += kBlocksPerSlab;
    }
    return true;
  }

  void write(Datagram& g, uint32_t pos, const uint8_t* src, uint32_t n) noexcept {
    while (n) {
      uint32_t bi = pos / kBlock, in = pos % kBlock;
      if (g.blocks[bi] == kNil) {
        g.blocks[bi] = block_free.back();
        block_free.pop_back();
        ++g.nblocks;
        ++blocks_in_use;
      }
      uint32_t k = std::min(n, kBlock - in);
      std::memcpy(block(g.blocks[bi]) + in, src, k);
      pos += k;
      src += k;
      n -= k;
    }
  }

  void read(Datagram& g, uint32_t pos, uint8_t* dst, uint32_t n) noexcept {
    while (n) {
      uint32_t bi = pos / kBlock, in = pos % kBlock;
      uint32_t k = std::min(n, kBlock - in);
      std::memcpy(dst, block(g.blocks[bi]) + in, k);
      pos += k;
      dst += k;
      n -= k;
    }
  }

  // IPv6: position of the next-header byte naming the fragment header within the
  // unfragmentable part h[0, n) (RFC 8200 section 4.1 order); false if it does not parse.
  static bool find_nh_pos(const uint8_t* h, uint32_t n, uint16_t& pos) noexcept {
    uint32_t p = 6, cur = 40;
    uint8_t nh = h[6];
    while (cur < n) {
      if (n - cur < 8) return false;
      uint32_t l = nh == ipproto::kAh ? (h[cur + 1] + 2u) * 4 : (h[cur + 1] + 1u) * 8;
      p = cur;
      nh = h[cur];
      cur += l;
    }
    if (cur != n || nh != ipproto::kFragment) return false;
    pos = static_cast<uint16_t>(p);
    return true;
  }

  const Packet* add(const Packet& f) noexcept {
    events = 0;
    if (!f.is_fragment || f.data == nullptr || (f.ip_version != 4 && f.ip_version != 6))
      return nullptr;
    bool v4 = f.ip_version == 4;
    (v4 ? v4_fragments : v6_fragments).inc();
    expire(f.ts.usec);

    // Header of this fragment: the IPv4 header, or the IPv6 unfragmentable part (the decoder
    // stops at the fragment header, so it is everything before the last 8 header bytes).
    uint32_t hlen = v4 ? f.l3_hdr_len : uint32_t(f.l3_hdr_len) - 8;
    uint32_t off = f.frag_off, n = f.payload_len, e = off + n;
    if ((v4 && hlen < 20) || (!v4 && (f.l3_hdr_len < 48)) || size_t(f.payload_off) + n > f.caplen ||
        size_t(f.l3_off) + hlen > f.caplen || (!v4 && f.payload_off != f.l3_off + f.l3_hdr_len))
      return nullptr;  // not a Packet the decoder made
    if (hlen > kHdrArea) {
      header_too_large.inc();
      return nullptr;
    }
    if (hlen + e > kMaxDatagram) {
      (v4 ? v4_too_large_event : v6_too_large_event).inc();
      raise(v4 ? DecodeEvent::Ipv4FragPktTooLarge : DecodeEvent::Ipv6FragPktTooLarge);
      return nullptr;
    }
    if (f.more_frags && (n % 8) != 0) {
      (v4 ? v4_invalid_len_event : v6_invalid_len_event).inc();
      raise(v4 ? DecodeEvent::Ipv4FragInvalidLength : DecodeEvent::Ipv6FragInvalidLength);
      return nullptr;
    }
    if (n == 0) return nullptr;

    Key k;
    k.src = f.src;
    k.dst = f.dst;
    k.id = f.ip_id;
    k.version = f.ip_version;
    k.proto = v4 ? f.ip_proto : 0;  // IPv6: the next header may differ per fragment
    k.vlan0 = f.vlan_count > 0 ? f.vlan[0] : 0;
    k.vlan1 = f.vlan_count > 1 ? f.vlan[1] : 0;

    uint32_t i = find(k);
    if (i == kNil) i = create(k, f.ts.usec);
    if (i == kNil) {
      update_memuse();
      return nullptr;
    }
    Datagram& g = dg(i);
    auto overlap = [&] {
      overlaps.inc();
      (v4 ? v4_overlap_event : v6_overlap_event).inc();
      raise(v4 ? DecodeEvent::Ipv4FragOverlap : DecodeEvent::Ipv6FragOverlap);
    };

    // The end of the datagram: set once by the last fragment, never contradicted.
    uint32_t held_end = g.nranges ? g.ranges[g.nranges - 1].e : 0;
    if (!f.more_frags) {
      if ((g.have_last && g.total != e) || held_end > e) {
        overlap();
        return nullptr;
      }
    } else if (g.have_last && e > g.total) {
      overlap();
      return nullptr;
    }

    // The ranges after adding [off, e), merged; refused when the datagram has too many holes.
    Range merged[kMaxRanges + 1];
    uint32_t m = 0;
    Range nr{off, e};
    bool placed = false, overlapped = false;
    for (uint32_t j = 0; j < g.nranges; ++j) {
      const Range& r = g.ranges[j];
      if (r.s < e && off < r.e) overlapped = true;
      if (r.e < nr.s) {
        merged[m++] = r;
      } else if (r.s > nr.e) {
        if (!placed) merged[m++] = nr, placed = true;
        merged[m++] = r;
      } else {
        nr.s = std::min(nr.s, r.s);
        nr.e = std::max(nr.e, r.e);
      }
    }
    if (!placed) merged[m++] = nr;
    if (m > kMaxRanges) {
      too_many_holes.inc();
      release(i);
      update_memuse();
      return nullptr;
    }

    bool store_hdr = off == 0 && g.hdr_len == 0;
    uint32_t need = blocks_missing(g, kHdrArea + off, kHdrArea + e);
    // The header area is within block 0 (static_assert above); count it once.
    if (store_hdr && g.blocks[0] == kNil && (kHdrArea + off) / kBlock != 0) ++need;
    if (!reserve_blocks(need, i)) {
      memcap_evictions.inc();
      release(i);
      update_memuse();
      return nullptr;
    }

    if (store_hdr) {
      const uint8_t* h = f.data + f.l3_off;
      if (!v4 && !find_nh_pos(h, hlen, g.nh_pos)) {
        // Never for a Packet the decoder made; keep the header slot empty.
      } else {
        write(g, 0, h, hlen);
        g.hdr_len = static_cast<uint16_t>(hlen);
        g.next_hdr = f.ip_proto;
      }
    }
    if (overlapped) overlap();
    // First wins: copy only the parts of [off, e) no earlier fragment covered.
    const uint8_t* src = f.data + f.payload_off;
    uint32_t cur = off;
    for (uint32_t j = 0; j < g.nranges && cur < e; ++j) {
      const Range& r = g.ranges[j];
      if (r.e <= cur) continue;
      if (r.s >= e) break;
      if (r.s > cur) write(g, kHdrArea + cur, src + (cur - off), r.s - cur);
      cur = std::max(cur, r.e);
    }
    if (cur < e) write(g, kHdrArea + cur, src + (cur - off), e - cur);
    std::copy(merged, merged + m, g.ranges);
    g.nranges = static_cast<uint8_t>(m);
    if (!f.more_frags) {
      g.have_last = true;
      g.total = e;
    }

    const Packet* done = nullptr;
    if (g.have_last && g.hdr_len && g.nranges == 1 && g.ranges[0].s == 0 &&
        g.ranges[0].e == g.total) {
      // Complete. The offset-0 header may be longer than the one checked above.
      if (uint32_t(g.hdr_len) + g.total <= kMaxDatagram)
        done = finish(g, f);
      else {
        (v4 ? v4_too_large_event : v6_too_large_event).inc();
        raise(v4 ? DecodeEvent::Ipv4FragPktTooLarge : DecodeEvent::Ipv6FragPktTooLarge);
      }
      release(i);
    }
    update_memuse();
    return done;
  }

  // Decode events the current add() raised on its fragment (Packet::decode_events bits).
  uint64_t events = 0;
  void raise(DecodeEvent e) noexcept { events |= uint64_t(1) << static_cast<unsigned>(e); }

  const Packet* finish(Datagram& g, const Packet& f) noexcept {
    uint32_t hl = g.hdr_len, size = hl + g.total;
    // The datagram keeps the link header of the fragment that completed it (its linktype), as
    // Suricata's rebuilt packet does: the EVE `packet` field shows the frame, not the bare IP.
    uint32_t link = 0;
    if (f.tunnels == tunnel::kNone && f.data && f.l3_off <= kMaxLink && f.l3_off <= f.caplen &&
        f.l3_off + size <= kMaxDatagram)
      link = f.l3_off;
    std::memcpy(out.get(), f.data, link);
    uint8_t* o = out.get() + link;
    read(g, 0, o, hl);
    read(g, kHdrArea, o + hl, g.total);
    bool v4 = g.key.version == 4;
    if (v4) {
      put16(o + 2, static_cast<uint16_t>(size));
      put16(o + 6, be16(o + 6) & 0xc000);  // keep reserved/DF, clear MF and the offset
      put16(o + 10, 0);
      put16(o + 10, detail::csum_finish(detail::csum_sum(o, hl)));
    } else {
      o[g.nh_pos] = g.next_hdr;
      put16(o + 4, static_cast<uint16_t>(size - 40));
    }
    Packet& p = out_pkt;
    p = Packet{};
    p.ts = f.ts;
    p.data = out.get();
    p.caplen = p.wirelen = link + size;
    p.linktype = f.tunnels == tunnel::kNone ? f.linktype : linktype::kRaw;
    p.iface = f.iface;
    p.pcap_cnt = f.pcap_cnt;
    p.vlan[0] = f.vlan[0];
    p.vlan[1] = f.vlan[1];
    p.vlan_count = f.vlan_count;
    p.tunnels = f.tunnels;
    p.reassembled = true;
    (v4 ? v4_reassembled : v6_reassembled).inc();
    // An invalid inner datagram is counted by the decoder and not handed out (not tracked);
    // a nested fragment header inside the datagram is not reassembled again.
    DecodeStatus st = decoder.decode_ip(p, static_cast<uint16_t>(link));
    return st == DecodeStatus::Ok ? &p : nullptr;
  }
};

Defragmenter::Defragmenter(Decoder& decoder, StatsBlock& stats, const DefragConfig& cfg)
    : impl_(new Impl(decoder, stats, cfg)) {}

Defragmenter::~Defragmenter() { delete impl_; }

const Packet* Defragmenter::add(const Packet& frag) noexcept { return impl_->add(frag); }
uint64_t Defragmenter::events() const noexcept { return impl_->events; }

void Defragmenter::expire(Timestamp now) noexcept { impl_->expire(now.usec); }

size_t Defragmenter::memuse() const noexcept { return impl_->memuse(); }

}  // namespace ww::decode
