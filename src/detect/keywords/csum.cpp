// ipv4-csum:valid|invalid: the IPv4 header checksum of the packet, computed by the rule whatever
// the decoder's checksum validation setting (Suricata's keyword; the engine checks it).
#include <fmt/format.h>

#include "detect/keywords/keywords.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {

Result<void> ipv4_csum(RuleBuilder& b, std::string_view arg) {
  arg = trim(arg);
  if (arg != "valid" && arg != "invalid")
    return fail(fmt::format("invalid value '{}' (valid or invalid)", arg));
  b.rule.app_checks.push_back({std::string(b.current_keyword), std::string(arg), false});
  return {};
}

}  // namespace ww::detect::kw
