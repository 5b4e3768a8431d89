// DICOM Upper Layer parser (see parser.h for what it extracts, its invariants and limits).
// References: PS3.8 9.3 (PDU structure), PS3.7 6.3.1 and 9.3/10.3 (command sets), PS3.7 E.1
// (command fields), PS3.5 7.1 (data elements), PS3.10 7.1 (file meta information).
#include "app/dicom/parser.h"
#include "core/hex.h"

#include <cstring>

#include "app/redact.h"
#include "flow/arena.h"

namespace ww::app::dicom {
namespace {

// PDU types (PS3.8 9.3.1).
enum : uint8_t {
  kAssocRq = 0x01,
  kAssocAc = 0x02,
  kAssocRj = 0x03,
  kPData = 0x04,
  kReleaseRq = 0x05,
  kReleaseRp = 0x06,
  kAbort = 0x07,
};

constexpr std::string_view kImplicitLe = "1.2.840.10008.1.2";
constexpr std::string_view kBigEndian = "1.2.840.10008.1.2.2";
constexpr std::string_view kDeflated = "1.2.840.10008.1.2.1.99";

// UIDs and AE titles are padded with NUL (UI) or spaces (AE) to even/fixed lengths.
std::string_view trim(Bytes b) noexcept {
  size_t s = 0, e = b.size();
  while (s < e && b[s] == ' ') ++s;
  while (e > s && (b[e - 1] == ' ' || b[e - 1] == 0)) --e;
  return std::string_view(reinterpret_cast<const char*>(b.data()) + s, e - s);
}

void set_value(Value& v, Bytes b) noexcept {
  std::string_view t = trim(b);
  v.len = uint8_t(t.size() < kValueCap ? t.size() : kValueCap);
  if (v.len) std::memcpy(v.buf, t.data(), v.len);
}

bool is_pending(uint16_t status) noexcept { return status == 0xFF00 || status == 0xFF01; }

struct PendingEntry {
  bool in_use = false;
  bool busy[2] = {false, false};  // a dataset for it is streaming in that direction
  uint64_t seq = 0;
  uint64_t tx_id = 0;
  Dimse d;
};

enum class St : uint8_t { Hdr, Body, PData, Dead };

struct DirState {
  St st = St::Hdr;
  uint8_t hdr[6];
  uint8_t hdr_len = 0;
  uint8_t type = 0;
  uint32_t remaining = 0;  // bytes of the current PDU body still to come
  // Buffered PDU bodies: A-ASSOCIATE into `assoc` (arena, grown up to kAssocCap), others into
  // `small`.
  uint8_t* assoc = nullptr;
  size_t assoc_cap = 0;
  uint8_t small[16];
  uint8_t* body = nullptr;
  size_t body_cap = 0, body_len = 0;
  bool body_truncated = false;
  // P-DATA: current PDV item.
  uint8_t pdv_hdr[6];
  uint8_t pdv_hdr_len = 0;
  uint32_t pdv_remaining = 0;
  uint8_t pc = 0, mch = 0;
  // Command set being reassembled.
  uint8_t* cmd = nullptr;
  size_t cmd_len = 0;
  bool cmd_overflow = false;
  // Dataset being streamed.
  PendingEntry* ds_target = nullptr;
  uint8_t* ds = nullptr;
  size_t ds_len = 0;
  uint32_t file_id = 0;
};

class DicomParser final : public Parser {
 public:
  // User-provided, so that make<DicomParser>() does not zero the whole object (30 KB) before
  // the member initialisers run.
  DicomParser() noexcept {}
  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override {
    DirState& s = dir_[idx(d)];
    size_t i = 0;
    while (i < data.size()) {
      if (s.st == St::Dead) return {ParseStatus::Error, i, 0};
      size_t n = data.size() - i;
      switch (s.st) {
        case St::Hdr: {
          size_t take = n < size_t(6 - s.hdr_len) ? n : size_t(6 - s.hdr_len);
          std::memcpy(s.hdr + s.hdr_len, data.data() + i, take);
          s.hdr_len = uint8_t(s.hdr_len + take);
          i += take;
          if (s.hdr_len == 6) start_pdu(s, d, ctx);
          break;
        }
        case St::Body: {
          size_t take = n < s.remaining ? n : s.remaining;
          size_t room = s.body_cap - s.body_len;
          size_t keep = take < room ? take : room;
          if (keep) std::memcpy(s.body + s.body_len, data.data() + i, keep);
          s.body_len += keep;
          if (keep < take) s.body_truncated = true;
          s.remaining -= uint32_t(take);
          i += take;
          if (s.remaining == 0) {
            end_body(s, d, ctx);
            if (s.st != St::Dead) s.st = St::Hdr;
          }
          break;
        }
        case St::PData: {
          size_t take = n < s.remaining ? n : s.remaining;
          pdata(s, d, data.subspan(i, take), ctx);
          s.remaining -= uint32_t(take);
          i += take;
          if (s.remaining == 0 && s.st == St::PData) {
            if (s.pdv_hdr_len != 0 || s.pdv_remaining != 0) {
              ctx.on_anomaly("dicom.malformed_pdu");  // PDV past the end of its PDU
              s.pdv_hdr_len = 0;
              s.pdv_remaining = 0;
            }
            s.st = St::Hdr;
          }
          break;
        }
        case St::Dead:
          break;
      }
    }
    if (s.st == St::Dead) return {ParseStatus::Error, data.size(), 0};
    return {ParseStatus::Ok, data.size(), 0};
  }

