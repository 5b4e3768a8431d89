// Address/port group parsing; see address.h.
#include "detect/address.h"

#include <arpa/inet.h>

#include <charconv>

namespace ww::detect {
namespace {

constexpr int kMaxVarDepth = 16;

void skip_ws(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
}

IpAddr mask_addr(IpAddr a, int prefix, bool set_host_bits) {
  for (int i = 0; i < 16; ++i) {
    int bits = prefix - i * 8;
    uint8_t keep = bits >= 8 ? 0xff : bits <= 0 ? 0 : uint8_t(0xff << (8 - bits));
    a.b[i] = set_host_bits ? uint8_t(a.b[i] | ~keep) : uint8_t(a.b[i] & keep);
  }
  return a;
}

bool parse_ip(std::string_view s, IpAddr& out, bool& v4) {
  std::string z(s);
  uint8_t buf[16];
  if (inet_pton(AF_INET, z.c_str(), buf) == 1) {
    out = IpAddr::v4(buf);
    v4 = true;
    return true;
  }
  if (inet_pton(AF_INET6, z.c_str(), buf) == 1) {
    out = IpAddr::v6(buf);
    v4 = false;
    return true;
  }
  return false;
}

template <typename T>
GroupNode<T> leaf(T lo, T hi) {
  GroupNode<T> n;
  n.lo = lo;
  n.hi = hi;
  return n;
}

GroupNode<IpAddr> any_addr() {
  IpAddr hi;
  hi.b.fill(0xff);
  return leaf(IpAddr{}, hi);
}

Result<GroupNode<uint16_t>> parse_port_item(std::string_view s) {
  auto num = [&](std::string_view t, uint16_t& v) -> bool {
    unsigned x = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
    if (ec != std::errc() || p != t.data() + t.size() || x > 65535) return false;
    v = uint16_t(x);
    return true;
  };
  uint16_t lo = 0, hi = 65535;
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) {
    if (!num(s, lo)) return fail(fmt::format("invalid port '{}'", s));
    hi = lo;
  } else {
    std::string_view a = s.substr(0, colon), b = s.substr(colon + 1);
    if (a.empty() && b.empty()) return fail(fmt::format("invalid port range '{}'", s));
    if (!a.empty() && !num(a, lo)) return fail(fmt::format("invalid port range '{}'", s));
    if (!b.empty() && !num(b, hi)) return fail(fmt::format("invalid port range '{}'", s));
    if (lo > hi) return fail(fmt::format("port range '{}' is reversed", s));
  }
  return leaf<uint16_t>(lo, hi);
}

template <typename T>
struct GroupParser {
  const std::map<std::string, std::string, std::less<>>& vars;
  Result<GroupNode<T>> (*parse_leaf)(std::string_view);
  GroupNode<T> (*any_leaf)();
  const char* what;

  Result<GroupNode<T>> parse_all(std::string_view s, int depth) {
    auto r = parse(s, depth);
    if (!r) return r;
    skip_ws(s);
    if (!s.empty()) return fail(fmt::format("unexpected '{}' in {} group", s, what));
    return r;
  }

  Result<GroupNode<T>> parse(std::string_view& s, int depth) {
    skip_ws(s);
    bool neg = false;
    while (!s.empty() && s.front() == '!') {
      neg = !neg;
      s.remove_prefix(1);
      skip_ws(s);
    }
    if (s.empty()) return fail(fmt::format("empty {} group", what));
    GroupNode<T> node;
    if (s.front() == '[') {
      s.remove_prefix(1);
      node.is_list = true;
      for (;;) {
        skip_ws(s);
        if (!s.empty() && s.front() == ']') {
          if (node.children.empty()) return fail(fmt::format("empty {} list", what));
          s.remove_prefix(1);
          break;
        }
        auto child = parse(s, depth);
        if (!child) return child;
        node.children.push_back(std::move(*child));
        skip_ws(s);
        if (s.empty()) return fail(fmt::format("unterminated {} list (missing ']')", what));
        if (s.front() == ',') {
          s.remove_prefix(1);
          continue;
        }
        if (s.front() != ']')
          return fail(fmt::format("expected ',' or ']' in {} list at '{}'", what, s));
      }
    } else if (s.front() == '$') {
      size_t n = 1;
      while (n < s.size() && (std::isalnum(static_cast<unsigned char>(s[n])) || s[n] == '_')) ++n;
      std::string_view name = s.substr(1, n - 1);
      s.remove_prefix(n);
      auto it = vars.find(name);
      if (it == vars.end()) return fail(fmt::format("undefined variable ${}", name));
      if (depth >= kMaxVarDepth)
        return fail(fmt::format("variable ${} nests too deep (loop?)", name));
      auto inner = parse_all(it->second, depth + 1);
      if (!inner) return inner;
      node = std::move(*inner);
    } else {
      size_t n = 0;
      while (n < s.size() && s[n] != ',' && s[n] != ']' && s[n] != ' ' && s[n] != '\t') ++n;
      std::string_view item = s.substr(0, n);
      s.remove_prefix(n);
      if (item == "any") {
        if (neg) return fail(fmt::format("'!any' matches no {}", what));
        node = any_leaf();
      } else {
        auto l = parse_leaf(item);
        if (!l) return l;
        node = std::move(*l);
      }
    }
    node.negated = node.negated != neg;
    return node;
  }
};

template <typename T>
bool is_plain_any(const GroupNode<T>& n, const GroupNode<T>& any) {
  return !n.negated && !n.is_list && n.lo == any.lo && n.hi == any.hi;
}

}  // namespace

