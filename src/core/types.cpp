#include "core/types.h"

#include <arpa/inet.h>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

namespace ww {

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
    time_t t = static_cast<time_t>(sec);
    struct tm tm {};
    gmtime_r(&t, &tm);
    int n = std::snprintf(date, sizeof date, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                          tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n <= 0 || size_t(n) >= sizeof date) return 0;
    date_len = size_t(n);
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
  if (is_v4()) {
    const char* r = inet_ntop(AF_INET, &b[12], out, sizeof out);
    return r ? std::strlen(out) : 0;
  }
  // Suricata 7's EVE text: eight groups of four lowercase hex digits, no "::" compression.
  static constexpr char kHex[] = "0123456789abcdef";
  size_t n = 0;
  for (int g = 0; g < 8; ++g) {
    if (g) out[n++] = ':';
    for (int k = 0; k < 2; ++k) {
      uint8_t v = b[size_t(g * 2 + k)];
      out[n++] = kHex[v >> 4];
      out[n++] = kHex[v & 15];
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
