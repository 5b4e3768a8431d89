// Packet builder; see net.h.
#include "net.h"

#include <cstdio>
#include <ctime>

namespace ww::sim {

std::string ip_str(uint32_t ip) {
  char b[16];
  std::snprintf(b, sizeof b, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
  return b;
}

std::string mac_str(const Mac& m) {
  char b[18];
  std::snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return b;
}

std::string iso_time(Ts t) {
  time_t sec = static_cast<time_t>(t / kSec);
  struct tm tm;
  gmtime_r(&sec, &tm);
  char b[64];
  std::snprintf(b, sizeof b, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(t % kSec));
  return b;
}

namespace {

bool same_subnet(const Host& a, const Host& b) {
  return a.kind == HostKind::kInternal && b.kind == HostKind::kInternal && a.netmask &&
         (a.ip & a.netmask) == (b.ip & a.netmask);
}

inline void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p + 2, static_cast<uint16_t>(v));
}

inline uint8_t* put_eth(uint8_t* p, const Mac& dst, const Mac& src, uint16_t type) {
  std::memcpy(p, dst.data(), 6);
  std::memcpy(p + 6, src.data(), 6);
  put16(p + 12, type);
  return p + kEthHdr;
}

// IPv4 header without options; `frag` holds flags and fragment offset.
inline uint8_t* put_ip(uint8_t* p, const Wire& w, uint8_t proto, size_t payload_len, uint16_t id,
                       uint16_t frag) {
  p[0] = 0x45;
  p[1] = 0;
  put16(p + 2, static_cast<uint16_t>(kIpHdr + payload_len));
  put16(p + 4, id);
  put16(p + 6, frag);
  p[8] = w.ttl;
  p[9] = proto;
  p[10] = p[11] = 0;
  put32(p + 12, w.sip);
  put32(p + 16, w.dip);
  put16(p + 10, csum_fold(csum_partial(p, kIpHdr, 0)));
  return p + kIpHdr;
}

inline uint32_t pseudo_sum(const Wire& w, uint8_t proto, size_t len) {
  uint32_t s = 0;
  s += w.sip >> 16;
  s += w.sip & 0xffff;
  s += w.dip >> 16;
  s += w.dip & 0xffff;
  s += proto;
  s += static_cast<uint32_t>(len);
  return s;
}

uint16_t next_id(const Wire& w) {
  if (!w.ip_id) return 0;
  return ++*w.ip_id;
}

}  // namespace

Wire route(Host& src, const Host& dst, const Mac& router) {
  Wire w;
  w.sip = src.ip;
  w.dip = dst.ip;
  w.ttl = src.ttl;
  w.ip_id = &src.ip_id;
  w.smac = src.kind == HostKind::kInternal ? src.mac : router;
  if (dst.kind == HostKind::kInternal && (same_subnet(src, dst) || src.kind == HostKind::kInternet))
    w.dmac = dst.mac;
  else
    w.dmac = router;
  return w;
}

uint32_t csum_partial(const uint8_t* p, size_t n, uint32_t sum32) {
  // Sum big-endian 16-bit words in a 64-bit accumulator, 8 bytes at a time.
  uint64_t sum = sum32;
  while (n >= 8) {
    uint64_t v = (uint64_t{p[0]} << 8 | p[1]) + (uint64_t{p[2]} << 8 | p[3]) +
                 (uint64_t{p[4]} << 8 | p[5]) + (uint64_t{p[6]} << 8 | p[7]);
    sum += v;
    p += 8;
    n -= 8;
  }
  while (n >= 2) {
    sum += uint64_t{p[0]} << 8 | p[1];
    p += 2;
    n -= 2;
  }
  if (n) sum += uint64_t{p[0]} << 8;
  while (sum >> 32) sum = (sum & 0xffffffff) + (sum >> 32);
  return static_cast<uint32_t>(sum);
}

uint16_t csum_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

