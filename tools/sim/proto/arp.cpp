// ARP: who-has / is-at for the gateway and neighbours, gratuitous ARP after a DHCP lease.
#include "proto.h"

namespace ww::sim {

void arp_resolve(Sim& sim, Session& s, Host& asker, uint32_t target_ip, const Mac& target_mac) {
  emit_arp(s, s.now, 1, asker.mac, asker.ip, Mac{}, target_ip, kBroadcast);
  s.now += sim.rng.range(80, 900);
  emit_arp(s, s.now, 2, target_mac, target_ip, asker.mac, asker.ip, asker.mac);
  s.now += 50;
}

void arp_gratuitous(Sim& sim, Session& s, Host& h) {
  emit_arp(s, s.now, 1, h.mac, h.ip, Mac{}, h.ip, kBroadcast);
  s.now += sim.rng.range(500, 2000);
}

}  // namespace ww::sim
