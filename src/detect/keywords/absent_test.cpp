#include "detect/keywords/test_util.h"
#include "detect/match.h"

namespace ww::detect {
namespace {
using namespace test;

Bytes bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// absent: the buffer must be missing; absent: or_else: missing, or its matches hold.
TEST(AbsentTest, OnlyAndOrElse) {
  const std::string h = "alert http any any -> any any";
  Rule only = loaded(R"(http.referer; absent; sid:1;)", h);
  Rule neg = loaded(R"(http.referer; absent: or_else; content:!"example"; sid:2;)", h);
  Rule pos = loaded(R"(http.referer; absent: or_else; content:"example"; sid:3;)", h);
  Rule plain = loaded(R"(http.referer; content:!"example"; sid:4;)", h);
  InspectBuffers none, with;
  with.set(BufferId::HttpReferer, bytes("http://example.com/"));
  EXPECT_TRUE(match_buffers(only, none));
  EXPECT_FALSE(match_buffers(only, with));
  EXPECT_TRUE(match_buffers(neg, none));
  EXPECT_FALSE(match_buffers(neg, with));
  EXPECT_TRUE(match_buffers(pos, none));
  EXPECT_TRUE(match_buffers(pos, with));
  EXPECT_FALSE(match_buffers(plain, none));  // without absent a missing buffer never matches
  invalid(R"(absent; sid:5;)", "absent", "sticky buffer", h);
  invalid(R"(http.referer; content:"x"; absent; sid:6;)", "absent", "or_else", h);
  invalid(R"(http.referer; absent: maybe; sid:7;)", "absent", "invalid argument", h);
}

}  // namespace
}  // namespace ww::detect