  void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept override {
    // PDU boundaries are lost: this direction cannot be followed any more.
    DirState& s = dir_[idx(d)];
    abandon_dataset(s, d, FileEnd::Gap, ctx);
    s.st = St::Dead;
  }

  void finish(Direction d, ParseContext& ctx) noexcept override {
    DirState& s = dir_[idx(d)];
    abandon_dataset(s, d, FileEnd::Truncated, ctx);
    if (s.st != St::Dead) s.st = St::Dead;
    // Both directions done: report what is left.
    if (dir_[0].st == St::Dead && dir_[1].st == St::Dead) {
      flush_pending(ctx);
      emit_association(ctx);
    }
  }

 private:
  // ---- PDU framing ----
  void start_pdu(DirState& s, Direction d, ParseContext& ctx) noexcept {
    s.hdr_len = 0;
    s.type = s.hdr[0];
    ByteReader r(s.hdr + 2, 4);
    s.remaining = r.u32be();
    if (s.type < kAssocRq || s.type > kAbort) {
      ctx.on_anomaly("dicom.malformed_pdu");
      s.st = St::Dead;
      return;
    }
    if (s.remaining > kMaxPdu) {
      ctx.on_anomaly("dicom.pdu_too_large");
      s.st = St::Dead;
      return;
    }
    bool unexpected = false;
    switch (s.type) {
      case kAssocRq: unexpected = d != Direction::ToServer; break;
      case kAssocAc:
      case kAssocRj: unexpected = d != Direction::ToClient; break;
      case kPData: unexpected = !assoc_.ac_seen; break;
      default: break;
    }
    if (unexpected) ctx.on_anomaly("dicom.unexpected_pdu");
    if (s.type == kPData) {
      s.st = St::PData;
      s.pdv_hdr_len = 0;
      s.pdv_remaining = 0;
      if (s.remaining == 0) s.st = St::Hdr;
      return;
    }
    s.body_len = 0;
    s.body_truncated = false;
    if (s.type == kAssocRq || s.type == kAssocAc) {
      size_t want = s.remaining < kAssocCap ? s.remaining : kAssocCap;
      // This PDU overwrites the copy the current association's views point into: report
      // what still refers to it first.
      if (s.type == kAssocRq || assoc_.ac_seen) {
        flush_pending(ctx);
        emit_association(ctx);
      }
      if (want > s.assoc_cap) {
        // Grow: the old copy is abandoned in the arena (bounded: at most a few per flow).
        size_t cap = (want + 4095) & ~size_t(4095);
        if (cap > kAssocCap) cap = kAssocCap;
        s.assoc = ctx.arena().alloc_array<uint8_t>(cap);
        if (!s.assoc) {
          ctx.on_anomaly("dicom.memcap");
          s.assoc_cap = 0;
          s.st = St::Dead;
          return;
        }
        s.assoc_cap = cap;
      }
      s.body = s.assoc;
      s.body_cap = s.assoc_cap;
    } else {
      s.body = s.small;
      s.body_cap = sizeof(s.small);
    }
    s.st = St::Body;
    if (s.remaining == 0) {
      end_body(s, d, ctx);
      if (s.st != St::Dead) s.st = St::Hdr;
    }
  }

