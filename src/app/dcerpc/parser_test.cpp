// DCE/RPC over TCP parser tests: PDUs built field by field after C706 chapter 12 (common
// header 12.6.3.1, bind 12.6.4.3, bind_ack 12.6.4.4, request 12.6.4.9, response 12.6.4.10),
// fed whole, split at every offset, fragmented, truncated and as garbage; the rule keyword
// matching of match.h.
#include "app/dcerpc/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/test_ctx.h"
#include "detect/match.h"
#include "flow/arena.h"
#include "flow/flow.h"
#include "output/eve.h"

namespace ww::app::dcerpc {
namespace {

constexpr Direction kTs = Direction::ToServer;
constexpr Direction kTc = Direction::ToClient;

using Buf = std::vector<uint8_t>;
void le16(Buf& b, uint16_t v) {
  b.push_back(uint8_t(v));
  b.push_back(uint8_t(v >> 8));
}
void le32(Buf& b, uint32_t v) {
  le16(b, uint16_t(v));
  le16(b, uint16_t(v >> 16));
}
void add(Buf& b, const Buf& x) { b.insert(b.end(), x.begin(), x.end()); }

// 12.6.3.1 common header (little-endian drep) + body.
Buf pdu(uint8_t type, uint8_t flags, uint32_t call_id, const Buf& body, uint16_t auth_len = 0) {
  Buf b = {5, 0, type, flags, 0x10, 0, 0, 0};
  le16(b, uint16_t(16 + body.size()));
  le16(b, auth_len);
  le32(b, call_id);
  add(b, body);
  return b;
}

// MGMT afa8bd80-7d8a-11c9-bef4-08002b102989 on the wire (first three fields little-endian).
const Buf kMgmt = {0x80, 0xbd, 0xa8, 0xaf, 0x8a, 0x7d, 0xc9, 0x11,
                   0xbe, 0xf4, 0x08, 0x00, 0x2b, 0x10, 0x29, 0x89};
const Buf kNdr(20, 0x04);  // a transfer syntax (uuid + version), content irrelevant here

Buf bind_pdu(uint8_t flags, uint32_t call_id) {
  Buf body;
  le16(body, 5840);  // max_xmit_frag
  le16(body, 5840);  // max_recv_frag
  le32(body, 0);     // assoc_group_id
  body.insert(body.end(), {2, 0, 0, 0});  // n_context_elem, reserved
  for (uint16_t ctx = 0; ctx < 2; ++ctx) {
    le16(body, ctx);                 // p_cont_id
    body.insert(body.end(), {1, 0});  // n_transfer_syn, reserved
    add(body, kMgmt);
    le16(body, 1);  // if_version major
    le16(body, 0);  // minor
    add(body, kNdr);
  }
  return pdu(11, flags, call_id, body);
}

Buf bind_ack_pdu(uint32_t call_id) {
  Buf body;
  le16(body, 5840);
  le16(body, 5840);
  le32(body, 0x1234);
  le16(body, 6);  // sec_addr length, "49302\0"
  body.insert(body.end(), {'4', '9', '3', '0', '2', 0});
  // 16 + 8 + 2 + 6 = 32: already aligned.
  body.insert(body.end(), {2, 0, 0, 0});  // n_results
  le16(body, 2);                          // provider rejection
  le16(body, 2);                          // reason: proposed transfer syntaxes not supported
  add(body, Buf(20, 0));
  le16(body, 0);  // acceptance
  le16(body, 0);
  add(body, kNdr);
  return pdu(12, 3, call_id, body);
}

Buf request_pdu(uint8_t flags, uint32_t call_id, uint16_t ctx, uint16_t opnum, const Buf& stub) {
  Buf body;
  le32(body, uint32_t(stub.size()));  // alloc_hint
  le16(body, ctx);
  le16(body, opnum);
  add(body, stub);
  return pdu(0, flags, call_id, body);
}

Buf response_pdu(uint8_t flags, uint32_t call_id, const Buf& stub) {
  Buf body;
  le32(body, uint32_t(stub.size()));
  le16(body, 1);                    // p_cont_id
  body.insert(body.end(), {0, 0});  // cancel_count, reserved
  add(body, stub);
  return pdu(2, flags, call_id, body);
}

// Records EVE objects of reported calls, and what the keywords and stub buffer say when each
// direction of a call is inspected.
class Ctx final : public ParseContext {
 public:
  Ctx() : budget_(stats_, 64u << 20), arena_(&budget_, 256u << 10) {}
  flow::Flow& flow() noexcept override { return flow_; }
  flow::Arena& arena() noexcept override { return arena_; }
  void on_transaction(const void* tx, uint64_t id, Direction d) noexcept override {
    output::EveWriter w(nullptr);
    log_tx(tx, w);
    eve.emplace_back(w.pending());
    inspect(tx, id, d);
  }
  void on_inspect(const void* tx, uint64_t id, Direction d) noexcept override {
    inspect(tx, id, d);
  }
  void on_anomaly(const char* e) noexcept override { anomalies.emplace_back(e); }
  void inspect(const void* tx, uint64_t id, Direction d) {
    detect::InspectBuffers b;
    buffers(tx, d, b);
    const Bytes* s = b.get(detect::BufferId::DceStubData);
    std::string line = std::to_string(id) + (d == kTs ? " ts" : " tc");
    for (const char* arg : {"afa8bd80-7d8a-11c9-bef4-08002b102989",
                            "afa8bd80-7d8a-11c9-bef4-08002b102989,=1",
                            "afa8bd80-7d8a-11c9-bef4-08002b102989,=0",
                            "afa8bd80-7d8a-11c9-bef4-08002b102989,=1,any_frag"})
      line += check(tx, d, "dcerpc.iface", arg) ? " I" : " -";
    line += check(tx, d, "dcerpc.opnum", "4") ? " O" : " -";
    if (s) line += " stub=" + std::to_string(s->size());
    seen.push_back(line);
  }
  Parser* parser() {
    if (!p_) p_ = create(*this);
    return p_;
  }
  void feed(Direction d, const Buf& b, size_t step = 0) {
    if (!step) step = b.size();
    for (size_t o = 0; o < b.size(); o += step)
      parser()->parse(d, Bytes(b.data() + o, std::min(step, b.size() - o)), *this);
  }
  void end() {
    parser()->finish(kTs, *this);
    parser()->finish(kTc, *this);
  }
  std::vector<std::string> eve, seen, anomalies;

