#include "decode/defrag.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "decode/events.h"
#include "decode/test_util.h"

namespace ww::decode {
namespace {

using test::cat;
using test::Frame;
using test::packet_of;

constexpr int64_t kSec = 1'000'000;

// RFC 791 section 3.1 IPv4 header of one fragment; length and checksum fixed by fix_ipv4.
Frame ipv4_frag_hdr(uint16_t id, uint16_t off_bytes, bool more, uint8_t proto = ipproto::kUdp) {
  uint16_t fl = uint16_t((more ? 0x2000 : 0) | (off_bytes / 8));
  return {0x45,
          0x00,  // version 4, IHL 5; DSCP/ECN
          0x00,
          0x00,  // total length
          uint8_t(id >> 8),
          uint8_t(id),  // identification
          uint8_t(fl >> 8),
          uint8_t(fl),  // flags (MF) and fragment offset / 8
          0x40,
          proto,  // TTL 64, protocol
          0x00,
          0x00,  // header checksum
          10,
          1,
          2,
          3,  // source 10.1.2.3
          10,
          3,
          2,
          1};  // destination 10.3.2.1
}

// A 48-byte UDP datagram (RFC 768 header + 40 payload bytes 'a'..) with a correct checksum
// for the pseudo-header of ipv4_frag_hdr's addresses.
Frame udp_datagram4() {
  Frame whole = cat({ipv4_frag_hdr(0, 0, false), Frame{0x30, 0x39,     // source port 12345
                                                       0x00, 0x35,     // destination port 53
                                                       0x00, 0x00,     // length
                                                       0x00, 0x00}});  // checksum
  for (int i = 0; i < 40; ++i) whole.push_back(uint8_t('a' + i % 26));
  test::fix_udp_len(whole, 20);
  test::fix_ipv4(whole, 0);
  test::fix_l4_csum(whole, 0, 20, ipproto::kUdp);
  return Frame(whole.begin() + 20, whole.end());
}

Frame frag4(uint16_t id, const Frame& dgram, uint16_t off, uint16_t len, bool more) {
  Frame f =
      cat({ipv4_frag_hdr(id, off, more), Frame(dgram.begin() + off, dgram.begin() + off + len)});
  test::fix_ipv4(f, 0);
  return f;
}

// IPv6: fixed header (RFC 8200 section 3) + hop-by-hop (4.3) as the unfragmentable part.
Frame ipv6_unfrag(uint8_t hbh_next) {
  return {0x60,
          0x00,
          0x00,
          0x00,  // version 6, traffic class, flow label
          0x00,
          0x00,               // payload length (fix_ipv6)
          ipproto::kHopOpts,  // next header: hop-by-hop
          0x40,               // hop limit
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
          0x0a,  // src 2001:db8::a
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
          0x0b,  // dst 2001:db8::b
          hbh_next,
          0x00,  // HBH: next header, length 0 (8 bytes)
          0x01,
          0x04,
          0,
          0,
          0,
          0};  // PadN 4
}

Frame udp_datagram6() {
  Frame whole = cat({ipv6_unfrag(ipproto::kUdp),
                     Frame{0x30, 0x39, 0x00, 0x35, 0x00, 0x00, 0x00, 0x00}});  // UDP 12345->53
  for (int i = 0; i < 40; ++i) whole.push_back(uint8_t('A' + i % 26));
  test::fix_udp_len(whole, 48);
  test::fix_ipv6(whole, 0);
  test::fix_l4_csum(whole, 0, 48, ipproto::kUdp);
  return Frame(whole.begin() + 48, whole.end());
}

Frame frag6(uint32_t id, const Frame& dgram, uint16_t off, uint16_t len, bool more) {
  uint16_t ofl = uint16_t(off | (more ? 1 : 0));
  Frame f = cat({ipv6_unfrag(ipproto::kFragment),
                 Frame{ipproto::kUdp, 0x00,              // RFC 8200 4.5: next header, res
                       uint8_t(ofl >> 8), uint8_t(ofl),  // offset, res, M
                       uint8_t(id >> 24), uint8_t(id >> 16), uint8_t(id >> 8), uint8_t(id)},
                 Frame(dgram.begin() + off, dgram.begin() + off + len)});
  test::fix_ipv6(f, 0);
  return f;
}

class DefragTest : public ::testing::Test {
 protected:
  explicit DefragTest(DefragConfig cfg = {}) : defrag_(dec_, stats_, cfg) {}

