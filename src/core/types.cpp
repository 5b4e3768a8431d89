#include "core/types.h"

#include <arpa/inet.h>
#include <ctime>

#include <fmt/format.h>

namespace ww {

std::string format_timestamp(Timestamp ts) {
  int64_t sec = ts.usec / 1000000;
  int64_t us = ts.usec % 1000000;
  if (us < 0) {
    us += 1000000;
    sec -= 1;
  }
  time_t t = static_cast<time_t>(sec);
  struct tm tm {};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+0000", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    inet_ntop(AF_INET, &b[12], buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, b.data(), buf, sizeof buf);
  }
  return buf;
}

}  // namespace ww
