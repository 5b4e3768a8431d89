// decode: link, network and transport headers of one frame into a Packet view.
//
// Invariants: never allocates, never throws, never logs. A malformed header is counted under
// "decoder.event.<layer>.<reason>" (Suricata's names where Suricata has one) and the packet is
// marked invalid; it still counts in decoder.pkts/bytes.
// Limits: at most 2 VLAN tags, 3 levels of tunnel encapsulation, 8 IPv6 extension headers.
#pragma once

#include <cstdint>

#include "core/packet.h"
#include "core/stats.h"

namespace ww::decode {

struct DecodeConfig {
  bool ipv4_checksum = true;   // validate IPv4 header checksums (counted, packet kept)
  bool l4_checksum = false;    // validate TCP/UDP/ICMP checksums (off: pcaps often carry
                               // NIC-offloaded checksums; Suricata's -k none)
  bool decode_tunnels = true;  // GRE, VXLAN (udp/4789), ERSPAN, IP-in-IP
  uint16_t vxlan_port = 4789;
};

enum class DecodeStatus : uint8_t {
  Ok,        // fully decoded (may be non-IP, e.g. ARP: ip_version == 0)
  Fragment,  // an IP fragment: hand to the Defragmenter
  Invalid,   // malformed: counted, do not track
};

class Decoder {
 public:
  explicit Decoder(StatsBlock& stats, const DecodeConfig& cfg = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes p.data[0, caplen) according to p.linktype and fills p's layer fields.
  DecodeStatus decode(Packet& p) noexcept;
  // Decodes starting at an IP header at offset `l3_off` (used for defragmented datagrams).
  // Keeps the capture and link fields (ts, vlan, tunnels) and does not count decoder.pkts.
  DecodeStatus decode_ip(Packet& p, uint16_t l3_off) noexcept;

 private:
  struct Impl;
  // Counters are resolved once at construction; see decoder.cpp.
  struct Counters;
  Counters* c_;
  DecodeConfig cfg_;
};

}  // namespace ww::decode