void emit_udp(Session& s, Ts ts, const Wire& w, uint16_t sport, uint16_t dport,
              std::span<const uint8_t> payload) {
  const size_t udp_len = kUdpHdr + payload.size();
  const uint16_t id = next_id(w);
  if (kIpHdr + udp_len <= kMtu) {
    uint8_t* p = s.append(ts, kEthHdr + kIpHdr + udp_len);
    p = put_eth(p, w.dmac, w.smac, 0x0800);
    p = put_ip(p, w, 17, udp_len, id, 0x4000 /* DF */);
    put16(p, sport);
    put16(p + 2, dport);
    put16(p + 4, static_cast<uint16_t>(udp_len));
    p[6] = p[7] = 0;
    if (!payload.empty()) std::memcpy(p + 8, payload.data(), payload.size());
    uint16_t c = csum_fold(csum_partial(p, udp_len, pseudo_sum(w, 17, udp_len)));
    put16(p + 6, c ? c : 0xffff);
    return;
  }
  // Fragment: compute the UDP checksum over the whole datagram first.
  uint8_t hdr[8];
  put16(hdr, sport);
  put16(hdr + 2, dport);
  put16(hdr + 4, static_cast<uint16_t>(udp_len));
  hdr[6] = hdr[7] = 0;
  uint32_t sum = csum_partial(hdr, 8, pseudo_sum(w, 17, udp_len));
  sum = csum_partial(payload.data(), payload.size(), sum);
  uint16_t c = csum_fold(sum);
  put16(hdr + 6, c ? c : 0xffff);
  const size_t max_frag = (kMtu - kIpHdr) & ~size_t{7};
  size_t off = 0;  // offset within the UDP datagram
  while (off < udp_len) {
    size_t n = std::min(max_frag, udp_len - off);
    bool more = off + n < udp_len;
    uint8_t* p = s.append(ts, kEthHdr + kIpHdr + n);
    p = put_eth(p, w.dmac, w.smac, 0x0800);
    uint16_t frag = static_cast<uint16_t>((more ? 0x2000 : 0) | (off / 8));
    p = put_ip(p, w, 17, n, id, frag);
    size_t copied = 0;
    if (off == 0) {
      std::memcpy(p, hdr, 8);
      copied = 8;
    }
    size_t poff = off + copied - kUdpHdr;
    std::memcpy(p + copied, payload.data() + poff, n - copied);
    off += n;
    ts += 2;  // back-to-back on the wire
  }
}

void emit_tcp(Session& s, Ts ts, const Wire& w, const TcpSeg& seg, const uint8_t* payload,
              size_t len) {
  const size_t opt = seg.mss ? 12 : 0;
  const size_t tcp_len = kTcpHdr + opt + len;
  uint8_t* p = s.append(ts, kEthHdr + kIpHdr + tcp_len);
  p = put_eth(p, w.dmac, w.smac, 0x0800);
  p = put_ip(p, w, 6, tcp_len, next_id(w), 0x4000);
  put16(p, seg.sport);
  put16(p + 2, seg.dport);
  put32(p + 4, seg.seq);
  put32(p + 8, seg.ack);
  p[12] = static_cast<uint8_t>(((kTcpHdr + opt) / 4) << 4);
  p[13] = seg.flags;
  put16(p + 14, seg.window);
  p[16] = p[17] = 0;  // checksum
  p[18] = p[19] = 0;  // urgent pointer
  if (opt) {
    uint8_t* o = p + kTcpHdr;
    o[0] = 2;  // MSS
    o[1] = 4;
    put16(o + 2, seg.mss);
    o[4] = 1;  // NOP
    o[5] = 3;  // window scale
    o[6] = 3;
    o[7] = 7;
    o[8] = 1;  // NOP
    o[9] = 1;  // NOP
    o[10] = 4;  // SACK permitted
    o[11] = 2;
  }
  if (len) std::memcpy(p + kTcpHdr + opt, payload, len);
  put16(p + 16, csum_fold(csum_partial(p, tcp_len, pseudo_sum(w, 6, tcp_len))));
}

void emit_arp(Session& s, Ts ts, uint16_t op, const Mac& smac, uint32_t sip, const Mac& tmac,
              uint32_t tip, const Mac& eth_dst) {
  // Padded to the 60-byte Ethernet minimum, as a NIC would.
  uint8_t* p = s.append(ts, 60);
  p = put_eth(p, eth_dst, smac, 0x0806);
  put16(p, 1);       // hardware type Ethernet
  put16(p + 2, 0x0800);
  p[4] = 6;
  p[5] = 4;
  put16(p + 6, op);
  std::memcpy(p + 8, smac.data(), 6);
  put32(p + 14, sip);
  std::memcpy(p + 18, tmac.data(), 6);
  put32(p + 24, tip);
}

}  // namespace ww::sim
