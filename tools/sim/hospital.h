// The hospital model: zones (subnets), hosts with roles and vendor MACs, internet services.
// Loaded from a YAML file (tools/sim/hospital.yaml is the default); errors name the file and
// the entry and are reported by main before anything is written.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim.h"

namespace ww::sim {

struct Zone {
  std::string name;
  std::string description;
  uint32_t net = 0;
  uint32_t mask = 0;
  int prefix = 24;
  uint32_t gateway = 0;
  uint32_t pool = 0;  // next address handed to group hosts
};

class Hospital {
 public:
  std::string site;
  std::string domain;
  Mac router{};
  std::vector<Zone> zones;
  std::vector<std::unique_ptr<Host>> hosts;  // stable addresses
  std::map<std::string, std::vector<std::string>> vendors;  // name -> OUIs

  std::vector<Host*> internal;  // all internal hosts in config order
  const Zone* zone(const std::string& name) const;
  Host* role(const std::string& r) const;  // first host with a role, or nullptr
  std::vector<Host*> with_role(const std::string& r) const;
  std::vector<Host*> in_zone(const std::string& z) const;
  Host* by_name(const std::string& name) const;
  Host* by_ip(uint32_t ip) const;
  // An internet host for a DNS name: configured, or created with a stable public address.
  Host& internet(const std::string& fqdn);
  // An internet host with a given address (scanners, C2 servers ...).
  Host& internet_ip(uint32_t ip, const std::string& fqdn);
  // A host the simulation adds at run time (a rogue device plugged into a zone).
  Host& add_internal(const std::string& name, const std::string& role, const std::string& zone,
                     const std::string& vendor, const std::string& os);

 private:
  std::map<std::string, Host*> by_fqdn_;
  Host& add(std::unique_ptr<Host> h);
  friend Hospital load_hospital(const std::string& path);
  friend void finish_host(Hospital&, Host&);
};

// Throws std::runtime_error("file: entry: problem") on a bad config.
Hospital load_hospital(const std::string& path);

uint32_t parse_ip(const std::string& s);  // throws on a bad address
uint64_t fnv1a(std::string_view s);

}  // namespace ww::sim
