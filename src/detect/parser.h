// Rule text -> Rule. One rule at a time; the loader (loader.h) handles files.
#pragma once

#include <string_view>

#include "core/result.h"
#include "detect/address.h"
#include "detect/classification.h"
#include "detect/rule.h"

namespace ww::detect {

struct ParseContext {
  const RuleVars* vars = nullptr;            // null: Suricata defaults
  const Classifications* classes = nullptr;  // null: built-in list
  std::string_view file;
  int line = 0;
  bool pcre_jit = true;  // JIT-compile pcre at load (else on first use)
};

// loaded: the rule is fully understood. unsupported: valid Suricata but uses something wardwatch
// does not implement (diag.keyword names it). invalid: syntax or semantic error (diag says where).
// skipped: its `requires` is not met (Suricata 8: left out, not an error).
enum class RuleStatus : uint8_t { Loaded, Unsupported, Invalid, Skipped };

struct ParseOutcome {
  RuleStatus status = RuleStatus::Invalid;
  Rule rule;
  Diagnostic diag;
};

ParseOutcome parse_rule(std::string_view text, const ParseContext& ctx);

}  // namespace ww::detect
