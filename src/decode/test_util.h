// Helpers for decode tests and the fuzz driver seeds: concatenating header byte arrays and
// filling in length and checksum fields so the arrays in the tests stay readable.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "core/packet.h"
#include "decode/checksum.h"

namespace ww::decode::test {

using Frame = std::vector<uint8_t>;

inline Frame cat(std::initializer_list<Frame> parts) {
  Frame f;
  for (const auto& p : parts) f.insert(f.end(), p.begin(), p.end());
  return f;
}

inline void put16(Frame& f, size_t at, uint16_t v) {
  f[at] = uint8_t(v >> 8);
  f[at + 1] = uint8_t(v);
}

// Sets total length (to the end of the frame minus `trailer`) and the header checksum of the
// IPv4 header at l3.
inline void fix_ipv4(Frame& f, size_t l3, size_t trailer = 0) {
  size_t hl = (f[l3] & 0x0f) * 4u;
  put16(f, l3 + 2, uint16_t(f.size() - trailer - l3));
  put16(f, l3 + 10, 0);
  put16(f, l3 + 10, detail::csum_finish(detail::csum_sum(&f[l3], hl)));
}

// Sets the payload length of the IPv6 header at l3 (to the end of the frame minus `trailer`).
inline void fix_ipv6(Frame& f, size_t l3, size_t trailer = 0) {
  put16(f, l3 + 4, uint16_t(f.size() - trailer - l3 - 40));
}

// Sets the UDP length field (to the end of the frame minus `trailer`).
inline void fix_udp_len(Frame& f, size_t l4, size_t trailer = 0) {
  put16(f, l4 + 4, uint16_t(f.size() - trailer - l4));
}

// Computes the checksum of the transport header at l4 (TCP 16, UDP 6, ICMPv4 2, ICMPv6 2
// bytes in) over [l4, end); the pseudo-header comes from the IP header at l3.
inline void fix_l4_csum(Frame& f, size_t l3, size_t l4, uint8_t proto, size_t trailer = 0) {
  size_t n = f.size() - trailer - l4;
  size_t at = proto == ipproto::kTcp ? 16 : proto == ipproto::kUdp ? 6 : 2;
  put16(f, l4 + at, 0);
  uint32_t sum = detail::csum_sum(&f[l4], n);
  if (proto != ipproto::kIcmp) {
    bool v4 = (f[l3] >> 4) == 4;
    uint32_t ps = v4 ? detail::pseudo_v4(&f[l3 + 12], &f[l3 + 16], proto, uint32_t(n))
                     : detail::pseudo_v6(&f[l3 + 8], &f[l3 + 24], proto, uint32_t(n));
    sum = detail::csum_add(sum, ps);
  }
  uint16_t c = detail::csum_finish(sum);
  if (proto == ipproto::kUdp && c == 0) c = 0xffff;  // RFC 768: zero means "none"
  put16(f, l4 + at, c);
}

inline Packet packet_of(const Frame& f, uint32_t linktype = linktype::kEthernet,
                        int64_t usec = 1'000'000) {
  Packet p;
  p.data = f.data();
  p.caplen = p.wirelen = uint32_t(f.size());
  p.linktype = linktype;
  p.ts = Timestamp{usec};
  return p;
}

}  // namespace ww::decode::test
