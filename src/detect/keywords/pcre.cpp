// pcre:[!]"/regex/flags"; (or unquoted, pcre:/regex/flags;) compiled with PCRE2 (+ JIT) at load.
//
// Flags: i s m x A E G (PCRE options), R (relative to the previous match in the buffer), B
// (rawbytes, ignored), O (match-limit override, accepted), and the buffer flags that place the
// pcre in an HTTP buffer like a legacy modifier: U uri, I raw uri, P request body, Q response
// body (file.data), H header, D raw header, M method, C cookie, S stat code, Y stat msg, V user
// agent, W host, Z raw host.
#include "detect/keywords/pcre.h"

#include <mutex>

#include "detect/keywords/keywords.h"
#include "detect/keywords/util.h"

namespace ww::detect {

namespace {
std::mutex g_jit_mu;
}

void PcreCode::ensure_jit() const {
  if (jit_tried.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> lock(g_jit_mu);
  if (jit_tried.load(std::memory_order_relaxed)) return;
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // failure: the interpreter is used
  jit_tried.store(true, std::memory_order_release);
}

Result<std::shared_ptr<const PcreCode>> compile_pcre(std::string_view pattern, uint32_t options,
                                                     bool jit) {
  int err = 0;
  PCRE2_SIZE erroff = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &err, &erroff, nullptr);
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    return fail(
        fmt::format("regex error at offset {}: {}", erroff, reinterpret_cast<const char*>(buf)));
  }
  auto p = std::make_shared<PcreCode>();
  p->code = code;
  if (jit) p->ensure_jit();
  return std::shared_ptr<const PcreCode>(std::move(p));
}

