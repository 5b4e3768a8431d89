#include "flow/flow.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "flow/test_packets.h"

namespace ww::flow {
namespace {

using testing::Endpoint;
using testing::make_packet;
using testing::make_tcp;
using namespace tcpflag;

constexpr Endpoint kCli{0x0a000001, 40000};  // 10.0.0.1:40000
constexpr Endpoint kSrv{0x0a000002, 80};     // 10.0.0.2:80
constexpr int64_t kSec = 1'000'000;

struct Recorder : FlowObserver {
  std::vector<uint64_t> ids;
  std::vector<EndReason> reasons;
  std::vector<std::string> states;
  void on_flow_end(Flow& f) noexcept override {
    ids.push_back(f.flow_id);
    reasons.push_back(f.reason);
    states.push_back(tcp_state_name(f.tcp_state));
  }
};

struct Fixture : ::testing::Test {
  StatsBlock stats;
  Recorder rec;
  FlowConfig cfg;
  std::unique_ptr<FlowTable> table;
  void make() { table = std::make_unique<FlowTable>(stats, cfg, rec); }
  Flow* feed(const Packet& p, Direction& d) { return table->process(p, d); }
  Flow* feed(const Packet& p) {
    Direction d;
    return table->process(p, d);
  }
};

TEST(FlowKey, SymmetricHashAndKey) {
  Packet a = make_tcp(kCli, kSrv, kSyn, 1, 0);
  Packet b = make_tcp(kSrv, kCli, kSyn | kAck, 1, 2);
  EXPECT_EQ(symmetric_hash(a), symmetric_hash(b));
  EXPECT_EQ(make_key(a), make_key(b));
  // Different port, protocol or VLAN: different key.
  Packet c = make_tcp({kCli.ip, 40001}, kSrv, kSyn, 1, 0);
  EXPECT_FALSE(make_key(a) == make_key(c));
  Packet u = make_packet(ipproto::kUdp, kCli, kSrv, 0);
  EXPECT_FALSE(make_key(a) == make_key(u));
  Packet v = a;
  v.vlan_count = 1;
  v.vlan[0] = 10;
  EXPECT_FALSE(make_key(a) == make_key(v));
  // vlan.use-for-tracking: no: the VLAN id is not part of the key (one direction tagged).
  set_vlan_tracking(false);
  EXPECT_EQ(make_key(b), make_key(v));
  EXPECT_EQ(symmetric_hash(b), symmetric_hash(v));
  EXPECT_EQ(host_pair_hash(b), host_pair_hash(v));
  set_vlan_tracking(true);
  EXPECT_FALSE(make_key(b) == make_key(v));
  // Same address both ends: ordered by port, still symmetric.
  Packet s1 = make_tcp({kCli.ip, 1}, {kCli.ip, 2}, 0, 0, 0);
  Packet s2 = make_tcp({kCli.ip, 2}, {kCli.ip, 1}, 0, 0, 0);
  EXPECT_EQ(symmetric_hash(s1), symmetric_hash(s2));
  EXPECT_EQ(make_key(s1), make_key(s2));
}

TEST(FlowKey, HostPairHashIgnoresPortsAndProtocol) {
  Packet ctl = make_tcp(kCli, kSrv, kSyn, 1, 0);
  Packet data = make_tcp({kSrv.ip, 20}, {kCli.ip, 50123}, kSyn, 1, 0);  // active FTP data
  Packet udp = make_packet(ipproto::kUdp, {kCli.ip, 5353}, {kSrv.ip, 53}, 0);
  EXPECT_EQ(host_pair_hash(ctl), host_pair_hash(data));
  EXPECT_EQ(host_pair_hash(ctl), host_pair_hash(udp));
  EXPECT_NE(symmetric_hash(ctl), symmetric_hash(data));
  // Other hosts or another VLAN: (almost always) another hash.
  Packet other = make_tcp({0x0a000063, 40000}, kSrv, kSyn, 1, 0);
  EXPECT_NE(host_pair_hash(ctl), host_pair_hash(other));
  Packet v = ctl;
  v.vlan_count = 1;
  v.vlan[0] = 10;
  EXPECT_NE(host_pair_hash(ctl), host_pair_hash(v));
}

TEST(FlowKey, HashDistribution) {
  // 64k flows from one client to one server differing only in the client port: the low 12
  // bits of the hash (a 4096-bucket table) should fill buckets evenly.
  std::vector<int> buckets(4096);
  for (uint32_t port = 0; port < 65536; ++port) {
    Packet p = make_tcp({0xc0a80001, uint16_t(port)}, kSrv, kSyn, 0, 0);
    ++buckets[symmetric_hash(p) & 4095];
  }
  int mx = 0, mn = 1 << 30;
  for (int b : buckets) {
    mx = std::max(mx, b);
    mn = std::min(mn, b);
  }
  EXPECT_LT(mx, 40);  // mean 16
  EXPECT_GT(mn, 0);
}

TEST_F(Fixture, BothDirectionsSameFlowAndCounters) {
  make();
  auto data = testing::bytes_of("hello");
  Direction d;
  Flow* f1 = feed(make_tcp(kCli, kSrv, kSyn, 100, 0), d);
  ASSERT_NE(f1, nullptr);
  EXPECT_EQ(d, Direction::ToServer);
  EXPECT_EQ(f1->tcp_state, TcpState::SynSent);
  Flow* f2 = feed(make_tcp(kSrv, kCli, kSyn | kAck, 500, 101), d);
  EXPECT_EQ(f1, f2);
  EXPECT_EQ(d, Direction::ToClient);
  EXPECT_EQ(f1->tcp_state, TcpState::SynRecv);
  feed(make_tcp(kCli, kSrv, kAck, 101, 501), d);
  EXPECT_EQ(f1->tcp_state, TcpState::Established);
  EXPECT_STREQ(flow_state_name(*f1), "established");
  feed(make_tcp(kCli, kSrv, kAck | kPsh, 101, 501, 0, &data), d);
  EXPECT_EQ(f1->pkts[0], 3u);
  EXPECT_EQ(f1->pkts[1], 1u);
  EXPECT_EQ(f1->bytes[0], 54u * 3 + 5);
  EXPECT_EQ(f1->bytes[1], 54u);
  EXPECT_EQ(f1->tcp_flags[0], kSyn | kAck | kPsh);
  EXPECT_EQ(f1->tcp_flags[1], kSyn | kAck);
  EXPECT_EQ(f1->src, IpAddr::v4(kCli.ip));
  EXPECT_EQ(f1->sp, kCli.port);
  EXPECT_EQ(f1->dp, kSrv.port);
  EXPECT_NE(f1->arena, nullptr);
  EXPECT_EQ(table->active(), 1u);
  EXPECT_EQ(stats.value("flow.total"), 1u);
  EXPECT_EQ(stats.value("flow.tcp"), 1u);
  EXPECT_EQ(stats.value("flow.active"), 1u);
  EXPECT_GT(stats.value("flow.memuse"), 0u);
}

TEST_F(Fixture, RoleSwapWhenSynAckFirst) {
  make();
  Direction d;
  Flow* f = feed(make_tcp(kSrv, kCli, kSyn | kAck, 500, 101), d);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(d, Direction::ToClient);
  EXPECT_EQ(f->src, IpAddr::v4(kCli.ip));
  EXPECT_EQ(f->sp, kCli.port);
  EXPECT_EQ(f->dst, IpAddr::v4(kSrv.ip));
  EXPECT_EQ(f->dp, kSrv.port);
  EXPECT_EQ(f->pkts[1], 1u);
  feed(make_tcp(kCli, kSrv, kAck, 101, 501), d);
  EXPECT_EQ(d, Direction::ToServer);
  EXPECT_EQ(f->tcp_state, TcpState::Established);
}

TEST_F(Fixture, MidstreamFirstPacketSrcIsClient) {
  make();
  Direction d;
  Flow* f = feed(make_tcp(kSrv, kCli, kAck, 500, 101), d);
  EXPECT_EQ(d, Direction::ToServer);
  EXPECT_EQ(f->src, IpAddr::v4(kSrv.ip));
  EXPECT_EQ(f->tcp_state, TcpState::Established);
}


TEST_F(Fixture, SwapSidesReversesRolesAndLaterPackets) {
  make();
  Direction d;
  // Midstream: the server's data first, so the table takes the server for the client.
  Packet resp = make_tcp(kSrv, kCli, kAck | kPsh, 500, 101);
  resp.wirelen = 300;
  Flow* f = feed(resp, d);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(d, Direction::ToServer);
  // The server's FIN first (taken for the client's): close_wait before the swap.
  feed(make_tcp(kSrv, kCli, kFin | kAck, 746, 101), d);
  EXPECT_EQ(f->tcp_state, TcpState::CloseWait);
  swap_sides(*f);
  EXPECT_TRUE(f->swap_pending);
  EXPECT_EQ(f->src, IpAddr::v4(kCli.ip));
  EXPECT_EQ(f->sp, kCli.port);
  EXPECT_EQ(f->dst, IpAddr::v4(kSrv.ip));
  EXPECT_EQ(f->dp, kSrv.port);
  EXPECT_EQ(f->pkts[0], 0u);
  EXPECT_EQ(f->pkts[1], 2u);
  EXPECT_EQ(f->bytes[1], 300u + 54u);
  EXPECT_EQ(f->tcp_flags[1], kAck | kPsh | kFin);
  EXPECT_EQ(f->tcp_state, TcpState::FinWait1);  // now the server closed first
  // Later packets follow the new roles; the client's ACK of the FIN, then its own FIN.
  feed(make_tcp(kCli, kSrv, kAck, 101, 747), d);
  EXPECT_EQ(d, Direction::ToServer);
  EXPECT_EQ(f->pkts[0], 1u);
  EXPECT_EQ(f->tcp_state, TcpState::FinWait2);
  feed(make_tcp(kSrv, kCli, kAck, 747, 101), d);
  EXPECT_EQ(d, Direction::ToClient);
  feed(make_tcp(kCli, kSrv, kFin | kAck, 101, 747), d);
  EXPECT_EQ(f->tcp_state, TcpState::TimeWait);
  feed(make_tcp(kSrv, kCli, kAck, 747, 102), d);
  EXPECT_EQ(f->tcp_state, TcpState::Closed);
}
TEST_F(Fixture, VlanSeparatesFlows) {
  make();
  Packet a = make_tcp(kCli, kSrv, kSyn, 1, 0);
  Packet b = a;
  b.vlan_count = 1;
  b.vlan[0] = 20;
  Flow* fa = feed(a);
  Flow* fb = feed(b);
  EXPECT_NE(fa, fb);
  EXPECT_EQ(table->active(), 2u);
  EXPECT_EQ(fb->vlan[0], 20);
}

TEST_F(Fixture, IcmpEchoKeyedOnId) {
  make();
  Packet req = make_packet(ipproto::kIcmp, {kCli.ip, 0}, {kSrv.ip, 0}, 0);
  req.icmp_type = 8;
  req.icmp_id = 77;
  Packet rep = make_packet(ipproto::kIcmp, {kSrv.ip, 0}, {kCli.ip, 0}, 10);
  rep.icmp_type = 0;
  rep.icmp_id = 77;
  Packet other = req;
  other.icmp_id = 78;
  Direction d;
  Flow* f = feed(req, d);
  EXPECT_EQ(feed(rep, d), f);
  EXPECT_EQ(d, Direction::ToClient);
  EXPECT_NE(feed(other), f);
  EXPECT_EQ(f->icmp_type[0], 8);
  EXPECT_EQ(f->icmp_type[1], 0);
  EXPECT_STREQ(flow_state_name(*f), "established");
  EXPECT_EQ(stats.value("flow.icmpv4"), 2u);
}

TEST_F(Fixture, FlowIdDeterministic) {
  make();
  Flow* f = feed(make_tcp(kCli, kSrv, kSyn, 1, 0, 5 * kSec));
  uint64_t id = f->flow_id;
  EXPECT_NE(id, 0u);
  EXPECT_LT(id, uint64_t(1) << 51);
  StatsBlock s2;
  Recorder r2;
  FlowTable t2(s2, cfg, r2);
  Direction d;
  // Another table (another worker, another run) gives the same id for the same first packet,
  // whichever direction it sees first.
  EXPECT_EQ(t2.process(make_tcp(kCli, kSrv, kSyn, 1, 0, 5 * kSec), d)->flow_id, id);
  Flow* other = feed(make_tcp({kCli.ip, 1234}, kSrv, kSyn, 1, 0, 5 * kSec));
  EXPECT_NE(other->flow_id, id);
}

TEST_F(Fixture, TimeoutsPerState) {
  cfg.timeout_new = 30 * kSec;
  cfg.timeout_established = 300 * kSec;
  cfg.timeout_closed = 10 * kSec;
  cfg.timeout_udp = 120 * kSec;
  make();
  // new: SYN only
  feed(make_tcp({1, 1}, {2, 2}, kSyn, 1, 0, 0));
  // established
  feed(make_tcp({3, 1}, {4, 2}, kSyn, 1, 0, 0));
  feed(make_tcp({4, 2}, {3, 1}, kSyn | kAck, 9, 2, 0));
  feed(make_tcp({3, 1}, {4, 2}, kAck, 2, 10, 0));
  // closed (RST)
  feed(make_tcp({5, 1}, {6, 2}, kAck, 1, 1, 0));
  feed(make_tcp({6, 2}, {5, 1}, kRst, 1, 0, 0));
  // udp
  feed(make_packet(ipproto::kUdp, {7, 53}, {8, 53}, 0));
  EXPECT_EQ(table->active(), 4u);

  table->expire(Timestamp{9 * kSec});
  EXPECT_EQ(table->active(), 4u);
  table->expire(Timestamp{10 * kSec});  // closed times out (>= timeout)
  EXPECT_EQ(table->active(), 3u);
  ASSERT_EQ(rec.states.size(), 1u);
  EXPECT_EQ(rec.states[0], "closed");
  table->expire(Timestamp{30 * kSec});
  EXPECT_EQ(table->active(), 2u);
  EXPECT_EQ(rec.states.back(), "syn_sent");
  table->expire(Timestamp{120 * kSec});
  EXPECT_EQ(table->active(), 1u);
  table->expire(Timestamp{299 * kSec});
  EXPECT_EQ(table->active(), 1u);
  table->expire(Timestamp{300 * kSec});
  EXPECT_EQ(table->active(), 0u);
  EXPECT_EQ(rec.states.back(), "established");
  for (auto r : rec.reasons) EXPECT_EQ(r, EndReason::Timeout);
  EXPECT_EQ(stats.value("flow.timeouts"), 4u);
  EXPECT_EQ(stats.value("flow_mgr.closed_pruned"), 1u);
  EXPECT_EQ(stats.value("flow_mgr.new_pruned"), 1u);
  EXPECT_EQ(stats.value("flow_mgr.est_pruned"), 1u);
  EXPECT_EQ(stats.value("flow.active"), 0u);
}

TEST_F(Fixture, ActivityPostponesTimeout) {
  cfg.timeout_udp = 10 * kSec;
  make();
  feed(make_packet(ipproto::kUdp, {7, 53}, {8, 53}, 0));
  feed(make_packet(ipproto::kUdp, {8, 53}, {7, 53}, 8 * kSec));
  table->expire(Timestamp{15 * kSec});
  EXPECT_EQ(table->active(), 1u);
  table->expire(Timestamp{18 * kSec});
  EXPECT_EQ(table->active(), 0u);
}

TEST_F(Fixture, LazyLruRequeuesRecentlySeenHead) {
  cfg.timeout_udp = 10 * kSec;
  make();
  uint64_t a = feed(make_packet(ipproto::kUdp, {7, 1}, {8, 53}, 0))->flow_id;
  uint64_t b = feed(make_packet(ipproto::kUdp, {7, 2}, {8, 53}, 1 * kSec))->flow_id;
  feed(make_packet(ipproto::kUdp, {7, 1}, {8, 53}, 8 * kSec));  // A seen again: head of list
  table->expire(Timestamp{10 * kSec});  // A moved behind B, B not expired yet
  EXPECT_EQ(table->active(), 2u);
  table->expire(Timestamp{11 * kSec});
  ASSERT_EQ(rec.ids.size(), 1u);
  EXPECT_EQ(rec.ids[0], b);
  table->expire(Timestamp{17 * kSec});
  EXPECT_EQ(table->active(), 1u);
  table->expire(Timestamp{18 * kSec});
  ASSERT_EQ(rec.ids.size(), 2u);
  EXPECT_EQ(rec.ids[1], a);
}

TEST_F(Fixture, IcmpNonEchoKeyedOnTypeCode) {
  make();
  Packet unreach = make_packet(ipproto::kIcmp, {kCli.ip, 0}, {kSrv.ip, 0}, 0);
  unreach.icmp_type = 3;
  unreach.icmp_code = 1;
  Packet other = unreach;
  other.icmp_code = 3;
  Flow* f = feed(unreach);
  EXPECT_EQ(feed(unreach), f);
  EXPECT_NE(feed(other), f);
  EXPECT_EQ(f->sp, 3);
  EXPECT_EQ(f->dp, 1);
  EXPECT_STREQ(flow_state_name(*f), "new");
}

TEST_F(Fixture, NonIpNotTracked) {
  make();
  Packet arp;
  Direction d;
  EXPECT_EQ(table->process(arp, d), nullptr);
  EXPECT_EQ(stats.value("flow.total"), 0u);
}

TEST_F(Fixture, ExpireIsBounded) {
  cfg.expire_batch = 4;
  cfg.timeout_udp = kSec;
  make();
  for (uint16_t i = 0; i < 10; ++i) feed(make_packet(ipproto::kUdp, {7, i}, {8, 53}, 0));
  table->expire(Timestamp{5 * kSec});
  EXPECT_EQ(table->active(), 6u);
  table->expire(Timestamp{5 * kSec});
  table->expire(Timestamp{5 * kSec});
  EXPECT_EQ(table->active(), 0u);
  EXPECT_EQ(rec.ids.size(), 10u);
}

TEST_F(Fixture, TcpCloseStates) {
  make();
  Direction d;
  Flow* f = feed(make_tcp(kCli, kSrv, kSyn, 100, 0), d);
  feed(make_tcp(kSrv, kCli, kSyn | kAck, 500, 101), d);
  feed(make_tcp(kCli, kSrv, kAck, 101, 501), d);
  // Suricata's names, from the server's side: the client's FIN first is close_wait.
  feed(make_tcp(kCli, kSrv, kFin | kAck, 101, 501), d);
  EXPECT_EQ(f->tcp_state, TcpState::CloseWait);
  feed(make_tcp(kSrv, kCli, kAck, 501, 102), d);
  EXPECT_EQ(f->tcp_state, TcpState::CloseWait);
  EXPECT_STREQ(tcp_state_name(f->tcp_state), "close_wait");
  EXPECT_STREQ(flow_state_name(*f), "established");
  feed(make_tcp(kSrv, kCli, kFin | kAck, 501, 102), d);
  EXPECT_EQ(f->tcp_state, TcpState::LastAck);
  EXPECT_STREQ(flow_state_name(*f), "closed");
  feed(make_tcp(kCli, kSrv, kAck, 102, 502), d);
  EXPECT_EQ(f->tcp_state, TcpState::Closed);
  EXPECT_STREQ(tcp_state_name(f->tcp_state), "closed");
}

TEST_F(Fixture, ServerClosesFirst) {
  make();
  Flow* f = feed(make_tcp(kCli, kSrv, kAck, 101, 501));
  feed(make_tcp(kSrv, kCli, kFin | kAck, 501, 101));
  EXPECT_EQ(f->tcp_state, TcpState::FinWait1);
  EXPECT_STREQ(tcp_state_name(f->tcp_state), "fin_wait1");
  feed(make_tcp(kCli, kSrv, kFin | kAck, 101, 502));
  EXPECT_EQ(f->tcp_state, TcpState::TimeWait);
  feed(make_tcp(kSrv, kCli, kAck, 502, 102));
  EXPECT_EQ(f->tcp_state, TcpState::Closed);
}

TEST_F(Fixture, TcpPortReuseStartsNewFlow) {
  make();
  Flow* f = feed(make_tcp(kCli, kSrv, kSyn, 100, 0));
  uint64_t id = f->flow_id;
  feed(make_tcp(kSrv, kCli, kRst | kAck, 0, 101));
  Flow* g = feed(make_tcp(kCli, kSrv, kSyn, 9000, 0, 1));
  ASSERT_EQ(rec.ids.size(), 1u);
  EXPECT_EQ(rec.ids[0], id);
  EXPECT_EQ(rec.reasons[0], EndReason::Forced);
  EXPECT_EQ(g->tcp_state, TcpState::SynSent);
  EXPECT_EQ(stats.value("flow.tcp_reuse"), 1u);
}

TEST_F(Fixture, MemcapEmergencyEvictionOldestFirst) {
  cfg.hash_size = 16;
  make();
  // Find the record size from one flow.
  size_t base = table->memuse();
  feed(make_packet(ipproto::kUdp, {1, 1}, {2, 2}, 0));
  size_t rec_size = table->memuse() - base;
  table->flush();
  rec.ids.clear();
  rec.reasons.clear();

  cfg.memcap = base + 10 * rec_size;
  cfg.emergency_recovery = 30;  // evict down to 7 flows' worth
  make();
  std::vector<uint64_t> ids;
  for (uint16_t i = 0; i < 10; ++i)
    ids.push_back(feed(make_packet(ipproto::kUdp, {1, i}, {2, 2}, i * kSec))->flow_id);
  EXPECT_EQ(table->active(), 10u);
  // Refresh flow 0: it becomes the most recent.
  feed(make_packet(ipproto::kUdp, {1, 0}, {2, 2}, 20 * kSec));
  Flow* f = feed(make_packet(ipproto::kUdp, {1, 100}, {2, 2}, 21 * kSec));
  ASSERT_NE(f, nullptr);
  EXPECT_LE(table->memuse(), cfg.memcap);
  // Until it fits and then until memuse (with the new flow) is under 70% of the memcap:
  // 5 records in use remain, so 5 flows ended, least recently seen first (flow 0 survives).
  EXPECT_LE(table->memuse(), cfg.memcap * 7 / 10);
  ASSERT_EQ(rec.ids.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(rec.ids[i], ids[i + 1]);
  for (auto r : rec.reasons) EXPECT_EQ(r, EndReason::Forced);
  EXPECT_EQ(stats.value("flow.emerg_evictions"), 5u);
  EXPECT_EQ(stats.value("flow.memcap_drop"), 0u);
  EXPECT_GT(table->spare(), 0u);
}

TEST_F(Fixture, MemcapDropWhenNothingToEvict) {
  cfg.hash_size = 1024;
  cfg.memcap = 1024 * sizeof(void*);  // the buckets alone fill it
  make();
  EXPECT_EQ(feed(make_packet(ipproto::kUdp, {1, 1}, {2, 2}, 0)), nullptr);
  EXPECT_EQ(stats.value("flow.memcap_drop"), 1u);
  EXPECT_EQ(table->active(), 0u);
}

TEST_F(Fixture, FlushEndsEverythingOnce) {
  make();
  for (uint16_t i = 0; i < 50; ++i) feed(make_packet(ipproto::kUdp, {1, i}, {2, 2}, i));
  Flow* f = feed(make_packet(ipproto::kUdp, {1, 3}, {2, 2}, 100));
  ASSERT_NE(f->arena->alloc(100), nullptr);
  size_t spare_before = table->spare();
  EXPECT_GT(table->arena_budget().used(), 0u);
  table->flush();
  EXPECT_EQ(table->active(), 0u);
  EXPECT_EQ(table->arena_budget().used(), 0u);
  ASSERT_EQ(rec.ids.size(), 50u);
  std::set<uint64_t> unique(rec.ids.begin(), rec.ids.end());
  EXPECT_EQ(unique.size(), 50u);
  for (auto r : rec.reasons) EXPECT_EQ(r, EndReason::Shutdown);
  table->flush();
  table->expire(Timestamp{1000 * kSec});
  EXPECT_EQ(rec.ids.size(), 50u);
  // Records are recycled.
  EXPECT_EQ(table->spare(), spare_before + 50);
  EXPECT_EQ(stats.value("flow.spare"), spare_before + 50);
  feed(make_packet(ipproto::kUdp, {1, 1}, {2, 2}, 0));
  EXPECT_EQ(table->spare(), spare_before + 49);
}

TEST_F(Fixture, ObserverOncePerFlowAcrossEndings) {
  cfg.timeout_udp = 10 * kSec;
  make();
  for (uint16_t i = 0; i < 20; ++i) feed(make_packet(ipproto::kUdp, {1, i}, {2, 2}, i * kSec));
  table->expire(Timestamp{25 * kSec});  // flows 0..15 end
  EXPECT_EQ(rec.ids.size(), 16u);
  table->flush();
  std::set<uint64_t> unique(rec.ids.begin(), rec.ids.end());
  EXPECT_EQ(rec.ids.size(), 20u);
  EXPECT_EQ(unique.size(), 20u);
}

TEST(FlowNames, Names) {
  EXPECT_STREQ(end_reason_name(EndReason::Timeout), "timeout");
  EXPECT_STREQ(end_reason_name(EndReason::Forced), "forced");
  EXPECT_STREQ(end_reason_name(EndReason::Shutdown), "shutdown");
  EXPECT_STREQ(tcp_state_name(TcpState::SynSent), "syn_sent");
  Flow f;
  f.proto = ipproto::kTcp;
  EXPECT_STREQ(flow_state_name(f), "new");
  f.tcp_state = TcpState::Closed;
  EXPECT_STREQ(flow_state_name(f), "closed");
}

}  // namespace
}  // namespace ww::flow
