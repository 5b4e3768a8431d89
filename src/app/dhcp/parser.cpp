// DHCP parser (see parser.h for what it does, its invariants and limits).
#include "app/dhcp/parser.h"

#include <algorithm>
#include <cstring>

#include "flow/arena.h"

namespace ww::app::dhcp {
namespace {

constexpr uint8_t kCookie[4] = {99, 130, 83, 99};  // RFC 2131 3, RFC 2132 2

// RFC 2132 option codes used here.
namespace opt {
constexpr uint8_t kPad = 0, kSubnetMask = 1, kRouter = 3, kDns = 6, kHostname = 12,
                  kRequestedIp = 50, kLease = 51, kOverload = 52, kMsgType = 53, kServerId = 54,
                  kParams = 55, kRenewal = 58, kRebinding = 59, kVendorClass = 60,
                  kClientId = 61, kEnd = 255;
}

uint32_t be32(const uint8_t* p) noexcept {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

void add_addrs(Bytes v, uint32_t* out, uint8_t& n, bool& cut) noexcept {
  for (size_t i = 0; i + 4 <= v.size(); i += 4) {
    if (n == kMaxAddrs) {
      cut = true;
      return;
    }
    out[n++] = be32(v.data() + i);
  }
}

}  // namespace

const char* msg_type_name(uint8_t t) noexcept {
  switch (MsgType(t)) {
    case MsgType::Discover: return "discover";
    case MsgType::Offer: return "offer";
    case MsgType::Request: return "request";
    case MsgType::Decline: return "decline";
    case MsgType::Ack: return "ack";
    case MsgType::Nak: return "nak";
    case MsgType::Release: return "release";
    case MsgType::Inform: return "inform";
    default: return "unknown";
  }
}

// A BOOTP message with the DHCP magic cookie (RFC 2131 2): op 1/2, a hardware address length
// that fits chaddr, the cookie at offset 236. Ports 67/68 are only a hint.
ProbeResult probe(Direction, Bytes b) noexcept {
  if (b.size() < kMinMessage) return ProbeResult::NoMatch;
  if ((b[0] != 1 && b[0] != 2) || b[2] > 16 || b[3] > 16) return ProbeResult::NoMatch;
  if (std::memcmp(b.data() + 236, kCookie, 4) != 0) return ProbeResult::NoMatch;
  return ProbeResult::Match;
}

Parser* create(ParseContext& ctx) noexcept { return ctx.arena().make<DhcpParser>(); }

void DhcpParser::options(Bytes o, Tx& tx, ParseContext& ctx, uint8_t& overload) noexcept {
  bool cut = false;
  size_t i = 0;
  while (i < o.size()) {
    uint8_t code = o[i++];
    if (code == opt::kPad) continue;
    if (code == opt::kEnd) break;
    if (i >= o.size() || o[i] > o.size() - i - 1) {
      tx.truncated = true;  // RFC 2132 2: the length byte, then that many bytes
      break;
    }
    uint8_t len = o[i++];
    Bytes v = o.subspan(i, len);
    i += len;
    switch (code) {
      case opt::kMsgType:
        if (len == 1) tx.msg_type = v[0];
        break;
      case opt::kHostname:
        tx.hostname.append(as_sv(v));
        cut |= tx.hostname.truncated;
        break;
      case opt::kVendorClass:
        tx.vendor_class.append(as_sv(v));
        cut |= tx.vendor_class.truncated;
        break;
      case opt::kParams:
        for (uint8_t p : v) {
          if (tx.n_params == kMaxParams) {
            cut = true;
            break;
          }
          tx.params[tx.n_params++] = p;
        }
        break;
      case opt::kClientId:  // RFC 2132 9.14: type, then the identifier
        if (len >= 1) {
          if (!(tx.has & has::kClientId)) tx.client_id_type = v[0];
          Bytes id = (tx.has & has::kClientId) ? v : v.subspan(1);
          size_t n = std::min<size_t>(id.size(), sizeof tx.client_id - tx.client_id_len);
          copy_bytes(tx.client_id + tx.client_id_len, id.data(), n);
          tx.client_id_len = uint8_t(tx.client_id_len + n);
          cut |= n < id.size();
          tx.has |= has::kClientId;
        }
        break;
      case opt::kRouter: add_addrs(v, tx.routers, tx.n_routers, cut); break;
      case opt::kDns: add_addrs(v, tx.dns, tx.n_dns, cut); break;
      case opt::kOverload:
        if (len == 1) overload = v[0];
        break;
      default: {
        if (len != 4) break;
        uint32_t x = be32(v.data());
        switch (code) {
          case opt::kRequestedIp: tx.requested_ip = x; tx.has |= has::kRequestedIp; break;
          case opt::kServerId: tx.server_id = x; tx.has |= has::kServerId; break;
          case opt::kSubnetMask: tx.subnet_mask = x; tx.has |= has::kSubnetMask; break;
          case opt::kLease: tx.lease_time = x; tx.has |= has::kLease; break;
          case opt::kRenewal: tx.renewal_time = x; tx.has |= has::kRenewal; break;
          case opt::kRebinding: tx.rebinding_time = x; tx.has |= has::kRebinding; break;
          default: break;
        }
      }
    }
  }
  if (cut) ctx.on_anomaly("dhcp.option_truncated");
}

ParseResult DhcpParser::parse(Direction d, Bytes b, ParseContext& ctx) noexcept {
  const ParseResult all{ParseStatus::Ok, b.size(), 0};
  if (b.size() < kMinMessage || std::memcmp(b.data() + 236, kCookie, 4) != 0 ||
      (b[0] != 1 && b[0] != 2)) {
    ctx.on_anomaly("dhcp.malformed");  // not a DHCP message (or cut before its options)
    return all;
  }
  Tx& tx = tx_;
  tx = Tx{};
  // RFC 2131 2, figure 1.
  ByteReader r(b);
  tx.op = r.u8();
  tx.htype = r.u8();
  tx.hlen = r.u8();
  r.skip(1);  // hops
  tx.xid = r.u32be();
  r.skip(4);  // secs, flags
  tx.ciaddr = r.u32be();
  tx.yiaddr = r.u32be();
  tx.siaddr = r.u32be();
  tx.giaddr = r.u32be();
  Bytes ch = r.bytes(16);
  std::memcpy(tx.chaddr, ch.data(), 16);
  Bytes sname = r.bytes(64);
  Bytes file = r.bytes(128);
  r.skip(4);  // cookie, checked above
  uint8_t overload = 0;
  options(r.rest(), tx, ctx, overload);
  // RFC 2132 9.3: 1 = `file` holds options, 2 = `sname`, 3 = both (file first).
  uint8_t ignored = 0;
  if (overload & 1) options(file, tx, ctx, ignored);
  if (overload & 2) options(sname, tx, ctx, ignored);
  if (tx.truncated) ctx.on_anomaly("dhcp.truncated_options");
  ctx.on_transaction(&tx, next_tx_++, d);
  return all;
}

const ParserSpec kSpec = {Proto::Dhcp, false, true, {67, 68, 0, 0}, probe, create, "dhcp",
                          log_tx,      buffers};

}  // namespace ww::app::dhcp