namespace kw {

namespace {
std::optional<Pcre::VarKind> var_kind(std::string_view kind) {
  if (kind == "alert") return Pcre::VarKind::Alert;
  if (kind == "flow") return Pcre::VarKind::Flow;
  if (kind == "pkt") return Pcre::VarKind::Pkt;
  return std::nullopt;
}

// "alert:name, flow:name, pkt:name" after the regex: capture groups 1, 2, 3 ... in order.
Result<void> capture_list(Pcre& p, std::string_view list) {
  uint16_t group = 0;
  for (std::string_view v : split(list, ',')) {
    size_t colon = v.find(':');
    std::string_view kind = trim(v.substr(0, colon));
    std::string_view name = colon == std::string_view::npos ? "" : trim(v.substr(colon + 1));
    auto k = var_kind(kind);
    if (!k) return fail(fmt::format("unknown capture variable type '{}'", kind));
    if (name.empty()) return fail("capture variable without a name");
    p.captures.push_back({*k, ++group, std::string(name)});
  }
  return {};
}
}  // namespace

Result<void> pcre(RuleBuilder& b, std::string_view arg) {
  Pcre p;
  arg = trim(arg);
  if (!arg.empty() && arg.front() == '!') {
    p.negated = true;
    arg = trim(arg.substr(1));
  }
  std::string_view body = arg;  // unquoted (pcre:/re/flags;), as Suricata accepts it
  if (arg.empty() || (arg.front() != '"' && arg.front() != '/'))
    return fail("regex must be in double quotes");
  if (arg.front() == '"') {
    size_t close = arg.rfind('"');
    if (close == 0) return fail("unterminated double quote");
    std::string_view tail = trim(arg.substr(close + 1));
    if (!tail.empty()) {
      if (tail.front() != ',') return fail(fmt::format("unexpected '{}' after the regex", tail));
      auto r = capture_list(p, tail.substr(1));
      if (!r) return r;
    }
    body = arg.substr(1, close - 1);
  }
  if (body.empty() || body.front() != '/') return fail("regex must start with '/'");
  size_t last = body.rfind('/');
  if (last == 0) return fail("regex must end with '/' followed by flags");
  p.pattern = std::string(body.substr(1, last - 1));
  std::string_view flags = body.substr(last + 1);
  if (size_t comma = flags.find(','); comma != std::string_view::npos) {
    auto r = capture_list(p, flags.substr(comma + 1));
    if (!r) return r;
    flags = trim(flags.substr(0, comma));
  }
  p.flags = std::string(flags);
  std::optional<BufferId> buf;
  uint32_t opts = 0;
  for (char f : p.flags) {
    std::optional<BufferId> fb;
    switch (f) {
      case 'i':
        opts |= PCRE2_CASELESS;
        break;
      case 's':
        opts |= PCRE2_DOTALL;
        break;
      case 'm':
        opts |= PCRE2_MULTILINE;
        break;
      case 'x':
        opts |= PCRE2_EXTENDED;
        break;
      case 'A':
        opts |= PCRE2_ANCHORED;
        break;
      case 'E':
        opts |= PCRE2_DOLLAR_ENDONLY;
        break;
      case 'G':
        opts |= PCRE2_UNGREEDY;
        break;
      case 'R':
        p.relative = true;
        break;
      case 'B':
        p.rawbytes = true;
        break;
      case 'O':
        break;
      case 'U':
        fb = BufferId::HttpUri;
        break;
      case 'I':
        fb = BufferId::HttpUriRaw;
        break;
      case 'P':
        fb = BufferId::HttpRequestBody;
        break;
      case 'Q':
        fb = BufferId::FileData;
        break;
      case 'H':
        fb = BufferId::HttpHeader;
        break;
      case 'D':
        fb = BufferId::HttpHeaderRaw;
        break;
      case 'M':
        fb = BufferId::HttpMethod;
        break;
      case 'C':
        fb = BufferId::HttpCookie;
        break;
      case 'S':
        fb = BufferId::HttpStatCode;
        break;
      case 'Y':
        fb = BufferId::HttpStatMsg;
        break;
      case 'V':
        fb = BufferId::HttpUserAgent;
        break;
      case 'W':
        fb = BufferId::HttpHost;
        break;
      case 'Z':
        fb = BufferId::HttpHostRaw;
        break;
      default:
        return fail(fmt::format("unknown regex flag '{}'", f));
    }
    if (fb) {
      if (buf && *buf != *fb) return fail("regex has two buffer flags");
      buf = fb;
    }
  }
  if (buf && b.sticky() != BufferId::Payload && b.sticky() != *buf)
    return fail(fmt::format("regex buffer flag conflicts with sticky buffer '{}'",
                            buffer_name(b.sticky())));
  p.options = opts;
  auto code = compile_pcre(p.pattern, opts, b.ctx.pcre_jit);
  if (!code) return Unexpected{code.error()};
  p.code = std::move(*code);
  // Named groups alert_X, flow_X, pkt_X (PCRE2's name table: group number, then the name).
  uint32_t count = 0, entry = 0;
  PCRE2_SPTR table = nullptr;
  pcre2_pattern_info(p.code->code, PCRE2_INFO_NAMECOUNT, &count);
  pcre2_pattern_info(p.code->code, PCRE2_INFO_NAMEENTRYSIZE, &entry);
  pcre2_pattern_info(p.code->code, PCRE2_INFO_NAMETABLE, &table);
  for (uint32_t i = 0; table && i < count; ++i) {
    const uint8_t* e = table + size_t(i) * entry;
    std::string_view name(reinterpret_cast<const char*>(e + 2));
    uint16_t group = uint16_t(e[0] << 8 | e[1]);
    size_t us = name.find('_');
    auto k = us == std::string_view::npos ? std::nullopt : var_kind(name.substr(0, us));
    if (k && us + 1 < name.size()) p.captures.push_back({*k, group, std::string(name.substr(us + 1))});
  }
  if (p.captures.size() > 15) return fail("more than 15 capture variables");
  if (buf && b.sticky() != *buf) {
    b.add_to(*buf, std::move(p));
  } else {
    b.add(std::move(p));
  }
  return {};
}

}  // namespace kw
}  // namespace ww::detect
