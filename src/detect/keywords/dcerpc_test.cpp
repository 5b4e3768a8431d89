#include "detect/keywords/keywords.h"
#include "detect/keywords/test_util.h"

namespace ww::detect {
namespace {
using namespace test;

TEST(DcerpcKeywordsTest, KeptAsChecks) {
  Rule r = loaded(
      R"(dce_iface:367abb81-9844-35f1-ad32-98f038001003,>1,any_frag; dcerpc.opnum:12,15-17,>40; sid:1;)");
  ASSERT_EQ(r.app_checks.size(), 2u);
  EXPECT_EQ(r.app_checks[0].keyword, "dcerpc.iface");  // canonical name for the alias
  EXPECT_EQ(r.app_checks[0].value, "367abb81-9844-35f1-ad32-98f038001003,>1,any_frag");
  EXPECT_EQ(r.app_checks[1].keyword, "dcerpc.opnum");
  Rule s = loaded(R"(dce_stub_data; content:"|5c 00|"; sid:1;)", "alert dcerpc any any -> any any");
  ASSERT_EQ(s.buffers.size(), 1u);
  EXPECT_EQ(s.buffers[0].buffer, BufferId::DceStubData);
}

TEST(DcerpcKeywordsTest, Invalid) {
  invalid("dcerpc.iface:367abb81-9844-35f1-ad32; sid:1;", "dcerpc.iface", "invalid interface");
  invalid("dcerpc.iface:367abb81-9844-35f1-ad32-98f038001003,~1; sid:1;", "dcerpc.iface",
          "invalid option");
  invalid("dcerpc.opnum:4-2; sid:1;", "dcerpc.opnum", "invalid operation number");
  invalid("dcerpc.opnum:70000; sid:1;", "dcerpc.opnum", "invalid operation number");
}

}  // namespace
}  // namespace ww::detect
