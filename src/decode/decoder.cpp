// decode: one captured frame -> the Packet view the rest of the worker uses.
//
// What it does: link layer (Ethernet with up to 2 VLAN tags per Ethernet header, PPPoE session,
// Linux SLL/SLL2, BSD NULL/LOOP, raw IP), IPv4 (options walked, header checksum), IPv6 with up
// to 8 extension headers, TCP (options), UDP, ICMPv4/v6, and when DecodeConfig::decode_tunnels
// the encapsulations GRE (incl. ERSPAN I/II/III and transparent Ethernet), VXLAN, IPv4/IPv6 in
// IP, up to 3 levels; Packet then describes the inner-most IP packet and Packet::tunnels says
// what was peeled. A non-IP payload inside a tunnel (ARP in VXLAN) leaves the outer IP fields.
//
// Invariants: every read is bounds checked against the captured length and, above IP, against
// the IP total/payload length (bytes after it are link padding); offsets stored in Packet are
// < 65536 because only the first 65535 captured bytes are decoded. No allocation, no throw,
// no logging: malformations are counted in decoder.event.<layer>.<reason> and the last one is
// kept in Packet::decode_event. Fatal ones return DecodeStatus::Invalid (decoder.invalid).
//
// Limits: no MPLS, no PPP/HDLC link types, no Teredo/GENEVE, no GRE routing (RFC 1701 R bit)
// or PPTP (GRE version 1) payloads, no decoding of the IP header quoted in ICMP errors, no IPv6
// jumbograms. Those packets decode up to the layer we do not peel (Ok, payload = that layer).
#include "decode/decoder.h"

#include <algorithm>
#include <string>

#include "decode/checksum.h"
#include "decode/events.h"

