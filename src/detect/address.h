// Address and port groups of rule headers, and the variables they may name.
//
// Syntax (Suricata): `any`, a single item, `!item`, `[item, item, ...]` nested to any depth,
// `$VAR`. Addresses are IPv4/IPv6 addresses, CIDRs or `a-b` ranges; ports are `N`, `N:M`, `N:`,
// `:M`. A list matches a value when it is inside one positive item (or the list has none) and
// inside no negated item, so `[10.0.0.0/8,!10.1.0.0/16]` and `!$HOME_NET` mean what they say.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/types.h"

namespace ww::detect {

// Variables of `vars:` in the config: address-groups and port-groups.
struct RuleVars {
  std::map<std::string, std::string, std::less<>> address_groups;
  std::map<std::string, std::string, std::less<>> port_groups;
  // suricata.yaml.in's defaults (HOME_NET = RFC 1918, EXTERNAL_NET = !$HOME_NET, ...).
  static RuleVars suricata_defaults();
};

// One node of a group: a leaf range or a nested list, either of which may be negated.
template <typename T>
struct GroupNode {
  bool negated = false;
  bool is_list = false;
  T lo{}, hi{};                     // leaf: inclusive range
  std::vector<GroupNode> children;  // list

  bool contains(const T& v) const {
    if (!is_list) return !(v < lo) && !(hi < v);
    bool any_positive = false, in_positive = false;
    for (const auto& c : children) {
      if (c.negated) {
        if (c.contains_raw(v)) return false;
      } else {
        any_positive = true;
        if (!in_positive && c.contains_raw(v)) in_positive = true;
      }
    }
    return !any_positive || in_positive;
  }
  // Contains, ignoring this node's own negation (the parent list applies it).
  bool contains_raw(const T& v) const { return contains(v); }
};

struct AddressGroup {
  bool any = true;
  GroupNode<IpAddr> root;  // meaningful when !any
  std::string text;        // as written, for diagnostics and EVE
  bool contains(const IpAddr& a) const {
    if (any) return true;
    return root.negated ? !root.contains(a) : root.contains(a);
  }
};

struct PortGroup {
  bool any = true;
  GroupNode<uint16_t> root;
  std::string text;
  bool contains(uint16_t p) const {
    if (any) return true;
    return root.negated ? !root.contains(p) : root.contains(p);
  }
};

Result<AddressGroup> parse_address_group(std::string_view text, const RuleVars& vars);
Result<PortGroup> parse_port_group(std::string_view text, const RuleVars& vars);
// One address, CIDR or range (also used by threshold.config `ip`).
Result<GroupNode<IpAddr>> parse_address_item(std::string_view text);

}  // namespace ww::detect
