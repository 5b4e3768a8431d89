// Hospital model loader; see hospital.h.
#include "hospital.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <stdexcept>

namespace ww::sim {

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

uint32_t parse_ip(const std::string& s) {
  unsigned a, b, c, d;
  char tail;
  if (std::sscanf(s.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
      c > 255 || d > 255)
    throw std::runtime_error("bad IPv4 address '" + s + "'");
  return a << 24 | b << 16 | c << 8 | d;
}

namespace {

Mac parse_oui(const std::string& s) {
  unsigned a, b, c;
  if (std::sscanf(s.c_str(), "%x:%x:%x", &a, &b, &c) != 3 || a > 255 || b > 255 || c > 255)
    throw std::runtime_error("bad OUI '" + s + "'");
  return Mac{static_cast<uint8_t>(a), static_cast<uint8_t>(b), static_cast<uint8_t>(c), 0, 0, 0};
}

std::string expand(const std::string& pattern, int n) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.compare(i, 3, "{n}") == 0) {
      out += std::to_string(n);
      i += 2;
    } else if (pattern.compare(i, 7, "{n:02}") == 0 || pattern.compare(i, 6, "{n:02}") == 0) {
      char b[16];
      std::snprintf(b, sizeof b, "%02d", n);
      out += b;
      i += 5;
    } else if (pattern.compare(i, 6, "{n:03}") == 0) {
      char b[16];
      std::snprintf(b, sizeof b, "%03d", n);
      out += b;
      i += 5;
    } else {
      out.push_back(pattern[i]);
    }
  }
  return out;
}

std::string opt(const YAML::Node& n, const char* key, const std::string& def = "") {
  return n[key] ? n[key].as<std::string>() : def;
}

}  // namespace

void finish_host(Hospital& h, Host& host) {
  const Zone* z = h.zone(host.zone);
  if (!z) throw std::runtime_error("host " + host.name + ": unknown zone '" + host.zone + "'");
  host.netmask = z->mask;
  host.gateway = z->gateway;
  if (host.ip == 0) {
    host.ip = h.zones[z - h.zones.data()].pool++;
  }
  if ((host.ip & z->mask) != z->net)
    throw std::runtime_error("host " + host.name + ": " + ip_str(host.ip) + " is not in zone " +
                             z->name);
  auto v = h.vendors.find(host.vendor);
  if (v == h.vendors.end() || v->second.empty())
    throw std::runtime_error("host " + host.name + ": unknown vendor '" + host.vendor + "'");
  uint64_t hv = fnv1a(host.name);
  Mac m = parse_oui(v->second[hv % v->second.size()]);
  m[3] = static_cast<uint8_t>(hv >> 8);
  m[4] = static_cast<uint8_t>(hv >> 16);
  m[5] = static_cast<uint8_t>(hv >> 24);
  host.mac = m;
  host.fqdn = host.name + "." + h.domain;
  host.ttl = host.os == "windows" ? 128 : (host.os == "embedded" ? 255 : 64);
  if (host.os == "mobile") host.ttl = 64;
  host.ip_id = static_cast<uint16_t>(hv >> 32);
  host.next_port = static_cast<uint16_t>(49152 + (hv >> 40) % 10000);
}

Host& Hospital::add(std::unique_ptr<Host> h) {
  h->id = static_cast<int>(hosts.size());
  hosts.push_back(std::move(h));
  Host& r = *hosts.back();
  if (r.kind == HostKind::kInternal) internal.push_back(&r);
  if (!r.fqdn.empty()) by_fqdn_[r.fqdn] = &r;
  return r;
}

const Zone* Hospital::zone(const std::string& name) const {
  for (const auto& z : zones)
    if (z.name == name) return &z;
  return nullptr;
}

Host* Hospital::role(const std::string& r) const {
  for (Host* h : internal)
    if (h->role == r) return h;
  return nullptr;
}

std::vector<Host*> Hospital::with_role(const std::string& r) const {
  std::vector<Host*> v;
  for (Host* h : internal)
    if (h->role == r) v.push_back(h);
  return v;
}

std::vector<Host*> Hospital::in_zone(const std::string& z) const {
  std::vector<Host*> v;
  for (Host* h : internal)
    if (h->zone == z) v.push_back(h);
  return v;
}

Host* Hospital::by_name(const std::string& name) const {
  for (Host* h : internal)
    if (h->name == name) return h;
  return nullptr;
}

Host* Hospital::by_ip(uint32_t ip) const {
  for (const auto& h : hosts)
    if (h->ip == ip) return h.get();
  return nullptr;
}

Host& Hospital::internet_ip(uint32_t ip, const std::string& fqdn) {
  auto it = by_fqdn_.find(fqdn);
  if (it != by_fqdn_.end()) return *it->second;
  auto h = std::make_unique<Host>();
  h->kind = HostKind::kInternet;
  h->name = fqdn;
  h->fqdn = fqdn;
  h->role = "internet";
  h->zone = "internet";
  h->ip = ip;
  h->ttl = 52;
  h->mac = router;
  h->ip_id = static_cast<uint16_t>(fnv1a(fqdn));
  h->os = "linux";
  return add(std::move(h));
}

