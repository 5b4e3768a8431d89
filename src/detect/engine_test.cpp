// Detection engine tests with packets built field by field (no decoder, no flow table).
#include "detect/engine.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "app/parser.h"
#include "app/proto.h"
#include "decode/events.h"
#include "detect/keywords/util.h"
#include "flow/arena.h"
#include "flow/flow.h"
#include "flow/test_packets.h"
#include "output/test_sink.h"
#include "output/eve.h"

namespace ww::detect {
namespace {

using flow::testing::bytes_of;
using flow::testing::make_packet;
using flow::testing::make_tcp;

constexpr uint32_t kClient = 0xc0a80105;  // 192.168.1.5 (HOME_NET)
constexpr uint32_t kServer = 0x5db8d822;  // 93.184.216.34 (EXTERNAL_NET)

struct Fixture {
  StatsBlock stats{"test"};
  flow::ArenaBudget budget{stats, 1 << 20};
  flow::Arena arena{&budget, 64 << 10};
  flow::Flow flow;
  std::shared_ptr<const DetectEngine> engine;
  std::unique_ptr<Detector> det;
  std::vector<uint32_t> sids;
  EveOutputConfig eve_cfg;
  std::unique_ptr<output::EveOutput> eve_out;
  std::unique_ptr<output::EveWriter> eve;

  explicit Fixture(std::string_view rules, std::string threshold_config = {},
                   const DetectLimits& limits = {}, EveOutputConfig cfg = {})
      : eve_cfg(std::move(cfg)) {
    LoadOptions lo;
    std::string path;
    if (!threshold_config.empty()) {
      path = ::testing::TempDir() + "/threshold.config";
      FILE* f = std::fopen(path.c_str(), "w");
      std::fwrite(threshold_config.data(), 1, threshold_config.size(), f);
      std::fclose(f);
      lo.threshold_file = path;
    }
    auto rs = load_rules_from_string(rules, "test.rules", RuleVars::suricata_defaults(), lo);
    EXPECT_TRUE(rs.has_value());
    for (const auto& p : rs->problems) ADD_FAILURE() << p.diag.str();
    auto e = DetectEngine::build(std::make_shared<const RuleSet>(std::move(*rs)), limits);
    EXPECT_TRUE(e.has_value());
    engine = *e;
    det = std::make_unique<Detector>(engine, stats, "eth0");
    det->record_sids = &sids;
    eve_out = std::make_unique<output::EveOutput>(eve_cfg);
    eve = std::make_unique<output::EveWriter>(eve_out.get());
    flow.flow_id = 42;
    flow.src = IpAddr::v4(kClient);
    flow.dst = IpAddr::v4(kServer);
    flow.sp = 40000;
    flow.dp = 80;
    flow.proto = ipproto::kTcp;
    flow.arena = &arena;
    flow.tcp_state = flow::TcpState::Established;
    flow.pkts[0] = flow.pkts[1] = 1;
  }
  ~Fixture() { det->release(flow); }

  // A to-server TCP data packet (or to-client when `reply`).
  void tcp(std::string_view payload, bool reply = false, int64_t usec = 1000000,
           uint8_t flags = tcpflag::kAck | tcpflag::kPsh) {
    auto buf = bytes_of(payload);
    flow::testing::Endpoint c{kClient, 40000}, s{kServer, 80};
    Packet p = reply ? make_tcp(s, c, flags, 1, 1, usec, &buf) : make_tcp(c, s, flags, 1, 1, usec, &buf);
    p.ttl = 64;
    det->on_packet(p, &flow, reply ? Direction::ToClient : Direction::ToServer, eve.get());
  }
};

TEST(DetectEngine, ContentOnPayloadAndHeaderChecks) {
  Fixture f(R"(
alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:"get"; flow:established,to_server; content:"GET /evil"; sid:1;)
alert tcp $EXTERNAL_NET any -> $HOME_NET any (msg:"wrong direction"; content:"GET /evil"; sid:2;)
alert tcp any any -> any any (msg:"ttl"; ttl:64; dsize:>3; sid:3;)
alert tcp any any -> any any (msg:"ttl mismatch"; ttl:65; sid:4;)
alert udp any any -> any any (msg:"udp only"; sid:5;)
alert tcp any any -> any 81 (msg:"port 81"; sid:6;)
alert tcp any any -> any any (msg:"syn only"; flags:S; sid:7;)
alert tcp any any -> any any (msg:"neg content"; content:"GET"; content:!"good"; sid:8;)
alert tcp any any -> any any (msg:"pcre"; pcre:"/evil\d+/"; sid:9;)
)");
  f.tcp("GET /evil42 HTTP/1.1\r\n");
  std::sort(f.sids.begin(), f.sids.end());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 3, 8, 9}));
  f.sids.clear();
  f.tcp("ab");  // dsize 2: no sid 3
  EXPECT_TRUE(f.sids.empty());
  f.tcp("", false, 1000000, tcpflag::kSyn);
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{7}));
}

TEST(DetectEngine, RawStreamMatchesAcrossSegmentsOncePerPosition) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"split"; content:"GET /evil"; sid:1;)
alert tcp any any -> any any (msg:"stream only"; flow:only_stream; content:"/ev"; sid:2;)
alert tcp any any -> any any (msg:"packet only"; flow:no_stream; content:"GET /evil"; sid:3;)
alert tcp any any -> any any (msg:"at flow end"; flow:to_client; content:"200 evil"; sid:4;)
)");
  ASSERT_GT(f.engine->stream_rule_count(), 0u);
  uint64_t off[2] = {0, 0};
  auto seg = [&](std::string_view s, bool reply = false, bool packet = true) {
    auto b = bytes_of(s);
    Direction d = reply ? Direction::ToClient : Direction::ToServer;
    f.det->on_stream_data(f.flow, d, Bytes(b.data(), b.size()), off[idx(d)]);
    off[idx(d)] += b.size();
    if (packet) f.tcp(s, reply);
  };
  seg("GET /ev");
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{2}));
  f.sids.clear();
  seg("il42 HTTP/1.1");  // sid 1 on the stream only; sid 2 matched this position already
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1}));
  f.sids.clear();
  seg("\r\n");
  EXPECT_TRUE(f.sids.empty());
  seg("HTTP/1.1 200 evil", true, false);  // delivered, no packet inspected it yet
  EXPECT_TRUE(f.sids.empty());
  f.det->release(f.flow, f.eve.get());  // flow end: "stream (flow timeout)"
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{4}));
}

