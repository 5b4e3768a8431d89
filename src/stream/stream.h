// stream: TCP reassembly, one TcpSession per TCP flow, two directions each.
//
// Delivers in-order bytes per direction to a StreamSink (the app layer), reports gaps, and
// holds out-of-order segments in a bounded pool. Policy on overlaps: see stream.cpp and
// docs/stream.md (wardwatch keeps the first bytes it received for a sequence range, as
// Suricata's default "bsd"-like policy does for most cases; differing retransmissions are
// counted as stream.overlap_diff and raised as an anomaly).
#pragma once

#include <cstdint>

#include "core/packet.h"
#include "core/stats.h"
#include "flow/flow.h"

namespace ww::stream {

struct StreamConfig {
  size_t memcap = 256u << 20;        // bytes of out-of-order segment data held at once
  uint64_t depth = 1u << 20;         // bytes delivered per direction; 0 = unlimited
  uint32_t max_segments_per_dir = 4096;  // queued out-of-order segments per direction
  bool midstream = true;             // pick up flows whose handshake was not seen
  // stream.inline (Suricata's inline stream mode): a request is inspected on the packet that
  // completes it (HTTP: app::http::set_inspect_requests), not when its response completes.
  bool inline_mode = false;
  // stream.app-delivery (Suricata's IDS timing): true ("acked") hands in-order bytes to the
  // sink when the other side ACKs them (or at FIN/RST/flow end), false ("arrival") when they
  // arrive. inline_mode always delivers on arrival.
  bool deliver_on_ack = true;
  // Bytes a direction may hold unacked (acked delivery); beyond, the held bytes are delivered
  // at once (stream.app_unacked_forced). Held bytes also count against `memcap`.
  uint32_t max_unacked = 1u << 20;
  // Delivered segments kept (copied) until the other side ACKs them, only to compare them
  // with retransmissions (overlap_diff on data already delivered). 0 disables.
  uint32_t retain_segments_per_dir = 16;
  size_t retain_memcap = 64u << 20;  // bytes of retained segments, part of `memcap`
  // Segments starting further than this beyond the next expected byte are dropped.
  uint32_t max_ooo_distance = 16u << 20;
};

// Per-direction facts about a session, kept so that an anomaly can be raised later.
namespace flag {
inline constexpr uint8_t kMidstream = 1;       // picked up without a handshake
inline constexpr uint8_t kGap = 2;             // at least one gap reported
inline constexpr uint8_t kOverlapDiff = 4;     // a retransmission carried different bytes
inline constexpr uint8_t kDepthReached = 8;    // stream depth reached: delivery stopped
inline constexpr uint8_t kSegmentDropped = 16; // a segment was not queued (limit or memcap)
inline constexpr uint8_t kClosed = 32;         // on_close delivered
inline constexpr uint8_t kHeld = 64;           // acked delivery: bytes wait for the peer's ACK
}  // namespace flag

// Anomalies the reassembler raises through StreamSink::on_anomaly: OverlapDiff,
// SegmentDropped and DepthReached once per direction, PktInvalidTimestamp per packet,
// SuspectedRstInject once per resumed session. Names follow Suricata's stream events where
// Suricata has one.
enum class StreamAnomaly : uint8_t {
  OverlapDiff,
  SegmentDropped,
  PktInvalidTimestamp,
  SuspectedRstInject,
  DepthReached
};
const char* anomaly_name(StreamAnomaly a);  // "stream.reassembly_overlap_different_data", ...

// What the app layer receives. Callbacks run on the worker thread, on the packet path.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // In-order bytes; `offset` is the stream offset of data[0] in this direction.
  virtual void on_data(flow::Flow& f, Direction d, Bytes data, uint64_t offset) noexcept = 0;
  // `len` bytes are missing in this direction (lost, or dropped by a limit).
  virtual void on_gap(flow::Flow& f, Direction d, uint64_t len) noexcept = 0;
  // No more data in this direction (FIN/RST seen and everything before it delivered, or the
  // flow ended).
  virtual void on_close(flow::Flow& f, Direction d) noexcept = 0;
  // An anomaly in direction `d` (see StreamAnomaly for how often). Optional.
  virtual void on_anomaly(flow::Flow& f, Direction d, StreamAnomaly a) noexcept {}
  // Acked delivery: the bytes delivered next were acknowledged by the capture packet numbered
  // `pcap_cnt` (an earlier packet of the other direction); 0: by none, or by the packet being
  // processed. The app layer names that packet in the events those bytes produce. Optional.
  virtual void on_origin(uint64_t pcap_cnt) noexcept {}
  // Acked delivery: true when f's bytes are to be handed over at the ACK itself (the flow's
  // protocol needs them before the peer's next packet); false: with the next packet of their
  // direction. Optional.
  virtual bool deliver_at_ack(const flow::Flow& f) const noexcept { return false; }
};

// flag:: bits of direction `d` of f's session; 0 when f has no session.
uint8_t session_flags(const flow::Flow& f, Direction d) noexcept;
// Stream offset of the next in-order byte of direction `d` (bytes delivered or declared a gap
// so far); 0 when f has no session. Detection's stream_size keyword reads it.
uint64_t session_offset(const flow::Flow& f, Direction d) noexcept;

// The flow's roles were reversed (flow::swap_sides): the session's two directions trade
// places so that they follow the flow's to_server/to_client again. Call it between packets,
// never from a StreamSink callback (the reassembler holds the directions while it delivers).
void swap_directions(flow::Flow& f) noexcept;

class Reassembler {
 public:
  Reassembler(StatsBlock& stats, const StreamConfig& cfg);
  ~Reassembler();
  Reassembler(const Reassembler&) = delete;
  Reassembler& operator=(const Reassembler&) = delete;

  // Feeds one TCP packet of flow `f` in direction `d`; creates f.tcp on first use.
  void process(flow::Flow& f, const Packet& p, Direction d, StreamSink& sink) noexcept;
  // Flow end: delivers what can be delivered (with gaps), closes both directions and frees
  // f.tcp.
  void release(flow::Flow& f, StreamSink& sink) noexcept;

  // Bytes: queued and retained segments + sessions.
  size_t memuse() const noexcept;

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace ww::stream
