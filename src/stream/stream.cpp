// stream: TCP reassembly. One TcpSession per TCP flow, two directions each.
//
// OVERLAP POLICY: FIRST DATA WINS. For every sequence range, the bytes wardwatch received first
// are the ones delivered (whether they were delivered at once or queued out of order); a later
// segment covering the same range is compared with them and, when its bytes differ, counted
// (stream.overlap_diff), flagged on the session (flag::kOverlapDiff) and raised once per
// direction through StreamSink::on_anomaly(OverlapDiff). Comparing with bytes already
// delivered needs them: delivered segments are retained (copied, bounded by
// retain_segments_per_dir and retain_memcap) until the other side ACKs them.
//
// Invariants:
//  - Per direction, on_data offsets are contiguous: each call starts where the previous data
//    or gap ended (a gap advances the offset by its length).
//  - Nothing is delivered for a direction after its on_close; on_close is called exactly once
//    per direction (FIN/RST once everything before it was delivered or declared a gap, or at
//    release()). One exception: a session an RST closed before any byte was delivered
//    resumes when the RST's sender goes on at its sequence number (suspected_rst_inject);
//    the on_close calls it had are then followed by data, once.
//  - The out-of-order queue of a direction is sorted, its segments do not overlap and all start
//    after the next expected byte (they are delivered as soon as the hole before them fills).
//  - Sequence numbers are compared with 32-bit serial arithmetic, offsets are 64-bit.
//  - No heap allocation per packet: segments come from slabs of fixed 2 KiB segments (a larger
//    TCP payload takes several), sessions from slabs; both are reused through free lists.
//    Queued payload is copied (the Packet's bytes die after processing); in-order data is
//    delivered straight from the packet.
//
// Limits (each counted): stream.depth_reached (cfg.depth per direction, then no more data),
// stream.segment_limit_drop (cfg.max_segments_per_dir queued segments), stream.
// segment_memcap_drop (cfg.memcap bytes of segments), stream.ooo_too_far (a segment more than
// cfg.max_ooo_distance ahead). A dropped segment becomes a gap later.
//
// Gaps: when the other side ACKs data that was never seen, or at release(), the missing range
// is reported with on_gap(len) (stream.reassembly_gap) and delivery resumes after it. An ACK
// seen before the data it covers (capture reordering) therefore turns that data into a gap.
//
// Acked delivery (cfg.deliver_on_ack, default; Suricata's IDS timing): in-order bytes are held
// (held list, per direction: a pointer to a stable packet or a pool copy) until the other side
// ACKs them; the ACK records an AckMark, and the bytes go to the sink with the next packet of
// their direction (StreamSink::on_origin names the ACK packet), at the close of either
// direction, at RST or at release() at the latest. Invariant: the held list covers
// [app_seq, next_seq) contiguously; offsets stay contiguous since gaps and closes flush it
// first. Over cfg.max_unacked held bytes (or without pool memory) they are delivered at once
// (stream.app_unacked_forced).
//
// Midstream: without a SYN, a direction starts at its first data segment when cfg.midstream
// (stream.midstream_pickups); otherwise the data of sessions without a SYN is ignored
// (stream.midstream_ignored). An RST is accepted when its sequence number lies within 1 MiB
// of the next expected byte (stream.rst_invalid otherwise) and closes both directions.
// Handshake: before the SYN/ACK, a server packet whose timestamp echo is not the client SYN's
// is ignored (stream.pkt_invalid_timestamp), and so is a client RST (the server has no
// connection to reset yet).
#include "stream/stream.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace ww::stream {

namespace {

constexpr size_t kSegBytes = 2048;
constexpr uint32_t kRstWindow = 1u << 20;

inline bool lt(uint32_t a, uint32_t b) noexcept { return int32_t(a - b) < 0; }
inline bool le(uint32_t a, uint32_t b) noexcept { return int32_t(a - b) <= 0; }
inline uint32_t smax(uint32_t a, uint32_t b) noexcept { return lt(a, b) ? b : a; }
inline uint32_t smin(uint32_t a, uint32_t b) noexcept { return lt(a, b) ? a : b; }

struct Segment {
  Segment* next;
  uint32_t seq;
  uint16_t len;
  // A retained segment of a stable capture (Packet::stable_data) holds a pointer to the
  // packet's bytes in `data` instead of a copy: delivery then writes one cache line, not len.
  uint8_t ref;
  uint8_t data[kSegBytes - 16];
  uint32_t end() const noexcept { return seq + len; }
  const uint8_t* bytes() const noexcept {
    if (!ref) return data;
    const uint8_t* p;
    std::memcpy(&p, data, sizeof p);
    return p;
  }
};
static_assert(sizeof(Segment) == kSegBytes);
constexpr uint32_t kSegData = sizeof(Segment::data);

}  // namespace

