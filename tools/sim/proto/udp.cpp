// UDP helper shared by the datagram protocols.
#include "proto.h"

namespace ww::sim {

FiveTuple udp_send(Sim& sim, Session& s, Host& from, uint16_t sport, Host& to, uint16_t dport,
                   std::span<const uint8_t> payload) {
  Wire w = route(from, to, sim.net.router);
  emit_udp(s, s.now, w, sport, dport, payload);
  return FiveTuple{Proto::kUdp, from.ip, sport, to.ip, dport};
}

}  // namespace ww::sim
