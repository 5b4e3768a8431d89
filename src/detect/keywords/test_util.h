// Test helpers: parse one rule with default vars and classtypes.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "detect/parser.h"

namespace ww::detect::test {

inline ParseOutcome parse(const std::string& options,
                          const std::string& header = "alert tcp any any -> any any") {
  ParseContext ctx;
  ctx.file = "t.rules";
  ctx.line = 1;
  return parse_rule(header + " (" + options + ")", ctx);
}

// Parses and expects the rule to load; returns it.
inline Rule loaded(const std::string& options,
                   const std::string& header = "alert tcp any any -> any any") {
  ParseOutcome o = parse(options, header);
  EXPECT_EQ(o.status, RuleStatus::Loaded) << o.diag.str();
  return o.rule;
}

// Expects the rule to be invalid with `keyword` and a message containing `part`.
inline void invalid(const std::string& options, const std::string& keyword, const std::string& part,
                    const std::string& header = "alert tcp any any -> any any") {
  ParseOutcome o = parse(options, header);
  EXPECT_EQ(o.status, RuleStatus::Invalid) << options;
  EXPECT_EQ(o.diag.keyword, keyword) << o.diag.str();
  EXPECT_NE(o.diag.message.find(part), std::string::npos) << o.diag.str();
}

template <typename T>
const T& item(const Rule& r, size_t list, size_t idx) {
  return std::get<T>(r.buffers.at(list).items.at(idx));
}

}  // namespace ww::detect::test