struct DirState {
  uint32_t next_seq = 0;      // next expected sequence number
  uint64_t offset = 0;        // stream offset of next_seq
  uint32_t fin_seq = 0;       // sequence number the FIN occupies
  uint8_t flags = 0;          // flag:: bits
  bool started = false;       // next_seq is known
  bool fin = false;
  bool closed = false;
  uint32_t nqueued = 0;
  uint32_t nretained = 0;
  Segment* q = nullptr;       // out-of-order queue
  Segment* r_head = nullptr;  // retained (delivered, not yet acked), in order
  Segment* r_tail = nullptr;
  // Acked delivery: in-order bytes [app_seq, next_seq) received but not yet handed to the
  // sink, in order (a pointer to a stable packet, or a copy). Empty in arrival mode.
  Segment* h_head = nullptr;
  Segment* h_tail = nullptr;
  uint32_t app_seq = 0;       // next byte to hand over when h_head is set
  uint32_t held = 0;          // bytes in the held list
  bool close_pending = false; // FIN reached while bytes were held: close once they are acked
  // Acked, not yet handed over: the bytes before marks[i].seq were acknowledged by capture
  // packet marks[i].pcap_cnt. They go to the sink with the next packet of this direction (the
  // packet Suricata inspects them with), naming the ACK packet (StreamSink::on_origin).
  struct AckMark {
    uint32_t seq;
    uint64_t pcap_cnt;
  };
  AckMark marks[4];
  uint8_t nmarks = 0;
  bool flush = false;         // RST or flow end: deliver at once from now on
  bool reset_wait = false;    // the peer reset: held bytes wait for release(), no new data
};

struct TcpSession {
  DirState dir[2];
  bool syn_seen = false;
  bool synack_seen = false;
  bool client_syn = false;     // a SYN without ACK came from the client (ToServer)
  bool client_syn_ts = false;  // ... with a timestamp option (RFC 7323), client_tsval
  uint32_t client_tsval = 0;
  bool ts_both = false;        // both the SYN and the SYN/ACK carried timestamps
  uint8_t rst_by = 0;          // 1 + direction of the RST that closed the session, 0: none
  bool resumed = false;        // reopened once after a suspected injected RST
  TcpSession* next_free = nullptr;
};

const char* anomaly_name(StreamAnomaly a) {
  switch (a) {
    case StreamAnomaly::OverlapDiff: return "stream.reassembly_overlap_different_data";
    case StreamAnomaly::SegmentDropped: return "stream.segment_dropped";
    case StreamAnomaly::PktInvalidTimestamp: return "stream.pkt_invalid_timestamp";
    case StreamAnomaly::SuspectedRstInject: return "stream.suspected_rst_inject";
    case StreamAnomaly::DepthReached: return "stream.reassembly_depth_reached";
  }
  return "stream.unknown";
}

uint8_t session_flags(const flow::Flow& f, Direction d) noexcept {
  if (!f.tcp) return 0;
  const DirState& D = f.tcp->dir[idx(d)];
  return uint8_t(D.flags | (D.h_head ? flag::kHeld : 0));
}

uint64_t session_offset(const flow::Flow& f, Direction d) noexcept {
  return f.tcp ? f.tcp->dir[idx(d)].offset : 0;
}

void swap_directions(flow::Flow& f) noexcept {
  if (f.tcp) std::swap(f.tcp->dir[0], f.tcp->dir[1]);
}

struct Reassembler::Impl {
  Impl(StatsBlock& stats, const StreamConfig& c)
      : cfg(c),
        c_memuse(stats.counter("stream.reassembly_memuse")),
        c_sessions(stats.counter("stream.sessions")),
        c_memcap_drop(stats.counter("stream.segment_memcap_drop")),
        c_limit_drop(stats.counter("stream.segment_limit_drop")),
        c_too_far(stats.counter("stream.ooo_too_far")),
        c_ooo(stats.counter("stream.ooo_segments")),
        c_retrans(stats.counter("stream.retransmission")),
        c_overlap(stats.counter("stream.overlap")),
        c_overlap_diff(stats.counter("stream.overlap_diff")),
        c_gap(stats.counter("stream.reassembly_gap")),
        c_gap_acked(stats.counter("tcp.reassembly_gap")),
        c_depth(stats.counter("stream.depth_reached")),
        c_mid_pickup(stats.counter("stream.midstream_pickups")),
        c_mid_ignored(stats.counter("stream.midstream_ignored")),
        c_after_close(stats.counter("stream.data_after_close")),
        c_rst_invalid(stats.counter("stream.rst_invalid")),
        c_invalid_ts(stats.counter("stream.pkt_invalid_timestamp")),
        c_rst_inject(stats.counter("stream.suspected_rst_inject")),
        c_held(stats.counter("stream.app_unacked_held")),
        c_forced(stats.counter("stream.app_unacked_forced")) {}

  StreamConfig cfg;
  Counter &c_memuse, &c_sessions, &c_memcap_drop, &c_limit_drop, &c_too_far, &c_ooo, &c_retrans,
      &c_overlap, &c_overlap_diff, &c_gap, &c_gap_acked, &c_depth, &c_mid_pickup, &c_mid_ignored,
      &c_after_close, &c_rst_invalid, &c_invalid_ts, &c_rst_inject, &c_held, &c_forced;

