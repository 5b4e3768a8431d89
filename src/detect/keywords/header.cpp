// IP/TCP/ICMP header keywords: ttl, id, ip_proto, seq, ack, window, tcp.mss, itype, icode,
// icmp_id, icmp_seq, fragoffset (integer comparisons), flags, fragbits, sameip.
#include <netdb.h>

#include "detect/keywords/keywords.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {
namespace {

Result<void> header(RuleBuilder& b, HeaderField f, std::string_view arg, uint64_t max) {
  for (const auto& h : b.rule.header_checks)
    if (h.field == f) return fail("given twice");
  auto c = parse_num_cmp(arg, max);
  if (!c) return Unexpected{c.error()};
  b.rule.header_checks.push_back({f, *c});
  return {};
}

}  // namespace

Result<void> ttl(RuleBuilder& b, std::string_view a) { return header(b, HeaderField::Ttl, a, 255); }
Result<void> ip_id(RuleBuilder& b, std::string_view a) {
  return header(b, HeaderField::IpId, a, 65535);
}
Result<void> tcp_seq(RuleBuilder& b, std::string_view a) {
  return header(b, HeaderField::TcpSeq, a, UINT32_MAX);
}
Result<void> tcp_ack(RuleBuilder& b, std::string_view a) {
  return header(b, HeaderField::TcpAck, a, UINT32_MAX);
}
Result<void> tcp_window(RuleBuilder& b, std::string_view a) {
  a = trim(a);
  if (!a.empty() && a.front() == '!') {  // window:!0 is "not equal"
    auto c = parse_num_cmp(a.substr(1), 65535);
    if (!c || c->op != NumCmp::Op::Eq) return fail(fmt::format("invalid window '{}'", a));
    c->op = NumCmp::Op::Ne;
    b.rule.header_checks.push_back({HeaderField::TcpWindow, *c});
    return {};
  }
  return header(b, HeaderField::TcpWindow, a, 65535);
}
Result<void> tcp_mss(RuleBuilder& b, std::string_view a) {
  return header(b, HeaderField::TcpMss, a, 65535);
}
Result<void> itype(RuleBuilder& b, std::string_view a) {
  return header(b, HeaderField::IcmpType, a, 255);
}
Result<void> icode(RuleBuilder& b, std::string_view a) {
  return header(b, HeaderField::IcmpCode, a, 255);
}
Result<void> icmp_id(RuleBuilder& b, std::string_view a) {
  return header(b, HeaderField::IcmpId, a, 65535);
}
Result<void> icmp_seq(RuleBuilder& b, std::string_view a) {
  return header(b, HeaderField::IcmpSeq, a, 65535);
}
Result<void> fragoffset(RuleBuilder& b, std::string_view a) {
  return header(b, HeaderField::FragOffset, a, 8191);
}
Result<void> icmpv6_mtu(RuleBuilder& b, std::string_view a) {
  return header(b, HeaderField::Icmpv6Mtu, a, UINT32_MAX);
}

Result<void> ip_proto(RuleBuilder& b, std::string_view a) {
  a = trim(a);
  std::string_view rest = a;
  std::string prefix;
  while (!rest.empty() && (rest.front() == '!' || rest.front() == '<' || rest.front() == '>')) {
    prefix.push_back(rest.front());
    rest.remove_prefix(1);
  }
  uint64_t n;
  if (!parse_int(rest, n)) {
    std::string name(trim(rest));
    const protoent* pe = getprotobyname(name.c_str());
    if (!pe) return fail(fmt::format("unknown IP protocol '{}'", rest));
    return header(b, HeaderField::IpProto, prefix + std::to_string(pe->p_proto), 255);
  }
  return header(b, HeaderField::IpProto, a, 255);
}

namespace {
Result<uint8_t> flag_bits(std::string_view s, bool allow_modifiers) {
  uint8_t v = 0;
  for (char c : s) {
    switch (c) {
      case 'F':
      case 'f':
        v |= 0x01;
        break;
      case 'S':
      case 's':
        v |= 0x02;
        break;
      case 'R':
      case 'r':
        v |= 0x04;
        break;
      case 'P':
      case 'p':
        v |= 0x08;
        break;
      case 'A':
      case 'a':
        v |= 0x10;
        break;
      case 'U':
      case 'u':
        v |= 0x20;
        break;
      case 'E':
      case 'e':
      case '2':
        v |= 0x40;
        break;
      case 'C':
      case 'c':
      case '1':
        v |= 0x80;
        break;
      case '0':
        break;
      default:
        return fail(fmt::format("invalid TCP flag '{}'", c));
    }
  }
  return v;
}
}  // namespace

Result<void> flags(RuleBuilder& b, std::string_view arg) {
  if (b.rule.tcp_flags) return fail("given twice");
  auto p = split(arg, ',');
  if (p.size() > 2) return fail("expected 'flags[,ignored flags]'");
  TcpFlags f;
  std::string_view s = p[0];
  // Modifier may precede or follow the flags: "+SA", "SA+", "!R".
  auto take_mod = [&](char c) {
    if (c == '+')
      f.mode = TcpFlags::Mode::Plus;
    else if (c == '*')
      f.mode = TcpFlags::Mode::Any;
    else if (c == '!')
      f.mode = TcpFlags::Mode::Not;
    else
      return false;
    return true;
  };
  if (!s.empty() && take_mod(s.front())) s.remove_prefix(1);
  if (!s.empty() && take_mod(s.back())) s.remove_suffix(1);
  if (s.empty()) return fail("no flags given");
  auto v = flag_bits(s, true);
  if (!v) return Unexpected{v.error()};
  f.flags = *v;
  if (p.size() == 2) {
    auto m = flag_bits(p[1], false);
    if (!m) return Unexpected{m.error()};
    f.ignore = *m;
  }
  b.rule.tcp_flags = f;
  return {};
}

Result<void> fragbits(RuleBuilder& b, std::string_view arg) {
  if (b.rule.fragbits) return fail("given twice");
  FragBits f;
  std::string_view s = trim(arg);
  if (!s.empty() && (s.front() == '+' || s.front() == '*' || s.front() == '!')) {
    f.mode = s.front() == '+'   ? FragBits::Mode::Plus
             : s.front() == '*' ? FragBits::Mode::Any
                                : FragBits::Mode::Not;
    s.remove_prefix(1);
  }
  if (s.empty()) return fail("no bits given");
  for (char c : s) {
    if (c == 'M' || c == 'm')
      f.bits |= 0x1;
    else if (c == 'D' || c == 'd')
      f.bits |= 0x2;
    else if (c == 'R' || c == 'r')
      f.bits |= 0x4;
    else
      return fail(fmt::format("invalid fragbit '{}' (M, D, R)", c));
  }
  b.rule.fragbits = f;
  return {};
}

Result<void> sameip(RuleBuilder& b, std::string_view) {
  b.rule.sameip = true;
  return {};
}

}  // namespace ww::detect::kw
