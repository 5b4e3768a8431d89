// content and its modifiers: nocase, offset, depth, distance, within, startswith, endswith,
// fast_pattern, rawbytes; and the file keywords that are contents on a file buffer (filename,
// fileext, filemagic).
//
// Pattern syntax: `content:[!]"text|41 42|text";` where |..| holds hex bytes (spaces allowed)
// and `\"`, `\\`, `\;`, `\:`, `\|` escape a literal character. Modifiers apply to the last
// content of the rule, as in Suricata.
#include "detect/keywords/content_parse.h"
#include "core/hex.h"
#include "detect/keywords/keywords.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {

namespace {

Result<Content*> need_content(RuleBuilder& b) {
  Content* c = b.last_content();
  if (!c) return fail("modifier without a preceding content");
  return c;
}

int64_t plain_len(const Content& c) { return int64_t(c.bytes.size()); }

}  // namespace

Result<std::string> decode_content(std::string_view arg, bool* negated) {
  arg = trim(arg);
  bool neg = false;
  if (!arg.empty() && arg.front() == '!') {
    neg = true;
    arg = trim(arg.substr(1));
  }
  if (negated) *negated = neg;
  if (arg.size() < 2 || arg.front() != '"' || arg.back() != '"')
    return fail("pattern must be in double quotes");
  arg = arg.substr(1, arg.size() - 2);
  std::string out;
  out.reserve(arg.size());
  bool hex = false;
  int nibble = -1;
  for (size_t i = 0; i < arg.size(); ++i) {
    char c = arg[i];
    if (hex) {
      if (c == '|') {
        if (nibble >= 0) return fail("odd number of hex digits between '|'");
        hex = false;
      } else if (c == ' ' || c == '\t') {
        if (nibble >= 0) return fail("space inside a hex byte");
      } else {
        int v = hex::value(c);
        if (v < 0) return fail(fmt::format("invalid hex character '{}'", c));
        if (nibble < 0) {
          nibble = v;
        } else {
          out.push_back(char(nibble << 4 | v));
          nibble = -1;
        }
      }
      continue;
    }
    if (c == '|') {
      hex = true;
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= arg.size()) return fail("pattern ends with a lone backslash");
      char n = arg[++i];
      if (n != '"' && n != '\\' && n != ';' && n != ':' && n != '|')
        return fail(fmt::format("invalid escape '\\{}'", n));
      out.push_back(n);
      continue;
    }
    if (c == '"') return fail("unescaped double quote in pattern");
    if (c == ';') return fail("unescaped ';' in pattern");
    out.push_back(c);
  }
  if (hex) return fail("unterminated hex section (missing '|')");
  if (out.empty()) return fail("empty pattern");
  return out;
}

Result<void> content(RuleBuilder& b, std::string_view arg) {
  Content c;
  auto bytes = decode_content(arg, &c.negated);
  if (!bytes) return Unexpected{bytes.error()};
  c.bytes = std::move(*bytes);
  b.add(std::move(c));
  return {};
}

// uricontent:"x" (Snort, Suricata legacy) is content:"x"; http_uri;.
Result<void> uricontent(RuleBuilder& b, std::string_view arg) {
  if (auto r = content(b, arg); !r) return r;
  return b.move_last_content(BufferId::HttpUri, "uricontent");
}

// tls.subject:"x" / tls.issuerdn:"x" (Suricata's older TLS keywords): the certificate's subject
// / issuer contains x; `!` negates. A content in tls.cert_subject / tls.cert_issuer.
Result<void> tls_subject(RuleBuilder& b, std::string_view arg) {
  Content c;
  auto bytes = decode_content(arg, &c.negated);
  if (!bytes) return Unexpected{bytes.error()};
  c.bytes = std::move(*bytes);
  b.add_to(b.current_keyword == "tls.issuerdn" ? BufferId::TlsCertIssuer : BufferId::TlsCertSubject,
           std::move(c));
  return {};
}

Result<void> nocase(RuleBuilder& b, std::string_view) {
  auto c = need_content(b);
  if (!c) return Unexpected{c.error()};
  if ((*c)->nocase) return fail("nocase given twice for the same content");
  (*c)->nocase = true;
  return {};
}

Result<void> rawbytes(RuleBuilder& b, std::string_view) {
  auto c = need_content(b);
  if (!c) return Unexpected{c.error()};
  (*c)->rawbytes = true;  // Snort compatibility: wardwatch never normalises the payload.
  return {};
}

Result<void> offset(RuleBuilder& b, std::string_view arg) {
  auto c = need_content(b);
  if (!c) return Unexpected{c.error()};
  Content& ct = **c;
  if (ct.offset) return fail("offset given twice for the same content");
  if (ct.relative()) return fail("offset cannot be combined with distance/within");
  if (ct.startswith) return fail("offset cannot be combined with startswith");
  auto v = b.int_or_var(arg, 0, 65535);
  if (!v) return Unexpected{v.error()};
  ct.offset = *v;
  return {};
}

