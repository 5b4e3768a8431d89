// Rule parser: header, then options through the keyword registry.
//
// `action proto src sport dir dst dport (name:value; name; ...)`. Option values end at the first
// `;` that is not escaped (`\;`). Errors carry the keyword; the
// loader adds file, line and sid.
#include "detect/parser.h"

#include "app/hl7/field_path.h"

#include <exception>

#include "detect/keywords/registry.h"
#include "detect/keywords/requires.h"
#include "detect/keywords/util.h"

namespace ww::detect {
namespace {

using kw::trim;

std::optional<Action> parse_action(std::string_view w) {
  if (w == "alert") return Action::Alert;
  if (w == "pass") return Action::Pass;
  if (w == "drop") return Action::Drop;
  if (w == "reject") return Action::Reject;
  if (w == "rejectsrc") return Action::RejectSrc;
  if (w == "rejectdst") return Action::RejectDst;
  if (w == "rejectboth") return Action::RejectBoth;
  return std::nullopt;
}

// Splits the header on whitespace outside brackets.
std::vector<std::string_view> header_tokens(std::string_view h) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < h.size()) {
    while (i < h.size() && std::isspace(static_cast<unsigned char>(h[i]))) ++i;
    if (i >= h.size()) break;
    size_t start = i;
    int depth = 0;
    while (i < h.size() && (depth > 0 || !std::isspace(static_cast<unsigned char>(h[i])))) {
      if (h[i] == '[') ++depth;
      if (h[i] == ']') --depth;
      ++i;
    }
    out.push_back(h.substr(start, i - start));
  }
  return out;
}

bool buffer_fits_proto(const BufferSpec& spec, const RuleProto& p) {
  if (spec.proto.empty() || p.app == kAppNone) return true;
  std::string_view app = app_proto(p.app)->name;
  if (app == spec.proto) return true;
  if (spec.proto == "http" && (app == "http1" || app == "http2" || app == "fhir")) return true;
  return false;
}

struct Parser {
  ParseOutcome out;
  const ParseContext& ctx;

  explicit Parser(const ParseContext& c) : ctx(c) {}

  ParseOutcome& invalid(std::string msg, std::string_view keyword = {}) {
    out.status = RuleStatus::Invalid;
    out.diag.message = std::move(msg);
    out.diag.keyword = std::string(keyword);
    return out;
  }

  ParseOutcome& run(std::string_view text) {
    Rule& r = out.rule;
    r.file = std::string(ctx.file);
    r.line = ctx.line;
    out.diag.file = r.file;
    out.diag.line = r.line;
    text = trim(text);
    r.text = std::string(text);
    size_t open = text.find('(');
    if (open == std::string_view::npos) return invalid("missing '(' before the rule options");
    if (text.back() != ')') return invalid("rule options must end with ')'");
    // Find the sid early so that header errors name it too.
    std::string_view opts = text.substr(open + 1, text.size() - open - 2);
    peek_sid(opts);
    // requires first: a rule for a newer version may hold options this one does not know.
    if (std::string_view req = kw::find_requires(opts); !req.empty()) {
      auto met = kw::requires_met(req);
      if (!met) return invalid(met.error().message, "requires");
      if (!*met) {
        out.status = RuleStatus::Skipped;
        out.diag.keyword = "requires";
        out.diag.message = fmt::format("requirements not met: {}", req);
        return out;
      }
    }

    auto h = header_tokens(text.substr(0, open));
    if (h.size() != 7)
      return invalid(
          fmt::format("header has {} fields, expected 7 (action proto src sport dir "
                      "dst dport)",
                      h.size()));
    auto action = parse_action(h[0]);
    if (h[0] == "config") {  // applies its config keyword, never alerts
      action = Action::Alert;
      r.config_action = r.noalert = true;
    }
    if (!action) return invalid(fmt::format("unknown action '{}'", h[0]));
    r.action = *action;
    auto proto = parse_rule_proto(h[1]);
    if (!proto) return invalid(fmt::format("unknown protocol '{}'", h[1]));
    r.proto = std::move(*proto);
    const RuleVars& vars = *ctx.vars;
    auto src = parse_address_group(h[2], vars);
    if (!src) return invalid("source address: " + src.error().message);
    auto sport = parse_port_group(h[3], vars);
    if (!sport) return invalid("source port: " + sport.error().message);
    if (h[4] == "<>") {
      r.bidirectional = true;
    } else if (h[4] == "=>") {
      r.transactional = true;  // Suricata 8: both directions of one transaction
    } else if (h[4] != "->") {
      return invalid(fmt::format("direction must be '->', '<>' or '=>', not '{}'", h[4]));
    }
    auto dst = parse_address_group(h[5], vars);
    if (!dst) return invalid("destination address: " + dst.error().message);
    auto dport = parse_port_group(h[6], vars);
    if (!dport) return invalid("destination port: " + dport.error().message);
    r.src = std::move(*src);
    r.sport = std::move(*sport);
    r.dst = std::move(*dst);
    r.dport = std::move(*dport);

    RuleBuilder b(r, ctx);
    if (!parse_options(opts, b)) return out;
    return finish(b);
  }

