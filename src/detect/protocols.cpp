// Protocol names of rule headers; see protocols.h.
#include "detect/protocols.h"

#include <array>

#include "core/types.h"

namespace ww::detect {
namespace {

// One line per app-layer protocol Suricata rules can name. `supported`: wardwatch parses it.
constexpr std::array kAppProtocols = {
    AppProtoSpec{"http", Transport::Tcp, true},
    AppProtoSpec{"http1", Transport::Tcp, true},
    AppProtoSpec{"http2", Transport::Tcp, false},
    AppProtoSpec{"dns", Transport::Both, true},
    AppProtoSpec{"tls", Transport::Tcp, true},
    AppProtoSpec{"smb", Transport::Tcp, true},
    AppProtoSpec{"smtp", Transport::Tcp, true},
    AppProtoSpec{"ftp", Transport::Tcp, true},
    AppProtoSpec{"ftp-data", Transport::Tcp, true},
    AppProtoSpec{"ssh", Transport::Tcp, true},
    AppProtoSpec{"dhcp", Transport::Udp, true},
    AppProtoSpec{"telnet", Transport::Tcp, true},
    AppProtoSpec{"hl7", Transport::Tcp, true},
    AppProtoSpec{"dicom", Transport::Tcp, true},
    AppProtoSpec{"fhir", Transport::Tcp, true},
    AppProtoSpec{"imap", Transport::Tcp, false},
    AppProtoSpec{"pop3", Transport::Tcp, false},
    AppProtoSpec{"dcerpc", Transport::Both, true},
    AppProtoSpec{"nfs", Transport::Both, false},
    AppProtoSpec{"krb5", Transport::Both, false},
    AppProtoSpec{"ntp", Transport::Udp, false},
    AppProtoSpec{"tftp", Transport::Udp, false},
    AppProtoSpec{"snmp", Transport::Udp, false},
    AppProtoSpec{"sip", Transport::Both, false},
    AppProtoSpec{"rdp", Transport::Tcp, false},
    AppProtoSpec{"rfb", Transport::Tcp, false},
    AppProtoSpec{"mqtt", Transport::Tcp, false},
    AppProtoSpec{"modbus", Transport::Tcp, false},
    AppProtoSpec{"dnp3", Transport::Tcp, false},
    AppProtoSpec{"enip", Transport::Both, false},
    AppProtoSpec{"ike", Transport::Udp, false},
    AppProtoSpec{"ikev2", Transport::Udp, false},
    AppProtoSpec{"quic", Transport::Udp, false},
    AppProtoSpec{"pgsql", Transport::Tcp, false},
    AppProtoSpec{"ldap", Transport::Both, false},
    AppProtoSpec{"websocket", Transport::Tcp, false},
    AppProtoSpec{"mdns", Transport::Udp, false},
    AppProtoSpec{"bittorrent-dht", Transport::Udp, false},
    AppProtoSpec{"template", Transport::Tcp, false},
};

}  // namespace

std::span<const AppProtoSpec> app_protocols() noexcept { return kAppProtocols; }

std::optional<AppProtoId> app_proto_by_name(std::string_view name) noexcept {
  for (size_t i = 0; i < kAppProtocols.size(); ++i)
    if (kAppProtocols[i].name == name) return AppProtoId(i + 1);
  return std::nullopt;
}

const AppProtoSpec* app_proto(AppProtoId id) noexcept {
  if (id == kAppNone || id > kAppProtocols.size()) return nullptr;
  return &kAppProtocols[id - 1];
}

std::optional<RuleProto> parse_rule_proto(std::string_view w) {
  RuleProto p;
  p.name = std::string(w);
  if (w == "ip" || w == "pkthdr") {
    p.any_ip = true;
    p.pkt_only = (w == "pkthdr");
  } else if (w == "ipv4" || w == "ip4") {
    p.any_ip = true;
    p.ip_version = 4;
  } else if (w == "ipv6" || w == "ip6") {
    p.any_ip = true;
    p.ip_version = 6;
  } else if (w == "tcp") {
    p.ip_proto = ipproto::kTcp;
  } else if (w == "tcp-pkt") {
    p.ip_proto = ipproto::kTcp;
    p.pkt_only = true;
  } else if (w == "tcp-stream") {
    p.ip_proto = ipproto::kTcp;
    p.stream_only = true;
  } else if (w == "udp") {
    p.ip_proto = ipproto::kUdp;
  } else if (w == "icmp") {
    p.ip_proto = ipproto::kIcmp;  // matches ICMPv4 and ICMPv6, as in Suricata
  } else if (w == "icmpv4") {
    p.ip_proto = ipproto::kIcmp;
    p.ip_version = 4;
  } else if (w == "icmpv6") {
    p.ip_proto = ipproto::kIcmpv6;
  } else if (w == "sctp") {
    p.ip_proto = ipproto::kSctp;
  } else if (w == "igmp") {
    p.ip_proto = 2;
  } else if (auto app = app_proto_by_name(w)) {
    p.app = *app;
    const AppProtoSpec* s = app_proto(*app);
    if (s->transport == Transport::Tcp) p.ip_proto = ipproto::kTcp;
    if (s->transport == Transport::Udp) p.ip_proto = ipproto::kUdp;
  } else {
    return std::nullopt;
  }
  return p;
}

}  // namespace ww::detect
