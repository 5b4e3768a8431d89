// `wardwatch rules check FILE...`: validates rule files like `suricata -T`.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "detect/address.h"

namespace ww::detect {

// Prints one line per invalid or unsupported rule (file:line: sid N: keyword 'k': reason),
// then "N loaded, N unsupported, N invalid", then "unsupported keywords:" with a count per
// missing keyword. Returns 1 when a rule is invalid or a file cannot be read, else 0.
int rules_check(const std::vector<std::string>& files, const RuleVars& vars, std::ostream& out);

}  // namespace ww::detect
