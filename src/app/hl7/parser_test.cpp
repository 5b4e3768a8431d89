#include "app/hl7/parser.h"

#include <gtest/gtest.h>

#include <string>

#include "app/redact.h"
#include "app/test_ctx.h"

namespace ww::app::hl7 {
namespace {

using testing::bytes;
using testing::FakeCtx;

// MLLP (HL7 v2.5.1 appendix C.4.2): <SB=0x0B> message <EB=0x1C><CR=0x0D>.
std::string mllp(const std::string& msg) { return "\x0b" + msg + "\x1c\r"; }

// ADT^A01 in the style of HL7 v2.5.1 chapter 3 examples; segments end in CR (2.5.2).
const std::string kAdt =
    // MSH-1 '|', MSH-2 '^~\&', MSH-3 sending app, MSH-4 facility, MSH-5/6 receiver,
    // MSH-7 time, MSH-8 security (empty), MSH-9 type^trigger^structure, MSH-10 control id,
    // MSH-11 processing id, MSH-12 version
    "MSH|^~\\&|REG_ADT|MERCY_GEN|EHR|MERCY_GEN|20240301120000||ADT^A01^ADT_A01|MSG00001|P|2.5.1\r"
    // EVN-1 event type code, EVN-2 recorded time
    "EVN|A01|20240301120000\r"
    // PID-3 identifier list (MRN), PID-5 name (XPN), PID-7 birth date, PID-8 sex
    "PID|1||MRN123456^^^MERCY^MR||DOE^JOHN||19610714|M\r"
    // PV1-2 patient class
    "PV1|1|I|W1^101^1\r";

// ACK (2.15.8 MSA): MSA-1 acknowledgment code, MSA-2 control id of the message acknowledged.
const std::string kAck =
    "MSH|^~\\&|EHR|MERCY_GEN|REG_ADT|MERCY_GEN|20240301120001||ACK^A01|ACK00001|P|2.3\r"
    "MSA|AA|MSG00001\r";

const std::string kNak =
    "MSH|^~\\&|EHR|MERCY_GEN|REG_ADT|MERCY_GEN|20240301120001||ACK^A08|ACK00003|P|2.3\r"
    "MSA|AR|MSG00003\r"
    // ERR-1 (v2.3 error code and location)
    "ERR|^^^101&Required segment PID missing\r";

TEST(Hl7Probe, MllpAndUnframed) {
  std::string f = mllp(kAdt);
  EXPECT_EQ(probe(Direction::ToServer, bytes(f)), ProbeResult::Match);
  EXPECT_EQ(probe(Direction::ToServer, bytes(kAdt)), ProbeResult::Match);
  EXPECT_EQ(probe(Direction::ToServer, bytes(std::string("\x0bMS"))), ProbeResult::NeedMore);
  EXPECT_EQ(probe(Direction::ToServer, bytes(std::string("GET / HTTP/1.1"))),
            ProbeResult::NoMatch);
  EXPECT_EQ(probe(Direction::ToServer, bytes(std::string("MSHA"))), ProbeResult::NoMatch);
}

TEST(Hl7Parser, AdtAndAckPaired) {
  FakeCtx c(kSpec);
  c.feed(Direction::ToServer, bytes(mllp(kAdt)));
  c.feed(Direction::ToClient, bytes(mllp(kAck)));
  ASSERT_EQ(c.txs.size(), 2u);
  EXPECT_EQ(c.txs[0],
            R"({"message_type":"ADT","trigger_event":"A01","message_structure":"ADT_A01",)"
            R"("control_id":"MSG00001","processing_id":"P","version":"2.5.1",)"
            R"("sending_application":"REG_ADT","sending_facility":"MERCY_GEN",)"
            R"("receiving_application":"EHR","receiving_facility":"MERCY_GEN",)"
            R"("segments":{"MSH":1,"EVN":1,"PID":1,"PV1":1},"segment_count":4,)"
            R"("patient_id_present":true,"patient_name_present":true,"framing":"mllp",)"
            R"("size":180,"direction":"to_server"})");
  EXPECT_EQ(c.txs[0].find("DOE"), std::string::npos);  // no PHI in EVE
  EXPECT_EQ(c.txs[0].find("MRN"), std::string::npos);
  EXPECT_NE(c.txs[1].find(R"("ack_code":"AA","ack_for":"MSG00001","ack_for_message_type":"ADT^A01")"),
            std::string::npos)
      << c.txs[1];
  EXPECT_NE(c.txs[1].find(R"("direction":"to_client")"), std::string::npos);
  EXPECT_EQ(c.tx_ids, (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(c.bufs[0]["hl7.msg_type"], "ADT^A01");
  EXPECT_EQ(c.bufs[0]["hl7.sending_app"], "REG_ADT");
  EXPECT_EQ(c.bufs[0]["hl7.segment"], "MSH,EVN,PID,PV1");
  EXPECT_EQ(c.bufs[0]["hl7.field"], kAdt);
  EXPECT_EQ(c.bufs[0].count("hl7.ack_code"), 0u);
  EXPECT_EQ(c.bufs[1]["hl7.ack_code"], "AA");
  EXPECT_TRUE(c.anomalies.empty());
}

// app-layer.redact-phi: no (a lab): PID-3 and PID-5 are logged, first repetition, escapes
// decoded; back on, they are not even copied.
TEST(Hl7Parser, RedactionOffLogsPatientFields) {
  set_redact_phi(false);
  FakeCtx c(kSpec);
  c.feed(Direction::ToServer,
         bytes(mllp("MSH|^~\\&|A|B|C|D|20240301||ADT^A08|X1|P|2.5\r"
                    "PID|1||MRN1\\T\\2^^^H^MR~OTHER9||DOE^JOHN~ALIAS^X\r")));
  set_redact_phi(true);
  ASSERT_EQ(c.txs.size(), 1u);
  EXPECT_NE(c.txs[0].find(R"("patient_id":"MRN1&2^^^H^MR","patient_name":"DOE^JOHN")"),
            std::string::npos)
      << c.txs[0];
  FakeCtx d(kSpec);
  d.feed(Direction::ToServer, bytes(mllp(kAdt)));
  ASSERT_EQ(d.txs.size(), 1u);
  EXPECT_EQ(d.txs[0].find("patient_id\""), std::string::npos);
  EXPECT_EQ(d.txs[0].find("DOE"), std::string::npos);
}

TEST(Hl7Parser, NakIsAnAnomaly) {
  FakeCtx c(kSpec);
  c.feed(Direction::ToClient, bytes(mllp(kNak)));
  ASSERT_EQ(c.txs.size(), 1u);
  EXPECT_NE(c.txs[0].find(R"("ack_code":"AR","ack_for":"MSG00003")"), std::string::npos);
  EXPECT_EQ(c.txs[0].find("ack_for_message_type"), std::string::npos);  // not seen: unpaired
  EXPECT_EQ(c.count("hl7.nak"), 1u);
}

// The same transactions whatever the chunking: split at every offset, and one byte at a time.
TEST(Hl7Parser, SplitAtEveryOffset) {
  std::string stream = mllp(kAdt) + mllp(kAck) + mllp(kNak);
  FakeCtx whole(kSpec);
  whole.feed(Direction::ToServer, bytes(stream));
  ASSERT_EQ(whole.txs.size(), 3u);
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    FakeCtx c(kSpec);
    c.feed(Direction::ToServer, bytes(stream).first(cut));
    c.feed(Direction::ToServer, bytes(stream).subspan(cut));
    ASSERT_EQ(c.txs, whole.txs) << "cut at " << cut;
    ASSERT_EQ(c.anomalies, whole.anomalies) << "cut at " << cut;
  }
  FakeCtx one(kSpec);
  one.feed(Direction::ToServer, bytes(stream), 1);
  EXPECT_EQ(one.txs, whole.txs);
  EXPECT_EQ(one.bufs, whole.bufs);
}

// Control characters that do not end a segment (tab, 0x1F; VT in an unframed stream) are
// segment bytes wherever they fall in the eight-byte steps of the segment scan; segments with
// fewer fields than the parser looks at leave those fields empty.
TEST(Hl7Parser, ControlBytesAndShortSegments) {
  const std::string msg =
      "MSH|^~\\&|A\tPP|FA\x1f|R||20240301||ORU^R01|C\t1\r"  // no MSH-11, MSH-12
      "OBX|1|TX|x||long\ttext with\x01" "controls and more than eight bytes\r"
      "MSA|AE\r"  // no MSA-2
      "PID|1||ID7\r";  // PID-3 only
  for (bool framed : {true, false}) {
    std::string stream = framed ? mllp(msg) : msg + "MSH|^~\\&|\x0bX|Y\r";
    FakeCtx whole(kSpec), one(kSpec);
    whole.feed(Direction::ToServer, bytes(stream));
    one.feed(Direction::ToServer, bytes(stream), 1);
    if (!framed) {
      whole.parser()->finish(Direction::ToServer, whole);
      one.parser()->finish(Direction::ToServer, one);
    }
    ASSERT_EQ(whole.txs.size(), framed ? 1u : 2u);
    EXPECT_EQ(one.txs, whole.txs);
    EXPECT_EQ(one.bufs, whole.bufs);
    const std::string& t = whole.txs[0];
    EXPECT_NE(t.find(R"("message_type":"ORU","trigger_event":"R01","control_id":"C\t1")"),
              std::string::npos)
        << t;
    EXPECT_EQ(t.find("processing_id"), std::string::npos) << t;
    EXPECT_EQ(t.find(R"("version")"), std::string::npos) << t;
    EXPECT_NE(t.find(R"("sending_application":"A\tPP","sending_facility":"FA\u001F")"),
              std::string::npos)
        << t;
    EXPECT_NE(t.find(R"("ack_code":"AE")"), std::string::npos) << t;
    EXPECT_EQ(t.find(R"("ack_for")"), std::string::npos) << t;
    EXPECT_NE(t.find(R"("patient_id_present":true,"patient_name_present":false)"),
              std::string::npos)
        << t;
    EXPECT_NE(t.find(R"("segment_count":4)"), std::string::npos) << t;
    if (framed) {
      EXPECT_EQ(whole.bufs[0]["hl7.field"], msg);
    } else {
      EXPECT_NE(whole.txs[1].find(R"("sending_application":"\u000BX")"), std::string::npos)
          << whole.txs[1];
    }
  }
}

TEST(Hl7Parser, UnframedMessagesSplitOnMsh) {
  std::string stream = kAdt + kAdt;  // two messages, no MLLP
  for (size_t step : {size_t(0), size_t(1), size_t(7)}) {
    FakeCtx c(kSpec);
    c.feed(Direction::ToServer, bytes(stream), step);
    ASSERT_EQ(c.txs.size(), 1u) << "second message ends with the stream";
    c.parser()->finish(Direction::ToServer, c);
    ASSERT_EQ(c.txs.size(), 2u);
    EXPECT_NE(c.txs[0].find(R"("framing":"none")"), std::string::npos);
    EXPECT_NE(c.txs[1].find(R"("control_id":"MSG00001")"), std::string::npos);
    EXPECT_NE(c.txs[1].find(R"("segment_count":4)"), std::string::npos);
    EXPECT_TRUE(c.anomalies.empty());
  }
}

TEST(Hl7Parser, LfAndCrLfSegmentEndings) {
  std::string lf = kAdt, crlf;
  for (char& ch : lf)
    if (ch == '\r') ch = '\n';
  for (char ch : kAdt) crlf += ch == '\r' ? std::string("\r\n") : std::string(1, ch);
  FakeCtx a(kSpec), b(kSpec);
  a.feed(Direction::ToServer, bytes(mllp(lf)));
  b.feed(Direction::ToServer, bytes(mllp(crlf)));
  ASSERT_EQ(a.txs.size(), 1u);
  ASSERT_EQ(b.txs.size(), 1u);
  EXPECT_NE(a.txs[0].find(R"("segment_count":4)"), std::string::npos);
  EXPECT_NE(b.txs[0].find(R"("segment_count":4)"), std::string::npos);
}

TEST(Hl7Parser, RedefinedSeparatorsAndEscapes) {
  // MSH-1 '#', MSH-2 '$*@%' (component '$', repetition '*', escape '@', subcomponent '%').
  // MSH-3 "LAB@F@X$NS2" decodes to "LAB#X" (@F@ is the field separator escape, 2.7.1), first
  // component only; MSH-9 "ORU$R01".
  std::string m =
      "MSH#$*@%#LAB@F@X$NS2#FAC##RCV#20240301##ORU$R01$ORU_R01#C1#P#2.5\r"
      "PID#1##@S@\r";  // PID-3 is only an escape: present; PID-5 absent
  FakeCtx c(kSpec);
  c.feed(Direction::ToServer, bytes(mllp(m)));
  ASSERT_EQ(c.txs.size(), 1u);
  EXPECT_NE(c.txs[0].find(R"("sending_application":"LAB#X")"), std::string::npos) << c.txs[0];
  EXPECT_NE(c.txs[0].find(R"("receiving_facility":"RCV")"), std::string::npos) << c.txs[0];
  EXPECT_NE(c.txs[0].find(R"("message_type":"ORU","trigger_event":"R01")"), std::string::npos);
  EXPECT_NE(c.txs[0].find(R"("patient_id_present":true,"patient_name_present":false)"),
            std::string::npos);
  EXPECT_EQ(c.bufs[0]["hl7.msg_type"], "ORU^R01");
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Parser, MalformedMsh) {
  // MSH-9 empty (as in the corpus capture hl7-mllp-malformed-msh).
  std::string empty_type = "MSH|^~\\&|A|B|C|D|20240301||\r";
  // Alphanumeric field separator.
  std::string bad_sep = "MSHX^~\\&XAXB\r";
  // No MSH at all inside the frame.
  std::string no_msh = "PID|1||X\r";
  for (const auto& m : {empty_type, bad_sep, no_msh}) {
    FakeCtx c(kSpec);
    c.feed(Direction::ToServer, bytes(mllp(m)));
    ASSERT_EQ(c.txs.size(), 1u);
    EXPECT_EQ(c.count("hl7.malformed_msh"), 1u) << m;
    EXPECT_NE(c.txs[0].find(R"("malformed_msh":true)"), std::string::npos);
  }
}

TEST(Hl7Parser, TruncatedAndRestartedFrames) {
  std::string f = mllp(kAdt);
  // Cut before 0x1C: the frame is completed at finish() as truncated.
  FakeCtx c(kSpec);
  c.feed(Direction::ToServer, bytes(f).first(f.size() - 2));
  EXPECT_TRUE(c.txs.empty());
  c.parser()->finish(Direction::ToServer, c);
  ASSERT_EQ(c.txs.size(), 1u);
  EXPECT_NE(c.txs[0].find(R"("truncated":true)"), std::string::npos);
  EXPECT_EQ(c.count("hl7.unterminated_message"), 1u);
  // A new 0x0B inside a frame ends the first message and starts the next.
  FakeCtx r(kSpec);
  r.feed(Direction::ToServer, bytes("\x0b" + kAdt.substr(0, 40) + mllp(kAck)));
  ASSERT_EQ(r.txs.size(), 2u);
  EXPECT_NE(r.txs[1].find(R"("control_id":"ACK00001")"), std::string::npos);
  // A gap ends the message; the parser resynchronises on the next 0x0B.
  FakeCtx g(kSpec);
  g.feed(Direction::ToServer, bytes(f).first(30));
  g.parser()->gap(Direction::ToServer, 100, g);
  g.feed(Direction::ToServer, bytes(std::string("junk\x1c\r") + f));
  ASSERT_EQ(g.txs.size(), 2u);
  EXPECT_NE(g.txs[1].find(R"("segment_count":4)"), std::string::npos);
}

TEST(Hl7Parser, GarbageNeverCrashes) {
  std::string g;
  uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245 + 12345;
    uint8_t b = uint8_t(x >> 16);
    // Bias towards the bytes the parser cares about.
    static const uint8_t kInteresting[] = {0x0b, 0x1c, '\r', '\n', '|', '^', '\\', 'M', 'S', 'H'};
    g.push_back(char((x >> 8) % 3 == 0 ? kInteresting[b % 10] : b));
  }
  for (size_t step : {size_t(1), size_t(13), size_t(0)}) {
    FakeCtx c(kSpec);
    c.feed(Direction::ToServer, bytes(g), step);
    c.feed(Direction::ToClient, bytes(g), step);
    c.parser()->finish(Direction::ToServer, c);
    c.parser()->finish(Direction::ToClient, c);
  }
  // Junk between MLLP frames is reported once.
  FakeCtx c(kSpec);
  c.feed(Direction::ToServer, bytes(mllp(kAdt) + "garbage" + mllp(kAck)));
  EXPECT_EQ(c.txs.size(), 2u);
  EXPECT_EQ(c.count("hl7.data_outside_frame"), 1u);
}

TEST(Hl7Parser, OverLimits) {
  // A message over kMaxMessage: one transaction marked too_large, then the next frame parses.
  std::string big = kAdt;
  std::string obx = "OBX|1|ST|X||" + std::string(1000, 'A') + "\r";
  while (big.size() <= kMaxMessage) big += obx;
  FakeCtx c(kSpec);
  c.feed(Direction::ToServer, bytes(mllp(big) + mllp(kAdt)), 4096);
  ASSERT_EQ(c.txs.size(), 2u);
  EXPECT_EQ(c.count("hl7.message_too_large"), 1u);
  EXPECT_NE(c.txs[0].find(R"("too_large":true)"), std::string::npos);
  EXPECT_NE(c.txs[0].find(R"("size":1048576)"), std::string::npos);
  EXPECT_NE(c.txs[1].find(R"("segment_count":4)"), std::string::npos);
  EXPECT_EQ(c.bufs[0]["hl7.field"].size(), kRawCap);

  // Too many segments, too many distinct segment names, a segment longer than kSegmentCap.
  std::string many = kAdt;
  for (uint32_t i = 0; i < kMaxSegments + 5; ++i) many += "NTE|1\r";
  for (int i = 0; i < 40; ++i) many += "Z" + std::to_string(10 + i) + "|x\r";
  many += "PID|1||" + std::string(5000, 'X') + "||NAME\r";
  FakeCtx m(kSpec);
  m.feed(Direction::ToServer, bytes(mllp(many)));
  ASSERT_EQ(m.txs.size(), 1u);
  EXPECT_EQ(m.count("hl7.too_many_segments"), 1u);
  EXPECT_NE(m.txs[0].find(R"("segment_count":10000)"), std::string::npos);

  FakeCtx k(kSpec);
  std::string kinds = kAdt;
  for (int i = 0; i < 40; ++i) kinds += "Z" + std::to_string(10 + i) + "|x\r";
  k.feed(Direction::ToServer, bytes(mllp(kinds)));
  ASSERT_EQ(k.txs.size(), 1u);
  EXPECT_NE(k.txs[0].find(R"("segment_count":44)"), std::string::npos);

  // Pending list is bounded: 40 unanswered messages, then the ACK of the last one pairs.
  FakeCtx p(kSpec);
  for (int i = 0; i < 40; ++i) {
    std::string m2 = kAdt;
    m2.replace(m2.find("MSG00001"), 8, "MSG" + std::to_string(10000 + i));
    p.feed(Direction::ToServer, bytes(mllp(m2)));
  }
  std::string ack = kAck;
  ack.replace(ack.find("MSG00001"), 8, "MSG10039");
  p.feed(Direction::ToClient, bytes(mllp(ack)));
  ASSERT_EQ(p.txs.size(), 41u);
  EXPECT_NE(p.txs[40].find(R"("ack_for_message_type":"ADT^A01")"), std::string::npos);
}

TEST(Hl7Parser, ArenaExhaustedStopsTheDirection) {
  FakeCtx c(kSpec, 4096);  // per-flow cap below the parser's buffers
  Parser* p = c.parser();
  if (!p) return;  // creation itself refused: the app layer handles nullptr
  ParseResult r = p->parse(Direction::ToServer, bytes(mllp(kAdt)), c);
  EXPECT_EQ(r.status, ParseStatus::Error);
  EXPECT_EQ(c.count("hl7.memcap"), 1u);
}

}  // namespace
}  // namespace ww::app::hl7
