// app/dcerpc: DCE/RPC connection-oriented PDUs (C706 chapter 12, "RPC PDU Encodings") over TCP:
// the endpoint mapper (port 135) and the dynamic ports it hands out, detected by content (a
// version 5.0/5.1 BIND, ALTER_CONTEXT or REQUEST header with a sane fragment length).
// DCE/RPC over SMB named pipes is decoded by app/smb; both share the rule keyword logic
// (match.h: dcerpc.iface, dcerpc.opnum).
//
// What it does: per direction a byte-driven PDU reader (16-byte common header, then the body);
// BIND/ALTER_CONTEXT (presentation contexts: context id, interface UUID and version) paired with
// their BIND_ACK/BIND_NAK/ALTER_CONTEXT_RESP by call id (per context: result, reason; accepted
// contexts become the connection's bound interfaces); REQUEST fragments (opnum, context id,
// stub data) paired with their RESPONSE or FAULT fragments by call id. One Tx per call.
// A call is inspected to server (ParseContext::on_inspect) once its request is complete, and
// reported (EVE `dcerpc`, detection to client) once its answer is complete; calls never
// answered are reported at the end of the connection ("UNREPLIED"); an answer whose request was
// not seen (lost to a gap or the stream depth) is "REQUEST_LOST".
//
// Invariants:
//  - Incremental: any split of the input gives the same Txs; parse() always consumes all it is
//    given (Ok) until the direction turns out not to be DCE/RPC (Error, dcerpc.malformed).
//  - Stub data, as Suricata counts it: a request's from after its 8-byte header (an object
//    UUID included) to the end of the fragment, a response's whole body; the authentication
//    verifier is not taken out.
//  - Bounded: of each PDU body only kKeep bytes are kept; stub data is copied (for the
//    dcerpc.stub_data buffer) up to kMaxStub per direction of the call being assembled, the
//    rest only counted; at most kMaxPending calls wait for an answer (the oldest is reported
//    unanswered when full), kMaxContexts contexts per PDU, kMaxBound bound interfaces.
//  - A gap stops the direction (no resynchronisation on the next header).
// Limits: kMaxPdu (a fragment longer is dcerpc.malformed): fragment lengths are 16 bits.
#pragma once

#include <cstddef>
#include <cstdint>

#include "app/dcerpc/match.h"
#include "app/parser.h"

namespace ww::app::dcerpc {

inline constexpr uint32_t kKeep = 2048;
inline constexpr uint32_t kMaxStub = 16 * 1024;
inline constexpr uint32_t kMaxPending = 8;

// C706 12.6.4 PTYPE values.
namespace ptype {
inline constexpr uint8_t kRequest = 0, kResponse = 2, kFault = 3, kBind = 11, kBindAck = 12,
                         kBindNak = 13, kAlterContext = 14, kAlterContextResp = 15, kAuth3 = 16;
}
// C706 12.6.3.1 pfc_flags.
inline constexpr uint8_t kFirstFrag = 0x01, kLastFrag = 0x02, kObjectUuid = 0x80;

struct Tx {
  uint64_t tx_id = 0;
  uint32_t call_id = 0;
  uint8_t rpc_major = 5, rpc_minor = 0;
  uint8_t req_type = 0, rsp_type = 0;
  bool req_seen = false;   // a request PDU of this call was seen (else REQUEST_LOST)
  bool req_done = false;   // its last fragment was seen
  bool rsp_done = false;
  bool first_frag = false;  // the request's first fragment carried PFC_FIRST_FRAG
  uint16_t opnum = 0, ctxid = 0;
  uint32_t req_frags = 0, rsp_frags = 0;
  uint32_t req_stub = 0, rsp_stub = 0;  // whole stub sizes (all fragments)
  // The kept stub bytes of the direction being inspected (dcerpc.stub_data); null otherwise.
  const uint8_t* req_data = nullptr;
  uint32_t req_len = 0;
  const uint8_t* rsp_data = nullptr;
  uint32_t rsp_len = 0;
  // BIND / ALTER_CONTEXT: its contexts (results filled by the answer). REQUEST: the bound
  // interface its context id refers to (0 or 1 entry).
  Iface ifaces[kMaxContexts] = {};
  uint8_t n_ifaces = 0;
  // The connection's bound interfaces when the Tx was inspected (for dcerpc.iface).
  const Iface* bound = nullptr;
  uint8_t n_bound = 0;
};

class DcerpcParser final : public Parser {
 public:
  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override;
  void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept override;
  void finish(Direction d, ParseContext& ctx) noexcept override;

 private:
  struct DirState {
    uint8_t hdr[16] = {};
    uint8_t hdr_have = 0;
    bool in_body = false;
    bool dead = false;
    uint32_t body_len = 0, body_got = 0;
    uint32_t stub_from = 0, stub_to = 0;  // body offsets of the stub data (request/response)
    uint8_t* keep = nullptr;              // kKeep bytes from the arena
    uint8_t* stub = nullptr;              // kMaxStub bytes from the arena
    uint32_t stub_len = 0;                // kept stub bytes of the call being assembled
    Tx* tx = nullptr;                     // the call the current request/response belongs to
  };
  struct Slot {
    bool used = false;
    Tx tx;
  };
  bool header_ok(const uint8_t* h) const noexcept;
  void start_body(Direction d, ParseContext& ctx) noexcept;
  void end_pdu(Direction d, ParseContext& ctx) noexcept;
  void bind(Direction d, Bytes body, ParseContext& ctx) noexcept;
  void bind_ack(Direction d, Bytes body, ParseContext& ctx) noexcept;
  Tx* find(uint32_t call_id, bool request_side) noexcept;
  Tx& add(uint32_t call_id, ParseContext& ctx) noexcept;
  void report(Tx& tx, ParseContext& ctx) noexcept;
  void inspect_request(Tx& tx, ParseContext& ctx) noexcept;

  DirState dir_[2];
  Slot slots_[kMaxPending];
  Iface bound_[kMaxBound] = {};
  uint8_t n_bound_ = 0;
  uint64_t next_tx_ = 0;
  bool done_[2] = {false, false};
  bool no_memory_ = false;
};

ProbeResult probe(Direction d, Bytes first_bytes) noexcept;
Parser* create(ParseContext& ctx) noexcept;
void log_tx(const void* tx, output::EveWriter& w) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;
bool check(const void* tx, Direction d, std::string_view keyword, std::string_view value) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::dcerpc
