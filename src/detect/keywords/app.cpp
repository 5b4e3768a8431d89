// Keywords checked against app-layer or decoder state (kept as Rule::app_checks until those
// stages exist): app-layer-protocol, app-layer-event, decode-event, stream-event, dns.opcode,
// tls.version, filesize, filemd5/filesha1/filesha256, filestore, stream_size; and
// base64_decode, which feeds the base64_data buffer.
#include <algorithm>
#include <cctype>

#include "detect/keywords/keywords.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {
namespace {

void add_check(RuleBuilder& b, std::string_view kw, std::string_view value, bool neg = false) {
  b.rule.app_checks.push_back({std::string(kw), std::string(value), neg});
}

bool event_name_ok(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
      return false;
  return true;
}

// Suricata's names for events the app layer reports under its own name (app-layer-event
// values are stored as the app layer's names, '|'-separated, which detection compares with
// the anomalies a packet raised). Only equivalents: a Suricata event wardwatch does not raise
// is kept as written and never matches.
constexpr std::pair<std::string_view, std::string_view> kEventAliases[] = {
    // A handshake message that does not parse, or whose length is beyond any sane message.
    {"tls.invalid_handshake_message", "tls.invalid_handshake|tls.handshake_too_large"},
    {"tls.invalid_certificate", "tls.certificate_invalid"},
    {"tls.invalid_ssl_record", "tls.invalid_record"},
    {"http.gzip_decompression_failed", "http.decompression_failed"},
    {"smb.malformed_data", "smb.malformed"},
    {"ssh.invalid_record", "ssh.invalid_packet"},
    {"dhcp.malformed_options", "dhcp.malformed"},
};

}  // namespace

// The app layer's anomaly name for a Suricata app-layer event name.
std::string app_event_name(std::string_view suricata) {
  for (const auto& [from, to] : kEventAliases)
    if (suricata == from) return std::string(to);
  // SMTP MIME decoder events (and the SMTP events below) are logged (and raised) upper-case,
  // as Suricata's EVE anomaly names them: rule "smtp.mime_long_filename", event
  // "smtp.MIME_LONG_FILENAME".
  if (suricata.starts_with("smtp.mime_") || suricata == "smtp.invalid_bdat" ||
      suricata == "smtp.invalid_pipelined_sequence" || suricata == "smtp.duplicate_fields" ||
      suricata == "smtp.data_command_rejected") {
    std::string up(suricata);
    for (size_t i = 5; i < up.size(); ++i) up[i] = char(std::toupper(static_cast<unsigned char>(up[i])));
    return up;
  }
  // Protocol-independent events: Suricata "applayer_no_tls_after_starttls", wardwatch
  // "applayer.no_tls_after_starttls".
  if (suricata.starts_with("applayer_"))
    return fmt::format("applayer.{}", suricata.substr(9));
  return std::string(suricata);
}

Result<void> app_layer_protocol(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  std::string_view name = p[0];
  bool neg = false;
  if (!name.empty() && name.front() == '!') {
    neg = true;
    name = trim(name.substr(1));
  }
  if (name != "failed" && name != "unknown" && !app_proto_by_name(name))
    return fail(fmt::format("unknown app-layer protocol '{}'", name));
  if (p.size() > 2) return fail("expected 'protocol[,mode]'");
  if (p.size() == 2 && p[1] != "final" && p[1] != "original" && p[1] != "either" &&
      p[1] != "to_server" && p[1] != "to_client" && p[1] != "direction")
    return fail(fmt::format("unknown mode '{}'", p[1]));
  add_check(b, "app-layer-protocol", arg, neg);
  return {};
}

Result<void> app_layer_event(RuleBuilder& b, std::string_view arg) {
  arg = trim(arg);
  if (!event_name_ok(arg)) return fail(fmt::format("invalid event name '{}'", arg));
  size_t dot = arg.find('.');
  if (dot != std::string_view::npos) {
    std::string_view proto = arg.substr(0, dot);
    auto id = app_proto_by_name(proto);
    if (id && !app_proto(*id)->supported)
      b.unsupported(fmt::format("protocol:{}", proto),
                    fmt::format("app-layer protocol '{}' is not parsed by wardwatch", proto));
  }
  add_check(b, "app-layer-event", app_event_name(arg));
  return {};
}

Result<void> decode_event(RuleBuilder& b, std::string_view arg) {
  arg = trim(arg);
  if (!event_name_ok(arg)) return fail(fmt::format("invalid event name '{}'", arg));
  add_check(b, "decode-event", arg);
  return {};
}

Result<void> stream_event(RuleBuilder& b, std::string_view arg) {
  arg = trim(arg);
  if (!event_name_ok(arg)) return fail(fmt::format("invalid event name '{}'", arg));
  // The reassembler names its anomalies "stream.<what>" (stream::anomaly_name).
  add_check(b, "stream-event", arg.starts_with("stream.") ? std::string(arg)
                                                          : fmt::format("stream.{}", arg));
  return {};
}

