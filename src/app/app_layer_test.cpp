#include "app/app_layer.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "app/test_harness.h"
#include "flow/test_packets.h"
#include "stream/stream.h"

namespace ww::app {
namespace {

using test::Harness;
constexpr Direction kTs = Direction::ToServer;
constexpr Direction kTc = Direction::ToClient;

Proto proto_of(const flow::Flow& f) { return static_cast<Proto>(f.app_proto); }

TEST(AppLayer, DetectsHttpOffItsPortByContent) {
  Harness h(ipproto::kTcp, 40000, 12345);
  int txs = 0;
  h.on_tx = [&](const ParserSpec&, const void*, uint64_t, Direction) { ++txs; };
  h.data(kTs, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(proto_of(h.f), Proto::Http);
  EXPECT_EQ(h.f.app_proto_ts, uint16_t(Proto::Http));
  h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(txs, 1);
  EXPECT_EQ(h.counter("app_layer.detected"), 1u);
  EXPECT_EQ(h.counter("app_layer.flow.http"), 1u);
}

TEST(AppLayer, ParserErrorsCountedPerProtocol) {
  // Suricata's app_layer.error.<proto>.parser.
  Harness h(ipproto::kTcp, 40000, 22);
  h.data(kTs, "SSH-2.0-client\r\n");
  EXPECT_EQ(proto_of(h.f), Proto::Ssh);
  h.data(kTs, std::string("\xff\xff\xff\xff\x04\x14", 6) + std::string(20, 'x'));
  EXPECT_EQ(h.counter("app_layer.parse_errors"), 1u);
  EXPECT_EQ(h.counter("app_layer.error.ssh.parser"), 1u);
  EXPECT_EQ(h.counter("app_layer.error.tls.parser"), 0u);
}

TEST(AppLayer, TransactionEventsNameTheirPacketSource) {
  // Completed by a capture packet: its pcap_cnt, "wire/pcap"; with no packet (flow end):
  // Suricata's flow-end pseudo packet.
  Harness h(ipproto::kTcp, 40000, 80);
  h.app->set_pcap_cnt(4);
  h.data(kTs, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  h.app->set_pcap_cnt(0);
  h.data(kTs, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  h.end();
  std::vector<std::string> http;
  for (auto& l : h.eve_lines())
    if (l.find("\"event_type\":\"http\"") != std::string::npos) http.push_back(l);
  ASSERT_EQ(http.size(), 2u);
  EXPECT_NE(http[0].find("\"pcap_cnt\":4,\"pkt_src\":\"wire/pcap\""), std::string::npos)
      << http[0];
  EXPECT_NE(http[1].find("\"pkt_src\":\"stream (flow timeout)\""), std::string::npos) << http[1];
  EXPECT_EQ(http[1].find("pcap_cnt"), std::string::npos) << http[1];
}

// Detection may keep a transaction's event out of the log (TxObserver::log_transaction: a
// config rule disabled logging, or the flow was dropped); it was still inspected.
TEST(AppLayer, TransactionNotLoggedWhenDetectionSaysSo) {
  Harness h(ipproto::kTcp, 40000, 80);
  int txs = 0, asked = 0;
  h.on_tx = [&](const ParserSpec&, const void*, uint64_t, Direction) { ++txs; };
  h.log_tx = [&] { return ++asked != 1; };  // the first one is not logged
  for (const char* uri : {"/a", "/b"}) {
    h.data(kTs, std::string("GET ") + uri + " HTTP/1.1\r\nHost: x\r\n\r\n");
    h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  }
  EXPECT_EQ(txs, 2);
  EXPECT_EQ(asked, 2);
  std::vector<std::string> http;
  for (auto& l : h.eve_lines())
    if (l.find("\"event_type\":\"http\"") != std::string::npos) http.push_back(l);
  ASSERT_EQ(http.size(), 1u);
  EXPECT_NE(http[0].find("\"url\":\"/b\""), std::string::npos) << http[0];
}

TEST(AppLayer, AckedBytesNameTheirAckPacket) {
  // Acked delivery: bytes handed over after their ACK (StreamSink::on_origin) produce events
  // naming the ACK packet; on_origin(0) returns to the current packet.
  Harness h(ipproto::kTcp, 40000, 80);
  h.app->set_pcap_cnt(9);
  h.app->on_origin(7);
  h.data(kTs, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  h.app->on_origin(0);
  h.data(kTs, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  h.end();
  std::vector<std::string> http;
  for (auto& l : h.eve_lines())
    if (l.find("\"event_type\":\"http\"") != std::string::npos) http.push_back(l);
  ASSERT_EQ(http.size(), 2u);
  EXPECT_NE(http[0].find("\"pcap_cnt\":7,"), std::string::npos) << http[0];
  EXPECT_NE(http[1].find("\"pcap_cnt\":9,"), std::string::npos) << http[1];
}

TEST(AppLayer, NeedMoreAcrossChunksThenReplay) {
  Harness h(ipproto::kTcp, 40000, 9999);
  int txs = 0;
  h.on_tx = [&](const ParserSpec&, const void*, uint64_t, Direction) { ++txs; };
  std::string req = "PROPFIND /dav HTTP/1.1\r\n\r\n";
  h.data_split(kTs, Harness::b(req), 1);  // "P", "R", ... each probe says NeedMore
  EXPECT_EQ(proto_of(h.f), Proto::Http);
  h.data(kTc, "HTTP/1.1 207 Multi\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(txs, 1);
}

// The Incomplete contract: DNS over TCP (RFC 1035 4.2.2) asks for a whole length-prefixed
// message; the bytes it leaves are held and offered again, with the next ones, once enough
// have come. Whatever the chunking, the same transactions; past kMaxPending the direction stops.
TEST(AppLayer, IncompleteBytesHeldUntilNeeded) {
  auto query = [](uint16_t id, const std::string& label) {
    std::string q = {char(id >> 8), char(id & 255), 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    q += char(label.size()) + label + std::string("\x03org\0", 5) + std::string("\0\x01\0\x01", 4);
    return std::string{char(q.size() >> 8), char(q.size() & 255)} + q;
  };
  std::string stream = query(1, "a") + query(2, "bb") + query(3, std::string(40, 'c'));
  std::vector<uint64_t> whole;
  for (size_t step : {stream.size(), size_t(1), size_t(3), size_t(7), size_t(20)}) {
    Harness h(ipproto::kTcp, 40000, 53);
    std::vector<uint64_t> ids;
    h.on_tx = [&](const ParserSpec&, const void*, uint64_t id, Direction) { ids.push_back(id); };
    h.data_split(kTs, Harness::b(stream), step);
    EXPECT_EQ(proto_of(h.f), Proto::Dns);
    if (whole.empty()) whole = ids;
    EXPECT_EQ(ids, whole) << "step " << step;
    EXPECT_EQ(h.stats.value("app_layer.pending_overflow"), 0u);
  }
  EXPECT_EQ(whole.size(), 3u);
  // A 65,535-byte message in 1000-byte chunks: the held bytes and the next chunk go past
  // kMaxPending before the message is whole; the direction stops (counted).
  Harness h(ipproto::kTcp, 40000, 53);
  int txs = 0;
  h.on_tx = [&](const ParserSpec&, const void*, uint64_t, Direction) { ++txs; };
  h.data(kTs, query(1, "a"));
  h.data(kTs, std::string("\xff\xff\0\x01", 4));
  h.data_split(kTs, Harness::b(std::string(70000, 'x')), 1000);
  h.data(kTs, query(2, "a"));
  EXPECT_EQ(txs, 1);
  EXPECT_EQ(h.stats.value("app_layer.pending_overflow"), 1u);
}

TEST(AppLayer, ServerFirstBytesReplayedBeforeDecision) {
  // The response arrives first (capture picked up late); detection on it, the request after.
  Harness h(ipproto::kTcp, 40000, 8080);
  int txs = 0;
  h.on_tx = [&](const ParserSpec&, const void*, uint64_t, Direction) { ++txs; };
  h.data(kTc, "HTT");
  EXPECT_EQ(proto_of(h.f), Proto::Unknown);
  h.data(kTc, "P/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_EQ(proto_of(h.f), Proto::Http);
  EXPECT_EQ(txs, 1);  // response without request
}

TEST(AppLayer, MidstreamResponseFirstReversesTheFlow) {
  // Picked up midstream at the server's response: the flow took the server for the client.
  Harness h(ipproto::kTcp, 80, 40000);
  stream::StreamConfig scfg;
  scfg.deliver_on_ack = false;  // bytes reach the app layer on arrival (no ACK in this test)
  stream::Reassembler re(h.stats, scfg);
  std::vector<Direction> tx_dirs;
  h.on_tx = [&](const ParserSpec&, const void*, uint64_t, Direction d) { tx_dirs.push_back(d); };
  const flow::testing::Endpoint srv{0x0a000001, 80}, cli{0x0a000002, 40000};
  auto resp = flow::testing::bytes_of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
  Packet p = flow::testing::make_tcp(srv, cli, tcpflag::kAck | tcpflag::kPsh, 1000, 5000, 0,
                                     &resp);
  re.process(h.f, p, kTs, *h.app);
  EXPECT_EQ(proto_of(h.f), Proto::Http);
  EXPECT_EQ(h.counter("app_layer.flow_reversed"), 1u);
  EXPECT_EQ(h.f.src, IpAddr::v4(cli.ip));
  EXPECT_EQ(h.f.sp, 40000);
  EXPECT_EQ(h.f.dp, 80);
  EXPECT_TRUE(h.f.swap_pending);
  ASSERT_EQ(tx_dirs.size(), 1u);  // the response, without its request, as to_client
  EXPECT_EQ(tx_dirs[0], kTc);
  // The worker's commit, then the client's request goes to_server.
  h.f.swap_pending = false;
  stream::swap_directions(h.f);
  h.app->on_sides_swapped(h.f);
  auto req = flow::testing::bytes_of("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  Packet q = flow::testing::make_tcp(cli, srv, tcpflag::kAck | tcpflag::kPsh, 5000,
                                     1000 + uint32_t(resp.size()), 0, &req);
  re.process(h.f, q, kTs, *h.app);
  re.release(h.f, *h.app);
  h.end();
  EXPECT_EQ(h.counter("app_layer.flow_reversed"), 1u);  // once per flow
  int http = 0;
  for (auto& l : h.eve_lines()) {
    if (l.find("\"event_type\":\"http\"") == std::string::npos) continue;
    ++http;
    EXPECT_NE(l.find("\"src_port\":40000,\"dest_ip\":\"10.0.0.1\",\"dest_port\":80"),
              std::string::npos) << l;
  }
  EXPECT_EQ(http, 2);
}

TEST(AppLayer, MidstreamBytesDetectedAtTheirAck) {
  // Acked delivery on a flow picked up midstream: its first bytes are detected at the ACK
  // itself (Suricata parses at the ACK), so a reversal is known before the next packet; once
  // the protocol is known, bytes wait for the next packet of their direction again.
  Harness h(ipproto::kTcp, 80, 40000);
  stream::StreamConfig scfg;  // acked delivery (default)
  stream::Reassembler re(h.stats, scfg);
  const flow::testing::Endpoint srv{0x0a000001, 80}, cli{0x0a000002, 40000};
  auto resp = flow::testing::bytes_of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
  Packet p = flow::testing::make_tcp(srv, cli, tcpflag::kAck | tcpflag::kPsh, 1000, 5000, 0,
                                     &resp);
  re.process(h.f, p, kTs, *h.app);
  EXPECT_EQ(proto_of(h.f), Proto::Unknown);  // held until acked
  Packet ack = flow::testing::make_tcp(cli, srv, tcpflag::kAck, 5000,
                                       1000 + uint32_t(resp.size()), 0, nullptr);
  re.process(h.f, ack, kTc, *h.app);
  EXPECT_EQ(proto_of(h.f), Proto::Http);  // at the ACK
  EXPECT_EQ(h.counter("app_layer.flow_reversed"), 1u);
  EXPECT_TRUE(h.f.swap_pending);
  EXPECT_FALSE(h.app->deliver_at_ack(h.f));
  re.release(h.f, *h.app);
  h.end();
}

TEST(AppLayer, AnomalyWrittenFromThePacketSide) {
  // A response nothing asked for, written from the side of the packet Suricata writes it
  // with: the client's ACK it was handed over after (Suricata parses at the ACK), else the
  // server's own packet or, at flow end (a one-sided capture), the server's flow-end pseudo
  // packet.
  for (int c : {0, 1, 2}) {  // 0: after the ACK #4, 1: with packet #5, 2: at flow end
    Harness h(ipproto::kTcp, 40000, 80);
    h.app->set_pcap_cnt(c == 2 ? 0 : 5);
    if (c == 0) h.app->on_origin(4);
    h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    h.app->on_origin(0);
    h.end();
    std::string anomaly;
    for (auto& l : h.eve_lines())
      if (l.find("UNABLE_TO_MATCH_RESPONSE_TO_REQUEST") != std::string::npos) anomaly = l;
    ASSERT_FALSE(anomaly.empty()) << c;
    EXPECT_NE(anomaly.find(c == 0 ? "\"src_port\":40000," : "\"src_port\":80,"),
              std::string::npos) << anomaly;
  }
}

TEST(AppLayer, ResponseFirstWithHandshakeIsNotReversed) {
  // Not midstream (no session, or a handshake seen): the roles the flow has stay.
  Harness h(ipproto::kTcp, 80, 40000);
  h.data(kTs, "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_EQ(h.counter("app_layer.flow_reversed"), 0u);
  EXPECT_EQ(h.f.sp, 80);
  EXPECT_FALSE(h.f.swap_pending);
}

TEST(AppLayer, StreamAnomalyEventsWhenTheOutputHasThem) {
  // Suricata's anomaly types: stream events off by default, on with types.stream.
  for (bool on : {false, true}) {
    Harness h(ipproto::kTcp, 40000, 80);
    EveOutputConfig cfg;
    cfg.anomaly_stream = on;
    h.out = std::make_unique<output::EveOutput>(cfg);
    h.out->add_sink(std::make_unique<test::MemorySink>(&h.eve_text));
    h.eve = std::make_unique<output::EveWriter>(h.out.get());
    h.app = std::make_unique<AppLayer>(h.stats, h.eve.get());
    h.app->set_pcap_cnt(7);
    h.app->on_anomaly(h.f, kTc, stream::StreamAnomaly::DepthReached);
    h.end();
    auto lines = h.eve_lines();
    if (!on) {
      EXPECT_TRUE(lines.empty());
      continue;
    }
    ASSERT_EQ(lines.size(), 1u);
    // The packet's sender (the server, to_client) is src.
    EXPECT_NE(lines[0].find("\"src_port\":80,\"dest_ip\":\"10.0.0.1\",\"dest_port\":40000"),
              std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("\"pcap_cnt\":7"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("\"anomaly\":{\"type\":\"stream\",\"event\":"
                            "\"stream.reassembly_depth_reached\"}"),
              std::string::npos) << lines[0];
  }
}

TEST(AppLayer, EachDirectionsProtocol) {
  // An HTTP client talking to an SSH server: the flow stays HTTP, to_client is SSH.
  Harness h(ipproto::kTcp, 40000, 22);
  h.data(kTs, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  h.data(kTc, "SSH-2.0-OpenSSH_6.6.1\r\n");
  EXPECT_EQ(proto_of(h.f), Proto::Http);
  EXPECT_EQ(h.f.app_proto_ts, uint16_t(Proto::Http));
  EXPECT_EQ(h.f.app_proto_tc, uint16_t(Proto::Ssh));
  EXPECT_EQ(h.counter("app_layer.proto_mismatch"), 1u);
  // The same protocol both ways: nothing to note.
  Harness g(ipproto::kTcp, 40000, 80);
  g.data(kTs, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  g.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(g.f.app_proto_tc, uint16_t(Proto::Http));
  EXPECT_EQ(g.counter("app_layer.proto_mismatch"), 0u);
}

TEST(AppLayer, UnknownBytesFail) {
  Harness h(ipproto::kTcp, 40000, 80);
  std::string junk(3000, '\x01');
  h.data(kTs, junk);
  EXPECT_EQ(proto_of(h.f), Proto::Unknown);  // the server side may still tell
  h.data(kTc, std::string(20, '\x02'));
  EXPECT_EQ(proto_of(h.f), Proto::Failed);
  EXPECT_EQ(h.counter("app_layer.detect_failed"), 1u);
  h.end();
  auto lines = h.eve_lines();
  EXPECT_TRUE(lines.empty());
}

TEST(AppLayer, OneSidedUndecidedFlowFailsAtEnd) {
  Harness h(ipproto::kTcp, 40000, 80);
  h.data(kTs, "\x05\x01\x00");  // NoMatch for every spec
  EXPECT_EQ(proto_of(h.f), Proto::Unknown);
  h.end();
  EXPECT_EQ(proto_of(h.f), Proto::Failed);
  EXPECT_EQ(h.counter("app_layer.detect_failed"), 1u);
}

TEST(AppLayer, GapBeforeDetectionGivesUpThatDirection) {
  Harness h(ipproto::kTcp, 40000, 80);
  h.app->on_gap(h.f, kTs, 100);
  h.data(kTs, "GET / HTTP/1.1\r\n\r\n");  // after a gap: not the start of the stream
  EXPECT_NE(proto_of(h.f), Proto::Http);
}

TEST(AppLayer, AnomalyEventsCappedPerFlow) {
  Harness h(ipproto::kTcp, 40000, 80);
  std::string req;
  for (uint32_t i = 0; i < kMaxAnomalyEvents + 10; ++i) req += "GET /%zz HTTP/1.1\r\n\r\n";
  h.data(kTs, req);
  h.end();
  size_t anomalies = 0;
  for (auto& l : h.eve_lines()) anomalies += l.find("\"event_type\":\"anomaly\"") != std::string::npos;
  EXPECT_EQ(anomalies, kMaxAnomalyEvents);
  // One per request (invalid escape), plus pipelining evictions: all counted.
  EXPECT_GE(h.counter("app_layer.anomalies"), kMaxAnomalyEvents + 10);
  EXPECT_EQ(h.counter("app_layer.anomalies_suppressed"),
            h.counter("app_layer.anomalies") - kMaxAnomalyEvents);
}

TEST(AppLayer, NoArenaNoState) {
  Harness h(ipproto::kTcp, 40000, 80);
  h.f.arena = nullptr;
  h.data(kTs, "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(h.f.app, nullptr);
  EXPECT_EQ(proto_of(h.f), Proto::Unknown);
}

// --- Protocol change (STARTTLS, AUTH TLS, CONNECT) ---

// A TLS ClientHello record with an SNI (RFC 8446 4.1.2, RFC 6066 3), built field by field.
std::string client_hello(const std::string& sni) {
  auto u16 = [](size_t n) { return std::string{char(n >> 8), char(n & 255)}; };
  std::string sni_ext = u16(sni.size() + 3) + std::string(1, '\0') + u16(sni.size()) + sni;
  std::string ext = u16(0) + u16(sni_ext.size()) + sni_ext;  // server_name(0)
  std::string body = "\x03\x03" + std::string(32, '\x11')      // legacy_version, random
                     + std::string(1, '\0')                     // session id: empty
                     + u16(2) + "\x13\x01"                      // cipher_suites
                     + "\x01" + std::string(1, '\0')            // compression: null
                     + u16(ext.size()) + ext;
  std::string hs = "\x01" + std::string(1, '\0') + u16(body.size()) + body;  // client_hello
  return "\x16\x03\x01" + u16(hs.size()) + hs;  // handshake record, TLS 1.0 record version
}

struct ChangeRun {
  std::vector<std::string> types;  // event types of the transactions, in order
  std::vector<uint64_t> ids;
};

void watch(Harness& h, ChangeRun& r) {
  h.on_tx = [&r](const ParserSpec& spec, const void*, uint64_t id, Direction) {
    r.types.emplace_back(spec.event_type);
    r.ids.push_back(id);
  };
}

std::vector<std::pair<Direction, std::string>> smtp_starttls(const std::string& hello) {
  return {{kTc, "220 mail.example.org ESMTP Postfix\r\n"},
          {kTs, "EHLO ward3.example.org\r\n"},
          {kTc, "250-mail.example.org\r\n250 STARTTLS\r\n"},
          {kTs, "STARTTLS\r\n"},
          {kTc, "220 2.0.0 Ready to start TLS\r\n"},
          {kTs, hello}};
}

TEST(AppLayerChange, SmtpStarttlsBecomesTls) {
  for (size_t step : {size_t(0), size_t(1), size_t(7)}) {
    Harness h(ipproto::kTcp, 40000, 25);
    ChangeRun r;
    watch(h, r);
    for (auto& [d, bytes] : smtp_starttls(client_hello("mail.example.org")))
      h.data_split(d, Harness::b(bytes), step ? step : bytes.size());
    EXPECT_EQ(proto_of(h.f), Proto::Tls) << step;
    EXPECT_EQ(h.f.app_proto_orig, uint16_t(Proto::Smtp)) << step;
    EXPECT_EQ(h.f.app_proto_expected, 0u) << step;  // found what was expected
    h.end();
    ASSERT_EQ(r.types.size(), 2u) << step;
    EXPECT_EQ(r.types[0], "smtp");  // the STARTTLS transaction, reported by the old parser
    EXPECT_EQ(r.types[1], "tls");
    EXPECT_NE(h.eve_all().find("\"sni\":\"mail.example.org\""), std::string::npos) << step;
    EXPECT_EQ(h.counter("app_layer.proto_change"), 1u);
    EXPECT_EQ(h.counter("app_layer.flow.tls"), 1u);
  }
}

TEST(AppLayerChange, ClientHelloBeforeTheAnswerIsHeld) {
  // The capture delivers the client's ClientHello before the server's 220 (reordering between
  // directions): the SMTP parser holds it until the answer, then it goes to TLS.
  Harness h(ipproto::kTcp, 40000, 25);
  auto s = smtp_starttls(client_hello("held.example.org"));
  std::swap(s[4], s[5]);
  s[3].second += s[4].second;  // STARTTLS and the ClientHello in one segment
  s.erase(s.begin() + 4);
  for (auto& [d, bytes] : s) h.data(d, bytes);
  EXPECT_EQ(proto_of(h.f), Proto::Tls);
  h.end();
  EXPECT_NE(h.eve_all().find("\"sni\":\"held.example.org\""), std::string::npos);
}

TEST(AppLayerChange, StarttlsRefusedStaysSmtp) {
  Harness h(ipproto::kTcp, 40000, 25);
  ChangeRun r;
  watch(h, r);
  h.data(kTc, "220 mail.example.org ESMTP\r\n");
  h.data(kTs, "EHLO a\r\n");
  h.data(kTc, "250 ok\r\n");
  h.data(kTs, "STARTTLS\r\n");
  h.data(kTc, "454 TLS not available\r\n");
  h.data(kTs, "MAIL FROM:<a@b>\r\n");
  h.data(kTc, "250 ok\r\n");
  h.data(kTs, "QUIT\r\n");
  EXPECT_EQ(proto_of(h.f), Proto::Smtp);
  EXPECT_EQ(h.f.app_proto_orig, 0u);
  EXPECT_EQ(h.counter("app_layer.proto_change"), 0u);
  h.end();
  EXPECT_NE(h.eve_all().find("a@b"), std::string::npos);  // the session went on in the clear
}

TEST(AppLayerChange, NoTlsAfterStarttls) {
  Harness h(ipproto::kTcp, 40000, 25);
  auto s = smtp_starttls(std::string(40, '\x01'));  // not TLS, nor anything else
  for (auto& [d, bytes] : s) h.data(d, bytes);
  h.data(kTc, std::string(40, '\x02'));
  h.end();
  EXPECT_EQ(proto_of(h.f), Proto::Failed);
  EXPECT_EQ(h.f.app_proto_orig, uint16_t(Proto::Smtp));
  EXPECT_EQ(h.f.app_proto_expected, uint16_t(Proto::Tls));
  EXPECT_EQ(h.counter("app_layer.proto_change_failed"), 1u);
}

TEST(AppLayerChange, PlainHttpAfterStarttlsIsUnexpected) {
  Harness h(ipproto::kTcp, 40000, 25);
  for (auto& [d, bytes] : smtp_starttls("GET / HTTP/1.1\r\nHost: x\r\n\r\n")) h.data(d, bytes);
  EXPECT_EQ(proto_of(h.f), Proto::Http);
  EXPECT_EQ(h.counter("app_layer.proto_change_unexpected"), 1u);
  h.end();
  EXPECT_NE(h.eve_all().find("applayer.no_tls_after_starttls"), std::string::npos);
}

TEST(AppLayerChange, H2cUpgradeAfterAChangeFails) {
  // HTTP answers STARTTLS, then upgrades to h2c: a second protocol change is refused
  // (Suricata's http.failed_protocol_change); a first one would leave an opaque tunnel.
  for (bool after_starttls : {true, false}) {
    Harness h(ipproto::kTcp, 40000, after_starttls ? 25 : 80);
    const std::string get = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\n\r\n";
    if (after_starttls)
      for (auto& [d, bytes] : smtp_starttls(get)) h.data(d, bytes);
    else
      h.data(kTs, get);
    h.data(kTc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n");
    EXPECT_EQ(proto_of(h.f), Proto::Http);
    h.end();
    EXPECT_EQ(h.eve_all().find("FAILED_PROTOCOL_CHANGE") != std::string::npos, after_starttls)
        << h.eve_all();
  }
}

TEST(AppLayerChange, FtpAuthTlsBecomesTls) {
  Harness h(ipproto::kTcp, 40000, 21);
  ChangeRun r;
  watch(h, r);
  h.data(kTc, "220 ProFTPD Server (FTP) ready\r\n");
  h.data(kTs, "AUTH TLS\r\n");
  h.data(kTc, "234 AUTH TLS successful\r\n");
  h.data(kTs, client_hello("ftp.example.org"));
  EXPECT_EQ(proto_of(h.f), Proto::Tls);
  EXPECT_EQ(h.f.app_proto_orig, uint16_t(Proto::Ftp));
  h.end();
  ASSERT_EQ(r.types.size(), 3u);  // the greeting, AUTH TLS, then the TLS session
  EXPECT_EQ(r.types[1], "ftp");
  EXPECT_EQ(r.types[2], "tls");
}

TEST(AppLayerChange, HttpConnectThenTlsOrHttp) {
  {
    Harness h(ipproto::kTcp, 40000, 3128);
    ChangeRun r;
    watch(h, r);
    h.data(kTs, "CONNECT pacs.example.org:443 HTTP/1.1\r\nHost: pacs.example.org:443\r\n\r\n");
    h.data(kTc, "HTTP/1.1 200 Connection established\r\n\r\n");
    h.data(kTs, client_hello("pacs.example.org"));
    EXPECT_EQ(proto_of(h.f), Proto::Tls);
    EXPECT_EQ(h.f.app_proto_orig, uint16_t(Proto::Http));
    h.end();
    ASSERT_EQ(r.types.size(), 2u);
    EXPECT_EQ(r.types[0], "http");
    EXPECT_EQ(r.types[1], "tls");
  }
  {
    // Plain HTTP through the tunnel: a new HTTP parser, transaction ids from 0 again (as
    // suricata-verify http-connect-fragmented expects).
    Harness h(ipproto::kTcp, 40000, 3128);
    ChangeRun r;
    watch(h, r);
    std::string all = "CONNECT www.example.org:80 HTTP/1.1\r\n\r\n";
    h.data_split(kTs, Harness::b(all), 3);
    h.data(kTc, "HTTP/1.1 200 OK\r\n\r\n");
    h.data(kTs, "GET /x HTTP/1.1\r\nHost: www.example.org\r\n\r\n");
    h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(proto_of(h.f), Proto::Http);
    h.end();
    ASSERT_EQ(r.types.size(), 2u);
    EXPECT_EQ(r.ids[0], 0u);
    EXPECT_EQ(r.ids[1], 0u);
    // A second CONNECT inside the tunnel: a flow changes protocol once.
    EXPECT_EQ(h.counter("app_layer.proto_change"), 1u);
  }
}

TEST(AppLayerChange, OneChangePerFlow) {
  Harness h(ipproto::kTcp, 40000, 3128);
  h.data(kTs, "CONNECT a:80 HTTP/1.1\r\n\r\n");
  h.data(kTc, "HTTP/1.1 200 OK\r\n\r\n");
  h.data(kTs, "CONNECT b:443 HTTP/1.1\r\n\r\n");
  h.data(kTc, "HTTP/1.1 200 OK\r\n\r\n");
  h.data(kTs, client_hello("b"));
  EXPECT_EQ(proto_of(h.f), Proto::Http);  // the inner CONNECT could not change it again
  EXPECT_EQ(h.counter("app_layer.proto_change"), 1u);
  EXPECT_EQ(h.counter("app_layer.proto_change_refused"), 1u);
}

}  // namespace
}  // namespace ww::app