  void peek_sid(std::string_view opts) {
    size_t p = 0;
    while ((p = opts.find("sid", p)) != std::string_view::npos) {
      bool boundary = p == 0 || opts[p - 1] == ';' || opts[p - 1] == ' ' || opts[p - 1] == '(';
      size_t q = p + 3;
      while (q < opts.size() && opts[q] == ' ') ++q;
      if (boundary && q < opts.size() && opts[q] == ':') {
        size_t e = opts.find(';', q);
        uint32_t sid = 0;
        if (kw::parse_int(opts.substr(q + 1, e == std::string_view::npos ? e : e - q - 1), sid))
          out.diag.sid = sid;
        return;
      }
      p = q;
    }
  }

  bool parse_options(std::string_view s, RuleBuilder& b) {
    size_t i = 0;
    while (true) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (i >= s.size()) break;
      size_t name_start = i;
      while (i < s.size() && s[i] != ':' && s[i] != ';') ++i;
      std::string_view name = trim(s.substr(name_start, i - name_start));
      std::string_view value;
      bool has_value = false;
      if (i < s.size() && s[i] == ':') {
        has_value = true;
        size_t vstart = ++i;
        // As in Suricata, only an escaped ';' continues the value; quotes do not protect it
        // (pcre:"/["']x/" has an odd number of quotes).
        while (i < s.size()) {
          if (s[i] == '\\' && i + 1 < s.size()) {
            i += 2;
            continue;
          }
          if (s[i] == ';') break;
          ++i;
        }
        value = trim(s.substr(vstart, i - vstart));
      }
      if (i >= s.size()) {
        invalid("option not terminated by ';'", name);
        return false;
      }
      ++i;  // ';'
      if (name.empty()) {
        invalid("empty option");
        return false;
      }
      if (!apply(b, name, value, has_value)) return false;
    }
    return true;
  }

  bool apply(RuleBuilder& b, std::string_view name, std::string_view value, bool has_value) {
    if (const KeywordSpec* k = find_keyword(name)) {
      if (k->arg == Arg::Required && (!has_value || value.empty())) {
        invalid("requires an argument", name);
        return false;
      }
      if (k->arg == Arg::None && has_value) {
        invalid("takes no argument", name);
        return false;
      }
      b.current_keyword = name;
      Result<void> r = k->parse(b, value);
      if (!r) {
        invalid(r.error().message, name);
        return false;
      }
      return true;
    }
    if (auto id = buffer_by_sticky_name(name)) {
      // hl7.field:PID.5 selects a field by path (app/hl7/field_path.h): the raw message buffer
      // with a path transform, so nothing else in the engine knows about HL7.
      if (has_value && *id == BufferId::Hl7Field) {
        app::hl7::FieldPath fp;
        if (!app::hl7::parse_field_path(value, fp)) {
          invalid("hl7.field path must be SEG.F[.C[.S]] such as PID.5 or MSH.9.1", name);
          return false;
        }
        if (!buffer_fits_proto(buffer_spec(*id), out.rule.proto)) {
          invalid(fmt::format("buffer needs protocol hl7 but the rule is for {}", out.rule.proto.name),
                  name);
          return false;
        }
        b.set_sticky(*id);
        if (auto r = b.add_transform(Transform{"hl7_path", std::string(value)}); !r) {
          invalid(r.error().message, name);
          return false;
        }
        return true;
      }
      // A transactional rule (=>) names the direction of a buffer both directions have.
      const bool dir_arg = has_value && out.rule.transactional &&
                           (value == "to_client" || value == "to_server");
      if (has_value && !dir_arg) {
        invalid(out.rule.transactional ? "sticky buffer takes to_client or to_server"
                                       : "sticky buffer takes no argument",
                name);
        return false;
      }
      const BufferSpec& spec = buffer_spec(*id);
      if (!buffer_fits_proto(spec, out.rule.proto)) {
        invalid(fmt::format("buffer needs protocol {} but the rule is for {}", spec.proto,
                            out.rule.proto.name),
                name);
        return false;
      }
      b.set_sticky(*id);
      if (dir_arg)
        b.sticky_dir = value == "to_client" ? BufferList::Dir::ToClient : BufferList::Dir::ToServer;
      return true;
    }
    if (auto id = buffer_by_modifier(name)) {
      if (has_value) {
        invalid("content modifier takes no argument", name);
        return false;
      }
      const BufferSpec& spec = buffer_spec(*id);
      if (!buffer_fits_proto(spec, out.rule.proto)) {
        invalid(fmt::format("modifier needs protocol {} but the rule is for {}", spec.proto,
                            out.rule.proto.name),
                name);
        return false;
      }
      if (auto r = b.move_last_content(*id, name); !r) {
        invalid(r.error().message, name);
        return false;
      }
      return true;
    }
    if (is_known_unimplemented(name)) {
      b.unsupported(name, "keyword not implemented");
      return true;
    }
    invalid("unknown keyword", name);
    return false;
  }

  ParseOutcome& finish(RuleBuilder& b) {
    Rule& r = out.rule;
    if (!b.seen_sid) return invalid("rule has no sid", "sid");
    out.diag.sid = r.sid;
    if (b.fast_patterns > 1)
      return invalid("only one content may be the fast_pattern", "fast_pattern");
    std::erase_if(r.buffers, [](const BufferList& l) {
      return l.items.empty() && l.absent == BufferList::Absent::No;  // absent: a check itself
    });
    if (!r.classtype.empty() && !r.explicit_priority) {
      const Classifications& cl = *ctx.classes;
      if (const ClassType* c = cl.find(r.classtype)) r.priority = c->priority;
    }
    // Buffers imply the app-layer protocol of tcp/udp/ip rules (alert tcp ... http.uri).
    for (const auto& l : r.buffers) {
      const BufferSpec& spec = buffer_spec(l.buffer);
      if (!buffer_fits_proto(spec, r.proto))
        return invalid(fmt::format("buffer {} needs protocol {} but the rule is for {}", spec.name,
                                   spec.proto, r.proto.name),
                       spec.name);
      if (r.proto.app == kAppNone && !spec.proto.empty())
        r.proto.app = *app_proto_by_name(spec.proto);
    }
    if (const AppProtoSpec* app = app_proto(r.proto.app); app && !app->supported)
      b.unsupported(fmt::format("protocol:{}", app->name),
                    fmt::format("app-layer protocol '{}' is not parsed by wardwatch", app->name));
    if (b.is_unsupported()) {
      out.status = RuleStatus::Unsupported;
      out.diag.keyword = b.unsupported_keyword();
      out.diag.message = b.unsupported_reason();
      return out;
    }
    out.status = RuleStatus::Loaded;
    return out;
  }
};

}  // namespace

std::string_view action_name(Action a) noexcept {
  switch (a) {
    case Action::Alert:
      return "alert";
    case Action::Pass:
      return "pass";
    case Action::Drop:
      return "drop";
    case Action::Reject:
      return "reject";
    case Action::RejectSrc:
      return "rejectsrc";
    case Action::RejectDst:
      return "rejectdst";
    case Action::RejectBoth:
      return "rejectboth";
  }
  return "alert";
}

ParseOutcome parse_rule(std::string_view text, const ParseContext& ctx_in) {
  static const RuleVars kDefaultVars = RuleVars::suricata_defaults();
  static const Classifications kDefaultClasses = Classifications::defaults();
  ParseContext ctx = ctx_in;
  if (!ctx.vars) ctx.vars = &kDefaultVars;
  if (!ctx.classes) ctx.classes = &kDefaultClasses;
  Parser p(ctx);
  try {
    p.run(text);
  } catch (const std::exception& e) {  // library exceptions stop at the loader boundary
    p.invalid(fmt::format("internal error: {}", e.what()));
  }
  return std::move(p.out);
}

}  // namespace ww::detect
