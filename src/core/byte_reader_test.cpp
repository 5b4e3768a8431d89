#include "core/byte_reader.h"

#include <gtest/gtest.h>

#include "core/result.h"
#include "core/stats.h"
#include "core/types.h"

namespace ww {
namespace {

TEST(ByteReader, ReadsBigAndLittleEndian) {
  const uint8_t buf[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  ByteReader r(buf, sizeof buf);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16be(), 0x0203);
  EXPECT_EQ(r.u16le(), 0x0504);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 2u);
}

TEST(ByteReader, FailureIsSticky) {
  const uint8_t buf[] = {0xAA, 0xBB, 0xCC};
  ByteReader r(buf, sizeof buf);
  EXPECT_EQ(r.u32be(), 0u);  // past the end
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0u);     // stays failed even though a byte is available
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(r.bytes(1).empty());
}

TEST(ByteReader, BytesAndSkip) {
  const uint8_t buf[] = {1, 2, 3, 4, 5};
  ByteReader r(buf, sizeof buf);
  r.skip(1);
  auto b = r.bytes(3);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], 2);
  EXPECT_EQ(r.peek_u8(), 5);
  r.skip(2);
  EXPECT_FALSE(r.ok());
}

TEST(Timestamp, SuricataFormat) {
  // 2024-03-01T10:00:00.000042 UTC
  EXPECT_EQ(format_timestamp(Timestamp{1709287200LL * 1000000 + 42}),
            "2024-03-01T10:00:00.000042+0000");
}

TEST(Timestamp, SameSecondReusesDateAndNewSecondChangesIt) {
  // The date part is cached per second: the microseconds must still change within a second,
  // and the next second (or an earlier one) must not reuse the cached date.
  EXPECT_EQ(format_timestamp(Timestamp{1709287200LL * 1000000 + 999999}),
            "2024-03-01T10:00:00.999999+0000");
  EXPECT_EQ(format_timestamp(Timestamp{1709287200LL * 1000000 + 7}),
            "2024-03-01T10:00:00.000007+0000");
  EXPECT_EQ(format_timestamp(Timestamp{1709287201LL * 1000000}),
            "2024-03-01T10:00:01.000000+0000");
  EXPECT_EQ(format_timestamp(Timestamp{1709287199LL * 1000000 + 500000}),
            "2024-03-01T09:59:59.500000+0000");
  // Before 1970 (certificate dates, broken capture clocks): -0.5 s is 23:59:59.500000.
  EXPECT_EQ(format_timestamp(Timestamp{-500000}), "1969-12-31T23:59:59.500000+0000");
  char buf[40];
  EXPECT_EQ(format_timestamp(Timestamp{0}, buf), 31u);
  EXPECT_STREQ(buf, "1970-01-01T00:00:00.000000+0000");
}

TEST(IpAddr, V4MappedAndText) {
  auto a = IpAddr::v4(0x0A4D000Au);
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.str(), "10.77.0.10");
  const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  auto b = IpAddr::v6(v6);
  EXPECT_FALSE(b.is_v4());
  EXPECT_EQ(b.str(), "2001:db8::1");
}

TEST(Stats, SumsAcrossBlocksAndMaxForGauges) {
  StatsRegistry reg;
  auto& a = reg.add_block("w0");
  auto& b = reg.add_block("w1");
  a.counter("decoder.pkts").inc(3);
  b.counter("decoder.pkts").inc(4);
  a.counter("flow.memuse_max", CounterKind::Max).set_max(10);
  b.counter("flow.memuse_max", CounterKind::Max).set_max(7);
  auto snap = reg.snapshot();
  EXPECT_EQ(snap["decoder.pkts"], 7u);
  EXPECT_EQ(snap["flow.memuse_max"], 10u);
}

TEST(Result, CarriesValueOrDiagnostic) {
  Result<int> ok = 5;
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 5);
  Result<int> bad = fail(Diagnostic{"bad option", "x.yaml", 3});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().str(), "x.yaml:3: bad option");
}

}  // namespace
}  // namespace ww
