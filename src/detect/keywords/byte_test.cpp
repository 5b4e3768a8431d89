#include "detect/keywords/test_util.h"

namespace ww::detect {
namespace {
using namespace test;

TEST(ByteKeywordsTest, ByteTest) {
  Rule r = loaded(R"(content:"a"; byte_test:2,!&,0x8000,0,relative,little; sid:1;)");
  const auto& t = item<ByteTest>(r, 0, 1);
  EXPECT_EQ(t.nbytes, 2);
  EXPECT_EQ(t.op, '&');
  EXPECT_TRUE(t.negated);
  EXPECT_EQ(t.value.value, 0x8000);
  EXPECT_TRUE(t.relative);
  EXPECT_EQ(t.endian, Endian::Little);
  Rule s = loaded(R"(byte_test:4,>=,1000,0,string,dec; sid:1;)");
  EXPECT_EQ(item<ByteTest>(s, 0, 0).base, NumBase::Dec);
  EXPECT_EQ(item<ByteTest>(s, 0, 0).op, 'g');
  Rule z = loaded(R"(byte_test:0,=,0,0,string,dec; sid:1;)");  // ET Open uses 0 with string
  EXPECT_EQ(item<ByteTest>(z, 0, 0).nbytes, 0);
}

TEST(ByteKeywordsTest, ByteJump) {
  Rule r = loaded(R"(byte_jump:4,12,relative,little,multiplier 2,align,post_offset -4; sid:1;)");
  const auto& j = item<ByteJump>(r, 0, 0);
  EXPECT_EQ(j.multiplier, 2u);
  EXPECT_TRUE(j.align);
  EXPECT_EQ(j.post_offset, -4);
  EXPECT_EQ(j.offset.value, 12);
}

TEST(ByteKeywordsTest, ByteExtractAndMath) {
  Rule r = loaded(
      R"(byte_extract:2,0,size,little; byte_math:bytes 1, offset 2, oper +, rvalue size, result total; byte_test:1,=,total,3; sid:1;)");
  ASSERT_EQ(r.byte_vars.size(), 2u);
  EXPECT_EQ(r.byte_vars[0], "size");
  EXPECT_EQ(item<ByteMath>(r, 0, 1).rvalue.var, 0);
  EXPECT_EQ(item<ByteTest>(r, 0, 2).value.var, 1);
}

TEST(ByteKeywordsTest, Errors) {
  invalid(R"(byte_test:9,=,1,0; sid:1;)", "byte_test", "out of range");
  invalid(R"(byte_test:2,~,1,0; sid:1;)", "byte_test", "invalid operator");
  invalid(R"(byte_test:2,=,1; sid:1;)", "byte_test", "expected");
  invalid(R"(byte_test:2,=,1,0,hex; sid:1;)", "byte_test", "need 'string'");
  invalid(R"(byte_jump:2,0,bogus; sid:1;)", "byte_jump", "unknown option");
  invalid(R"(byte_extract:2,0,1abc; sid:1;)", "byte_extract", "invalid variable name");
  invalid(R"(byte_math:bytes 1, offset 0, oper /, rvalue 0, result x; sid:1;)", "byte_math",
          "division by zero");
  invalid(R"(byte_math:bytes 1, offset 0, oper +; sid:1;)", "byte_math", "needs bytes");
  invalid(R"(byte_test:1,=,nosuchvar,0; sid:1;)", "byte_test", "neither a number");
}

}  // namespace
}  // namespace ww::detect