  std::vector<std::unique_ptr<Segment[]>> seg_slabs;
  Segment* seg_free = nullptr;
  size_t seg_in_use = 0, seg_allocated = 0, retained_bytes = 0;
  // The bytes of the packet being processed when they outlive the run (Packet::stable_data),
  // else empty: bytes inside them are kept by pointer, any others (queued or pool copies) are
  // copied.
  uintptr_t stable_begin_ = 0, stable_end_ = 0;
  bool by_ref(const uint8_t* data, uint32_t len) const noexcept {
    const auto b = reinterpret_cast<uintptr_t>(data);
    return len <= 0xffff && b >= stable_begin_ && b + len <= stable_end_;
  }
  // The packet being processed is a SYN: its data (TCP Fast Open) is delivered on arrival,
  // inspected with the SYN as Suricata does.
  bool syn_data_ = false;
  std::vector<std::unique_ptr<TcpSession[]>> sess_slabs;
  TcpSession* sess_free = nullptr;
  size_t sess_in_use = 0;

  size_t seg_bytes() const noexcept { return seg_in_use * sizeof(Segment); }
  size_t memuse() const noexcept { return seg_bytes() + sess_in_use * sizeof(TcpSession); }

  // --- pools ---
  Segment* seg_alloc() noexcept {
    if (seg_bytes() + sizeof(Segment) > cfg.memcap) return nullptr;
    if (!seg_free) {
      size_t room = (cfg.memcap - seg_allocated * sizeof(Segment)) / sizeof(Segment);
      size_t count = std::clamp<size_t>(room, 1, 64);
      Segment* slab = new (std::nothrow) Segment[count];
      if (!slab) return nullptr;
      seg_slabs.emplace_back(slab);
      seg_allocated += count;
      for (size_t i = count; i-- > 0;) {
        slab[i].next = seg_free;
        seg_free = &slab[i];
      }
    }
    Segment* s = seg_free;
    seg_free = s->next;
    s->next = nullptr;
    ++seg_in_use;
    c_memuse.set(seg_bytes());
    return s;
  }
  void seg_release(Segment* s) noexcept {
    s->next = seg_free;
    seg_free = s;
    --seg_in_use;
    c_memuse.set(seg_bytes());
  }
  TcpSession* sess_alloc() noexcept {
    if (!sess_free) {
      constexpr size_t kCount = 256;
      TcpSession* slab = new (std::nothrow) TcpSession[kCount];
      if (!slab) return nullptr;
      sess_slabs.emplace_back(slab);
      for (size_t i = kCount; i-- > 0;) {
        slab[i].next_free = sess_free;
        sess_free = &slab[i];
      }
    }
    TcpSession* s = sess_free;
    sess_free = s->next_free;
    *s = TcpSession{};
    ++sess_in_use;
    c_sessions.set(sess_in_use);
    return s;
  }
  void sess_release(TcpSession* s) noexcept {
    s->next_free = sess_free;
    sess_free = s;
    --sess_in_use;
    c_sessions.set(sess_in_use);
  }

  // --- flags ---
  void raise(flow::Flow& f, Direction d, DirState& D, uint8_t bit, StreamAnomaly a,
             StreamSink& sink) noexcept {
    if (D.flags & bit) return;
    D.flags |= bit;
    sink.on_anomaly(f, d, a);
  }

  // --- retained segments ---
  void retained_pop(DirState& D) noexcept {
    Segment* s = D.r_head;
    D.r_head = s->next;
    if (!D.r_head) D.r_tail = nullptr;
    --D.nretained;
    retained_bytes -= sizeof(Segment);
    seg_release(s);
  }
  void retained_clear(DirState& D) noexcept {
    while (D.r_head) retained_pop(D);
  }
  // Appends a delivered segment to the retained list (takes ownership of `s`).
  void retained_push(DirState& D, Segment* s) noexcept {
    s->next = nullptr;
    (D.r_tail ? D.r_tail->next : D.r_head) = s;
    D.r_tail = s;
    ++D.nretained;
    retained_bytes += sizeof(Segment);
    if (D.nretained > cfg.retain_segments_per_dir) retained_pop(D);
  }
  bool can_retain() const noexcept {
    return cfg.retain_segments_per_dir != 0 && retained_bytes + sizeof(Segment) <= cfg.retain_memcap;
  }
  // Copies delivered bytes [seq, seq+len) into retained segments.
  // A segment for the next retained piece: the oldest retained one when the direction keeps
  // its maximum (recycled: no pool round trip), else a new one within retain_memcap; nullptr
  // when neither.
  Segment* retained_slot(DirState& D) noexcept {
    if (D.nretained >= cfg.retain_segments_per_dir && D.r_head) {
      Segment* s = D.r_head;
      D.r_head = s->next;
      if (!D.r_head) D.r_tail = nullptr;
      --D.nretained;
      retained_bytes -= sizeof(Segment);
      return s;
    }
    return can_retain() ? seg_alloc() : nullptr;
  }
  void retain_copy(DirState& D, uint32_t seq, const uint8_t* data, uint32_t len) noexcept {
    if (cfg.retain_segments_per_dir == 0) return;
    if (!by_ref(data, len)) {
      // Only the last retain_segments_per_dir segments can survive: skip what would be evicted.
      uint64_t keep = uint64_t(cfg.retain_segments_per_dir) * kSegData;
      if (len > keep) {
        uint32_t skip = uint32_t(len - keep);
        seq += skip;
        data += skip;
        len -= skip;
      }
    }
    store(seq, data, len, [&] { return retained_slot(D); },
          [&](Segment* s) { retained_push(D, s); });
  }
  // Stores [seq, seq+len) in segments from slot() handed to push(): one pointing at the packet
  // when the bytes are the packet's and it outlives the run (by_ref(): delivery then writes one
  // cache line, not len), else copies of up to kSegData bytes. False when slot() gave none (what was stored
  // so far stays, in order).
  template <typename Slot, typename Push>
  bool store(uint32_t seq, const uint8_t* data, uint32_t len, Slot slot, Push push) noexcept {
    if (by_ref(data, len)) {
      Segment* s = slot();
      if (!s) return false;
      s->seq = seq;
      s->len = uint16_t(len);
      s->ref = 1;
      std::memcpy(s->data, &data, sizeof data);
      push(s);
      return true;
    }
    while (len) {
      Segment* s = slot();
      if (!s) return false;
      uint32_t n = std::min(len, kSegData);
      s->seq = seq;
      s->len = uint16_t(n);
      s->ref = 0;
      std::memcpy(s->data, data, n);
      push(s);
      seq += n;
      data += n;
      len -= n;
    }
    return true;
  }
  // Compares bytes [seq, seq+len) (all before next_seq) with what was delivered for them.
  // Delivered bytes are in the retained list, received but unacked ones (acked delivery) in
  // the held list.
  bool differs_from_retained(const DirState& D, uint32_t seq, const uint8_t* data,
                             uint32_t len) const noexcept {
    uint32_t end = seq + len;
    for (const Segment* list : {D.r_head, D.h_head}) {
      for (const Segment* s = list; s; s = s->next) {
        if (le(s->end(), seq)) continue;
        if (le(end, s->seq)) break;
        uint32_t b = smax(seq, s->seq), e = smin(end, s->end());
        if (std::memcmp(data + (b - seq), s->bytes() + (b - s->seq), e - b) != 0) return true;
      }
    }
    return false;
  }

