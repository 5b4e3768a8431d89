// Keyword parsing helpers; see util.h.
#include "detect/keywords/util.h"

namespace ww::detect::kw {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  bool in_quote = false;
  int depth = 0;  // [..] lists (threshold.config ip) are one part
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      ++i;
      continue;
    }
    if (c == '"') in_quote = !in_quote;
    if (!in_quote && c == '[') ++depth;
    if (!in_quote && c == ']' && depth > 0) --depth;
    if (c == sep && !in_quote && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trim(s.substr(start)));
  return out;
}

Result<std::string> unquote(std::string_view s, bool require_quotes) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
    s = s.substr(1, s.size() - 2);
  } else if (require_quotes) {
    return fail("value must be in double quotes");
  } else if (!s.empty() && (s.front() == '"' || s.back() == '"')) {
    return fail("unbalanced double quote");
  }
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[i + 1];
      if (n == '"' || n == '\\' || n == ';' || n == ':') {
        out.push_back(n);
        ++i;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

Result<NumCmp> parse_num_cmp(std::string_view s, uint64_t max) {
  s = trim(s);
  NumCmp c;
  auto num = [&](std::string_view t, uint64_t& v) { return parse_int(trim(t), v) && v <= max; };
  auto bad = [&] { return fail(fmt::format("invalid number or comparison '{}'", s)); };
  if (size_t r = s.find("<>"); r != std::string_view::npos) {
    bool neg = !s.empty() && s.front() == '!';
    std::string_view a = s.substr(neg ? 1 : 0, r - (neg ? 1 : 0));
    if (!num(a, c.lo) || !num(s.substr(r + 2), c.hi)) return bad();
    if (c.lo >= c.hi) return fail(fmt::format("range '{}' is empty or reversed", s));
    c.op = neg ? NumCmp::Op::NotRange : NumCmp::Op::Range;
    return c;
  }
  if (size_t d = s.find('-'); d != std::string_view::npos && d > 0) {
    bool neg = s.front() == '!';
    if (!num(s.substr(neg ? 1 : 0, d - (neg ? 1 : 0)), c.lo) || !num(s.substr(d + 1), c.hi))
      return bad();
    if (c.lo >= c.hi) return fail(fmt::format("range '{}' is empty or reversed", s));
    c.op = neg ? NumCmp::Op::NotRange : NumCmp::Op::Range;
    return c;
  }
  std::string_view rest = s;
  if (rest.substr(0, 2) == "<=") {
    c.op = NumCmp::Op::Le;
    rest.remove_prefix(2);
  } else if (rest.substr(0, 2) == ">=") {
    c.op = NumCmp::Op::Ge;
    rest.remove_prefix(2);
  } else if (rest.substr(0, 1) == "<") {
    c.op = NumCmp::Op::Lt;
    rest.remove_prefix(1);
  } else if (rest.substr(0, 1) == ">") {
    c.op = NumCmp::Op::Gt;
    rest.remove_prefix(1);
  } else if (rest.substr(0, 2) == "!=") {  // Suricata 7 accepts both "!N" and "!= N"
    c.op = NumCmp::Op::Ne;
    rest.remove_prefix(2);
  } else if (rest.substr(0, 1) == "!") {
    c.op = NumCmp::Op::Ne;
    rest.remove_prefix(1);
  } else if (rest.substr(0, 1) == "=") {
    rest.remove_prefix(1);
  }
  if (!num(rest, c.lo)) return bad();
  return c;
}

Result<Track> parse_track(std::string_view s) {
  s = trim(s);
  if (s == "by_src") return Track::BySrc;
  if (s == "by_dst") return Track::ByDst;
  if (s == "by_rule") return Track::ByRule;
  if (s == "by_both") return Track::ByBoth;
  if (s == "by_flow") return Track::ByFlow;
  return fail(fmt::format("invalid track '{}' (by_src, by_dst, by_rule, by_both, by_flow)", s));
}

Result<FileSize> parse_filesize(std::string_view s) {
  FileSize f;
  s = trim(s);
  for (auto [name, d] : {std::pair{std::string_view("to_server"), Direction::ToServer},
                         std::pair{std::string_view("to_client"), Direction::ToClient}}) {
    if (s.starts_with(name) && trim(s.substr(name.size())).starts_with(',')) {
      f.dir = d;
      s = trim(s.substr(name.size()));
      s.remove_prefix(1);
      break;
    }
  }
  auto c = parse_num_cmp(s, UINT64_MAX);
  if (!c) return Unexpected{c.error()};
  f.cmp = *c;
  return f;
}

}  // namespace ww::detect::kw