  void end_body(DirState& s, Direction d, ParseContext& ctx) noexcept {
    Bytes b(s.body, s.body_len);
    switch (s.type) {
      case kAssocRq: on_assoc_rq(s, b, ctx); break;
      case kAssocAc: on_assoc_ac(s, b, ctx); break;
      case kAssocRj: {
        // PS3.8 9.3.4: reserved, result, source, reason/diag.
        if (b.size() < 4) {
          ctx.on_anomaly("dicom.malformed_pdu");
          break;
        }
        if (assoc_.result != AssocResult::None || !assoc_.rq_seen) {
          reset_association(ctx);
          assoc_tx_id_ = next_tx_++;
        }
        assoc_.result = AssocResult::Rejected;
        assoc_.reject_result = b[1];
        assoc_.reject_source = b[2];
        assoc_.reject_reason = b[3];
        emit_association(ctx);
        break;
      }
      case kReleaseRq: break;
      case kReleaseRp: flush_pending(ctx); break;
      case kAbort: {
        // PS3.8 9.3.8: reserved, reserved, source, reason/diag.
        if (b.size() < 4) {
          ctx.on_anomaly("dicom.malformed_pdu");
          break;
        }
        flush_pending(ctx);
        if (assoc_.result == AssocResult::None && (assoc_.rq_seen || assoc_.ac_seen)) {
          assoc_.result = AssocResult::Aborted;
          emit_association(ctx);
        }
        Tx tx;
        tx.kind = TxKind::Abort;
        tx.direction = d;
        tx.assoc = &assoc_;
        tx.abort_source = b[2];
        tx.abort_reason = b[3];
        ctx.on_transaction(&tx, next_tx_++, d);
        break;
      }
      default: break;
    }
  }

  // ---- A-ASSOCIATE ----
  void reset_association(ParseContext& ctx) noexcept {
    emit_association(ctx);
    assoc_.reset();
    assoc_emitted_ = false;
  }

  void emit_association(ParseContext& ctx) noexcept {
    if (assoc_emitted_ ||
        !(assoc_.rq_seen || assoc_.ac_seen || assoc_.result == AssocResult::Rejected))
      return;
    assoc_emitted_ = true;
    Tx tx;
    tx.kind = TxKind::Association;
    tx.direction = Direction::ToServer;
    tx.assoc = &assoc_;
    ctx.on_transaction(&tx, assoc_tx_id_, Direction::ToServer);
  }

  // Fixed part of A-ASSOCIATE-RQ/AC (PS3.8 9.3.2, 9.3.3): protocol version (2), reserved (2),
  // called AE (16), calling AE (16), reserved (32); then items.
  void on_assoc_rq(DirState& s, Bytes b, ParseContext& ctx) noexcept {
    reset_association(ctx);
    flush_pending(ctx);
    assoc_tx_id_ = next_tx_++;
    assoc_.rq_seen = true;
    assoc_.truncated = s.body_truncated;
    if (s.body_truncated) ctx.on_anomaly("dicom.assoc_truncated");
    ByteReader r(b);
    assoc_.protocol_version = r.u16be();
    r.skip(2);
    assoc_.called_ae = trim(r.bytes(16));
    assoc_.calling_ae = trim(r.bytes(16));
    r.skip(32);
    if (!r.ok()) {
      ctx.on_anomaly("dicom.malformed_pdu");
      return;
    }
    items(r.rest(), true, ctx);
  }

  void on_assoc_ac(DirState& s, Bytes b, ParseContext& ctx) noexcept {
    if (assoc_.result != AssocResult::None || !assoc_.rq_seen) {
      reset_association(ctx);
      assoc_tx_id_ = next_tx_++;
    }
    assoc_.ac_seen = true;
    assoc_.result = AssocResult::Accepted;
    if (s.body_truncated) {
      assoc_.truncated = true;
      ctx.on_anomaly("dicom.assoc_truncated");
    }
    ByteReader r(b);
    r.skip(4);
    Bytes called = r.bytes(16), calling = r.bytes(16);
    r.skip(32);
    if (!r.ok()) {
      ctx.on_anomaly("dicom.malformed_pdu");
      emit_association(ctx);
      return;
    }
    if (!assoc_.rq_seen) {
      assoc_.called_ae = trim(called);
      assoc_.calling_ae = trim(calling);
    }
    items(r.rest(), false, ctx);
    emit_association(ctx);
  }

  // Variable items (PS3.8 9.3.2.1-9.3.2.3, 9.3.3.1-9.3.3.3): type (1), reserved (1),
  // length (2), value. A truncated last item (kAssocCap) is ignored.
  void items(Bytes b, bool rq, ParseContext& ctx) noexcept {
    ByteReader r(b);
    while (r.remaining() >= 4) {
      uint8_t type = r.u8();
      r.skip(1);
      uint16_t len = r.u16be();
      Bytes v = r.bytes(len);
      if (!r.ok()) {
        if (!assoc_.truncated) ctx.on_anomaly("dicom.malformed_pdu");
        return;
      }
      switch (type) {
        case 0x10: assoc_.application_context = trim(v); break;
        case 0x20:
          if (rq) pres_context_rq(v, ctx);
          break;
        case 0x21:
          if (!rq) pres_context_ac(v);
          break;
        case 0x50: user_info(v, rq); break;
        default: break;
      }
    }
  }