TEST(DetectEngine, NegatedAppLayerProtocolWaitsForDetection) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"not http"; app-layer-protocol:!http1; sid:1;)
)");
  f.tcp("GET / HTTP/1.1\r\n");  // protocol not known yet: no match, negated or not
  EXPECT_TRUE(f.sids.empty());
  f.flow.app_proto = uint16_t(app::Proto::Http);
  f.det->on_proto_detected(f.flow, Direction::ToServer);  // (PD-only: that packet only)
  f.tcp("Host: x\r\n");
  EXPECT_TRUE(f.sids.empty());  // http1 is http
  f.flow.app_proto = uint16_t(app::Proto::Tls);
  f.det->on_proto_detected(f.flow, Direction::ToServer);
  f.tcp("x");
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1}));
}

TEST(DetectEngine, FlowbitsAcrossPackets) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"check"; flow:to_client; content:"200 OK"; flowbits:isset,login; sid:2;)
alert tcp any any -> any any (msg:"set"; flow:to_server; content:"LOGIN"; flowbits:set,login; flowbits:noalert; sid:1;)
alert tcp any any -> any any (msg:"not set"; flow:to_client; content:"200 OK"; flowbits:isnotset,login; sid:3;)
)");
  f.tcp("200 OK", true);
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{3}));
  f.sids.clear();
  f.tcp("LOGIN bob");
  EXPECT_TRUE(f.sids.empty());  // noalert
  f.tcp("200 OK", true);
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{2}));
}

TEST(DetectEngine, FlowMetadataListsTheSetFlowbits) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"set"; content:"A"; flowbits:set,ET.Evil; flowbits:set,ET.Other; sid:1;)
alert tcp any any -> any any (msg:"unset"; content:"B"; flowbits:unset,ET.Other; sid:2;)
)");
  output::test::MemoryOutput mo;
  output::EveWriter w(&mo.out);
  auto event = [&] {
    mo.mem->data.clear();
    w.begin(Timestamp{0}, "anomaly");
    f.det->write_flow_metadata(f.flow, w);
    w.end();
    w.flush();
    return mo.mem->data;
  };
  EXPECT_EQ(event().find("metadata"), std::string::npos);  // nothing set: no member
  f.tcp("A");
  EXPECT_NE(event().find(R"("metadata":{"flowbits":["ET.Evil","ET.Other"]})"), std::string::npos)
      << mo.mem->data;
  f.tcp("B");
  EXPECT_NE(event().find(R"("metadata":{"flowbits":["ET.Evil"]})"), std::string::npos)
      << mo.mem->data;
}

TEST(DetectEngine, AppLayerProtocolModesAndDetectionPacket) {
  Fixture f(R"(
alert tcp any any -> any any (flow:to_client; app-layer-protocol:http1,to_server; app-layer-protocol:ssh,to_client; sid:1;)
alert tcp any any -> any any (app-layer-protocol:ssh,either; content:"x"; sid:2;)
alert tcp any any -> any any (app-layer-protocol:ssh,to_server; content:"x"; sid:3;)
)");
  // An HTTP client talking to an SSH server.
  f.flow.app_proto = f.flow.app_proto_ts = uint16_t(app::Proto::Http);
  f.flow.app_proto_tc = uint16_t(app::Proto::Ssh);
  // Only app-layer-protocol (PD-only): tried on the packet that completes detection of its
  // direction, once.
  f.tcp("SSH-2.0-OpenSSH", true);
  EXPECT_TRUE(f.sids.empty());
  f.det->on_proto_detected(f.flow, Direction::ToClient);
  f.tcp("SSH-2.0-OpenSSH", true);
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1}));
  f.sids.clear();
  f.tcp("more", true);
  EXPECT_TRUE(f.sids.empty());
  // With something to inspect: every packet; either direction's protocol, or the one named.
  f.tcp("x");
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{2}));
}

TEST(DetectEngine, SetterRunsBeforeCheckerOnTheSamePacket) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"check"; content:"B"; flowbits:isset,x; sid:1;)
alert tcp any any -> any any (msg:"set"; content:"A"; flowbits:set,x; sid:2;)
)");
  f.tcp("AB");
  std::sort(f.sids.begin(), f.sids.end());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 2}));
}

TEST(DetectEngine, Flowint) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"count"; content:"USER"; flowint:users,+,1; noalert; sid:1;)
alert tcp any any -> any any (msg:"many"; content:"USER"; flowint:users,>,2; sid:2;)
)");
  for (int i = 0; i < 4; ++i) f.tcp("USER x");
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{2, 2}));
}

TEST(DetectEngine, ThresholdAndDetectionFilter) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"limit"; content:"L"; threshold:type limit, track by_src, count 2, seconds 60; sid:1;)
alert tcp any any -> any any (msg:"threshold"; content:"T"; threshold:type threshold, track by_src, count 3, seconds 60; sid:2;)
alert tcp any any -> any any (msg:"both"; content:"B"; threshold:type both, track by_dst, count 2, seconds 60; sid:3;)
alert tcp any any -> any any (msg:"df"; content:"D"; detection_filter:track by_src, count 2, seconds 60; sid:4;)
)");
  auto count = [&](uint32_t sid) { return std::count(f.sids.begin(), f.sids.end(), sid); };
  for (int i = 0; i < 7; ++i) f.tcp("L T B D", false, 1000000 + i);
  EXPECT_EQ(count(1), 2);  // first two
  EXPECT_EQ(count(2), 2);  // every third
  EXPECT_EQ(count(3), 1);  // once at the second
  EXPECT_EQ(count(4), 5);  // every match past the second
  // A new window after 60 s: limit alerts again.
  f.sids.clear();
  f.tcp("L", false, 70000000);
  EXPECT_EQ(count(1), 1);
}

TEST(DetectEngine, ThresholdConfigSuppress) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"a"; content:"X"; sid:1;)
alert tcp any any -> any any (msg:"b"; content:"X"; sid:2;)
alert tcp any any -> any any (msg:"c"; content:"X"; sid:3;)
alert tcp any any -> any any (msg:"d"; content:"X"; sid:4;)
)",
            "suppress gen_id 1, sig_id 1\n"
            "suppress gen_id 1, sig_id 2, track by_src, ip 192.168.1.0/24\n"
            "suppress gen_id 1, sig_id 3, track by_src, ip 10.0.0.0/8\n"
            "threshold gen_id 1, sig_id 4, type limit, track by_src, count 1, seconds 60\n");
  f.tcp("X");
  f.tcp("X");
  std::sort(f.sids.begin(), f.sids.end());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{3, 3, 4}));
}

