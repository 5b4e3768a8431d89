// rules/healthcare.rules loads with the project's rule loader: no invalid or unsupported rule.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "app/dicom/parser.h"
#include "app/hl7/parser.h"
#include "app/test_ctx.h"
#include "detect/loader.h"
#include "detect/match.h"

namespace ww::detect {
namespace {

TEST(HealthcareRules, LoadWithoutProblems) {
  std::string path = std::string(WW_SOURCE_DIR) + "/rules/healthcare.rules";
  LoadOptions opt;
  opt.build_prefilter = false;
  auto rs = load_rules({path}, RuleVars::suricata_defaults(), opt);
  ASSERT_TRUE(rs.has_value()) << rs.error().str();
  for (auto& p : rs->problems) ADD_FAILURE() << p.diag.str();
  EXPECT_EQ(rs->invalid, 0u);
  EXPECT_EQ(rs->unsupported, 0u);
  // Every rule of the file loads (the count comes from the file, not from this test).
  std::ifstream in(path);
  size_t rules = 0;
  for (std::string line; std::getline(in, line);) rules += line.rfind("alert ", 0) == 0;
  EXPECT_GT(rules, 20u);
  EXPECT_EQ(rs->loaded, rules);
  for (auto& r : rs->rules) {
    EXPECT_GE(r.sid, 9100000u);
    EXPECT_LT(r.sid, 9200000u);
    EXPECT_EQ(r.msg.rfind("WARDWATCH HEALTHCARE ", 0), 0u) << r.msg;
  }
}

// The buffer part of a few rules against transactions the parsers made.
TEST(HealthcareRules, BuffersMatchParserTransactions) {
  std::string path = std::string(WW_SOURCE_DIR) + "/rules/healthcare.rules";
  LoadOptions opt;
  opt.build_prefilter = false;
  auto rs = load_rules({path}, RuleVars::suricata_defaults(), opt);
  ASSERT_TRUE(rs.has_value());
  auto rule = [&](uint32_t sid) -> const Rule& {
    for (auto& r : rs->rules)
      if (r.sid == sid) return r;
    static Rule none;
    ADD_FAILURE() << "no sid " << sid;
    return none;
  };
  auto inspect = [](const std::map<std::string, std::string>& m, InspectBuffers& b) {
    for (auto& [name, v] : m)
      b.set(*buffer_by_sticky_name(name),
            Bytes(reinterpret_cast<const uint8_t*>(v.data()), v.size()));
  };
  app::testing::FakeCtx c(app::hl7::kSpec);
  // HL7 v2.5.1 2.15.8: ACK with MSA-1 AR; then an ORM^O01 from an unknown application.
  c.feed(Direction::ToClient,
         app::testing::bytes(std::string("\x0bMSH|^~\\&|EHR|F|X|F|2024||ACK^O01|A1|P|2.3\r"
                                         "MSA|AR|M1\r\x1c\r")));
  c.feed(Direction::ToServer,
         app::testing::bytes(std::string("\x0bMSH|^~\\&|ROGUE|F|RIS|F|2024||ORM^O01|M2|P|2.5\r"
                                         "PID|1||X\r\x1c\r")));
  ASSERT_EQ(c.bufs.size(), 2u);
  InspectBuffers nak, orm;
  inspect(c.bufs[0], nak);
  inspect(c.bufs[1], orm);
  EXPECT_TRUE(match_buffers(rule(9100001), nak));
  EXPECT_FALSE(match_buffers(rule(9100001), orm));
  EXPECT_TRUE(match_buffers(rule(9100005), orm));
  EXPECT_TRUE(match_buffers(rule(9100004), orm));
  c.bufs[1]["hl7.sending_app"] = "CPOE";
  InspectBuffers known;
  inspect(c.bufs[1], known);
  EXPECT_FALSE(match_buffers(rule(9100005), known));

  // DICOM: unknown calling AE; C-MOVE buffers.
  std::map<std::string, std::string> assoc = {{"dicom.calling_ae", "EVIL_SCU"},
                                              {"dicom.called_ae", "PACS_QR"}};
  InspectBuffers a;
  inspect(assoc, a);
  EXPECT_TRUE(match_buffers(rule(9100010), a));
  assoc["dicom.calling_ae"] = "VIEWER1";
  InspectBuffers k;
  inspect(assoc, k);
  EXPECT_FALSE(match_buffers(rule(9100010), k));
  std::map<std::string, std::string> move = {{"dicom.command", "C-MOVE"}};
  InspectBuffers mv;
  inspect(move, mv);
  EXPECT_TRUE(match_buffers(rule(9100015), mv));
}

}  // namespace
}  // namespace ww::detect
