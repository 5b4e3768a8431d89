// Size keywords: isdataat (data at an offset), bsize (sticky buffer length), dsize (packet
// payload length), urilen (HTTP URI length, normalised or raw).
#include "detect/keywords/keywords.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {

Result<void> isdataat(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  IsDataAt d;
  std::string_view n = p[0];
  if (!n.empty() && n.front() == '!') {
    d.negated = true;
    n = trim(n.substr(1));
  }
  auto v = b.int_or_var(n, 0, 65535);
  if (!v) return Unexpected{v.error()};
  d.size = *v;
  for (size_t i = 1; i < p.size(); ++i) {
    if (p[i] == "relative")
      d.relative = true;
    else if (p[i] == "rawbytes")
      d.rawbytes = true;
    else
      return fail(fmt::format("unknown option '{}'", p[i]));
  }
  b.add(std::move(d));
  return {};
}

Result<void> bsize(RuleBuilder& b, std::string_view arg) {
  if (b.sticky() == BufferId::Payload) return fail("bsize needs a sticky buffer");
  auto c = parse_num_cmp(arg, UINT32_MAX);
  if (!c) return Unexpected{c.error()};
  b.add(Bsize{*c});
  return {};
}

Result<void> dsize(RuleBuilder& b, std::string_view arg) {
  auto c = parse_num_cmp(arg, 65535);
  if (!c) return Unexpected{c.error()};
  for (const auto& h : b.rule.header_checks)
    if (h.field == HeaderField::Dsize) return fail("dsize given twice");
  b.rule.header_checks.push_back({HeaderField::Dsize, *c});
  return {};
}

Result<void> urilen(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  BufferId buf = BufferId::HttpUri;
  if (p.size() == 2) {
    if (p[1] == "raw")
      buf = BufferId::HttpUriRaw;
    else if (p[1] != "norm")
      return fail(fmt::format("unknown option '{}' (norm or raw)", p[1]));
  } else if (p.size() > 2) {
    return fail("expected 'length[,norm|raw]'");
  }
  auto c = parse_num_cmp(p[0], 65535);
  if (!c) return Unexpected{c.error()};
  b.add_to(buf, Bsize{*c});
  return {};
}

}  // namespace ww::detect::kw