  const Packet* feed(const Frame& f, int64_t usec = 10 * kSec, uint16_t vlan = 0) {
    Packet p = packet_of(f, linktype::kRaw, usec);
    EXPECT_EQ(dec_.decode(p), DecodeStatus::Fragment);
    if (vlan) {
      p.vlan[0] = vlan;
      p.vlan_count = 1;
    }
    return defrag_.add(p);
  }
  uint64_t count(const std::string& n) const { return stats_.value(n); }
  static Frame payload_of(const Packet* p) {
    return Frame(p->payload().begin(), p->payload().end());
  }

  StatsBlock stats_{"test"};
  Decoder dec_{stats_, DecodeConfig{.l4_checksum = true}};
  Defragmenter defrag_;
};

TEST_F(DefragTest, KeepsTheLinkHeaderOfTheLastFragment) {
  // Suricata's rebuilt packet keeps the frame's link header and linktype (EVE `packet`).
  Frame d = udp_datagram4();
  const Frame eth = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
  Frame frame;  // outlives the Packet that points into it
  auto feed_eth = [&](const Frame& f) {
    frame = cat({eth, f});
    Packet p = packet_of(frame, linktype::kEthernet, 10 * kSec);
    EXPECT_EQ(dec_.decode(p), DecodeStatus::Fragment);
    return defrag_.add(p);
  };
  ASSERT_EQ(feed_eth(frag4(9, d, 0, 24, true)), nullptr);
  const Packet* r = feed_eth(frag4(9, d, 24, 24, false));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->linktype, linktype::kEthernet);
  EXPECT_EQ(r->l3_off, 14);
  EXPECT_EQ(r->caplen, 14u + 68);
  EXPECT_EQ(Frame(r->data, r->data + 14), eth);
  EXPECT_TRUE(r->is_udp());
  EXPECT_EQ(r->dport, 53);
  EXPECT_EQ(payload_of(r), Frame(d.begin() + 8, d.end()));
}

TEST_F(DefragTest, Ipv4InOrder) {
  Frame d = udp_datagram4();
  ASSERT_EQ(feed(frag4(7, d, 0, 16, true), 10 * kSec), nullptr);
  ASSERT_EQ(feed(frag4(7, d, 16, 16, true), 11 * kSec), nullptr);
  EXPECT_GT(defrag_.memuse(), 0u);
  const Packet* r = feed(frag4(7, d, 32, 16, false), 12 * kSec);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->reassembled);
  EXPECT_EQ(r->linktype, linktype::kRaw);
  EXPECT_EQ(r->ts.usec, 12 * kSec);
  EXPECT_EQ(r->caplen, 68u);
  EXPECT_EQ(r->ip_total_len, 68);
  EXPECT_FALSE(r->is_fragment);
  EXPECT_FALSE(r->more_frags);
  EXPECT_FALSE(r->ip_csum_bad);  // rewritten header checksum
  EXPECT_TRUE(r->is_udp());
  EXPECT_FALSE(r->l4_csum_bad);  // the UDP checksum covers the whole datagram
  EXPECT_EQ(r->dport, 53);
  EXPECT_EQ(payload_of(r), Frame(d.begin() + 8, d.end()));
  EXPECT_EQ(count("defrag.ipv4.fragments"), 3u);
  EXPECT_EQ(count("defrag.ipv4.reassembled"), 1u);
  EXPECT_EQ(count("defrag.overlaps"), 0u);
  EXPECT_EQ(defrag_.memuse(), 0u);
}

TEST_F(DefragTest, Ipv4EveryOrder) {
  Frame d = udp_datagram4();
  int order[] = {0, 1, 2};
  uint16_t id = 100;
  do {
    Frame fr[3] = {frag4(id, d, 0, 16, true), frag4(id, d, 16, 16, true),
                   frag4(id, d, 32, 16, false)};
    EXPECT_EQ(feed(fr[order[0]]), nullptr);
    EXPECT_EQ(feed(fr[order[1]]), nullptr);
    const Packet* r = feed(fr[order[2]]);
    ASSERT_NE(r, nullptr);
    EXPECT_FALSE(r->l4_csum_bad);
    EXPECT_EQ(payload_of(r), Frame(d.begin() + 8, d.end()));
    ++id;
  } while (std::next_permutation(order, order + 3));
  EXPECT_EQ(count("defrag.ipv4.reassembled"), 6u);
  EXPECT_EQ(defrag_.memuse(), 0u);
}