  // --- acked delivery (held list) ---
  bool holding(const DirState& D) const noexcept {
    return cfg.deliver_on_ack && !cfg.inline_mode && !D.flush && !syn_data_;
  }
  // Hands held bytes before `upto` to the sink. `acked`: the other side acknowledged them
  // (their segments are freed), else they were forced out (kept as retained copies).
  void release_held(flow::Flow& f, Direction d, DirState& D, uint32_t upto, bool acked,
                    StreamSink& sink) noexcept {
    while (Segment* s = D.h_head) {
      uint32_t b = lt(D.app_seq, s->seq) ? s->seq : D.app_seq;
      uint32_t e = smin(s->end(), upto);
      if (!lt(b, e)) break;
      sink.on_data(f, d, Bytes{s->bytes() + (b - s->seq), e - b},
                   D.offset - uint32_t(D.next_seq - b));
      D.app_seq = e;
      D.held -= std::min(D.held, e - b);
      if (e != s->end()) break;
      D.h_head = s->next;
      if (!D.h_head) D.h_tail = nullptr;
      if (!acked && !(D.flags & flag::kDepthReached) && can_retain())
        retained_push(D, s);
      else
        seg_release(s);
    }
  }
  void flush_held(flow::Flow& f, Direction d, DirState& D, StreamSink& sink) noexcept {
    deliver_acked(f, d, D, sink);
    if (D.h_head) release_held(f, d, D, D.h_tail->end(), false, sink);
  }
  // Hands over the held bytes the other side acknowledged (AckMark), each run under the
  // number of the packet that acked it.
  void deliver_acked(flow::Flow& f, Direction d, DirState& D, StreamSink& sink) noexcept {
    if (!D.nmarks) return;
    const uint8_t n = D.nmarks;
    D.nmarks = 0;
    for (uint8_t i = 0; i < n && D.h_head; ++i) {
      sink.on_origin(D.marks[i].pcap_cnt);
      release_held(f, d, D, D.marks[i].seq, true, sink);
    }
    sink.on_origin(0);
  }
  // The acked bytes of both directions of D's session, in ACK order.
  void deliver_all_acked(flow::Flow& f, Direction d, DirState& D, StreamSink& sink) noexcept {
    if (!f.tcp) return deliver_acked(f, d, D, sink);
    DirState& O = f.tcp->dir[idx(reverse(d))];
    if (O.nmarks && !O.closed && (!D.nmarks || O.marks[0].pcap_cnt <= D.marks[0].pcap_cnt))
      deliver_acked(f, reverse(d), O, sink);
    deliver_acked(f, d, D, sink);
    if (O.nmarks && !O.closed) deliver_acked(f, reverse(d), O, sink);
  }
  // The other side acknowledged held bytes up to `ack` in capture packet `pcap_cnt`.
  void note_ack(DirState& D, uint32_t ack, uint64_t pcap_cnt) noexcept {
    if (!D.h_head) return;
    uint32_t end = D.h_tail->end();
    uint32_t a = lt(ack, end) ? ack : end;
    uint32_t done = D.nmarks ? D.marks[D.nmarks - 1].seq : D.app_seq;
    if (!lt(done, a)) return;
    if (D.nmarks && (D.marks[D.nmarks - 1].pcap_cnt == pcap_cnt || D.nmarks == 4)) {
      D.marks[D.nmarks - 1].seq = a;  // full: the last mark grows
      return;
    }
    D.marks[D.nmarks++] = {a, pcap_cnt};
  }
  void held_push(DirState& D, Segment* s) noexcept {
    s->next = nullptr;
    if (!D.h_head) D.app_seq = s->seq;
    (D.h_tail ? D.h_tail->next : D.h_head) = s;
    D.h_tail = s;
    D.held += s->len;
    c_held.inc(s->len);
  }
  // Holds in-order bytes [seq, seq+len) until the other side ACKs them; false when they cannot
  // be held (unacked limit, memory): the caller delivers them now, after the held ones.
  bool hold(DirState& D, uint32_t seq, const uint8_t* data, uint32_t len) noexcept {
    if (uint64_t(D.held) + len > cfg.max_unacked) return false;
    return store(seq, data, len, [&] { return hold_slot(D); },
                 [&](Segment* s) { held_push(D, s); });
  }
  Segment* hold_slot(DirState& D) noexcept {
    Segment* s = seg_alloc();
    if (!s && D.r_head) {  // retained copies are given up first
      retained_clear(D);
      s = seg_alloc();
    }
    return s;
  }