 private:
  StatsBlock stats_;
  flow::ArenaBudget budget_;
  flow::Arena arena_;
  flow::Flow flow_;
  Parser* p_ = nullptr;
};

// The dcerpc-dce-iface-02 shape: bind (context 0 rejected, 1 accepted), one call.
void session(Ctx& c, size_t step, uint8_t bind_flags = 3) {
  c.feed(kTs, bind_pdu(bind_flags, 27), step);
  c.feed(kTc, bind_ack_pdu(27), step);
  c.feed(kTs, request_pdu(3, 28, 1, 4, Buf(24, 0x09)), step);
  c.feed(kTc, response_pdu(3, 28, Buf(68, 0)), step);
  c.end();
}

TEST(DcerpcParser, BindAndCall) {
  Ctx c;
  session(c, 0);
  ASSERT_EQ(c.eve.size(), 2u);
  EXPECT_EQ(c.eve[0],
            R"({"request":"BIND","interfaces":[{"uuid":"afa8bd80-7d8a-11c9-bef4-08002b102989",)"
            R"("version":"1.0","ack_result":2},{"uuid":"afa8bd80-7d8a-11c9-bef4-08002b102989",)"
            R"("version":"1.0","ack_result":0}],"response":"BINDACK","call_id":27,)"
            R"("rpc_version":"5.0"})");
  EXPECT_EQ(c.eve[1],
            R"({"request":"REQUEST","interfaces":[{"uuid":"afa8bd80-7d8a-11c9-bef4-08002b102989",)"
            R"("version":"1.0"}],"req":{"opnum":4,"frag_cnt":1,"stub_data_size":24},)"
            R"("response":"RESPONSE","res":{"frag_cnt":1,"stub_data_size":76},"call_id":28,)"
            R"("rpc_version":"5.0"})");
  // Bind: inspected to server, then reported; the call: keywords in both directions, the
  // request's stub to server and the response's to client.
  std::vector<std::string> want = {"0 ts - - - - -", "0 tc - - - - -",
                                   "1 ts I I - I O stub=24", "1 tc I I - I O stub=76"};
  EXPECT_EQ(c.seen, want);
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(DcerpcParser, AnySplitGivesTheSameResult) {
  Ctx whole;
  session(whole, 0);
  for (size_t step = 1; step < 40; ++step) {
    Ctx c;
    session(c, step);
    EXPECT_EQ(c.eve, whole.eve) << step;
    EXPECT_EQ(c.seen, whole.seen) << step;
  }
}

TEST(DcerpcParser, BindWithoutFirstFragNeedsAnyFrag) {
  Ctx c;
  session(c, 0, /*bind_flags=*/0);
  ASSERT_EQ(c.seen.size(), 4u);
  EXPECT_EQ(c.seen[2], "1 ts - - - I O stub=24");
}

TEST(DcerpcParser, FragmentsAddUp) {
  Ctx c;
  c.feed(kTs, bind_pdu(3, 1));
  c.feed(kTc, bind_ack_pdu(1));
  c.feed(kTs, request_pdu(kFirstFrag, 2, 1, 4, Buf(100, 'a')));
  c.feed(kTs, request_pdu(0, 2, 1, 4, Buf(50, 'b')));
  c.feed(kTs, request_pdu(kLastFrag, 2, 1, 4, Buf(10, 'c')));
  c.feed(kTc, response_pdu(kFirstFrag, 2, Buf(30, 0)));
  c.feed(kTc, response_pdu(kLastFrag, 2, Buf(5, 0)));
  c.end();
  ASSERT_EQ(c.eve.size(), 2u);
  EXPECT_NE(c.eve[1].find(R"("req":{"opnum":4,"frag_cnt":3,"stub_data_size":160})"),
            std::string::npos)
      << c.eve[1];
  EXPECT_NE(c.eve[1].find(R"("res":{"frag_cnt":2,"stub_data_size":51})"), std::string::npos);
  EXPECT_EQ(c.seen[2], "1 ts I I - I O stub=160");
}

TEST(DcerpcParser, LostAndUnanswered) {
  Ctx c;
  c.feed(kTc, response_pdu(3, 9, Buf(4, 0)));   // its request was never seen
  c.feed(kTs, request_pdu(3, 10, 0, 7, Buf(8, 0)));  // never answered
  c.end();
  ASSERT_EQ(c.eve.size(), 2u);
  EXPECT_NE(c.eve[0].find(R"("request":"REQUEST_LOST","response":"RESPONSE")"),
            std::string::npos)
      << c.eve[0];
  EXPECT_NE(c.eve[1].find(R"("response":"UNREPLIED","call_id":10)"), std::string::npos)
      << c.eve[1];
}

// As Suricata counts them: the authentication verifier is part of the stub, and a response's
// stub is its whole body (its 8-byte header included).
TEST(DcerpcParser, StubSizesAsSuricata) {
  Ctx c;
  Buf body;
  le32(body, 8);
  le16(body, 0);
  le16(body, 3);
  add(body, Buf(8, 's'));
  add(body, Buf(8, 0));   // auth verifier header (sec_trailer)
  add(body, Buf(16, 'v'));  // auth_value
  c.feed(kTs, pdu(0, 3, 5, body, 16));
  c.end();
  ASSERT_EQ(c.eve.size(), 1u);
  EXPECT_NE(c.eve[0].find(R"("stub_data_size":32)"), std::string::npos) << c.eve[0];
}

TEST(DcerpcParser, GarbageAndTruncation) {
  Ctx c;
  Buf junk = {5, 9, 0, 3, 0x10, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0};  // minor version 9
  c.feed(kTs, junk);
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dcerpc.malformed"});
  EXPECT_EQ(c.parser()->parse(kTs, Bytes(junk.data(), 1), c).status, ParseStatus::Error);
  Ctx t;  // cut in the middle of a request: reported at the end, its request incomplete
  Buf r = request_pdu(3, 1, 0, 1, Buf(40, 1));
  t.feed(kTs, Buf(r.begin(), r.begin() + 30));
  t.end();
  ASSERT_EQ(t.eve.size(), 1u);
  EXPECT_NE(t.eve[0].find(R"("request":"REQUEST_LOST","response":"UNREPLIED")"),
            std::string::npos)
      << t.eve[0];
  EXPECT_EQ(t.seen, std::vector<std::string>{"0 tc - - - - -"});
}

TEST(DcerpcParser, ManyCallsStayBounded) {
  Ctx c;
  for (uint32_t i = 0; i < 3 * kMaxPending; ++i) c.feed(kTs, request_pdu(3, i, 0, 1, Buf(4, 0)));
  EXPECT_EQ(c.eve.size(), 2 * kMaxPending);  // the oldest reported unanswered when full
  c.end();
  EXPECT_EQ(c.eve.size(), 3 * kMaxPending);
}

TEST(DcerpcParser, Probe) {
  Buf b = bind_pdu(3, 1);
  EXPECT_EQ(probe(kTs, Bytes(b.data(), b.size())), ProbeResult::Match);
  EXPECT_EQ(probe(kTs, Bytes(b.data(), 3)), ProbeResult::NeedMore);
  EXPECT_EQ(probe(kTc, Bytes(b.data(), b.size())), ProbeResult::NoMatch);  // a server's BIND
  Buf http = {'G', 'E', 'T', ' '};
  EXPECT_EQ(probe(kTs, Bytes(http.data(), http.size())), ProbeResult::NoMatch);
  Buf shortlen = b;
  shortlen[8] = 4;  // frag_length under the header
  shortlen[9] = 0;
  EXPECT_EQ(probe(kTs, Bytes(shortlen.data(), shortlen.size())), ProbeResult::NoMatch);
}

TEST(DcerpcMatch, OpnumLists) {
  Call c;
  c.request = true;
  c.opnum = 15;
  EXPECT_TRUE(opnum_match(c, "15"));
  EXPECT_TRUE(opnum_match(c, "1,15"));
  EXPECT_TRUE(opnum_match(c, "10-20"));
  EXPECT_TRUE(opnum_match(c, ">3"));
  EXPECT_FALSE(opnum_match(c, "<3"));
  EXPECT_FALSE(opnum_match(c, "1-14,16"));
  c.request = false;  // a bind matches no opnum
  EXPECT_FALSE(opnum_match(c, "15"));
}

TEST(DcerpcMatch, IfaceNeedsTheCallsContext) {
  Iface f;
  uint8_t wire[16] = {0x80, 0xbd, 0xa8, 0xaf, 0x8a, 0x7d, 0xc9, 0x11,
                      0xbe, 0xf4, 0x08, 0x00, 0x2b, 0x10, 0x29, 0x89};
  uuid_from_wire(wire, true, f.uuid);
  char text[37];
  uuid_text(f.uuid, text);
  EXPECT_STREQ(text, "afa8bd80-7d8a-11c9-bef4-08002b102989");
  f.ver = 3;
  f.ctxid = 2;
  f.acked = true;
  f.first_frag = true;
  Call c;
  c.request = true;
  c.first_frag = true;
  c.ctxid = 2;
  c.bound = &f;
  c.n_bound = 1;
  EXPECT_TRUE(iface_match(c, "AFA8BD80-7D8A-11C9-BEF4-08002B102989"));
  EXPECT_TRUE(iface_match(c, "afa8bd80-7d8a-11c9-bef4-08002b102989,>2"));
  EXPECT_FALSE(iface_match(c, "afa8bd80-7d8a-11c9-bef4-08002b102989,<3"));
  EXPECT_TRUE(iface_match(c, "afa8bd80-7d8a-11c9-bef4-08002b102989,!4"));
  c.ctxid = 1;  // another context of the connection
  EXPECT_FALSE(iface_match(c, "afa8bd80-7d8a-11c9-bef4-08002b102989"));
  c.ctxid = 2;
  f.result = 2;  // rejected
  EXPECT_FALSE(iface_match(c, "afa8bd80-7d8a-11c9-bef4-08002b102989"));
}

}  // namespace
}  // namespace ww::app::dcerpc