TEST(DetectEngine, VarsAndPortGroups) {
  RuleVars vars = RuleVars::suricata_defaults();
  vars.address_groups["HOME_NET"] = "[10.0.0.0/8]";
  auto rs = load_rules_from_string(
      "alert tcp $HOME_NET any -> any any (msg:\"home\"; sid:1;)\n"
      "alert tcp any any -> any [80,443] (msg:\"web\"; sid:2;)\n"
      "alert tcp any any -> any ![80,443] (msg:\"not web\"; sid:3;)\n"
      "alert tcp any any <> any 40000 (msg:\"bidir\"; sid:4;)\n",
      "t.rules", vars);
  ASSERT_TRUE(rs.has_value());
  auto e = DetectEngine::build(std::make_shared<const RuleSet>(std::move(*rs)));
  ASSERT_TRUE(e.has_value());
  StatsBlock stats("t");
  Detector d(*e, stats);
  std::vector<uint32_t> sids;
  d.record_sids = &sids;
  Packet p = make_tcp({kClient, 40000}, {kServer, 80}, tcpflag::kAck, 1, 1);
  d.on_packet(p, nullptr, Direction::ToServer, nullptr);
  std::sort(sids.begin(), sids.end());
  EXPECT_EQ(sids, (std::vector<uint32_t>{2, 4}));  // 192.168.1.5 is not in HOME_NET here
  sids.clear();
  Packet q = make_tcp({0x0a000001, 5555}, {kServer, 22}, tcpflag::kAck, 1, 1);
  d.on_packet(q, nullptr, Direction::ToServer, nullptr);
  std::sort(sids.begin(), sids.end());
  EXPECT_EQ(sids, (std::vector<uint32_t>{1, 3}));
}

TEST(DetectEngine, PassRuleStopsTheFlow) {
  Fixture f(R"(
pass tcp any any -> any any (msg:"pass"; content:"trusted"; sid:1;)
alert tcp any any -> any any (msg:"any"; content:"x"; sid:2;)
)");
  f.tcp("x");
  f.tcp("trusted x");
  f.tcp("x");
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{2}));
}

TEST(DetectEngine, TransactionBuffers) {
  Fixture f(R"(
alert http any any -> any any (msg:"uri"; flow:to_server; http.uri; content:"/admin"; http.method; content:"POST"; sid:1;)
alert dns any any -> any any (msg:"dns"; dns.query; content:"evil.example"; nocase; sid:2;)
alert http any any -> any any (msg:"host no fp"; http.host; pcre:"/^bad/"; sid:3;)
)");
  InspectBuffers b;
  std::string uri = "/admin/login", method = "POST", host = "bad.example";
  b.set(BufferId::HttpUri, {reinterpret_cast<const uint8_t*>(uri.data()), uri.size()});
  b.set(BufferId::HttpMethod, {reinterpret_cast<const uint8_t*>(method.data()), method.size()});
  b.set(BufferId::HttpHost, {reinterpret_cast<const uint8_t*>(host.data()), host.size()});
  f.flow.app_proto = uint16_t(app::Proto::Http);
  f.det->on_buffers(f.flow, uint16_t(app::Proto::Http), b, Direction::ToServer,
                    Timestamp{5000000}, f.eve.get());
  std::sort(f.sids.begin(), f.sids.end());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 3}));
  f.sids.clear();
  // The same buffers on a DNS flow match nothing of http; a DNS query does.
  InspectBuffers d;
  std::string q = "www.EVIL.example";
  d.set(BufferId::DnsQuery, {reinterpret_cast<const uint8_t*>(q.data()), q.size()});
  f.det->on_buffers(f.flow, uint16_t(app::Proto::Dns), d, Direction::ToServer,
                    Timestamp{5000000}, f.eve.get());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{2}));
  // Packet payload does not reach tx rules.
  f.sids.clear();
  f.tcp("POST /admin");
  EXPECT_TRUE(f.sids.empty());
}

TEST(DetectEngine, AlertEventFormat) {
  Fixture f(
      "alert tcp $HOME_NET any -> $EXTERNAL_NET any (msg:\"ET TEST x\"; content:\"x\"; "
      "classtype:trojan-activity; metadata:former_category MALWARE, tag a, tag b; sid:2000001; "
      "rev:3;)\n");
  f.tcp("x", false, 1700000000123456);
  ASSERT_TRUE(f.flow.alerted);
  std::string line(f.eve->pending());
  ASSERT_FALSE(line.empty());
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size() - 1);
  ASSERT_FALSE(doc.HasParseError()) << line;
  EXPECT_STREQ(doc["event_type"].GetString(), "alert");
  EXPECT_STREQ(doc["timestamp"].GetString(), "2023-11-14T22:13:20.123456+0000");
  EXPECT_EQ(doc["flow_id"].GetUint64(), 42u);
  EXPECT_STREQ(doc["in_iface"].GetString(), "eth0");
  EXPECT_STREQ(doc["src_ip"].GetString(), "192.168.1.5");
  EXPECT_EQ(doc["src_port"].GetUint(), 40000u);
  EXPECT_STREQ(doc["dest_ip"].GetString(), "93.184.216.34");
  EXPECT_EQ(doc["dest_port"].GetUint(), 80u);
  EXPECT_STREQ(doc["proto"].GetString(), "TCP");
  EXPECT_STREQ(doc["pkt_src"].GetString(), "wire/pcap");
  EXPECT_STREQ(doc["direction"].GetString(), "to_server");
  const auto& a = doc["alert"];
  EXPECT_STREQ(a["action"].GetString(), "allowed");
  EXPECT_EQ(a["gid"].GetUint(), 1u);
  EXPECT_EQ(a["signature_id"].GetUint(), 2000001u);
  EXPECT_EQ(a["rev"].GetUint(), 3u);
  EXPECT_STREQ(a["signature"].GetString(), "ET TEST x");
  EXPECT_STREQ(a["category"].GetString(), "A Network Trojan was detected");
  EXPECT_EQ(a["severity"].GetUint(), 1u);
  ASSERT_TRUE(a["metadata"]["tag"].IsArray());
  EXPECT_EQ(a["metadata"]["tag"].Size(), 2u);
  EXPECT_STREQ(a["metadata"]["former_category"][0].GetString(), "MALWARE");
  EXPECT_EQ(doc["flow"]["pkts_toserver"].GetUint64(), 1u);
  EXPECT_STREQ(doc["flow"]["src_ip"].GetString(), "192.168.1.5");
  EXPECT_EQ(f.stats.counter("detect.alerts").get(), 1u);
  EXPECT_EQ(f.stats.counter("output.eve.events.alert").get(), 1u);
}

