#include "detect/keywords/registry.h"

#include <set>

#include "detect/keywords/test_util.h"
#include "detect/match.h"

namespace ww::detect {
namespace {
using namespace test;

TEST(RegistryTest, NamesAreUniqueAcrossKeywordsAndBuffers) {
  std::set<std::string_view> names;
  for (const auto& k : keyword_specs()) EXPECT_TRUE(names.insert(k.name).second) << k.name;
  for (const auto& b : buffer_specs()) {
    EXPECT_TRUE(names.insert(b.name).second) << b.name;
    EXPECT_EQ(find_keyword(b.name), nullptr) << b.name;
  }
}

TEST(RegistryTest, Lookup) {
  EXPECT_NE(find_keyword("content"), nullptr);
  EXPECT_EQ(find_keyword("filesha256"), find_keyword("filemd5"));  // alias
  EXPECT_EQ(find_keyword("nope"), nullptr);
  EXPECT_TRUE(is_known_unimplemented("asn1"));
  EXPECT_TRUE(is_known_unimplemented("http2.header"));
  EXPECT_FALSE(is_known_unimplemented("nope"));
}

TEST(RegistryTest, StickyBuffersAndAliases) {
  Rule r = loaded(R"(dns_query; content:"a"; sid:1;)", "alert dns any any -> any any");
  EXPECT_EQ(r.buffers[0].buffer, BufferId::DnsQuery);
  Rule h = loaded(R"(http_content_type; content:"json"; http.response_body; content:"x"; sid:1;)",
                  "alert http any any -> any any");
  EXPECT_EQ(h.buffers[0].buffer, BufferId::HttpContentType);
  EXPECT_EQ(h.buffers[1].buffer, BufferId::FileData);
  Rule c = loaded(R"(hl7.msg_type; content:"ADT^A01"; sid:1;)");
  EXPECT_EQ(c.buffers[0].buffer, BufferId::Hl7MsgType);
  EXPECT_EQ(c.proto.app, *app_proto_by_name("hl7"));
  invalid(R"(http.uri; content:"a"; sid:1;)", "http.uri", "needs protocol http",
          "alert dns any any -> any any");
  invalid(R"(http.uri:foo; sid:1;)", "http.uri", "no argument");
}

// A multi-buffer named again starts a list of its own (each may match another instance); a
// single buffer named again goes on with its list.
TEST(RegistryTest, RepeatedMultiBufferIsASeparateList) {
  Rule m = loaded(R"(file.data; content:"a"; file.data; content:"b"; content:"c"; sid:1;)",
                  "alert http any any -> any any");
  ASSERT_EQ(m.buffers.size(), 2u);
  EXPECT_EQ(m.buffers[0].items.size(), 1u);
  EXPECT_EQ(m.buffers[1].buffer, BufferId::FileData);
  EXPECT_EQ(m.buffers[1].items.size(), 2u);
  Rule s = loaded(R"(http.uri; content:"a"; http.uri; content:"b"; sid:1;)",
                  "alert http any any -> any any");
  ASSERT_EQ(s.buffers.size(), 1u);
  EXPECT_EQ(s.buffers[0].items.size(), 2u);
  EXPECT_TRUE(is_multi_buffer(BufferId::TlsCerts));
  EXPECT_FALSE(is_multi_buffer(BufferId::HttpUri));
  // Matching: each list on any instance; one list's matches on one instance.
  InspectBuffers b;
  const std::string f1 = "Titi a vu un gros minet", f2 = "toto est dans un bateau";
  auto bytes = [](const std::string& x) {
    return Bytes(reinterpret_cast<const uint8_t*>(x.data()), x.size());
  };
  b.add(BufferId::FileData, bytes(f1));
  b.add(BufferId::FileData, bytes(f2));
  Rule crossed = loaded(R"(file.data; content:"bateau"; file.data; content:"minet"; sid:1;)",
                        "alert http any any -> any any");
  Rule same = loaded(R"(file.data; content:"bateau"; content:"minet"; sid:1;)",
                     "alert http any any -> any any");
  EXPECT_TRUE(match_buffers(crossed, b));
  EXPECT_FALSE(match_buffers(same, b));
}

// Without a sticky buffer, base64_decode and relative byte_*/isdataat follow the buffer of the
// last content (moved there by a legacy modifier); with one, they stay in it.
TEST(RegistryTest, RelativeItemsFollowTheModifiedContent) {
  Rule r = loaded(
      R"(content:"arg"; http_uri; base64_decode:bytes 17, offset 1, relative; base64_data; content:"x"; sid:1;)",
      "alert http any any -> any any");
  const BufferList* uri = r.buffer(BufferId::HttpUri);
  ASSERT_NE(uri, nullptr);
  ASSERT_EQ(uri->items.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<Base64Decode>(uri->items[1]));
  EXPECT_EQ(r.buffer(BufferId::Payload), nullptr);
  Rule b = loaded(R"(content:"GET"; http_method; byte_test:1,=,32,0,relative; isdataat:1; sid:1;)",
                  "alert http any any -> any any");
  ASSERT_NE(b.buffer(BufferId::HttpMethod), nullptr);
  EXPECT_EQ(b.buffer(BufferId::HttpMethod)->items.size(), 2u);
  ASSERT_NE(b.buffer(BufferId::Payload), nullptr);  // not relative: the payload
  EXPECT_EQ(b.buffer(BufferId::Payload)->items.size(), 1u);
  Rule s = loaded(R"(content:"GET"; http_method; pkt_data; byte_test:1,=,32,0,relative; sid:1;)",
                  "alert http any any -> any any");
  ASSERT_NE(s.buffer(BufferId::Payload), nullptr);
  EXPECT_EQ(s.buffer(BufferId::Payload)->items.size(), 1u);
}

}  // namespace
}  // namespace ww::detect