TEST_F(DefragTest, DuplicateFragmentIsCountedAsOverlap) {
  Frame d = udp_datagram4();
  EXPECT_EQ(feed(frag4(1, d, 0, 16, true)), nullptr);
  EXPECT_EQ(feed(frag4(1, d, 0, 16, true)), nullptr);
  EXPECT_EQ(feed(frag4(1, d, 16, 16, true)), nullptr);
  const Packet* r = feed(frag4(1, d, 32, 16, false));
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->l4_csum_bad);
  EXPECT_EQ(count("defrag.overlaps"), 1u);
  EXPECT_EQ(count("decoder.event.ipv4.frag_overlap"), 1u);
}

// events(): the decode events the last add() raised on its fragment (for decode-event rules).
TEST_F(DefragTest, EventsOfTheLastFragment) {
  auto bit = [](DecodeEvent e) { return uint64_t(1) << unsigned(e); };
  Frame d = udp_datagram4();
  EXPECT_EQ(feed(frag4(9, d, 0, 16, true)), nullptr);
  EXPECT_EQ(defrag_.events(), 0u);
  EXPECT_EQ(feed(frag4(9, d, 0, 16, true)), nullptr);
  EXPECT_EQ(defrag_.events(), bit(DecodeEvent::Ipv4FragOverlap));
  EXPECT_EQ(feed(frag4(9, d, 16, 12, true)), nullptr);  // not a multiple of 8, more follow
  EXPECT_EQ(defrag_.events(), bit(DecodeEvent::Ipv4FragInvalidLength));
  EXPECT_EQ(feed(frag4(9, d, 16, 16, true)), nullptr);
  EXPECT_EQ(defrag_.events(), 0u);
}

TEST_F(DefragTest, OverlapFirstReceivedDataWins) {
  Frame d = udp_datagram4();
  Frame evil = d;
  std::fill(evil.begin() + 16, evil.begin() + 24, 0xee);
  // Original [0, 24) first, then [16, 48) whose first 8 bytes differ: the original bytes stay.
  EXPECT_EQ(feed(frag4(2, d, 0, 24, true)), nullptr);
  const Packet* r = feed(frag4(2, evil, 16, 32, false));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(payload_of(r), Frame(d.begin() + 8, d.end()));
  EXPECT_FALSE(r->l4_csum_bad);
  EXPECT_EQ(count("defrag.overlaps"), 1u);

  // The other way round: the altered bytes came first, so they are the ones kept.
  EXPECT_EQ(feed(frag4(3, evil, 16, 32, false)), nullptr);
  r = feed(frag4(3, d, 0, 24, true));
  ASSERT_NE(r, nullptr);
  Frame got = payload_of(r);
  EXPECT_EQ(got[8], 0xee);
  EXPECT_TRUE(r->l4_csum_bad);
  EXPECT_EQ(count("defrag.overlaps"), 2u);
}

TEST_F(DefragTest, ContradictingEndIsDropped) {
  Frame d = udp_datagram4();
  EXPECT_EQ(feed(frag4(4, d, 32, 16, false)), nullptr);  // the end is 48
  EXPECT_EQ(feed(frag4(4, d, 24, 8, false)), nullptr);   // another "last" ending at 32
  EXPECT_EQ(count("defrag.overlaps"), 1u);
  EXPECT_EQ(feed(frag4(4, d, 0, 16, true)), nullptr);
  const Packet* r = feed(frag4(4, d, 16, 16, true));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->caplen, 68u);
  EXPECT_FALSE(r->l4_csum_bad);
}

TEST_F(DefragTest, MissingFragmentTimesOut) {
  Frame d = udp_datagram4();
  EXPECT_EQ(feed(frag4(5, d, 0, 16, true), 10 * kSec), nullptr);
  EXPECT_EQ(feed(frag4(5, d, 32, 16, false), 11 * kSec), nullptr);
  EXPECT_GT(defrag_.memuse(), 0u);
  defrag_.expire(Timestamp{10 * kSec + 60 * kSec});  // exactly the timeout: kept
  EXPECT_EQ(count("defrag.timeouts"), 0u);
  defrag_.expire(Timestamp{10 * kSec + 60 * kSec + 1});
  EXPECT_EQ(count("defrag.timeouts"), 1u);
  EXPECT_EQ(defrag_.memuse(), 0u);
  // The missing piece arrives late: alone, it does not complete anything.
  EXPECT_EQ(feed(frag4(5, d, 16, 16, true), 80 * kSec), nullptr);
  EXPECT_EQ(count("defrag.ipv4.reassembled"), 0u);
}

