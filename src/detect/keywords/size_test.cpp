#include "detect/keywords/test_util.h"

namespace ww::detect {
namespace {
using namespace test;

TEST(SizeTest, IsDataAtBsizeUrilen) {
  Rule r = loaded(R"(content:"a"; isdataat:!1,relative; sid:1;)");
  const auto& d = item<IsDataAt>(r, 0, 1);
  EXPECT_TRUE(d.negated);
  EXPECT_TRUE(d.relative);
  Rule b =
      loaded(R"(http.host; content:"a.b"; bsize:<20; sid:1;)", "alert http any any -> any any");
  EXPECT_EQ(item<Bsize>(b, 0, 1).cmp.op, NumCmp::Op::Lt);
  Rule u = loaded(R"(urilen:5<>10,raw; sid:1;)", "alert http any any -> any any");
  EXPECT_EQ(u.buffers[0].buffer, BufferId::HttpUriRaw);
  EXPECT_TRUE(item<Bsize>(u, 0, 0).cmp.match(7));
}

TEST(SizeTest, Errors) {
  invalid(R"(bsize:10; sid:1;)", "bsize", "sticky buffer");
  invalid(R"(isdataat:10,sideways; sid:1;)", "isdataat", "unknown option");
  invalid(R"(urilen:5,odd; sid:1;)", "urilen", "norm or raw");
  invalid(R"(dsize:1; dsize:2; sid:1;)", "dsize", "twice");
}

}  // namespace
}  // namespace ww::detect