  // --- delivery ---
  void deliver(flow::Flow& f, Direction d, DirState& D, const uint8_t* data, uint32_t len,
               StreamSink& sink) noexcept {
    if (D.flags & flag::kDepthReached) return;
    uint32_t n = len;
    if (cfg.depth) {
      uint64_t room = cfg.depth > D.offset ? cfg.depth - D.offset : 0;
      if (room < n) n = uint32_t(room);
    }
    if (n) emit(f, d, D, data, n, sink);
    D.next_seq += len;
    D.offset += len;
    if (n < len) reach_depth(f, d, D, sink);
  }
  // In-order bytes at next_seq: held until acked (acked delivery) or handed over now.
  void emit(flow::Flow& f, Direction d, DirState& D, const uint8_t* data, uint32_t n,
            StreamSink& sink) noexcept {
    if (holding(D)) {
      uint32_t seq0 = D.next_seq;
      uint32_t before = D.h_head ? D.h_tail->end() : seq0;
      if (hold(D, seq0, data, n)) return;
      c_forced.inc();
      // Part of these bytes may have been held before memory ran out: all held go first.
      uint32_t kept = D.h_head ? D.h_tail->end() - before : 0;
      flush_held(f, d, D, sink);
      if (kept < n)
        sink.on_data(f, d, Bytes{data + kept, n - kept}, D.offset + kept);
      return;
    }
    flush_held(f, d, D, sink);
    sink.on_data(f, d, Bytes{data, n}, D.offset);
  }
  void reach_depth(flow::Flow& f, Direction d, DirState& D, StreamSink& sink) noexcept {
    D.flags |= flag::kDepthReached;
    c_depth.inc();
    sink.on_anomaly(f, d, StreamAnomaly::DepthReached);
    while (D.q) {
      Segment* s = D.q;
      D.q = s->next;
      seg_release(s);
    }
    D.nqueued = 0;
    retained_clear(D);
  }
  // `acked`: the receiver acknowledged the missing bytes (the capture lost them); Suricata's
  // tcp.reassembly_gap counts only those, not the holes left in unacked data at RST or flow
  // end.
  void gap(flow::Flow& f, Direction d, DirState& D, uint32_t len, StreamSink& sink,
           bool acked = false) noexcept {
    if (!(D.flags & flag::kDepthReached)) {
      flush_held(f, d, D, sink);  // bytes before the gap first
      sink.on_gap(f, d, len);
      c_gap.inc();
      if (acked) c_gap_acked.inc();
      D.flags |= flag::kGap;
    }
    D.next_seq += len;
    D.offset += len;
    if (cfg.depth && D.offset >= cfg.depth && !(D.flags & flag::kDepthReached))
      reach_depth(f, d, D, sink);
  }
  void close(flow::Flow& f, Direction d, DirState& D, StreamSink& sink) noexcept {
    if (D.closed) return;
    if (D.h_head && holding(D)) {  // after the held bytes are acked (or the flow ends)
      D.close_pending = true;
      return;
    }
    // What was acknowledged (both directions, older ACK first) reaches the app layer before
    // the close and before this direction's unacked bytes (an answer completes its request
    // before the requester's side finishes).
    deliver_all_acked(f, d, D, sink);
    flush_held(f, d, D, sink);
    D.close_pending = false;  // the other direction's close below must not close this one
    if (f.tcp) {
      DirState& O = f.tcp->dir[idx(reverse(d))];
      if (O.close_pending && !O.h_head && !O.closed) close(f, reverse(d), O, sink);
    }
    if (D.closed) return;  // closed by the other direction's close above
    D.closed = true;
    D.flags |= flag::kClosed;
    sink.on_close(f, d);
  }
  // Delivers queued segments that have become in order; closes on a reached FIN.
  void drain(flow::Flow& f, Direction d, DirState& D, StreamSink& sink) noexcept {
    while (D.q && D.q->seq == D.next_seq) {
      Segment* s = D.q;
      D.q = s->next;
      --D.nqueued;
      if (holding(D) && !(D.flags & flag::kDepthReached) &&
          (!cfg.depth || D.offset + s->len <= cfg.depth) &&
          uint64_t(D.held) + s->len <= cfg.max_unacked) {
        D.next_seq += s->len;  // the queued copy itself waits for the ACK
        D.offset += s->len;
        held_push(D, s);
        continue;
      }
      // Not held whole (depth, unacked limit): what emit() holds of s is copied (by_ref():
      // s's bytes are not the packet's; s is retained or freed below).
      deliver(f, d, D, s->data, s->len, sink);
      if (!(D.flags & flag::kDepthReached) && can_retain())
        retained_push(D, s);
      else
        seg_release(s);
    }
    if (D.fin && le(D.fin_seq, D.next_seq)) close(f, d, D, sink);
  }
  // Reports gaps and delivers queued data up to `target` (something the receiver acked, or
  // the FIN at release).
  void skip_to(flow::Flow& f, Direction d, DirState& D, uint32_t target, StreamSink& sink) noexcept {
    while (lt(D.next_seq, target) && !D.closed) {
      if (D.q && D.q->seq == D.next_seq) {
        drain(f, d, D, sink);
        continue;
      }
      uint32_t stop = (D.q && lt(D.q->seq, target)) ? D.q->seq : target;
      gap(f, d, D, stop - D.next_seq, sink, true);
      drain(f, d, D, sink);
    }
  }

