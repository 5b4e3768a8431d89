// requires (Suricata 8): a rule states what it needs ("version >= 8", "feature geoip"); a rule
// whose requirements are not met is skipped at load, not an error, and its other options are
// not looked at (they may be keywords of a newer version).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"
#include "detect/keywords/keywords.h"

namespace ww::detect::kw {

// The Suricata version whose rule language wardwatch implements (requires: version ...).
inline constexpr uint32_t kSuricataVersion[3] = {8, 0, 7};

// Evaluates a requires value: comma-separated requirements, each `feature NAME` (wardwatch
// claims none of Suricata's optional build features) or `version OP X[.Y[.Z]] [OP X ...]`
// with alternatives separated by `|`. false: not met; an error: not a requirement list.
Result<bool> requires_met(std::string_view value);

// The `requires:` value among a rule's options (empty when absent).
std::string_view find_requires(std::string_view options);

// The keyword itself (registry): validates the value.
Result<void> requires_kw(RuleBuilder& b, std::string_view arg);

}  // namespace ww::detect::kw
