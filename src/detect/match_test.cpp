// Verification tests, mostly the examples of Suricata's keyword documentation.
#include "detect/match.h"

#include <gtest/gtest.h>

#include "detect/keywords/test_util.h"

namespace ww::detect {
namespace {
using namespace test;

Bytes B(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

bool matches(const std::string& opts, const std::string& payload,
             const std::string& header = "alert tcp any any -> any any") {
  Rule r = loaded(opts + " sid:1;", header);
  InspectBuffers b;
  b.set(BufferId::Payload, B(payload));
  return match_buffers(r, b);
}

TEST(MatchTest, ContentBasics) {
  EXPECT_TRUE(matches(R"(content:"abc";)", "xxabcxx"));
  EXPECT_FALSE(matches(R"(content:"ABC";)", "xxabcxx"));
  EXPECT_TRUE(matches(R"(content:"ABC"; nocase;)", "xxabcxx"));
  EXPECT_FALSE(matches(R"(content:!"abc";)", "xxabcxx"));
  EXPECT_TRUE(matches(R"(content:!"abd";)", "xxabcxx"));
  EXPECT_TRUE(matches(R"(content:"|0d 0a|";)", "a\r\nb"));
}

TEST(MatchTest, OffsetDepth) {
  // Suricata docs: offset 3 then depth 3 limit the search to bytes [3, 6).
  EXPECT_TRUE(matches(R"(content:"def"; offset:3; depth:3;)", "abcdefghi"));
  EXPECT_FALSE(matches(R"(content:"def"; offset:4;)", "abcdefghi"));
  EXPECT_FALSE(matches(R"(content:"def"; depth:5;)", "abcdefghi"));
}

TEST(MatchTest, DistanceWithin) {
  EXPECT_TRUE(matches(R"(content:"abc"; content:"def"; distance:0;)", "abcdef"));
  EXPECT_FALSE(matches(R"(content:"abc"; content:"def"; distance:1;)", "abcdef"));
  EXPECT_TRUE(matches(R"(content:"abc"; content:"def"; within:3;)", "abcdef"));
  EXPECT_FALSE(matches(R"(content:"abc"; content:"def"; within:3;)", "abcXdef"));
  // Negative distance looks back.
  EXPECT_TRUE(matches(R"(content:"def"; content:"bc"; distance:-5; within:3;)", "abcdef"));
}

TEST(MatchTest, BacktracksToLaterOccurrence) {
  // The first "a" is not followed by "b" within 1 byte; the second one is.
  EXPECT_TRUE(matches(R"(content:"a"; content:"b"; within:1;)", "axxab"));
  EXPECT_FALSE(matches(R"(content:"a"; content:"b"; within:1;)", "axxac"));
}

TEST(MatchTest, StartsEndsWith) {
  EXPECT_TRUE(matches(R"(content:"GET"; startswith;)", "GET /"));
  EXPECT_FALSE(matches(R"(content:"GET"; startswith;)", " GET /"));
  EXPECT_TRUE(matches(R"(content:".exe"; endswith;)", "a.exe.exe"));
  EXPECT_FALSE(matches(R"(content:".exe"; endswith;)", "a.exe.zip"));
}

TEST(MatchTest, IsDataAt) {
  EXPECT_TRUE(matches(R"(content:"ab"; isdataat:!1,relative;)", "xxab"));
  EXPECT_FALSE(matches(R"(content:"ab"; isdataat:!1,relative;)", "xxabc"));
  EXPECT_TRUE(matches(R"(isdataat:4;)", "01234"));
  EXPECT_FALSE(matches(R"(isdataat:5;)", "01234"));
}

TEST(MatchTest, Pcre) {
  EXPECT_TRUE(matches(R"(pcre:"/^a.c/";)", "abc"));
  EXPECT_TRUE(matches(R"(content:"x"; pcre:"/^yz/R";)", "axyz"));
  EXPECT_FALSE(matches(R"(content:"x"; pcre:"/^z/R";)", "axyz"));
  EXPECT_TRUE(matches(R"(pcre:!"/evil/i";)", "good"));
  EXPECT_FALSE(matches(R"(pcre:!"/evil/i";)", "EVIL"));
}

TEST(MatchTest, ByteTestJumpExtractMath) {
  std::string p("\x00\x05hello\x00\x02ok", 11);
  EXPECT_TRUE(matches(R"(byte_test:2,=,5,0;)", p));
  EXPECT_TRUE(matches(R"(byte_test:2,>,4,0;)", p));
  EXPECT_FALSE(matches(R"(byte_test:2,!=,5,0;)", p));
  EXPECT_TRUE(matches(R"(byte_test:2,=,0x0500,0,little;)", p));
  // Jump over the length-prefixed "hello" and find the next length-prefixed field.
  EXPECT_TRUE(matches(R"(byte_jump:2,0; byte_test:2,=,2,0,relative;)", p));
  EXPECT_TRUE(matches(R"(byte_extract:2,0,len; content:"|00 02|ok"; distance:len; within:4;)", p));
  EXPECT_FALSE(matches(R"(byte_extract:2,0,len; content:"ok"; distance:len; within:2;)", p));
  EXPECT_TRUE(matches(
      R"(byte_math:bytes 2, offset 0, oper +, rvalue 2, result pos; byte_test:2,=,2,pos;)", p));
  EXPECT_TRUE(matches(R"(byte_test:3,=,123,1,string,dec;)", "x123y"));
  EXPECT_TRUE(matches(R"(byte_test:2,=,255,0,string,hex;)", "ff"));
  EXPECT_TRUE(matches(R"(byte_test:1,&,0x80,0;)", std::string("\x81", 1)));
  // byte_test's byte count from a variable: n = 2 (byte 0), the 2 bytes at offset 1 are 5.
  EXPECT_TRUE(matches(R"(byte_extract:1,0,n; byte_test:n,=,5,1;)", std::string("\x02\x00\x05", 3)));
  EXPECT_FALSE(matches(R"(byte_extract:1,0,n; byte_test:n,=,5,1;)", std::string("\x09\x00\x05", 3)));
  // byte_jump with 0 bytes reads nothing: only post_offset moves (Suricata 7).
  EXPECT_TRUE(matches(R"(content:"hello"; byte_jump:0,0,relative,post_offset -5; content:"hello"; within:5;)", p));
  // Past the start: clamped to the buffer's start (Suricata, redmine 4624).
  EXPECT_TRUE(matches(R"(content:"hello"; byte_jump:0,0,relative,post_offset -10; content:"|00 05|"; distance:0; within:2;)", p));
}

TEST(MatchTest, StickyBuffersAndBsize) {
  Rule r = loaded(
      R"(http.method; content:"POST"; http.uri; content:"/a"; startswith; bsize:<10; sid:1;)",
      "alert http any any -> any any");
  InspectBuffers b;
  std::string m = "POST", u = "/a/b";
  b.set(BufferId::HttpMethod, B(m));
  EXPECT_FALSE(match_buffers(r, b));  // uri absent
  b.set(BufferId::HttpUri, B(u));
  EXPECT_TRUE(match_buffers(r, b));
  std::string longu = "/a/0123456789";
  b.set(BufferId::HttpUri, B(longu));
  EXPECT_FALSE(match_buffers(r, b));
}

TEST(MatchTest, TransformsAndBase64) {
  Rule r = loaded(R"(dns.query; dotprefix; content:".evil.com"; endswith; sid:1;)",
                  "alert dns any any -> any any");
  InspectBuffers b;
  std::string q1 = "evil.com", q2 = "notevil.com", q3 = "a.evil.com";
  b.set(BufferId::DnsQuery, B(q1));
  EXPECT_TRUE(match_buffers(r, b));
  b.set(BufferId::DnsQuery, B(q2));
  EXPECT_FALSE(match_buffers(r, b));
  b.set(BufferId::DnsQuery, B(q3));
  EXPECT_TRUE(match_buffers(r, b));
  auto uri = [&](const std::string& opts, const std::string& u) {
    Rule x = loaded("http.uri; " + opts + " sid:1;", "alert http any any -> any any");
    InspectBuffers ub;
    ub.set(BufferId::HttpUri, B(u));
    return match_buffers(x, ub);
  };
  // xor with a 2-byte key: "pw" ^ 0x0102 = "qu".
  EXPECT_TRUE(uri(R"(xor:"0102"; content:"pw"; startswith;)", "qu"));
  EXPECT_TRUE(uri(R"(pcrexform:"d=(.*)$"; content:"secret"; startswith;)", "/x?d=secret"));
  EXPECT_FALSE(uri(R"(pcrexform:"q=(.*)$"; content:"secret";)", "/x?d=secret"));
  EXPECT_TRUE(uri(R"(to_md5; content:"|0c c1 75 b9 c0 f1 b6 a8 31 c3 99 e2 69 77 26 61|";)", "a"));
  EXPECT_TRUE(uri(R"(from_base64; content:"MZ"; startswith;)", "TVqQ"));
  // "TVqQ" is base64 for "MZ\x90".
  EXPECT_TRUE(
      matches(R"(content:"b64="; base64_decode:relative; base64_data; content:"MZ"; startswith;)",
              "x b64=TVqQAAMAAAAE"));
}

// Multi-buffers (InspectBuffers::add): a list matches when one instance does; the contents of
// one list must be in the same instance, two lists may match two instances.
TEST(MatchTest, MultiBufferAnyInstance) {
  std::string a = "www.example.com", c = "mail.example.org", d = "h2";
  InspectBuffers b;
  b.add(BufferId::TlsSubjectAltName, B(a));
  b.add(BufferId::TlsSubjectAltName, B(c));
  b.add(BufferId::TlsSubjectAltName, B(c));  // the same bytes: one instance
  b.add(BufferId::TlsAlpn, B(d));
  const Bytes* first = b.get(BufferId::TlsSubjectAltName);
  ASSERT_NE(first, nullptr);
  const Bytes* second = b.next(BufferId::TlsSubjectAltName, *first);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(as_sv(*second), c);
  EXPECT_EQ(b.next(BufferId::TlsSubjectAltName, *second), nullptr);
  auto m = [&](const std::string& opts) {
    return match_buffers(loaded(opts + " sid:1;", "alert tls any any -> any any"), b);
  };
  EXPECT_TRUE(m(R"(tls.subjectaltname; content:"mail.";)"));
  EXPECT_TRUE(m(R"(tls.subjectaltname; content:".com"; endswith;)"));
  EXPECT_FALSE(m(R"(tls.subjectaltname; content:"www"; content:".org";)"));
  EXPECT_TRUE(m(R"(tls.alpn; content:"h2"; bsize:2;)"));
}

}  // namespace
}  // namespace ww::detect
