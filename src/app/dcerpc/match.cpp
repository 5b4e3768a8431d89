// DCE/RPC rule keyword matching (see match.h). The argument is the text the rule gave (checked
// when the rule was loaded, detect/keywords/dcerpc.cpp); it is read again here, with no
// allocation.
#include "app/dcerpc/match.h"
#include "core/hex.h"

#include <charconv>
#include <cstdio>
#include <iterator>

namespace ww::app::dcerpc {
namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Next comma-separated item of `rest` (trimmed); consumes it.
std::string_view next_item(std::string_view& rest) noexcept {
  size_t c = rest.find(',');
  std::string_view item = rest.substr(0, c);
  rest = c == std::string_view::npos ? std::string_view() : rest.substr(c + 1);
  return trim(item);
}

bool number(std::string_view s, uint64_t& v) noexcept {
  s = trim(s);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}


bool parse_uuid(std::string_view s, uint8_t (&out)[16]) noexcept {
  size_t n = 0;
  int hi = -1;
  for (char c : s) {
    if (c == '-') continue;
    int v = hex::value(c);
    if (v < 0 || n >= 16) return false;
    if (hi < 0) {
      hi = v;
    } else {
      out[n++] = uint8_t(hi << 4 | v);
      hi = -1;
    }
  }
  return n == 16 && hi < 0;
}

// "<n", ">n", "=n", "!n" (or "n") against v.
bool cmp(std::string_view s, uint64_t v) noexcept {
  s = trim(s);
  if (s.empty()) return false;
  char op = '=';
  if (s.front() == '<' || s.front() == '>' || s.front() == '=' || s.front() == '!') {
    op = s.front();
    s.remove_prefix(1);
  }
  uint64_t n;
  if (!number(s, n)) return false;
  switch (op) {
    case '<': return v < n;
    case '>': return v > n;
    case '!': return v != n;
    default: return v == n;
  }
}

}  // namespace

const char* type_name(uint8_t t) noexcept {
  static const char* const kNames[] = {  // C706 12.6.4, as Suricata names them
      "REQUEST",    "PING",     "RESPONSE", "FAULT",         "WORKING",
      "NOCALL",     "REJECT",   "ACK",      "CL_CANCEL",     "FACK",
      "CANCEL_ACK", "BIND",     "BINDACK",  "BINDNAK",       "ALTER_CONTEXT",
      "ALTER_CONTEXT_RESP",     "AUTH3",    "SHUTDOWN",      "CO_CANCEL",
      "ORPHANED",   "RTS"};
  return t < std::size(kNames) ? kNames[t] : "UNKNOWN";
}

void uuid_from_wire(const uint8_t* w, bool le, uint8_t (&out)[16]) noexcept {
  static constexpr uint8_t kLe[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  for (int i = 0; i < 16; ++i) out[i] = w[le ? kLe[i] : i];
}

void uuid_text(const uint8_t (&u)[16], char (&out)[37]) noexcept {
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
                u[15]);
}

bool iface_match(const Call& c, std::string_view arg) noexcept {
  if (!c.request) return false;
  std::string_view rest = arg;
  uint8_t want[16];
  if (!parse_uuid(next_item(rest), want)) return false;
  std::string_view version;
  bool any_frag = false;
  while (!rest.empty()) {
    std::string_view it = next_item(rest);
    if (it == "any_frag")
      any_frag = true;
    else
      version = it;
  }
  if (!any_frag && !c.first_frag) return false;
  for (uint32_t i = 0; i < c.n_bound; ++i) {
    const Iface& f = c.bound[i];
    if (!f.acked || f.result != 0 || f.ctxid != c.ctxid) continue;
    if (!any_frag && !f.first_frag) continue;
    bool same = true;
    for (int k = 0; k < 16 && same; ++k) same = f.uuid[k] == want[k];
    if (!same) continue;
    if (!version.empty() && !cmp(version, f.ver)) continue;
    return true;
  }
  return false;
}

bool opnum_match(const Call& c, std::string_view arg) noexcept {
  if (!c.request) return false;
  std::string_view rest = arg;
  while (!rest.empty()) {
    std::string_view it = next_item(rest);
    size_t dash = it.find('-');
    uint64_t lo, hi;
    if (dash != std::string_view::npos && dash > 0) {
      if (number(it.substr(0, dash), lo) && number(it.substr(dash + 1), hi) && c.opnum >= lo &&
          c.opnum <= hi)
        return true;
    } else if (cmp(it, c.opnum)) {
      return true;
    }
  }
  return false;
}

bool keyword_match(const Call& c, std::string_view keyword, std::string_view arg) noexcept {
  if (keyword == "dcerpc.iface") return iface_match(c, arg);
  if (keyword == "dcerpc.opnum") return opnum_match(c, arg);
  return false;
}

}  // namespace ww::app::dcerpc
