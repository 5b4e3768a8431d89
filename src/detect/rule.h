// Rule: one parsed Suricata signature, immutable once loaded.
//
// A rule is a header (action, protocol, addresses, ports, direction), meta data (msg, sid,
// classtype, references, metadata) and lists of matches per buffer in rule order. Buffer lists
// keep Suricata's relative semantics: an item with distance/within/relative is relative to the
// previous item of the same list. Keywords that need an app-layer value (dns.opcode,
// app-layer-event ...) are kept as AppCheck entries that the app layer enforces later.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "detect/address.h"
#include "detect/buffers.h"
#include "detect/protocols.h"

namespace ww::detect {

enum class Action : uint8_t { Alert, Pass, Drop, Reject, RejectSrc, RejectDst, RejectBoth };
std::string_view action_name(Action a) noexcept;

// An integer that may be a byte_extract/byte_math variable (var >= 0 indexes Rule::byte_vars).
struct IntOrVar {
  int64_t value = 0;
  int16_t var = -1;
  bool is_var() const { return var >= 0; }
};

// Suricata's integer comparisons: N, <N, >N, <=N, >=N, !N, N<>M and N-M (exclusive range).
struct NumCmp {
  enum class Op : uint8_t { Eq, Lt, Gt, Le, Ge, Ne, Range, NotRange };
  Op op = Op::Eq;
  uint64_t lo = 0, hi = 0;
  bool match(uint64_t v) const {
    switch (op) {
      case Op::Eq:
        return v == lo;
      case Op::Lt:
        return v < lo;
      case Op::Gt:
        return v > lo;
      case Op::Le:
        return v <= lo;
      case Op::Ge:
        return v >= lo;
      case Op::Ne:
        return v != lo;
      case Op::Range:
        return v > lo && v < hi;
      case Op::NotRange:
        return !(v > lo && v < hi);
    }
    return false;
  }
};

struct Content {
  std::string bytes;  // decoded pattern (|hex| and escapes resolved)
  bool negated = false;
  bool nocase = false;
  bool rawbytes = false;
  bool startswith = false;
  bool endswith = false;
  bool fast_pattern = false;
  bool fast_pattern_only = false;
  bool fp_chop = false;  // fast_pattern:offset,length
  uint16_t fp_chop_offset = 0, fp_chop_len = 0;
  std::optional<IntOrVar> offset, depth, distance, within;
  bool relative() const { return distance.has_value() || within.has_value(); }
};

struct PcreCode;  // compiled PCRE2 pattern + JIT; defined in keywords/pcre.cpp
struct Pcre {
  std::string pattern;   // the regex between the slashes
  std::string flags;     // modifier letters as written
  uint32_t options = 0;  // PCRE2 compile options
  bool negated = false;
  bool relative = false;    // R
  bool rawbytes = false;    // B
  bool startswith = false;  // A on a relative pcre anchors at the previous match
  std::shared_ptr<const PcreCode> code;
  // Captures kept when the rule matches (Suricata): a named group alert_X / flow_X / pkt_X, or
  // the groups in order after the regex (pcre:"/(a)(b)/, alert:x, flow:y"): into the alert's
  // context, a flow variable or a packet variable named X.
  enum class VarKind : uint8_t { Alert, Flow, Pkt };
  struct Capture {
    VarKind kind = VarKind::Alert;
    uint16_t group = 0;  // capture group number (1 ...)
    std::string name;
  };
  std::vector<Capture> captures;
};

enum class Endian : uint8_t { Big, Little, Dce };
enum class NumBase : uint8_t { Binary, Dec, Hex, Oct };  // Binary: raw bytes; else "string,base"

struct ByteTest {
  uint8_t nbytes = 0;
  int16_t nbytes_var = -1;  // byte count from a byte_extract/byte_math variable (Suricata 7)
  char op = '=';  // '<' '>' '=' '!' '&' '^' and 'l' (<=), 'g' (>=)
  bool negated = false;
  IntOrVar value, offset;
  bool relative = false;
  Endian endian = Endian::Big;
  NumBase base = NumBase::Binary;
  uint64_t bitmask = 0;
};

struct ByteJump {
  uint8_t nbytes = 0;
  IntOrVar offset;
  bool relative = false, align = false, from_beginning = false, from_end = false;
  uint32_t multiplier = 1;
  int64_t post_offset = 0;
  Endian endian = Endian::Big;
  NumBase base = NumBase::Binary;
  uint64_t bitmask = 0;
};

struct ByteExtract {
  uint8_t nbytes = 0;
  IntOrVar offset;
  int16_t var = -1;
  bool relative = false, align = false;
  uint8_t align_to = 0;
  uint32_t multiplier = 1;
  Endian endian = Endian::Big;
  NumBase base = NumBase::Binary;
  uint64_t bitmask = 0;
};

struct ByteMath {
  uint8_t nbytes = 0;
  IntOrVar offset;
  char oper = '+';  // + - * / < (<<) > (>>)
  IntOrVar rvalue;
  int16_t var = -1;
  bool relative = false;
  Endian endian = Endian::Big;
  NumBase base = NumBase::Binary;
  uint64_t bitmask = 0;
};

struct IsDataAt {
  IntOrVar size;
  bool negated = false, relative = false, rawbytes = false;
};

struct Bsize {
  NumCmp cmp;
};

struct Base64Decode {
  uint32_t bytes = 0, offset = 0;
  bool relative = false;
};

using MatchItem = std::variant<Content, Pcre, ByteTest, ByteJump, ByteExtract, ByteMath, IsDataAt,
                               Bsize, Base64Decode>;

// Transforms (dotprefix, to_lowercase ...) applied to a sticky buffer before its matches.
struct Transform {
  std::string name;
  std::string arg;
  std::shared_ptr<const PcreCode> re;  // pcrexform: the compiled pattern
  uint32_t offset = 0;    // from_base64: first byte decoded
  uint32_t bytes = 0;     // from_base64: bytes decoded (0: to the end)
  uint32_t max_size = 0;  // gunzip, zlib_deflate: output bytes kept
  uint8_t mode = 0;       // from_base64: 0 rfc4648, 1 rfc2045, 2 strict
};

struct BufferList {
  BufferId buffer = BufferId::Payload;
  std::vector<Transform> transforms;
  std::vector<MatchItem> items;
  // absent (Suricata 8): Only, the buffer must be missing; OrElse, missing or the items match.
  enum class Absent : uint8_t { No, Only, OrElse };
  Absent absent = Absent::No;
  // Transactional rules (=>): the direction whose buffer this is (`http.connection: to_client`);
  // Default: the buffer's own (to_server for one that both directions have).
  enum class Dir : uint8_t { Default, ToServer, ToClient };
  Dir dir = Dir::Default;
};

// Header fields compared with NumCmp (ttl, id, seq, ack, window, itype, icode, dsize ...).
enum class HeaderField : uint8_t {
  Ttl,
  IpId,
  IpProto,
  TcpSeq,
  TcpAck,
  TcpWindow,
  TcpMss,
  IcmpType,
  IcmpCode,
  IcmpId,
  IcmpSeq,
  Dsize,
  FragOffset,
  Icmpv6Mtu  // ICMPv6 Packet Too Big: its MTU field
};
struct HeaderCheck {
  HeaderField field;
  NumCmp cmp;
};

struct TcpFlags {
  enum class Mode : uint8_t {
    Exact,
    Plus /* + all these and any others */,
    Any /* * */,
    Not /* ! */
  };
  Mode mode = Mode::Exact;
  uint8_t flags = 0;   // FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80
  uint8_t ignore = 0;  // ",12" / ",CE": bits ignored in the comparison
};

struct FragBits {
  enum class Mode : uint8_t { Exact, Plus, Any, Not };
  Mode mode = Mode::Exact;
  uint8_t bits = 0;  // M 0x1, D 0x2, R 0x4
};

struct FlowOpts {
  bool established = false, not_established = false, stateless = false;
  bool to_server = false, to_client = false;
  bool only_stream = false, no_stream = false, only_frag = false, no_frag = false;
  bool any() const {
    return established || not_established || stateless || to_server || to_client || only_stream ||
           no_stream || only_frag || no_frag;
  }
};

struct FlowbitOp {
  enum class Cmd : uint8_t { Set, IsSet, IsNotSet, Unset, Toggle, NoAlert };
  Cmd cmd = Cmd::Set;
  std::vector<std::string> names;
  bool any_of = false;  // "a|b": isset/isnotset of any; "a&b": all
};

struct FlowintOp {
  std::string name;
  std::string op;     // + - = == != < > <= >= isset notset isnotset
  std::string value;  // number or another flowint's name
};

struct XbitOp {
  enum class Cmd : uint8_t { Set, IsSet, IsNotSet, Unset, Toggle, NoAlert };
  Cmd cmd = Cmd::Set;
  std::string name;
  std::string track;  // ip_src ip_dst ip_pair tx
  uint32_t expire = 0;
};

enum class Track : uint8_t { BySrc, ByDst, ByRule, ByBoth, ByFlow };
struct Threshold {
  enum class Type : uint8_t { Limit, Threshold, Both, Backoff };
  Type type = Type::Limit;
  Track track = Track::BySrc;
  uint32_t count = 0, seconds = 0, multiplier = 0;
};
struct DetectionFilter {
  Track track = Track::BySrc;
  uint32_t count = 0, seconds = 0;
};

// A keyword whose value the app layer (or decoder) checks: app-layer-event, dns.opcode,
// tls.version, filesize, filestore, stream_size ...; parsed and validated here.
struct AppCheck {
  std::string keyword;
  std::string value;
  bool negated = false;
};

struct Rule {
  // Header.
  Action action = Action::Alert;
  RuleProto proto;
  AddressGroup src, dst;
  PortGroup sport, dport;
  bool bidirectional = false;  // <>
  bool transactional = false;  // => (Suricata 8): both directions of one transaction

