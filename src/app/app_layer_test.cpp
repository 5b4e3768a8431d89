#include "app/app_layer.h"

#include <gtest/gtest.h>

#include <string>

#include "app/test_harness.h"

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

}  // namespace
}  // namespace ww::app
