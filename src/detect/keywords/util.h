// Small parsing helpers shared by keyword parsers.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "detect/rule.h"

namespace ww::detect::kw {

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits on `sep` outside double quotes and [..] lists, trimming each part.
std::vector<std::string_view> split(std::string_view s, char sep);

// `"text"` -> text with \" \\ \; \: unescaped; unquoted input is accepted when allowed.
Result<std::string> unquote(std::string_view s, bool require_quotes);

template <typename T>
bool parse_int(std::string_view s, T& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

// Suricata integer comparison syntax (see NumCmp).
Result<NumCmp> parse_num_cmp(std::string_view s, uint64_t max);

Result<Track> parse_track(std::string_view s);

// filesize:[to_server,|to_client,]<comparison>: the direction names the file's (Suricata 8);
// without it, the inspected direction's.
struct FileSize {
  std::optional<Direction> dir;
  NumCmp cmp;
};
Result<FileSize> parse_filesize(std::string_view s);

}  // namespace ww::detect::kw
