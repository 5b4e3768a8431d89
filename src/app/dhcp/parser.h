// app/dhcp: DHCP (RFC 2131) and its options (RFC 2132) over UDP 67/68, for the asset inventory.
//
// What it does: each datagram is one BOOTP message (RFC 2131 2, figure 1): op, xid, the
// client/your/server/relay addresses, the client hardware address, then the options after the
// magic cookie 99.130.83.99 (RFC 2132 2). Options kept: message type (53), hostname (12),
// vendor class identifier (60), parameter request list (55), requested address (50), client
// identifier (61), lease/renewal/rebinding times (51/58/59), subnet mask (1), routers (3),
// DNS servers (6), server identifier (54). Option overload (52, RFC 2132 9.3) is followed into
// the `file` and `sname` fields; an option repeated is concatenated (RFC 3396).
// One Tx per message, reported at once in the direction it came.
//
// Invariants: a datagram is a whole message (the app layer never splits it): parse() always
// consumes everything and never returns Error, so a later valid message is still read; a
// malformed message is an anomaly and is reported with what was read before the fault.
// Limits: kMaxParams parameter codes, kMaxAddrs routers / DNS servers, 255 bytes of hostname and
// vendor class, 64 bytes of client identifier (beyond: cut, dhcp.option_truncated counted once
// per message).
#pragma once

#include <cstddef>
#include <cstdint>

#include "app/parser.h"
#include "app/tls/text.h"

namespace ww::app::dhcp {

inline constexpr size_t kMaxParams = 64;
inline constexpr size_t kMaxAddrs = 8;
inline constexpr size_t kMinMessage = 240;  // fixed header (236) + magic cookie (4)

// RFC 2132 9.6 DHCP message types.
enum class MsgType : uint8_t { None = 0, Discover, Offer, Request, Decline, Ack, Nak, Release,
                               Inform };
// Suricata's dhcp_type names ("discover" ...), "unknown" for others.
const char* msg_type_name(uint8_t t) noexcept;

struct Tx {
  uint8_t op = 0;       // 1 BOOTREQUEST, 2 BOOTREPLY
  uint8_t htype = 0, hlen = 0;
  uint32_t xid = 0;
  uint32_t ciaddr = 0, yiaddr = 0, siaddr = 0, giaddr = 0;  // host order
  uint8_t chaddr[16] = {};
  uint8_t msg_type = 0;  // option 53; 0: plain BOOTP
  tls::BoundedStr<255> hostname;      // 12
  tls::BoundedStr<255> vendor_class;  // 60
  uint8_t client_id[64] = {};         // 61, without its type byte
  uint8_t client_id_len = 0;
  uint8_t client_id_type = 0;
  uint8_t params[kMaxParams] = {};    // 55, in the client's order
  uint8_t n_params = 0;
  uint32_t routers[kMaxAddrs] = {};   // 3
  uint8_t n_routers = 0;
  uint32_t dns[kMaxAddrs] = {};       // 6
  uint8_t n_dns = 0;
  uint32_t requested_ip = 0, server_id = 0, subnet_mask = 0;  // 50, 54, 1
  uint32_t lease_time = 0, renewal_time = 0, rebinding_time = 0;  // 51, 58, 59 (seconds)
  uint16_t has = 0;  // has:: bits for the single-value options seen
  bool truncated = false;  // options ran past the datagram or had a bad length
};

namespace has {
inline constexpr uint16_t kRequestedIp = 1, kServerId = 2, kSubnetMask = 4, kLease = 8,
                          kRenewal = 16, kRebinding = 32, kClientId = 64;
}

class DhcpParser final : public Parser {
 public:
  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override;

 private:
  void options(Bytes opts, Tx& tx, ParseContext& ctx, uint8_t& overload) noexcept;
  Tx tx_;
  uint64_t next_tx_ = 0;
};

ProbeResult probe(Direction d, Bytes first_bytes) noexcept;
Parser* create(ParseContext& ctx) noexcept;
void log_tx(const void* tx, output::EveWriter& w) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::dhcp