  // Presentation context RQ (9.3.2.2): id, 3 reserved, sub-items 0x30 abstract syntax and
  // 0x40 transfer syntaxes.
  void pres_context_rq(Bytes v, ParseContext& ctx) noexcept {
    if (assoc_.context_count == kMaxContexts) {
      if (!assoc_.contexts_truncated) ctx.on_anomaly("dicom.too_many_contexts");
      assoc_.contexts_truncated = true;
      return;
    }
    ByteReader r(v);
    PresContext& pc = assoc_.contexts[assoc_.context_count];
    pc = PresContext{};
    pc.id = r.u8();
    r.skip(3);
    while (r.remaining() >= 4) {
      uint8_t t = r.u8();
      r.skip(1);
      Bytes sv = r.bytes(r.u16be());
      if (!r.ok()) break;
      if (t == 0x30) {
        pc.abstract_syntax = trim(sv);
      } else if (t == 0x40) {
        if (pc.ts_count < kMaxTs) pc.transfer_syntaxes[pc.ts_count++] = trim(sv);
        if (pc.ts_total < 255) ++pc.ts_total;
      }
    }
    if (!r.ok()) ctx.on_anomaly("dicom.malformed_pdu");
    ++assoc_.context_count;
  }

  // Presentation context AC (9.3.3.2): id, reserved, result/reason, reserved, sub-item 0x40.
  void pres_context_ac(Bytes v) noexcept {
    ByteReader r(v);
    uint8_t id = r.u8();
    r.skip(1);
    uint8_t result = r.u8();
    r.skip(1);
    if (!r.ok()) return;
    PresContext* pc = nullptr;
    for (uint8_t i = 0; i < assoc_.context_count; ++i)
      if (assoc_.contexts[i].id == id) pc = &assoc_.contexts[i];
    if (!pc) {
      if (assoc_.context_count == kMaxContexts) return;
      pc = &assoc_.contexts[assoc_.context_count++];
      *pc = PresContext{};
      pc->id = id;
    }
    pc->result = result;
    while (r.remaining() >= 4) {
      uint8_t t = r.u8();
      r.skip(1);
      Bytes sv = r.bytes(r.u16be());
      if (!r.ok()) break;
      if (t == 0x40) pc->accepted_ts = trim(sv);
    }
  }

  // User information (9.3.2.3, PS3.7 D.3.3): 0x51 maximum length, 0x52 implementation class
  // UID, 0x55 implementation version name.
  void user_info(Bytes v, bool rq) noexcept {
    ByteReader r(v);
    while (r.remaining() >= 4) {
      uint8_t t = r.u8();
      r.skip(1);
      Bytes sv = r.bytes(r.u16be());
      if (!r.ok()) break;
      switch (t) {
        case 0x51: {
          ByteReader m(sv);
          uint32_t len = m.u32be();
          if (m.ok()) (rq ? assoc_.max_pdu_rq : assoc_.max_pdu_ac) = len;
          break;
        }
        case 0x52: (rq ? assoc_.impl_class_uid : assoc_.resp_impl_class_uid) = trim(sv); break;
        case 0x55: (rq ? assoc_.impl_version : assoc_.resp_impl_version) = trim(sv); break;
        default: break;
      }
    }
  }

