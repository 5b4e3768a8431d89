#include "detect/keywords/test_util.h"

namespace ww::detect {
namespace {
using namespace test;

TEST(FlowTest, Flow) {
  Rule r = loaded(R"(flow:established,to_server,only_stream; sid:1;)");
  EXPECT_TRUE(r.flow.established);
  EXPECT_TRUE(r.flow.to_server);
  EXPECT_TRUE(r.flow.only_stream);
  Rule c = loaded(R"(flow: from_server, not_established, no_frag; sid:1;)");
  EXPECT_TRUE(c.flow.to_client);
  EXPECT_TRUE(c.flow.not_established);
  EXPECT_TRUE(c.flow.no_frag);
  invalid(R"(flow:to_server,to_client; sid:1;)", "flow", "both given");
  invalid(R"(flow:sideways; sid:1;)", "flow", "unknown flow option");
  invalid(R"(flow:stateless,established; sid:1;)", "flow", "stateless");
}

TEST(FlowTest, Flowbits) {
  Rule r = loaded(R"(flowbits:set,a&b; flowbits:isset,c|d; flowbits:noalert; sid:1;)");
  ASSERT_EQ(r.flowbits.size(), 3u);
  EXPECT_EQ(r.flowbits[0].names.size(), 2u);
  EXPECT_FALSE(r.flowbits[0].any_of);
  EXPECT_TRUE(r.flowbits[1].any_of);
  EXPECT_TRUE(r.noalert);
  loaded(R"(flowbits:unset,x; flowbits:toggle,y; flowbits:isnotset,z; sid:1;)");
  invalid(R"(flowbits:frob,x; sid:1;)", "flowbits", "unknown flowbits command");
  invalid(R"(flowbits:set; sid:1;)", "flowbits", "expected");
  invalid(R"(flowbits:set,a|b; sid:1;)", "flowbits", "only work with isset");
}

TEST(FlowTest, FlowintAndXbits) {
  Rule r = loaded(
      R"(flowint:cnt,+,1; flowint:cnt,>,5; flowint:other,notset; xbits:set,bad,track ip_src,expire 60; sid:1;)");
  EXPECT_EQ(r.flowints.size(), 3u);
  ASSERT_EQ(r.xbits.size(), 1u);
  EXPECT_EQ(r.xbits[0].track, "ip_src");
  EXPECT_EQ(r.xbits[0].expire, 60u);
  invalid(R"(flowint:cnt,+; sid:1;)", "flowint", "needs a value");
  invalid(R"(flowint:cnt,%,1; sid:1;)", "flowint", "unknown flowint operator");
  invalid(R"(xbits:set,bad; sid:1;)", "xbits", "needs 'track");
  invalid(R"(xbits:set,bad,track ip_any; sid:1;)", "xbits", "invalid xbits track");
}

}  // namespace
}  // namespace ww::detect