  // Queues a copy of [seq, seq+len) after `prev` (nullptr: at the head). Returns the last
  // segment inserted (or prev when nothing could be queued).
  Segment* enqueue(flow::Flow& f, Direction d, DirState& D, Segment* prev, uint32_t seq,
                   const uint8_t* data, uint32_t len, StreamSink& sink) noexcept {
    while (len) {
      if (D.nqueued >= cfg.max_segments_per_dir) {
        c_limit_drop.inc();
        raise(f, d, D, flag::kSegmentDropped, StreamAnomaly::SegmentDropped, sink);
        return prev;
      }
      Segment* s = seg_alloc();
      if (!s && D.r_head) {  // retained bytes are a luxury: give them up first
        retained_clear(D);
        s = seg_alloc();
      }
      if (!s) {
        c_memcap_drop.inc();
        raise(f, d, D, flag::kSegmentDropped, StreamAnomaly::SegmentDropped, sink);
        return prev;
      }
      uint32_t n = std::min(len, kSegData);
      s->seq = seq;
      s->len = uint16_t(n);
      s->ref = 0;
      std::memcpy(s->data, data, n);
      Segment*& link = prev ? prev->next : D.q;
      s->next = link;
      link = s;
      prev = s;
      ++D.nqueued;
      c_ooo.inc();
      seq += n;
      data += n;
      len -= n;
    }
    return prev;
  }

  void overlap_diff(flow::Flow& f, Direction d, DirState& D, StreamSink& sink) noexcept {
    c_overlap_diff.inc();
    raise(f, d, D, flag::kOverlapDiff, StreamAnomaly::OverlapDiff, sink);
  }

  void data(flow::Flow& f, Direction d, DirState& D, uint32_t seq, const uint8_t* data,
            uint32_t len, StreamSink& sink) noexcept {
    if (D.closed || D.reset_wait) {
      c_after_close.inc();
      return;
    }
    if (D.flags & flag::kDepthReached) return;
    // Bytes before the next expected one were delivered (or declared a gap) already.
    int32_t front = int32_t(D.next_seq - seq);
    if (front > 0) {
      uint32_t old = std::min(uint32_t(front), len);
      if (differs_from_retained(D, seq, data, old)) overlap_diff(f, d, D, sink);
      if (old == len) {
        c_retrans.inc();
        return;
      }
      c_overlap.inc();
      seq += old;
      data += old;
      len -= old;
    }
    if (D.fin) {  // nothing exists beyond the FIN
      if (le(D.fin_seq, seq)) return;
      if (lt(D.fin_seq, seq + len)) len = D.fin_seq - seq;
    }
    if (seq - D.next_seq > cfg.max_ooo_distance) {
      c_too_far.inc();
      raise(f, d, D, flag::kSegmentDropped, StreamAnomaly::SegmentDropped, sink);
      return;
    }
    // Walk the queue: parts already queued win (first data wins), the rest is new.
    const uint32_t end = seq + len;
    uint32_t cur = seq;
    Segment* prev = nullptr;
    Segment* s = D.q;
    bool overlapped = false;
    while (s && lt(cur, end)) {
      if (le(s->end(), cur)) {
        prev = s;
        s = s->next;
        continue;
      }
      if (le(end, s->seq)) break;
      if (lt(cur, s->seq)) {
        prev = new_piece(f, d, D, prev, cur, data + (cur - seq), s->seq - cur, sink);
        if (D.flags & flag::kDepthReached) return;  // the queue is gone
      }
      uint32_t b = smax(cur, s->seq), e = smin(end, s->end());
      overlapped = true;
      if (std::memcmp(data + (b - seq), s->data + (b - s->seq), e - b) != 0)
        overlap_diff(f, d, D, sink);
      cur = e;
      prev = s;
      s = s->next;
    }
    if (lt(cur, end)) new_piece(f, d, D, prev, cur, data + (cur - seq), end - cur, sink);
    if (overlapped) c_overlap.inc();
    drain(f, d, D, sink);
  }

