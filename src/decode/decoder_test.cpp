#include "decode/decoder.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "decode/events.h"
#include "decode/test_util.h"

namespace ww::decode {
namespace {

using test::cat;
using test::Frame;
using test::packet_of;

// --- header building blocks; every array is one header, commented field by field ---

// IEEE 802.3 clause 3.1.1 Ethernet II header.
Frame eth(uint16_t type) {
  return {0x00,
          0x11,
          0x22,
          0x33,
          0x44,
          0x55,  // destination MAC
          0x66,
          0x77,
          0x88,
          0x99,
          0xaa,
          0xbb,  // source MAC
          uint8_t(type >> 8),
          uint8_t(type)};  // ethertype
}

// IEEE 802.1Q tag (follows a TPID that sits in the previous ethertype field).
Frame vlan_tag(uint16_t vid, uint16_t next_type) {
  return {uint8_t(0x20 | (vid >> 8)), uint8_t(vid),      // PCP=1 DEI=0 VID
          uint8_t(next_type >> 8), uint8_t(next_type)};  // inner ethertype
}

// RFC 791 section 3.1 IPv4 header, no options; length and checksum are fixed up later.
Frame ipv4(uint8_t proto, uint8_t src_last = 10, uint8_t dst_last = 1) {
  return {0x45,                       // version 4, IHL 5 (20 bytes)
          0x00,                       // DSCP/ECN
          0x00,  0x00,                // total length (fix_ipv4)
          0x12,  0x34,                // identification
          0x40,  0x00,                // flags DF, fragment offset 0
          0x40,                       // TTL 64
          proto,                      // protocol
          0x00,  0x00,                // header checksum (fix_ipv4)
          192,   168,  1, src_last,   // source
          10,    0,    0, dst_last};  // destination
}

// RFC 8200 section 3 IPv6 header; payload length fixed up later.
Frame ipv6(uint8_t next) {
  return {0x60, 0x00, 0x00, 0x00,  // version 6, traffic class 0, flow label 0
          0x00, 0x00,              // payload length (fix_ipv6)
          next,                    // next header
          0x40,                    // hop limit 64
          0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,   // src 2001:db8::1
          0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};  // dst 2001:db8::2
}

// RFC 9293 section 3.1 TCP SYN with options (RFC 9293 MSS, RFC 2018 SACK-permitted,
// RFC 7323 timestamps and window scale).
Frame tcp_syn() {
  return {0xc0, 0x01,              // source port 49153
          0x00, 0x50,              // destination port 80
          0x01, 0x02, 0x03, 0x04,  // sequence number
          0x00, 0x00, 0x00, 0x00,  // acknowledgment number
          0xa0,                    // data offset 10 (40 bytes), reserved
          0x02,                    // flags SYN
          0xfa, 0xf0,              // window 64240
          0x00, 0x00,              // checksum (fix_l4_csum when tested)
          0x00, 0x00,              // urgent pointer
          0x02, 0x04, 0x05, 0xb4,  // MSS 1460
          0x04, 0x02,              // SACK permitted
          0x08, 0x0a, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x09,  // TS val 7 ecr 9
          0x01,                                                        // NOP
          0x03, 0x03, 0x07};                                           // window scale 7
}

// RFC 9293 TCP ACK+PSH, no options, followed by the payload.
Frame tcp_ack(std::initializer_list<uint8_t> payload = {}) {
  Frame f = {0x00, 0x50,              // source port 80
             0xc0, 0x01,              // destination port 49153
             0x00, 0x00, 0x10, 0x00,  // sequence number
             0x01, 0x02, 0x03, 0x05,  // acknowledgment number
             0x50,                    // data offset 5 (20 bytes)
             0x18,                    // flags PSH ACK
             0x01, 0x00,              // window 256
             0x00, 0x00,              // checksum
             0x00, 0x00};             // urgent pointer
  f.insert(f.end(), payload);
  return f;
}

// RFC 768 UDP header followed by the payload; length fixed up later.
Frame udp(uint16_t sport, uint16_t dport, std::initializer_list<uint8_t> payload = {}) {
  Frame f = {uint8_t(sport >> 8),
             uint8_t(sport),  // source port
             uint8_t(dport >> 8),
             uint8_t(dport),  // destination port
             0x00,
             0x00,  // length (fix_udp_len)
             0x00,
             0x00};  // checksum (0: none over IPv4)
  f.insert(f.end(), payload);
  return f;
}

// RFC 792 ICMP echo request.
Frame icmp4_echo() {
  return {0x08, 0x00,             // type 8 echo request, code 0
          0x00, 0x00,             // checksum
          0x12, 0x34,             // identifier
          0x00, 0x05,             // sequence number
          'p',  'i',  'n', 'g'};  // data
}

// RFC 4443 section 4.1 ICMPv6 echo request.
Frame icmp6_echo() {
  return {0x80, 0x00,  // type 128 echo request, code 0
          0x00, 0x00,  // checksum
          0xbe, 0xef,  // identifier
          0x00, 0x02,  // sequence number
          'p',  'i',  'n', 'g'};
}

// Ethernet/IPv4/<l4> with lengths and the IPv4 checksum fixed; `pad` trailing zero bytes are
// Ethernet padding outside the IP packet.
Frame eth_ipv4(uint8_t proto, const Frame& l4, size_t pad = 0) {
  Frame f = cat({eth(0x0800), ipv4(proto), l4, Frame(pad, 0)});
  if (proto == ipproto::kUdp) test::fix_udp_len(f, 34, pad);
  test::fix_ipv4(f, 14, pad);
  return f;
}

Frame eth_ipv6(uint8_t next, const Frame& rest) {
  Frame f = cat({eth(0x86dd), ipv6(next), rest});
  test::fix_ipv6(f, 14);
  return f;
}

class DecoderTest : public ::testing::Test {
 protected:
  DecodeStatus run(const Frame& f, uint32_t lt = linktype::kEthernet) {
    p_ = packet_of(f, lt);
    return dec_.decode(p_);
  }
  uint64_t count(const std::string& name) const { return stats_.value(name); }
  std::string last_event() const { return std::string(decode_event_name(p_.decode_event)); }

