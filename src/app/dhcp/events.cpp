// EVE `dhcp` object with Suricata's field names (its "extended" mode, which the asset
// inventory needs): type ("request"/"reply"), id (xid), client_mac, assigned_ip (yiaddr),
// client_ip (ciaddr), relay_ip and next_server_ip (replies), dhcp_type, client_id, hostname,
// params (Suricata's names for the parameters it names), requested_ip, lease_time,
// renewal_time, rebinding_time, subnet_mask, routers, dns_servers, vendor_class_identifier.
// Added here: param_list (every requested option code in order, "1,3,6,15": the DHCP
// fingerprint asset inventories match) and server_id (option 54).
#include <cstddef>
#include <cstdint>

#include "app/dhcp/parser.h"
#include "output/eve.h"

namespace ww::app::dhcp {
namespace {

// `v` in decimal at `out`; the number of chars (1 to 3). Formatted by hand: snprintf was ~1.5k
// instructions an address, most of the cost of a dhcp event.
size_t dec8(uint8_t v, char* out) noexcept {
  size_t n = 0;
  if (v >= 100) out[n++] = char('0' + v / 100);
  if (v >= 10) out[n++] = char('0' + v / 10 % 10);
  out[n++] = char('0' + v % 10);
  return n;
}

// Dotted quad of a host-order address.
std::string_view ip4(uint32_t a, char (&buf)[16]) noexcept {
  size_t n = dec8(uint8_t(a >> 24), buf);
  for (int shift = 16; shift >= 0; shift -= 8) {
    buf[n++] = '.';
    n += dec8(uint8_t(a >> shift), buf + n);
  }
  return {buf, n};
}

void kv_ip(output::EveWriter& w, const char* k, uint32_t a) noexcept {
  char b[16];
  w.kv(k, ip4(a, b));
}

void ip_array(output::EveWriter& w, const char* k, const uint32_t* a, uint8_t n) noexcept {
  if (!n) return;
  auto& j = w.begin_raw();
  j.Key(k);
  j.StartArray();
  char b[16];
  for (uint8_t i = 0; i < n; ++i) {
    std::string_view s = ip4(a[i], b);
    j.String(s.data(), s.size());
  }
  j.EndArray();
}

// Suricata's names for the parameter request codes it logs (RFC 2132 3.3, 3.5, 3.8, 3.17,
// 8.3, 9.4, 9.5 ...); other codes are left out of `params` (they are in `param_list`).
const char* param_name(uint8_t p) noexcept {
  switch (p) {
    case 1: return "subnet_mask";
    case 3: return "router";
    case 6: return "dns_server";
    case 15: return "domain";
    case 35: return "arp_timeout";
    case 42: return "ntp_server";
    case 66: return "tftp_server_name";
    case 150: return "tftp_server_ip";
    default: return nullptr;
  }
}

}  // namespace

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  auto& j = w.begin_raw();
  j.StartObject();
  w.kv("type", tx.op == 1 ? "request" : "reply");
  w.kv("id", uint64_t(tx.xid));
  char mac[16 * 3];
  size_t hl = tx.hlen <= 16 ? tx.hlen : 16;
  size_t n = tls::to_hex({tx.chaddr, hl}, mac, sizeof mac, true);
  w.kv("client_mac", std::string_view(mac, n));
  kv_ip(w, "assigned_ip", tx.yiaddr);
  kv_ip(w, "client_ip", tx.ciaddr);
  if (tx.op == 2) {
    kv_ip(w, "relay_ip", tx.giaddr);
    kv_ip(w, "next_server_ip", tx.siaddr);
  }
  if (tx.msg_type) w.kv("dhcp_type", msg_type_name(tx.msg_type));
  if (tx.has & has::kClientId) {
    char id[sizeof tx.client_id * 3];
    size_t k = tls::to_hex({tx.client_id, tx.client_id_len}, id, sizeof id, true);
    w.kv("client_id", std::string_view(id, k));
  }
  if (!tx.hostname.empty()) w.kv("hostname", tx.hostname.view());
  if (tx.n_params) {
    j.Key("params");
    j.StartArray();
    for (uint8_t i = 0; i < tx.n_params; ++i)
      if (const char* name = param_name(tx.params[i])) j.String(name);
    j.EndArray();
    char list[kMaxParams * 4];
    size_t len = 0;
    for (uint8_t i = 0; i < tx.n_params; ++i) {  // ",255" at most 4 chars each
      if (i) list[len++] = ',';
      len += dec8(tx.params[i], list + len);
    }
    w.kv("param_list", std::string_view(list, len));
  }
  if (tx.has & has::kRequestedIp) kv_ip(w, "requested_ip", tx.requested_ip);
  if (tx.has & has::kServerId) kv_ip(w, "server_id", tx.server_id);
  if (tx.has & has::kLease) w.kv("lease_time", uint64_t(tx.lease_time));
  if (tx.has & has::kRenewal) w.kv("renewal_time", uint64_t(tx.renewal_time));
  if (tx.has & has::kRebinding) w.kv("rebinding_time", uint64_t(tx.rebinding_time));
  if (tx.has & has::kSubnetMask) kv_ip(w, "subnet_mask", tx.subnet_mask);
  ip_array(w, "routers", tx.routers, tx.n_routers);
  ip_array(w, "dns_servers", tx.dns, tx.n_dns);
  if (!tx.vendor_class.empty()) w.kv("vendor_class_identifier", tx.vendor_class.view());
  j.EndObject();
}

}  // namespace ww::app::dhcp
