#include "detect/keywords/test_util.h"

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
  invalid(R"(dns.query; content:"a"; dotprefix; content:"b"; sid:1;)", "dotprefix",
          "directly follow", "alert dns any any -> any any");
  invalid(R"(to_lowercase; content:"a"; sid:1;)", "to_lowercase", "sticky buffer");
  invalid(R"(http.uri; xor:"abc"; sid:1;)", "xor", "even number", "alert http any any -> any any");
}

}  // namespace
}  // namespace ww::detect