Host& Hospital::internet(const std::string& fqdn) {
  auto it = by_fqdn_.find(fqdn);
  if (it != by_fqdn_.end()) return *it->second;
  // A stable, public-looking address from the name (first octets are big cloud/CDN ranges).
  static const uint8_t kFirst[] = {13, 20, 23, 34, 35, 40, 52, 54, 104, 142, 151, 157, 185, 199};
  uint64_t hv = fnv1a(fqdn);
  uint32_t ip = uint32_t{kFirst[hv % sizeof kFirst]} << 24 | static_cast<uint32_t>((hv >> 8) & 0xffff) << 8 |
                static_cast<uint32_t>(1 + (hv >> 24) % 253);
  return internet_ip(ip, fqdn);
}

Host& Hospital::add_internal(const std::string& name, const std::string& role,
                             const std::string& zone, const std::string& vendor,
                             const std::string& os) {
  if (Host* h = by_name(name)) return *h;
  auto h = std::make_unique<Host>();
  h->name = name;
  h->role = role;
  h->zone = zone;
  h->vendor = vendor;
  h->os = os;
  finish_host(*this, *h);
  return add(std::move(h));
}

Hospital load_hospital(const std::string& path) {
  Hospital h;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
  std::string where = "top level";
  try {
    h.site = opt(root, "site", "Hospital");
    h.domain = opt(root, "domain", "hospital.local");
    where = "vendors";
    for (const auto& v : root["vendors"]) {
      auto& list = h.vendors[v.first.as<std::string>()];
      for (const auto& o : v.second) {
        parse_oui(o.as<std::string>());
        list.push_back(o.as<std::string>());
      }
    }
    where = "router_vendor";
    {
      auto rv = h.vendors.find(opt(root, "router_vendor", "Cisco"));
      if (rv == h.vendors.end()) throw std::runtime_error("unknown router_vendor");
      h.router = parse_oui(rv->second[0]);
      h.router[3] = 0x5e;
      h.router[4] = 0x11;
      h.router[5] = 0x01;
    }
    for (const auto& z : root["zones"]) {
      Zone zone;
      zone.name = z["name"].as<std::string>();
      where = "zone " + zone.name;
      zone.description = opt(z, "description");
      std::string subnet = z["subnet"].as<std::string>();
      auto slash = subnet.find('/');
      if (slash == std::string::npos) throw std::runtime_error("subnet needs /prefix");
      zone.prefix = std::stoi(subnet.substr(slash + 1));
      if (zone.prefix < 8 || zone.prefix > 30) throw std::runtime_error("prefix out of range");
      zone.mask = zone.prefix == 0 ? 0 : ~uint32_t{0} << (32 - zone.prefix);
      zone.net = parse_ip(subnet.substr(0, slash)) & zone.mask;
      zone.gateway = parse_ip(z["gateway"].as<std::string>());
      zone.pool = z["pool"] ? parse_ip(z["pool"].as<std::string>()) : zone.net + 100;
      h.zones.push_back(zone);
    }
    for (const auto& n : root["hosts"]) {
      auto host = std::make_unique<Host>();
      host->name = n["name"].as<std::string>();
      where = "host " + host->name;
      host->role = n["role"].as<std::string>();
      host->zone = n["zone"].as<std::string>();
      host->vendor = n["vendor"].as<std::string>();
      host->os = opt(n, "os", "linux");
      host->model = opt(n, "model");
      host->ae_title = opt(n, "ae_title");
      if (n["modality"]) host->model = n["modality"].as<std::string>() + "|" + host->model;
      if (n["ip"]) host->ip = parse_ip(n["ip"].as<std::string>());
      host->dhcp = n["dhcp"] && n["dhcp"].as<bool>();
      finish_host(h, *host);
      h.add(std::move(host));
    }
    for (const auto& g : root["groups"]) {
      std::string pattern = g["name"].as<std::string>();
      where = "group " + pattern;
      int count = g["count"].as<int>();
      std::vector<std::string> vendors;
      if (g["vendor"].IsSequence())
        for (const auto& v : g["vendor"]) vendors.push_back(v.as<std::string>());
      else
        vendors.push_back(g["vendor"].as<std::string>());
      for (int i = 1; i <= count; ++i) {
        auto host = std::make_unique<Host>();
        host->name = expand(pattern, i);
        host->role = g["role"].as<std::string>();
        host->zone = g["zone"].as<std::string>();
        host->vendor = vendors[(i - 1) % vendors.size()];
        host->os = opt(g, "os", "windows");
        host->model = opt(g, "model");
        host->dhcp = g["dhcp"] && g["dhcp"].as<bool>();
        finish_host(h, *host);
        h.add(std::move(host));
      }
    }
    where = "internet";
    for (const auto& n : root["internet"])
      h.internet_ip(parse_ip(n["ip"].as<std::string>()), n["fqdn"].as<std::string>());
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + where + ": " + e.what());
  }
  for (const char* r : {"dns", "ntp", "pacs", "hl7_engine", "ehr", "fileserver", "mail", "proxy"})
    if (!h.role(r)) throw std::runtime_error(path + ": no host with role '" + r + "'");
  return h;
}

}  // namespace ww::sim
