// HL7 v2 parser (see parser.h for what it extracts, its invariants and limits).
// References: HL7 v2.5.1 chapter 2 (2.5 message framework, 2.7 escape sequences, 2.14 MSH,
// 2.15 MSA) and appendix C (MLLP: <VT=0x0B> message <FS=0x1C><CR=0x0D>).
#include "app/hl7/parser.h"

#include <array>
#include <cstring>

#include "app/redact.h"
#include "flow/arena.h"

namespace ww::app::hl7 {
namespace {

constexpr uint8_t kVt = 0x0B, kFs = 0x1C, kCr = 0x0D, kLf = 0x0A;

bool is_alnum(uint8_t c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// A field separator or encoding character: printable, not alphanumeric, not a space.
bool is_delim(uint8_t c) noexcept { return c > 0x20 && c < 0x7f && !is_alnum(c); }

struct Separators {
  uint8_t field = '|', comp = '^', rep = '~', esc = '\\', sub = '&';
};

// Fields 0..N-1 of a segment (the segment name is field 0), in one pass; those past its last
// field are empty. For MSH, field numbering is shifted by one (MSH-1 is the separator itself):
// field k is MSH-(k+1).
template <size_t N>
std::array<Bytes, N> seg_fields(Bytes seg, uint8_t fs) noexcept {
  std::array<Bytes, N> out{};
  size_t idx = 0, start = 0;
  for (size_t i = 0; i < seg.size(); ++i) {
    if (seg[i] != fs) continue;
    out[idx++] = seg.subspan(start, i - start);
    if (idx == N) return out;
    start = i + 1;
  }
  out[idx] = seg.subspan(start);
  return out;
}

// Component k (1-based) of a field.
Bytes component(Bytes field, uint8_t cs, size_t k) noexcept {
  size_t idx = 1, start = 0;
  for (size_t i = 0; i <= field.size(); ++i) {
    if (i == field.size() || field[i] == cs) {
      if (idx == k) return field.subspan(start, i - start);
      ++idx;
      start = i + 1;
    }
  }
  return {};
}

// Stops at the first repetition (a logged field shows one value).
Bytes first_repetition(Bytes field, uint8_t rs) noexcept {
  for (size_t i = 0; i < field.size(); ++i)
    if (field[i] == rs) return field.first(i);
  return field;
}

// Copies `v` into `f`, decoding the separator escapes (HL7 v2.5.1 2.7.1); other escape
// sequences (\H\, \N\, \Xhh\, \.br\ ...) are kept as they are.
void set_field(Field& f, Bytes v, const Separators& s) noexcept {
  f.clear();
  auto put = [&](uint8_t c) {
    if (f.len < kFieldCap) f.buf[f.len++] = char(c);
    else f.truncated = true;
  };
  for (size_t i = 0; i < v.size(); ++i) {
    uint8_t c = v[i];
    if (c == s.esc && i + 2 < v.size() && v[i + 2] == s.esc) {
      uint8_t code = v[i + 1], out = 0;
      switch (code) {
        case 'F': out = s.field; break;
        case 'S': out = s.comp; break;
        case 'T': out = s.sub; break;
        case 'R': out = s.rep; break;
        case 'E': out = s.esc; break;
        default: break;
      }
      if (out) {
        put(out);
        i += 2;
        continue;
      }
    }
    put(c);
  }
}

bool field_present(Bytes v) noexcept {
  // `""` is HL7's explicit null: not a value.
  return !v.empty() && !(v.size() == 2 && v[0] == '"' && v[1] == '"');
}

bool is_nak(std::string_view code) noexcept {
  return code == "AE" || code == "AR" || code == "CE" || code == "CR";
}

struct Pending {
  Field control_id;
  Field msg_type;
};

enum class Mode : uint8_t { Start, Idle, Msg, Skip, Dead };

struct DirState {
  Mode mode = Mode::Start;
  Framing framing = Framing::Mllp;
  bool junk_reported = false;
  bool in_message = false;   // a transaction is being built
  bool msh_done = false;     // first segment processed
  bool too_many_reported = false;
  Separators sep;
  uint8_t* seg = nullptr;  // kSegmentCap bytes (arena)
  size_t seg_len = 0;
  bool seg_truncated = false;
  uint8_t* raw = nullptr;  // kRawCap bytes (arena)
  size_t raw_len = 0;
  Tx tx;
  char seg_list[kMaxSegmentKinds * 4];
  Pending pending[kPending];
  uint8_t pending_n = 0;
};

class Hl7Parser final : public Parser {
 public:
  // User-provided: make<Hl7Parser>() runs the member initialisers only, without first zeroing
  // the ~8 KB of per-direction state (its text is read only up to its lengths).
  Hl7Parser() noexcept {}
  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override {
    DirState& s = dir_[idx(d)];
    if (s.mode == Mode::Dead) return {ParseStatus::Error, 0, 0};
    for (size_t i = 0; i < data.size();) {
      if (size_t n = plain_run(s, data.subspan(i))) {
        take_run(s, data.data() + i, n);
        i += n;
        continue;
      }
      feed(s, d, data[i], ctx);
      ++i;
      if (s.mode == Mode::Dead) return {ParseStatus::Error, i, 0};
    }
    return {ParseStatus::Ok, data.size(), 0};
  }

  void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept override {
    DirState& s = dir_[idx(d)];
    if (s.mode == Mode::Dead) return;
    if (s.in_message) {
      s.tx.truncated = true;
      end_message(s, d, ctx);
    }
    // Resynchronise: MLLP on the next 0x0B, unframed on the next MSH.
    s.seg_len = 0;
    s.seg_truncated = false;
    s.mode = s.framing == Framing::Mllp ? Mode::Idle : Mode::Skip;
  }

  void finish(Direction d, ParseContext& ctx) noexcept override {
    DirState& s = dir_[idx(d)];
    if (s.mode == Mode::Dead || !s.in_message) return;
    if (s.mode == Mode::Msg) end_segment(s, d, ctx);
    // An unframed message ends with the stream; an MLLP one should have ended with 0x1C.
    if (s.framing == Framing::Mllp) {
      s.tx.truncated = true;
      ctx.on_anomaly("hl7.unterminated_message");
    }
    end_message(s, d, ctx);
  }

 private:
  void feed(DirState& s, Direction d, uint8_t c, ParseContext& ctx) noexcept {
    switch (s.mode) {
      case Mode::Start:
        if (c == kVt) {
          s.framing = Framing::Mllp;
          begin_message(s, d, ctx);
          return;
        }
        s.framing = Framing::Unframed;
        begin_message(s, d, ctx);
        if (s.mode == Mode::Msg) msg_byte(s, d, c, ctx);
        return;
      case Mode::Idle:
        if (c == kVt) {
          begin_message(s, d, ctx);
        } else if (c != kCr && c != kLf && c != kFs && !s.junk_reported) {
          s.junk_reported = true;
          ctx.on_anomaly("hl7.data_outside_frame");
        }
        return;
      case Mode::Msg:
      case Mode::Skip:
        if (s.framing == Framing::Mllp) {
          if (c == kFs) {
            if (s.mode == Mode::Msg) {
              end_segment(s, d, ctx);
              end_message(s, d, ctx);
            }
            s.mode = Mode::Idle;
            return;
          }
          if (c == kVt) {
            if (s.mode == Mode::Msg) {
              // A new frame before the end of this one: the sender restarted.
              end_segment(s, d, ctx);
              s.tx.truncated = true;
              ctx.on_anomaly("hl7.unterminated_message");
              end_message(s, d, ctx);
            }
            begin_message(s, d, ctx);
            return;
          }
          if (s.mode == Mode::Skip) return;
        }
        msg_byte(s, d, c, ctx);
        return;
      case Mode::Dead:
        return;
    }
  }

  void msg_byte(DirState& s, Direction d, uint8_t c, ParseContext& ctx) noexcept {
    if (c == kCr || c == kLf) {
      if (s.mode == Mode::Msg) {
        count_byte(s, d, c, ctx);
        if (s.mode != Mode::Msg) return;
        end_segment(s, d, ctx);
      } else {
        s.seg_len = 0;
        s.seg_truncated = false;
      }
      return;
    }
    if (s.seg_len < kSegmentCap) s.seg[s.seg_len++] = c;
    else s.seg_truncated = true;
    // Unframed: a segment starting with MSH starts the next message.
    if (s.framing == Framing::Unframed && s.seg_len == 3 && !s.seg_truncated &&
        std::memcmp(s.seg, "MSH", 3) == 0 && (s.msh_done || s.mode == Mode::Skip)) {
      if (s.mode == Mode::Msg) end_message(s, d, ctx);
      begin_message(s, d, ctx);
      if (s.mode != Mode::Msg) return;
      std::memcpy(s.seg, "MSH", 3);
      s.seg_len = 3;
      for (uint8_t b : {'M', 'S', 'H'}) count_byte(s, d, b, ctx);
      return;
    }
    if (s.mode == Mode::Msg) count_byte(s, d, c, ctx);
  }

  // Inside a message's segment, most bytes only extend the segment and the message: the
  // length of the run at the start of `b` that msg_byte() would take so (none of CR, LF, and
  // for MLLP VT and FS; past the first 3 bytes of an unframed segment, where MSH is looked
  // for; within kMaxMessage), handed to take_run() at once instead of byte by byte.
  static size_t plain_run(const DirState& s, Bytes b) noexcept {
    if (s.mode != Mode::Msg || (s.framing != Framing::Mllp && s.seg_len < 3)) return 0;
    size_t max = std::min<size_t>(b.size(), kMaxMessage - s.tx.size);
    const bool mllp = s.framing == Framing::Mllp;
    size_t n = 0;
    while (n < max) {
      // Eight bytes at a time while none of them is a control character (all the bytes that
      // end a run are): segment text is printable.
      if (max - n >= 8) {
        uint64_t w;
        std::memcpy(&w, b.data() + n, 8);
        if (((w - 0x2020202020202020ull) & ~w & 0x8080808080808080ull) == 0) {
          n += 8;
          continue;
        }
      }
      uint8_t c = b[n];
      if (c == kCr || c == kLf || (mllp && (c == kVt || c == kFs))) break;
      ++n;
    }
    return n;
  }

  // msg_byte() for each of the n bytes of a plain_run().
  static void take_run(DirState& s, const uint8_t* p, size_t n) noexcept {
    size_t k = std::min(n, kSegmentCap - std::min(s.seg_len, kSegmentCap));
    if (k) std::memcpy(s.seg + s.seg_len, p, k);
    s.seg_len += k;
    if (k < n) s.seg_truncated = true;
    s.tx.size += n;
    size_t r = std::min(n, kRawCap - std::min(s.raw_len, kRawCap));
    if (r) std::memcpy(s.raw + s.raw_len, p, r);
    s.raw_len += r;
  }

  // Accounts one message byte (size cap, raw prefix for hl7.field).
  void count_byte(DirState& s, Direction d, uint8_t c, ParseContext& ctx) noexcept {
    if (++s.tx.size > kMaxMessage) {
      s.tx.size = kMaxMessage;
      s.tx.too_large = true;
      ctx.on_anomaly("hl7.message_too_large");
      end_message(s, d, ctx);
      s.mode = Mode::Skip;
      s.seg_len = 0;
      s.seg_truncated = false;
      return;
    }
    if (s.raw_len < kRawCap) s.raw[s.raw_len++] = c;
  }

  void begin_message(DirState& s, Direction d, ParseContext& ctx) noexcept {
    if (!s.seg) {
      s.seg = ctx.arena().alloc_array<uint8_t>(kSegmentCap);
      s.raw = ctx.arena().alloc_array<uint8_t>(kRawCap);
      if (!s.seg || !s.raw) {
        ctx.on_anomaly("hl7.memcap");
        s.mode = Mode::Dead;
        return;
      }
    }
    s.tx = Tx{};
    s.tx.direction = d;
    s.tx.framing = s.framing;
    s.sep = Separators{};
    s.in_message = true;
    s.msh_done = false;
    s.too_many_reported = false;
    s.seg_len = 0;
    s.seg_truncated = false;
    s.raw_len = 0;
    s.mode = Mode::Msg;
  }

  void end_segment(DirState& s, Direction d, ParseContext& ctx) noexcept {
    if (s.seg_len == 0) return;  // empty line (CR LF endings, trailing CR)
    Bytes seg(s.seg, s.seg_len);
    s.seg_len = 0;
    s.seg_truncated = false;
    Tx& tx = s.tx;
    if (tx.segment_count >= kMaxSegments) {
      if (!s.too_many_reported) {
        s.too_many_reported = true;
        ctx.on_anomaly("hl7.too_many_segments");
      }
      return;
    }
    ++tx.segment_count;
    bool first = !s.msh_done;
    s.msh_done = true;
    bool is_msh = seg.size() >= 3 && std::memcmp(seg.data(), "MSH", 3) == 0;
    if (first) {
      if (is_msh) parse_msh(s, seg);
      else tx.malformed_msh = true;
      if (tx.malformed_msh) ctx.on_anomaly("hl7.malformed_msh");
    } else if (seg.size() >= 4 && seg[3] == s.sep.field) {
      if (std::memcmp(seg.data(), "MSA", 3) == 0) parse_msa(s, seg);
      else if (std::memcmp(seg.data(), "PID", 3) == 0) parse_pid(s, seg);
    }
    add_kind(tx, seg);
  }

  static void add_kind(Tx& tx, Bytes seg) noexcept {
    char name[3] = {'?', '?', '?'};
    for (size_t i = 0; i < 3 && i < seg.size(); ++i)
      name[i] = (is_alnum(seg[i])) ? char(seg[i]) : '?';
    for (uint8_t i = 0; i < tx.segment_kinds; ++i) {
      if (std::memcmp(tx.segments[i].name, name, 3) == 0) {
        ++tx.segments[i].count;
        return;
      }
    }
    if (tx.segment_kinds == kMaxSegmentKinds) {
      tx.segment_kinds_truncated = true;
      return;
    }
    SegmentCount& sc = tx.segments[tx.segment_kinds++];
    std::memcpy(sc.name, name, 3);
    sc.count = 1;
  }

  // MSH (HL7 v2.5.1 2.14.9): MSH-1 field separator, MSH-2 encoding characters (component,
  // repetition, escape, subcomponent), MSH-3..6 sending/receiving application/facility (HD),
  // MSH-9 message type (MSG: type^trigger^structure), MSH-10 control id, MSH-11 processing
  // id, MSH-12 version.
  static void parse_msh(DirState& s, Bytes seg) noexcept {
    Tx& tx = s.tx;
    if (seg.size() < 5 || !is_delim(seg[3])) {
      tx.malformed_msh = true;
      return;
    }
    Separators sp;
    sp.field = seg[3];
    size_t e = 4;
    uint8_t enc[4] = {'^', '~', '\\', '&'};
    size_t n = 0;
    bool bad = false;
    while (e < seg.size() && seg[e] != sp.field) {
      uint8_t c = seg[e++];
      if (!is_delim(c) || c == sp.field) bad = true;
      if (n < 4) enc[n] = c;
      ++n;  // v2.7 adds a fifth (truncation) character: accepted, unused
    }
    if (n < 1 || n > 5 || bad) {
      tx.malformed_msh = true;
      if (bad) return;
    }
    sp.comp = enc[0], sp.rep = enc[1], sp.esc = enc[2], sp.sub = enc[3];
    s.sep = sp;
    // fl[k] is MSH-(k+1).
    const auto fl = seg_fields<12>(seg, sp.field);
    auto hd = [&](Field& f, size_t msh_n) {
      Bytes v = first_repetition(fl[msh_n - 1], sp.rep);
      set_field(f, component(v, sp.comp, 1), sp);
    };
    hd(tx.sending_application, 3);
    hd(tx.sending_facility, 4);
    hd(tx.receiving_application, 5);
    hd(tx.receiving_facility, 6);
    Bytes mt = first_repetition(fl[8], sp.rep);
    set_field(tx.message_type, component(mt, sp.comp, 1), sp);
    set_field(tx.trigger_event, component(mt, sp.comp, 2), sp);
    set_field(tx.message_structure, component(mt, sp.comp, 3), sp);
    set_field(tx.control_id, fl[9], sp);
    set_field(tx.processing_id, component(fl[10], sp.comp, 1), sp);
    set_field(tx.version, component(fl[11], sp.comp, 1), sp);
    // msg_type buffer: type^trigger with the standard component separator, whatever the
    // message declared, so rules can be written once.
    Field& m = tx.msg_type;
    m.clear();
    for (char c : tx.message_type.sv()) m.buf[m.len++] = c;
    if (!tx.trigger_event.empty() && m.len < kFieldCap) {
      m.buf[m.len++] = '^';
      for (char c : tx.trigger_event.sv()) {
        if (m.len == kFieldCap) {
          m.truncated = true;
          break;
        }
        m.buf[m.len++] = c;
      }
    }
    if (tx.message_type.empty() || tx.control_id.empty()) tx.malformed_msh = true;
  }

  // MSA (2.15.8): MSA-1 acknowledgment code, MSA-2 message control id.
  static void parse_msa(DirState& s, Bytes seg) noexcept {
    const auto fl = seg_fields<3>(seg, s.sep.field);
    set_field(s.tx.ack_code, fl[1], s.sep);
    set_field(s.tx.ack_for, fl[2], s.sep);
  }

  // PID (3.4.2): PID-3 patient identifier list, PID-5 patient name. Only presence is noted,
  // unless PHI redaction is off (a lab): then their first repetition is copied.
  static void parse_pid(DirState& s, Bytes seg) noexcept {
    const auto fl = seg_fields<6>(seg, s.sep.field);
    Bytes id = fl[3], name = fl[5];
    if (field_present(id)) s.tx.patient_id_present = true;
    if (field_present(name)) s.tx.patient_name_present = true;
    if (redact_phi()) return;
    if (s.tx.patient_id.empty()) set_field(s.tx.patient_id, first_repetition(id, s.sep.rep), s.sep);
    if (s.tx.patient_name.empty())
      set_field(s.tx.patient_name, first_repetition(name, s.sep.rep), s.sep);
  }

  void end_message(DirState& s, Direction d, ParseContext& ctx) noexcept {
    if (!s.in_message) return;
    s.in_message = false;
    Tx& tx = s.tx;
    if (tx.segment_count == 0 && tx.size == 0) return;  // empty frame
    if (!tx.ack_code.empty()) {
      // Pair the acknowledgment with the message it answers (sent the other way).
      DirState& o = dir_[idx(reverse(d))];
      for (uint8_t i = 0; i < o.pending_n; ++i) {
        if (o.pending[i].control_id.sv() == tx.ack_for.sv()) {
          tx.ack_for_type = o.pending[i].msg_type;
          for (uint8_t j = i + 1; j < o.pending_n; ++j) o.pending[j - 1] = o.pending[j];
          --o.pending_n;
          break;
        }
      }
      if (is_nak(tx.ack_code.sv())) ctx.on_anomaly("hl7.nak");
    } else if (!tx.control_id.empty()) {
      if (s.pending_n == kPending) {  // oldest unanswered message forgotten
        for (uint8_t j = 1; j < kPending; ++j) s.pending[j - 1] = s.pending[j];
        --s.pending_n;
      }
      s.pending[s.pending_n].control_id = tx.control_id;
      s.pending[s.pending_n].msg_type = tx.msg_type;
      ++s.pending_n;
    }
    size_t n = 0;
    for (uint8_t i = 0; i < tx.segment_kinds; ++i) {
      if (i) s.seg_list[n++] = ',';
      std::memcpy(s.seg_list + n, tx.segments[i].name, 3);
      n += 3;
    }
    tx.segment_list = {s.seg_list, n};
    tx.raw = Bytes(s.raw, s.raw_len);
    ctx.on_transaction(&tx, next_tx_++, d);
  }

  DirState dir_[2];
  uint64_t next_tx_ = 0;
};

}  // namespace

// MLLP start block then "MSH" and a field separator, or an unframed "MSH" + separator.
ProbeResult probe(Direction, Bytes b) noexcept {
  size_t off = (!b.empty() && b[0] == kVt) ? 1 : 0;
  static constexpr char kMsh[] = "MSH";
  for (size_t i = 0; i < 4; ++i) {
    if (off + i >= b.size()) return ProbeResult::NeedMore;
    uint8_t c = b[off + i];
    if (i < 3 ? c != uint8_t(kMsh[i]) : !is_delim(c)) return ProbeResult::NoMatch;
  }
  return ProbeResult::Match;
}

Parser* create(ParseContext& ctx) noexcept { return ctx.arena().make<Hl7Parser>(); }

const ParserSpec kSpec = {
    Proto::Hl7, true, false, {2575, 0, 0, 0}, &probe, &create, "hl7", &log_tx, &buffers,
};

}  // namespace ww::app::hl7
