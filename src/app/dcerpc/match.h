// app/dcerpc/match: what the DCE/RPC rule keywords see of a call, and how they match it.
// Shared by DCE/RPC over TCP (app/dcerpc) and over SMB named pipes (app/smb).
//
//  dcerpc.iface:<uuid>[,<op><version>][,any_frag]  (alias dce_iface): a REQUEST call whose
//    context id refers to a bound interface (accepted by the server) with that UUID; <op> is one
//    of < > = ! and compares the interface's major version. Without any_frag the BIND that
//    offered the interface must have carried PFC_FIRST_FRAG, and so must the request.
//  dcerpc.opnum:<n|n-m|<n|>n ...>[,...]  (alias dce_opnum): the REQUEST's operation number is
//    one of the list (n-m inclusive).
// Calls that are not requests (BIND, ALTER_CONTEXT) match neither.
#pragma once

#include <cstdint>
#include <string_view>

namespace ww::app::dcerpc {

inline constexpr uint32_t kMaxContexts = 8;  // presentation contexts kept per BIND
inline constexpr uint32_t kMaxBound = 16;    // bound interfaces kept per connection

struct Iface {
  uint8_t uuid[16] = {};  // in the order it is written (RFC 4122 text order)
  uint16_t ver = 0, ver_min = 0;
  uint16_t ctxid = 0;
  bool acked = false;
  uint16_t result = 0, reason = 0;
  bool first_frag = false;  // the BIND offering it carried PFC_FIRST_FRAG
};

struct Call {
  bool request = false;
  bool first_frag = false;
  uint16_t opnum = 0, ctxid = 0;
  const Iface* bound = nullptr;
  uint32_t n_bound = 0;
};

// C706 12.6.4 PDU type: "REQUEST", "BINDACK" ... as Suricata names them; "UNKNOWN" beyond.
const char* type_name(uint8_t t) noexcept;
// A UUID as 16 bytes from the wire: the first three fields little-endian when `le`.
void uuid_from_wire(const uint8_t* wire, bool le, uint8_t (&out)[16]) noexcept;
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lower case); writes 36 characters and a NUL.
void uuid_text(const uint8_t (&uuid)[16], char (&out)[37]) noexcept;
bool iface_match(const Call& c, std::string_view arg) noexcept;
bool opnum_match(const Call& c, std::string_view arg) noexcept;
// "dcerpc.iface" / "dcerpc.opnum" (the rule keyword's canonical names); false for others.
bool keyword_match(const Call& c, std::string_view keyword, std::string_view arg) noexcept;

}  // namespace ww::app::dcerpc
