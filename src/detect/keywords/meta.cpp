// Meta keywords: msg, sid, rev, gid, classtype, priority, reference, metadata, target,
// noalert, config, tag (parsed, ignored), prefilter (ignored).
#include "detect/keywords/keywords.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {

Result<void> msg(RuleBuilder& b, std::string_view arg) {
  auto s = unquote(arg, false);
  if (!s) return Unexpected{s.error()};
  b.rule.msg = std::move(*s);
  return {};
}

Result<void> sid(RuleBuilder& b, std::string_view arg) {
  uint32_t v = 0;
  if (!parse_int(arg, v) || v == 0) return fail(fmt::format("invalid sid '{}'", arg));
  if (b.seen_sid) return fail("duplicate sid keyword");
  b.rule.sid = v;
  b.seen_sid = true;
  return {};
}

Result<void> rev(RuleBuilder& b, std::string_view arg) {
  if (!parse_int(arg, b.rule.rev)) return fail(fmt::format("invalid rev '{}'", arg));
  return {};
}

Result<void> gid(RuleBuilder& b, std::string_view arg) {
  if (!parse_int(arg, b.rule.gid)) return fail(fmt::format("invalid gid '{}'", arg));
  return {};
}

Result<void> classtype(RuleBuilder& b, std::string_view arg) {
  arg = trim(arg);
  const ClassType* c = b.ctx.classes->find(arg);
  if (!c) return fail(fmt::format("unknown classtype '{}'", arg));
  b.rule.classtype = c->name;
  b.rule.category = c->description;
  return {};
}

Result<void> priority(RuleBuilder& b, std::string_view arg) {
  int p = 0;
  if (!parse_int(arg, p) || p < 1 || p > 255)
    return fail(fmt::format("invalid priority '{}' (1-255)", arg));
  b.rule.priority = p;
  b.rule.explicit_priority = true;
  return {};
}

Result<void> reference(RuleBuilder& b, std::string_view arg) {
  size_t comma = arg.find(',');
  if (comma == std::string_view::npos) return fail("expected 'system,id'");
  std::string_view sys = trim(arg.substr(0, comma)), id = trim(arg.substr(comma + 1));
  if (sys.empty() || id.empty()) return fail("expected 'system,id'");
  b.rule.references.emplace_back(std::string(sys), std::string(id));
  return {};
}

Result<void> metadata(RuleBuilder& b, std::string_view arg) {
  for (std::string_view item : split(arg, ',')) {
    if (item.empty()) continue;
    size_t sp = item.find(' ');
    if (sp == std::string_view::npos) {
      b.rule.metadata.emplace_back(std::string(item), std::string());
    } else {
      b.rule.metadata.emplace_back(std::string(item.substr(0, sp)),
                                   std::string(trim(item.substr(sp + 1))));
    }
  }
  return {};
}

Result<void> target(RuleBuilder& b, std::string_view arg) {
  arg = trim(arg);
  if (arg == "src_ip") {
    b.rule.target = Rule::Target::SrcIp;
  } else if (arg == "dest_ip") {
    b.rule.target = Rule::Target::DestIp;
  } else {
    return fail(fmt::format("invalid target '{}' (src_ip or dest_ip)", arg));
  }
  return {};
}

Result<void> noalert(RuleBuilder& b, std::string_view) {
  b.rule.noalert = true;
  return {};
}

Result<void> tag(RuleBuilder& b, std::string_view arg) {
  // tag:session[,count,packets|seconds|bytes] or tag:host,count,metric,src|dst. Parsed only.
  auto parts = split(arg, ',');
  if (parts[0] != "session" && parts[0] != "host")
    return fail(fmt::format("invalid tag type '{}' (session or host)", parts[0]));
  if (parts.size() >= 2) {
    uint32_t n;
    if (!parse_int(parts[1], n)) return fail(fmt::format("invalid tag count '{}'", parts[1]));
  }
  if (parts.size() >= 3 && parts[2] != "packets" && parts[2] != "seconds" && parts[2] != "bytes")
    return fail(fmt::format("invalid tag metric '{}'", parts[2]));
  b.rule.ignored.emplace_back("tag");
  return {};
}

Result<void> ignored(RuleBuilder& b, std::string_view) { return {}; }

// config:logging disable, type tx, scope tx; (with the `config` action): the transaction the
// rule matches is not logged (its app-layer event). Other subsystems, types and scopes are not
// implemented.
Result<void> config(RuleBuilder& b, std::string_view arg) {
  if (!b.rule.config_action) return fail("config needs the 'config' action");
  auto p = split(arg, ',');
  if (p.size() != 3) return fail("expected '<subsys> <action>, type <type>, scope <scope>'");
  if (p[0] != "logging disable" || p[1] != "type tx" || p[2] != "scope tx") {
    b.unsupported("config", "only 'logging disable, type tx, scope tx' is implemented");
    return {};
  }
  b.rule.log_tx_disabled = true;
  return {};
}

}  // namespace ww::detect::kw
