// HL7 captures of ../shared/corpus (generated with simple-hl7 and python-hl7, plus nDPI's
// public capture): every message's type, control id, senders and ACK codes as the corpus
// MANIFEST lists them (and tshark's hl7 dissector shows). Skipped without the corpus.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "app/hl7/parser.h"
#include "app/hl7/pcap_conv.h"
#include "app/test_ctx.h"

namespace ww::app::hl7 {
namespace {

namespace fs = std::filesystem;
fs::path corpus() { return fs::path(WW_SOURCE_DIR) / ".." / "shared" / "corpus"; }

// All transactions of all TCP connections of a capture, each connection in its own context.
struct Result {
  std::vector<std::string> txs, anomalies;
  std::string all;
};
Result parse_capture(const fs::path& f) {
  Result r;
  for (auto& conv : testing::read_conversations(f.string())) {
    testing::FakeCtx c(kSpec);
    bool matched = false;
    for (auto& ch : conv.chunks) {
      if (!matched && probe(ch.dir, testing::bytes(ch.data)) != ProbeResult::Match) continue;
      matched = true;
      c.feed(ch.dir, testing::bytes(ch.data));
    }
    if (!matched) continue;
    c.parser()->finish(Direction::ToServer, c);
    c.parser()->finish(Direction::ToClient, c);
    for (auto& t : c.txs) r.txs.push_back(t), r.all += t + "\n";
    for (auto& a : c.anomalies) r.anomalies.push_back(a);
  }
  return r;
}

bool has(const std::string& s, const std::string& sub) { return s.find(sub) != std::string::npos; }

TEST(CorpusHl7, GeneratedSimpleHl7) {
  fs::path f = corpus() / "generated" / "hl7_mllp.pcap";
  if (!fs::exists(f)) GTEST_SKIP() << "no corpus at " << f;
  Result r = parse_capture(f);
  ASSERT_EQ(r.txs.size(), 10u) << r.all;  // 5 messages + 5 ACKs
  const char* expect[] = {
      R"("message_type":"ADT","trigger_event":"A01")", R"("control_id":"MSG00001")",
      R"("message_type":"ORM","trigger_event":"O01")", R"("control_id":"MSG00002")",
      R"("message_type":"ADT","trigger_event":"A08")", R"("control_id":"MSG00003")",
      R"("control_id":"LAB0000457")", R"("control_id":"LAB0000458")",
      R"("sending_application":"REG_ADT","sending_facility":"MERCY_GEN")",
      R"("sending_application":"CPOE","sending_facility":"MERCY_GEN","receiving_application":"RIS","receiving_facility":"MERCY_RAD")",
      R"("sending_application":"LAB_LIS","sending_facility":"MERCY_LAB")",
      R"("receiving_application":"EHR","receiving_facility":"MERCY_GEN")",
      R"("ack_code":"AR","ack_for":"MSG00003","ack_for_message_type":"ADT^A08")",
      R"("ack_code":"AA","ack_for":"MSG00001","ack_for_message_type":"ADT^A01")",
      R"("ack_code":"AA","ack_for":"LAB0000458","ack_for_message_type":"ORU^R01")",
  };
  for (const char* e : expect) EXPECT_TRUE(has(r.all, e)) << e << "\n" << r.all;
  size_t aa = 0;
  for (auto& t : r.txs) aa += has(t, R"("ack_code":"AA")");
  EXPECT_EQ(aa, 4u);
  EXPECT_EQ(std::count(r.anomalies.begin(), r.anomalies.end(), std::string("hl7.nak")), 1);
  // No patient data in the EVE objects.
  for (const char* phi : {"DOE", "ROE", "MRN123456", "MRN654321", "123-45-6789", "19610714"})
    EXPECT_FALSE(has(r.all, phi)) << phi;
}

TEST(CorpusHl7, GeneratedLoopback) {
  fs::path dir = corpus() / "healthcare" / "pcaps" / "generated-loopback";
  if (!fs::exists(dir)) GTEST_SKIP() << "no corpus at " << dir;
  Result a = parse_capture(dir / "hl7-mllp-adt-orm-oru-oml-with-acks.pcap");
  ASSERT_EQ(a.txs.size(), 14u) << a.all;
  size_t acks = 0, paired = 0;
  for (auto& t : a.txs) {
    acks += has(t, R"("ack_code":"AA")");
    paired += has(t, R"("ack_for_message_type")");
  }
  EXPECT_EQ(acks, 7u);
  EXPECT_EQ(paired, 7u);
  for (const char* e : {R"("message_type":"OML","trigger_event":"O21")",
                        R"("message_type":"ORU","trigger_event":"R01")",
                        R"("message_type":"ORM","trigger_event":"O01")",
                        R"("message_type":"ADT","trigger_event":"A01")"})
    EXPECT_TRUE(has(a.all, e)) << e;
  EXPECT_TRUE(a.anomalies.empty());

  Result big = parse_capture(dir / "hl7-mllp-large-oru-newborn-screening.pcap");
  ASSERT_EQ(big.txs.size(), 2u) << big.all;
  EXPECT_TRUE(has(big.txs[0], R"("control_id":"20240215200725_0005")")) << big.txs[0];
  EXPECT_TRUE(has(big.txs[0], R"("segment_count":144)")) << big.txs[0];
  EXPECT_TRUE(has(big.txs[1], R"("ack_code":"AA","ack_for":"20240215200725_0005")"));

  Result bad = parse_capture(dir / "hl7-mllp-malformed-msh.pcap");
  ASSERT_EQ(bad.txs.size(), 1u) << bad.all;
  EXPECT_TRUE(has(bad.txs[0], R"("malformed_msh":true)"));
  EXPECT_EQ(std::count(bad.anomalies.begin(), bad.anomalies.end(),
                       std::string("hl7.malformed_msh")),
            1);
}

TEST(CorpusHl7, NdpiCapture) {
  fs::path f = corpus() / "healthcare" / "pcaps" / "ndpi-hl7.pcap";
  if (!fs::exists(f)) GTEST_SKIP() << "no corpus at " << f;
  Result r = parse_capture(f);
  ASSERT_GE(r.txs.size(), 1u);
  EXPECT_TRUE(has(r.txs[0], R"("message_type")")) << r.all;
}

}  // namespace
}  // namespace ww::app::hl7
