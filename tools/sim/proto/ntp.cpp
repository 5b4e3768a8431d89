// NTP v4 (RFC 5905) client/server exchange: mode 3 request, mode 4 reply with stratum,
// reference id and the four timestamps.
#include "proto.h"

namespace ww::sim {

namespace {
void ntp_ts(Buf& b, Ts t) {
  uint64_t sec = static_cast<uint64_t>(t / kSec) + 2208988800ULL;
  uint64_t frac = (static_cast<uint64_t>(t % kSec) << 32) / kSec;
  b.u32be(static_cast<uint32_t>(sec)).u32be(static_cast<uint32_t>(frac));
}
}  // namespace

void ntp_sync(Sim& sim, Session& s, Host& client, Host& server) {
  Rng& r = sim.rng;
  Ts sent = s.now;
  Buf q;
  q.u8(0x23).u8(0).u8(6).u8(0xec);  // LI 0, VN 4, mode 3; poll 6; precision
  q.u32be(0).u32be(0).u32be(0);     // root delay, dispersion, reference id
  q.zeros(8 * 3);                   // reference, origin, receive
  ntp_ts(q, sent);                  // transmit
  uint16_t sport = client.os == "windows" || client.os == "embedded" ? 123 : client.ephemeral_port();
  udp_send(sim, s, client, sport, server, 123, q.span());
  bool wan = server.kind == HostKind::kInternet;
  s.now += wan ? r.range(10 * kMs, 40 * kMs) : r.range(150, 900);
  Buf a;
  a.u8(0x24).u8(wan ? 2 : 3).u8(6).u8(0xe9);
  a.u32be(0x00000a00 + static_cast<uint32_t>(r.below(200))).u32be(0x00000b00 + static_cast<uint32_t>(r.below(400)));
  a.u32be(wan ? 0xc0a80001u : sim.net.internet("pool.ntp.org").ip);  // reference id
  ntp_ts(a, s.now - r.range(10 * kSec, 60 * kSec));
  ntp_ts(a, sent);
  ntp_ts(a, s.now - 40);
  ntp_ts(a, s.now - 20);
  udp_send(sim, s, server, 123, client, sport, a.span());
  s.now += 100;
}

}  // namespace ww::sim