namespace ww::decode {

struct Decoder::Counters {
  Counter* pkts;
  Counter* bytes;
  Counter* invalid;
  Counter* max_pkt_size;
  Counter* ethernet;
  Counter* raw;
  Counter* null;
  Counter* sll;
  Counter* pppoe;
  Counter* ppp;
  Counter* chdlc;
  Counter* vlan;
  Counter* vlan_qinq;
  Counter* arp;
  Counter* unknown_ethertype;
  Counter* ipv4;
  Counter* ipv6;
  Counter* tcp;
  Counter* udp;
  Counter* icmpv4;
  Counter* icmpv6;
  Counter* gre;
  Counter* vxlan;
  Counter* erspan;
  Counter* ipv4_in_ipv4;
  Counter* ipv6_in_ipv4;
  Counter* ipv4_in_ipv6;
  Counter* ipv6_in_ipv6;
  Counter* events[kDecodeEventCount];
  Counter none;  // events[0]: DecodeEvent::None is never reported
};

namespace {

constexpr uint32_t kMaxDecoded = 65535;  // offsets in Packet are uint16_t
constexpr int kMaxTunnelDepth = 3;
constexpr int kMaxIpv6ExtHdrs = 8;
constexpr int kMaxVlanTagsPerHeader = 2;

namespace ethertype {
constexpr uint16_t kIpv4 = 0x0800, kArp = 0x0806, kVlan = 0x8100, kQinq = 0x88a8, kQinqOld = 0x9100,
                   kIpv6 = 0x86dd, kPppoeSession = 0x8864, kTransEther = 0x6558, kErspan2 = 0x88be,
                   kErspan3 = 0x22eb;
}

inline uint16_t be16(const uint8_t* p) noexcept { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t be32(const uint8_t* p) noexcept {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// Clears everything from the network layer up (the fields an inner IP header replaces).
// Keeps the capture/link fields, the checksum flags and the last event.
inline void reset_l3(Packet& p) noexcept {
  p.ip_version = 0;
  p.ip_proto = 0;
  p.ttl = 0;
  p.tos = 0;
  p.l3_off = 0;
  p.l3_hdr_len = 0;
  p.ip_id = 0;
  p.ip_total_len = 0;
  p.frag_off = 0;
  p.more_frags = false;
  p.is_fragment = false;
  p.dont_frag = false;
  p.src = IpAddr{};
  p.dst = IpAddr{};
  p.l4_off = 0;
  p.l4_hdr_len = 0;
  p.sport = 0;
  p.dport = 0;
  p.tcp_flags = 0;
  p.tcp_seq = 0;
  p.tcp_ack = 0;
  p.tcp_win = 0;
  p.tcp_urg = 0;
  p.tcp_opts = TcpOptions{};
  p.icmp_type = 0;
  p.icmp_code = 0;
  p.icmp_id = 0;
  p.icmp_seq = 0;
  p.payload_off = 0;
  p.payload_len = 0;
}

}  // namespace

// One decode call: the packet, the bytes and the tunnel depth. Lives on the stack; every
// method takes [off, lim) with off <= lim <= len, lim being the end of the enclosing layer.
struct Decoder::Impl {
  Packet& p;
  const Counters& c;
  const DecodeConfig& cfg;
  const uint8_t* d;
  uint32_t len;
  int depth = 0;

  void event(DecodeEvent e) noexcept {
    static_assert(kDecodeEventCount <= 64, "Packet::decode_events holds one bit per event");
    p.decode_event = static_cast<uint16_t>(e);
    p.decode_events |= uint64_t(1) << static_cast<unsigned>(e);
    c.events[static_cast<size_t>(e)]->inc();
  }
  DecodeStatus invalid(DecodeEvent e) noexcept {
    event(e);
    c.invalid->inc();
    return DecodeStatus::Invalid;
  }
  // Enters one more level of encapsulation; false (and counted) past the limit.
  bool enter_tunnel(uint8_t bit) noexcept {
    if (depth >= kMaxTunnelDepth) {
      event(DecodeEvent::TooManyLayers);
      return false;
    }
    ++depth;
    p.tunnels |= bit;
    return true;
  }

  // --- link layers ---

  DecodeStatus ethernet(uint32_t off, uint32_t lim) noexcept {
    // IEEE 802.3 clause 3.1.1: dst(6) src(6) ethertype/length(2).
    if (lim - off < 14) return invalid(DecodeEvent::EthPktTooSmall);
    c.ethernet->inc();
    return ethertype(be16(d + off + 12), off + 14, lim);
  }

  DecodeStatus ethertype(uint16_t type, uint32_t off, uint32_t lim) noexcept {
    int tags = 0;
    // IEEE 802.1Q tags: TCI(2) = PCP(3) DEI(1) VID(12), then the next ethertype(2).
    while (type == ethertype::kVlan || type == ethertype::kQinq || type == ethertype::kQinqOld) {
      if (tags == kMaxVlanTagsPerHeader) return invalid(DecodeEvent::VlanTooManyLayers);
      if (lim - off < 4) return invalid(DecodeEvent::VlanHeaderTooSmall);
      (tags == 0 ? c.vlan : c.vlan_qinq)->inc();
      if (p.vlan_count < 2) p.vlan[p.vlan_count++] = be16(d + off) & 0x0fff;
      ++tags;
      type = be16(d + off + 2);
      off += 4;
    }
    switch (type) {
      case ethertype::kIpv4:
        return ipv4(off, lim);
      case ethertype::kIpv6:
        return ipv6(off, lim);
      case ethertype::kArp:
        c.arp->inc();
        return DecodeStatus::Ok;
      case ethertype::kPppoeSession:
        return pppoe_session(off, lim);
      default:
        c.unknown_ethertype->inc();
        return DecodeStatus::Ok;
    }
  }

  DecodeStatus pppoe_session(uint32_t off, uint32_t lim) noexcept {
    // RFC 2516 section 4: ver/type(1) code(1) session(2) length(2), then PPP protocol(2).
    if (lim - off < 8) return invalid(DecodeEvent::PppoePktTooSmall);
    c.pppoe->inc();
    uint32_t plen = be16(d + off + 4);
    uint32_t end = std::min(lim, off + 6 + plen);
    if (end < off + 8) return invalid(DecodeEvent::PppoePktTooSmall);
    switch (be16(d + off + 6)) {
      case 0x0021:  // RFC 1332 IPv4
        return ipv4(off + 8, end);
      case 0x0057:  // RFC 5072 IPv6
        return ipv6(off + 8, end);
      default:
        return DecodeStatus::Ok;
    }
  }

  DecodeStatus ppp(uint32_t lim) noexcept {
    // DLT_PPP: RFC 1662 address 0xff, control 0x03 (absent when compressed), then the RFC
    // 1661 protocol: one byte when its low bit is set (Protocol-Field-Compression), else two.
    uint32_t off = 0;
    if (lim >= 2 && d[0] == 0xff && d[1] == 0x03) off = 2;
    if (lim <= off) return invalid(DecodeEvent::PppPktTooSmall);
    uint16_t proto;
    if (d[off] & 1) {
      proto = d[off];
      off += 1;
    } else {
      if (lim - off < 2) return invalid(DecodeEvent::PppPktTooSmall);
      proto = be16(d + off);
      off += 2;
    }
    c.ppp->inc();
    switch (proto) {
      case 0x0021:  // RFC 1332 IPv4
        return ipv4(off, lim);
      case 0x0057:  // RFC 5072 IPv6
        return ipv6(off, lim);
      default:
        return DecodeStatus::Ok;
    }
  }

  DecodeStatus chdlc(uint32_t lim) noexcept {
    // Cisco HDLC (DLT_C_HDLC): address(1) control(1) protocol(2, an ethertype).
    if (lim < 4) return invalid(DecodeEvent::ChdlcPktTooSmall);
    c.chdlc->inc();
    return ethertype(be16(d + 2), 4, lim);
  }

  DecodeStatus sll(uint32_t lim) noexcept {
    // Linux cooked v1: packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2).
    if (lim < 16) return invalid(DecodeEvent::SllPktTooSmall);
    c.sll->inc();
    if (be16(d + 2) == 824) return DecodeStatus::Ok;  // ARPHRD_NETLINK: not IP
    return ethertype(be16(d + 14), 16, lim);
  }

  DecodeStatus sll2(uint32_t lim) noexcept {
    // Linux cooked v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) pkt type(1) addr len(1)
    // addr(8).
    if (lim < 20) return invalid(DecodeEvent::SllPktTooSmall);
    c.sll->inc();
    if (be16(d + 8) == 824) return DecodeStatus::Ok;
    return ethertype(be16(d), 20, lim);
  }

  DecodeStatus null_loop(uint32_t lim) noexcept {
    // 4-byte address family, host order for DLT_NULL (of the capturing host, which may not be
    // ours) and network order for DLT_LOOP: whichever reading is small is the right one.
    if (lim < 4) return invalid(DecodeEvent::NullPktTooSmall);
    c.null->inc();
    uint32_t fam =
        uint32_t(d[0]) | uint32_t(d[1]) << 8 | uint32_t(d[2]) << 16 | uint32_t(d[3]) << 24;
    if (fam > 0xffff) fam = be32(d);
    switch (fam) {
      case 2:  // AF_INET everywhere
        return ipv4(4, lim);
      case 10:  // Linux AF_INET6
      case 24:  // OpenBSD/NetBSD
      case 28:  // FreeBSD
      case 30:  // macOS
        return ipv6(4, lim);
      default:
        return invalid(DecodeEvent::NullUnsupportedType);
    }
  }

  DecodeStatus raw(uint32_t off, uint32_t lim) noexcept {
    uint8_t v = lim > off ? d[off] >> 4 : 0;
    if (v == 4) return ipv4(off, lim);
    if (v == 6) return ipv6(off, lim);
    return invalid(DecodeEvent::RawInvalidIpVersion);
  }

  // --- network layers ---

  void ipv4_options(const uint8_t* o, uint32_t n) noexcept {
    // RFC 791 section 3.1: EOL(0), NOP(1), else type(1) length(2..) data.
    uint32_t i = 0;
    while (i < n) {
      uint8_t t = o[i];
      if (t == 0) return;
      if (t == 1) {
        ++i;
        continue;
      }
      if (n - i < 2) return event(DecodeEvent::Ipv4OptMalformed);
      uint8_t l = o[i + 1];
      if (l < 2 || l > n - i) return event(DecodeEvent::Ipv4OptInvalidLen);
      i += l;
    }
  }

  DecodeStatus ipv4(uint32_t off, uint32_t lim) noexcept {
    if (depth) reset_l3(p);
    c.ipv4->inc();
    // RFC 791 section 3.1: ver/ihl(1) tos(1) total length(2) id(2) flags/frag offset(2) ttl(1)
    // protocol(1) checksum(2) src(4) dst(4) options.
    uint32_t avail = lim - off;
    if (avail < 20) return invalid(DecodeEvent::Ipv4PktTooSmall);
    const uint8_t* h = d + off;
    if ((h[0] >> 4) != 4) return invalid(DecodeEvent::Ipv4WrongIpVersion);
    uint32_t hlen = (h[0] & 0x0f) * 4u;
    if (hlen < 20) return invalid(DecodeEvent::Ipv4HlenTooSmall);
    uint32_t tot = be16(h + 2);
    if (tot < hlen) return invalid(DecodeEvent::Ipv4IplenSmallerThanHlen);
    if (avail < tot) return invalid(DecodeEvent::Ipv4TruncPkt);

    uint16_t fl = be16(h + 6);
    p.ip_version = 4;
    p.tos = h[1];
    p.ip_total_len = static_cast<uint16_t>(tot);
    p.ip_id = be16(h + 4);
    p.dont_frag = fl & 0x4000;
    p.more_frags = fl & 0x2000;
    p.frag_off = static_cast<uint16_t>((fl & 0x1fff) * 8);
    p.ttl = h[8];
    p.ip_proto = h[9];
    p.src = IpAddr::v4(h + 12);
    p.dst = IpAddr::v4(h + 16);
    p.l3_off = static_cast<uint16_t>(off);
    p.l3_hdr_len = static_cast<uint16_t>(hlen);

    if (cfg.ipv4_checksum && detail::csum_sum(h, hlen) != 0xffff) {
      p.ip_csum_bad = true;
      event(DecodeEvent::Ipv4ChecksumInvalid);
    }
    if (hlen > 20) ipv4_options(h + 20, hlen - 20);

    if (p.more_frags || p.frag_off) {
      p.is_fragment = true;
      p.payload_off = static_cast<uint16_t>(off + hlen);
      p.payload_len = static_cast<uint16_t>(tot - hlen);
      return DecodeStatus::Fragment;
    }
    return l4(p.ip_proto, off + hlen, off + tot);
  }

  void ipv6_tlv_options(const uint8_t* o, uint32_t n) noexcept {
    // RFC 8200 section 4.2: Pad1 is one byte; every other option is type(1) len(1) data.
    uint32_t i = 0;
    while (i < n) {
      if (o[i] == 0) {
        ++i;
        continue;
      }
      if (n - i < 2 || uint32_t(o[i + 1]) + 2 > n - i)
        return event(DecodeEvent::Ipv6ExthdrInvalidOptlen);
      i += o[i + 1] + 2u;
    }
  }

  DecodeStatus ipv6(uint32_t off, uint32_t lim) noexcept {
    if (depth) reset_l3(p);
    c.ipv6->inc();
    // RFC 8200 section 3: ver/tc/flow(4) payload length(2) next header(1) hop limit(1)
    // src(16) dst(16).
    uint32_t avail = lim - off;
    if (avail < 40) return invalid(DecodeEvent::Ipv6PktTooSmall);
    const uint8_t* h = d + off;
    if ((h[0] >> 4) != 6) return invalid(DecodeEvent::Ipv6WrongIpVersion);
    uint32_t plen = be16(h + 4);
    if (avail - 40 < plen) return invalid(DecodeEvent::Ipv6TruncPkt);
    uint32_t end = off + 40 + plen;

    p.ip_version = 6;
    p.tos = static_cast<uint8_t>(be16(h) >> 4);
    p.ip_total_len = static_cast<uint16_t>(40 + plen);
    p.ttl = h[7];
    p.src = IpAddr::v6(h + 8);
    p.dst = IpAddr::v6(h + 24);
    p.l3_off = static_cast<uint16_t>(off);

    uint8_t nh = h[6];
    uint32_t cur = off + 40;
    int n = 0;
    bool seen_fh = false;
    for (;;) {
      switch (nh) {
        case ipproto::kHopOpts:
        case ipproto::kRouting:
        case ipproto::kDstOpts:
        case ipproto::kMobility: {
          // RFC 8200 sections 4.3-4.6: next header(1) hdr ext len(1) in 8-octet units
          // not counting the first 8.
          if (++n > kMaxIpv6ExtHdrs) return invalid(DecodeEvent::Ipv6ExthdrTooMany);
          if (end - cur < 8) return invalid(DecodeEvent::Ipv6TruncExthdr);
          uint32_t hl = (d[cur + 1] + 1u) * 8;
          if (end - cur < hl) return invalid(DecodeEvent::Ipv6TruncExthdr);
          if (nh == ipproto::kHopOpts || nh == ipproto::kDstOpts)
            ipv6_tlv_options(d + cur + 2, hl - 2);
          else if (nh == ipproto::kRouting && d[cur + 2] == 0)
            event(DecodeEvent::Ipv6RhType0);  // RFC 5095 deprecated source routing
          nh = d[cur];
          cur += hl;
          continue;
        }
        case ipproto::kAh: {
          // RFC 4302 section 2: next header(1) payload len(1) in 4-octet units minus 2.
          if (++n > kMaxIpv6ExtHdrs) return invalid(DecodeEvent::Ipv6ExthdrTooMany);
          if (end - cur < 8) return invalid(DecodeEvent::Ipv6TruncExthdr);
          uint32_t hl = (d[cur + 1] + 2u) * 4;
          if (end - cur < hl) return invalid(DecodeEvent::Ipv6TruncExthdr);
          nh = d[cur];
          cur += hl;
          continue;
        }
        case ipproto::kFragment: {
          // RFC 8200 section 4.5: next header(1) reserved(1) offset(13) res(2) M(1) id(4).
          if (++n > kMaxIpv6ExtHdrs) return invalid(DecodeEvent::Ipv6ExthdrTooMany);
          if (end - cur < 8) return invalid(DecodeEvent::Ipv6TruncExthdr);
          if (seen_fh) return invalid(DecodeEvent::Ipv6ExthdrDuplFh);
          seen_fh = true;
          const uint8_t* f = d + cur;
          uint16_t ofl = be16(f + 2);
          if (f[1] != 0 || (ofl & 0x0006)) event(DecodeEvent::Ipv6FhNonZeroReserved);
          p.ip_id = be32(f + 4);
          nh = f[0];
          cur += 8;
          if ((ofl & 0xfff8) == 0 && !(ofl & 1)) {
            // RFC 6946 atomic fragment: the whole datagram, processed in place.
            event(DecodeEvent::Ipv6ExthdrUselessFh);
            continue;
          }
          p.is_fragment = true;
          p.frag_off = ofl & 0xfff8;
          p.more_frags = ofl & 1;
          p.ip_proto = nh;
          p.l3_hdr_len = static_cast<uint16_t>(cur - off);
          p.payload_off = static_cast<uint16_t>(cur);
          p.payload_len = static_cast<uint16_t>(end - cur);
          return DecodeStatus::Fragment;
        }
        default:
          p.l3_hdr_len = static_cast<uint16_t>(cur - off);
          // After extension headers, fewer than 2 bytes cannot start any header (Suricata
          // reports the chain as truncated, not the transport header).
          if (n > 0 && end - cur < 2 && nh != ipproto::kNoNext)
            return invalid(DecodeEvent::Ipv6TruncExthdr);
          return l4(nh, cur, end);
      }
    }
  }

  DecodeStatus tunnel_ip(uint8_t inner_version, uint32_t off, uint32_t lim) noexcept {
    if (!enter_tunnel(tunnel::kIpInIp)) return DecodeStatus::Ok;
    bool outer4 = p.ip_version == 4;
    if (inner_version == 4) {
      (outer4 ? c.ipv4_in_ipv4 : c.ipv4_in_ipv6)->inc();
      return ipv4(off, lim);
    }
    (outer4 ? c.ipv6_in_ipv4 : c.ipv6_in_ipv6)->inc();
    return ipv6(off, lim);
  }

  // --- transport layers ---

  // Verifies a TCP/UDP/ICMPv6 checksum over [off, off+n) with the current IP pseudo-header.
  bool l4_csum_ok(uint8_t proto, uint32_t off, uint32_t n) noexcept {
    const uint8_t* ip = d + p.l3_off;
    uint32_t ps = p.ip_version == 4 ? detail::pseudo_v4(ip + 12, ip + 16, proto, n)
                                    : detail::pseudo_v6(ip + 8, ip + 24, proto, n);
    return detail::csum_add(ps, detail::csum_sum(d + off, n)) == 0xffff;
  }

  DecodeStatus l4(uint8_t proto, uint32_t off, uint32_t end) noexcept {
    p.ip_proto = proto;
    p.payload_off = static_cast<uint16_t>(off);
    p.payload_len = static_cast<uint16_t>(end - off);
    switch (proto) {
      case ipproto::kTcp:
        return tcp(off, end);
      case ipproto::kUdp:
        return udp(off, end);
      case ipproto::kIcmp:
        return icmpv4(off, end);
      case ipproto::kIcmpv6:
        return icmpv6(off, end);
      case ipproto::kGre:
        return cfg.decode_tunnels ? gre(off, end) : DecodeStatus::Ok;
      case ipproto::kIpIp:
        return cfg.decode_tunnels ? tunnel_ip(4, off, end) : DecodeStatus::Ok;
      case ipproto::kIpv6:
        return cfg.decode_tunnels ? tunnel_ip(6, off, end) : DecodeStatus::Ok;
      default:
        return DecodeStatus::Ok;
    }
  }

  void tcp_options(const uint8_t* o, uint32_t n) noexcept {
    // RFC 9293 section 3.1 (EOL, NOP, MSS), RFC 7323 (WS, TS), RFC 2018 (SACK).
    TcpOptions& t = p.tcp_opts;
    uint32_t i = 0;
    while (i < n) {
      uint8_t k = o[i];
      if (k == 0) return;
      if (k == 1) {
        ++i;
        continue;
      }
      if (n - i < 2) return event(DecodeEvent::TcpInvalidOptlen);
      uint8_t l = o[i + 1];
      if (l < 2 || l > n - i) return event(DecodeEvent::TcpInvalidOptlen);
      const uint8_t* v = o + i + 2;
      bool ok = true;
      switch (k) {
        case 2:
          if ((ok = l == 4)) {
            t.has_mss = true;
            t.mss = be16(v);
          }
          break;
        case 3:
          if ((ok = l == 3)) {
            t.has_wscale = true;
            t.wscale = v[0];
          }
          break;
        case 4:
          if ((ok = l == 2)) t.sack_permitted = true;
          break;
        case 5:
          if ((ok = l >= 10 && (l - 2) % 8 == 0)) t.sack_blocks = static_cast<uint8_t>((l - 2) / 8);
          break;
        case 8:
          if ((ok = l == 10)) {
            t.has_ts = true;
            t.ts_val = be32(v);
            t.ts_ecr = be32(v + 4);
          }
          break;
        default:
          break;
      }
      if (!ok) event(DecodeEvent::TcpInvalidOptlen);
      i += l;
    }
  }

  DecodeStatus tcp(uint32_t off, uint32_t end) noexcept {
    c.tcp->inc();
    // RFC 9293 section 3.1: sport(2) dport(2) seq(4) ack(4) data offset/flags(2) window(2)
    // checksum(2) urgent(2) options.
    uint32_t n = end - off;
    if (n < 20) return invalid(DecodeEvent::TcpPktTooSmall);
    const uint8_t* h = d + off;
    uint32_t hlen = (h[12] >> 4) * 4u;
    if (hlen < 20) return invalid(DecodeEvent::TcpHlenTooSmall);
    if (n < hlen) return invalid(DecodeEvent::TcpPktTooSmall);
    p.sport = be16(h);
    p.dport = be16(h + 2);
    p.tcp_seq = be32(h + 4);
    p.tcp_ack = be32(h + 8);
    p.tcp_flags = h[13];
    p.tcp_win = be16(h + 14);
    p.tcp_urg = be16(h + 18);
    if (hlen > 20) tcp_options(h + 20, hlen - 20);
    p.l4_off = static_cast<uint16_t>(off);
    p.l4_hdr_len = static_cast<uint16_t>(hlen);
    p.payload_off = static_cast<uint16_t>(off + hlen);
    p.payload_len = static_cast<uint16_t>(n - hlen);
    if (cfg.l4_checksum && !l4_csum_ok(ipproto::kTcp, off, n)) {
      p.l4_csum_bad = true;
      event(DecodeEvent::TcpChecksumInvalid);
    }
    return DecodeStatus::Ok;
  }

  DecodeStatus udp(uint32_t off, uint32_t end) noexcept {
    c.udp->inc();
    // RFC 768: sport(2) dport(2) length(2) checksum(2).
    uint32_t n = end - off;
    if (n < 8) return invalid(DecodeEvent::UdpHlenTooSmall);
    const uint8_t* h = d + off;
    uint32_t ulen = be16(h + 4);
    if (n < ulen) return invalid(DecodeEvent::UdpPktTooSmall);
    if (n != ulen) return invalid(DecodeEvent::UdpHlenInvalid);
    p.sport = be16(h);
    p.dport = be16(h + 2);
    p.l4_off = static_cast<uint16_t>(off);
    p.l4_hdr_len = 8;
    p.payload_off = static_cast<uint16_t>(off + 8);
    p.payload_len = static_cast<uint16_t>(ulen - 8);
    // A zero checksum means "not computed" over IPv4 (RFC 768); over IPv6 it is only allowed
    // for tunnels (RFC 6935) and is reported as invalid here.
    if (cfg.l4_checksum && !(p.ip_version == 4 && be16(h + 6) == 0) &&
        !l4_csum_ok(ipproto::kUdp, off, n)) {
      p.l4_csum_bad = true;
      event(DecodeEvent::UdpChecksumInvalid);
    }
    // RFC 7348 section 5: flags(1, I=0x08) reserved(3) VNI(3) reserved(1), then Ethernet.
    if (cfg.decode_tunnels && p.dport == cfg.vxlan_port && ulen >= 8 + 8 + 14 && (h[8] & 0x08)) {
      if (!enter_tunnel(tunnel::kVxlan)) return DecodeStatus::Ok;
      c.vxlan->inc();
      return ethernet(off + 16, end);
    }
    return DecodeStatus::Ok;
  }

  DecodeStatus icmpv4(uint32_t off, uint32_t end) noexcept {
    c.icmpv4->inc();
    // RFC 792: type(1) code(1) checksum(2) rest of header(4).
    uint32_t n = end - off;
    if (n < 8) return invalid(DecodeEvent::Icmpv4PktTooSmall);
    const uint8_t* h = d + off;
    p.icmp_type = h[0];
    p.icmp_code = h[1];
    switch (h[0]) {
      case 0:
      case 8:  // echo reply/request
      case 13:
      case 14:  // timestamp
      case 15:
      case 16:  // information
      case 17:
      case 18:  // address mask (RFC 950)
        p.icmp_id = be16(h + 4);
        p.icmp_seq = be16(h + 6);
        break;
      default:
        break;
    }
    p.l4_off = static_cast<uint16_t>(off);
    p.l4_hdr_len = 8;
    p.payload_off = static_cast<uint16_t>(off + 8);
    p.payload_len = static_cast<uint16_t>(n - 8);
    if (cfg.l4_checksum && detail::csum_sum(h, n) != 0xffff) {
      p.l4_csum_bad = true;
      event(DecodeEvent::Icmpv4ChecksumInvalid);
    }
    return DecodeStatus::Ok;
  }

  DecodeStatus icmpv6(uint32_t off, uint32_t end) noexcept {
    c.icmpv6->inc();
    // RFC 4443 section 2.1: type(1) code(1) checksum(2) message body; echo (section 4):
    // id(2) seq(2).
    uint32_t n = end - off;
    if (n < 8) return invalid(DecodeEvent::Icmpv6PktTooSmall);
    const uint8_t* h = d + off;
    p.icmp_type = h[0];
    p.icmp_code = h[1];
    if (h[0] == 128 || h[0] == 129) {
      p.icmp_id = be16(h + 4);
      p.icmp_seq = be16(h + 6);
    }
    p.l4_off = static_cast<uint16_t>(off);
    p.l4_hdr_len = 8;
    p.payload_off = static_cast<uint16_t>(off + 8);
    p.payload_len = static_cast<uint16_t>(n - 8);
    if (cfg.l4_checksum && p.ip_version == 6 && !l4_csum_ok(ipproto::kIcmpv6, off, n)) {
      p.l4_csum_bad = true;
      event(DecodeEvent::Icmpv6ChecksumInvalid);
    }
    return DecodeStatus::Ok;
  }

  // --- tunnels ---

  DecodeStatus gre(uint32_t off, uint32_t end) noexcept {
    c.gre->inc();
    // RFC 2784 + RFC 2890: C(1) R(1) K(1) S(1) s(1) recur(3) flags(5) version(3) protocol(2),
    // then checksum/reserved(4) if C or R, key(4) if K, sequence(4) if S.
    uint32_t n = end - off;
    if (n < 4) return invalid(DecodeEvent::GrePktTooSmall);
    const uint8_t* h = d + off;
    uint16_t fl = be16(h);
    uint16_t proto = be16(h + 2);
    uint8_t ver = fl & 0x7;
    if (ver == 1) return DecodeStatus::Ok;  // PPTP enhanced GRE (RFC 2637): not peeled
    if (ver != 0) return invalid(DecodeEvent::GreWrongVersion);
    if (fl & 0x0700) return invalid(DecodeEvent::GreVersion0Recur);
    if (fl & 0x00f8) return invalid(DecodeEvent::GreVersion0Flags);
    if (fl & 0x4000) return DecodeStatus::Ok;  // RFC 1701 source routing: not peeled
    uint32_t hl = 4 + ((fl & 0x8000) ? 4 : 0) + ((fl & 0x2000) ? 4 : 0) + ((fl & 0x1000) ? 4 : 0);
    if (n < hl) return invalid(DecodeEvent::GrePktTooSmall);
    uint32_t in = off + hl;
    switch (proto) {
      case ethertype::kIpv4:
        if (!enter_tunnel(tunnel::kGre)) return DecodeStatus::Ok;
        return ipv4(in, end);
      case ethertype::kIpv6:
        if (!enter_tunnel(tunnel::kGre)) return DecodeStatus::Ok;
        return ipv6(in, end);
      case ethertype::kTransEther:
        if (!enter_tunnel(tunnel::kGre)) return DecodeStatus::Ok;
        return ethernet(in, end);
      case ethertype::kErspan2: {
        // ERSPAN type I has no header and no GRE sequence number; type II
        // (draft-foschiano-erspan section 4.1): ver(4)=1 vlan(12) cos(3) en(2) t(1)
        // session(10) reserved(12) index(20).
        if (fl & 0x1000) {
          if (end - in < 8) return invalid(DecodeEvent::ErspanHeaderTooSmall);
          if ((d[in] >> 4) != 1) return invalid(DecodeEvent::ErspanUnsupportedVersion);
          in += 8;
        }
        if (!enter_tunnel(tunnel::kGre | tunnel::kErspan)) return DecodeStatus::Ok;
        c.erspan->inc();
        return ethernet(in, end);
      }
      case ethertype::kErspan3: {
        // ERSPAN type III (draft-foschiano-erspan section 4.2): ver(4)=2 vlan(12) cos(3) bso(2)
        // t(1) session(10) timestamp(32) sgt(16) p(1) ft(5) hwid(6) d(1) gra(2) o(1);
        // o=1: an 8-byte platform specific subheader follows.
        if (end - in < 12) return invalid(DecodeEvent::ErspanHeaderTooSmall);
        if ((d[in] >> 4) != 2) return invalid(DecodeEvent::ErspanUnsupportedVersion);
        uint32_t el = (d[in + 11] & 0x01) ? 20 : 12;
        if (end - in < el) return invalid(DecodeEvent::ErspanHeaderTooSmall);
        if (!enter_tunnel(tunnel::kGre | tunnel::kErspan)) return DecodeStatus::Ok;
        c.erspan->inc();
        return ethernet(in + el, end);
      }
      default:
        return DecodeStatus::Ok;
    }
  }
};

Decoder::Decoder(StatsBlock& stats, const DecodeConfig& cfg) : c_(new Counters{}), cfg_(cfg) {
  auto& c = *c_;
  c.pkts = &stats.counter("decoder.pkts");
  c.bytes = &stats.counter("decoder.bytes");
  c.invalid = &stats.counter("decoder.invalid");
  c.max_pkt_size = &stats.counter("decoder.max_pkt_size", CounterKind::Max);
  c.ethernet = &stats.counter("decoder.ethernet");
  c.raw = &stats.counter("decoder.raw");
  c.null = &stats.counter("decoder.null");
  c.sll = &stats.counter("decoder.sll");
  c.pppoe = &stats.counter("decoder.pppoe");
  c.ppp = &stats.counter("decoder.ppp");
  c.chdlc = &stats.counter("decoder.chdlc");
  c.vlan = &stats.counter("decoder.vlan");
  c.vlan_qinq = &stats.counter("decoder.vlan_qinq");
  c.arp = &stats.counter("decoder.arp");
  c.unknown_ethertype = &stats.counter("decoder.unknown_ethertype");
  c.ipv4 = &stats.counter("decoder.ipv4");
  c.ipv6 = &stats.counter("decoder.ipv6");
  c.tcp = &stats.counter("decoder.tcp");
  c.udp = &stats.counter("decoder.udp");
  c.icmpv4 = &stats.counter("decoder.icmpv4");
  c.icmpv6 = &stats.counter("decoder.icmpv6");
  c.gre = &stats.counter("decoder.gre");
  c.vxlan = &stats.counter("decoder.vxlan");
  c.erspan = &stats.counter("decoder.erspan");
  c.ipv4_in_ipv4 = &stats.counter("decoder.ipv4_in_ipv4");
  c.ipv6_in_ipv4 = &stats.counter("decoder.ipv6_in_ipv4");
  c.ipv4_in_ipv6 = &stats.counter("decoder.ipv4_in_ipv6");
  c.ipv6_in_ipv6 = &stats.counter("decoder.ipv6_in_ipv6");
  c.events[0] = &c.none;
  for (size_t i = 1; i < kDecodeEventCount; ++i) {
    std::string name = "decoder.event.";
    name += decode_event_name(static_cast<DecodeEvent>(i));
    c.events[i] = &stats.counter(name);
  }
}

Decoder::~Decoder() { delete c_; }

DecodeStatus Decoder::decode(Packet& p) noexcept {
  p.vlan[0] = p.vlan[1] = 0;
  p.vlan_count = 0;
  p.tunnels = tunnel::kNone;
  p.reassembled = false;
  p.ip_csum_bad = false;
  p.l4_csum_bad = false;
  p.decode_event = 0;
  p.decode_events = 0;
  p.decode_only = false;
  reset_l3(p);

  c_->pkts->inc();
  c_->bytes->inc(p.caplen);
  c_->max_pkt_size->set_max(p.caplen);

  uint32_t len = std::min<uint32_t>(p.caplen, kMaxDecoded);
  if (p.data == nullptr) len = 0;
  Impl x{p, *c_, cfg_, p.data, len};
  switch (p.linktype) {
    case linktype::kEthernet:
      return x.ethernet(0, len);
    case linktype::kRaw:
    case linktype::kRawAlt:
    case linktype::kRaw101:
      c_->raw->inc();
      return x.raw(0, len);
    case linktype::kIpv4:
      c_->raw->inc();
      return x.ipv4(0, len);
    case linktype::kIpv6:
      c_->raw->inc();
      return x.ipv6(0, len);
    case linktype::kNull:
    case linktype::kLoop:
      return x.null_loop(len);
    case linktype::kLinuxSll:
      return x.sll(len);
    case linktype::kLinuxSll2:
      return x.sll2(len);
    case linktype::kPpp:
      return x.ppp(len);
    case linktype::kChdlc:
      return x.chdlc(len);
    default:
      return x.invalid(DecodeEvent::UnsupportedLinktype);
  }
}

DecodeStatus Decoder::decode_ip(Packet& p, uint16_t l3_off) noexcept {
  p.ip_csum_bad = false;
  p.l4_csum_bad = false;
  p.decode_event = 0;
  p.decode_events = 0;
  p.decode_only = false;
  reset_l3(p);
  uint32_t len = std::min<uint32_t>(p.caplen, kMaxDecoded);
  if (p.data == nullptr) len = 0;
  Impl x{p, *c_, cfg_, p.data, len};
  if (l3_off > len) return x.invalid(DecodeEvent::Ipv4PktTooSmall);
  return x.raw(l3_off, len);
}

}  // namespace ww::decode
