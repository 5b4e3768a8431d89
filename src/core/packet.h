// Packet: a decoded view over one captured frame.
//
// Invariants:
//  - A Packet never owns its bytes. `data` points into the capture batch, a worker ring slot, or
//    the defragmenter's output buffer; it is valid until the packet has been processed.
//  - Every layer position is an offset from `data`, never a pointer, so a Packet can be copied
//    into a ring slot together with its bytes and stay valid after `data` is re-pointed.
//  - Decoding fills the Packet without allocating. What is known only after decoding (the
//    flow, the direction) is added by later stages.
#pragma once

#include <cstdint>
#include <span>

#include "core/byte_reader.h"
#include "core/types.h"

namespace ww {

// DLT_* values as libpcap returns them from pcap_datalink().
namespace linktype {
inline constexpr uint32_t kNull = 0, kEthernet = 1, kPpp = 9, kRaw = 12, kRawAlt = 14,
                          kChdlc = 104, kLoop = 108,
                          kLinuxSll = 113, kRaw101 = 101, kIpv4 = 228, kIpv6 = 229,
                          kLinuxSll2 = 276;
}

// TCP flag bits (as in the header's 13th byte).
namespace tcpflag {
inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10,
                         kUrg = 0x20, kEce = 0x40, kCwr = 0x80;
}

// Encapsulations peeled off before the inner IP header (bit set).
namespace tunnel {
inline constexpr uint8_t kNone = 0, kGre = 1, kVxlan = 2, kErspan = 4, kIpInIp = 8, kTeredo = 16;
}

struct TcpOptions {
  uint16_t mss = 0;
  uint8_t wscale = 0;
  bool has_mss = false;
  bool has_wscale = false;
  bool sack_permitted = false;
  bool has_ts = false;
  uint8_t sack_blocks = 0;
  uint32_t ts_val = 0;
  uint32_t ts_ecr = 0;
};

struct Packet {
  // --- capture ---
  Timestamp ts;
  const uint8_t* data = nullptr;
  uint32_t caplen = 0;
  uint32_t wirelen = 0;
  uint32_t linktype = linktype::kEthernet;
  uint16_t iface = 0;        // index into the capture source list
  uint64_t pcap_cnt = 0;     // 1-based position in the capture (Suricata's pcap_cnt)
  // `data` stays valid until the run ends (a memory-mapped capture file): later stages may keep
  // a pointer to it instead of a copy. False for live rings, libpcap buffers, ring copies and
  // datagrams rebuilt by defrag.
  bool stable_data = false;

  // --- link ---
  uint16_t vlan[2] = {0, 0};
  uint8_t vlan_count = 0;
  uint8_t tunnels = tunnel::kNone;

  // --- network (inner-most IP header) ---
  uint8_t ip_version = 0;      // 0: no IP layer (ARP, LLDP ...)
  uint8_t ip_proto = 0;        // transport protocol after extension headers
  uint8_t ttl = 0;             // TTL or hop limit
  uint8_t tos = 0;
  uint16_t l3_off = 0;         // offset of the IP header in data
  uint16_t l3_hdr_len = 0;     // IPv4 IHL*4, or IPv6 40 + extension headers
  uint32_t ip_id = 0;          // IPv4 id or IPv6 fragment id
  uint16_t ip_total_len = 0;   // from the header (IPv6: 40 + payload length)
  uint16_t frag_off = 0;       // in bytes
  bool more_frags = false;
  bool is_fragment = false;    // fragment of a larger datagram: handed to defrag
  bool dont_frag = false;
  bool reassembled = false;    // this packet was rebuilt by defrag
  bool ip_csum_bad = false;
  bool l4_csum_bad = false;    // only set when L4 checksum validation is enabled
  uint16_t decode_event = 0;   // last malformation seen (decode::DecodeEvent), 0: none
  uint64_t decode_events = 0;  // every malformation seen: bit (1 << decode::DecodeEvent)
  bool decode_only = false;    // a fragment or a rejected packet delivered for its decode events
  IpAddr src, dst;

  // --- transport ---
  uint16_t l4_off = 0;
  uint16_t l4_hdr_len = 0;
  uint16_t sport = 0, dport = 0;
  uint8_t tcp_flags = 0;
  uint32_t tcp_seq = 0, tcp_ack = 0;
  uint16_t tcp_win = 0;
  uint16_t tcp_urg = 0;
  TcpOptions tcp_opts;
  uint8_t icmp_type = 0, icmp_code = 0;
  uint16_t icmp_id = 0, icmp_seq = 0;

  // --- payload ---
  uint16_t payload_off = 0;
  uint16_t payload_len = 0;

  // --- filled by later stages ---
  uint32_t flow_hash = 0;      // symmetric hash of the 5-tuple (dispatcher, flow table)

  bool has_ip() const noexcept { return ip_version != 0; }
  bool is_tcp() const noexcept { return ip_proto == ipproto::kTcp && l4_hdr_len != 0; }
  bool is_udp() const noexcept { return ip_proto == ipproto::kUdp && l4_hdr_len != 0; }
  bool is_icmp() const noexcept {
    return (ip_proto == ipproto::kIcmp || ip_proto == ipproto::kIcmpv6) && l4_hdr_len != 0;
  }
  Bytes bytes() const noexcept { return {data, caplen}; }
  Bytes payload() const noexcept { return {data + payload_off, payload_len}; }
  Bytes l3() const noexcept { return {data + l3_off, caplen - l3_off}; }
};

}  // namespace ww
