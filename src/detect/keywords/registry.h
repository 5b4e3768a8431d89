// Keyword registry: every rule option wardwatch understands, in one table (registry.cpp).
//
// A keyword is a name (plus aliases), whether it takes an argument, and a function that parses
// the argument into the Rule being built through a RuleBuilder. Sticky buffers and legacy content
// modifiers come from the buffer list (buffers.h) and need no line here. Adding a keyword is one
// file in this folder, its test, and one line in registry.cpp.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "detect/parser.h"
#include "detect/rule.h"

namespace ww::detect {

// The state of one rule while its options are parsed.
class RuleBuilder {
 public:
  RuleBuilder(Rule& r, const ParseContext& c) : rule(r), ctx(c) {}

  Rule& rule;
  const ParseContext& ctx;

  // Sticky buffer: where content/pcre/byte_* without a modifier go.
  void set_sticky(BufferId id);
  // Transactional rules: `http.connection: to_client` (set after set_sticky).
  BufferList::Dir sticky_dir = BufferList::Dir::Default;
  BufferId sticky() const { return sticky_; }
  Result<void> add_transform(Transform t);
  BufferList& current_list();
  BufferList& list_for(BufferId id);  // the untransformed list of a buffer

  // Appends to the current list and remembers it as the last item (for modifiers). Without a
  // sticky buffer, base64_decode and relative byte_*/isdataat go to the list of the last
  // content or pcre (content:"x"; http_uri; byte_test:...,relative; inspects the URI), as in
  // Suricata.
  MatchItem& add(MatchItem item);
  MatchItem& add_to(BufferId id, MatchItem item);
  Content* last_content();
  Pcre* last_pcre();
  // Legacy modifier (content:"x"; http_uri;): moves the last content into `to`.
  Result<void> move_last_content(BufferId to, std::string_view modifier);

  // "10", "-5" or a byte_extract/byte_math name.
  Result<IntOrVar> int_or_var(std::string_view arg, int64_t min, int64_t max);
  Result<int16_t> define_var(std::string_view name);

  // Marks the rule unsupported (valid syntax, not implemented); parsing goes on.
  void unsupported(std::string_view keyword, std::string why);
  bool is_unsupported() const { return !unsupported_keyword_.empty(); }
  const std::string& unsupported_keyword() const { return unsupported_keyword_; }
  const std::string& unsupported_reason() const { return unsupported_reason_; }

  int fast_patterns = 0;
  std::string_view current_keyword;  // name of the option being parsed (shared parsers)
  bool seen_sid = false;

 private:
  BufferId sticky_ = BufferId::Payload;
  bool sticky_set_ = false;  // a sticky buffer keyword was given (pkt_data included)
  int current_ = -1;  // index into rule.buffers; -1: not created yet
  bool new_instance_ = false;  // a multi-buffer named again: a list of its own
  std::vector<Transform> pending_transforms_;
  int last_list_ = -1, last_item_ = -1;  // last content or pcre
  std::string unsupported_keyword_, unsupported_reason_;
};

using KeywordFn = Result<void> (*)(RuleBuilder&, std::string_view arg);
enum class Arg : uint8_t { None, Required, Optional };

struct KeywordSpec {
  std::string_view name;
  std::string_view aliases;  // space separated
  Arg arg;
  KeywordFn parse;
};

std::span<const KeywordSpec> keyword_specs() noexcept;
const KeywordSpec* find_keyword(std::string_view name) noexcept;
// Suricata keywords that wardwatch recognises but does not implement: rules using them load as
// "unsupported" (not "invalid").
bool is_known_unimplemented(std::string_view name) noexcept;

}  // namespace ww::detect