namespace {
// A transaction value in Suricata's integer syntax (at most `max`), answered by its protocol.
Result<void> int_check(RuleBuilder& b, std::string_view kw, std::string_view arg, uint64_t max) {
  auto c = parse_num_cmp(arg, max);
  if (!c) return Unexpected{c.error()};
  add_check(b, kw, trim(arg));
  return {};
}
}  // namespace

Result<void> dns_opcode(RuleBuilder& b, std::string_view arg) {
  return int_check(b, "dns.opcode", arg, 15);
}
Result<void> dns_rcode(RuleBuilder& b, std::string_view arg) {
  return int_check(b, "dns.rcode", arg, 15);
}
Result<void> dns_rrtype(RuleBuilder& b, std::string_view arg) {
  return int_check(b, "dns.rrtype", arg, 65535);
}

// ftpbounce: an FTP PORT naming another host than the client (RFC 2577 3), answered by the
// FTP transaction (ParserSpec::check).
Result<void> ftpbounce(RuleBuilder& b, std::string_view) {
  add_check(b, "ftpbounce", "");
  return {};
}

Result<void> tls_version(RuleBuilder& b, std::string_view arg) {
  arg = trim(arg);
  static constexpr std::string_view kNames[] = {"1.0",    "1.1",    "1.2",    "1.3",
                                                "ssl2",   "ssl3",   "2.0",    "3.0",
                                                "tls1.0", "tls1.1", "tls1.2", "tls1.3"};
  uint16_t v;
  if (std::find(std::begin(kNames), std::end(kNames), arg) == std::end(kNames) &&
      !parse_int(arg, v))
    return fail(fmt::format("invalid TLS version '{}'", arg));
  add_check(b, "tls.version", arg);
  return {};
}

Result<void> filesize(RuleBuilder& b, std::string_view arg) {
  auto c = parse_filesize(arg);
  if (!c) return Unexpected{c.error()};
  add_check(b, "filesize", trim(arg));
  return {};
}

Result<void> file_hash_list(RuleBuilder& b, std::string_view arg) {
  // filemd5:[!]list.txt (a file of hashes next to the rules). The list is read by the files
  // stage; here only the syntax is checked.
  arg = trim(arg);
  bool neg = !arg.empty() && arg.front() == '!';
  if (neg) arg = trim(arg.substr(1));
  if (arg.empty()) return fail("missing hash list file name");
  // The keyword as written (filemd5, filesha1, filesha256) says which hash the list holds.
  add_check(b, b.current_keyword, arg, neg);
  return {};
}

Result<void> filestore(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  if (!arg.empty()) {
    if (p[0] != "request" && p[0] != "response" && p[0] != "both" && p[0] != "to_server" &&
        p[0] != "to_client")
      return fail(fmt::format("invalid direction '{}'", p[0]));
    if (p.size() > 1 && p[1] != "file" && p[1] != "tx" && p[1] != "ssn" && p[1] != "flow")
      return fail(fmt::format("invalid scope '{}'", p[1]));
  }
  add_check(b, "filestore", arg);
  return {};
}

Result<void> stream_size(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  if (p.size() != 3) return fail("expected 'server|client|both|either, operator, value'");
  if (p[0] != "server" && p[0] != "client" && p[0] != "both" && p[0] != "either")
    return fail(fmt::format("invalid side '{}'", p[0]));
  static constexpr std::string_view kOps[] = {"<", ">", "=", "!=", "<=", ">="};
  if (std::find(std::begin(kOps), std::end(kOps), p[1]) == std::end(kOps))
    return fail(fmt::format("invalid operator '{}'", p[1]));
  uint32_t v;
  if (!parse_int(p[2], v)) return fail(fmt::format("invalid value '{}'", p[2]));
  add_check(b, "stream_size", arg);
  return {};
}

Result<void> base64_decode(RuleBuilder& b, std::string_view arg) {
  Base64Decode d;
  if (!trim(arg).empty()) {
    for (std::string_view it : split(arg, ',')) {
      size_t sp = it.find(' ');
      std::string_view word = it.substr(0, sp);
      std::string_view val = sp == std::string_view::npos ? "" : trim(it.substr(sp + 1));
      if (word == "relative" && val.empty())
        d.relative = true;
      else if (word == "bytes") {
        if (!parse_int(val, d.bytes) || d.bytes == 0)
          return fail(fmt::format("invalid bytes '{}'", val));
      } else if (word == "offset") {
        if (!parse_int(val, d.offset)) return fail(fmt::format("invalid offset '{}'", val));
      } else {
        return fail(fmt::format("unknown option '{}'", it));
      }
    }
  }
  b.add(std::move(d));
  return {};
}

}  // namespace ww::detect::kw
