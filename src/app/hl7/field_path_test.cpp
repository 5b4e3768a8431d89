// hl7.field by path: the selection itself (field_path.h) and as a rule keyword
// (`hl7.field:PID.5; content:...`) against parser transactions. Messages in the style of the
// HL7 v2.5.1 chapter 2/3 examples.
#include "app/hl7/field_path.h"

#include <gtest/gtest.h>

#include <string>

#include "app/hl7/parser.h"
#include "app/test_ctx.h"
#include "detect/keywords/test_util.h"
#include "detect/match.h"

namespace ww::app::hl7 {
namespace {

Bytes b(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

const std::string kOru =
    "MSH|^~\\&|LAB_LIS|MERCY|EHR|MERCY|20240301||ORU^R01^ORU_R01|C42|P|2.5.1\r"
    // PID-3 two identifiers (repetition ~), PID-5 name with an escaped '&' (\T\)
    "PID|1||MRN123^^^MERCY^MR~NHS999^^^NHS^NH||DOE\\T\\SONS^JOHN^Q||19610714|M\r"
    "OBR|1||LAB1|24331-1^Lipid panel^LN\r"
    "OBX|1|NM|2093-3^Cholesterol^LN||196|mg/dL\r"
    "OBX|2|NM|2571-8^Triglyceride^LN||90|mg/dL\r";

std::string sel(const std::string& msg, const char* path) {
  std::string out;
  if (!select_field(b(msg), path, out)) return "<absent>";
  return out;
}

TEST(Hl7FieldPath, Parse) {
  FieldPath p;
  EXPECT_TRUE(parse_field_path("PID.5", p));
  EXPECT_EQ(std::string(p.segment, 3), "PID");
  EXPECT_EQ(p.field, 5);
  EXPECT_EQ(p.component, 0);
  EXPECT_TRUE(parse_field_path("MSH-9.1", p));
  EXPECT_EQ(p.field, 9);
  EXPECT_EQ(p.component, 1);
  EXPECT_TRUE(parse_field_path("ZX1.3.2.1", p));
  EXPECT_EQ(p.subcomponent, 1);
  for (const char* bad : {"", "PID", "PID.", "PID.0", "pid.5", "PI.5", "PID.5.", "PID.5x",
                          "PID.1000", "PID.5.1.1.1", "PID 5", "\"PID.5\""})
    EXPECT_FALSE(parse_field_path(bad, p)) << bad;
}

TEST(Hl7FieldPath, SelectsFieldsComponentsRepetitionsAndSegments) {
  EXPECT_EQ(sel(kOru, "PID.5"), "DOE&SONS^JOHN^Q");  // \T\ decoded
  EXPECT_EQ(sel(kOru, "PID.5.1"), "DOE&SONS");
  EXPECT_EQ(sel(kOru, "PID.5.2"), "JOHN");
  EXPECT_EQ(sel(kOru, "PID.3"), "MRN123^^^MERCY^MR~NHS999^^^NHS^NH");
  EXPECT_EQ(sel(kOru, "PID.3.1"), "MRN123~NHS999");  // every repetition
  EXPECT_EQ(sel(kOru, "MSH.1"), "|");
  EXPECT_EQ(sel(kOru, "MSH.2"), "^~\\&");
  EXPECT_EQ(sel(kOru, "MSH.3"), "LAB_LIS");
  EXPECT_EQ(sel(kOru, "MSH.9"), "ORU^R01^ORU_R01");
  EXPECT_EQ(sel(kOru, "MSH.9.2"), "R01");
  EXPECT_EQ(sel(kOru, "MSH.10"), "C42");
  EXPECT_EQ(sel(kOru, "OBX.3.2"), "Cholesterol\nTriglyceride");  // one value per segment
  EXPECT_EQ(sel(kOru, "OBX.5"), "196\n90");
  EXPECT_EQ(sel(kOru, "PID.30"), "<absent>");
  EXPECT_EQ(sel(kOru, "PV1.2"), "<absent>");
  EXPECT_EQ(sel(kOru, "PID.5.9"), "");  // the field is there, the component is empty
}

TEST(Hl7FieldPath, HonoursDeclaredSeparators) {
  // Field '#', component '@', repetition '*', escape '!', subcomponent '%'; written back with
  // the standard separators so one rule fits every sender.
  const std::string m =
      "MSH#@*!%#APP#FAC#RCV#FAC#2024##ADT@A08#X1#P#2.5\r"
      "PID#1##ID1@@@H*ID2@@@H##DOE@JANE!S!X%Y\n";  // LF segment end; !S! = component escape
  EXPECT_EQ(sel(m, "MSH.9.1"), "ADT");
  EXPECT_EQ(sel(m, "MSH.2"), "@*!%");
  EXPECT_EQ(sel(m, "PID.3.1"), "ID1~ID2");
  EXPECT_EQ(sel(m, "PID.5"), "DOE^JANE^X&Y");
  EXPECT_EQ(sel(m, "PID.5.2"), "JANE^X&Y");  // the escaped component separator is data
  EXPECT_EQ(sel(m, "PID.5.2.2"), "Y");
}

TEST(Hl7FieldPath, GarbageIsSafe) {
  std::string out;
  for (std::string s : {std::string(), std::string("MSH"), std::string("MSH|"),
                        std::string("PID|"), std::string("\r\r\n"), std::string(5000, '|'),
                        std::string("MSH|^~\\&|\rPID|1||\\T")})
    for (const char* p : {"MSH.1", "MSH.2", "PID.3.1.1", "PID.1"}) select_field(b(s), p, out);
  SUCCEED();
}

// As a rule: hl7.field:PATH is the raw message narrowed to the path.
TEST(Hl7FieldPath, RuleKeyword) {
  using detect::test::invalid;
  using detect::test::loaded;
  const std::string hdr = "alert hl7 any any -> any any";
  testing::FakeCtx c(kSpec);
  c.feed(Direction::ToServer, testing::bytes("\x0b" + kOru + "\x1c\r"));
  ASSERT_EQ(c.bufs.size(), 1u);
  detect::InspectBuffers bufs;
  const std::string& raw = c.bufs[0]["hl7.field"];
  bufs.set(detect::BufferId::Hl7Field, b(raw));
  auto match = [&](const std::string& opts) {
    return detect::match_buffers(loaded(opts, hdr), bufs);
  };
  EXPECT_TRUE(match(R"(hl7.field:PID.5.1; content:"DOE&SONS"; startswith; endswith; sid:1;)"));
  EXPECT_FALSE(match(R"(hl7.field:PID.5.2; content:"DOE"; sid:1;)"));
  EXPECT_TRUE(match(R"(hl7.field:MSH.3; content:"LAB_LIS"; startswith; endswith; sid:1;)"));
  EXPECT_FALSE(match(R"(hl7.field:MSH.4; content:"LAB_LIS"; sid:1;)"));
  EXPECT_TRUE(match(R"(hl7.field:OBX.3.2; content:"Triglyceride"; sid:1;)"));
  EXPECT_TRUE(match(R"(hl7.field:PID.3.1; pcre:"/^MRN\d+~NHS/"; sid:1;)"));
  // No such field: the buffer is absent, even a negated content does not match.
  EXPECT_FALSE(match(R"(hl7.field:PV1.2; content:!"X"; sid:1;)"));
  // Whole raw message without a path, as before.
  EXPECT_TRUE(match(R"(hl7.field; content:"PID|7C|1|7C 7C|MRN123"; sid:1;)"));
  // Transforms still follow the sticky buffer.
  EXPECT_TRUE(match(R"(hl7.field:PID.5.2; to_lowercase; content:"john"; sid:1;)"));
  invalid(R"(hl7.field:PID; content:"x"; sid:1;)", "hl7.field", "SEG.F");
  invalid(R"(hl7.msg_type:PID.5; content:"x"; sid:1;)", "hl7.msg_type", "no argument");
  invalid(R"(hl7.field:PID.5; content:"x"; sid:1;)", "hl7.field", "protocol",
          "alert http any any -> any any");
}

}  // namespace
}  // namespace ww::app::hl7
