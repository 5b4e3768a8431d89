#include "detect/keywords/content_parse.h"
#include "detect/keywords/test_util.h"
#include "detect/match.h"

namespace ww::detect {
namespace {
using namespace test;

TEST(ContentTest, HexEscapesAndNegation) {
  bool neg = false;
  auto b = kw::decode_content(R"("a|0d 0A|b\"\;\\\:")", &neg);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(*b, std::string("a\r\nb\";\\:"));
  EXPECT_FALSE(neg);
  b = kw::decode_content(R"(!"|00|")", &neg);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, std::string(1, '\0'));
  EXPECT_TRUE(neg);
}

TEST(ContentTest, DecodeErrors) {
  EXPECT_FALSE(kw::decode_content(R"("|0|")", nullptr));   // odd hex digits
  EXPECT_FALSE(kw::decode_content(R"("|0g|")", nullptr));  // bad hex
  EXPECT_FALSE(kw::decode_content(R"("|00")", nullptr));   // unterminated
  EXPECT_FALSE(kw::decode_content(R"("a\x")", nullptr));   // bad escape
  EXPECT_FALSE(kw::decode_content(R"(abc)", nullptr));     // unquoted
  EXPECT_FALSE(kw::decode_content(R"("")", nullptr));      // empty
}

TEST(ContentTest, ModifiersApplyToLastContent) {
  Rule r = loaded(
      R"(content:"GET"; depth:3; offset:0; nocase; content:"x"; distance:2; within:5; sid:1;)");
  ASSERT_EQ(r.buffers.size(), 1u);
  const auto& a = item<Content>(r, 0, 0);
  EXPECT_TRUE(a.nocase);
  EXPECT_EQ(a.depth->value, 3);
  EXPECT_EQ(a.offset->value, 0);
  const auto& b = item<Content>(r, 0, 1);
  EXPECT_EQ(b.distance->value, 2);
  EXPECT_EQ(b.within->value, 5);
  EXPECT_TRUE(b.relative());
}

TEST(ContentTest, UricontentIsContentInHttpUri) {
  Rule r = loaded(R"(uricontent:"images.gif"; nocase; sid:1;)", "alert tcp any any -> any any");
  ASSERT_EQ(r.buffers.size(), 1u);
  EXPECT_EQ(r.buffers[0].buffer, BufferId::HttpUri);
  EXPECT_EQ(item<Content>(r, 0, 0).bytes, "images.gif");
  EXPECT_TRUE(item<Content>(r, 0, 0).nocase);
}

TEST(ContentTest, TlsSubjectAndIssuerdn) {
  Rule r = loaded(R"(tls.subject:"CN=evil"; tls.issuerdn:!"CN=good"; sid:1;)",
                  "alert tls any any -> any any");
  ASSERT_EQ(r.buffers.size(), 2u);
  EXPECT_EQ(r.buffers[0].buffer, BufferId::TlsCertSubject);
  EXPECT_EQ(item<Content>(r, 0, 0).bytes, "CN=evil");
  EXPECT_EQ(r.buffers[1].buffer, BufferId::TlsCertIssuer);
  EXPECT_TRUE(item<Content>(r, 1, 0).negated);
}

TEST(ContentTest, StartsEndsWithFastPattern) {
  Rule r = loaded(
      R"(http.uri; content:"/a"; startswith; content:".php"; endswith; fast_pattern; sid:1;)");
  EXPECT_EQ(r.buffers[0].buffer, BufferId::HttpUri);
  EXPECT_TRUE(item<Content>(r, 0, 0).startswith);
  EXPECT_TRUE(item<Content>(r, 0, 1).endswith);
  EXPECT_TRUE(item<Content>(r, 0, 1).fast_pattern);
  Rule c = loaded(R"(content:"abcdef"; fast_pattern:1,3; sid:1;)");
  EXPECT_TRUE(item<Content>(c, 0, 0).fp_chop);
  Rule o = loaded(R"(content:"abcdef"; fast_pattern:only; sid:1;)");
  EXPECT_TRUE(item<Content>(o, 0, 0).fast_pattern_only);
}