  StatsBlock stats_{"test"};
  Decoder dec_{stats_};
  Packet p_;
};

// --- Ethernet / IPv4 / TCP ---

TEST_F(DecoderTest, EthernetIpv4TcpSynWithOptions) {
  Frame f = eth_ipv4(ipproto::kTcp, tcp_syn());
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_EQ(p_.ip_version, 4);
  EXPECT_EQ(p_.src.str(), "192.168.1.10");
  EXPECT_EQ(p_.dst.str(), "10.0.0.1");
  EXPECT_EQ(p_.ttl, 64);
  EXPECT_EQ(p_.ip_id, 0x1234u);
  EXPECT_TRUE(p_.dont_frag);
  EXPECT_FALSE(p_.is_fragment);
  EXPECT_FALSE(p_.ip_csum_bad);
  EXPECT_EQ(p_.l3_off, 14);
  EXPECT_EQ(p_.l3_hdr_len, 20);
  EXPECT_EQ(p_.ip_total_len, 60);
  EXPECT_TRUE(p_.is_tcp());
  EXPECT_EQ(p_.l4_off, 34);
  EXPECT_EQ(p_.l4_hdr_len, 40);
  EXPECT_EQ(p_.sport, 49153);
  EXPECT_EQ(p_.dport, 80);
  EXPECT_EQ(p_.tcp_seq, 0x01020304u);
  EXPECT_EQ(p_.tcp_flags, tcpflag::kSyn);
  EXPECT_EQ(p_.tcp_win, 64240);
  EXPECT_TRUE(p_.tcp_opts.has_mss);
  EXPECT_EQ(p_.tcp_opts.mss, 1460);
  EXPECT_TRUE(p_.tcp_opts.sack_permitted);
  EXPECT_TRUE(p_.tcp_opts.has_ts);
  EXPECT_EQ(p_.tcp_opts.ts_val, 7u);
  EXPECT_EQ(p_.tcp_opts.ts_ecr, 9u);
  EXPECT_TRUE(p_.tcp_opts.has_wscale);
  EXPECT_EQ(p_.tcp_opts.wscale, 7);
  EXPECT_EQ(p_.payload_off, 74);
  EXPECT_EQ(p_.payload_len, 0);
  EXPECT_EQ(p_.decode_event, 0);
  EXPECT_EQ(count("decoder.pkts"), 1u);
  EXPECT_EQ(count("decoder.bytes"), f.size());
  EXPECT_EQ(count("decoder.max_pkt_size"), f.size());
  EXPECT_EQ(count("decoder.ethernet"), 1u);
  EXPECT_EQ(count("decoder.ipv4"), 1u);
  EXPECT_EQ(count("decoder.tcp"), 1u);
  EXPECT_EQ(count("decoder.invalid"), 0u);
}

TEST_F(DecoderTest, EthernetPaddingIsTrimmedByIpTotalLength) {
  // 14 + 20 + 20 + 3 payload = 57 bytes, padded to the 60-byte Ethernet minimum.
  Frame f = eth_ipv4(ipproto::kTcp, tcp_ack({'a', 'b', 'c'}), 3);
  ASSERT_EQ(f.size(), 60u);
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_EQ(p_.payload_len, 3);
  EXPECT_EQ(p_.payload()[0], 'a');
  EXPECT_EQ(p_.tcp_flags, tcpflag::kPsh | tcpflag::kAck);
}

TEST_F(DecoderTest, Ipv4HeaderChecksum) {
  Frame f = eth_ipv4(ipproto::kTcp, tcp_ack());
  f[14 + 10] ^= 0x01;                   // corrupt the header checksum
  ASSERT_EQ(run(f), DecodeStatus::Ok);  // counted, packet kept
  EXPECT_TRUE(p_.ip_csum_bad);
  EXPECT_EQ(last_event(), "ipv4.checksum_invalid");
  EXPECT_EQ(count("decoder.event.ipv4.checksum_invalid"), 1u);

  StatsBlock s2;
  Decoder no_csum(s2, DecodeConfig{.ipv4_checksum = false});
  Packet p = packet_of(f);
  ASSERT_EQ(no_csum.decode(p), DecodeStatus::Ok);
  EXPECT_FALSE(p.ip_csum_bad);
}

TEST_F(DecoderTest, Ipv4Options) {
  // RFC 791 options: NOP(1), Record Route type 7 len 7 pointer 4 + one address, EOL(0).
  Frame f = cat({eth(0x0800), ipv4(ipproto::kTcp), tcp_ack()});
  Frame opts = {0x01,                          // NOP
                0x07, 0x07, 0x04, 0, 0, 0, 0,  // RR: type 7, length 7, pointer 4, 1 slot
                0x00,                          // EOL
                0x00, 0x00, 0x00};             // padding to 12 bytes
  f.insert(f.begin() + 34, opts.begin(), opts.end());
  f[14] = 0x48;  // IHL 8 (32 bytes)
  test::fix_ipv4(f, 14);
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_EQ(p_.l3_hdr_len, 32);
  EXPECT_EQ(p_.l4_off, 46);
  EXPECT_EQ(p_.decode_event, 0);

  f[14 + 20 + 2] = 1;  // RR length 1 (< 2)
  test::fix_ipv4(f, 14);
  ASSERT_EQ(run(f), DecodeStatus::Ok);  // options are walked, not fatal
  EXPECT_EQ(last_event(), "ipv4.opt_invalid_len");
  f[14 + 20 + 2] = 40;  // RR length past the header
  test::fix_ipv4(f, 14);
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_EQ(count("decoder.event.ipv4.opt_invalid_len"), 2u);
}

TEST_F(DecoderTest, Ipv4Malformations) {
  Frame good = eth_ipv4(ipproto::kTcp, tcp_ack());
  struct Case {
    size_t at;
    uint8_t value;
    const char* event;
  } cases[] = {
      {14, 0x55, "ipv4.wrong_ip_version"},           // version 5
      {14, 0x44, "ipv4.hlen_too_small"},             // IHL 4
      {14 + 3, 10, "ipv4.iplen_smaller_than_hlen"},  // total length 10 (< 20)
      {14 + 3, 200, "ipv4.trunc_pkt"},               // total length 200 (> captured)
  };
  for (const auto& c : cases) {
    Frame f = good;
    f[c.at] = c.value;
    EXPECT_EQ(run(f), DecodeStatus::Invalid) << c.event;
    EXPECT_EQ(last_event(), c.event);
    EXPECT_EQ(count(std::string("decoder.event.") + c.event), 1u) << c.event;
  }
  EXPECT_EQ(count("decoder.invalid"), 4u);
}

TEST_F(DecoderTest, Ipv4FragmentIsHandedToDefrag) {
  Frame f = eth_ipv4(ipproto::kUdp, udp(53, 53, {1, 2, 3, 4, 5, 6, 7, 8}));
  f[14 + 6] = 0x20;  // MF, offset 0
  test::fix_ipv4(f, 14);
  ASSERT_EQ(run(f), DecodeStatus::Fragment);
  EXPECT_TRUE(p_.is_fragment);
  EXPECT_TRUE(p_.more_frags);
  EXPECT_EQ(p_.frag_off, 0);
  EXPECT_EQ(p_.ip_id, 0x1234u);
  EXPECT_EQ(p_.payload_off, 34);
  EXPECT_EQ(p_.payload_len, 16);
  EXPECT_EQ(p_.l4_hdr_len, 0);  // transport is not decoded from a fragment

  f[14 + 6] = 0x00;
  f[14 + 7] = 0x03;  // offset 3 * 8 = 24, last fragment
  test::fix_ipv4(f, 14);
  ASSERT_EQ(run(f), DecodeStatus::Fragment);
  EXPECT_EQ(p_.frag_off, 24);
  EXPECT_FALSE(p_.more_frags);
}

// --- TCP ---

TEST_F(DecoderTest, TcpMalformations) {
  Frame f = eth_ipv4(ipproto::kTcp, tcp_syn());
  f[34 + 12] = 0x40;  // data offset 4 (16 bytes)
  EXPECT_EQ(run(f), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "tcp.hlen_too_small");
  f[34 + 12] = 0xf0;  // data offset 15 (60 bytes) > 40 available
  EXPECT_EQ(run(f), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "tcp.pkt_too_small");

  Frame g = eth_ipv4(ipproto::kTcp, Frame(12, 0));  // 12 bytes of TCP
  EXPECT_EQ(run(g), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "tcp.pkt_too_small");
}

TEST_F(DecoderTest, TcpBadOptionLengths) {
  Frame f = eth_ipv4(ipproto::kTcp, tcp_syn());
  f[34 + 20 + 1] = 6;  // MSS option length 6 (must be 4): skipped, counted, walk goes on
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_FALSE(p_.tcp_opts.has_mss);
  EXPECT_TRUE(p_.tcp_opts.has_ts);  // the options after it are still read
  EXPECT_TRUE(p_.tcp_opts.has_wscale);
  EXPECT_EQ(last_event(), "tcp.invalid_optlen");

  f = eth_ipv4(ipproto::kTcp, tcp_syn());
  f[34 + 20 + 1] = 1;  // MSS length 1: the walk stops
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_FALSE(p_.tcp_opts.has_ts);
  f[34 + 20 + 1] = 30;  // past the end of the options
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_EQ(count("decoder.event.tcp.invalid_optlen"), 3u);
}

TEST_F(DecoderTest, TcpSackBlocks) {
  Frame t = tcp_ack();
  t[12] = 0x80;                                       // data offset 8: 12 option bytes
  Frame opts = {0x01, 0x01,                           // NOP NOP
                0x05, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2};  // SACK, 1 block [1, 2)
  t.insert(t.end(), opts.begin(), opts.end());
  Frame f = eth_ipv4(ipproto::kTcp, t);
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_EQ(p_.tcp_opts.sack_blocks, 1);
  EXPECT_EQ(p_.payload_len, 0);
}

// --- UDP / ICMP ---

TEST_F(DecoderTest, UdpLengthValidation) {
  Frame f = eth_ipv4(ipproto::kUdp, udp(1234, 53, {0xde, 0xad}));
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_TRUE(p_.is_udp());
  EXPECT_EQ(p_.sport, 1234);
  EXPECT_EQ(p_.dport, 53);
  EXPECT_EQ(p_.payload_len, 2);
  EXPECT_EQ(p_.payload()[0], 0xde);

  f[34 + 5] = 12;  // UDP length 12 > 10 available
  EXPECT_EQ(run(f), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "udp.pkt_too_small");
  f[34 + 5] = 9;  // UDP length 9 < 10: trailing bytes inside the IP packet
  EXPECT_EQ(run(f), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "udp.hlen_invalid");
  Frame g = eth_ipv4(ipproto::kUdp, Frame(7, 0));  // 7 bytes of UDP
  EXPECT_EQ(run(g), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "udp.hlen_too_small");
}

TEST_F(DecoderTest, IcmpEcho) {
  Frame f = eth_ipv4(ipproto::kIcmp, icmp4_echo());
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_TRUE(p_.is_icmp());
  EXPECT_EQ(p_.icmp_type, 8);
  EXPECT_EQ(p_.icmp_id, 0x1234);
  EXPECT_EQ(p_.icmp_seq, 5);
  EXPECT_EQ(p_.payload_len, 4);
  Frame g = eth_ipv6(ipproto::kIcmpv6, icmp6_echo());
  ASSERT_EQ(run(g), DecodeStatus::Ok);
  EXPECT_EQ(p_.icmp_type, 128);
  EXPECT_EQ(p_.icmp_id, 0xbeef);
  EXPECT_EQ(p_.icmp_seq, 2);
  EXPECT_EQ(count("decoder.icmpv4"), 1u);
  EXPECT_EQ(count("decoder.icmpv6"), 1u);
  Frame h = eth_ipv4(ipproto::kIcmp, Frame(4, 0));
  EXPECT_EQ(run(h), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "icmpv4.pkt_too_small");
}

class L4ChecksumTest : public DecoderTest {
 protected:
  L4ChecksumTest() = default;
  DecodeStatus run_csum(const Frame& f) {
    p_ = packet_of(f);
    return dec_csum_.decode(p_);
  }
  Decoder dec_csum_{stats_, DecodeConfig{.l4_checksum = true}};
};

TEST_F(L4ChecksumTest, GoodAndBadChecksums) {
  struct Case {
    Frame f;
    size_t l3, l4;
    uint8_t proto;
    const char* event;
  } cases[] = {
      {eth_ipv4(ipproto::kTcp, tcp_ack({'x', 'y', 'z'})), 14, 34, ipproto::kTcp,
       "tcp.checksum_invalid"},
      {eth_ipv4(ipproto::kUdp, udp(5, 6, {1, 2, 3})), 14, 34, ipproto::kUdp,
       "udp.checksum_invalid"},
      {eth_ipv4(ipproto::kIcmp, icmp4_echo()), 14, 34, ipproto::kIcmp, "icmpv4.checksum_invalid"},
      {eth_ipv6(ipproto::kIcmpv6, icmp6_echo()), 14, 54, ipproto::kIcmpv6,
       "icmpv6.checksum_invalid"},
      {eth_ipv6(ipproto::kTcp, tcp_ack({1})), 14, 54, ipproto::kTcp, "tcp.checksum_invalid"},
  };
  for (auto& c : cases) {
    test::fix_l4_csum(c.f, c.l3, c.l4, c.proto);
    ASSERT_EQ(run_csum(c.f), DecodeStatus::Ok) << c.event;
    EXPECT_FALSE(p_.l4_csum_bad) << c.event;
    c.f.back() ^= 0x5a;  // flip payload bits
    ASSERT_EQ(run_csum(c.f), DecodeStatus::Ok) << c.event;
    EXPECT_TRUE(p_.l4_csum_bad) << c.event;
    EXPECT_EQ(last_event(), c.event);
  }
  // UDP over IPv4 with checksum 0: not computed by the sender, not an error.
  Frame u = eth_ipv4(ipproto::kUdp, udp(5, 6, {1, 2, 3}));
  ASSERT_EQ(run_csum(u), DecodeStatus::Ok);
  EXPECT_FALSE(p_.l4_csum_bad);
  // Off by default: the same bad packet is not flagged.
  u[34 + 6] = 0x12;
  ASSERT_EQ(run(u), DecodeStatus::Ok);
  EXPECT_FALSE(p_.l4_csum_bad);
}

// --- VLAN ---

TEST_F(DecoderTest, VlanSingleAndQinq) {
  Frame l3 = cat({ipv4(ipproto::kTcp), tcp_ack()});
  test::fix_ipv4(l3, 0);
  Frame one = cat({eth(0x8100), vlan_tag(100, 0x0800), l3});
  ASSERT_EQ(run(one), DecodeStatus::Ok);
  EXPECT_EQ(p_.vlan_count, 1);
  EXPECT_EQ(p_.vlan[0], 100);
  EXPECT_EQ(p_.l3_off, 18);
  EXPECT_TRUE(p_.is_tcp());

  for (uint16_t outer : {0x88a8, 0x9100}) {
    Frame two = cat({eth(outer), vlan_tag(10, 0x8100), vlan_tag(20, 0x0800), l3});
    ASSERT_EQ(run(two), DecodeStatus::Ok);
    EXPECT_EQ(p_.vlan_count, 2);
    EXPECT_EQ(p_.vlan[0], 10);
    EXPECT_EQ(p_.vlan[1], 20);
    EXPECT_EQ(p_.l3_off, 22);
  }
  EXPECT_EQ(count("decoder.vlan"), 3u);
  EXPECT_EQ(count("decoder.vlan_qinq"), 2u);

  Frame three =
      cat({eth(0x88a8), vlan_tag(1, 0x8100), vlan_tag(2, 0x8100), vlan_tag(3, 0x0800), l3});
  EXPECT_EQ(run(three), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "vlan.too_many_layers");
  Frame cut = cat({eth(0x8100), Frame{0x00, 0x64}});  // tag cut after the TCI
  EXPECT_EQ(run(cut), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "vlan.header_too_small");
}

TEST_F(DecoderTest, NonIpFramesAreOk) {
  // RFC 826 ARP request over Ethernet.
  Frame arp = cat({eth(0x0806), Frame{0x00, 0x01,  // hardware type Ethernet
                                      0x08, 0x00,  // protocol type IPv4
                                      6,    4,     // hw/proto address lengths
                                      0x00, 0x01,  // opcode request
                                      0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,  // sender MAC
                                      192,  168,  1,    10,                // sender IP
                                      0,    0,    0,    0,    0,    0,     // target MAC
                                      192,  168,  1,    1}});              // target IP
  ASSERT_EQ(run(arp), DecodeStatus::Ok);
  EXPECT_EQ(p_.ip_version, 0);
  EXPECT_FALSE(p_.has_ip());
  EXPECT_EQ(count("decoder.arp"), 1u);
  // IEEE 802.1AB LLDP: ethertype 0x88cc, counted as unknown ethertype.
  Frame lldp = cat({eth(0x88cc), Frame{0x02, 0x07, 0x04, 0, 0, 0, 0, 0, 1}});
  ASSERT_EQ(run(lldp), DecodeStatus::Ok);
  EXPECT_EQ(count("decoder.unknown_ethertype"), 1u);
  EXPECT_EQ(run(Frame(13, 0)), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "ethernet.pkt_too_small");
}

TEST_F(DecoderTest, PacketIsResetBetweenFrames) {
  Frame tcp = eth_ipv4(ipproto::kTcp, tcp_syn());
  ASSERT_EQ(run(tcp), DecodeStatus::Ok);
  Frame arp = cat({eth(0x0806), Frame(28, 0)});
  p_.data = arp.data();
  p_.caplen = uint32_t(arp.size());
  ASSERT_EQ(dec_.decode(p_), DecodeStatus::Ok);
  EXPECT_EQ(p_.ip_version, 0);
  EXPECT_EQ(p_.sport, 0);
  EXPECT_FALSE(p_.tcp_opts.has_mss);
  EXPECT_EQ(p_.payload_len, 0);
}

// --- other link types ---

TEST_F(DecoderTest, LinuxSllAndSll2) {
  Frame l3 = cat({ipv4(ipproto::kUdp), udp(1, 2, {9})});
  test::fix_udp_len(l3, 20);
  test::fix_ipv4(l3, 0);
  // Linux cooked capture v1 (DLT_LINUX_SLL, 16 bytes).
  Frame sll = cat({Frame{0x00, 0x00,                                // packet type: to us
                         0x00, 0x01,                                // ARPHRD_ETHER
                         0x00, 0x06,                                // address length 6
                         0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0, 0,  // address, padded to 8
                         0x08, 0x00},                               // protocol IPv4
                   l3});
  ASSERT_EQ(run(sll, linktype::kLinuxSll), DecodeStatus::Ok);
  EXPECT_EQ(p_.l3_off, 16);
  EXPECT_TRUE(p_.is_udp());
  // Linux cooked capture v2 (DLT_LINUX_SLL2, 20 bytes).
  Frame sll2 = cat({Frame{0x08, 0x00,                                 // protocol IPv4
                          0x00, 0x00,                                 // reserved
                          0x00, 0x00, 0x00, 0x02,                     // interface index 2
                          0x00, 0x01,                                 // ARPHRD_ETHER
                          0x04,                                       // packet type: outgoing
                          0x06,                                       // address length 6
                          0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0, 0},  // address
                    l3});
  ASSERT_EQ(run(sll2, linktype::kLinuxSll2), DecodeStatus::Ok);
  EXPECT_EQ(p_.l3_off, 20);
  EXPECT_TRUE(p_.is_udp());
  EXPECT_EQ(count("decoder.sll"), 2u);
  EXPECT_EQ(run(Frame(15, 0), linktype::kLinuxSll), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "sll.pkt_too_small");
}

TEST_F(DecoderTest, PppAndCiscoHdlc) {
  Frame l3 = cat({ipv4(ipproto::kUdp), udp(1, 2, {9})});
  test::fix_udp_len(l3, 20);
  test::fix_ipv4(l3, 0);
  // DLT_PPP, protocol field compressed to one byte (RFC 1661 6.5): 0x21 IPv4.
  ASSERT_EQ(run(cat({Frame{0x21}, l3}), linktype::kPpp), DecodeStatus::Ok);
  EXPECT_EQ(p_.l3_off, 1);
  EXPECT_TRUE(p_.is_udp());
  // Address/control and a two-byte protocol.
  ASSERT_EQ(run(cat({Frame{0xff, 0x03, 0x00, 0x21}, l3}), linktype::kPpp), DecodeStatus::Ok);
  EXPECT_EQ(p_.l3_off, 4);
  EXPECT_TRUE(p_.is_udp());
  EXPECT_EQ(count("decoder.ppp"), 2u);
  EXPECT_EQ(run(Frame{0x00}, linktype::kPpp), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "ppp.pkt_too_small");
  // Cisco HDLC: address, control, ethertype.
  ASSERT_EQ(run(cat({Frame{0x0f, 0x00, 0x08, 0x00}, l3}), linktype::kChdlc), DecodeStatus::Ok);
  EXPECT_EQ(p_.l3_off, 4);
  EXPECT_TRUE(p_.is_udp());
  EXPECT_EQ(count("decoder.chdlc"), 1u);
  EXPECT_EQ(run(Frame{0x0f, 0x00, 0x08}, linktype::kChdlc), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "chdlc.pkt_too_small");
}

TEST_F(DecoderTest, NullAndLoopback) {
  Frame l4 = cat({ipv4(ipproto::kTcp), tcp_ack()});
  test::fix_ipv4(l4, 0);
  Frame l6 = cat({ipv6(ipproto::kTcp), tcp_ack()});
  test::fix_ipv6(l6, 0);
  // DLT_NULL: AF_INET (2) in the capturing host's order, little and big endian.
  ASSERT_EQ(run(cat({Frame{0x02, 0x00, 0x00, 0x00}, l4}), linktype::kNull), DecodeStatus::Ok);
  EXPECT_EQ(p_.ip_version, 4);
  ASSERT_EQ(run(cat({Frame{0x00, 0x00, 0x00, 0x02}, l4}), linktype::kNull), DecodeStatus::Ok);
  EXPECT_EQ(p_.ip_version, 4);
  // DLT_LOOP (network order): AF_INET6 as macOS (30) and FreeBSD (28) number it.
  ASSERT_EQ(run(cat({Frame{0x00, 0x00, 0x00, 30}, l6}), linktype::kLoop), DecodeStatus::Ok);
  EXPECT_EQ(p_.ip_version, 6);
  ASSERT_EQ(run(cat({Frame{28, 0x00, 0x00, 0x00}, l6}), linktype::kNull), DecodeStatus::Ok);
  EXPECT_EQ(p_.ip_version, 6);
  EXPECT_EQ(count("decoder.null"), 4u);
  EXPECT_EQ(run(cat({Frame{0x07, 0, 0, 0}, l4}), linktype::kNull), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "null.unsupported_type");
  EXPECT_EQ(run(Frame{2, 0, 0}, linktype::kNull), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "null.pkt_too_small");
}

TEST_F(DecoderTest, RawIp) {
  Frame l4 = cat({ipv4(ipproto::kTcp), tcp_ack()});
  test::fix_ipv4(l4, 0);
  Frame l6 = cat({ipv6(ipproto::kTcp), tcp_ack()});
  test::fix_ipv6(l6, 0);
  for (uint32_t lt : {linktype::kRaw, linktype::kRawAlt, linktype::kRaw101}) {
    ASSERT_EQ(run(l4, lt), DecodeStatus::Ok);
    EXPECT_EQ(p_.ip_version, 4);
    EXPECT_EQ(p_.l3_off, 0);
    ASSERT_EQ(run(l6, lt), DecodeStatus::Ok);
    EXPECT_EQ(p_.ip_version, 6);
  }
  ASSERT_EQ(run(l4, linktype::kIpv4), DecodeStatus::Ok);
  ASSERT_EQ(run(l6, linktype::kIpv6), DecodeStatus::Ok);
  EXPECT_EQ(run(l6, linktype::kIpv4), DecodeStatus::Invalid);  // DLT 228 is IPv4 only
  EXPECT_EQ(last_event(), "ipv4.wrong_ip_version");
  EXPECT_EQ(count("decoder.raw"), 9u);
  Frame bad = l4;
  bad[0] = 0x55;
  EXPECT_EQ(run(bad, linktype::kRaw), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "ipraw.invalid_ip_version");
  EXPECT_EQ(run(l4, 147), DecodeStatus::Invalid);  // DLT_USER0: not supported
  EXPECT_EQ(last_event(), "decoder.unsupported_linktype");
}

TEST_F(DecoderTest, PppoeSession) {
  Frame l3 = cat({ipv4(ipproto::kTcp), tcp_ack()});
  test::fix_ipv4(l3, 0);
  // RFC 2516 section 4: PPPoE session header, then the PPP protocol field (RFC 1661).
  Frame f = cat({eth(0x8864),
                 Frame{0x11,                          // version 1, type 1
                       0x00,                          // code 0 (session data)
                       0x12, 0x34,                    // session id
                       0x00, uint8_t(l3.size() + 2),  // length: PPP protocol + IP
                       0x00, 0x21},                   // PPP protocol IPv4
                 l3});
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_EQ(p_.l3_off, 22);
  EXPECT_TRUE(p_.is_tcp());
}

// --- IPv6 ---

TEST_F(DecoderTest, Ipv6ExtensionHeaders) {
  // Hop-by-hop (RFC 8200 4.3) -> routing type 2 (4.4) -> destination options (4.6) -> UDP.
  Frame ext = {ipproto::kRouting,
               0x00,  // HBH: next header routing, length 0 (8 bytes)
               0x05,
               0x02,
               0x00,
               0x00,  //   router alert option (RFC 2711), value 0
               0x01,
               0x00,  //   PadN, 0 bytes
               ipproto::kDstOpts,
               0x02,  // RH: next header dst opts, length 2 (24 bytes)
               0x02,
               0x01,  //   routing type 2, segments left 1
               0x00,
               0x00,
               0x00,
               0x00,  //   reserved
               0x20,
               0x01,
               0x0d,
               0xb8,
               0,
               0,
               0,
               0,
               0,
               0,
               0,
               0,
               0,
               0,
               0,
               0x03,  // home address
               ipproto::kUdp,
               0x00,  // DO: next header UDP, length 0 (8 bytes)
               0x00,  //   Pad1
               0x01,
               0x03,
               0x00,
               0x00,
               0x00};  //   PadN, 3 bytes
  Frame f = eth_ipv6(ipproto::kHopOpts, cat({ext, udp(546, 547, {7})}));
  test::fix_udp_len(f, 54 + 40);
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_EQ(p_.ip_version, 6);
  EXPECT_EQ(p_.src.str(), "2001:db8::1");
  EXPECT_EQ(p_.l3_hdr_len, 80);
  EXPECT_EQ(p_.ip_proto, ipproto::kUdp);
  EXPECT_EQ(p_.dport, 547);
  EXPECT_EQ(p_.payload_len, 1);
  EXPECT_EQ(p_.decode_event, 0);

  Frame bad_opt = f;
  bad_opt[54 + 2 + 1] = 9;  // router alert option length 9: past the header
  ASSERT_EQ(run(bad_opt), DecodeStatus::Ok);
  EXPECT_EQ(last_event(), "ipv6.exthdr_invalid_optlen");

  Frame trunc = f;
  trunc[54 + 9] = 20;  // routing header length 20 (168 bytes): past the packet
  EXPECT_EQ(run(trunc), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "ipv6.trunc_exthdr");

  Frame rh0 = f;
  rh0[54 + 10] = 0;  // routing type 0 (RFC 5095)
  ASSERT_EQ(run(rh0), DecodeStatus::Ok);
  EXPECT_EQ(last_event(), "ipv6.rh_type_0");
}

TEST_F(DecoderTest, Ipv6AuthenticationHeader) {
  // RFC 4302 section 2: AH with a 12-byte ICV: payload length (3 + 3) - 2 = 4.
  Frame ah = {ipproto::kTcp,
              0x04,  // next header TCP, payload length 4 (24 bytes)
              0x00,
              0x00,  // reserved
              0x00,
              0x00,
              0x01,
              0x00,  // SPI
              0x00,
              0x00,
              0x00,
              0x01,  // sequence number
              1,
              2,
              3,
              4,
              5,
              6,
              7,
              8,
              9,
              10,
              11,
              12};  // ICV
  Frame f = eth_ipv6(ipproto::kAh, cat({ah, tcp_ack()}));
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_EQ(p_.l3_hdr_len, 64);
  EXPECT_TRUE(p_.is_tcp());
}

// RFC 8200 section 4.5 fragment header.
Frame frag6(uint8_t next, uint16_t off_bytes, bool more, uint32_t id) {
  uint16_t ofl = uint16_t(off_bytes | (more ? 1 : 0));
  return {next,
          0x00,  // next header, reserved
          uint8_t(ofl >> 8),
          uint8_t(ofl),  // offset (13 bits), res, M
          uint8_t(id >> 24),
          uint8_t(id >> 16),
          uint8_t(id >> 8),
          uint8_t(id)};  // id
}

TEST_F(DecoderTest, Ipv6Fragments) {
  Frame f =
      eth_ipv6(ipproto::kFragment, cat({frag6(ipproto::kUdp, 0, true, 0xabcd), Frame(16, 1)}));
  ASSERT_EQ(run(f), DecodeStatus::Fragment);
  EXPECT_TRUE(p_.is_fragment);
  EXPECT_TRUE(p_.more_frags);
  EXPECT_EQ(p_.ip_id, 0xabcdu);
  EXPECT_EQ(p_.ip_proto, ipproto::kUdp);
  EXPECT_EQ(p_.l3_hdr_len, 48);
  EXPECT_EQ(p_.payload_off, 62);
  EXPECT_EQ(p_.payload_len, 16);

  // Atomic fragment (RFC 6946): offset 0 and M=0, decoded in place.
  Frame u = udp(1, 2, {3});
  Frame a = eth_ipv6(ipproto::kFragment, cat({frag6(ipproto::kUdp, 0, false, 7), u}));
  test::fix_udp_len(a, 62);
  ASSERT_EQ(run(a), DecodeStatus::Ok);
  EXPECT_FALSE(p_.is_fragment);
  EXPECT_TRUE(p_.is_udp());
  EXPECT_EQ(last_event(), "ipv6.exthdr_useless_fh");

  Frame dup = eth_ipv6(ipproto::kFragment, cat({frag6(ipproto::kFragment, 0, false, 7),
                                                frag6(ipproto::kUdp, 8, true, 7), Frame(8, 0)}));
  EXPECT_EQ(run(dup), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "ipv6.exthdr_dupl_fh");
  // Every event of the packet, not only the last (decode-event rules).
  auto bit = [](DecodeEvent e) { return uint64_t(1) << unsigned(e); };
  EXPECT_EQ(p_.decode_events,
            bit(DecodeEvent::Ipv6ExthdrUselessFh) | bit(DecodeEvent::Ipv6ExthdrDuplFh));
  ASSERT_EQ(run(a), DecodeStatus::Ok);  // reset per packet
  EXPECT_EQ(p_.decode_events, bit(DecodeEvent::Ipv6ExthdrUselessFh));

  // An atomic fragment header with nothing after it: the chain is truncated.
  Frame bare = eth_ipv6(ipproto::kFragment, frag6(ipproto::kTcp, 0, false, 7));
  EXPECT_EQ(run(bare), DecodeStatus::Invalid);
  EXPECT_EQ(p_.decode_events,
            bit(DecodeEvent::Ipv6ExthdrUselessFh) | bit(DecodeEvent::Ipv6TruncExthdr));
}

TEST_F(DecoderTest, Ipv6TooManyExtensionHeaders) {
  Frame chain;
  for (int i = 0; i < 9; ++i) {
    // Destination options, length 0: next header (dst opts again, UDP last), PadN 4.
    Frame d = {uint8_t(i == 8 ? ipproto::kUdp : ipproto::kDstOpts), 0x00, 0x01, 0x04, 0, 0, 0, 0};
    chain = cat({chain, d});
  }
  Frame f = eth_ipv6(ipproto::kDstOpts, cat({chain, udp(1, 2)}));
  test::fix_udp_len(f, 54 + 72);
  EXPECT_EQ(run(f), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "ipv6.exthdr_too_many");
}

TEST_F(DecoderTest, Ipv6Malformations) {
  Frame f = eth_ipv6(ipproto::kTcp, tcp_ack());
  f[14 + 5] = 200;  // payload length past the capture
  EXPECT_EQ(run(f), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "ipv6.trunc_pkt");
  f[14] = 0x40;  // version 4 in an IPv6 ethertype
  EXPECT_EQ(run(f), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "ipv6.wrong_ip_version");
  EXPECT_EQ(run(cat({eth(0x86dd), Frame(39, 0x60)})), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "ipv6.pkt_too_small");
}

// --- tunnels ---

// RFC 2784 GRE header, version 0, optional fields as the flags say (RFC 2890).
Frame gre(uint16_t proto, bool csum = false, bool key = false, bool seq = false) {
  uint8_t fl = uint8_t((csum ? 0x80 : 0) | (key ? 0x20 : 0) | (seq ? 0x10 : 0));
  Frame f = {fl, 0x00,                                    // C, K, S flags; version 0
             uint8_t(proto >> 8), uint8_t(proto)};        // protocol type
  if (csum) f.insert(f.end(), {0x00, 0x00, 0x00, 0x00});  // checksum, reserved1
  if (key) f.insert(f.end(), {0x00, 0x00, 0x00, 0x2a});   // key 42
  if (seq) f.insert(f.end(), {0x00, 0x00, 0x00, 0x01});   // sequence number 1
  return f;
}

Frame inner_ipv4_tcp() {
  Frame f = cat({ipv4(ipproto::kTcp, 99, 98), tcp_ack({'i', 'n'})});
  test::fix_ipv4(f, 0);
  return f;
}

// Ethernet/IPv4/<tunnel bytes>, lengths and checksum fixed.
Frame outer_ipv4(uint8_t proto, const Frame& rest) {
  Frame f = cat({eth(0x0800), ipv4(proto), rest});
  test::fix_ipv4(f, 14);
  return f;
}

TEST_F(DecoderTest, GreIpv4WithOptionalFields) {
  for (int flags = 0; flags < 8; ++flags) {
    Frame g = gre(0x0800, flags & 1, flags & 2, flags & 4);
    Frame f = outer_ipv4(ipproto::kGre, cat({g, inner_ipv4_tcp()}));
    ASSERT_EQ(run(f), DecodeStatus::Ok) << flags;
    EXPECT_EQ(p_.tunnels, tunnel::kGre);
    EXPECT_EQ(p_.src.str(), "192.168.1.99");  // the inner header
    EXPECT_EQ(p_.l3_off, 34 + g.size());
    EXPECT_TRUE(p_.is_tcp());
    EXPECT_EQ(p_.payload_len, 2);
  }
  EXPECT_EQ(count("decoder.gre"), 8u);
  EXPECT_EQ(count("decoder.ipv4"), 16u);

  Frame bad = outer_ipv4(ipproto::kGre, cat({gre(0x0800), inner_ipv4_tcp()}));
  bad[34 + 1] = 0x02;  // version 2
  EXPECT_EQ(run(bad), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "gre.wrong_version");
  Frame cut = outer_ipv4(ipproto::kGre, Frame{0x30, 0x00, 0x08, 0x00, 0, 0});  // K+S, 2 bytes
  EXPECT_EQ(run(cut), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "gre.pkt_too_small");

  StatsBlock s2;
  Decoder flat(s2, DecodeConfig{.decode_tunnels = false});
  Frame f = outer_ipv4(ipproto::kGre, cat({gre(0x0800), inner_ipv4_tcp()}));
  Packet p = packet_of(f);
  ASSERT_EQ(flat.decode(p), DecodeStatus::Ok);
  EXPECT_EQ(p.tunnels, tunnel::kNone);
  EXPECT_EQ(p.ip_proto, ipproto::kGre);
  EXPECT_EQ(p.payload_off, 34);
}

TEST_F(DecoderTest, GreTransparentEthernetAndErspan) {
  Frame inner = cat({eth(0x0800), inner_ipv4_tcp()});
  Frame teb = outer_ipv4(ipproto::kGre, cat({gre(0x6558), inner}));
  ASSERT_EQ(run(teb), DecodeStatus::Ok);
  EXPECT_EQ(p_.tunnels, tunnel::kGre);
  EXPECT_EQ(p_.l3_off, 14 + 20 + 4 + 14);
  EXPECT_EQ(p_.src.str(), "192.168.1.99");

  // ERSPAN type I: GRE without sequence number, Ethernet right after.
  Frame t1 = outer_ipv4(ipproto::kGre, cat({gre(0x88be), inner}));
  ASSERT_EQ(run(t1), DecodeStatus::Ok);
  EXPECT_EQ(p_.tunnels, tunnel::kGre | tunnel::kErspan);
  EXPECT_TRUE(p_.is_tcp());

  // ERSPAN type II header (draft-foschiano-erspan 4.1).
  Frame e2 = {0x10, 0x64,               // version 1, VLAN 100
              0x00, 0x05,               // COS 0, EN 0, T 0, session id 5
              0x00, 0x00, 0x00, 0x00};  // reserved, index
  Frame t2 = outer_ipv4(ipproto::kGre, cat({gre(0x88be, false, false, true), e2, inner}));
  ASSERT_EQ(run(t2), DecodeStatus::Ok);
  EXPECT_EQ(p_.tunnels, tunnel::kGre | tunnel::kErspan);
  EXPECT_EQ(p_.l3_off, 14 + 20 + 8 + 8 + 14);
  EXPECT_TRUE(p_.is_tcp());

  // ERSPAN type III header (draft-foschiano-erspan 4.2), without and with the platform
  // specific subheader (O flag).
  Frame e3 = {0x20, 0x64,              // version 2, VLAN 100
              0x00, 0x05,              // COS, BSO, T, session id 5
              0x00, 0x00, 0x10, 0x00,  // timestamp
              0x00, 0x00,              // SGT
              0x00, 0x00};             // P, FT, HW ID, D, GRA, O=0
  Frame t3 = outer_ipv4(ipproto::kGre, cat({gre(0x22eb, false, false, true), e3, inner}));
  ASSERT_EQ(run(t3), DecodeStatus::Ok);
  EXPECT_EQ(p_.l3_off, 14 + 20 + 8 + 12 + 14);
  e3[11] = 0x01;  // O=1: 8 more bytes
  Frame t3o =
      outer_ipv4(ipproto::kGre, cat({gre(0x22eb, false, false, true), e3, Frame(8, 0), inner}));
  ASSERT_EQ(run(t3o), DecodeStatus::Ok);
  EXPECT_EQ(p_.l3_off, 14 + 20 + 8 + 20 + 14);
  EXPECT_TRUE(p_.is_tcp());
  EXPECT_EQ(count("decoder.erspan"), 4u);

  e2[0] = 0x30;  // version 3 in a type II header
  Frame bad = outer_ipv4(ipproto::kGre, cat({gre(0x88be, false, false, true), e2, inner}));
  EXPECT_EQ(run(bad), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "erspan.unsupported_version");
  Frame cut = outer_ipv4(ipproto::kGre, cat({gre(0x22eb, false, false, true), Frame(6, 0x20)}));
  EXPECT_EQ(run(cut), DecodeStatus::Invalid);
  EXPECT_EQ(last_event(), "erspan.header_too_small");
}

TEST_F(DecoderTest, Vxlan) {
  // RFC 7348 section 5 VXLAN header.
  Frame vx = {0x08,              // flags: I (VNI valid)
              0x00, 0x00, 0x00,  // reserved
              0x00, 0x10, 0x00,  // VNI 4096
              0x00};             // reserved
  Frame inner = cat({eth(0x8100), vlan_tag(7, 0x0800), inner_ipv4_tcp()});
  Frame f = outer_ipv4(ipproto::kUdp, cat({udp(40000, 4789), vx, inner}));
  test::fix_udp_len(f, 34);
  test::fix_ipv4(f, 14);
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_EQ(p_.tunnels, tunnel::kVxlan);
  EXPECT_EQ(p_.vlan_count, 1);
  EXPECT_EQ(p_.vlan[0], 7);
  EXPECT_EQ(p_.src.str(), "192.168.1.99");
  EXPECT_TRUE(p_.is_tcp());
  EXPECT_EQ(p_.dport, 49153);
  EXPECT_EQ(count("decoder.vxlan"), 1u);

  // Not VXLAN: I flag clear -> stays a UDP packet to 4789.
  f[42] = 0x00;
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_EQ(p_.tunnels, tunnel::kNone);
  EXPECT_EQ(p_.dport, 4789);

  // ARP inside VXLAN: the outer UDP packet is what Packet describes.
  Frame arp = cat({eth(0x0806), Frame(28, 0)});
  Frame g = outer_ipv4(ipproto::kUdp, cat({udp(40000, 4789), vx, arp}));
  test::fix_udp_len(g, 34);
  test::fix_ipv4(g, 14);
  ASSERT_EQ(run(g), DecodeStatus::Ok);
  EXPECT_EQ(p_.tunnels, tunnel::kVxlan);
  EXPECT_EQ(p_.ip_version, 4);
  EXPECT_EQ(p_.dport, 4789);
}

TEST_F(DecoderTest, IpInIp) {
  Frame inner6 = cat({ipv6(ipproto::kTcp), tcp_ack()});
  test::fix_ipv6(inner6, 0);
  Frame f44 = outer_ipv4(ipproto::kIpIp, inner_ipv4_tcp());
  ASSERT_EQ(run(f44), DecodeStatus::Ok);
  EXPECT_EQ(p_.tunnels, tunnel::kIpInIp);
  EXPECT_EQ(p_.src.str(), "192.168.1.99");
  EXPECT_EQ(p_.l3_off, 34);
  Frame f64 = outer_ipv4(ipproto::kIpv6, inner6);  // RFC 4213 6in4
  ASSERT_EQ(run(f64), DecodeStatus::Ok);
  EXPECT_EQ(p_.ip_version, 6);
  EXPECT_TRUE(p_.is_tcp());
  Frame f46 = eth_ipv6(ipproto::kIpIp, inner_ipv4_tcp());  // RFC 2473
  ASSERT_EQ(run(f46), DecodeStatus::Ok);
  EXPECT_EQ(p_.ip_version, 4);
  Frame f66 = eth_ipv6(ipproto::kIpv6, inner6);
  ASSERT_EQ(run(f66), DecodeStatus::Ok);
  EXPECT_EQ(p_.ip_version, 6);
  EXPECT_EQ(p_.l3_off, 54);
  EXPECT_EQ(count("decoder.ipv4_in_ipv4"), 1u);
  EXPECT_EQ(count("decoder.ipv6_in_ipv4"), 1u);
  EXPECT_EQ(count("decoder.ipv4_in_ipv6"), 1u);
  EXPECT_EQ(count("decoder.ipv6_in_ipv6"), 1u);
}

TEST_F(DecoderTest, TunnelDepthIsLimited) {
  // IPv4 in IPv4 four times: three levels are peeled, the fourth is left as payload.
  Frame f = inner_ipv4_tcp();
  for (int i = 0; i < 4; ++i) {
    f = cat({ipv4(ipproto::kIpIp, uint8_t(i), uint8_t(i)), f});
    test::fix_ipv4(f, 0);
  }
  f = cat({eth(0x0800), f});
  ASSERT_EQ(run(f), DecodeStatus::Ok);
  EXPECT_EQ(last_event(), "decoder.too_many_layers");
  EXPECT_EQ(p_.ip_proto, ipproto::kIpIp);
  EXPECT_EQ(p_.l3_off, 14 + 60);
  EXPECT_EQ(p_.payload_off, 14 + 80);
}

// --- robustness ---

std::vector<std::pair<Frame, uint32_t>> sample_frames() {
  Frame vx = {0x08, 0, 0, 0, 0, 0x10, 0, 0};
  Frame inner = cat({eth(0x0800), inner_ipv4_tcp()});
  Frame vxlan = outer_ipv4(ipproto::kUdp, cat({udp(1, 4789), vx, inner}));
  test::fix_udp_len(vxlan, 34);
  test::fix_ipv4(vxlan, 14);
  Frame l3 = cat({ipv6(ipproto::kHopOpts), Frame{ipproto::kTcp, 0, 1, 4, 0, 0, 0, 0}, tcp_syn()});
  test::fix_ipv6(l3, 0);
  return {
      {eth_ipv4(ipproto::kTcp, tcp_syn()), linktype::kEthernet},
      {eth_ipv4(ipproto::kUdp, udp(1, 2, {1, 2, 3})), linktype::kEthernet},
      {eth_ipv4(ipproto::kIcmp, icmp4_echo()), linktype::kEthernet},
      {eth_ipv6(ipproto::kIcmpv6, icmp6_echo()), linktype::kEthernet},
      {cat({eth(0x88a8), vlan_tag(1, 0x8100), vlan_tag(2, 0x86dd), l3}), linktype::kEthernet},
      {outer_ipv4(ipproto::kGre, cat({gre(0x0800, true, true, true), inner_ipv4_tcp()})),
       linktype::kEthernet},
      {vxlan, linktype::kEthernet},
      {cat({Frame{2, 0, 0, 0}, inner_ipv4_tcp()}), linktype::kNull},
      {l3, linktype::kRaw},
  };
}

TEST_F(DecoderTest, EveryTruncationIsInvalidAndCounted) {
  uint64_t before = count("decoder.invalid");
  uint64_t expected = 0;
  for (const auto& [full, lt] : sample_frames()) {
    ASSERT_EQ(run(full, lt), DecodeStatus::Ok);
    for (size_t n = 0; n < full.size(); ++n) {
      Frame cut(full.begin(), full.begin() + n);
      EXPECT_EQ(run(cut, lt), DecodeStatus::Invalid) << "len " << n << " of " << full.size();
      EXPECT_NE(p_.decode_event, 0);
      ++expected;
    }
  }
  EXPECT_EQ(count("decoder.invalid") - before, expected);
}

TEST_F(DecoderTest, GarbageNeverCrashes) {
  std::mt19937 rng(12345);
  const uint32_t lts[] = {linktype::kEthernet, linktype::kRaw,       linktype::kNull,
                          linktype::kLinuxSll, linktype::kLinuxSll2, linktype::kIpv4,
                          linktype::kIpv6,     linktype::kLoop,      linktype::kPpp,
                          linktype::kChdlc};
  auto samples = sample_frames();
  StatsBlock s2;
  Decoder all(s2, DecodeConfig{.l4_checksum = true});
  for (int i = 0; i < 20000; ++i) {
    Frame f;
    uint32_t lt;
    if (i % 2) {  // random bytes
      f.resize(rng() % 200);
      for (auto& b : f) b = uint8_t(rng());
      lt = lts[rng() % std::size(lts)];
    } else {  // a valid frame with a few random bytes changed
      const auto& s = samples[rng() % samples.size()];
      f = s.first;
      lt = s.second;
      for (int k = 0; k < 3; ++k) f[rng() % f.size()] = uint8_t(rng());
    }
    Packet p = packet_of(f, lt);
    auto st = all.decode(p);
    ASSERT_LE(p.payload_off + p.payload_len, f.size());
    ASSERT_LE(p.l3_off, f.size());
    if (st == DecodeStatus::Invalid) {
      ASSERT_NE(p.decode_event, 0);
    }
  }
  EXPECT_EQ(s2.value("decoder.pkts"), 20000u);
}

TEST(DecodeEvents, NamesAreUniqueAndDotted) {
  for (size_t i = 1; i < kDecodeEventCount; ++i) {
    auto a = decode_event_name(static_cast<DecodeEvent>(i));
    EXPECT_NE(a.find('.'), std::string_view::npos) << a;
    for (size_t j = i + 1; j < kDecodeEventCount; ++j)
      EXPECT_NE(a, decode_event_name(static_cast<DecodeEvent>(j)));
  }
  EXPECT_EQ(decode_event_name(DecodeEvent::None), "");
  EXPECT_EQ(decode_event_name(uint16_t(9999)), "");
}

}  // namespace
}  // namespace ww::decode