// Anomalies raised while a packet is processed (begin_packet .. on_packet) are that packet's:
// app-layer-event and stream-event rules see them, the next packet does not.
TEST(DetectEngine, AppLayerAndStreamEventsOfThePacket) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"ev"; app-layer-event:tls.invalid_handshake_message; sid:1;)
alert tcp any any -> any any (msg:"st"; stream-event:pkt_invalid_timestamp; sid:2;)
)");
  auto pkt = [&](const char* app_ev, const char* stream_ev, std::string_view payload = "x") {
    f.det->begin_packet(nullptr, &f.flow, Direction::ToServer, f.eve.get());
    if (app_ev) f.det->on_app_event(f.flow, app_ev);
    if (stream_ev) f.det->on_stream_event(f.flow, stream_ev);
    f.tcp(payload);
  };
  pkt("tls.invalid_handshake", nullptr);
  EXPECT_EQ(f.sids, std::vector<uint32_t>({1}));
  pkt("tls.handshake_too_large", nullptr);  // the other name of the same Suricata event
  EXPECT_EQ(f.sids, std::vector<uint32_t>({1, 1}));
  f.sids = {1};
  pkt(nullptr, nullptr);  // the event belonged to the previous packet
  pkt(nullptr, "stream.pkt_invalid_timestamp");
  EXPECT_EQ(f.sids, std::vector<uint32_t>({1, 2}));
  pkt("tls.invalid_record", nullptr);  // another event
  EXPECT_EQ(f.sids, std::vector<uint32_t>({1, 2}));
  // Another flow's event is not this flow's.
  flow::Flow other;
  f.det->begin_packet(nullptr, &f.flow, Direction::ToServer, f.eve.get());
  f.det->on_app_event(other, "tls.invalid_handshake");
  f.tcp("x");
  EXPECT_EQ(f.sids.size(), 2u);
  // Bounded per packet.
  f.det->begin_packet(nullptr, &f.flow, Direction::ToServer, f.eve.get());
  for (uint32_t i = 0; i <= Detector::kMaxPacketEvents; ++i) f.det->on_app_event(other, "a.b");
  f.det->on_app_event(f.flow, "tls.invalid_handshake");  // dropped: the list is full
  f.tcp("x");
  EXPECT_EQ(f.sids.size(), 2u);
  EXPECT_EQ(f.stats.value("detect.events.overflow"), 2u);
}

// Acked delivery: an event raised while bytes of the other direction are handed over with
// their ACK (on_origin names this very packet) also waits for the next packet of that
// direction; events raised at flow end get an event-rule pass there.
TEST(DetectEngine, AckedDeliveryEventsWaitForTheirDirectionAndFlowEnd) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"ev"; flow:to_server; app-layer-event:tls.invalid_handshake_message; sid:1;)
alert tcp any any -> any any (msg:"end"; app-layer-event:tls.invalid_ssl_record; sid:2;)
)");
  auto buf = bytes_of("");
  flow::testing::Endpoint c{kClient, 40000}, s{kServer, 80};
  Packet ack = make_tcp(s, c, tcpflag::kAck, 1, 1, 1000000, &buf);
  ack.pcap_cnt = 5;
  f.det->begin_packet(&ack, &f.flow, Direction::ToClient, f.eve.get());
  f.det->on_origin(5);  // client bytes handed over with this ACK
  f.det->on_app_event(f.flow, "tls.invalid_handshake");
  f.det->on_origin(0);
  f.det->on_packet(ack, &f.flow, Direction::ToClient, f.eve.get());
  EXPECT_TRUE(f.sids.empty());  // flow:to_server: not on the ACK
  Packet next = make_tcp(c, s, tcpflag::kAck, 1, 1, 1000100, &buf);
  next.pcap_cnt = 6;
  f.det->begin_packet(&next, &f.flow, Direction::ToServer, f.eve.get());
  f.det->on_packet(next, &f.flow, Direction::ToServer, f.eve.get());
  EXPECT_EQ(f.sids, std::vector<uint32_t>({1}));
  // Flow end (no packet): the event of bytes parsed there reaches its rule.
  f.det->begin_packet(nullptr, nullptr, Direction::ToServer, f.eve.get());
  f.det->on_app_event(f.flow, "tls.invalid_record");
  f.det->release(f.flow, f.eve.get());
  EXPECT_EQ(f.sids, std::vector<uint32_t>({1, 2}));
}

// An app-layer event raised before the transaction is reported: the event rule alerts with
// the transaction (tx_id), once; the packet pass does not raise it again.
TEST(DetectEngine, AppLayerEventWithItsTransaction) {
  Fixture f(R"(
alert dns any any -> any any (msg:"z"; app-layer-event:dns.z_flag_set; sid:1;)
alert dns any any -> any any (msg:"op"; flow:to_client; app-layer-event:dns.invalid_opcode; sid:2;)
)");
  f.flow.proto = ipproto::kUdp;
  f.flow.app_proto = uint16_t(app::Proto::Dns);
  InspectBuffers d;
  f.det->begin_packet(nullptr, &f.flow, Direction::ToServer, f.eve.get());
  f.det->on_app_event(f.flow, "dns.z_flag_set");
  f.det->on_app_event(f.flow, "dns.invalid_opcode");
  f.det->on_buffers(f.flow, uint16_t(app::Proto::Dns), d, Direction::ToServer,
                    Timestamp{5000000}, f.eve.get(), nullptr, nullptr, 7);
  EXPECT_TRUE(f.sids.empty());  // queued: a packet's alerts are written when it is done
  auto buf = bytes_of("x");
  Packet p = make_packet(ipproto::kUdp, {kClient, 40000}, {kServer, 80}, 5000000, &buf);
  f.det->on_packet(p, &f.flow, Direction::ToServer, f.eve.get());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1}));  // consumed by the transaction
  std::string out(f.eve->pending());
  EXPECT_NE(out.find("\"tx_id\":7"), std::string::npos) << out;
}

// Makes the fixture's flow a DNS flow and returns a DNS parser spec whose every transaction
// has the query "evil.example".
app::ParserSpec dns_evil_query(Fixture& f) {
  f.flow.proto = ipproto::kUdp;
  f.flow.app_proto = uint16_t(app::Proto::Dns);
  app::ParserSpec spec{};
  spec.proto = app::Proto::Dns;
  spec.buffers = [](const void*, Direction, InspectBuffers& out) noexcept {
    static const std::string q = "evil.example";
    out.set(BufferId::DnsQuery, {reinterpret_cast<const uint8_t*>(q.data()), q.size()});
  };
  return spec;
}

