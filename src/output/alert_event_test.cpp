#include "output/alert_event.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstring>
#include <string>

#include "app/parser.h"
#include "core/config.h"
#include "core/packet.h"
#include "detect/match.h"
#include "detect/rule.h"
#include "flow/flow.h"
#include "output/flow_event.h"

#include "output/test_sink.h"

namespace ww::output {
namespace {

// Writes one alert with `cfg` and returns it parsed.
rapidjson::Document alert_with(const EveOutputConfig& cfg, const AlertContext& c,
                               const detect::Rule& rule) {
  test::MemoryOutput mo(cfg);
  EveOutput& out = mo.out;
  test::MemorySink* mem = mo.mem;
  {
    EveWriter w(&out);
    write_alert_event(w, rule, c);
  }
  rapidjson::Document d;
  d.Parse(mem->data.c_str());
  EXPECT_FALSE(d.HasParseError()) << mem->data;
  return d;
}

detect::Rule test_rule() {
  detect::Rule r;
  r.sid = 7;
  r.rev = 1;
  r.msg = "test";
  r.metadata = {{"created_at", "2024"}};
  return r;
}

// An Ethernet/IPv4/TCP frame with a 5-byte payload "GO\x01D\n".
std::vector<uint8_t> frame_bytes() {
  std::vector<uint8_t> f = {0xfe, 0x2d, 0xcf, 0xad, 0x28, 0x54,  // dest mac
                            0xf6, 0x3a, 0x04, 0x28, 0x26, 0x77,  // src mac
                            0x08, 0x00};
  f.resize(14 + 20 + 20, 0);
  const uint8_t payload[] = {'G', 'O', 0x01, 'D', '\n'};
  f.insert(f.end(), payload, payload + sizeof payload);
  return f;
}

Packet packet_over(const std::vector<uint8_t>& f) {
  Packet p;
  p.data = f.data();
  p.caplen = p.wirelen = uint32_t(f.size());
  p.linktype = linktype::kEthernet;
  p.payload_off = 54;
  p.payload_len = 5;
  return p;
}

AlertContext tcp_context(const flow::Flow& f, const Packet* p) {
  AlertContext c;
  c.flow = &f;
  c.src = f.src;
  c.dst = f.dst;
  c.sp = f.sp;
  c.dp = f.dp;
  c.proto = ipproto::kTcp;
  c.pkt = p;
  return c;
}

flow::Flow tcp_flow() {
  flow::Flow f;
  f.src = IpAddr::v4(0x80E86E78u);  // 128.232.110.120
  f.dst = IpAddr::v4(0x4223FACCu);  // 66.35.250.204
  f.sp = 34855;
  f.dp = 80;
  f.proto = ipproto::kTcp;
  return f;
}

TEST(AlertEvent, NoOptionalFieldsByDefault) {
  auto frame = frame_bytes();
  Packet p = packet_over(frame);
  flow::Flow f = tcp_flow();
  auto d = alert_with(EveOutputConfig{}, tcp_context(f, &p), test_rule());
  for (const char* k : {"payload", "payload_printable", "stream", "packet", "packet_info",
                        "verdict", "ether", "community_id"})
    EXPECT_FALSE(d.HasMember(k)) << k;
  EXPECT_TRUE(d.HasMember("flow"));
  EXPECT_TRUE(d["alert"].HasMember("metadata"));
}

TEST(AlertEvent, PayloadPacketEtherVerdictCommunityId) {
  EveOutputConfig cfg;
  cfg.alert.payload = cfg.alert.payload_printable = cfg.alert.packet = cfg.alert.verdict = true;
  cfg.ethernet = cfg.community_id = true;
  auto frame = frame_bytes();
  Packet p = packet_over(frame);
  flow::Flow f = tcp_flow();
  auto d = alert_with(cfg, tcp_context(f, &p), test_rule());
  EXPECT_STREQ(d["payload"].GetString(), "R08BRAo=");  // base64 of "GO\x01D\n"
  EXPECT_STREQ(d["payload_printable"].GetString(), "GO.D\n");
  EXPECT_EQ(d["stream"].GetUint(), 0u);  // a packet match
  std::string packet = d["packet"].GetString();
  EXPECT_EQ(packet.substr(0, 8), "/i3PrShU");  // the frame from its first byte
  EXPECT_EQ(packet.size(), (frame.size() + 2) / 3 * 4);
  EXPECT_EQ(d["packet_info"]["linktype"].GetUint(), 1u);
  EXPECT_STREQ(d["packet_info"]["linktype_name"].GetString(), "EN10MB");
  EXPECT_STREQ(d["ether"]["src_mac"].GetString(), "f6:3a:04:28:26:77");
  EXPECT_STREQ(d["ether"]["dest_mac"].GetString(), "fe:2d:cf:ad:28:54");
  EXPECT_STREQ(d["verdict"]["action"].GetString(), "alert");
  // The Community ID specification's TCP example.
  EXPECT_STREQ(d["community_id"].GetString(), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

// Raw IP link types (and reassembled packets) are named IPv4 / IPv6, as Suricata 8 does.
TEST(AlertEvent, RawIpLinktypeNames) {
  EveOutputConfig cfg;
  cfg.alert.packet = true;
  auto frame = frame_bytes();
  flow::Flow f = tcp_flow();
  for (auto [lt, name] : {std::pair{228u, "IPv4"}, std::pair{229u, "IPv6"}}) {
    Packet p = packet_over(frame);
    p.linktype = lt;
    auto d = alert_with(cfg, tcp_context(f, &p), test_rule());
    EXPECT_EQ(d["packet_info"]["linktype"].GetUint(), lt);
    EXPECT_STREQ(d["packet_info"]["linktype_name"].GetString(), name);
  }
}

// Pcre captures: alert.context {name: value}; top-level metadata.flowvars / pktvars as
// arrays of one-member objects; nothing when there are none.
TEST(AlertEvent, CapturedVariables) {
  flow::Flow f = tcp_flow();
  AlertContext c = tcp_context(f, nullptr);
  AlertContext::Var ctx[] = {{"ua", "Mozilla"}}, fv[] = {{"ubuntu", "8.1"}, {"x", "y"}},
                    pv[] = {{"firefox", "3.0.13"}};
  c.context = ctx;
  c.flowvars = fv;
  c.pktvars = pv;
  auto d = alert_with(EveOutputConfig{}, c, test_rule());
  EXPECT_STREQ(d["alert"]["context"]["ua"].GetString(), "Mozilla");
  EXPECT_STREQ(d["metadata"]["flowvars"][0]["ubuntu"].GetString(), "8.1");
  EXPECT_STREQ(d["metadata"]["flowvars"][1]["x"].GetString(), "y");
  EXPECT_STREQ(d["metadata"]["pktvars"][0]["firefox"].GetString(), "3.0.13");
  auto e = alert_with(EveOutputConfig{}, tcp_context(f, nullptr), test_rule());
  EXPECT_FALSE(e["alert"].HasMember("context"));
  EXPECT_FALSE(e.HasMember("metadata"));
}

TEST(AlertEvent, CommunityIdIsTheSameBothWays) {
  flow::Flow f = tcp_flow();
  char a[64], b[64];
  size_t na = community_id(f.src, f.dst, f.sp, f.dp, f.proto, 0, a);
  size_t nb = community_id(f.dst, f.src, f.dp, f.sp, f.proto, 0, b);
  EXPECT_EQ(std::string(a, na), std::string(b, nb));
  size_t ns = community_id(f.src, f.dst, f.sp, f.dp, f.proto, 1, b);
  EXPECT_NE(std::string(a, na), std::string(b, ns));  // the seed changes the id
}

TEST(AlertEvent, StreamMatchLogsTheStreamWindow) {
  EveOutputConfig cfg;
  cfg.alert.payload = cfg.alert.payload_printable = true;
  cfg.alert.payload_buffer_size = 4;
  flow::Flow f = tcp_flow();
  AlertContext c = tcp_context(f, nullptr);  // flow end: no packet
  c.pkt_src = "stream (flow timeout)";
  c.stream_match = true;
  const uint8_t data[] = {'G', 'O', 'O', 'D', 'B', 'Y', 'E'};
  c.stream_data = Bytes(data, sizeof data);
  auto d = alert_with(cfg, c, test_rule());
  EXPECT_STREQ(d["payload"].GetString(), "R09PRA==");  // payload-buffer-size: 4
  EXPECT_STREQ(d["payload_printable"].GetString(), "GOOD");
  EXPECT_EQ(d["stream"].GetUint(), 1u);
  EXPECT_FALSE(d.HasMember("packet"));
}

TEST(AlertEvent, MetadataOffLeavesOutFlowAndRuleMetadata) {
  EveOutputConfig cfg;
  cfg.alert.metadata = false;
  flow::Flow f = tcp_flow();
  auto d = alert_with(cfg, tcp_context(f, nullptr), test_rule());
  EXPECT_FALSE(d.HasMember("flow"));
  EXPECT_FALSE(d["alert"].HasMember("metadata"));
  EXPECT_TRUE(d.HasMember("direction"));
}

TEST(AlertEvent, XffAddress) {
  std::string_view h = "Host: a\r\nx-forwarded-for: 10.2.2.2, 10.3.3.3\r\nAccept: */*\r\n";
  IpAddr a;
  ASSERT_TRUE(xff_address(h, "X-Forwarded-For", true, a));
  EXPECT_EQ(a.str(), "10.2.2.2");
  ASSERT_TRUE(xff_address(h, "X-Forwarded-For", false, a));
  EXPECT_EQ(a.str(), "10.3.3.3");
  EXPECT_FALSE(xff_address(h, "X-Real-IP", false, a));
  EXPECT_FALSE(xff_address("X-Forwarded-For: unknown\r\n", "X-Forwarded-For", true, a));
  ASSERT_TRUE(xff_address("X-Forwarded-For: 2001:db8::1\r\n", "X-Forwarded-For", true, a));
  EXPECT_EQ(a.str(), "2001:db8::1");
}

const char kHeaders[] = "Host: x\r\nX-Forwarded-For: 10.2.2.2, 10.3.3.3\r\n";
void fake_buffers(const void*, Direction, detect::InspectBuffers& out) noexcept {
  out.set(detect::BufferId::HttpHeaderRaw,
          Bytes(reinterpret_cast<const uint8_t*>(kHeaders), sizeof kHeaders - 1));
}

TEST(AlertEvent, XffExtraDataAndOverwrite) {
  app::ParserSpec spec{};
  spec.proto = app::Proto::Http;
  spec.buffers = fake_buffers;
  int tx = 0;
  flow::Flow f = tcp_flow();
  AlertContext c = tcp_context(f, nullptr);
  c.has_tx = true;
  c.spec = &spec;
  c.tx = &tx;
  // A response alert: the client is the destination.
  c.dir = Direction::ToClient;
  std::swap(c.src, c.dst);
  std::swap(c.sp, c.dp);

  EveOutputConfig cfg;
  cfg.alert.xff_mode = EveAlertConfig::XffMode::ExtraData;
  cfg.alert.xff_forward = true;
  auto d = alert_with(cfg, c, test_rule());
  EXPECT_STREQ(d["alert"]["xff"].GetString(), "10.2.2.2");
  EXPECT_STREQ(d["dest_ip"].GetString(), "128.232.110.120");

  cfg.alert.xff_mode = EveAlertConfig::XffMode::Overwrite;
  cfg.alert.xff_forward = false;
  d = alert_with(cfg, c, test_rule());
  EXPECT_FALSE(d["alert"].HasMember("xff"));
  EXPECT_STREQ(d["dest_ip"].GetString(), "10.3.3.3");
  EXPECT_STREQ(d["src_ip"].GetString(), "66.35.250.204");
}

TEST(AlertEvent, CommunityIdInFlowScopedEvents) {
  EveOutputConfig cfg;
  cfg.community_id = true;
  test::MemoryOutput mo(cfg);
  EveOutput& out = mo.out;
  test::MemorySink* mem = mo.mem;
  {
    EveWriter w(&out);
    flow::Flow f = tcp_flow();
    w.begin(Timestamp{0}, "smb");
    write_flow_header(w, f, "");
    w.end();
  }
  rapidjson::Document d;
  d.Parse(mem->data.c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(d["community_id"].GetString(), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

}  // namespace
}  // namespace ww::output