TEST_F(DefragTest, TimeoutIsCheckedOnAdd) {
  Frame d = udp_datagram4();
  EXPECT_EQ(feed(frag4(6, d, 0, 16, true), 10 * kSec), nullptr);
  EXPECT_EQ(feed(frag4(6, d, 16, 16, true), 100 * kSec), nullptr);  // first one expired
  EXPECT_EQ(count("defrag.timeouts"), 1u);
  EXPECT_EQ(feed(frag4(6, d, 32, 16, false), 100 * kSec), nullptr);
}

TEST_F(DefragTest, RejectsOversizeAndBadLengths) {
  Frame big(16, 0x41);
  // Offset 65520 + 16 bytes + 20 header bytes > 65535.
  Frame f = cat({ipv4_frag_hdr(9, 65520, false), big});
  test::fix_ipv4(f, 0);
  EXPECT_EQ(feed(f), nullptr);
  EXPECT_EQ(count("decoder.event.ipv4.frag_pkt_too_large"), 1u);
  // A non-last fragment must carry a multiple of 8 bytes.
  Frame odd = cat({ipv4_frag_hdr(9, 0, true), Frame(10, 0x42)});
  test::fix_ipv4(odd, 0);
  EXPECT_EQ(feed(odd), nullptr);
  EXPECT_EQ(count("decoder.event.ipv4.frag_invalid_length"), 1u);
  EXPECT_EQ(defrag_.memuse(), 0u);
}

TEST_F(DefragTest, KeyIncludesVlan) {
  Frame d = udp_datagram4();
  EXPECT_EQ(feed(frag4(8, d, 0, 16, true), 10 * kSec, 10), nullptr);
  EXPECT_EQ(feed(frag4(8, d, 16, 16, true), 10 * kSec, 20), nullptr);
  EXPECT_EQ(feed(frag4(8, d, 32, 16, false), 10 * kSec, 10), nullptr);
  const Packet* r = feed(frag4(8, d, 16, 16, true), 10 * kSec, 10);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->vlan_count, 1);
  EXPECT_EQ(r->vlan[0], 10);
  EXPECT_EQ(count("defrag.ipv4.reassembled"), 1u);
  EXPECT_GT(defrag_.memuse(), 0u);  // the VLAN 20 fragment is still pending
}

TEST_F(DefragTest, TooManyHoles) {
  Frame d(8 * 80, 0x33);
  // 40 fragments of 8 bytes with 8-byte holes between them.
  for (int i = 0; i < 40; ++i) {
    Frame f = cat({ipv4_frag_hdr(11, uint16_t(i * 16), true), Frame(8, 0x33)});
    test::fix_ipv4(f, 0);
    EXPECT_EQ(feed(f), nullptr);
  }
  EXPECT_EQ(count("defrag.too_many_holes"), 1u);
}

TEST_F(DefragTest, Ipv6InOrderAndReversed) {
  Frame d = udp_datagram6();
  EXPECT_EQ(feed(frag6(0x01020304, d, 0, 24, true)), nullptr);
  const Packet* r = feed(frag6(0x01020304, d, 24, 24, false));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->ip_version, 6);
  EXPECT_TRUE(r->reassembled);
  EXPECT_EQ(r->caplen, 40u + 8 + 48);
  EXPECT_EQ(r->l3_hdr_len, 48);  // the fragment header is gone
  EXPECT_FALSE(r->is_fragment);
  EXPECT_TRUE(r->is_udp());
  EXPECT_FALSE(r->l4_csum_bad);
  EXPECT_EQ(r->src.str(), "2001:db8::a");
  EXPECT_EQ(payload_of(r), Frame(d.begin() + 8, d.end()));

  EXPECT_EQ(feed(frag6(9, d, 24, 24, false)), nullptr);
  r = feed(frag6(9, d, 0, 24, true));
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->l4_csum_bad);
  EXPECT_EQ(count("defrag.ipv6.fragments"), 4u);
  EXPECT_EQ(count("defrag.ipv6.reassembled"), 2u);
  EXPECT_EQ(defrag_.memuse(), 0u);
}