  Segment* new_piece(flow::Flow& f, Direction d, DirState& D, Segment* prev, uint32_t seq,
                     const uint8_t* data, uint32_t len, StreamSink& sink) noexcept {
    if (seq == D.next_seq) {  // in order: straight from the packet, no copy to queue
      deliver(f, d, D, data, len, sink);
      // Held bytes are compared from the held list; retain only what was handed over.
      if (!(D.flags & flag::kDepthReached) && !D.h_head) retain_copy(D, seq, data, len);
      return prev;
    }
    return enqueue(f, d, D, prev, seq, data, len, sink);
  }

  // Flow end or RST: deliver everything queued (reporting holes), then close.
  void finish(flow::Flow& f, Direction d, DirState& D, StreamSink& sink) noexcept {
    D.flush = true;
    deliver_all_acked(f, d, D, sink);
    flush_held(f, d, D, sink);
    if (D.started && !D.closed) {
      while (D.q) {
        if (D.q->seq != D.next_seq) gap(f, d, D, D.q->seq - D.next_seq, sink);
        drain(f, d, D, sink);
        if (D.closed) break;
      }
      if (!D.closed && D.fin && lt(D.next_seq, D.fin_seq)) gap(f, d, D, D.fin_seq - D.next_seq, sink);
    }
    close(f, d, D, sink);
    while (D.q) {  // only when closed before the queue emptied
      Segment* s = D.q;
      D.q = s->next;
      seg_release(s);
    }
    D.nqueued = 0;
    retained_clear(D);
    while (D.h_head) {  // only when closed before: nothing more is delivered
      Segment* s = D.h_head;
      D.h_head = s->next;
      seg_release(s);
    }
    D.h_tail = nullptr;
    D.held = 0;
    D.nmarks = 0;
  }