// ipv4.hdr / tcp.hdr / udp.hdr: the packet's headers, matched on packets without payload too
// (a SYN); a buffer the packet does not have does not match.
TEST(DetectEngine, HeaderBuffers) {
  Fixture f(R"(
alert ip any any -> any any (msg:"v4"; ipv4.hdr; content:"|45|"; startswith; content:"|06|"; distance:8; within:1; sid:1;)
alert tcp any any -> any any (msg:"mss"; tcp.hdr; content:"|02 04|"; offset:20; byte_test:2,<,536,0,big,relative; sid:2;)
alert udp any any -> any any (msg:"udp"; udp.hdr; content:"|00|"; sid:3;)
alert ip any any -> any any (msg:"v6"; ipv6.hdr; content:"|60|"; sid:4;)
)");
  // IPv4 header (20 bytes, protocol 6), then a TCP SYN header with an MSS option of 500.
  std::vector<uint8_t> frame = {0x45, 0, 0, 44, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                                0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x02, 0x72, 0x10,
                                0, 0, 0, 0, 0x02, 0x04, 0x01, 0xf4};
  Packet p = make_packet(ipproto::kTcp, {kClient, 40000}, {kServer, 80}, 5000000);
  p.data = frame.data();
  p.caplen = uint32_t(frame.size());
  p.l3_off = 0;
  p.l3_hdr_len = 20;
  p.l4_off = 20;
  p.l4_hdr_len = 24;
  p.payload_off = 44;
  p.payload_len = 0;
  p.tcp_flags = tcpflag::kSyn;
  f.det->on_packet(p, &f.flow, Direction::ToServer, f.eve.get());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 2}));
  frame[42] = 0x02;  // MSS 0x02f4 = 756: the byte_test fails
  f.sids.clear();
  f.det->on_packet(p, &f.flow, Direction::ToServer, f.eve.get());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1}));
}

// Content before a sticky buffer on an app-layer rule inspects the payload of the packet
// that completed the transaction (Suricata matches it on that packet).
TEST(DetectEngine, TransactionRuleWithPacketPayload) {
  Fixture f(R"(
alert dns any any -> any any (msg:"mixed"; content:"|01 00 00 01|"; offset:2; depth:4; dns.query; content:"evil"; sid:1;)
)");
  app::ParserSpec spec = dns_evil_query(f);
  auto send = [&](std::string_view payload) {
    auto buf = bytes_of(payload);
    Packet p = make_packet(ipproto::kUdp, {kClient, 40000}, {kServer, 53}, 5000000, &buf);
    f.det->begin_packet(&p, &f.flow, Direction::ToServer, f.eve.get());
    f.det->on_transaction(f.flow, spec, nullptr, 0, Direction::ToServer, p.ts, f.eve.get());
    f.det->on_packet(p, &f.flow, Direction::ToServer, f.eve.get());
  };
  send(std::string("\x12\x34\x01\x00\x00\x01", 6));
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1}));
  send(std::string("\x12\x34\x81\x80\x00\x01", 6));
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1}));
}

// A transaction completed without a packet (at flow end) is logged from the flow-end pseudo
// packet, as Suricata: pkt_src "stream (flow timeout)", no pcap_cnt.
TEST(DetectEngine, TransactionAtFlowEndIsFromTheTimeoutPseudoPacket) {
  Fixture f(R"(
alert dns any any -> any any (msg:"q"; dns.query; content:"evil"; sid:1;)
)");
  app::ParserSpec spec = dns_evil_query(f);
  f.det->on_transaction(f.flow, spec, nullptr, 0, Direction::ToServer, Timestamp{5000000},
                        f.eve.get());
  ASSERT_EQ(f.sids, (std::vector<uint32_t>{1}));
  std::string out(f.eve->pending());
  EXPECT_NE(out.find("\"pkt_src\":\"stream (flow timeout)\""), std::string::npos) << out;
  EXPECT_EQ(out.find("pcap_cnt"), std::string::npos) << out;
}

// A transaction holding both directions is inspected in both, a rule alerting once for it.
TEST(DetectEngine, TransactionBothDirectionsAlertsOncePerRule) {
  Fixture f(R"(
alert dns any any -> any any (msg:"any dir"; dns.query; content:"evil"; sid:1;)
alert dns any any -> any any (msg:"to_client"; flow:to_client; dns.query; content:"evil"; sid:2;)
)");
  app::ParserSpec spec = dns_evil_query(f);
  f.det->on_transaction_both(f.flow, spec, nullptr, 0, Timestamp{5000000}, f.eve.get());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 2}));
  // Outside it, each call is its own inspection.
  f.det->on_transaction(f.flow, spec, nullptr, 0, Direction::ToServer, Timestamp{5000000},
                        f.eve.get());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 2, 1}));
  // Inspected in parts (ParserSpec::inspect_dirs: an HTTP request once complete, its response
  // later): each part its directions only, a rule alerting once across the parts.
  static uint8_t dirs = 1;
  spec.inspect_dirs = [](const void*) noexcept -> uint8_t { return dirs; };
  dirs = 1;
  f.det->on_transaction_both(f.flow, spec, nullptr, 1, Timestamp{5000000}, f.eve.get());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 2, 1, 1}));
  dirs = 2;  // sid 1 alerted on this transaction already
  f.det->on_transaction_both(f.flow, spec, nullptr, 1, Timestamp{5000000}, f.eve.get());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 2, 1, 1, 2}));
}

// decode-event sees every event of the packet; a decode_only packet (fragment, rejected
// packet) is inspected by decode-event rules only, without a flow.
TEST(DetectEngine, DecodeEventsAndDecodeOnlyPackets) {
  Fixture f(R"(
alert pkthdr any any -> any any (msg:"trunc"; decode-event:ipv6.trunc_exthdr; sid:1;)
alert pkthdr any any -> any any (msg:"fh"; decode-event:ipv6.exthdr_useless_fh; sid:2;)
alert ip any any -> any any (msg:"any"; sid:3;)
)");
  auto buf = bytes_of("");
  Packet p = make_packet(ipproto::kTcp, {kClient, 1}, {kServer, 2}, 1000000, &buf);
  auto bit = [](decode::DecodeEvent e) { return uint64_t(1) << unsigned(e); };
  p.decode_events = bit(decode::DecodeEvent::Ipv6TruncExthdr) |
                    bit(decode::DecodeEvent::Ipv6ExthdrUselessFh);
  p.decode_only = true;
  f.det->on_packet(p, nullptr, Direction::ToServer, f.eve.get());
  EXPECT_EQ(f.sids, std::vector<uint32_t>({1, 2}));
  p.decode_only = false;
  p.decode_events = bit(decode::DecodeEvent::Ipv6ExthdrUselessFh);
  f.sids.clear();
  f.det->on_packet(p, nullptr, Direction::ToServer, f.eve.get());
  EXPECT_EQ(f.sids, std::vector<uint32_t>({2, 3}));
}

