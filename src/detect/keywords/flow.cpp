// Flow keywords: flow (state and direction), flowbits, flowint, xbits.
#include <algorithm>

#include "detect/keywords/keywords.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {

Result<void> flow(RuleBuilder& b, std::string_view arg) {
  FlowOpts& f = b.rule.flow;
  if (f.any()) return fail("flow given twice");
  for (std::string_view w : split(arg, ',')) {
    if (w == "established")
      f.established = true;
    else if (w == "not_established")
      f.not_established = true;
    else if (w == "stateless")
      f.stateless = true;
    else if (w == "to_server" || w == "from_client")
      f.to_server = true;
    else if (w == "to_client" || w == "from_server")
      f.to_client = true;
    else if (w == "only_stream")
      f.only_stream = true;
    else if (w == "no_stream")
      f.no_stream = true;
    else if (w == "only_frag")
      f.only_frag = true;
    else if (w == "no_frag")
      f.no_frag = true;
    else
      return fail(fmt::format("unknown flow option '{}'", w));
  }
  if (f.to_server && f.to_client) return fail("to_server and to_client both given");
  if (f.established && f.not_established) return fail("established and not_established both given");
  if (f.stateless && (f.established || f.not_established))
    return fail("stateless cannot be combined with established/not_established");
  if (f.only_stream && f.no_stream) return fail("only_stream and no_stream both given");
  if (f.only_frag && f.no_frag) return fail("only_frag and no_frag both given");
  return {};
}

namespace {
bool valid_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == ';') return false;
  return true;
}
}  // namespace

Result<void> flowbits(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  FlowbitOp op;
  std::string_view cmd = p[0];
  if (cmd == "set")
    op.cmd = FlowbitOp::Cmd::Set;
  else if (cmd == "isset")
    op.cmd = FlowbitOp::Cmd::IsSet;
  else if (cmd == "isnotset")
    op.cmd = FlowbitOp::Cmd::IsNotSet;
  else if (cmd == "unset")
    op.cmd = FlowbitOp::Cmd::Unset;
  else if (cmd == "toggle")
    op.cmd = FlowbitOp::Cmd::Toggle;
  else if (cmd == "noalert")
    op.cmd = FlowbitOp::Cmd::NoAlert;
  else
    return fail(fmt::format("unknown flowbits command '{}'", cmd));
  if (op.cmd == FlowbitOp::Cmd::NoAlert) {
    if (p.size() != 1) return fail("noalert takes no name");
    b.rule.noalert = true;
    b.rule.flowbits.push_back(std::move(op));
    return {};
  }
  if (p.size() != 2) return fail(fmt::format("expected '{},name'", cmd));
  std::string_view names = p[1];
  char sep = 0;
  if (names.find('|') != std::string_view::npos) sep = '|';
  if (names.find('&') != std::string_view::npos) {
    if (sep) return fail("cannot mix '|' and '&' in flowbit names");
    sep = '&';
  }
  if (sep == '|' && op.cmd != FlowbitOp::Cmd::IsSet && op.cmd != FlowbitOp::Cmd::IsNotSet)
    return fail("'|' lists only work with isset/isnotset");
  op.any_of = sep == '|';
  for (std::string_view n : sep ? split(names, sep) : std::vector<std::string_view>{names}) {
    if (!valid_name(n)) return fail(fmt::format("invalid flowbit name '{}'", n));
    op.names.emplace_back(n);
  }
  b.rule.flowbits.push_back(std::move(op));
  return {};
}

Result<void> flowint(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  if (p.size() < 2 || p.size() > 3) return fail("expected 'name, operator[, value]'");
  FlowintOp op;
  if (!valid_name(p[0])) return fail(fmt::format("invalid flowint name '{}'", p[0]));
  op.name = std::string(p[0]);
  op.op = std::string(p[1]);
  static constexpr std::string_view kWithValue[] = {
      "+", "-", "=", "==", "!=", "<", ">", "<=", ">="};
  static constexpr std::string_view kNoValue[] = {"isset", "notset", "isnotset"};
  bool with =
      std::find(std::begin(kWithValue), std::end(kWithValue), op.op) != std::end(kWithValue);
  bool without = std::find(std::begin(kNoValue), std::end(kNoValue), op.op) != std::end(kNoValue);
  if (!with && !without) return fail(fmt::format("unknown flowint operator '{}'", op.op));
  if (with && p.size() != 3) return fail(fmt::format("operator '{}' needs a value", op.op));
  if (without && p.size() != 2) return fail(fmt::format("operator '{}' takes no value", op.op));
  if (with) {
    uint64_t v;
    if (!parse_int(p[2], v) && !valid_name(p[2]))
      return fail(fmt::format("invalid flowint value '{}'", p[2]));
    op.value = std::string(p[2]);
  }
  b.rule.flowints.push_back(std::move(op));
  return {};
}

