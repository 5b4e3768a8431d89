#include <deque>
#include "stream/stream.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "flow/test_packets.h"

namespace ww::stream {
namespace {

using flow::testing::bytes_of;
using flow::testing::Endpoint;
using flow::testing::make_tcp;
using namespace tcpflag;

constexpr Endpoint kCli{0x0a000001, 40000};
constexpr Endpoint kSrv{0x0a000002, 80};

// Records every callback as text: "S:hello@0" data, "S:gap5" gap, "S:close", "S:!overlap".
struct Recorder : StreamSink {
  std::vector<std::string> log;
  std::string data[2];
  static const char* tag(Direction d) { return d == Direction::ToServer ? "S:" : "C:"; }
  void on_data(flow::Flow&, Direction d, Bytes b, uint64_t off) noexcept override {
    log.push_back(std::string(tag(d)) + std::string(as_sv(b)) + "@" + std::to_string(off));
    data[idx(d)] += as_sv(b);
  }
  void on_gap(flow::Flow&, Direction d, uint64_t len) noexcept override {
    log.push_back(std::string(tag(d)) + "gap" + std::to_string(len));
  }
  void on_close(flow::Flow&, Direction d) noexcept override {
    log.push_back(std::string(tag(d)) + "close");
  }
  void on_anomaly(flow::Flow&, Direction d, StreamAnomaly a) noexcept override {
    log.push_back(std::string(tag(d)) + "!" + anomaly_name(a));
  }
  void on_origin(uint64_t n) noexcept override {
    if (n) log.push_back("ack#" + std::to_string(n));
  }
  bool at_ack = false;  // StreamSink::deliver_at_ack
  bool deliver_at_ack(const flow::Flow&) const noexcept override { return at_ack; }
  std::string str() const {
    std::string s;
    for (auto& e : log) s += (s.empty() ? "" : " ") + e;
    return s;
  }
};

// FlowTable + Reassembler wired the way the worker wires them: the flow observer releases the
// TCP session.
struct Harness : ::testing::Test, flow::FlowObserver {
  StatsBlock stats;
  flow::FlowConfig fcfg;
  StreamConfig scfg = arrival();
  Recorder sink;
  // Most tests check reassembly itself: bytes delivered on arrival (stream.app-delivery).
  static StreamConfig arrival() {
    StreamConfig c;
    c.deliver_on_ack = false;
    return c;
  }
  uint64_t pcap_cnt = 0;  // numbers the packets sent, as a capture file does
  std::unique_ptr<flow::FlowTable> table;
  std::unique_ptr<Reassembler> re;
  flow::Flow* last = nullptr;
  // Sequence numbers are given relative to these ISNs.
  uint32_t cisn = 1000, sisn = 5000;