// hostbits: bits on the source/destination hosts, shared by every flow of the host, with
// Suricata's set-before-check order on one packet; toggle and unset; expiry.
TEST(DetectEngine, Hostbits) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"set"; content:"SET"; hostbits:set,h1,src,expire 10; sid:1;)
alert tcp any any -> any any (msg:"isset dst"; content:"CHK"; hostbits:isset,h1,dst; sid:2;)
alert tcp any any -> any any (msg:"isset src"; content:"CHK"; hostbits:isset,h1; sid:3;)
alert tcp any any -> any any (msg:"toggle"; content:"TOG"; hostbits:toggle,h1,src; sid:4;)
alert tcp any any -> any any (msg:"quiet"; content:"Q"; hostbits:noalert; hostbits:set,h2; sid:5;)
alert tcp any any -> any any (msg:"h2"; content:"Q"; hostbits:isset,h2,both; sid:6;)
)");
  f.tcp("CHK");
  EXPECT_TRUE(f.sids.empty());
  f.tcp("SET CHK", false, 1000000);
  EXPECT_EQ(f.sids, std::vector<uint32_t>({1, 3}));
  f.sids.clear();
  f.tcp("CHK", true, 2000000);  // the reply: the client is now the destination
  EXPECT_EQ(f.sids, std::vector<uint32_t>({2}));
  f.sids.clear();
  f.tcp("TOG CHK", false, 3000000);  // toggled off before the check
  EXPECT_EQ(f.sids, std::vector<uint32_t>({4}));
  f.sids.clear();
  f.tcp("SET", false, 4000000);
  f.tcp("CHK", false, 15000000);  // expired (10 s)
  EXPECT_EQ(f.sids, std::vector<uint32_t>({1}));
  f.sids.clear();
  f.tcp("Q", false, 16000000);  // h2 set on the client only: "both" needs the server too
  EXPECT_TRUE(f.sids.empty());
}

// Suricata's per-packet alert queue: the matches of a packet are sorted by rule order (action,
// flowbits, priority) and cut at packet-alert-max; the rest are counted.
TEST(DetectEngine, AlertQueueKeepsTheHighestPriorityUpToTheMax) {
  DetectLimits lim;
  lim.max_alerts_per_packet = 2;
  Fixture f(R"(
alert tcp any any -> any any (msg:"low"; content:"x"; sid:1;)
alert tcp any any -> any any (msg:"high"; content:"x"; priority:1; sid:2;)
alert tcp any any -> any any (msg:"low 2"; content:"x"; sid:3;)
alert tcp any any -> any any (msg:"high 2"; content:"x"; priority:2; sid:4;)
)", {}, lim);
  f.tcp("x");
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{2, 4}));
  EXPECT_EQ(f.stats.counter("detect.alert_queue_overflow").get(), 2u);
  EXPECT_EQ(f.stats.counter("detect.alerts").get(), 2u);
}

// action-order alert first: the alerts come before the pass rule and carry the packet's
// verdict, pass; the pass rule itself writes no alert.
TEST(DetectEngine, ActionOrderAndVerdictOfAPassedPacket) {
  DetectLimits lim;
  lim.set_action_order({"alert", "pass", "drop", "reject"});
  EXPECT_LT(lim.rank_alert, lim.rank_pass);
  EveOutputConfig cfg;
  cfg.alert.verdict = true;
  Fixture f(R"(
pass tcp any any -> any any (msg:"pass"; content:"x"; sid:1;)
alert tcp any any -> any any (msg:"alert"; content:"x"; sid:2;)
)", {}, lim, cfg);
  f.tcp("x");
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{2}));
  std::string out(f.eve->pending());
  EXPECT_NE(out.find(R"("verdict":{"action":"pass"}})"), std::string::npos) << out;
  EXPECT_EQ(out.find(R"("_")"), std::string::npos) << out;
  // Default order: the pass rule first, nothing alerts.
  Fixture g(R"(
pass tcp any any -> any any (msg:"pass"; content:"x"; sid:1;)
alert tcp any any -> any any (msg:"alert"; content:"x"; sid:2;)
)", {}, {}, cfg);
  g.tcp("x");
  EXPECT_TRUE(g.sids.empty());
  EXPECT_EQ(g.det->release(g.flow), "pass");  // EVE flow.action
}

// IPS simulation: a drop rule on packet fields drops that packet (alert "blocked", a drop
// event "rules"), not the flow; rate_filter changes the action past its count; a suppressed
// drop still drops.
TEST(DetectEngine, SimulatedIpsDropsPacketsWithRateFilterAndSuppress) {
  DetectLimits lim;
  lim.ips = true;
  lim.drop_log_all = true;
  EveOutputConfig cfg;
  cfg.types.push_back("drop");
  Fixture f(R"(
drop tcp any any -> any any (msg:"empty"; dsize:0; sid:1;)
drop tcp any any -> any any (msg:"x"; content:"x"; sid:2;)
)",
            "rate_filter gen_id 1, sig_id 1, track by_rule, count 1, seconds 60, "
            "new_action alert, timeout 100\n"
            "suppress gen_id 1, sig_id 2\n",
            lim, cfg);
  f.tcp("", false, 1000000, tcpflag::kAck);
  f.tcp("", false, 2000000, tcpflag::kAck);
  f.tcp("x", false, 3000000);
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 1}));
  EXPECT_FALSE(f.det->flow_dropped(&f.flow));  // packet rules drop packets only
  std::string out(f.eve->pending());
  auto count = [&](std::string_view what) {
    size_t n = 0;
    for (size_t at = out.find(what); at != std::string::npos; at = out.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(R"("action":"blocked")"), 1u) << out;  // the first, under the rate
  EXPECT_EQ(count(R"("action":"allowed")"), 1u) << out;  // past it: new_action alert
  EXPECT_EQ(count(R"("event_type":"drop")"), 2u) << out;  // the first and the suppressed one
  EXPECT_EQ(count(R"("reason":"rules")"), 2u) << out;
  EXPECT_EQ(f.stats.counter("detect.ips.drops").get(), 2u);
}

// IPS simulation: a drop on a transaction rule drops the flow; its later packets are only
// logged as "flow drop".
TEST(DetectEngine, SimulatedIpsDropOnATransactionDropsTheFlow) {
  DetectLimits lim;
  lim.ips = true;
  EveOutputConfig cfg;
  cfg.types.push_back("drop");
  Fixture f(R"(
drop http any any -> any any (msg:"uri"; http.uri; content:"/admin"; sid:1;)
)", {}, lim, cfg);
  InspectBuffers b;
  std::string uri = "/admin";
  b.set(BufferId::HttpUri, {reinterpret_cast<const uint8_t*>(uri.data()), uri.size()});
  f.flow.app_proto = uint16_t(app::Proto::Http);
  f.det->on_buffers(f.flow, uint16_t(app::Proto::Http), b, Direction::ToServer,
                    Timestamp{5000000}, f.eve.get());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1}));
  EXPECT_TRUE(f.det->flow_dropped(&f.flow));
  auto buf = bytes_of("y");
  Packet p = make_tcp({kClient, 40000}, {kServer, 80}, tcpflag::kAck, 1, 1, 6000000, &buf);
  f.det->on_flow_dropped(p, f.flow, f.eve.get());
  std::string out(f.eve->pending());
  EXPECT_NE(out.find(R"("reason":"flow drop")"), std::string::npos) << out;
  EXPECT_EQ(f.det->release(f.flow), "drop");  // EVE flow.action
}

