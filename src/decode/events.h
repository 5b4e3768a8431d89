// Decode events: every malformation the decoder and the defragmenter can report.
//
// Each event is counted as "decoder.event.<name>" and the last one seen is stored in
// Packet::decode_event so an anomaly EVE event can name it. Names follow Suricata's
// decoder-events where Suricata has one ("ipv4.pkt_too_small"); the few that are wardwatch's
// own are marked below.
#pragma once

#include <cstdint>
#include <string_view>

namespace ww::decode {

// X(enumerator, "layer.reason")
#define WW_DECODE_EVENTS(X)                                              \
  X(EthPktTooSmall, "ethernet.pkt_too_small")                            \
  X(VlanHeaderTooSmall, "vlan.header_too_small")                         \
  X(VlanTooManyLayers, "vlan.too_many_layers")                           \
  X(SllPktTooSmall, "sll.pkt_too_small")                                 \
  X(NullPktTooSmall, "null.pkt_too_small")                               \
  X(NullUnsupportedType, "null.unsupported_type")                        \
  X(PppoePktTooSmall, "pppoe.pkt_too_small")                             \
  X(PppPktTooSmall, "ppp.pkt_too_small")                                 \
  X(ChdlcPktTooSmall, "chdlc.pkt_too_small")                             \
  X(RawInvalidIpVersion, "ipraw.invalid_ip_version")                     \
  X(UnsupportedLinktype, "decoder.unsupported_linktype") /* wardwatch */ \
  X(TooManyLayers, "decoder.too_many_layers")                            \
  X(Ipv4PktTooSmall, "ipv4.pkt_too_small")                               \
  X(Ipv4HlenTooSmall, "ipv4.hlen_too_small")                             \
  X(Ipv4IplenSmallerThanHlen, "ipv4.iplen_smaller_than_hlen")            \
  X(Ipv4TruncPkt, "ipv4.trunc_pkt")                                      \
  X(Ipv4WrongIpVersion, "ipv4.wrong_ip_version")                         \
  X(Ipv4OptInvalidLen, "ipv4.opt_invalid_len")                           \
  X(Ipv4OptMalformed, "ipv4.opt_malformed")                              \
  X(Ipv4ChecksumInvalid, "ipv4.checksum_invalid") /* wardwatch */        \
  X(Ipv4FragPktTooLarge, "ipv4.frag_pkt_too_large")                      \
  X(Ipv4FragOverlap, "ipv4.frag_overlap")                                \
  X(Ipv4FragInvalidLength, "ipv4.frag_invalid_length") /* wardwatch */   \
  X(Ipv6PktTooSmall, "ipv6.pkt_too_small")                               \
  X(Ipv6TruncPkt, "ipv6.trunc_pkt")                                      \
  X(Ipv6WrongIpVersion, "ipv6.wrong_ip_version")                         \
  X(Ipv6TruncExthdr, "ipv6.trunc_exthdr")                                \
  X(Ipv6ExthdrInvalidOptlen, "ipv6.exthdr_invalid_optlen")               \
  X(Ipv6ExthdrDuplFh, "ipv6.exthdr_dupl_fh")                             \
  X(Ipv6ExthdrUselessFh, "ipv6.exthdr_useless_fh")                       \
  X(Ipv6ExthdrTooMany, "ipv6.exthdr_too_many") /* wardwatch */           \
  X(Ipv6RhType0, "ipv6.rh_type_0")                                       \
  X(Ipv6FhNonZeroReserved, "ipv6.fh_non_zero_reserved_field")            \
  X(Ipv6FragPktTooLarge, "ipv6.frag_pkt_too_large")                      \
  X(Ipv6FragOverlap, "ipv6.frag_overlap")                                \
  X(Ipv6FragInvalidLength, "ipv6.frag_invalid_length")                   \
  X(TcpPktTooSmall, "tcp.pkt_too_small")                                 \
  X(TcpHlenTooSmall, "tcp.hlen_too_small")                               \
  X(TcpInvalidOptlen, "tcp.invalid_optlen")                              \
  X(TcpChecksumInvalid, "tcp.checksum_invalid") /* wardwatch */          \
  X(UdpPktTooSmall, "udp.pkt_too_small")                                 \
  X(UdpHlenTooSmall, "udp.hlen_too_small")                               \
  X(UdpHlenInvalid, "udp.hlen_invalid")                                  \
  X(UdpChecksumInvalid, "udp.checksum_invalid") /* wardwatch */          \
  X(Icmpv4PktTooSmall, "icmpv4.pkt_too_small")                           \
  X(Icmpv4ChecksumInvalid, "icmpv4.checksum_invalid") /* wardwatch */    \
  X(Icmpv6PktTooSmall, "icmpv6.pkt_too_small")                           \
  X(Icmpv6ChecksumInvalid, "icmpv6.checksum_invalid") /* wardwatch */    \
  X(GrePktTooSmall, "gre.pkt_too_small")                                 \
  X(GreWrongVersion, "gre.wrong_version")                                \
  X(GreVersion0Recur, "gre.version0_recur")                              \
  X(GreVersion0Flags, "gre.version0_flags")                              \
  X(ErspanHeaderTooSmall, "erspan.header_too_small")                     \
  X(ErspanUnsupportedVersion, "erspan.unsupported_version")

enum class DecodeEvent : uint16_t {
  None = 0,
#define WW_X(e, s) e,
  WW_DECODE_EVENTS(WW_X)
#undef WW_X
      Count
};

inline constexpr size_t kDecodeEventCount = static_cast<size_t>(DecodeEvent::Count);

// "ipv4.pkt_too_small"; "" for None or an out-of-range value.
constexpr std::string_view decode_event_name(DecodeEvent e) noexcept {
  constexpr std::string_view kNames[] = {"",
#define WW_X(e, s) s,
                                         WW_DECODE_EVENTS(WW_X)
#undef WW_X
  };
  auto i = static_cast<size_t>(e);
  return i < kDecodeEventCount ? kNames[i] : std::string_view{};
}
constexpr std::string_view decode_event_name(uint16_t e) noexcept {
  return decode_event_name(static_cast<DecodeEvent>(e));
}

}  // namespace ww::decode