namespace {
bool xbit_cmd(std::string_view cmd, XbitOp::Cmd& out) {
  if (cmd == "set")
    out = XbitOp::Cmd::Set;
  else if (cmd == "isset")
    out = XbitOp::Cmd::IsSet;
  else if (cmd == "isnotset")
    out = XbitOp::Cmd::IsNotSet;
  else if (cmd == "unset")
    out = XbitOp::Cmd::Unset;
  else if (cmd == "toggle")
    out = XbitOp::Cmd::Toggle;
  else if (cmd == "noalert")
    out = XbitOp::Cmd::NoAlert;
  else
    return false;
  return true;
}
}  // namespace

// hostbits:<set|unset|toggle|isset|isnotset>,<name>[,<src|dst|both>][,expire <seconds>], or
// hostbits:noalert. Bits on hosts: xbits with track ip_src (src, the default), ip_dst (dst) or
// both hosts ("ip_both"), kept in the Detector's bounded host table.
Result<void> hostbits(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  if (p.size() == 1 && p[0] == "noalert") {
    b.rule.noalert = true;
    return {};
  }
  if (p.size() < 2) return fail("expected 'command, name[, src|dst|both][, expire <seconds>]'");
  XbitOp op;
  if (!xbit_cmd(p[0], op.cmd) || op.cmd == XbitOp::Cmd::NoAlert)
    return fail(fmt::format("unknown hostbits command '{}'", p[0]));
  if (!valid_name(p[1])) return fail(fmt::format("invalid hostbit name '{}'", p[1]));
  op.name = std::string(p[1]);
  op.track = "ip_src";
  for (size_t i = 2; i < p.size(); ++i) {
    std::string_view it = p[i];
    size_t sp = it.find(' ');
    std::string_view word = it.substr(0, sp);
    std::string_view val = sp == std::string_view::npos ? "" : trim(it.substr(sp + 1));
    if (it == "src") {
      op.track = "ip_src";
    } else if (it == "dst") {
      op.track = "ip_dst";
    } else if (it == "both") {
      op.track = "ip_both";
    } else if (word == "expire") {
      if (!parse_int(val, op.expire) || op.expire == 0)
        return fail(fmt::format("invalid expire '{}'", val));
    } else {
      return fail(fmt::format("unknown hostbits option '{}'", it));
    }
  }
  b.rule.xbits.push_back(std::move(op));
  return {};
}

Result<void> xbits(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  if (p.size() < 2) return fail("expected 'command, name, track <ip_src|ip_dst|ip_pair>'");
  XbitOp op;
  std::string_view cmd = p[0];
  if (!xbit_cmd(cmd, op.cmd)) return fail(fmt::format("unknown xbits command '{}'", cmd));
  if (!valid_name(p[1])) return fail(fmt::format("invalid xbit name '{}'", p[1]));
  op.name = std::string(p[1]);
  for (size_t i = 2; i < p.size(); ++i) {
    std::string_view it = p[i];
    size_t sp = it.find(' ');
    std::string_view word = it.substr(0, sp);
    std::string_view val = sp == std::string_view::npos ? "" : trim(it.substr(sp + 1));
    if (word == "track") {
      if (val != "ip_src" && val != "ip_dst" && val != "ip_pair" && val != "tx")
        return fail(fmt::format("invalid xbits track '{}'", val));
      op.track = std::string(val);
    } else if (word == "expire") {
      if (!parse_int(val, op.expire) || op.expire == 0)
        return fail(fmt::format("invalid expire '{}'", val));
    } else {
      return fail(fmt::format("unknown xbits option '{}'", it));
    }
  }
  if (op.track.empty()) return fail("xbits needs 'track ip_src|ip_dst|ip_pair'");
  b.rule.xbits.push_back(std::move(op));
  return {};
}

}  // namespace ww::detect::kw