  void process(flow::Flow& f, const Packet& p, Direction d, StreamSink& sink) noexcept {
    stable_begin_ = p.stable_data ? reinterpret_cast<uintptr_t>(p.data) : 0;
    stable_end_ = p.stable_data ? stable_begin_ + p.caplen : 0;
    if (!f.tcp) {
      f.tcp = sess_alloc();
      if (!f.tcp) return;
    }
    TcpSession& S = *f.tcp;
    DirState& D = S.dir[idx(d)];
    DirState& O = S.dir[idx(reverse(d))];
    const Direction od = reverse(d);
    const uint8_t fl = p.tcp_flags;
    const bool syn = fl & tcpflag::kSyn;
    syn_data_ = syn;
    uint32_t seq = p.tcp_seq + (syn ? 1 : 0);  // first data byte
    const uint32_t len = p.payload_len;
    // Acked delivery: this direction's bytes the other side acknowledged since its last packet
    // (after the other direction's bytes acked earlier: the app layer sees them in ACK order).
    if (D.nmarks && O.nmarks && !O.closed && O.marks[0].pcap_cnt < D.marks[0].pcap_cnt)
      deliver_acked(f, od, O, sink);
    if (D.nmarks && !D.closed) deliver_acked(f, d, D, sink);
    if (D.close_pending && !D.h_head && !D.closed) close(f, d, D, sink);

    // Handshake: the client's SYN and what the server can answer before its SYN/ACK.
    if (syn && !(fl & tcpflag::kAck) && d == Direction::ToServer && !S.synack_seen) {
      S.client_syn = true;
      S.client_syn_ts = p.tcp_opts.has_ts;
      S.client_tsval = p.tcp_opts.ts_val;
    }
    if (S.client_syn && !S.synack_seen) {
      if (d == Direction::ToClient && p.tcp_opts.has_ts && p.tcp_opts.ts_ecr != 0 &&
          (!S.client_syn_ts || p.tcp_opts.ts_ecr != S.client_tsval)) {
        // RFC 7323 3.2: a TSecr echoes a TSval the peer sent; before the SYN/ACK the client has
        // sent only its SYN's. A server packet echoing anything else cannot come from the
        // host the client is talking to (injected RST/FIN, Suricata's pkt_invalid_timestamp):
        // ignored.
        c_invalid_ts.inc();
        sink.on_anomaly(f, d, StreamAnomaly::PktInvalidTimestamp);
        return;
      }
      if (d == Direction::ToServer && (fl & tcpflag::kRst)) {
        // The server holds no connection the RST could reset before it answered the SYN (a
        // listening socket ignores RSTs, RFC 9293 3.10.7.2): not a close.
        c_rst_invalid.inc();
        return;
      }
    }
    if (syn && (fl & tcpflag::kAck) && d == Direction::ToClient) {
      S.synack_seen = true;
      S.ts_both = S.client_syn_ts && p.tcp_opts.has_ts;
    }
    if (S.ts_both && !syn && p.tcp_opts.has_ts && p.tcp_opts.ts_val == 0) {
      // RFC 7323 3.2: once both sides use timestamps every segment carries the sender's
      // clock, never 0 after the handshake; such a segment (a forged RST ...) is ignored
      // (Suricata's pkt_invalid_timestamp).
      c_invalid_ts.inc();
      sink.on_anomaly(f, d, StreamAnomaly::PktInvalidTimestamp);
      return;
    }

    if (syn && !D.closed && D.offset == 0 && !D.q) {
      // (Re)starts the direction at its ISN; ignored once data flowed.
      S.syn_seen = true;
      D.started = true;
      D.next_seq = seq;
    }
    if (!D.started && (len || (fl & tcpflag::kFin))) {
      if (!cfg.midstream && !S.syn_seen) {
        if (len) c_mid_ignored.inc();
      } else {
        D.started = true;
        D.next_seq = seq;
        if (!S.syn_seen) {
          D.flags |= flag::kMidstream;
          c_mid_pickup.inc();
        }
      }
    }
    if (D.closed && S.rst_by == 1 + idx(d) && !S.resumed && len && D.started && !(fl & tcpflag::kRst) &&
        seq == D.next_seq && D.offset == 0 && O.offset == 0 && !D.fin && !O.fin) {
      // The side that reset the connection before anything was said goes on talking where the
      // RST said it stopped: the RST did not reach its peer (an injected or evasive RST,
      // Suricata's suspected_rst_inject). The session resumes; nothing was delivered before,
      // so the app layer has no finished parser to reopen.
      S.resumed = true;
      D.closed = O.closed = false;
      // (Bytes now go on arrival: the app layer saw the close, data follows at once.)
      D.flags &= uint8_t(~flag::kClosed);
      O.flags &= uint8_t(~flag::kClosed);
      c_rst_inject.inc();
      sink.on_anomaly(f, d, StreamAnomaly::SuspectedRstInject);
    }
    // Acked delivery: what this packet acknowledges goes to the app layer with the next packet
    // of the other direction (or before this direction closes).
    if ((fl & tcpflag::kAck) && O.h_head && !O.closed && !O.reset_wait) {
      note_ack(O, p.tcp_ack, p.pcap_cnt);
      // Some protocols need their bytes at the ACK itself (an FTP command opens a data
      // connection whose first bytes may come before the peer's next packet): the sink says.
      if (sink.deliver_at_ack(f)) deliver_acked(f, od, O, sink);
    }
    if (fl & tcpflag::kRst) {
      bool valid = !D.started || uint32_t(p.tcp_seq - D.next_seq + kRstWindow) <= 2 * kRstWindow;
      if (valid) {
        if (len && D.started) data(f, d, D, seq, p.data + p.payload_off, len, sink);
        if (!D.closed && !S.rst_by) S.rst_by = uint8_t(1 + idx(d));
        finish(f, d, D, sink);
        if ((O.h_head || O.q) && holding(O) && !O.closed) {
          // Acked delivery: the RST flushes its sender's stream; the peer's unacked (or
          // queued) bytes wait for the flow end (inspected there, "stream (flow timeout)"), as Suricata's.
          O.reset_wait = true;
        } else {
          finish(f, od, O, sink);
        }
        return;
      }
      c_rst_invalid.inc();
      return;
    }
    if (len && D.started) data(f, d, D, seq, p.data + p.payload_off, len, sink);
    if ((fl & tcpflag::kFin) && D.started && !D.fin && !D.closed) {
      D.fin = true;
      D.fin_seq = seq + len;
      if (D.flags & flag::kDepthReached)
        close(f, d, D, sink);
      else
        drain(f, d, D, sink);  // closes when everything before the FIN is in
    }
    // Our ACK tells what the other side's receiver (us) got: free retained copies and turn
    // never-seen acked data into a gap.
    if ((fl & tcpflag::kAck) && O.started && !O.closed) {
      const uint32_t ack = p.tcp_ack;
      while (O.r_head && le(O.r_head->end(), ack)) retained_pop(O);
      if (lt(O.next_seq, ack) && !(O.flags & flag::kDepthReached) &&
          ack - O.next_seq <= cfg.max_ooo_distance) {
        uint32_t target = (O.fin && lt(O.fin_seq, ack)) ? O.fin_seq : ack;
        skip_to(f, od, O, target, sink);
        if (O.fin && le(O.fin_seq, O.next_seq)) close(f, od, O, sink);
      }
    }
  }

  void release(flow::Flow& f, StreamSink& sink) noexcept {
    if (!f.tcp) return;
    TcpSession& S = *f.tcp;
    finish(f, Direction::ToServer, S.dir[0], sink);
    finish(f, Direction::ToClient, S.dir[1], sink);
    sess_release(f.tcp);
    f.tcp = nullptr;
  }
};

Reassembler::Reassembler(StatsBlock& stats, const StreamConfig& cfg)
    : impl_(new Impl(stats, cfg)) {}
Reassembler::~Reassembler() { delete impl_; }

void Reassembler::process(flow::Flow& f, const Packet& p, Direction d, StreamSink& sink) noexcept {
  if (p.ip_proto != ipproto::kTcp) return;
  impl_->process(f, p, d, sink);
}
void Reassembler::release(flow::Flow& f, StreamSink& sink) noexcept { impl_->release(f, sink); }
size_t Reassembler::memuse() const noexcept { return impl_->memuse(); }

}  // namespace ww::stream
