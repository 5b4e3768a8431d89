#include "detect/keywords/pcre.h"

#include "detect/keywords/test_util.h"

namespace ww::detect {
namespace {
using namespace test;

TEST(PcreTest, FlagsAndCompile) {
  Rule r = loaded(R"(content:"a"; pcre:"/^b.c$/smiR"; sid:1;)");
  const auto& p = item<Pcre>(r, 0, 1);
  EXPECT_TRUE(p.relative);
  EXPECT_EQ(p.options, uint32_t(PCRE2_DOTALL | PCRE2_MULTILINE | PCRE2_CASELESS));
  ASSERT_TRUE(p.code);
  EXPECT_NE(p.code->code, nullptr);
}

TEST(PcreTest, BufferFlagsPlaceInHttpBuffers) {
  Rule r = loaded(R"(pcre:"/\/a\.php/U"; pcre:"/^User-Agent/Hm"; pcre:"/x/Q"; sid:1;)",
                  "alert http any any -> any any");
  ASSERT_EQ(r.buffers.size(), 3u);
  EXPECT_EQ(r.buffers[0].buffer, BufferId::HttpUri);
  EXPECT_EQ(r.buffers[1].buffer, BufferId::HttpHeader);
  EXPECT_EQ(r.buffers[2].buffer, BufferId::FileData);
}

TEST(PcreTest, OddQuotesInsideRegex) {
  Rule r = loaded(R"(content:"a"; pcre:"/^["']?post/Ri"; sid:1;)");
  EXPECT_EQ(item<Pcre>(r, 0, 1).pattern, R"(^["']?post)");
}

// Suricata also takes the regex without quotes (pcre:/re/flags;).
TEST(PcreTest, Unquoted) {
  Rule r = loaded(R"(pcre:/\.\/a/I; content:!"/c/"; http_raw_uri; within:5; sid:1;)",
                  "alert http any any -> any any");
  ASSERT_EQ(r.buffers.size(), 1u);
  EXPECT_EQ(r.buffers[0].buffer, BufferId::HttpUriRaw);
  EXPECT_EQ(item<Pcre>(r, 0, 0).pattern, R"(\.\/a)");
  EXPECT_TRUE(item<Pcre>(loaded(R"(pcre:!/abc/i; sid:1;)"), 0, 0).negated);
}

TEST(PcreTest, Negated) {
  Rule r = loaded(R"(pcre:!"/abc/"; sid:1;)");
  EXPECT_TRUE(item<Pcre>(r, 0, 0).negated);
}

TEST(PcreTest, Errors) {
  invalid(R"(pcre:"/a(/"; sid:1;)", "pcre", "regex error");
  invalid(R"(pcre:"/a/q"; sid:1;)", "pcre", "unknown regex flag");
  invalid(R"(pcre:"a"; sid:1;)", "pcre", "must start with '/'");
  invalid(R"(pcre:a/; sid:1;)", "pcre", "double quotes");
  invalid(R"(pcre:"/a/UH"; sid:1;)", "pcre", "two buffer flags");
  invalid(R"(http.host; pcre:"/a/U"; sid:1;)", "pcre", "conflicts with sticky");
}

// Captures: named groups alert_X / flow_X / pkt_X, or the groups in order after the regex
// (inside the quotes, or after them).
TEST(PcreTest, CapturesIntoVariables) {
  Rule r = loaded(R"(pcre:"/^(?P<alert_ua>[a-z]+) (?P<other>x)? (?P<flow_v>\d)/i"; sid:1;)");
  const Pcre& p = item<Pcre>(r, 0, 0);
  EXPECT_EQ(p.flags, "i");
  ASSERT_EQ(p.captures.size(), 2u);
  EXPECT_EQ(p.captures[0].kind, Pcre::VarKind::Alert);
  EXPECT_EQ(p.captures[0].name, "ua");
  EXPECT_EQ(p.captures[0].group, 1);
  EXPECT_EQ(p.captures[1].kind, Pcre::VarKind::Flow);
  EXPECT_EQ(p.captures[1].name, "v");
  EXPECT_EQ(p.captures[1].group, 3);
  Rule l = loaded(R"(pcre:"/(a)(b)(c)/R,alert:user_agent, flow:ubuntu, pkt:firefox"; sid:1;)");
  const Pcre& q = item<Pcre>(l, 0, 0);
  EXPECT_EQ(q.flags, "R");
  EXPECT_TRUE(q.relative);
  ASSERT_EQ(q.captures.size(), 3u);
  EXPECT_EQ(q.captures[2].kind, Pcre::VarKind::Pkt);
  EXPECT_EQ(q.captures[2].name, "firefox");
  EXPECT_EQ(q.captures[2].group, 3);
  Rule t = loaded(R"(pcre:"/(a)/", pkt:x; sid:1;)");
  EXPECT_EQ(item<Pcre>(t, 0, 0).captures.size(), 1u);
  invalid(R"(pcre:"/(a)/,var:x"; sid:1;)", "pcre", "unknown capture variable type");
  invalid(R"(pcre:"/(a)/,flow:"; sid:1;)", "pcre", "without a name");
}

}  // namespace
}  // namespace ww::detect
