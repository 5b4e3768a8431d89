#include <zlib.h>

#include "detect/keywords/test_util.h"
#include "detect/match.h"

namespace ww::detect {
namespace {
using namespace test;

TEST(TransformTest, FollowsStickyBuffer) {
  Rule r = loaded(R"(dns.query; dotprefix; content:".evil.com"; endswith; sid:1;)",
                  "alert dns any any -> any any");
  ASSERT_EQ(r.buffers.size(), 1u);
  ASSERT_EQ(r.buffers[0].transforms.size(), 1u);
  EXPECT_EQ(r.buffers[0].transforms[0].name, "dotprefix");
  Rule x =
      loaded(R"(http.uri; xor:"0d0ac8ff"; content:"x"; sid:1;)", "alert http any any -> any any");
  EXPECT_EQ(x.buffers[0].transforms[0].arg, "0d0ac8ff");
}

TEST(TransformTest, Errors) {
  invalid(R"(http.uri; from_base64: offset x; sid:1;)", "from_base64", "bad offset",
          "alert http any any -> any any");
  invalid(R"(http.uri; from_base64: mode loose; sid:1;)", "from_base64", "unknown mode",
          "alert http any any -> any any");
  invalid(R"(http.uri; gunzip: level 3; sid:1;)", "gunzip", "unknown option",
          "alert http any any -> any any");
  invalid(R"(http.uri; dotprefix: 3; sid:1;)", "dotprefix", "no argument",
          "alert http any any -> any any");
  invalid(R"(to_lowercase; content:"a"; sid:1;)", "to_lowercase", "sticky buffer");
  invalid(R"(http.uri; xor:"abc"; sid:1;)", "xor", "even number", "alert http any any -> any any");
}

// True when the rule (options on http.uri) matches the URI `u`.
bool uri_matches(const std::string& opts, const std::string& u) {
  Rule r = loaded("http.uri; " + opts + " sid:1;", "alert http any any -> any any");
  InspectBuffers b;
  b.set(BufferId::HttpUri, Bytes(reinterpret_cast<const uint8_t*>(u.data()), u.size()));
  return match_buffers(r, b);
}

// Suricata 8: a match before a transform inspects the buffer as it was; the transform starts
// a new list for the matches after it.
TEST(TransformTest, AfterMatches) {
  Rule r = loaded(R"(http.uri; content:"/?a="; from_base64: offset 4; content:"hi"; sid:1;)",
                  "alert http any any -> any any");
  ASSERT_EQ(r.buffers.size(), 2u);
  EXPECT_TRUE(r.buffers[0].transforms.empty());
  ASSERT_EQ(r.buffers[1].transforms.size(), 1u);
  EXPECT_EQ(r.buffers[1].transforms[0].offset, 4u);
  EXPECT_TRUE(uri_matches(R"(content:"/?a="; from_base64: offset 4; content:"hi";)", "/?a=aGk="));
  EXPECT_FALSE(uri_matches(R"(content:"/?b="; from_base64: offset 4; content:"hi";)", "/?a=aGk="));
}

TEST(TransformTest, FromBase64Options) {
  // "dGhpc2lzYXRlc3QK" is "thisisatest\n".
  const std::string u = "/?arg=dGhpc2lzYXRlc3QK";
  EXPECT_TRUE(uri_matches(R"(from_base64: offset 6; content:"thisisatest"; startswith;)", u));
  EXPECT_TRUE(uri_matches(R"(from_base64: offset 10; content:"sisatest"; startswith;)", u));
  // 6 characters: "dGhp" + the partial "c2" decode to "this".
  EXPECT_TRUE(uri_matches(R"(from_base64: bytes 6, offset 6; content:"this"; endswith;)", u));
  EXPECT_TRUE(uri_matches(R"(from_base64: offset 6, mode rfc2045; content:"thisisatest";)", u));
  EXPECT_TRUE(uri_matches(R"(from_base64: offset 6, mode strict; content:"thisisatest";)", u));
  EXPECT_FALSE(uri_matches(R"(from_base64: offset 200; content:"t";)", u));
  // A byte outside the alphabet: rfc4648 stops there, rfc2045 skips it, strict decodes nothing.
  const std::string bad = "dGhp*c2lz";
  EXPECT_TRUE(uri_matches(R"(from_base64; content:"thi"; endswith;)", bad));
  EXPECT_TRUE(uri_matches(R"(from_base64: mode rfc2045; content:"thisis"; endswith;)", bad));
  EXPECT_FALSE(uri_matches(R"(from_base64: mode strict; content:"thi";)", bad));
}

// `text` compressed with gzip or zlib framing.
std::string compress(const std::string& text, bool gzip) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzip ? 16 + MAX_WBITS : MAX_WBITS, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(256, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = uInt(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  deflate(&z, Z_FINISH);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

TEST(TransformTest, GunzipAndZlibDeflate) {
  const std::string text = "This is compressed\n";
  const std::string gz = compress(text, true), zl = compress(text, false);
  EXPECT_TRUE(
      uri_matches(R"(gunzip; content:"This is compressed|0a|"; startswith; endswith;)", gz));
  EXPECT_FALSE(uri_matches(R"(gunzip; content:"This";)", zl));  // not gzip framing
  EXPECT_TRUE(uri_matches(R"(zlib_deflate; content:"compressed|0a|"; endswith;)", zl));
  EXPECT_TRUE(uri_matches(R"(gunzip: max-size 8; content:"This is "; startswith; endswith;)", gz));
  EXPECT_FALSE(uri_matches(R"(zlib_deflate: max-size 8; content:"This is c";)", zl));
  // Cut input: what inflated is kept.
  EXPECT_FALSE(uri_matches(R"(gunzip; content:"x";)", gz.substr(0, 5)));
}

}  // namespace
}  // namespace ww::detect