// ipv4-csum computes the header checksum itself (whatever the decoder's validation setting).
TEST(DetectEngine, Ipv4CsumKeyword) {
  Fixture f(R"(
alert ip any any -> any any (msg:"valid"; ipv4-csum:valid; sid:1;)
alert ip any any -> any any (msg:"invalid"; ipv4-csum:invalid; sid:2;)
)");
  // RFC 1071 style example header: 45 00 00 73 00 00 40 00 40 11 [b8 61] c0 a8 00 01 c0 a8 00 c7
  std::vector<uint8_t> hdr = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                              0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  auto run = [&] {
    Packet p = make_packet(ipproto::kUdp, {kClient, 1}, {kServer, 2}, 1000000);
    p.data = hdr.data();
    p.caplen = uint32_t(hdr.size());
    p.l3_off = 0;
    p.l3_hdr_len = 20;
    f.det->on_packet(p, &f.flow, Direction::ToServer, f.eve.get());
  };
  run();
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1}));
  f.sids.clear();
  hdr[11] ^= 1;  // checksum off by one
  run();
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{2}));
}

// icmpv6.mtu: the MTU of an ICMPv6 Packet Too Big message (RFC 4443 3.2).
TEST(DetectEngine, Icmpv6MtuKeyword) {
  Fixture f(R"(
alert ipv6 any any -> any any (msg:"small mtu"; icmpv6.mtu:<1280; sid:1;)
)");
  // type 2, code 0, checksum, MTU 1000
  std::vector<uint8_t> icmp = {0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8};
  auto run = [&](uint8_t type) {
    Packet p = make_packet(ipproto::kIcmpv6, {kClient, 0}, {kServer, 0}, 1000000);
    p.ip_version = 6;
    p.data = icmp.data();
    p.caplen = uint32_t(icmp.size());
    p.l4_off = 0;
    p.icmp_type = type;
    f.det->on_packet(p, nullptr, Direction::ToServer, f.eve.get());
  };
  run(2);
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1}));
  f.sids.clear();
  run(128);  // an echo request has no MTU
  EXPECT_TRUE(f.sids.empty());
  icmp[6] = 0x05;  // MTU 1512
  run(2);
  EXPECT_TRUE(f.sids.empty());
}

// Transactional rules (=>, Suricata 8): one pass on both directions of a transaction, each
// buffer from its direction (`http.header: to_client` names one both directions have).
TEST(DetectEngine, TransactionalRulesSeeBothDirections) {
  Fixture f(R"(
alert http any any => any any (msg:"uri and status"; http.uri; content:"/download"; http.stat_code; content:"200"; sid:1;)
alert http any any => any any (msg:"uri and 404"; http.uri; content:"/download"; http.stat_code; content:"404"; sid:2;)
alert http any any => any any (msg:"both headers"; http.header: to_client; content:"Apache"; http.header: to_server; content:"curl"; sid:3;)
alert http any any => any any (msg:"swapped"; http.header: to_client; content:"curl"; sid:4;)
)");
  auto b = [](const std::string& s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  std::string uri = "/download/x", ua = "User-Agent: curl\r\n", code = "200",
              server = "Server: Apache\r\n";
  InspectBuffers ts, tc;
  ts.set(BufferId::HttpUri, b(uri));
  ts.set(BufferId::HttpHeader, b(ua));
  tc.set(BufferId::HttpStatCode, b(code));
  tc.set(BufferId::HttpHeader, b(server));
  f.flow.app_proto = uint16_t(app::Proto::Http);
  const auto http = uint16_t(app::Proto::Http);
  f.det->on_buffers(f.flow, http, ts, Direction::ToServer, Timestamp{5000000}, f.eve.get());
  f.det->on_buffers(f.flow, http, tc, Direction::ToClient, Timestamp{5000000}, f.eve.get());
  EXPECT_TRUE(f.sids.empty());  // not on one direction alone
  f.det->on_buffers(f.flow, http, ts, Direction::ToServer, Timestamp{5000000}, f.eve.get(),
                    nullptr, nullptr, 0, &tc);
  std::sort(f.sids.begin(), f.sids.end());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 3}));
}

}  // namespace
}  // namespace ww::detect

namespace ww::detect {
namespace {

// dcerpc.iface/dcerpc.opnum make a rule a transaction rule answered by the protocol
// (ParserSpec::check); a dcerpc rule also applies to SMB (DCE/RPC in named pipes).
TEST(DetectEngine, DcerpcKeywordsOnSmbTransactions) {
  Fixture f(R"(
alert dcerpc any any -> any any (msg:"a"; dcerpc.opnum:4; sid:1;)
alert tcp any any -> any any (msg:"b"; dcerpc.opnum:5; sid:2;)
alert smb any any -> any any (msg:"c"; flow:to_client; dcerpc.opnum:4; sid:3;)
alert dcerpc any any -> any any (msg:"d"; dcerpc.stub_data; content:"stub"; sid:4;)
alert http any any -> any any (msg:"e"; dcerpc.opnum:4; sid:5;)
)");
  f.flow.app_proto = uint16_t(app::Proto::Smb);
  app::ParserSpec spec{};
  spec.proto = app::Proto::Smb;
  spec.buffers = [](const void*, Direction, InspectBuffers& out) noexcept {
    static const std::string s = "a stub";
    out.set(BufferId::DceStubData, {reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  };
  spec.check = [](const void*, Direction, std::string_view kw, std::string_view v) noexcept {
    return kw == "dcerpc.opnum" && v == "4";
  };
  const int tx = 0;  // the protocol's transaction (the fake spec does not read it)
  f.det->on_transaction(f.flow, spec, &tx, 0, Direction::ToServer, Timestamp{5000000},
                        f.eve.get());
  std::sort(f.sids.begin(), f.sids.end());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 4}));
  f.sids.clear();
  f.det->on_transaction(f.flow, spec, &tx, 0, Direction::ToClient, Timestamp{5000000},
                        f.eve.get());
  std::sort(f.sids.begin(), f.sids.end());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 3, 4}));
}

}  // namespace
}  // namespace ww::detect

