#include "core/types.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <random>
#include <string>

namespace ww {
namespace {

std::string libc_timestamp(int64_t usec) {
  int64_t sec = usec / 1000000, us = usec % 1000000;
  if (us < 0) {
    us += 1000000;
    sec -= 1;
  }
  time_t t = static_cast<time_t>(sec);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+0000", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)us);
  return buf;
}

TEST(Types, TimestampMatchesGmtime) {
  std::vector<int64_t> secs = {0,         59,        86399,        86400,        951782400,
                               951868799, 951868800, 1709287200,   4107542399,   4107542400,
                               -1,        -86401,    253402300799, 253402300800, 253402300801};
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) secs.push_back(int64_t(rng() % 253402300800ull));
  for (int64_t s : secs) {
    for (int64_t us : {int64_t(0), int64_t(5), int64_t(999999)}) {
      int64_t usec = s * 1000000 + us;
      EXPECT_EQ(format_timestamp(Timestamp{usec}), libc_timestamp(usec)) << usec;
    }
  }
  // The per-second cache: the same second twice, then another and back.
  EXPECT_EQ(format_timestamp(Timestamp{1709287200000001}), "2024-03-01T10:00:00.000001+0000");
  EXPECT_EQ(format_timestamp(Timestamp{1709287200000002}), "2024-03-01T10:00:00.000002+0000");
  EXPECT_EQ(format_timestamp(Timestamp{0}), "1970-01-01T00:00:00.000000+0000");
  EXPECT_EQ(format_timestamp(Timestamp{1709287200000003}), "2024-03-01T10:00:00.000003+0000");
}

TEST(Types, Ipv4FormatMatchesInetNtop) {
  std::vector<uint32_t> addrs = {0,          0xffffffff, 0x0a000001, 0x7f000001,
                                 0x01020304, 0x64646464, 0x09630a63, 0xc0a80001};
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) addrs.push_back(rng());
  for (uint32_t a : addrs) {
    IpAddr ip = IpAddr::v4(a);
    char buf[48];
    size_t n = ip.format(buf);
    char ref[INET_ADDRSTRLEN];
    uint8_t raw[4] = {uint8_t(a >> 24), uint8_t(a >> 16), uint8_t(a >> 8), uint8_t(a)};
    ASSERT_NE(inet_ntop(AF_INET, raw, ref, sizeof ref), nullptr);
    EXPECT_EQ(std::string(buf, n), std::string(ref));
    EXPECT_EQ(buf[n], '\0');
  }
}

}  // namespace
}  // namespace ww