  void on_flow_end(flow::Flow& f) noexcept override { re->release(f, sink); }
  void make() {
    re = std::make_unique<Reassembler>(stats, scfg);
    table = std::make_unique<flow::FlowTable>(stats, fcfg, *this);
  }
  void TearDown() override {
    if (table) table->flush();
    if (re) {
      EXPECT_EQ(re->memuse(), 0u);
    }
  }
  // stable: packets are marked Packet::stable_data and their bytes kept alive, as a
  // memory-mapped capture does (retained segments then point at them).
  bool stable = false;
  std::optional<std::pair<uint32_t, uint32_t>> ts_next;  // {TSval, TSecr} of the next send
  std::deque<std::vector<uint8_t>> kept;
  void send(bool to_server, uint8_t flags, uint32_t rel_seq, uint32_t rel_ack,
            std::string_view payload = {}) {
    auto local = bytes_of(payload);
    auto& buf = stable ? kept.emplace_back(std::move(local)) : local;
    Packet p = to_server ? make_tcp(kCli, kSrv, flags, cisn + rel_seq, sisn + rel_ack, 0, &buf)
                         : make_tcp(kSrv, kCli, flags, sisn + rel_seq, cisn + rel_ack, 0, &buf);
    p.stable_data = stable;
    p.pcap_cnt = ++pcap_cnt;
    if (ts_next) {  // the timestamp option (RFC 7323) of this packet only
      p.tcp_opts.has_ts = true;
      p.tcp_opts.ts_val = ts_next->first;
      p.tcp_opts.ts_ecr = ts_next->second;
      ts_next.reset();
    }
    Direction d;
    last = table->process(p, d);
    ASSERT_NE(last, nullptr);
    re->process(*last, p, d, sink);
  }
  void cli(uint8_t fl, uint32_t seq, uint32_t ack, std::string_view pl = {}) {
    send(true, fl, seq, ack, pl);
  }
  void srv(uint8_t fl, uint32_t seq, uint32_t ack, std::string_view pl = {}) {
    send(false, fl, seq, ack, pl);
  }
  // Handshake: client data starts at rel seq 1, server data at rel seq 1.
  void handshake() {
    cli(kSyn, 0, 0);
    srv(kSyn | kAck, 0, 1);
    cli(kAck, 1, 1);
  }
  uint64_t c(const char* name) { return stats.value(name); }
};

TEST_F(Harness, InOrderDeliveredAtOnceWithOffsets) {
  make();
  handshake();
  cli(kAck | kPsh, 1, 1, "hello");
  cli(kAck | kPsh, 6, 1, " world");
  srv(kAck | kPsh, 1, 12, "HTTP");
  EXPECT_EQ(sink.str(), "S:hello@0 S: world@5 C:HTTP@0");
  EXPECT_EQ(c("stream.ooo_segments"), 0u);
  EXPECT_EQ(session_flags(*last, Direction::ToServer) & flag::kMidstream, 0);
}

TEST_F(Harness, OutOfOrderHeldThenDelivered) {
  make();
  handshake();
  cli(kAck, 11, 1, "world");
  cli(kAck, 6, 1, "there");
  EXPECT_EQ(sink.str(), "");
  cli(kAck, 1, 1, "hello");
  EXPECT_EQ(sink.str(), "S:hello@0 S:there@5 S:world@10");
  EXPECT_EQ(c("stream.ooo_segments"), 2u);
  EXPECT_EQ(c("stream.reassembly_memuse") % 2048, 0u);
}

TEST_F(Harness, DuplicateRetransmissionDropped) {
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  cli(kAck, 1, 1, "hello");
  cli(kAck, 3, 1, "ll");
  EXPECT_EQ(sink.str(), "S:hello@0");
  EXPECT_EQ(c("stream.retransmission"), 2u);
  EXPECT_EQ(c("stream.overlap_diff"), 0u);
}

TEST_F(Harness, OverlapWithDifferentDataFirstWins) {
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  cli(kAck, 1, 1, "HELLO");  // retransmission of delivered bytes, different content
  EXPECT_EQ(c("stream.overlap_diff"), 1u);
  EXPECT_TRUE(session_flags(*last, Direction::ToServer) & flag::kOverlapDiff);
  // Queued bytes win too: "world" at 5 is queued, then a segment covering 0..12 arrives.
  cli(kAck, 11, 1, "world");
  cli(kAck, 6, 1, "xxxxxWORLD!!");
  EXPECT_EQ(c("stream.overlap_diff"), 2u);
  EXPECT_EQ(sink.data[0], "helloxxxxxworld!!");
  // The anomaly is raised once per direction; the counter counts every time.
  EXPECT_EQ(sink.str(),
            "S:hello@0 S:!stream.reassembly_overlap_different_data S:xxxxx@5 S:world@10 S:!!@15");
}

TEST_F(Harness, StableCaptureRetainsByReferenceAndStillComparesRetransmissions) {
  stable = true;
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  cli(kAck, 6, 1, "world");
  cli(kAck, 6, 1, "world");  // same bytes: a plain retransmission
  EXPECT_EQ(c("stream.overlap_diff"), 0u);
  cli(kAck, 3, 1, "LLOWO");  // different bytes across both retained segments
  EXPECT_EQ(c("stream.overlap_diff"), 1u);
  EXPECT_EQ(sink.data[0], "helloworld");
  // A large in-order segment is retained as one reference, not as 2 KiB copies.
  std::string big(5000, 'x');
  cli(kAck, 11, 1, big);
  big[4000] = 'y';
  cli(kAck, 11, 1, big);
  EXPECT_EQ(c("stream.overlap_diff"), 2u);
}

TEST_F(Harness, OverlapSameDataIsNotAnAnomaly) {
  make();
  handshake();
  cli(kAck, 6, 1, "world");
  cli(kAck, 1, 1, "helloworld");
  EXPECT_EQ(sink.data[0], "helloworld");
  EXPECT_EQ(c("stream.overlap_diff"), 0u);
  EXPECT_EQ(session_flags(*last, Direction::ToServer) & flag::kOverlapDiff, 0);
}

TEST_F(Harness, PartialRetransmissionTrimmed) {
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  cli(kAck, 4, 1, "lo world");
  EXPECT_EQ(sink.str(), "S:hello@0 S: world@5");
}

TEST_F(Harness, GapWhenReceiverAcksMissingData) {
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  cli(kAck, 11, 1, "world");      // 5 bytes at 6..10 never captured
  srv(kAck, 1, 16);               // the server got all 15
  EXPECT_EQ(sink.str(), "S:hello@0 S:gap5 S:world@10");
  EXPECT_EQ(c("stream.reassembly_gap"), 1u);
  EXPECT_EQ(c("tcp.reassembly_gap"), 1u);  // Suricata's counter: the receiver acked them
  EXPECT_TRUE(session_flags(*last, Direction::ToServer) & flag::kGap);
  cli(kAck, 16, 1, "!");
  EXPECT_EQ(sink.data[0], "helloworld!");
  EXPECT_EQ(sink.log.back(), "S:!@15");
}

TEST_F(Harness, AckBeyondEverythingIsAGap) {
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  srv(kAck, 1, 26);
  EXPECT_EQ(sink.str(), "S:hello@0 S:gap20");
  cli(kAck, 26, 1, "x");
  EXPECT_EQ(sink.log.back(), "S:x@25");
}

TEST_F(Harness, GapAtRelease) {
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  cli(kAck, 11, 1, "world");
  table->flush();
  EXPECT_EQ(sink.str(), "S:hello@0 S:gap5 S:world@10 S:close C:close");
  // A hole nobody acknowledged: wardwatch's counter has it, Suricata's tcp.reassembly_gap not.
  EXPECT_EQ(c("stream.reassembly_gap"), 1u);
  EXPECT_EQ(c("tcp.reassembly_gap"), 0u);
  table.reset();
}

TEST_F(Harness, DepthStopsDelivery) {
  scfg.depth = 8;
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  cli(kAck, 6, 1, "world");
  cli(kAck, 11, 1, "more");
  // Raised once, when the depth is reached (Suricata's stream.reassembly_depth_reached).
  EXPECT_EQ(sink.str(), "S:hello@0 S:wor@5 S:!stream.reassembly_depth_reached");
  EXPECT_EQ(c("stream.depth_reached"), 1u);
  EXPECT_TRUE(session_flags(*last, Direction::ToServer) & flag::kDepthReached);
  srv(kAck, 1, 1, "reply");  // the other direction has its own depth
  cli(kAck | kFin, 15, 1);
  EXPECT_EQ(sink.str(),
            "S:hello@0 S:wor@5 S:!stream.reassembly_depth_reached C:reply@0 S:close");
}

TEST_F(Harness, SequenceWraparound) {
  cisn = 0xfffffff0u;  // data starts at 0xfffffff1 and crosses 2^32 after 15 bytes
  make();
  handshake();
  cli(kAck, 21, 1, "KLMNOPQRST");      // beyond the wrap, out of order
  cli(kAck, 1, 1, "0123456789");       // before the wrap
  cli(kAck, 11, 1, "ABCDEFGHIJ");      // crosses it
  EXPECT_EQ(sink.data[0], "0123456789ABCDEFGHIJKLMNOPQRST");
  EXPECT_EQ(sink.log.back(), "S:KLMNOPQRST@20");
  cli(kAck, 5, 1, "4567");  // old data after the wrap is still a retransmission
  EXPECT_EQ(c("stream.retransmission"), 1u);
  srv(kAck, 1, 36);  // ack across the wrap: gap of 5
  EXPECT_EQ(sink.log.back(), "S:gap5");
}

TEST_F(Harness, MidstreamPickup) {
  make();
  cli(kAck | kPsh, 77, 9, "GET / HTTP/1.1\r\n");
  srv(kAck | kPsh, 9, 93, "HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(sink.str(), "S:GET / HTTP/1.1\r\n@0 C:HTTP/1.1 200 OK\r\n@0");
  EXPECT_TRUE(session_flags(*last, Direction::ToServer) & flag::kMidstream);
  EXPECT_EQ(c("stream.midstream_pickups"), 2u);
}

TEST_F(Harness, SwappedDirectionsFollowTheReversedFlow) {
  make();
  // Midstream, the server speaks first: the flow takes it for the client.
  srv(kAck | kPsh, 9, 93, "HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(sink.str(), "S:HTTP/1.1 200 OK\r\n@0");
  // The app layer found out (flow::swap_sides); the worker then swaps the session.
  flow::swap_sides(*last);
  swap_directions(*last);
  sink.log.clear();
  srv(kAck | kPsh, 26, 93, "more");   // the server's next bytes: to_client, offset 17
  cli(kAck | kPsh, 93, 30, "GET /");  // the client: to_server, from 0
  EXPECT_EQ(sink.str(), "C:more@17 S:GET /@0");
  EXPECT_TRUE(session_flags(*last, Direction::ToClient) & flag::kMidstream);
  EXPECT_EQ(session_offset(*last, Direction::ToClient), 21u);
}

TEST_F(Harness, MidstreamDisabledIgnoresSessionsWithoutSyn) {
  scfg.midstream = false;
  make();
  cli(kAck | kPsh, 77, 9, "GET /");
  EXPECT_EQ(sink.str(), "");
  EXPECT_EQ(c("stream.midstream_ignored"), 1u);
}

TEST_F(Harness, FinClosesAfterEarlierDataArrives) {
  make();
  handshake();
  cli(kAck | kFin, 6, 1, "world");  // FIN with data, before the first segment
  EXPECT_EQ(sink.str(), "");
  cli(kAck, 1, 1, "hello");
  EXPECT_EQ(sink.str(), "S:hello@0 S:world@5 S:close");
  cli(kAck, 11, 1, "late");  // beyond the FIN: nothing
  srv(kAck | kFin, 1, 12);
  EXPECT_EQ(sink.str(), "S:hello@0 S:world@5 S:close C:close");
  EXPECT_EQ(c("stream.data_after_close"), 1u);
  table->flush();  // release: no second close
  EXPECT_EQ(sink.log.size(), 4u);
  table.reset();
}

TEST_F(Harness, FinWithMissingDataClosesOnAck) {
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  cli(kAck | kFin, 11, 1, "world");
  srv(kAck, 1, 17);  // acks everything including the FIN
  EXPECT_EQ(sink.str(), "S:hello@0 S:gap5 S:world@10 S:close");
}

TEST_F(Harness, RstClosesBothDirectionsAfterQueuedData) {
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  srv(kAck, 1, 6, "hi");
  cli(kAck, 11, 1, "world");
  srv(kRst, 3, 0);
  // The RST sender's direction is finished first, then the other one (its queued data and
  // holes delivered before its close).
  EXPECT_EQ(sink.str(), "S:hello@0 C:hi@0 C:close S:gap5 S:world@10 S:close");
}

TEST_F(Harness, RstFarOutsideWindowIgnored) {
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  srv(kRst, 1u << 28, 0);
  EXPECT_EQ(c("stream.rst_invalid"), 1u);
  cli(kAck, 6, 1, "world");
  EXPECT_EQ(sink.data[0], "helloworld");
}

TEST_F(Harness, SegmentLimitPerDirection) {
  scfg.max_segments_per_dir = 2;
  make();
  handshake();
  cli(kAck, 11, 1, "b");
  cli(kAck, 21, 1, "c");
  cli(kAck, 31, 1, "d");  // third queued segment: dropped
  EXPECT_EQ(c("stream.segment_limit_drop"), 1u);
  EXPECT_TRUE(session_flags(*last, Direction::ToServer) & flag::kSegmentDropped);
  EXPECT_EQ(sink.str(), "S:!stream.segment_dropped");
  table->flush();
  EXPECT_EQ(sink.str(), "S:!stream.segment_dropped S:gap10 S:b@10 S:gap9 S:c@20 S:close C:close");
  table.reset();
}

TEST_F(Harness, SegmentMemcap) {
  scfg.memcap = 2 * 2048;
  scfg.retain_segments_per_dir = 0;
  make();
  handshake();
  cli(kAck, 11, 1, "b");
  cli(kAck, 21, 1, "c");
  srv(kAck, 11, 1, "x");  // other flow direction: global cap is full
  EXPECT_EQ(c("stream.segment_memcap_drop"), 1u);
  EXPECT_EQ(c("stream.reassembly_memuse"), 2u * 2048);
  cli(kAck, 1, 1, "0123456789");  // fills the hole: queue drains, memory returns
  EXPECT_EQ(sink.data[0], "0123456789b");
  EXPECT_EQ(c("stream.reassembly_memuse"), 2048u);
}

TEST_F(Harness, LargeSegmentSpansSeveralPoolSegments) {
  make();
  handshake();
  std::string big(5000, 'z');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = char('a' + i % 26);
  cli(kAck, 5001, 1, big);
  cli(kAck, 1, 1, std::string(5000, '-'));
  EXPECT_EQ(sink.data[0], std::string(5000, '-') + big);
  EXPECT_EQ(c("stream.ooo_segments"), 3u);
}

TEST_F(Harness, RetainedFreedByAck) {
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  EXPECT_GT(re->memuse(), 0u);
  size_t with_retained = c("stream.reassembly_memuse");
  EXPECT_EQ(with_retained, 2048u);
  srv(kAck, 1, 6);
  EXPECT_EQ(c("stream.reassembly_memuse"), 0u);
  // Once acked, a retransmission cannot be compared any more: counted, not flagged.
  cli(kAck, 1, 1, "HELLO");
  EXPECT_EQ(c("stream.retransmission"), 1u);
  EXPECT_EQ(c("stream.overlap_diff"), 0u);
}

TEST_F(Harness, ReleaseWithoutDataClosesBoth) {
  make();
  handshake();
  table->flush();
  EXPECT_EQ(sink.str(), "S:close C:close");
  EXPECT_EQ(c("stream.sessions"), 0u);
  table.reset();
}

TEST_F(Harness, SynWithDataAndSynRetransmission) {
  make();
  cli(kSyn, 0, 0, "early");  // TFO-style data in the SYN starts at isn+1
  cli(kSyn, 0, 0, "early");
  srv(kSyn | kAck, 0, 6);
  EXPECT_EQ(sink.str(), "S:early@0");
}

// Before the SYN/ACK, a server packet whose TSecr is not the client SYN's TSval (RFC 7323 3.2)
// was not sent by the host the client talks to: raised per packet and ignored.
TEST_F(Harness, ServerPacketWithWrongTsEchoBeforeSynAckIgnored) {
  make();
  ts_next = {{777, 0}};
  cli(kSyn, 0, 0);
  ts_next = {{100, 100}};
  srv(kAck | kRst, 1, 1);
  ts_next = {{100, 100}};
  srv(kAck | kFin, 1, 1);
  ts_next = {{900, 777}};
  srv(kSyn | kAck, 0, 1);
  cli(kAck, 1, 1);
  cli(kAck | kPsh, 1, 1, "GET");
  EXPECT_EQ(sink.str(),
            "C:!stream.pkt_invalid_timestamp C:!stream.pkt_invalid_timestamp S:GET@0");
  EXPECT_EQ(c("stream.pkt_invalid_timestamp"), 2u);
}

// Both sides negotiated timestamps: a later segment with TSval 0 (a forged RST) is raised and
// ignored; one without the option is not judged.
TEST_F(Harness, ZeroTsValAfterTimestampHandshakeIgnored) {
  make();
  ts_next = {{777, 0}};
  cli(kSyn, 0, 0);
  ts_next = {{900, 777}};
  srv(kSyn | kAck, 0, 1);
  ts_next = {{778, 900}};
  cli(kAck | kPsh, 1, 1, "GET");
  ts_next = {{0, 778}};
  srv(kAck | kRst, 1, 4);
  srv(kAck | kPsh, 1, 4, "OK");
  EXPECT_EQ(sink.str(), "S:GET@0 C:!stream.pkt_invalid_timestamp C:OK@0");
  EXPECT_EQ(c("stream.pkt_invalid_timestamp"), 1u);
}

TEST_F(Harness, TsEchoWithoutClientTimestampsIsInvalid) {
  make();
  cli(kSyn, 0, 0);  // no timestamp option: nothing the server could echo
  ts_next = {{100, 100}};
  srv(kAck | kRst, 1, 1);
  srv(kSyn | kAck, 0, 1);
  cli(kAck, 1, 1);
  cli(kAck | kPsh, 1, 1, "x");
  EXPECT_EQ(sink.str(), "C:!stream.pkt_invalid_timestamp S:x@0");
}

TEST_F(Harness, ClientRstBeforeSynAckDoesNotClose) {
  make();
  cli(kSyn, 0, 0);
  cli(kRst, 1, 0);
  srv(kSyn | kAck, 0, 1);
  cli(kAck, 1, 1);
  cli(kAck | kPsh, 1, 1, "x");
  EXPECT_EQ(sink.str(), "S:x@0");
  EXPECT_EQ(c("stream.rst_invalid"), 1u);
}

// An RST before any data whose sender then sends data where the RST said it stopped did not
// reach the peer: the session resumes once, with the suspected_rst_inject event.
TEST_F(Harness, RstBeforeAnyDataThenDataFromItsSenderResumes) {
  make();
  handshake();
  cli(kAck | kRst, 1, 1);
  cli(kAck | kPsh, 1, 1, "GET");
  srv(kAck | kPsh, 1, 4, "200");
  cli(kAck | kRst, 4, 4);
  cli(kAck | kPsh, 4, 4, "more");  // resumed once only
  EXPECT_EQ(sink.str(),
            "S:close C:close S:!stream.suspected_rst_inject S:GET@0 C:200@0 S:close C:close");
  EXPECT_EQ(c("stream.suspected_rst_inject"), 1u);
}

TEST_F(Harness, RstAfterDataIsFinal) {
  make();
  handshake();
  cli(kAck | kPsh, 1, 1, "a");
  cli(kAck | kRst, 2, 1);
  cli(kAck | kPsh, 2, 1, "b");
  srv(kAck | kPsh, 1, 2, "c");  // the peer: not the RST's sender
  EXPECT_EQ(sink.str(), "S:a@0 S:close C:close");
  EXPECT_EQ(c("stream.suspected_rst_inject"), 0u);
}

}  // namespace
}  // namespace ww::stream

namespace ww::stream {
namespace {

// Acked delivery (stream.app-delivery: acked, Suricata's IDS timing): bytes reach the sink
// with the next packet of their direction after the other side ACKed them, naming the ACK.
TEST_F(Harness, AckedDeliveryWaitsForAckThenNextPacket) {
  scfg.deliver_on_ack = true;
  make();
  handshake();                            // packets 1-3
  cli(kAck | kPsh, 1, 1, "hello");        // 4
  EXPECT_EQ(sink.str(), "");
  EXPECT_NE(session_flags(*last, Direction::ToServer) & flag::kHeld, 0);
  srv(kAck, 1, 6);                        // 5: acks "hello"
  EXPECT_EQ(sink.str(), "");
  cli(kAck, 6, 1);                        // 6: the next client packet hands it over
  EXPECT_EQ(sink.str(), "ack#5 S:hello@0");
  EXPECT_EQ(session_flags(*last, Direction::ToServer) & flag::kHeld, 0);
  EXPECT_EQ(c("stream.app_unacked_held"), 5u);
}

// A sink that wants bytes at the ACK itself (ParserSpec::deliver_at_ack, FTP) gets them
// while the ACK is processed, not with the next packet of their direction.
TEST_F(Harness, AckedDeliveryAtTheAckWhenTheSinkAsks) {
  scfg.deliver_on_ack = true;
  sink.at_ack = true;
  make();
  handshake();                            // packets 1-3
  cli(kAck | kPsh, 1, 1, "PASV");         // 4
  EXPECT_EQ(sink.str(), "");
  srv(kAck, 1, 5);                        // 5: acks "PASV": handed over now
  EXPECT_NE(sink.str().find("S:PASV@0"), std::string::npos) << sink.str();
  EXPECT_EQ(session_flags(*last, Direction::ToServer) & flag::kHeld, 0);
}

TEST_F(Harness, AckedDeliveryPartialAckAndRetransmissionCompare) {
  scfg.deliver_on_ack = true;
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  cli(kAck, 6, 1, "world");
  srv(kAck, 1, 4);                   // acks "hel"
  cli(kAck, 1, 1, "hexlo");          // retransmission of held bytes, different
  EXPECT_EQ(c("stream.overlap_diff"), 1u);
  EXPECT_EQ(sink.str(), "ack#6 S:hel@0 S:!stream.reassembly_overlap_different_data");
  srv(kAck, 1, 11);
  cli(kAck, 11, 1);
  EXPECT_EQ(sink.str(),
            "ack#6 S:hel@0 S:!stream.reassembly_overlap_different_data ack#8 S:lo@3 S:world@5");
}

TEST_F(Harness, AckedDeliveryOneSidedFlushedAtFlowEnd) {
  scfg.deliver_on_ack = true;
  make();
  cli(kAck | kPsh, 1, 1, "GET /");  // midstream, the server is never seen
  cli(kAck | kPsh, 6, 1, " HTTP");
  EXPECT_EQ(sink.str(), "");
  table->flush();
  EXPECT_EQ(sink.str(), "S:GET /@0 S: HTTP@5 S:close C:close");
}

TEST_F(Harness, AckedDeliveryFinClosesAfterTheAckedBytes) {
  scfg.deliver_on_ack = true;
  make();
  handshake();
  cli(kAck | kPsh | kFin, 1, 1, "bye");  // 4
  EXPECT_EQ(sink.str(), "");
  srv(kAck | kFin, 1, 5);  // 5: acks the bytes and the FIN; the server's close hands them over
  EXPECT_EQ(sink.str(), "ack#5 S:bye@0 S:close C:close");
  cli(kAck, 5, 2);
  EXPECT_EQ(sink.str(), "ack#5 S:bye@0 S:close C:close");
}

TEST_F(Harness, AckedDeliveryUnackedLimitForcesDelivery) {
  scfg.deliver_on_ack = true;
  scfg.max_unacked = 8;
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  cli(kAck, 6, 1, "world");  // 10 bytes would be held: all are handed over
  EXPECT_EQ(sink.str(), "S:hello@0 S:world@5");
  EXPECT_EQ(c("stream.app_unacked_forced"), 1u);
}

TEST_F(Harness, AckedDeliveryStablePacketsHeldByPointer) {
  scfg.deliver_on_ack = true;
  stable = true;
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  EXPECT_EQ(c("stream.reassembly_memuse"), 2048u);  // one segment slot, no copy
  srv(kAck, 1, 6);
  cli(kAck, 6, 1);
  EXPECT_EQ(sink.str(), "ack#5 S:hello@0");
}

// A queued copy that becomes in order across the depth is handed to the held list in part
// (the bytes before the depth) and then freed: the held part must be a copy of its own, not a
// pointer into the freed segment (a stable capture's in-order bytes are held by pointer). The
// freed slot is reused at once here (the server's held bytes, a pointer written over its
// data), which used to put 8 bytes of a pointer into the client's stream.
TEST_F(Harness, AckedDeliveryQueuedSegmentCutByDepthIsHeldAsACopy) {
  scfg.deliver_on_ack = true;
  scfg.depth = 12;
  stable = true;
  make();
  handshake();                       // packets 1-3
  cli(kAck, 1, 1, "hello");          // 4: held by pointer, offsets 0-5
  cli(kAck, 9, 1, "world!!!");       // 5: out of order: a queued copy at offset 8
  cli(kAck, 6, 1, "abc");            // 6: fills the hole; "worl" reaches the depth
  EXPECT_EQ(sink.str(), "S:!stream.reassembly_depth_reached");
  srv(kAck | kPsh, 1, 17, "reply");  // 7: acks everything; its bytes take a free slot
  table->flush();
  EXPECT_EQ(sink.data[idx(Direction::ToServer)], "helloabcworl");
  EXPECT_EQ(sink.data[idx(Direction::ToClient)], "reply");
}

TEST_F(Harness, AckedDeliveryRstFlushesBoth) {
  scfg.deliver_on_ack = true;
  make();
  handshake();
  cli(kAck, 1, 1, "req");
  srv(kAck, 1, 4, "resp");  // 5: acks "req"
  cli(kRst | kAck, 4, 5);   // 6
  // The client's close hands over what its RST acknowledged first.
  EXPECT_EQ(sink.str(), "ack#5 S:req@0 ack#6 C:resp@0 S:close C:close");
}

TEST_F(Harness, AckedDeliveryRstLeavesPeersUnackedBytesToFlowEnd) {
  scfg.deliver_on_ack = true;
  make();
  handshake();
  srv(kAck, 1, 1, "resp");  // never acked
  cli(kRst | kAck, 1, 1);
  EXPECT_EQ(sink.str(), "S:close");
  srv(kAck, 5, 1, "more");  // after the reset: ignored
  EXPECT_EQ(c("stream.data_after_close"), 1u);
  table->flush();
  EXPECT_EQ(sink.str(), "S:close C:resp@0 C:close");
}

// Both directions waiting to close (FIN reached with held bytes): each close once, no
// recursion between them (a capture with an early server FIN crashed here).
TEST_F(Harness, AckedDeliveryBothClosesPending) {
  scfg.deliver_on_ack = true;
  make();
  handshake();
  srv(kAck | kPsh, 1, 1, "resp");
  srv(kAck | kFin, 5, 1);
  cli(kAck, 1, 6);
  cli(kAck | kPsh, 1, 6, "GET");
  cli(kAck | kFin, 4, 6);
  for (int i = 0; i < 3; ++i) cli(kAck | kPsh | kFin, 1, 6, "GET");  // retransmissions
  cli(kRst | kAck, 5, 6);
  table->flush();
  EXPECT_EQ(sink.str(), "ack#6 C:resp@0 S:GET@0 C:close S:close");
}

TEST_F(Harness, InlineModeDeliversOnArrival) {
  scfg.deliver_on_ack = true;
  scfg.inline_mode = true;
  make();
  handshake();
  cli(kAck, 1, 1, "hello");
  EXPECT_EQ(sink.str(), "S:hello@0");
}

}  // namespace
}  // namespace ww::stream
