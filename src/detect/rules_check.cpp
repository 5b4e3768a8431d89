// rules check; see rules_check.h.
#include "detect/rules_check.h"

#include <algorithm>

#include "detect/loader.h"

namespace ww::detect {

int rules_check(const std::vector<std::string>& files, const RuleVars& vars, std::ostream& out) {
  LoadOptions opts;
  opts.pcre_jit = false;  // syntax and regex compile are checked; JIT is not needed
  auto rs = load_rules(files, vars, opts);
  if (!rs) {
    out << "error: " << rs.error().str() << "\n";
    return 1;
  }
  for (const auto& p : rs->problems)
    out << (p.status == RuleStatus::Invalid ? "invalid: " : "unsupported: ") << p.diag.str()
        << "\n";
  for (const auto& d : rs->config_problems) out << "config: " << d.str() << "\n";
  if (!rs->unsupported_by_keyword.empty()) {
    std::vector<std::pair<std::string, size_t>> v(rs->unsupported_by_keyword.begin(),
                                                  rs->unsupported_by_keyword.end());
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    out << "unsupported keywords:\n";
    for (const auto& [k, n] : v) out << fmt::format("  {}: {}\n", k, n);
  }
  // The summary is the last line (as `suricata -T` ends with its own).
  out << fmt::format("{} loaded, {} unsupported, {} invalid\n", rs->loaded, rs->unsupported,
                     rs->invalid);
  return rs->invalid > 0 ? 1 : 0;
}

}  // namespace ww::detect
