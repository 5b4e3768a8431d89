#include "detect/keywords/keywords.h"
#include "detect/keywords/test_util.h"

namespace ww::detect {
namespace {
using namespace test;

TEST(SmbKeywordsTest, Version) {
  Rule r = loaded("smb.version:1; sid:1;", "alert smb any any -> any any");
  ASSERT_EQ(r.app_checks.size(), 1u);
  EXPECT_EQ(r.app_checks[0].keyword, "smb.version");
  EXPECT_EQ(r.app_checks[0].value, "1");
  invalid("smb.version:3; sid:1;", "smb.version", "invalid SMB version", "alert smb any any -> any any");
}

}  // namespace
}  // namespace ww::detect