namespace ww::detect {
namespace {

// filesize in a rule with other buffers is asked of the transaction's protocol
// (ParserSpec::check), in the direction it names (to_client on a => rule); a rule the file
// tracker takes (file keywords only) is not evaluated as a transaction.
TEST(DetectEngine, FilesizeOfATransactionsFile) {
  Fixture f(R"(
alert http any any => any any (msg:"a"; http.uri; content:"/download"; filesize: to_client, >100; sid:1;)
alert http any any => any any (msg:"b"; http.uri; content:"/download"; filesize: to_client, <100; sid:2;)
alert http any any -> any any (msg:"c"; http.stat_code; content:"200"; filesize:>100; sid:3;)
alert http any any -> any any (msg:"d"; filesize:>100; sid:4;)
alert http any any -> any any (msg:"e"; http.uri; content:"/download"; filesize: to_client, >100; sid:5;)
)");
  f.flow.app_proto = uint16_t(app::Proto::Http);
  app::ParserSpec spec{};
  spec.proto = app::Proto::Http;
  spec.buffers = [](const void*, Direction d, InspectBuffers& out) noexcept {
    static const std::string uri = "/download/x", code = "200";
    const std::string& s = d == Direction::ToServer ? uri : code;
    out.set(d == Direction::ToServer ? BufferId::HttpUri : BufferId::HttpStatCode,
            {reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  };
  spec.check = [](const void*, Direction d, std::string_view kw, std::string_view v) noexcept {
    auto fs = kw::parse_filesize(v);  // a 150-byte response body, no request body
    return kw == "filesize" && fs && d == Direction::ToClient && fs->cmp.match(150);
  };
  const int tx = 0;
  f.det->on_transaction(f.flow, spec, &tx, 0, Direction::ToServer, Timestamp{5000000},
                        f.eve.get());
  EXPECT_TRUE(f.sids.empty());
  f.det->on_transaction(f.flow, spec, &tx, 0, Direction::ToClient, Timestamp{5000000},
                        f.eve.get());
  std::sort(f.sids.begin(), f.sids.end());
  EXPECT_EQ(f.sids, (std::vector<uint32_t>{1, 3}));
  EXPECT_TRUE(f.engine->info(3).file_rule);
  EXPECT_FALSE(f.engine->info(0).file_rule);
}

}  // namespace
}  // namespace ww::detect

namespace ww::detect {
namespace {

// A config rule (config:logging disable, type tx) never alerts; it marks the transaction it
// matched as not to be logged (Detector::take_tx_nolog, read once); the next transaction
// starts unmarked.
TEST(DetectEngine, ConfigRuleDisablesTheTransactionsLog) {
  Fixture f(R"(
config http any any -> any any (http.host; content:"test"; config:logging disable, type tx, scope tx; sid:1;)
)");
  f.flow.app_proto = uint16_t(app::Proto::Http);
  app::ParserSpec spec{};
  spec.proto = app::Proto::Http;
  spec.buffers = [](const void* tx, Direction d, InspectBuffers& out) noexcept {
    const auto& host = *static_cast<const std::string*>(tx);
    if (d == Direction::ToServer)
      out.set(BufferId::HttpHost, {reinterpret_cast<const uint8_t*>(host.data()), host.size()});
  };
  const std::string a = "www.testmyids.com", b = "example.com";
  f.det->on_transaction_both(f.flow, spec, &a, 0, Timestamp{5000000}, f.eve.get());
  EXPECT_TRUE(f.sids.empty());
  EXPECT_TRUE(f.det->take_tx_nolog());
  EXPECT_FALSE(f.det->take_tx_nolog());
  f.det->on_transaction_both(f.flow, spec, &a, 1, Timestamp{5000000}, f.eve.get());
  f.det->on_transaction_both(f.flow, spec, &b, 2, Timestamp{5000000}, f.eve.get());
  EXPECT_FALSE(f.det->take_tx_nolog());
}

// Inspected in parts (the request once complete, then the response): the mark the request's
// part set holds when the transaction is logged after its response part.
TEST(DetectEngine, ConfigRuleMarkHoldsAcrossTheTransactionsParts) {
  Fixture f(R"(
config http any any -> any any (http.host; content:"test"; config:logging disable, type tx, scope tx; sid:1;)
)");
  f.flow.app_proto = uint16_t(app::Proto::Http);
  static uint8_t dirs = 1;
  app::ParserSpec spec{};
  spec.proto = app::Proto::Http;
  spec.inspect_dirs = [](const void*) noexcept -> uint8_t { return dirs; };
  spec.buffers = [](const void* tx, Direction d, InspectBuffers& out) noexcept {
    const auto& host = *static_cast<const std::string*>(tx);
    if (d == Direction::ToServer)
      out.set(BufferId::HttpHost, {reinterpret_cast<const uint8_t*>(host.data()), host.size()});
  };
  const std::string a = "www.testmyids.com", b = "example.com";
  dirs = 1;  // the request part: not logged yet
  f.det->on_transaction_both(f.flow, spec, &a, 0, Timestamp{5000000}, f.eve.get());
  dirs = 2;  // the response part, then the log
  f.det->on_transaction_both(f.flow, spec, &a, 0, Timestamp{6000000}, f.eve.get());
  EXPECT_TRUE(f.det->take_tx_nolog());
  // The next transaction does not inherit it, in parts or not.
  dirs = 1;
  f.det->on_transaction_both(f.flow, spec, &b, 1, Timestamp{7000000}, f.eve.get());
  dirs = 2;
  f.det->on_transaction_both(f.flow, spec, &b, 1, Timestamp{8000000}, f.eve.get());
  EXPECT_FALSE(f.det->take_tx_nolog());
}

}  // namespace
}  // namespace ww::detect

namespace ww::detect {
namespace {

// Pcre captures: alert_X into alert.context, flow_X into the flow's variables (every later
// alert of the flow lists them in metadata.flowvars), pkt_X into this alert's pktvars.
TEST(DetectEngine, PcreCapturesIntoAlertContextAndVariables) {
  Fixture f(R"(
alert tcp any any -> any any (msg:"a"; pcre:"/^(?P<alert_ua>[A-Za-z]+)\/(?P<flow_ver>\d+) (?P<pkt_os>\w+)/"; sid:1;)
alert tcp any any -> any any (msg:"b"; content:"again"; sid:2;)
)");
  auto parse = [&] {
    std::string line(f.eve->pending());
    f.eve->flush();
    rapidjson::Document doc;
    doc.Parse(line.data(), line.size() - 1);
    EXPECT_FALSE(doc.HasParseError()) << line;
    return doc;
  };
  f.tcp("Mozilla/5 Linux");
  auto d = parse();
  EXPECT_STREQ(d["alert"]["context"]["ua"].GetString(), "Mozilla");
  EXPECT_STREQ(d["metadata"]["flowvars"][0]["ver"].GetString(), "5");
  EXPECT_STREQ(d["metadata"]["pktvars"][0]["os"].GetString(), "Linux");
  f.tcp("again", false, 2000000);
  auto e = parse();
  EXPECT_EQ(e["alert"]["signature_id"].GetUint(), 2u);
  EXPECT_FALSE(e["alert"].HasMember("context"));
  EXPECT_FALSE(e.HasMember("metadata"));  // only a capturing rule's alert lists them
}

}  // namespace
}  // namespace ww::detect