Result<GroupNode<IpAddr>> parse_address_item(std::string_view s) {
  if (size_t dash = s.find('-'); dash != std::string_view::npos) {
    IpAddr a, b;
    bool v4a, v4b;
    if (!parse_ip(s.substr(0, dash), a, v4a) || !parse_ip(s.substr(dash + 1), b, v4b) || v4a != v4b)
      return fail(fmt::format("invalid address range '{}'", s));
    if (b < a) return fail(fmt::format("address range '{}' is reversed", s));
    return leaf(a, b);
  }
  std::string_view ip = s, mask;
  if (size_t slash = s.find('/'); slash != std::string_view::npos) {
    ip = s.substr(0, slash);
    mask = s.substr(slash + 1);
  }
  IpAddr a;
  bool v4;
  if (!parse_ip(ip, a, v4)) return fail(fmt::format("invalid address '{}'", s));
  int prefix = 128;
  if (!mask.empty()) {
    IpAddr m;
    bool mv4;
    unsigned bits = 0;
    auto [p, ec] = std::from_chars(mask.data(), mask.data() + mask.size(), bits);
    if (ec == std::errc() && p == mask.data() + mask.size()) {
      if (bits > (v4 ? 32u : 128u)) return fail(fmt::format("invalid CIDR prefix in '{}'", s));
      prefix = int(bits) + (v4 ? 96 : 0);
    } else if (v4 && parse_ip(mask, m, mv4) && mv4) {  // 10.0.0.0/255.0.0.0
      uint32_t mm = m.v4_host_order();
      int ones = 0;
      while (ones < 32 && (mm & (0x80000000u >> ones))) ++ones;
      if (ones < 32 && (mm << ones) != 0) return fail(fmt::format("invalid netmask in '{}'", s));
      prefix = ones + 96;
    } else {
      return fail(fmt::format("invalid CIDR '{}'", s));
    }
  }
  return leaf(mask_addr(a, prefix, false), mask_addr(a, prefix, true));
}

RuleVars RuleVars::suricata_defaults() {
  RuleVars v;
  v.address_groups = {
      {"HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"},
      {"EXTERNAL_NET", "!$HOME_NET"},
      {"HTTP_SERVERS", "$HOME_NET"},
      {"SMTP_SERVERS", "$HOME_NET"},
      {"SQL_SERVERS", "$HOME_NET"},
      {"DNS_SERVERS", "$HOME_NET"},
      {"TELNET_SERVERS", "$HOME_NET"},
      {"AIM_SERVERS", "$EXTERNAL_NET"},
      {"DC_SERVERS", "$HOME_NET"},
      {"DNP3_SERVER", "$HOME_NET"},
      {"DNP3_CLIENT", "$HOME_NET"},
      {"MODBUS_CLIENT", "$HOME_NET"},
      {"MODBUS_SERVER", "$HOME_NET"},
      {"ENIP_CLIENT", "$HOME_NET"},
      {"ENIP_SERVER", "$HOME_NET"},
  };
  v.port_groups = {
      {"HTTP_PORTS", "80"},
      {"SHELLCODE_PORTS", "!80"},
      {"ORACLE_PORTS", "1521"},
      {"SSH_PORTS", "22"},
      {"DNP3_PORTS", "20000"},
      {"MODBUS_PORTS", "502"},
      {"FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"},
      {"FTP_PORTS", "21"},
      {"GENEVE_PORTS", "6081"},
      {"VXLAN_PORTS", "4789"},
      {"TEREDO_PORTS", "3544"},
      {"SIP_PORTS", "[5060, 5061]"},
  };
  return v;
}

Result<AddressGroup> parse_address_group(std::string_view text, const RuleVars& vars) {
  GroupParser<IpAddr> p{vars.address_groups, &parse_address_item, &any_addr, "address"};
  auto r = p.parse_all(text, 0);
  if (!r) return Unexpected{r.error()};
  AddressGroup g;
  g.text = std::string(text);
  g.any = is_plain_any(*r, any_addr());
  g.root = std::move(*r);
  return g;
}

Result<PortGroup> parse_port_group(std::string_view text, const RuleVars& vars) {
  GroupParser<uint16_t> p{vars.port_groups, &parse_port_item,
                          +[] { return leaf<uint16_t>(0, 65535); }, "port"};
  auto r = p.parse_all(text, 0);
  if (!r) return Unexpected{r.error()};
  PortGroup g;
  g.text = std::string(text);
  g.any = is_plain_any(*r, leaf<uint16_t>(0, 65535));
  g.root = std::move(*r);
  return g;
}

}  // namespace ww::detect