  // ---- P-DATA-TF (9.3.5): items of length (4), presentation context id (1), message control
  // header (1: bit 0 command, bit 1 last fragment), fragment ----
  void pdata(DirState& s, Direction d, Bytes b, ParseContext& ctx) noexcept {
    size_t i = 0;
    while (i < b.size()) {
      if (s.pdv_hdr_len < 6 && s.pdv_remaining == 0) {
        size_t take = b.size() - i < size_t(6 - s.pdv_hdr_len) ? b.size() - i
                                                                : size_t(6 - s.pdv_hdr_len);
        std::memcpy(s.pdv_hdr + s.pdv_hdr_len, b.data() + i, take);
        s.pdv_hdr_len = uint8_t(s.pdv_hdr_len + take);
        i += take;
        if (s.pdv_hdr_len < 6) return;
        ByteReader r(s.pdv_hdr, 6);
        uint32_t len = r.u32be();
        s.pc = r.u8();
        s.mch = r.u8();
        // The PDV must fit in what is left of the PDU (remaining counts this chunk too).
        size_t left_in_pdu = s.remaining - i;
        if (len < 2 || len - 2 > left_in_pdu) {
          ctx.on_anomaly("dicom.malformed_pdu");
          s.st = St::Dead;
          abandon_dataset(s, d, FileEnd::Truncated, ctx);
          return;
        }
        s.pdv_remaining = len - 2;
        s.pdv_hdr_len = 0;
        if (s.pdv_remaining == 0) end_fragment(s, d, ctx);
        continue;
      }
      size_t take = b.size() - i < s.pdv_remaining ? b.size() - i : s.pdv_remaining;
      fragment(s, d, b.subspan(i, take), ctx);
      s.pdv_remaining -= uint32_t(take);
      i += take;
      if (s.pdv_remaining == 0) end_fragment(s, d, ctx);
    }
  }

  void fragment(DirState& s, Direction d, Bytes b, ParseContext& ctx) noexcept {
    if (s.mch & 0x01) {
      if (!s.cmd) {
        s.cmd = ctx.arena().alloc_array<uint8_t>(kCommandCap);
        if (!s.cmd) {
          ctx.on_anomaly("dicom.memcap");
          s.st = St::Dead;
          return;
        }
      }
      size_t room = kCommandCap - s.cmd_len;
      size_t keep = b.size() < room ? b.size() : room;
      std::memcpy(s.cmd + s.cmd_len, b.data(), keep);
      s.cmd_len += keep;
      if (keep < b.size()) s.cmd_overflow = true;
      return;
    }
    PendingEntry* e = s.ds_target;
    if (!e) return;  // a dataset no command announced
    e->d.dataset_bytes += b.size();
    if (s.ds) {
      size_t room = kDatasetPrefix - s.ds_len;
      size_t keep = b.size() < room ? b.size() : room;
      std::memcpy(s.ds + s.ds_len, b.data(), keep);
      s.ds_len += keep;
    }
    if (s.file_id) ctx.file_data(s.file_id, b);
  }

  void end_fragment(DirState& s, Direction d, ParseContext& ctx) noexcept {
    if (!(s.mch & 0x02)) return;
    if (s.mch & 0x01) {
      if (s.cmd_overflow) {
        ctx.on_anomaly("dicom.command_too_large");
      } else if (s.cmd) {
        command(s, d, Bytes(s.cmd, s.cmd_len), ctx);
      }
      s.cmd_len = 0;
      s.cmd_overflow = false;
      return;
    }
    end_dataset(s, d, ctx);
  }

  // ---- DIMSE ----
  PendingEntry* find_pending(uint16_t msg_id, Direction req_dir) noexcept {
    for (auto& e : pending_)
      if (e.in_use && e.d.request_seen && e.d.message_id == msg_id && e.d.request_dir == req_dir)
        return &e;
    return nullptr;
  }

  PendingEntry* new_pending(ParseContext& ctx) noexcept {
    PendingEntry* slot = nullptr;
    for (auto& e : pending_)
      if (!e.in_use) {
        slot = &e;
        break;
      }
    if (!slot) {  // full: the oldest request is logged unanswered
      PendingEntry* oldest = nullptr;
      for (auto& e : pending_)
        if (!e.busy[0] && !e.busy[1] && (!oldest || e.seq < oldest->seq)) oldest = &e;
      if (!oldest) return nullptr;
      emit_dimse(*oldest, ctx);
      slot = oldest;
    }
    *slot = PendingEntry{};
    slot->in_use = true;
    slot->seq = seq_++;
    slot->tx_id = next_tx_++;
    return slot;
  }

  void emit_dimse(PendingEntry& e, ParseContext& ctx) noexcept {
    if (!e.in_use) return;
    for (auto& ds : dir_)
      if (ds.ds_target == &e) ds.ds_target = nullptr;
    Tx tx;
    tx.kind = TxKind::Dimse;
    tx.direction = e.d.request_dir;
    tx.assoc = &assoc_;
    tx.dimse = &e.d;
    ctx.on_transaction(&tx, e.tx_id, e.d.request_dir);
    e.in_use = false;
  }

  void flush_pending(ParseContext& ctx) noexcept {
    for (;;) {  // oldest first
      PendingEntry* oldest = nullptr;
      for (auto& e : pending_)
        if (e.in_use && (!oldest || e.seq < oldest->seq)) oldest = &e;
      if (!oldest) return;
      emit_dimse(*oldest, ctx);
    }
  }