TEST(ContentTest, LegacyModifierMovesContent) {
  Rule r = loaded(R"(content:"POST"; http_method; content:"/x"; http_uri; nocase; sid:1;)",
                  "alert http any any -> any any");
  ASSERT_EQ(r.buffers.size(), 2u);
  EXPECT_EQ(r.buffers[0].buffer, BufferId::HttpMethod);
  EXPECT_EQ(r.buffers[1].buffer, BufferId::HttpUri);
  EXPECT_TRUE(item<Content>(r, 1, 0).nocase);
}

TEST(ContentTest, Errors) {
  invalid(R"(nocase; sid:1;)", "nocase", "without a preceding content");
  invalid(R"(content:"abc"; depth:2; sid:1;)", "depth", "smaller than the content length");
  invalid(R"(content:"abc"; within:2; sid:1;)", "within", "smaller than the content length");
  invalid(R"(content:"a"; content:"b"; distance:1; depth:4; sid:1;)", "depth",
          "cannot be combined");
  invalid(R"(content:"a"; offset:1; startswith; sid:1;)", "startswith", "cannot be combined");
  invalid(R"(content:"a"; fast_pattern; content:"b"; fast_pattern; sid:1;)", "fast_pattern",
          "only one");
  invalid(R"(content:"abc"; fast_pattern:2,5; sid:1;)", "fast_pattern", "past the content");
  invalid(R"(content:"a"; nocase; nocase; sid:1;)", "nocase", "twice");
  invalid(R"(content:"a"; distance:x; sid:1;)", "distance", "neither a number");
  invalid(R"(http.uri; content:"a"; http_header; sid:1;)", "http_header", "already in buffer");
}

TEST(ContentTest, ByteExtractVariableAsDistance) {
  Rule r =
      loaded(R"(content:"a"; byte_extract:1,0,len,relative; content:"b"; distance:len; sid:1;)");
  EXPECT_TRUE(item<Content>(r, 0, 2).distance->is_var());
}

TEST(ContentTest, FileKeywords) {
  Rule r = loaded(R"(fileext:"exe"; filename:"evil"; filemagic:"PE32"; sid:1;)");
  ASSERT_EQ(r.buffers.size(), 2u);
  EXPECT_EQ(r.buffers[0].buffer, BufferId::FileName);
  EXPECT_EQ(item<Content>(r, 0, 0).bytes, ".exe");
  EXPECT_TRUE(item<Content>(r, 0, 0).endswith);
  EXPECT_EQ(r.buffers[1].buffer, BufferId::FileMagic);
  // Negation outside the quotes (Suricata's form) or inside.
  Rule n = loaded(R"(fileext:!"mp4"; filename:"!x.tar"; sid:1;)");
  ASSERT_EQ(n.buffers.size(), 1u);
  EXPECT_TRUE(item<Content>(n, 0, 0).negated);
  EXPECT_EQ(item<Content>(n, 0, 0).bytes, ".mp4");
  EXPECT_TRUE(item<Content>(n, 0, 1).negated);
  EXPECT_EQ(item<Content>(n, 0, 1).bytes, "x.tar");
}

TEST(ContentTest, FtpdataCommand) {
  Rule r = loaded(R"(ftpdata_command:retr; sid:1;)", "alert ftp-data any any -> any any");
  ASSERT_EQ(r.buffers.size(), 1u);
  EXPECT_EQ(r.buffers[0].buffer, BufferId::FtpDataCommand);
  const Content& c = item<Content>(r, 0, 0);
  EXPECT_EQ(c.bytes, "RETR");
  EXPECT_TRUE(c.nocase && c.startswith && c.endswith);
  InspectBuffers b;
  std::string cmd = "RETR";
  b.set(BufferId::FtpDataCommand, {reinterpret_cast<const uint8_t*>(cmd.data()), cmd.size()});
  EXPECT_TRUE(match_buffers(r, b));
  cmd = "STOR";
  b.set(BufferId::FtpDataCommand, {reinterpret_cast<const uint8_t*>(cmd.data()), cmd.size()});
  EXPECT_FALSE(match_buffers(r, b));
  invalid(R"(ftpdata_command:list; sid:1;)", "ftpdata_command", "expected 'retr' or 'stor'",
          "alert ftp-data any any -> any any");
}

}  // namespace
}  // namespace ww::detect
