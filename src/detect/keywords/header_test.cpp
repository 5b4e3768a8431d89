#include "detect/keywords/test_util.h"

namespace ww::detect {
namespace {
using namespace test;

const HeaderCheck* find(const Rule& r, HeaderField f) {
  for (const auto& h : r.header_checks)
    if (h.field == f) return &h;
  return nullptr;
}

TEST(HeaderTest, NumericKeywords) {
  Rule r =
      loaded(R"(ttl:<5; id:31337; ip_proto:!6; seq:0; ack:1; window:!0; tcp.mss:<536; sid:1;)");
  EXPECT_EQ(find(r, HeaderField::Ttl)->cmp.op, NumCmp::Op::Lt);
  EXPECT_EQ(find(r, HeaderField::IpId)->cmp.lo, 31337u);
  EXPECT_EQ(find(r, HeaderField::IpProto)->cmp.op, NumCmp::Op::Ne);
  EXPECT_EQ(find(r, HeaderField::TcpWindow)->cmp.op, NumCmp::Op::Ne);
  Rule i = loaded(R"(itype:8; icode:>0; icmp_id:0; icmp_seq:1; fragoffset:>0; sid:1;)",
                  "alert icmp any any -> any any");
  EXPECT_TRUE(find(i, HeaderField::IcmpType)->cmp.match(8));
  EXPECT_TRUE(find(i, HeaderField::IcmpCode)->cmp.match(3));
  Rule ne = loaded(R"(itype: != 0; sid:1;)", "alert icmp any any -> any any");
  EXPECT_EQ(find(ne, HeaderField::IcmpType)->cmp.op, NumCmp::Op::Ne);
  EXPECT_TRUE(find(ne, HeaderField::IcmpType)->cmp.match(8));
  EXPECT_FALSE(find(ne, HeaderField::IcmpType)->cmp.match(0));
  Rule n = loaded(R"(ip_proto:igmp; sid:1;)");
  EXPECT_EQ(find(n, HeaderField::IpProto)->cmp.lo, 2u);
  Rule g = loaded(R"(dsize:300<>400; sid:1;)");
  EXPECT_TRUE(find(g, HeaderField::Dsize)->cmp.match(350));
  EXPECT_FALSE(find(g, HeaderField::Dsize)->cmp.match(300));
}

TEST(HeaderTest, FlagsAndFragbits) {
  Rule r = loaded(R"(flags:S,12; fragbits:+M; sameip; sid:1;)");
  EXPECT_EQ(r.tcp_flags->flags, 0x02);
  EXPECT_EQ(r.tcp_flags->ignore, 0xc0);
  EXPECT_EQ(r.fragbits->mode, FragBits::Mode::Plus);
  EXPECT_TRUE(r.sameip);
  Rule p = loaded(R"(flags:SA+; sid:1;)");
  EXPECT_EQ(p.tcp_flags->mode, TcpFlags::Mode::Plus);
  EXPECT_EQ(p.tcp_flags->flags, 0x12);
}

TEST(HeaderTest, Errors) {
  invalid(R"(ttl:300; sid:1;)", "ttl", "invalid number");
  invalid(R"(ttl:1; ttl:2; sid:1;)", "ttl", "twice");
  invalid(R"(flags:SX; sid:1;)", "flags", "invalid TCP flag");
  invalid(R"(fragbits:Q; sid:1;)", "fragbits", "invalid fragbit");
  invalid(R"(ip_proto:nosuchproto; sid:1;)", "ip_proto", "unknown IP protocol");
  invalid(R"(dsize:10<>5; sid:1;)", "dsize", "reversed");
}

}  // namespace
}  // namespace ww::detect
