// DNS (RFC 1035): queries from clients to the hospital resolver, answers with A, AAAA, CNAME
// chains and TXT, NXDOMAIN, owner names compressed against earlier names; the resolver forwards
// internet names upstream. A big TXT answer (EDNS0, 4096) leaves as IPv4 fragments.
#include <map>

#include "proto.h"

namespace ww::sim {

namespace {

struct NameWriter {
  Buf& b;
  std::map<std::string, size_t> seen;
  void name(const std::string& n) {
    auto it = seen.find(n);
    if (it != seen.end()) {
      b.u16be(0xc000 | static_cast<uint32_t>(it->second));
      return;
    }
    if (b.size() < 0x3fff) seen[n] = b.size();
    size_t start = 0;
    while (start < n.size()) {
      size_t dot = n.find('.', start);
      if (dot == std::string::npos) dot = n.size();
      std::string rest = n.substr(start);
      if (start > 0) {
        auto it2 = seen.find(rest);
        if (it2 != seen.end()) {
          b.u16be(0xc000 | static_cast<uint32_t>(it2->second));
          return;
        }
        if (b.size() < 0x3fff) seen[rest] = b.size();
      }
      size_t len = std::min<size_t>(dot - start, 63);
      b.u8(static_cast<uint8_t>(len)).str(std::string_view(n).substr(start, len));
      start = dot + 1;
    }
    b.u8(0);
  }
};

const Host& upstream(Sim& sim) { return sim.net.internet_ip(0x01010101, "one.one.one.one"); }

}  // namespace

Bytes dns_message(uint16_t id, uint16_t flags, const std::string& qname, uint16_t qtype,
                  const std::vector<DnsRr>& answers, bool edns) {
  Buf b;
  b.u16be(id).u16be(flags).u16be(1).u16be(static_cast<uint32_t>(answers.size())).u16be(0);
  b.u16be(edns ? 1 : 0);
  NameWriter nw{b, {}};
  nw.name(qname);
  b.u16be(qtype).u16be(1);
  for (const auto& a : answers) {
    nw.name(a.owner);
    b.u16be(a.type).u16be(1).u32be(a.ttl);
    size_t len_at = b.size();
    b.u16be(0);
    size_t start = b.size();
    switch (a.type) {
      case 1: b.u32be(a.ip); break;
      case 28:
        b.u32be(0x26064700).u32be(0).u32be(0).u32be(a.ip);  // 2606:4700::/32 style address
        break;
      case 5: nw.name(a.target); break;
      case 16:
        for (const auto& t : a.txt) {
          size_t n = std::min<size_t>(t.size(), 255);
          b.u8(static_cast<uint8_t>(n)).str(std::string_view(t).substr(0, n));
        }
        break;
      default: break;
    }
    b.put_u16be(len_at, static_cast<uint32_t>(b.size() - start));
  }
  if (edns) b.u8(0).u16be(41).u16be(4096).u32be(0).u16be(0);  // OPT pseudo-RR
  return std::move(b.v);
}

FiveTuple dns_query(Sim& sim, Session& s, Host& client, const std::string& name, uint16_t qtype,
                    const std::vector<DnsRr>& answers, uint16_t rcode, bool forward_upstream) {
  Rng& r = sim.rng;
  Host& dns = *sim.net.role("dns");
  uint16_t id = static_cast<uint16_t>(r.next());
  uint16_t sport = client.ephemeral_port();
  bool edns = client.os != "embedded";
  Bytes q = dns_message(id, 0x0100, name, qtype, {}, edns);
  FiveTuple ft = udp_send(sim, s, client, sport, dns, 53, q);
  s.now += r.range(100, 600);
  if (forward_upstream) {
    Host& up = const_cast<Host&>(upstream(sim));
    uint16_t uid = static_cast<uint16_t>(r.next());
    uint16_t uport = dns.ephemeral_port();
    Bytes uq = dns_message(uid, 0x0100, name, qtype, {}, true);
    udp_send(sim, s, dns, uport, up, 53, uq);
    s.now += r.range(8 * kMs, 35 * kMs);
    Bytes ua = dns_message(uid, static_cast<uint16_t>(0x8180 | rcode), name, qtype, answers, true);
    udp_send(sim, s, up, 53, dns, uport, ua);
    s.now += r.range(50, 300);
  }
  uint16_t flags = static_cast<uint16_t>((forward_upstream ? 0x8180 : 0x8580) | rcode);
  Bytes a = dns_message(id, flags, name, qtype, answers, edns);
  udp_send(sim, s, dns, 53, client, sport, a);
  s.now += r.range(50, 400);
  return ft;
}

void resolve(Sim& sim, Session& s, Host& client, const Host& target) {
  const std::string& name = target.fqdn;
  if (sim.dns_cached(client, name, s.now, 5 * kMin)) return;
  bool internet = target.kind == HostKind::kInternet;
  std::vector<DnsRr> ans;
  Rng& r = sim.rng;
  if (internet && r.chance(0.4)) {
    std::string cname = name + ".cdn.cloudflare.net";
    if (name.rfind("www.", 0) == 0) cname = name.substr(4) + ".edgekey.net";
    ans.push_back(DnsRr{5, name, cname, 0, {}, 300});
    ans.push_back(DnsRr{1, cname, "", target.ip, {}, 60});
  } else {
    ans.push_back(DnsRr{1, name, "", target.ip, {}, internet ? 300u : 1200u});
  }
  dns_query(sim, s, client, name, 1, ans, 0, internet);
  if (client.os == "windows" || client.os == "mobile") {
    std::vector<DnsRr> six;
    if (internet) six.push_back(DnsRr{28, name, "", target.ip, {}, 300});
    dns_query(sim, s, client, name, 28, six, 0, internet);
  }
}

void dns_large_txt(Sim& sim, Session& s, Host& client, const std::string& name) {
  Rng& r = sim.rng;
  DnsRr rr{16, name, "", 0, {}, 3600};
  rr.txt.push_back("v=spf1 ip4:203.0.113.0/24 ip4:198.51.100.0/24 include:spf.protection.outlook.com -all");
  for (int i = 0; i < 9; ++i) rr.txt.push_back("k=rsa; p=" + r.alnum(200));
  std::vector<DnsRr> ans{rr};
  for (int i = 0; i < 3; ++i) {
    DnsRr more{16, name, "", 0, {}, 3600};
    more.txt.push_back("google-site-verification=" + r.alnum(43));
    more.txt.push_back("MS=ms" + r.digits(8));
    ans.push_back(more);
  }
  dns_query(sim, s, client, name, 16, ans, 0, true);
}

}  // namespace ww::sim
