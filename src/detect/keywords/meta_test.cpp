#include "detect/keywords/test_util.h"

namespace ww::detect {
namespace {
using namespace test;

TEST(MetaTest, AllMetaKeywords) {
  Rule r = loaded(
      R"(msg:"ET TEST \"quoted\"\; semi"; sid:2000001; rev:3; gid:1; classtype:trojan-activity; reference:url,example.com/a; reference:cve,2024-1; metadata:created_at 2024_01_01, signature_severity Major; target:dest_ip; tag:session,5,packets; prefilter;)");
  (void)r;
}

TEST(MetaTest, Values) {
  Rule r = loaded(
      R"(msg:"ET TEST \"q\"\; s"; sid:2000001; rev:3; classtype:trojan-activity; reference:url,example.com/a; metadata:created_at 2024_01_01, signature_severity Major; target:dest_ip; tag:session,5,packets;)");
  EXPECT_EQ(r.msg, "ET TEST \"q\"; s");
  EXPECT_EQ(r.sid, 2000001u);
  EXPECT_EQ(r.rev, 3u);
  EXPECT_EQ(r.classtype, "trojan-activity");
  EXPECT_EQ(r.category, "A Network Trojan was detected");
  EXPECT_EQ(r.priority, 1);
  ASSERT_EQ(r.references.size(), 1u);
  EXPECT_EQ(r.references[0].first, "url");
  ASSERT_EQ(r.metadata.size(), 2u);
  EXPECT_EQ(r.metadata[1].first, "signature_severity");
  EXPECT_EQ(r.metadata[1].second, "Major");
  EXPECT_EQ(r.target, Rule::Target::DestIp);
  EXPECT_EQ(r.ignored.size(), 1u);
}

TEST(MetaTest, PriorityOverridesClasstype) {
  Rule r = loaded(R"(priority:2; classtype:trojan-activity; sid:1;)");
  EXPECT_EQ(r.priority, 2);
  Rule d = loaded(R"(sid:1;)");
  EXPECT_EQ(d.priority, 3);
}

// The config action with config:logging disable, type tx, scope tx: never alerts, disables the
// logging of the transaction it matches; other settings load as unsupported.
TEST(MetaTest, ConfigActionAndKeyword) {
  Rule r = loaded(R"(http.host; content:"test"; config:logging disable, type tx, scope tx; sid:1;)",
                  "config http any any -> any any");
  EXPECT_TRUE(r.config_action);
  EXPECT_TRUE(r.noalert);
  EXPECT_TRUE(r.log_tx_disabled);
  EXPECT_EQ(parse(R"(config:logging disable, type flow, scope flow; sid:1;)",
                  "config http any any -> any any")
                .status,
            RuleStatus::Unsupported);
  invalid(R"(config:logging disable, type tx, scope tx; sid:1;)", "config", "'config' action",
          "alert http any any -> any any");
  invalid(R"(config:logging disable; sid:1;)", "config", "expected",
          "config http any any -> any any");
}

TEST(MetaTest, Errors) {
  invalid(R"(msg:"x";)", "sid", "no sid");
  invalid(R"(sid:abc;)", "sid", "invalid sid");
  invalid(R"(sid:0;)", "sid", "invalid sid");
  invalid(R"(sid:1; sid:2;)", "sid", "duplicate");
  invalid(R"(classtype:nope; sid:1;)", "classtype", "unknown classtype");
  invalid(R"(priority:0; sid:1;)", "priority", "invalid priority");
  invalid(R"(reference:url; sid:1;)", "reference", "system,id");
  invalid(R"(target:both; sid:1;)", "target", "src_ip or dest_ip");
  invalid(R"(tag:flow; sid:1;)", "tag", "invalid tag type");
  invalid(R"(msg:"x"; sid:1; nosuchkeyword;)", "nosuchkeyword", "unknown keyword");
}

TEST(MetaTest, UnimplementedKeywordIsUnsupported) {
  ParseOutcome o = parse(R"(asn1:bitstring_overflow; sid:1;)");
  EXPECT_EQ(o.status, RuleStatus::Unsupported);
  EXPECT_EQ(o.diag.keyword, "asn1");
  EXPECT_EQ(o.diag.sid, 1u);
}

}  // namespace
}  // namespace ww::detect
