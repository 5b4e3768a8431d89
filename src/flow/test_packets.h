// Test helpers: Packets built field by field (the decoder is not involved), shared by the flow
// and stream unit tests, benchmarks and the stream fuzz driver. Not used by the product.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/packet.h"

namespace ww::flow::testing {

struct Endpoint {
  uint32_t ip;  // IPv4, host order
  uint16_t port;
};

// A TCP/UDP packet whose payload bytes live in `buf` (kept by the caller until processed).
inline Packet make_packet(uint8_t proto, Endpoint s, Endpoint d, int64_t usec,
                          const std::vector<uint8_t>* buf = nullptr) {
  Packet p;
  p.ts = Timestamp{usec};
  p.ip_version = 4;
  p.ip_proto = proto;
  p.src = IpAddr::v4(s.ip);
  p.dst = IpAddr::v4(d.ip);
  p.sport = s.port;
  p.dport = d.port;
  p.l4_hdr_len = proto == ipproto::kTcp ? 20 : 8;
  if (buf && !buf->empty()) {
    p.data = buf->data();
    p.payload_off = 0;
    p.payload_len = uint16_t(buf->size());
    p.caplen = uint32_t(buf->size());
  }
  p.wirelen = 54 + p.payload_len;
  return p;
}

inline Packet make_tcp(Endpoint s, Endpoint d, uint8_t flags, uint32_t seq, uint32_t ack,
                       int64_t usec = 0, const std::vector<uint8_t>* buf = nullptr) {
  Packet p = make_packet(ipproto::kTcp, s, d, usec, buf);
  p.tcp_flags = flags;
  p.tcp_seq = seq;
  p.tcp_ack = ack;
  return p;
}

inline std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace ww::flow::testing