  // Meta.
  uint32_t sid = 0, gid = 1, rev = 0;
  std::string msg;
  std::string classtype;  // short name; empty when none
  std::string category;   // classtype description (EVE alert.category)
  int priority = 3;       // explicit priority, else the classtype's, else 3
  bool explicit_priority = false;
  std::vector<std::pair<std::string, std::string>> references;  // (system, id)
  std::vector<std::pair<std::string, std::string>> metadata;    // (key, value) for EVE
  enum class Target : uint8_t { None, SrcIp, DestIp } target = Target::None;

  // Matching.
  std::vector<BufferList> buffers;
  std::vector<HeaderCheck> header_checks;
  std::optional<TcpFlags> tcp_flags;
  std::optional<FragBits> fragbits;
  bool sameip = false;
  FlowOpts flow;
  std::vector<FlowbitOp> flowbits;
  std::vector<FlowintOp> flowints;
  std::vector<XbitOp> xbits;
  std::optional<Threshold> threshold;
  std::optional<DetectionFilter> detection_filter;
  bool noalert = false;
  // The `config` action (Suricata): the rule never alerts, it applies its config keyword.
  bool config_action = false;
  // config:logging disable, type tx, scope tx: the matched transaction is not logged.
  bool log_tx_disabled = false;
  std::vector<AppCheck> app_checks;
  std::vector<std::string> byte_vars;  // byte_extract / byte_math names (IntOrVar::var)
  std::vector<std::string> ignored;    // keywords parsed and deliberately ignored (tag ...)

  // Where it came from.
  std::string text;
  std::string file;
  int line = 0;

  const BufferList* buffer(BufferId id) const {
    for (const auto& b : buffers)
      if (b.buffer == id) return &b;
    return nullptr;
  }
};

}  // namespace ww::detect
