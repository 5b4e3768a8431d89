// Rule loading: rule files -> RuleSet (rules, per-rule problems, thresholds, prefilter).
//
// Loading never stops at a bad rule: every rule ends up loaded, unsupported (uses a keyword or
// protocol wardwatch does not implement; grouped by that keyword) or invalid (a Diagnostic with
// file, line, sid, keyword and reason). A RuleSet is built once, then shared read-only
// (shared_ptr<const RuleSet>) by all workers and replaced whole on reload.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "detect/address.h"
#include "detect/classification.h"
#include "detect/parser.h"
#include "detect/rule.h"

namespace ww::detect {

class Prefilter;

struct LoadOptions {
  std::string classification_file;  // empty: built-in classtypes
  std::string threshold_file;       // empty: none
  bool pcre_jit = true;             // JIT-compile every pcre at load (else on first use)
  bool build_prefilter = true;      // compile the Vectorscan databases
};

struct RuleProblem {
  RuleStatus status;  // Unsupported or Invalid
  Diagnostic diag;
};

// threshold.config: `threshold|event_filter gen_id G, sig_id S, type T, track K, count C,
// seconds N`, `suppress gen_id G, sig_id S[, track by_src|by_dst|by_either, ip ADDR]`,
// `rate_filter ...` (parsed, kept as is).
struct ThresholdEntry {
  enum class Kind : uint8_t { Threshold, EventFilter, Suppress, RateFilter };
  Kind kind = Kind::Threshold;
  uint32_t gid = 1, sid = 0;       // sid 0: every rule of the gid
  Threshold threshold;             // threshold / event_filter
  std::string track;               // suppress: by_src, by_dst, by_either; empty: every alert
  std::optional<AddressGroup> ip;  // suppress
  std::string rate_filter;         // rate_filter arguments, as written
  // rate_filter: past `count` matches in `seconds` (per track), the rule's action becomes
  // new_action for `timeout` seconds (Suricata's rate_filter).
  struct Rate {
    Track track = Track::ByRule;
    uint32_t count = 0, seconds = 0, timeout = 0;
    Action new_action = Action::Alert;
  };
  Rate rate;
  std::string file;
  int line = 0;
};

struct ThresholdConfig {
  std::vector<ThresholdEntry> entries;
};

// Parses threshold.config text; bad lines go to `problems`, good ones are kept.
ThresholdConfig parse_threshold_config(std::string_view text, std::string_view file,
                                       const RuleVars& vars, std::vector<Diagnostic>* problems);

struct RuleSet {
  std::vector<Rule> rules;  // loaded rules only, in file order
  std::vector<RuleProblem> problems;
  std::vector<Diagnostic> config_problems;  // classification/threshold files
  size_t loaded = 0, unsupported = 0, invalid = 0, disabled = 0;
  size_t skipped = 0;  // `requires` not met
  std::map<std::string, size_t> unsupported_by_keyword;
  ThresholdConfig thresholds;
  Classifications classifications;
  std::shared_ptr<const Prefilter> prefilter;  // null unless LoadOptions::build_prefilter
};

// Fails only when a file cannot be read or the prefilter cannot be built.
Result<RuleSet> load_rules(const std::vector<std::string>& files, const RuleVars& vars,
                           const LoadOptions& options = {});
// Same, for rule text held in memory (tests, API uploads); `name` stands for the file name.
Result<RuleSet> load_rules_from_string(std::string_view text, std::string_view name,
                                       const RuleVars& vars, const LoadOptions& options = {});

}  // namespace ww::detect
