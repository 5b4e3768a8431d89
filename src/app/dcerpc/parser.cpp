// DCE/RPC over TCP parser (see parser.h).
#include "app/dcerpc/parser.h"

#include <algorithm>
#include <cstring>

#include "flow/arena.h"

namespace ww::app::dcerpc {
namespace {

struct Hdr {
  uint8_t major, minor, type, flags;
  bool le;
  uint16_t frag_len, auth_len;
  uint32_t call_id;
};

Hdr read_hdr(const uint8_t* h) noexcept {
  Hdr r{};
  r.major = h[0];
  r.minor = h[1];
  r.type = h[2];
  r.flags = h[3];
  r.le = h[4] & 0x10;  // drep[0]: integer representation
  auto u16 = [&](size_t o) {
    return r.le ? uint16_t(h[o] | h[o + 1] << 8) : uint16_t(h[o] << 8 | h[o + 1]);
  };
  r.frag_len = u16(8);
  r.auth_len = u16(10);
  r.call_id = r.le ? uint32_t(h[12] | h[13] << 8 | h[14] << 16 | uint32_t(h[15]) << 24)
                   : uint32_t(uint32_t(h[12]) << 24 | h[13] << 16 | h[14] << 8 | h[15]);
  return r;
}

uint16_t rd16(Bytes b, size_t o, bool le) noexcept {
  if (o + 2 > b.size()) return 0;
  return le ? uint16_t(b[o] | b[o + 1] << 8) : uint16_t(b[o] << 8 | b[o + 1]);
}

// A PDU type a client may start a connection with.
bool client_first(uint8_t t) noexcept {
  return t == ptype::kBind || t == ptype::kAlterContext || t == ptype::kRequest;
}

}  // namespace

ProbeResult probe(Direction d, Bytes b) noexcept {
  // C706 12.6.3.1: rpc_vers 5, rpc_vers_minor 0 or 1, a type, flags, drep (integer and
  // character representation: 0x00/0x10 and 0/1), frag_length at least the header.
  if (b.empty()) return ProbeResult::NeedMore;
  if (b[0] != 5) return ProbeResult::NoMatch;
  if (b.size() >= 2 && b[1] > 1) return ProbeResult::NoMatch;
  if (b.size() >= 3) {
    bool ok = d == Direction::ToServer ? client_first(b[2])
                                       : b[2] == ptype::kBindAck || b[2] == ptype::kBindNak ||
                                             b[2] == ptype::kAlterContextResp ||
                                             b[2] == ptype::kResponse || b[2] == ptype::kFault;
    if (!ok) return ProbeResult::NoMatch;
  }
  if (b.size() >= 5 && (b[4] & 0xEE) != 0) return ProbeResult::NoMatch;
  if (b.size() < 16) return ProbeResult::NeedMore;
  Hdr h = read_hdr(b.data());
  if (h.frag_len < 16 || h.auth_len > h.frag_len - 16) return ProbeResult::NoMatch;
  return ProbeResult::Match;
}

Parser* create(ParseContext& ctx) noexcept { return ctx.arena().make<DcerpcParser>(); }

bool DcerpcParser::header_ok(const uint8_t* h) const noexcept {
  Hdr r = read_hdr(h);
  return r.major == 5 && r.minor <= 1 && r.type <= 20 && r.frag_len >= 16 &&
         r.auth_len <= r.frag_len - 16;
}

ParseResult DcerpcParser::parse(Direction d, Bytes data, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  if (s.dead) return {ParseStatus::Error, 0, 0};
  size_t pos = 0;
  while (pos < data.size()) {
    if (!s.in_body) {
      size_t n = std::min<size_t>(16 - s.hdr_have, data.size() - pos);
      std::memcpy(s.hdr + s.hdr_have, data.data() + pos, n);
      s.hdr_have = uint8_t(s.hdr_have + n);
      pos += n;
      if (s.hdr_have < 16) break;
      if (!header_ok(s.hdr)) {
        ctx.on_anomaly("dcerpc.malformed");
        s.dead = true;
        return {ParseStatus::Error, pos, 0};
      }
      start_body(d, ctx);
      if (s.body_len == 0) end_pdu(d, ctx);
      continue;
    }
    size_t n = std::min<size_t>(s.body_len - s.body_got, data.size() - pos);
    Bytes chunk = data.subspan(pos, n);
    uint32_t at = s.body_got;
    if (s.keep && at < kKeep)
      std::memcpy(s.keep + at, chunk.data(), std::min<size_t>(n, kKeep - at));
    // Stub bytes of this chunk: body offsets [stub_from, stub_to).
    uint32_t from = std::max(at, s.stub_from), to = std::min<uint32_t>(at + uint32_t(n), s.stub_to);
    if (from < to && s.stub && s.stub_len < kMaxStub) {
      uint32_t take = std::min(to - from, kMaxStub - s.stub_len);
      std::memcpy(s.stub + s.stub_len, chunk.data() + (from - at), take);
      s.stub_len += take;
    }
    s.body_got += uint32_t(n);
    pos += n;
    if (s.body_got == s.body_len) end_pdu(d, ctx);
  }
  return {ParseStatus::Ok, data.size(), 0};
}

void DcerpcParser::start_body(Direction d, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  Hdr h = read_hdr(s.hdr);
  s.in_body = true;
  s.body_len = h.frag_len - 16u;
  s.body_got = 0;
  s.stub_from = s.stub_to = 0;
  if (!s.keep && !no_memory_) {
    s.keep = ctx.arena().alloc_array<uint8_t>(kKeep);
    if (!s.keep) no_memory_ = true;
  }
  bool req = d == Direction::ToServer && h.type == ptype::kRequest;
  bool rsp = d == Direction::ToClient && (h.type == ptype::kResponse || h.type == ptype::kFault);
  if (!req && !rsp) return;
  // C706 12.6.4.9: a request's body is alloc_hint(4) p_cont_id(2) opnum(2) [object uuid(16)]
  // then the stub. As Suricata counts it, the stub follows the first 8 bytes (an object UUID
  // is part of it) and runs to the end of the fragment (the authentication verifier
  // included); a response's is its whole body (alloc_hint, p_cont_id, cancel_count and
  // reserved included: 12.6.4.10).
  uint32_t head = req ? 8u : 0u;
  s.stub_from = std::min(head, s.body_len);
  s.stub_to = s.body_len;
  // The call: a later fragment continues the one being assembled; a first fragment (or an
  // answer) finds or opens the call by id.
  Tx* tx = find(h.call_id, req);
  if (!tx) tx = &add(h.call_id, ctx);
  if (s.tx != tx) s.stub_len = 0;
  s.tx = tx;
  if (!s.stub && !no_memory_) {
    s.stub = ctx.arena().alloc_array<uint8_t>(kMaxStub);
    if (!s.stub) no_memory_ = true;
  }
  tx->rpc_major = h.major;
  tx->rpc_minor = h.minor;
  if (req) {
    if (!tx->req_seen) tx->first_frag = h.flags & kFirstFrag;
    tx->req_seen = true;
    tx->req_type = h.type;
  } else {
    tx->rsp_type = h.type;
  }
}

void DcerpcParser::end_pdu(Direction d, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  Hdr h = read_hdr(s.hdr);
  s.in_body = false;
  s.hdr_have = 0;
  Bytes body(s.keep, s.keep ? std::min<uint32_t>(s.body_len, kKeep) : 0);
  if (d == Direction::ToServer) {
    if (h.type == ptype::kBind || h.type == ptype::kAlterContext) {
      bind(d, body, ctx);
    } else if (h.type == ptype::kRequest && s.tx) {
      Tx& tx = *s.tx;
      ++tx.req_frags;
      tx.req_stub += s.stub_to - s.stub_from;
      if (h.flags & kFirstFrag || tx.req_frags == 1) {
        tx.ctxid = rd16(body, 4, h.le);
        tx.opnum = rd16(body, 6, h.le);
      }
      if (h.flags & kLastFrag) {
        tx.req_done = true;
        tx.req_data = s.stub;
        tx.req_len = s.stub_len;
        inspect_request(tx, ctx);
        tx.req_data = nullptr;
        tx.req_len = 0;
        s.tx = nullptr;
        s.stub_len = 0;
      }
    }
    return;
  }
  if (h.type == ptype::kBindAck || h.type == ptype::kBindNak ||
      h.type == ptype::kAlterContextResp) {
    bind_ack(d, body, ctx);
  } else if ((h.type == ptype::kResponse || h.type == ptype::kFault) && s.tx) {
    Tx& tx = *s.tx;
    ++tx.rsp_frags;
    if (h.type == ptype::kResponse) tx.rsp_stub += s.stub_to - s.stub_from;
    if (h.flags & kLastFrag || h.type == ptype::kFault) {
      tx.rsp_done = true;
      if (h.type == ptype::kResponse) {
        tx.rsp_data = s.stub;
        tx.rsp_len = s.stub_len;
      }
      report(tx, ctx);
      s.tx = nullptr;
      s.stub_len = 0;
    }
  }
}

// C706 12.6.4.3 bind / 12.6.4.1 alter_context: max_xmit_frag(2) max_recv_frag(2)
// assoc_group_id(4) p_context_elem: n_context_elem(1) reserved(3), then per element
// p_cont_id(2) n_transfer_syn(1) reserved(1) abstract_syntax(uuid 16, version 4)
// transfer_syntaxes(20 each).
void DcerpcParser::bind(Direction d, Bytes body, ParseContext& ctx) noexcept {
  Hdr h = read_hdr(dir_[idx(d)].hdr);
  Tx* found = find(h.call_id, true);
  Tx& tx = found ? *found : add(h.call_id, ctx);
  tx.req_seen = tx.req_done = true;
  tx.req_type = h.type;
  tx.rpc_major = h.major;
  tx.rpc_minor = h.minor;
  tx.first_frag = h.flags & kFirstFrag;
  tx.n_ifaces = 0;
  size_t off = 8;
  uint8_t n = off < body.size() ? body[off] : 0;
  off += 4;
  for (uint8_t i = 0; i < n && off + 24 <= body.size(); ++i) {
    uint16_t ctxid = rd16(body, off, h.le);
    uint8_t n_ts = body[off + 2];
    if (tx.n_ifaces < kMaxContexts) {
      Iface& f = tx.ifaces[tx.n_ifaces++];
      f = Iface{};
      f.ctxid = ctxid;
      uuid_from_wire(body.data() + off + 4, h.le, f.uuid);
      f.ver = rd16(body, off + 20, h.le);
      f.ver_min = rd16(body, off + 22, h.le);
      f.first_frag = h.flags & kFirstFrag;
    }
    off += 24 + size_t(n_ts) * 20;
  }
  inspect_request(tx, ctx);
}

// C706 12.6.4.4 bind_ack / 12.6.4.2 alter_context_resp: max_xmit_frag(2) max_recv_frag(2)
// assoc_group_id(4) sec_addr (length(2) + port spec), padded to 4, p_result_list:
// n_results(1) reserved(3), then per result: result(2) reason(2) transfer_syntax(20).
// bind_nak (12.6.4.5): provider_reject_reason(2), every context rejected.
void DcerpcParser::bind_ack(Direction d, Bytes body, ParseContext& ctx) noexcept {
  Hdr h = read_hdr(dir_[idx(d)].hdr);
  Tx* found = find(h.call_id, false);
  if (!found) {  // its BIND was not seen
    found = &add(h.call_id, ctx);
  }
  Tx& tx = *found;
  tx.rsp_type = h.type;
  tx.rsp_done = true;
  if (h.type == ptype::kBindNak) {
    for (uint8_t i = 0; i < tx.n_ifaces; ++i) {
      tx.ifaces[i].acked = true;
      tx.ifaces[i].result = 2;  // provider rejection
      tx.ifaces[i].reason = rd16(body, 0, h.le);
    }
  } else {
    size_t off = 8;
    uint16_t sec = rd16(body, off, h.le);
    off += 2 + sec;
    off += (4 - (16 + off) % 4) % 4;  // aligned on 4 octets from the PDU start
    uint8_t n = off < body.size() ? body[off] : 0;
    off += 4;
    for (uint8_t i = 0; i < n && off + 24 <= body.size(); ++i, off += 24) {
      if (i >= tx.n_ifaces) break;
      Iface& f = tx.ifaces[i];
      f.acked = true;
      f.result = rd16(body, off, h.le);
      f.reason = rd16(body, off + 2, h.le);
      if (f.result != 0) continue;
      // Accepted: a bound interface of the connection (a context id bound again replaces it).
      uint8_t at = n_bound_;
      for (uint8_t k = 0; k < n_bound_; ++k)
        if (bound_[k].ctxid == f.ctxid) at = k;
      if (at == n_bound_) {
        if (n_bound_ == kMaxBound) continue;
        ++n_bound_;
      }
      bound_[at] = f;
    }
  }
  report(tx, ctx);
}

Tx* DcerpcParser::find(uint32_t call_id, bool request_side) noexcept {
  for (Slot& s : slots_) {
    if (!s.used || s.tx.call_id != call_id) continue;
    if (request_side ? !s.tx.req_done : !s.tx.rsp_done) return &s.tx;
  }
  return nullptr;
}

Tx& DcerpcParser::add(uint32_t call_id, ParseContext& ctx) noexcept {
  Slot* slot = nullptr;
  for (Slot& s : slots_)
    if (!s.used) {
      slot = &s;
      break;
    }
  if (!slot) {  // full: the oldest call is reported without its answer
    slot = &slots_[0];
    for (Slot& s : slots_)
      if (s.tx.tx_id < slot->tx.tx_id) slot = &s;
    report(slot->tx, ctx);
  }
  slot->used = true;
  slot->tx = Tx{};
  slot->tx.tx_id = next_tx_++;
  slot->tx.call_id = call_id;
  return slot->tx;
}

void DcerpcParser::inspect_request(Tx& tx, ParseContext& ctx) noexcept {
  tx.bound = bound_;
  tx.n_bound = n_bound_;
  if (tx.req_type == ptype::kRequest) {  // the interface the call is made on
    tx.n_ifaces = 0;
    for (uint8_t k = 0; k < n_bound_; ++k)
      if (bound_[k].ctxid == tx.ctxid) {
        tx.ifaces[0] = bound_[k];
        tx.n_ifaces = 1;
      }
  }
  ctx.on_inspect(&tx, tx.tx_id, Direction::ToServer);
}

void DcerpcParser::report(Tx& tx, ParseContext& ctx) noexcept {
  tx.bound = bound_;
  tx.n_bound = n_bound_;
  ctx.on_transaction(&tx, tx.tx_id, Direction::ToClient);
  for (DirState& s : dir_)
    if (s.tx == &tx) {
      s.tx = nullptr;
      s.stub_len = 0;
    }
  for (Slot& s : slots_)
    if (&s.tx == &tx) s.used = false;
}

void DcerpcParser::gap(Direction d, uint64_t, ParseContext&) noexcept {
  dir_[idx(d)].dead = true;  // no resynchronisation (parser.h)
}

void DcerpcParser::finish(Direction d, ParseContext& ctx) noexcept {
  done_[idx(d)] = true;
  if (!done_[0] || !done_[1]) return;
  for (;;) {  // calls never answered, in order
    Slot* first = nullptr;
    for (Slot& s : slots_)
      if (s.used && (!first || s.tx.tx_id < first->tx.tx_id)) first = &s;
    if (!first) break;
    first->tx.req_data = nullptr;
    first->tx.req_len = 0;
    report(first->tx, ctx);
  }
}

const ParserSpec kSpec = {
    Proto::Dcerpc, true,     false,   {135, 0, 0, 0}, probe, create, "dcerpc", log_tx, buffers,
    /*tx_both_dirs=*/false, Proto::Unknown, nullptr, check};

}  // namespace ww::app::dcerpc
