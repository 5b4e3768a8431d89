// absent (Suricata 8): `http.referer; absent;` matches when the transaction has no such buffer;
// `absent: or_else;` when it has none, or when the buffer's matches that follow hold.
#include <fmt/format.h>

#include "detect/keywords/keywords.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {

Result<void> absent(RuleBuilder& b, std::string_view arg) {
  arg = trim(arg);
  if (!arg.empty() && arg != "or_else")
    return fail(fmt::format("invalid argument '{}' (none or or_else)", arg));
  if (b.sticky() == BufferId::Payload) return fail("needs a sticky buffer before it");
  BufferList& l = b.current_list();
  const bool or_else = arg == "or_else";
  if (!or_else && !l.items.empty()) return fail("cannot follow matches on the buffer (or_else?)");
  l.absent = or_else ? BufferList::Absent::OrElse : BufferList::Absent::Only;
  return {};
}

}  // namespace ww::detect::kw
