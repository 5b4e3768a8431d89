// Packet builder: Ethernet II / IPv4 / UDP / TCP / ARP frames with correct IPv4, UDP and TCP
// checksums, written straight into a Session buffer (no per-packet allocation). UDP datagrams
// larger than the MTU are split into IPv4 fragments (offsets in 8-byte units, MF flag).
#pragma once

#include <cstdint>
#include <span>

#include "sim.h"

namespace ww::sim {

constexpr size_t kMtu = 1500;
constexpr size_t kEthHdr = 14;
constexpr size_t kIpHdr = 20;
constexpr size_t kUdpHdr = 8;
constexpr size_t kTcpHdr = 20;

enum TcpFlag : uint8_t {
  kFin = 0x01,
  kSyn = 0x02,
  kRst = 0x04,
  kPsh = 0x08,
  kAck = 0x10,
};

// The addressing of one direction of a conversation as seen on the capture link.
struct Wire {
  Mac smac{};
  Mac dmac{};
  uint32_t sip = 0;
  uint32_t dip = 0;
  uint8_t ttl = 64;
  uint16_t* ip_id = nullptr;  // the sender's IP ID counter
};

// Capture point is a SPAN of the core switch: frames between subnets carry the router's MAC.
Wire route(Host& src, const Host& dst, const Mac& router);

// Internet checksum over a buffer, added to a running 32-bit partial sum.
uint32_t csum_partial(const uint8_t* p, size_t n, uint32_t sum);
uint16_t csum_fold(uint32_t sum);

void emit_udp(Session& s, Ts ts, const Wire& w, uint16_t sport, uint16_t dport,
              std::span<const uint8_t> payload);

struct TcpSeg {
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t flags;
  uint16_t window;
  uint16_t mss;  // non-zero: add SYN options (MSS, window scale, SACK permitted)
};
void emit_tcp(Session& s, Ts ts, const Wire& w, const TcpSeg& seg, const uint8_t* payload,
              size_t len);

// op 1 = request, 2 = reply. `eth_dst` is broadcast for requests.
void emit_arp(Session& s, Ts ts, uint16_t op, const Mac& smac, uint32_t sip, const Mac& tmac,
              uint32_t tip, const Mac& eth_dst);

constexpr Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

}  // namespace ww::sim
