// DHCP (RFC 2131/2132): DISCOVER, OFFER, REQUEST, ACK with hostname, vendor class and parameter
// request list, relayed by the zone's gateway to the server (giaddr set), then a gratuitous ARP.
#include "proto.h"

namespace ww::sim {

namespace {

enum : uint8_t { kDiscover = 1, kOffer = 2, kRequest = 3, kDhcpAck = 5 };

void bootp(Buf& b, uint8_t op, uint32_t xid, uint32_t ciaddr, uint32_t yiaddr, uint32_t siaddr,
           uint32_t giaddr, const Mac& mac) {
  b.u8(op).u8(1).u8(6).u8(giaddr ? 1 : 0);
  b.u32be(xid).u16be(0).u16be(0x8000);  // secs, flags: broadcast
  b.u32be(ciaddr).u32be(yiaddr).u32be(siaddr).u32be(giaddr);
  b.bytes(mac.data(), 6).zeros(10);  // chaddr padded to 16
  b.zeros(64).zeros(128);            // sname, file
  b.u32be(0x63825363);               // magic cookie
}

void opt(Buf& b, uint8_t code, std::span<const uint8_t> v) {
  b.u8(code).u8(static_cast<uint8_t>(v.size())).bytes(v);
}
void opt_str(Buf& b, uint8_t code, const std::string& s) { opt(b, code, as_bytes(s)); }
void opt_ip(Buf& b, uint8_t code, uint32_t ip) { b.u8(code).u8(4).u32be(ip); }
void opt_u32(Buf& b, uint8_t code, uint32_t v) { b.u8(code).u8(4).u32be(v); }

void client_opts(Buf& b, uint8_t type, const Host& c, uint32_t req_ip, uint32_t server) {
  b.u8(53).u8(1).u8(type);
  b.u8(61).u8(7).u8(1).bytes(c.mac.data(), 6);
  if (req_ip) opt_ip(b, 50, req_ip);
  if (server) opt_ip(b, 54, server);
  opt_str(b, 12, c.name);
  if (c.os == "windows") {
    opt_str(b, 60, "MSFT 5.0");
    static const uint8_t kList[] = {1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252};
    opt(b, 55, kList);
  } else if (c.vendor == "Samsung") {
    opt_str(b, 60, "android-dhcp-13");
    static const uint8_t kList[] = {1, 3, 6, 15, 26, 28, 51, 58, 59, 43, 114};
    opt(b, 55, kList);
  } else {
    static const uint8_t kList[] = {1, 121, 3, 6, 15, 108, 114, 119, 252};
    opt(b, 55, kList);
  }
  b.u8(255);
  while (b.size() < 300) b.u8(0);
}

void server_opts(Buf& b, uint8_t type, const Host& c, const Host& server, const std::string& domain,
                 const Host& dns) {
  b.u8(53).u8(1).u8(type);
  opt_ip(b, 54, server.ip);
  opt_u32(b, 51, 86400);
  opt_u32(b, 58, 43200);
  opt_u32(b, 59, 75600);
  opt_ip(b, 1, c.netmask);
  opt_ip(b, 3, c.gateway);
  opt_ip(b, 6, dns.ip);
  opt_str(b, 15, domain);
  b.u8(255);
  while (b.size() < 300) b.u8(0);
}

}  // namespace

void dhcp_lease(Sim& sim, Session& s, Host& c) {
  Host& server = *sim.net.role("dns");  // the domain controller also serves DHCP
  Rng& r = sim.rng;
  uint32_t xid = r.u32();
  Wire up;  // client broadcast
  up.smac = c.mac;
  up.dmac = kBroadcast;
  up.sip = 0;
  up.dip = 0xffffffff;
  up.ttl = 128;
  up.ip_id = &c.ip_id;
  Wire down;  // relayed reply, delivered by the gateway as a broadcast
  down.smac = sim.net.router;
  down.dmac = kBroadcast;
  down.sip = c.gateway;
  down.dip = 0xffffffff;
  down.ttl = 64;
  down.ip_id = &server.ip_id;

  Buf b;
  bootp(b, 1, xid, 0, 0, 0, 0, c.mac);
  client_opts(b, kDiscover, c, 0, 0);
  emit_udp(s, s.now, up, 68, 67, b.span());
  s.now += r.range(2 * kMs, 40 * kMs);

  b.clear();
  bootp(b, 2, xid, 0, c.ip, server.ip, c.gateway, c.mac);
  server_opts(b, kOffer, c, server, sim.net.domain, server);
  emit_udp(s, s.now, down, 67, 68, b.span());
  s.now += r.range(1 * kMs, 10 * kMs);

  b.clear();
  bootp(b, 1, xid, 0, 0, 0, 0, c.mac);
  client_opts(b, kRequest, c, c.ip, server.ip);
  emit_udp(s, s.now, up, 68, 67, b.span());
  s.now += r.range(2 * kMs, 20 * kMs);

  b.clear();
  bootp(b, 2, xid, 0, c.ip, server.ip, c.gateway, c.mac);
  server_opts(b, kDhcpAck, c, server, sim.net.domain, server);
  emit_udp(s, s.now, down, 67, 68, b.span());
  s.now += r.range(5 * kMs, 50 * kMs);

  arp_gratuitous(sim, s, c);
  arp_resolve(sim, s, c, c.gateway, sim.net.router);
}

}  // namespace ww::sim
