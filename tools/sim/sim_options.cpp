// CLI argument parsing; see sim_options.h.
#include "sim_options.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace ww::sim {

std::optional<Ts> parse_duration(const std::string& s) {
  if (s.empty()) return std::nullopt;
  Ts total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
    if (j == i) return std::nullopt;
    double v = std::stod(s.substr(i, j - i));
    size_t k = j;
    while (k < s.size() && std::isalpha(static_cast<unsigned char>(s[k]))) ++k;
    std::string unit = s.substr(j, k - j);
    Ts mult;
    if (unit.empty() || unit == "s") mult = kSec;
    else if (unit == "ms") mult = kMs;
    else if (unit == "m" || unit == "min") mult = kMin;
    else if (unit == "h") mult = 60 * kMin;
    else return std::nullopt;
    total += static_cast<Ts>(v * static_cast<double>(mult));
    i = k;
  }
  if (total <= 0) return std::nullopt;
  return total;
}

std::optional<uint64_t> parse_size(const std::string& s) {
  if (s.empty()) return uint64_t{0};
  size_t j = 0;
  while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
  if (j == 0) return std::nullopt;
  double v = std::stod(s.substr(0, j));
  std::string u = s.substr(j);
  for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double m;
  if (u.empty() || u == "B") m = 1;
  else if (u == "KB" || u == "K") m = 1e3;
  else if (u == "MB" || u == "M") m = 1e6;
  else if (u == "GB" || u == "G") m = 1e9;
  else if (u == "KIB") m = 1024.0;
  else if (u == "MIB") m = 1024.0 * 1024;
  else if (u == "GIB") m = 1024.0 * 1024 * 1024;
  else return std::nullopt;
  return static_cast<uint64_t>(v * m);
}

std::optional<Ts> parse_start(const std::string& s) {
  struct tm tm {};
  int y, mo, d, h, mi, sec;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  time_t t = timegm(&tm);
  if (t < 0) return std::nullopt;
  return static_cast<Ts>(t) * kSec;
}

}  // namespace ww::sim
