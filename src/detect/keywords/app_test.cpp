#include "detect/keywords/keywords.h"
#include "detect/keywords/test_util.h"
#include "detect/keywords/util.h"

namespace ww::detect {
namespace {
using namespace test;

TEST(AppKeywordsTest, ChecksAreKept) {
  Rule r = loaded(
      R"(app-layer-protocol:!http; app-layer-event:http.request_field_too_long; decode-event:ipv4.trunc_pkt; stream-event:3whs_synack_with_wrong_ack; stream_size:server,<,5; filesize:>1000; filemd5:!bad.md5; filestore; sid:1;)");
  ASSERT_EQ(r.app_checks.size(), 8u);
  EXPECT_TRUE(r.app_checks[0].negated);
  EXPECT_EQ(r.app_checks[1].value, "http.request_field_too_long");
  Rule d = loaded(R"(dns.opcode:4; sid:1;)", "alert dns any any -> any any");
  EXPECT_EQ(d.app_checks[0].keyword, "dns.opcode");
  Rule t = loaded(R"(tls.version:1.2; sid:1;)", "alert tls any any -> any any");
  EXPECT_EQ(t.app_checks[0].value, "1.2");
}

// filesize:[to_server,|to_client,]<comparison> (Suricata 8 names the file's direction).
TEST(AppKeywordsTest, FilesizeWithADirection) {
  Rule r = loaded(R"(filesize: to_client, >100; filesize:<5; sid:1;)");
  ASSERT_EQ(r.app_checks.size(), 2u);
  auto a = kw::parse_filesize(r.app_checks[0].value);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->dir, Direction::ToClient);
  EXPECT_TRUE(a->cmp.match(101));
  EXPECT_FALSE(a->cmp.match(100));
  auto b = kw::parse_filesize(r.app_checks[1].value);
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(b->dir.has_value());
  EXPECT_TRUE(b->cmp.match(4));
  EXPECT_EQ(kw::parse_filesize("to_server,1-3")->dir, Direction::ToServer);
  invalid(R"(filesize:to_elsewhere, >1; sid:1;)", "filesize", "invalid number");
  invalid(R"(filesize:to_client; sid:1;)", "filesize", "invalid number");
}

TEST(AppKeywordsTest, EventNames) {
  // app-layer-event: Suricata's names become the app layer's; stream-event gets "stream.".
  Rule r = loaded(
      R"(app-layer-event:tls.invalid_handshake_message; app-layer-event:applayer_no_tls_after_starttls; app-layer-event:dns.z_flag_set; stream-event:pkt_invalid_timestamp; sid:1;)");
  ASSERT_EQ(r.app_checks.size(), 4u);
  EXPECT_EQ(r.app_checks[0].value, "tls.invalid_handshake|tls.handshake_too_large");
  EXPECT_EQ(r.app_checks[1].value, "applayer.no_tls_after_starttls");
  EXPECT_EQ(r.app_checks[2].value, "dns.z_flag_set");
  EXPECT_EQ(r.app_checks[3].value, "stream.pkt_invalid_timestamp");
  EXPECT_EQ(kw::app_event_name("smb.malformed_data"), "smb.malformed");
  EXPECT_EQ(kw::app_event_name("smtp.mime_long_boundary"), "smtp.MIME_LONG_BOUNDARY");
  EXPECT_EQ(kw::app_event_name("smtp.invalid_reply"), "smtp.invalid_reply");
}

TEST(AppKeywordsTest, Base64) {
  Rule r = loaded(
      R"(content:"a"; base64_decode:bytes 150, offset 0, relative; base64_data; content:"MZ"; sid:1;)");
  ASSERT_EQ(r.buffers.size(), 2u);
  EXPECT_EQ(item<Base64Decode>(r, 0, 1).bytes, 150u);
  EXPECT_EQ(r.buffers[1].buffer, BufferId::Base64Data);
}

TEST(AppKeywordsTest, UnsupportedProtocolEvent) {
  ParseOutcome o = parse(R"(app-layer-event:modbus.invalid_length; sid:1;)");
  EXPECT_EQ(o.status, RuleStatus::Unsupported);
  EXPECT_EQ(o.diag.keyword, "protocol:modbus");
}

TEST(AppKeywordsTest, Errors) {
  invalid(R"(app-layer-protocol:gopher; sid:1;)", "app-layer-protocol", "unknown app-layer");
  invalid(R"(stream_size:middle,<,5; sid:1;)", "stream_size", "invalid side");
  invalid(R"(dns.opcode:99; sid:1;)", "dns.opcode", "invalid number");
  invalid(R"(tls.version:9.9; sid:1;)", "tls.version", "invalid TLS version");
  invalid(R"(filestore:sideways; sid:1;)", "filestore", "invalid direction");
  invalid(R"(base64_decode:bytes 0; sid:1;)", "base64_decode", "invalid bytes");
}

}  // namespace
}  // namespace ww::detect
