#include "core/types.h"
#include "core/hex.h"

#include <arpa/inet.h>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

namespace ww {

namespace {

constexpr int64_t kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z

void put2(char* p, unsigned v) noexcept {
  p[0] = char('0' + v / 10);
  p[1] = char('0' + v % 10);
}

// "YYYY-MM-DDTHH:MM:SS." of 0 <= sec < kYear10000 (UTC, proleptic Gregorian calendar, as
// gmtime_r): the civil date of a day count, by 400-year eras starting on March 1st.
size_t format_date(int64_t sec, char* out) noexcept {
  int64_t days = sec / 86400;
  auto tod = unsigned(sec % 86400);
  int64_t z = days + 719468;  // days since 0000-03-01
  int64_t era = z / 146097;
  auto doe = unsigned(z - era * 146097);                                 // [0, 146096]
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  unsigned mp = (5 * doy + 2) / 153;                                     // March = 0
  unsigned day = doy - (153 * mp + 2) / 5 + 1;
  unsigned month = mp < 10 ? mp + 3 : mp - 9;
  auto year = unsigned(yoe + era * 400 + (month <= 2));
  put2(out, year / 100);
  put2(out + 2, year % 100);
  out[4] = '-';
  put2(out + 5, month);
  out[7] = '-';
  put2(out + 8, day);
  out[10] = 'T';
  put2(out + 11, tod / 3600);
  out[13] = ':';
  put2(out + 14, tod / 60 % 60);
  out[16] = ':';
  put2(out + 17, tod % 60);
  out[19] = '.';
  return 20;
}

}  // namespace

size_t format_timestamp(Timestamp ts, char (&out)[40]) noexcept {
  int64_t sec = ts.usec / 1000000;
  int64_t us = ts.usec % 1000000;
  if (us < 0) {
    us += 1000000;
    sec -= 1;
  }
  // Events come in bursts within one second: the date and time part is formatted once per
  // second and thread (gmtime_r + snprintf were ~3% of the default pipeline's CPU).
  thread_local int64_t last_sec = INT64_MIN;
  thread_local char date[24];
  thread_local size_t date_len = 0;
  if (sec != last_sec) {
    if (sec >= 0 && sec < kYear10000) {
      date_len = format_date(sec, date);  // flow events jump between seconds: no libc
    } else {
      time_t t = static_cast<time_t>(sec);
      struct tm tm {};
      gmtime_r(&t, &tm);
      int n = std::snprintf(date, sizeof date, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      if (n <= 0 || size_t(n) >= sizeof date) return 0;
      date_len = size_t(n);
    }
    last_sec = sec;
  }
  std::memcpy(out, date, date_len);
  char* p = out + date_len;
  for (int i = 5; i >= 0; --i) {
    p[i] = char('0' + us % 10);
    us /= 10;
  }
  std::memcpy(p + 6, "+0000", 6);  // with the terminating NUL
  return date_len + 11;
}

std::string format_timestamp(Timestamp ts) {
  char buf[40];
  return std::string(buf, format_timestamp(ts, buf));
}

size_t IpAddr::format(char (&out)[48]) const noexcept {
  if (is_v4()) {  // dotted quad, as inet_ntop writes it
    size_t n = 0;
    for (int i = 12; i < 16; ++i) {
      unsigned v = b[size_t(i)];
      if (i > 12) out[n++] = '.';
      if (v >= 100) out[n++] = char('0' + v / 100);
      if (v >= 10) out[n++] = char('0' + v / 10 % 10);
      out[n++] = char('0' + v % 10);
    }
    out[n] = '\0';
    return n;
  }
  // Suricata 7's EVE text: eight groups of four lowercase hex digits, no "::" compression.
  size_t n = 0;
  for (int g = 0; g < 8; ++g) {
    if (g) out[n++] = ':';
    for (int k = 0; k < 2; ++k) {
      hex::byte(b[size_t(g * 2 + k)], out + n);
      n += 2;
    }
  }
  out[n] = '\0';
  return n;
}

std::string IpAddr::str() const {
  char buf[48];
  const char* r = is_v4() ? inet_ntop(AF_INET, &b[12], buf, sizeof buf)
                          : inet_ntop(AF_INET6, b.data(), buf, sizeof buf);
  return r ? std::string(buf) : std::string();
}

}  // namespace ww