  void maybe_emit(PendingEntry& e, ParseContext& ctx) noexcept {
    if (e.in_use && e.d.responded && !e.busy[0] && !e.busy[1]) emit_dimse(e, ctx);
  }

  // Command set (PS3.7 6.3.1): implicit VR little endian elements of group 0000.
  void command(DirState& s, Direction d, Bytes b, ParseContext& ctx) noexcept {
    uint16_t field = 0, msg_id = 0, responded_to = 0, ds_type = 0x0101, status = 0,
             priority = 0;
    bool has_field = false, has_status = false;
    Bytes sop_class, sop_instance, move_dest;
    ByteReader r(b);
    while (r.remaining() >= 8) {
      uint16_t group = r.u16le(), elem = r.u16le();
      uint32_t len = r.u32le();
      Bytes v = r.bytes(len);
      if (!r.ok() || group != 0x0000) {
        ctx.on_anomaly("dicom.malformed_command");
        return;
      }
      ByteReader vr(v);
      switch (elem) {
        case 0x0002:
        case 0x0003: sop_class = v; break;
        case 0x0100:
          field = vr.u16le();
          has_field = vr.ok();
          break;
        case 0x0110: msg_id = vr.u16le(); break;
        case 0x0120: responded_to = vr.u16le(); break;
        case 0x0600: move_dest = v; break;
        case 0x0700: priority = vr.u16le(); break;
        case 0x0800: ds_type = vr.u16le(); break;
        case 0x0900:
          status = vr.u16le();
          has_status = vr.ok();
          break;
        case 0x1000:
        case 0x1001: sop_instance = v; break;
        default: break;
      }
    }
    if (!has_field) {
      ctx.on_anomaly("dicom.malformed_command");
      return;
    }
    bool has_dataset = ds_type != 0x0101;
    PendingEntry* e = nullptr;
    if (field == 0x0FFF) {  // C-CANCEL-RQ: no response of its own
      if (has_dataset) s.ds_target = nullptr;
      return;
    }
    if (!(field & 0x8000)) {
      e = new_pending(ctx);
      if (!e) return;
      e->d.command = field;
      e->d.message_id = msg_id;
      e->d.request_seen = true;
      e->d.request_dir = d;
      e->d.context_id = s.pc;
      e->d.priority = priority;
      set_value(e->d.sop_class, sop_class);
      set_value(e->d.sop_instance, sop_instance);
      set_value(e->d.move_destination, move_dest);
      if (has_dataset) begin_dataset(s, d, *e, field == 0x0001, ctx);
      return;
    }
    e = find_pending(responded_to, reverse(d));
    if (!e) {  // response to a request not seen (capture started mid-association)
      e = new_pending(ctx);
      if (!e) return;
      e->d.command = uint16_t(field & 0x7FFF);
      e->d.message_id = responded_to;
      e->d.request_dir = reverse(d);
      e->d.context_id = s.pc;
      set_value(e->d.sop_class, sop_class);
      set_value(e->d.sop_instance, sop_instance);
    }
    if (has_status && is_pending(status)) {
      ++e->d.pending_responses;
      if (has_dataset) begin_dataset(s, d, *e, false, ctx);
      return;
    }
    e->d.responded = true;
    e->d.has_status = has_status;
    e->d.status = status;
    for (int k = 0; k < 4; ++k) e->d.status_hex[k] = hex::kUpper[(status >> (12 - 4 * k)) & 0xF];
    if (has_dataset) begin_dataset(s, d, *e, false, ctx);
    else maybe_emit(*e, ctx);
  }

  void begin_dataset(DirState& s, Direction d, PendingEntry& e, bool store,
                     ParseContext& ctx) noexcept {
    abandon_dataset(s, d, FileEnd::Truncated, ctx);
    s.ds_target = &e;
    e.busy[idx(d)] = true;
    ++e.d.datasets;
    if (!s.ds) s.ds = ctx.arena().alloc_array<uint8_t>(kDatasetPrefix);  // null: no elements
    s.ds_len = 0;
    if (store) open_file(s, d, e, ctx);
  }