TEST_F(DefragTest, Ipv6Oversize) {
  // Offset 65528 + 16 bytes + 48 bytes of unfragmentable part > 65535.
  Frame d(65528 + 16, 0x44);
  EXPECT_EQ(feed(frag6(1, d, 65528, 16, false)), nullptr);
  EXPECT_EQ(count("decoder.event.ipv6.frag_pkt_too_large"), 1u);
  Frame odd(24, 0x45);
  EXPECT_EQ(feed(frag6(2, odd, 0, 12, true)), nullptr);
  EXPECT_EQ(count("decoder.event.ipv6.frag_invalid_length"), 1u);
  EXPECT_EQ(defrag_.memuse(), 0u);
}

class DefragSmallTest : public DefragTest {
 protected:
  static DefragConfig small() {
    // Room for two pending datagrams of one 16-byte fragment each.
    StatsBlock s;
    Decoder dec(s);
    Defragmenter probe(dec, s);
    Frame d = udp_datagram4();
    Frame f = frag4(1, d, 0, 16, true);
    Packet p = packet_of(f, linktype::kRaw);
    dec.decode(p);
    probe.add(p);
    DefragConfig cfg;
    cfg.memcap = probe.memuse() * 2 + 100;
    cfg.max_datagrams = 3;
    return cfg;
  }
  DefragSmallTest() : DefragTest(small()) {}
};

TEST_F(DefragSmallTest, MemcapEvictsOldestFirst) {
  Frame d = udp_datagram4();
  size_t cap = small().memcap;
  for (uint16_t id = 20; id < 25; ++id) {
    EXPECT_EQ(feed(frag4(id, d, 0, 16, true), (10 + id) * kSec), nullptr);
    EXPECT_LE(defrag_.memuse(), cap);
  }
  EXPECT_EQ(count("defrag.memcap_evictions"), 3u);
  // The newest datagram (24) is still there and completes; the oldest (20) was dropped.
  EXPECT_EQ(feed(frag4(24, d, 16, 16, true), 40 * kSec), nullptr);
  EXPECT_LE(defrag_.memuse(), cap);
  // 24 completes (its data shares the block already held); 20 is gone for good.
  const Packet* r = feed(frag4(24, d, 32, 16, false), 40 * kSec);
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->l4_csum_bad);
  EXPECT_EQ(feed(frag4(20, d, 16, 16, true), 40 * kSec), nullptr);
  EXPECT_EQ(feed(frag4(20, d, 32, 16, false), 40 * kSec), nullptr);
  EXPECT_EQ(count("defrag.ipv4.reassembled"), 1u);
}

class DefragMaxTest : public DefragTest {
 protected:
  DefragMaxTest() : DefragTest(DefragConfig{.max_datagrams = 2}) {}
};

TEST_F(DefragMaxTest, MaxDatagramsEvictsOldest) {
  Frame d = udp_datagram4();
  for (uint16_t id = 30; id < 33; ++id) EXPECT_EQ(feed(frag4(id, d, 0, 16, true)), nullptr);
  EXPECT_EQ(count("defrag.max_frag_hits"), 1u);
  // 30 was dropped; 31 and 32 are still pending.
  const Packet* r = feed(frag4(31, d, 16, 32, false));
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->l4_csum_bad);
  EXPECT_EQ(feed(frag4(30, d, 16, 32, false)), nullptr);
}

TEST_F(DefragTest, RandomFragmentStreamsKeepTheInvariants) {
  std::mt19937 rng(7);
  Frame d(1024);
  for (auto& b : d) b = uint8_t(rng());
  uint64_t fed = 0;
  for (int i = 0; i < 3000; ++i) {
    uint16_t id = uint16_t(rng() % 16);
    uint16_t off = uint16_t((rng() % 128) * 8);
    uint16_t len = uint16_t(std::min<int>(8 * (1 + rng() % 8), 1024 - off));
    bool more = off + len < 1024 ? (rng() % 4 != 0) : false;
    if (more && len % 8) len -= len % 8;
    if (len == 0 || (off == 0 && !more)) continue;  // not a fragment
    Frame f =
        cat({ipv4_frag_hdr(id, off, more, 200), Frame(d.begin() + off, d.begin() + off + len)});
    test::fix_ipv4(f, 0);
    feed(f, int64_t(i) * kSec / 10);
    ++fed;
    ASSERT_LE(defrag_.memuse(), DefragConfig{}.memcap);
  }
  EXPECT_EQ(count("defrag.ipv4.fragments"), fed);
  defrag_.expire(Timestamp{1000 * kSec});
  EXPECT_EQ(defrag_.memuse(), 0u);
}

}  // namespace
}  // namespace ww::decode
