// Protocols a rule header may name: the packet-level ones and the app-layer ones.
//
// kAppProtocols (protocols.cpp) is the one list of app-layer names; a new app-layer protocol
// is one line there. `supported` says whether wardwatch has (or plans in this release) a parser
// that fills its buffers; rules for the others load as "unsupported" (they could never fire).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ww::detect {

using AppProtoId = uint16_t;
inline constexpr AppProtoId kAppNone = 0;

enum class Transport : uint8_t { Tcp = 1, Udp = 2, Both = 3 };

struct AppProtoSpec {
  std::string_view name;
  Transport transport;
  bool supported;
};

std::span<const AppProtoSpec> app_protocols() noexcept;  // index == AppProtoId - 1
std::optional<AppProtoId> app_proto_by_name(std::string_view name) noexcept;
const AppProtoSpec* app_proto(AppProtoId id) noexcept;

// What the protocol field of a rule header resolves to.
struct RuleProto {
  std::string name;          // as written: "tcp", "http", "pkthdr"
  uint8_t ip_proto = 0;      // 0: any IP protocol
  bool any_ip = false;       // "ip"/"pkthdr": every IP packet
  uint8_t ip_version = 0;    // 4/6 for ipv4/ipv6 rules, else 0
  bool pkt_only = false;     // tcp-pkt, pkthdr: packets, never the reassembled stream
  bool stream_only = false;  // tcp-stream
  AppProtoId app = kAppNone;
};

// Resolves the header's protocol word; nullopt when it is not a protocol Suricata knows.
std::optional<RuleProto> parse_rule_proto(std::string_view word);

}  // namespace ww::detect
