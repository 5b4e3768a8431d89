// requires: see requires.h. The loader evaluates it before the other options (parser.cpp); the
// registered keyword only validates the value.
#include "detect/keywords/requires.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "detect/keywords/util.h"

namespace ww::detect::kw {
namespace {

// "8", "7.0", "8.0.3" -> {major, minor, patch} (missing parts 0).
bool parse_version(std::string_view s, uint32_t (&v)[3]) {
  v[0] = v[1] = v[2] = 0;
  int part = 0;
  for (std::string_view p : split(s, '.')) {
    if (part >= 3 || !parse_int(trim(p), v[part])) return false;
    ++part;
  }
  return part > 0;
}

int compare(const uint32_t (&a)[3], const uint32_t (&b)[3]) {
  for (int i = 0; i < 3; ++i)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

// "OP X [OP X ...]": every comparison holds.
Result<bool> version_range(std::string_view s) {
  bool met = true;
  int n = 0;
  s = trim(s);
  while (!s.empty()) {
    size_t op_len = 0;
    while (op_len < s.size() && (s[op_len] == '<' || s[op_len] == '>' || s[op_len] == '='))
      ++op_len;
    std::string_view op = s.substr(0, op_len);
    s = trim(s.substr(op_len));
    size_t end = 0;
    while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == '.'))
      ++end;
    uint32_t v[3];
    if (!parse_version(s.substr(0, end), v))
      return fail(fmt::format("requires: invalid version '{}'", s));
    s = trim(s.substr(end));
    int c = compare(kSuricataVersion, v);
    if (op == ">=") met &= c >= 0;
    else if (op == ">") met &= c > 0;
    else if (op == "<=") met &= c <= 0;
    else if (op == "<") met &= c < 0;
    else if (op == "=" || op == "==" || op.empty()) met &= c == 0;
    else return fail(fmt::format("requires: invalid operator '{}'", op));
    ++n;
  }
  if (!n) return fail("requires: version needs a comparison");
  return met;
}

}  // namespace

Result<bool> requires_met(std::string_view value) {
  bool met = true;
  for (std::string_view req : split(value, ',')) {
    req = trim(req);
    size_t sp = req.find_first_of(" \t");
    std::string_view what = req.substr(0, sp);
    std::string_view arg = sp == std::string_view::npos ? "" : trim(req.substr(sp));
    if (arg.empty()) return fail(fmt::format("requires: '{}' needs a value", what));
    if (what == "feature") {
      met = false;  // Suricata's optional features (geoip, lua, ...): none claimed
    } else if (what == "version") {
      bool any = false;
      for (std::string_view alt : split(arg, '|')) {
        auto r = version_range(alt);
        if (!r) return Unexpected{r.error()};
        any |= *r;
      }
      met &= any;
    } else {
      met = false;  // a requirement of a newer version: not met
    }
  }
  return met;
}

std::string_view find_requires(std::string_view opts) {
  // Option names start the text or follow a ';' (values end at an unescaped ';').
  size_t i = 0;
  while (i < opts.size()) {
    while (i < opts.size() && std::isspace(static_cast<unsigned char>(opts[i]))) ++i;
    size_t name = i;
    while (i < opts.size() && opts[i] != ':' && opts[i] != ';') ++i;
    bool is_req = trim(opts.substr(name, i - name)) == "requires";
    size_t vstart = i < opts.size() && opts[i] == ':' ? i + 1 : i;
    i = vstart;
    while (i < opts.size() && opts[i] != ';') i += opts[i] == '\\' ? 2 : 1;
    if (is_req) return trim(opts.substr(vstart, std::min(i, opts.size()) - vstart));
    ++i;
  }
  return {};
}

Result<void> requires_kw(RuleBuilder&, std::string_view arg) {
  auto r = requires_met(arg);
  if (!r) return Unexpected{r.error()};
  return {};
}

}  // namespace ww::detect::kw
