// DCE/RPC keywords: dcerpc.iface (dce_iface) and dcerpc.opnum (dce_opnum). Both are checked
// against the transaction by its protocol (ParserSpec::check; app/dcerpc/match.h): DCE/RPC
// over TCP and over SMB named pipes. The argument is validated here and kept as written.
// (dcerpc.stub_data / dce_stub_data is a sticky buffer: detect/buffers.h.)
#include <cctype>

#include "detect/keywords/keywords.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {
namespace {

bool uuid_ok(std::string_view s) {
  // 8-4-4-4-12 hexadecimal digits.
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// "<n", ">n", "=n", "!n" or "n" with n in [0, max].
bool cmp_ok(std::string_view s, uint64_t max) {
  s = trim(s);
  if (!s.empty() && (s.front() == '<' || s.front() == '>' || s.front() == '=' || s.front() == '!'))
    s.remove_prefix(1);
  uint64_t v;
  return parse_int(s, v) && v <= max;
}

}  // namespace

Result<void> dcerpc_iface(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  if (p.empty() || !uuid_ok(p[0])) return fail(fmt::format("invalid interface UUID '{}'", arg));
  if (p.size() > 3) return fail("expected '<uuid>[,<op><version>][,any_frag]'");
  bool version = false, any_frag = false;
  for (size_t i = 1; i < p.size(); ++i) {
    if (p[i] == "any_frag" && !any_frag) {
      any_frag = true;
    } else if (!version && !any_frag && !p[i].empty() &&
               (p[i].front() == '<' || p[i].front() == '>' || p[i].front() == '=' ||
                p[i].front() == '!') &&
               cmp_ok(p[i], 65535)) {
      version = true;
    } else {
      return fail(fmt::format("invalid option '{}'", p[i]));
    }
  }
  b.rule.app_checks.push_back({"dcerpc.iface", std::string(trim(arg)), false});
  return {};
}

Result<void> dcerpc_opnum(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  if (p.empty() || trim(arg).empty()) return fail("missing operation number");
  for (std::string_view it : p) {
    size_t dash = it.find('-');
    uint64_t lo, hi;
    bool ok = dash != std::string_view::npos && dash > 0
                  ? parse_int(it.substr(0, dash), lo) && parse_int(it.substr(dash + 1), hi) &&
                        lo <= hi && hi <= 65535
                  : cmp_ok(it, 65535);
    if (!ok) return fail(fmt::format("invalid operation number '{}'", it));
  }
  b.rule.app_checks.push_back({"dcerpc.opnum", std::string(trim(arg)), false});
  return {};
}

}  // namespace ww::detect::kw