Result<void> depth(RuleBuilder& b, std::string_view arg) {
  auto c = need_content(b);
  if (!c) return Unexpected{c.error()};
  Content& ct = **c;
  if (ct.depth) return fail("depth given twice for the same content");
  if (ct.relative()) return fail("depth cannot be combined with distance/within");
  if (ct.startswith) return fail("depth cannot be combined with startswith");
  auto v = b.int_or_var(arg, 1, 65535);
  if (!v) return Unexpected{v.error()};
  if (!v->is_var() && v->value < plain_len(ct))
    return fail(
        fmt::format("depth {} is smaller than the content length {}", v->value, plain_len(ct)));
  ct.depth = *v;
  return {};
}

Result<void> distance(RuleBuilder& b, std::string_view arg) {
  auto c = need_content(b);
  if (!c) return Unexpected{c.error()};
  Content& ct = **c;
  if (ct.distance) return fail("distance given twice for the same content");
  if (ct.offset || ct.depth) return fail("distance cannot be combined with offset/depth");
  if (ct.startswith) return fail("distance cannot be combined with startswith");
  auto v = b.int_or_var(arg, -65535, 65535);
  if (!v) return Unexpected{v.error()};
  ct.distance = *v;
  return {};
}

Result<void> within(RuleBuilder& b, std::string_view arg) {
  auto c = need_content(b);
  if (!c) return Unexpected{c.error()};
  Content& ct = **c;
  if (ct.within) return fail("within given twice for the same content");
  if (ct.offset || ct.depth) return fail("within cannot be combined with offset/depth");
  if (ct.startswith) return fail("within cannot be combined with startswith");
  auto v = b.int_or_var(arg, 1, 65535);
  if (!v) return Unexpected{v.error()};
  if (!v->is_var() && v->value < plain_len(ct))
    return fail(
        fmt::format("within {} is smaller than the content length {}", v->value, plain_len(ct)));
  ct.within = *v;
  return {};
}

Result<void> startswith(RuleBuilder& b, std::string_view) {
  auto c = need_content(b);
  if (!c) return Unexpected{c.error()};
  Content& ct = **c;
  if (ct.offset || ct.depth || ct.relative())
    return fail("startswith cannot be combined with offset/depth/distance/within");
  ct.startswith = true;
  return {};
}

Result<void> endswith(RuleBuilder& b, std::string_view) {
  auto c = need_content(b);
  if (!c) return Unexpected{c.error()};
  (*c)->endswith = true;
  return {};
}

Result<void> fast_pattern(RuleBuilder& b, std::string_view arg) {
  auto c = need_content(b);
  if (!c) return Unexpected{c.error()};
  Content& ct = **c;
  arg = trim(arg);
  if (arg.empty()) {
    ct.fast_pattern = true;
  } else if (arg == "only") {
    if (ct.negated) return fail("fast_pattern:only cannot be used on a negated content");
    if (ct.relative() || ct.offset || ct.depth)
      return fail("fast_pattern:only cannot be used with offset/depth/distance/within");
    ct.fast_pattern = ct.fast_pattern_only = true;
  } else {
    auto parts = split(arg, ',');
    uint16_t off = 0, len = 0;
    if (parts.size() != 2 || !parse_int(parts[0], off) || !parse_int(parts[1], len) || len == 0)
      return fail(fmt::format("expected 'only' or 'offset,length', got '{}'", arg));
    if (size_t(off) + len > ct.bytes.size())
      return fail(
          fmt::format("chop {},{} is past the content length {}", off, len, ct.bytes.size()));
    ct.fast_pattern = ct.fp_chop = true;
    ct.fp_chop_offset = off;
    ct.fp_chop_len = len;
  }
  ++b.fast_patterns;
  return {};
}

namespace {
Result<void> file_content(RuleBuilder& b, BufferId buf, std::string_view arg, bool ext) {
  Content c;
  arg = trim(arg);
  if (!arg.empty() && arg.front() == '!') {  // fileext:!"mp4" (Suricata's form)
    c.negated = true;
    arg = trim(arg.substr(1));
  }
  auto v = unquote(arg, false);
  if (!v) return Unexpected{v.error()};
  std::string_view s = *v;
  if (!c.negated && !s.empty() && s.front() == '!') {  // fileext:"!mp4"
    c.negated = true;
    s.remove_prefix(1);
  }
  if (s.empty()) return fail("empty value");
  c.bytes = ext ? "." + std::string(s) : std::string(s);
  c.nocase = true;
  c.endswith = ext;
  b.add_to(buf, std::move(c));
  return {};
}
}  // namespace

Result<void> filename(RuleBuilder& b, std::string_view arg) {
  return file_content(b, BufferId::FileName, arg, false);
}
Result<void> fileext(RuleBuilder& b, std::string_view arg) {
  return file_content(b, BufferId::FileName, arg, true);
}
Result<void> filemagic(RuleBuilder& b, std::string_view arg) {
  return file_content(b, BufferId::FileMagic, arg, false);
}

// ftpdata_command:retr|stor; the FTP command that opened an ftp-data transfer: an exact,
// case-insensitive match on the ftp_data.command buffer.
Result<void> ftpdata_command(RuleBuilder& b, std::string_view arg) {
  arg = trim(arg);
  Content c;
  if (arg == "retr")
    c.bytes = "RETR";
  else if (arg == "stor")
    c.bytes = "STOR";
  else
    return fail(fmt::format("expected 'retr' or 'stor', got '{}'", arg));
  c.nocase = c.startswith = c.endswith = true;
  b.add_to(BufferId::FtpDataCommand, std::move(c));
  return {};
}

}  // namespace ww::detect::kw