  // A C-STORE dataset becomes a Part 10 file (PS3.10 7.1): 128-byte preamble, "DICM", then the
  // file meta group in explicit VR little endian; the dataset follows as sent.
  void open_file(DirState& s, Direction d, PendingEntry& e, ParseContext& ctx) noexcept {
    std::string_view name = e.d.sop_instance.empty() ? "dicom-object" : e.d.sop_instance.sv();
    s.file_id = ctx.file_open(d, name, e.tx_id);
    if (!s.file_id) return;
    uint8_t h[128 + 4 + 12 + 14 + 3 * (8 + kValueCap + 2)] = {};
    size_t n = 128;
    std::memcpy(h + n, "DICM", 4);
    n += 4;
    auto tag = [&](uint16_t g, uint16_t el) {
      h[n++] = uint8_t(g), h[n++] = uint8_t(g >> 8), h[n++] = uint8_t(el), h[n++] = uint8_t(el >> 8);
    };
    size_t group_len_at = n + 8;
    tag(0x0002, 0x0000);  // FileMetaInformationGroupLength UL
    h[n++] = 'U', h[n++] = 'L', h[n++] = 4, h[n++] = 0;
    n += 4;
    size_t start = n;
    tag(0x0002, 0x0001);  // FileMetaInformationVersion OB 00 01
    h[n++] = 'O', h[n++] = 'B', h[n++] = 0, h[n++] = 0;
    h[n++] = 2, h[n++] = 0, h[n++] = 0, h[n++] = 0;
    h[n++] = 0, h[n++] = 1;
    auto ui = [&](uint16_t el, std::string_view v) {
      size_t len = v.size() + (v.size() & 1);  // UI padded with NUL to even length
      tag(0x0002, el);
      h[n++] = 'U', h[n++] = 'I', h[n++] = uint8_t(len), h[n++] = uint8_t(len >> 8);
      copy_bytes(h + n, v.data(), v.size());
      n += v.size();
      if (v.size() & 1) h[n++] = 0;
    };
    ui(0x0002, e.d.sop_class.sv());     // MediaStorageSOPClassUID
    ui(0x0003, e.d.sop_instance.sv());  // MediaStorageSOPInstanceUID
    std::string_view ts = assoc_.transfer_syntax(e.d.context_id);
    if (ts.size() > kValueCap) ts = ts.substr(0, kValueCap);
    ui(0x0010, ts.empty() ? kImplicitLe : ts);  // TransferSyntaxUID
    uint32_t gl = uint32_t(n - start);
    for (int k = 0; k < 4; ++k) h[group_len_at + k] = uint8_t(gl >> (8 * k));
    ctx.file_data(s.file_id, Bytes(h, n));
  }

  void end_dataset(DirState& s, Direction d, ParseContext& ctx) noexcept {
    PendingEntry* e = s.ds_target;
    s.ds_target = nullptr;
    if (s.file_id) {
      ctx.file_close(s.file_id, FileEnd::Complete);
      s.file_id = 0;
    }
    if (!e) return;
    e->busy[idx(d)] = false;
    if (s.ds) elements(*e, Bytes(s.ds, s.ds_len), assoc_.transfer_syntax(s.pc));
    s.ds_len = 0;
    maybe_emit(*e, ctx);
  }

  void abandon_dataset(DirState& s, Direction d, FileEnd end, ParseContext& ctx) noexcept {
    if (s.file_id) {
      ctx.file_close(s.file_id, end);
      s.file_id = 0;
    }
    if (s.ds_target) {
      s.ds_target->busy[idx(d)] = false;
      s.ds_target = nullptr;
    }
    s.ds_len = 0;
  }

