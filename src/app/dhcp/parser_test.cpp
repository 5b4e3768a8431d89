// DHCP parser tests. Messages are built field by field (RFC 2131 2, figure 1; options RFC 2132)
// so each expectation follows from the bytes written.
#include "app/dhcp/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/test_ctx.h"
#include "app/test_harness.h"
#include "output/eve.h"

namespace ww::app::dhcp {
namespace {

using testing::FakeCtx;
using Vec = std::vector<uint8_t>;

struct Msg {
  uint8_t op = 1;
  uint32_t xid = 0x3903f326;
  uint32_t ciaddr = 0, yiaddr = 0, siaddr = 0, giaddr = 0;
  Vec mac = {0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42};
  Vec sname, file;  // up to 64 / 128 bytes (option overload puts options there)
  Vec options;      // after the magic cookie
};

void put32(Vec& v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(uint8_t(x >> s));
}

Vec build(const Msg& m) {
  Vec v;
  v.push_back(m.op);                  // op: 1 BOOTREQUEST, 2 BOOTREPLY
  v.push_back(1);                     // htype: Ethernet
  v.push_back(uint8_t(m.mac.size())); // hlen
  v.push_back(0);                     // hops
  put32(v, m.xid);                    // xid
  v.insert(v.end(), {0, 0, 0x80, 0}); // secs 0, flags: broadcast
  put32(v, m.ciaddr);
  put32(v, m.yiaddr);
  put32(v, m.siaddr);
  put32(v, m.giaddr);
  Vec ch = m.mac;
  ch.resize(16);                      // chaddr, 16 bytes
  v.insert(v.end(), ch.begin(), ch.end());
  Vec sname = m.sname, file = m.file;
  sname.resize(64);
  file.resize(128);
  v.insert(v.end(), sname.begin(), sname.end());
  v.insert(v.end(), file.begin(), file.end());
  v.insert(v.end(), {99, 130, 83, 99});  // magic cookie (RFC 2131 3)
  v.insert(v.end(), m.options.begin(), m.options.end());
  return v;
}

void opt(Vec& o, uint8_t code, const Vec& val) {
  o.push_back(code);
  o.push_back(uint8_t(val.size()));
  o.insert(o.end(), val.begin(), val.end());
}
void opt(Vec& o, uint8_t code, const std::string& s) { opt(o, code, Vec(s.begin(), s.end())); }
Vec be32(uint32_t x) {
  Vec v;
  put32(v, x);
  return v;
}

Bytes bytes(const Vec& v) { return {v.data(), v.size()}; }

// A DHCPREQUEST as a Windows client sends it.
Vec request() {
  Msg m;
  opt(m.options, 53, Vec{3});                           // message type: DHCPREQUEST
  opt(m.options, 61, Vec{1, 0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42});  // client id: type 1, MAC
  opt(m.options, 50, be32(0xc0a80a0a));                 // requested address 192.168.10.10
  opt(m.options, 54, be32(0xc0a80a01));                 // server identifier
  opt(m.options, 12, "infusion-pump-07");               // host name
  opt(m.options, 60, "MSFT 5.0");                       // vendor class identifier
  opt(m.options, 55, Vec{1, 3, 6, 15, 31, 33, 43, 44}); // parameter request list
  m.options.push_back(255);                             // end
  return build(m);
}

Vec ack() {
  Msg m;
  m.op = 2;
  m.yiaddr = 0xc0a80a0a;
  m.siaddr = 0xc0a80a02;
  opt(m.options, 53, Vec{5});                      // DHCPACK
  opt(m.options, 54, be32(0xc0a80a01));
  opt(m.options, 51, be32(86400));                 // lease time
  opt(m.options, 58, be32(43200));                 // renewal (T1)
  opt(m.options, 59, be32(75600));                 // rebinding (T2)
  opt(m.options, 1, be32(0xffffff00));             // subnet mask
  opt(m.options, 3, be32(0xc0a80a01));             // router
  Vec dns = be32(0xc0a80a35);
  Vec dns2 = be32(0x08080808);
  dns.insert(dns.end(), dns2.begin(), dns2.end());
  opt(m.options, 6, dns);                          // two DNS servers
  m.options.push_back(255);
  return build(m);
}

TEST(DhcpParser, ProbeNeedsTheCookie) {
  Vec r = request();
  EXPECT_EQ(probe(Direction::ToServer, bytes(r)), ProbeResult::Match);
  Vec bad = r;
  bad[236] = 0;  // cookie broken
  EXPECT_EQ(probe(Direction::ToServer, bytes(bad)), ProbeResult::NoMatch);
  EXPECT_EQ(probe(Direction::ToServer, Bytes(r.data(), 239)), ProbeResult::NoMatch);
  bad = r;
  bad[0] = 3;  // op neither request nor reply
  EXPECT_EQ(probe(Direction::ToServer, bytes(bad)), ProbeResult::NoMatch);
}

TEST(DhcpParser, RequestFields) {
  FakeCtx ctx(kSpec);
  ctx.feed(Direction::ToServer, bytes(request()));
  ASSERT_EQ(ctx.txs.size(), 1u);
  const std::string& j = ctx.txs[0];
  EXPECT_NE(j.find("\"type\":\"request\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"id\":956560166"), std::string::npos) << j;  // 0x3903f326
  EXPECT_NE(j.find("\"client_mac\":\"00:0b:82:01:fc:42\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"dhcp_type\":\"request\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"client_id\":\"00:0b:82:01:fc:42\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"requested_ip\":\"192.168.10.10\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"server_id\":\"192.168.10.1\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"hostname\":\"infusion-pump-07\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"vendor_class_identifier\":\"MSFT 5.0\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"params\":[\"subnet_mask\",\"router\",\"dns_server\",\"domain\"]"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("\"param_list\":\"1,3,6,15,31,33,43,44\""), std::string::npos) << j;
  EXPECT_EQ(j.find("relay_ip"), std::string::npos) << j;  // replies only
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(DhcpParser, AckFields) {
  FakeCtx ctx(kSpec);
  ctx.feed(Direction::ToClient, bytes(ack()));
  ASSERT_EQ(ctx.txs.size(), 1u);
  const std::string& j = ctx.txs[0];
  EXPECT_NE(j.find("\"type\":\"reply\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"dhcp_type\":\"ack\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"assigned_ip\":\"192.168.10.10\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"next_server_ip\":\"192.168.10.2\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"relay_ip\":\"0.0.0.0\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"lease_time\":86400"), std::string::npos) << j;
  EXPECT_NE(j.find("\"renewal_time\":43200"), std::string::npos) << j;
  EXPECT_NE(j.find("\"rebinding_time\":75600"), std::string::npos) << j;
  EXPECT_NE(j.find("\"subnet_mask\":\"255.255.255.0\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"routers\":[\"192.168.10.1\"]"), std::string::npos) << j;
  EXPECT_NE(j.find("\"dns_servers\":[\"192.168.10.53\",\"8.8.8.8\"]"), std::string::npos) << j;
}

// Addresses and parameter codes are written in decimal by hand: every digit count, the
// smallest and largest values.
TEST(DhcpEvents, AddressesAndParameterCodesInDecimal) {
  Tx tx;
  tx.op = 2;
  tx.yiaddr = 0xffffffff;
  tx.ciaddr = 0;
  tx.giaddr = 0x0a006409;  // 10.0.100.9
  tx.siaddr = 0x636400c8;  // 99.100.0.200
  const uint8_t params[] = {0, 9, 10, 99, 100, 255, 1};
  for (uint8_t p : params) tx.params[tx.n_params++] = p;
  output::EveWriter w(nullptr);
  log_tx(&tx, w);
  std::string j(w.pending());
  EXPECT_NE(j.find("\"assigned_ip\":\"255.255.255.255\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"client_ip\":\"0.0.0.0\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"relay_ip\":\"10.0.100.9\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"next_server_ip\":\"99.100.0.200\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"param_list\":\"0,9,10,99,100,255,1\""), std::string::npos) << j;
  Tx full;  // kMaxParams codes of three digits: the list's longest text
  full.op = 1;
  full.n_params = uint8_t(kMaxParams);
  for (auto& p : full.params) p = 200;
  output::EveWriter w2(nullptr);
  log_tx(&full, w2);
  std::string list = "200";
  for (size_t i = 1; i < kMaxParams; ++i) list += ",200";
  EXPECT_NE(std::string(w2.pending()).find("\"param_list\":\"" + list + "\""), std::string::npos);
}

TEST(DhcpParser, OptionOverloadAndConcatenation) {
  Msg m;
  opt(m.options, 53, Vec{1});      // DHCPDISCOVER
  opt(m.options, 52, Vec{3});      // overload: file and sname hold options (RFC 2132 9.3)
  opt(m.options, 12, "ward");      // host name, first part ...
  m.options.push_back(255);
  opt(m.file, 12, "-3-monitor");   // ... continued in `file` (RFC 3396 concatenation)
  m.file.push_back(255);
  opt(m.sname, 60, "GE Healthcare");
  m.sname.push_back(255);
  FakeCtx ctx(kSpec);
  ctx.feed(Direction::ToServer, bytes(build(m)));
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_NE(ctx.txs[0].find("\"hostname\":\"ward-3-monitor\""), std::string::npos) << ctx.txs[0];
  EXPECT_NE(ctx.txs[0].find("\"vendor_class_identifier\":\"GE Healthcare\""), std::string::npos);
  EXPECT_NE(ctx.txs[0].find("\"dhcp_type\":\"discover\""), std::string::npos);
}

TEST(DhcpParser, TruncatedAtEveryLength) {
  Vec whole = request();
  for (size_t n = 0; n < whole.size(); ++n) {
    FakeCtx ctx(kSpec);
    ctx.feed(Direction::ToServer, Bytes(whole.data(), n));
    if (n < kMinMessage) {
      EXPECT_TRUE(ctx.txs.empty()) << n;
      EXPECT_EQ(ctx.count("dhcp.malformed"), n ? 1u : 0u) << n;
    } else {
      // Reported with what came before the cut; a cut inside an option is an anomaly.
      ASSERT_EQ(ctx.txs.size(), 1u) << n;
      EXPECT_LE(ctx.count("dhcp.truncated_options"), 1u) << n;
    }
  }
  FakeCtx ctx(kSpec);
  // Cut in the middle of the host name option: flagged, the options before it kept.
  Vec r = request();
  size_t at = 0;
  for (size_t i = 240; i + 1 < r.size(); ++i)
    if (r[i] == 12 && r[i + 1] == 16) at = i;
  ASSERT_GT(at, 0u);
  ctx.feed(Direction::ToServer, Bytes(r.data(), at + 5));
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_EQ(ctx.count("dhcp.truncated_options"), 1u);
  EXPECT_NE(ctx.txs[0].find("requested_ip"), std::string::npos);
  EXPECT_EQ(ctx.txs[0].find("hostname"), std::string::npos);
}

TEST(DhcpParser, OverLimitsCutAndCounted) {
  Msg m;
  opt(m.options, 53, Vec{1});
  Vec params(200);
  for (size_t i = 0; i < params.size(); ++i) params[i] = uint8_t(i + 1);
  opt(m.options, 55, params);
  for (int k = 0; k < 3; ++k) opt(m.options, 12, std::string(120, char('a' + k)));  // 360 > 255
  Vec many;
  for (int k = 0; k < 12; ++k) {
    Vec a = be32(0x0a000001 + uint32_t(k));
    many.insert(many.end(), a.begin(), a.end());
  }
  opt(m.options, 3, many);  // 12 routers > kMaxAddrs
  m.options.push_back(255);
  FakeCtx ctx(kSpec);
  ctx.feed(Direction::ToServer, bytes(build(m)));
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_EQ(ctx.count("dhcp.option_truncated"), 1u);  // once per message
  const std::string& j = ctx.txs[0];
  std::string host = std::string(120, 'a') + std::string(120, 'b') + std::string(15, 'c');
  EXPECT_NE(j.find("\"hostname\":\"" + host + "\""), std::string::npos) << j;
  size_t commas = 0;
  size_t pl = j.find("\"param_list\":\"");
  ASSERT_NE(pl, std::string::npos);
  for (size_t i = pl + 14; j[i] != '"'; ++i) commas += j[i] == ',';
  EXPECT_EQ(commas + 1, kMaxParams);
  EXPECT_EQ(j.find("10.0.0.9"), std::string::npos) << j;  // routers past the 8th dropped
  EXPECT_NE(j.find("10.0.0.8"), std::string::npos) << j;
}

TEST(DhcpParser, GarbageNeverATransaction) {
  uint32_t x = 12345;
  for (int round = 0; round < 200; ++round) {
    Vec v(size_t(x % 600));
    for (auto& b : v) {
      x = x * 1103515245u + 12345u;
      b = uint8_t(x >> 16);
    }
    FakeCtx ctx(kSpec);
    ctx.feed(Direction::ToServer, bytes(v));
    EXPECT_TRUE(ctx.txs.empty());
  }
  // A valid header followed by random options: reported, never over its bounds.
  for (int round = 0; round < 200; ++round) {
    Msg m;
    m.options.resize(size_t(x % 400));
    for (auto& b : m.options) {
      x = x * 1103515245u + 12345u;
      b = uint8_t(x >> 16);
    }
    FakeCtx ctx(kSpec);
    ctx.feed(Direction::ToServer, bytes(build(m)));
    EXPECT_EQ(ctx.txs.size(), 1u);
  }
}

TEST(DhcpAppLayer, DetectedOnUdpAndLogged) {
  for (uint16_t port : {uint16_t(67), uint16_t(6767)}) {  // port hint, then content only
    test::Harness h(ipproto::kUdp, 68, port);
    h.datagram(Direction::ToServer, bytes(request()));
    h.datagram(Direction::ToClient, bytes(ack()));
    EXPECT_EQ(h.f.app_proto, uint16_t(Proto::Dhcp)) << port;
    EXPECT_EQ(h.counter("app_layer.tx.dhcp"), 2u) << port;
    size_t events = 0;
    for (auto& l : h.eve_lines())
      if (l.find("\"event_type\":\"dhcp\"") != std::string::npos) ++events;
    EXPECT_EQ(events, 2u) << port;
  }
}

}  // namespace
}  // namespace ww::app::dhcp