  // Data elements (PS3.5 7.1.2 explicit, 7.1.3 implicit VR; 7.5 nesting of sequences). Only
  // top-level elements are taken; nested ones are walked through (undefined lengths) or
  // skipped (defined lengths).
  static void elements(PendingEntry& e, Bytes b, std::string_view ts) noexcept {
    if (ts == kBigEndian || ts == kDeflated) return;
    bool explicit_vr;
    if (ts.empty()) {  // not negotiated on this capture: look at the first element
      explicit_vr = b.size() >= 6 && b[4] >= 'A' && b[4] <= 'Z' && b[5] >= 'A' && b[5] <= 'Z';
    } else {
      explicit_vr = ts != kImplicitLe;
    }
    Dimse& m = e.d;
    ByteReader r(b);
    int depth = 0;
    while (r.remaining() >= 8) {
      uint16_t g = r.u16le(), el = r.u16le();
      uint32_t len;
      if (g == 0xFFFE) {  // item / delimiters: no VR
        len = r.u32le();
        if (el == 0xE0DD && depth > 0) --depth;
        else if (el == 0xE000 && len != 0xFFFFFFFF) r.skip(len);
        continue;
      }
      if (explicit_vr) {
        uint8_t v0 = r.u8(), v1 = r.u8();
        bool long_form = (v0 == 'O' && (v1 == 'B' || v1 == 'D' || v1 == 'F' || v1 == 'L' ||
                                         v1 == 'V' || v1 == 'W')) ||
                         (v0 == 'S' && (v1 == 'Q' || v1 == 'V')) ||
                         (v0 == 'U' && (v1 == 'C' || v1 == 'N' || v1 == 'R' || v1 == 'T' ||
                                         v1 == 'V'));
        if (long_form) {
          r.skip(2);
          len = r.u32le();
        } else {
          len = r.u16le();
        }
      } else {
        len = r.u32le();
      }
      if (!r.ok()) return;
      if (len == 0xFFFFFFFF) {  // undefined length: a sequence or encapsulated data
        ++depth;
        continue;
      }
      Bytes v = r.bytes(len);
      if (!r.ok()) return;  // past the kept prefix
      if (g == 0x0010 && !trim(v).empty()) m.patient_present = true;
      if (depth != 0) continue;
      Value* dst = nullptr;
      uint32_t t = uint32_t(g) << 16 | el;
      switch (t) {
        case 0x00080016: dst = &m.ds_sop_class; break;
        case 0x00080052: dst = &m.query_level; break;
        case 0x00080060: dst = &m.modality; break;
        case 0x00080070: dst = &m.manufacturer; break;
        case 0x00081010: dst = &m.station_name; break;
        case 0x00081090: dst = &m.model; break;
        case 0x0020000D: dst = &m.study_uid; break;
        case 0x00100010: dst = redact_phi() ? nullptr : &m.patient_name; break;
        case 0x00100020: dst = redact_phi() ? nullptr : &m.patient_id; break;
        default: break;
      }
      if (dst && dst->empty()) set_value(*dst, v);
    }
  }

  DirState dir_[2];
  Association assoc_;
  bool assoc_emitted_ = false;
  uint64_t assoc_tx_id_ = 0;
  PendingEntry pending_[kPendingDimse];
  uint64_t seq_ = 0;
  uint64_t next_tx_ = 0;
};

}  // namespace

std::string_view Association::transfer_syntax(uint8_t pc_id) const noexcept {
  for (uint8_t i = 0; i < context_count; ++i) {
    const PresContext& pc = contexts[i];
    if (pc.id != pc_id) continue;
    if (!pc.accepted_ts.empty()) return pc.accepted_ts;
    if (pc.ts_count == 1) return pc.transfer_syntaxes[0];
    return {};
  }
  return {};
}

std::string_view command_name(uint16_t c) noexcept {
  switch (c & 0x7FFF) {
    case 0x0001: return "C-STORE";
    case 0x0010: return "C-GET";
    case 0x0020: return "C-FIND";
    case 0x0021: return "C-MOVE";
    case 0x0030: return "C-ECHO";
    case 0x0100: return "N-EVENT-REPORT";
    case 0x0110: return "N-GET";
    case 0x0120: return "N-SET";
    case 0x0130: return "N-ACTION";
    case 0x0140: return "N-CREATE";
    case 0x0150: return "N-DELETE";
    case 0x0FFF: return "C-CANCEL";
    default: return "";
  }
}

// A-ASSOCIATE-RQ (or -AC towards the client): PDU type, reserved 0, length (sane), protocol
// version 1 (bit 0), printable (or space) AE titles (PS3.8 9.3.2).
ProbeResult probe(Direction d, Bytes b) noexcept {
  uint8_t want = d == Direction::ToServer ? kAssocRq : kAssocAc;
  if (b.empty()) return ProbeResult::NeedMore;
  if (b[0] != want) return ProbeResult::NoMatch;
  if (b.size() >= 2 && b[1] != 0) return ProbeResult::NoMatch;
  if (b.size() >= 6) {
    ByteReader r(b.subspan(2, 4));
    uint32_t len = r.u32be();
    if (len < 68 || len > (1u << 20)) return ProbeResult::NoMatch;
  }
  if (b.size() >= 8 && (b[6] != 0 || !(b[7] & 1))) return ProbeResult::NoMatch;
  for (size_t i = 10; i < 42 && i < b.size(); ++i)
    if (b[i] < 0x20 || b[i] > 0x7e) return ProbeResult::NoMatch;
  return b.size() >= 42 ? ProbeResult::Match : ProbeResult::NeedMore;
}

Parser* create(ParseContext& ctx) noexcept { return ctx.arena().make<DicomParser>(); }

const ParserSpec kSpec = {
    Proto::Dicom, true, false, {104, 11112, 0, 0}, &probe, &create, "dicom", &log_tx, &buffers,
};

}  // namespace ww::app::dicom
