// Detection engine: runs a loaded RuleSet on packets and app-layer transactions.
//
// Two halves, as in Suricata (detect engine / detect thread context):
//  - DetectEngine: built once per RuleSet, immutable, shared by every worker
//    (shared_ptr<const DetectEngine>). It splits rules into packet rules (header checks and
//    pkt_data only) and transaction rules (at least one app-layer buffer), orders them like
//    Suricata (action, flowbits set before isset, priority, file order), interns flowbit and
//    flowint names, resolves threshold.config, and groups the packet rules that have no fast
//    pattern by IP protocol class, direction and destination port so header-only rules are
//    not all evaluated per packet.
//  - Detector: one per worker thread. Owns the Vectorscan scratch, the matcher scratch
//    (PCRE2 match data), the candidate list, the per-flow variable table (flowbits, flowint,
//    xbits ip_pair approximated per flow; the variables themselves live in the flow's arena),
//    the host bits (hostbits, xbits ip_src/ip_dst) and the
//    threshold/detection_filter table. Everything is sized at construction: the packet path
//    allocates nothing (the matcher's scratch strings only grow to the largest buffer seen).
//
// Raw stream: TCP payload rules (pkt_data) inspect the reassembled bytes of each direction, as
// Suricata's raw stream inspection does. The reassembler's in-order bytes reach the Detector
// through StreamTee (on_stream_data); each direction keeps a window in the flow's arena
// (kStreamWindow bytes: the new bytes plus up to kStreamOverlap already inspected ones) that is
// inspected when the packet that delivered them is inspected, when the window is full, before
// a gap, and at flow end ("stream (flow timeout)"). A rule fires once per stream position: a
// match that also holds on the already inspected part alone is not raised again. Rules marked
// packet-only (dsize, flow:no_stream, tcp-pkt, no payload match) see packets only; only_stream
// and tcp-stream rules the stream only; the others the stream, and the packet's own payload
// when that packet added nothing to the stream (no session, RST data, ...).
//
// Per packet: Payload prefilter scan -> fast-pattern candidates, plus the group's always-lists
// -> candidates sorted by rule order -> header checks, flow keyword, buffer verification,
// app checks, flowbits/flowint conditions -> actions (set/unset/toggle, flowint updates) ->
// noalert / threshold.config suppress / threshold / detection_filter -> alert event.
//
// Limits (see docs/rules/keywords.md and the report of issue 4):
//  - Stream matching (see "Raw stream" below) inspects a bounded window per direction, not
//    Suricata's whole ACKed stream: content further back than the window's overlap is not
//    combined with new bytes.
//  - Threshold state is per worker, so by_src/by_dst counts with several workers are per
//    worker (the dispatcher keeps a flow on one worker; by_flow is exact).
//  - xbits with track ip_pair are kept per flow (approximated), expire ignored; hostbits and
//    xbits ip_src/ip_dst live in a bounded per-worker host table (per worker, like thresholds).
//  - Event keywords see the anomalies raised while the current packet is processed (see
//    on_app_event), not those raised at flow end.
//  - fragbits/fragoffset see reassembled datagrams, not the fragments.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/packet.h"
#include "core/result.h"
#include "core/stats.h"
#include "detect/loader.h"
#include "detect/match.h"
#include "detect/prefilter.h"
#include "output/alert_event.h"
#include "stream/stream.h"

namespace ww::flow {
struct Flow;
}
namespace ww::output {
class EveWriter;
class EveOutput;
}
namespace ww::app {
struct ParserSpec;
}

namespace ww::detect {

struct DetectLimits {
  uint32_t flow_table_slots = 1u << 16;    // flows with variables per worker (power of two)
  uint32_t threshold_slots = 1u << 16;     // threshold/detection_filter entries per worker
  uint32_t max_alerts_per_packet = 15;     // Suricata's packet_alert_max
  uint32_t host_bit_slots = 1u << 14;      // hostbits / xbits on hosts per worker
  // Suricata's action-order: rank of pass, drop, reject, alert (lower is evaluated first).
  uint8_t rank_pass = 0, rank_drop = 1, rank_reject = 2, rank_alert = 3;
  // IPS simulation (--simulate-ips): drop/reject rules drop the packet (app-layer and stream
  // matches the whole flow); alerts say "blocked" and `drop` events are written.
  bool ips = false;
  bool drop_log_all = false;  // a drop event for every dropped packet (else the flow's first)
  // From Suricata's action-order names ("pass", "drop", "reject", "alert"); unnamed actions
  // keep their relative default order after the named ones.
  void set_action_order(const std::vector<std::string>& order);
};

class DetectEngine {
 public:
  static Result<std::shared_ptr<const DetectEngine>> build(std::shared_ptr<const RuleSet> rules,
                                                           const DetectLimits& limits = {});

  const RuleSet& rules() const noexcept { return *rules_; }
  const DetectLimits& limits() const noexcept { return limits_; }
  size_t packet_rule_count() const noexcept { return n_packet_; }
  size_t tx_rule_count() const noexcept { return n_tx_; }
  // Rules that inspect the reassembled TCP stream (StreamMode Both or StreamOnly).
  size_t stream_rule_count() const noexcept { return n_stream_; }

  // Internal tables, public for the Detector (same translation unit family) and tests.
  enum class Kind : uint8_t { Packet, Tx };
  // Where a packet rule's payload matches look (Suricata's require-packet / require-stream).
  enum class StreamMode : uint8_t { PacketOnly, Both, StreamOnly };
  struct RuleInfo {
    Kind kind = Kind::Packet;
    uint32_t order = 0;       // position in Suricata's evaluation order
    uint16_t app = 0;         // detect AppProtoId the rule needs (0: any)
    bool needs_payload = false;
    bool decode_event = false;  // has a decode-event check: sees decode_only packets
    bool has_fp = false;      // reached through the prefilter
    bool has_flowvars = false;
    bool file_rule = false;  // answered by the file tracker only (files::is_file_rule)
    // app-layer-protocol checks and nothing to inspect (Suricata's PD-only signatures):
    // tried only on the packet that completes protocol detection of its direction.
    bool pd_only = false;
    bool captures = false;   // a pcre keeps captures (Pcre::captures)
    StreamMode smode = StreamMode::PacketOnly;
    bool suppressed_all = false;                  // threshold.config suppress without ip
    std::optional<Threshold> threshold;           // rule keyword or threshold.config override
    std::vector<const ThresholdEntry*> suppress;  // suppress entries with track/ip
    const ThresholdEntry::Rate* rate = nullptr;   // threshold.config rate_filter
    bool flow_action = false;  // drop/pass apply to the flow (app-layer rule: Suricata)
    // Flowbits/flowint/xbits resolved to interned indexes, in rule order.
    struct BitOp {
      FlowbitOp::Cmd cmd;
      bool any_of;
      std::vector<uint32_t> bits;
    };
    std::vector<BitOp> bit_ops;
    struct IntOp {
      uint32_t var;
      std::string op;
      int64_t value = 0;
      int32_t value_var = -1;  // compare/assign with another flowint
    };
    std::vector<IntOp> int_ops;
    // hostbits and xbits with track ip_src/ip_dst: bits on hosts (Detector's host table).
    struct HostOp {
      XbitOp::Cmd cmd;
      uint32_t bit;
      bool src, dst;        // the packet's source and/or destination host
      uint32_t expire = 0;  // seconds; 0: kHostBitExpire
    };
    std::vector<HostOp> host_ops;
  };
  // Rules whose source (or destination) addresses are a few narrow ranges (IP reputation
  // lists: Suricata's "IP-only" rules), found by address instead of being tried on every
  // packet: elementary intervals over the ranges' bounds, each with its rule orders.
  struct IpIndex {
    std::vector<IpAddr> bounds;   // sorted interval starts
    std::vector<uint32_t> first;  // interval i: orders[first[i] .. first[i+1])
    std::vector<uint32_t> orders;
    void lookup(const IpAddr& a, std::vector<uint32_t>& out) const noexcept;
  };
  struct PortIndex {
    std::vector<uint32_t> any;  // rules for every destination port (or too many to index)
    std::unordered_map<uint16_t, std::vector<uint32_t>> by_port;
    IpIndex by_src, by_dst;     // looked up with the packet's source / destination address
  };

  const RuleInfo& info(uint32_t r) const noexcept { return info_[r]; }
  uint32_t rule_at(uint32_t order) const noexcept { return by_order_[order]; }
  // Packet rules without a usable fast pattern: [proto class][direction]; lists hold orders.
  const PortIndex& group(int proto_class, Direction d) const noexcept {
    return groups_[proto_class][idx(d)];
  }
  // Transaction rules without a usable fast pattern, per app proto id and direction (orders).
  std::span<const uint32_t> tx_always(uint16_t app, Direction d) const noexcept;
  // Buffers some tx rule of this app proto inspects (scan order for on_transaction).
  std::span<const BufferId> tx_buffers(uint16_t app) const noexcept;
  // Packet rules without buffers that check app-layer-event, per app proto id (orders): also
  // tried on the transactions the app layer reports in the packet that raised the event, so
  // that the alert carries the transaction (Suricata's per-transaction app-layer events).
  std::span<const uint32_t> event_rules(uint16_t app) const noexcept {
    return app < event_rules_.size() ? std::span<const uint32_t>(event_rules_[app])
                                     : std::span<const uint32_t>();
  }
  // Transactional rules (=>) of an app proto id (orders): both directions of a transaction.
  std::span<const uint32_t> tx_transactional(uint16_t app) const noexcept {
    return app < tx_trans_.size() ? std::span<const uint32_t>(tx_trans_[app])
                                  : std::span<const uint32_t>();
  }
  uint32_t flowbit_count() const noexcept { return uint32_t(flowbit_names_.size()); }
  bool has_pd_only() const noexcept { return has_pd_only_; }
  const std::string& flowbit_name(uint32_t i) const noexcept { return flowbit_names_[i]; }
  uint32_t flowint_count() const noexcept { return uint32_t(flowint_names_.size()); }
  uint32_t hostbit_count() const noexcept { return uint32_t(hostbit_names_.size()); }
  // detect AppProtoId for an app::Proto value (0 when the rule language has no such name).
  uint16_t app_of(uint16_t app_proto) const noexcept {
    return app_proto < app_map_.size() ? app_map_[app_proto] : 0;
  }

  static int proto_class(uint8_t ip_proto) noexcept {
    switch (ip_proto) {
      case ipproto::kTcp: return 0;
      case ipproto::kUdp: return 1;
      case ipproto::kIcmp:
      case ipproto::kIcmpv6: return 2;
      default: return 3;
    }
  }

 private:
  DetectEngine() = default;
  std::shared_ptr<const RuleSet> rules_;
  DetectLimits limits_;
  std::vector<RuleInfo> info_;
  std::vector<uint32_t> by_order_;  // order -> rule index
  size_t n_packet_ = 0, n_tx_ = 0, n_stream_ = 0;
  PortIndex groups_[4][2];
  std::vector<std::vector<uint32_t>> tx_always_;   // [app * 2 + dir]
  std::vector<std::vector<BufferId>> tx_buffers_;  // [app]
  std::vector<std::vector<uint32_t>> event_rules_;  // [app]
  std::vector<std::vector<uint32_t>> tx_trans_;     // [app]: transactional (=>) rules
  std::vector<std::string> flowbit_names_, flowint_names_, hostbit_names_;
  std::vector<uint16_t> app_map_;
  bool has_pd_only_ = false;
};

// Per-worker detection context.
class Detector {
 public:
  Detector(std::shared_ptr<const DetectEngine> engine, StatsBlock& stats,
           std::string in_iface = {});
  ~Detector();
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  // One packet of flow `f` (null when the flow could not be tracked) in direction `dir`.
  void on_packet(const Packet& p, flow::Flow* f, Direction dir, output::EveWriter* eve) noexcept;
  // One app-layer transaction: buffers from spec.buffers(tx, dir), then the tx rules of the
  // flow's protocol. `ts` is the time of the packet that completed it.
  void on_transaction(flow::Flow& f, const app::ParserSpec& spec, const void* tx,
                      uint64_t tx_id, Direction dir, Timestamp ts,
                      output::EveWriter* eve) noexcept;
  // A transaction that holds both directions (ParserSpec::tx_both_dirs): inspected to_server
  // then to_client, a rule alerting at most once for it (Suricata: one alert per rule and
  // transaction).
  void on_transaction_both(flow::Flow& f, const app::ParserSpec& spec, const void* tx,
                           uint64_t tx_id, Timestamp ts, output::EveWriter* eve) noexcept;
  // Same with buffers the caller filled (tests, parsers without a ParserSpec).
  void on_buffers(flow::Flow& f, uint16_t app_proto, const InspectBuffers& buffers,
                  Direction dir, Timestamp ts, output::EveWriter* eve,
                  const app::ParserSpec* spec = nullptr, const void* tx = nullptr,
                  uint64_t tx_id = 0, const InspectBuffers* to_client = nullptr) noexcept;
  // Flow end: inspects the stream bytes not inspected yet (pkt_src "stream (flow timeout)"),
  // then forgets the flow's variables (their memory goes with the flow's arena). Returns what
  // detection decided for the whole flow: "pass", "drop" (IPS simulation) or "" (EVE
  // flow.action).
  std::string_view release(flow::Flow& f, output::EveWriter* eve = nullptr) noexcept;

  // IPS simulation: a drop/reject match on an app-layer rule (or a transaction or stream
  // match) dropped the whole flow; the Worker then hands its packets to on_flow_dropped
  // instead of the stream, app layer and detection.
  bool flow_dropped(const flow::Flow* f) noexcept;
  // A `config:logging disable, type tx` rule matched the transaction inspected last: its
  // event is not to be logged. Reading clears it.
  bool take_tx_nolog() noexcept {
    bool v = tx_nolog_;
    tx_nolog_ = false;
    return v;
  }
  // A packet of a dropped flow: its `drop` event (reason "flow drop").
  void on_flow_dropped(const Packet& p, flow::Flow& f, output::EveWriter* eve) noexcept;

  // Raw stream inspection (fed by StreamTee). begin_packet names the packet being processed
  // (before reassembly sees it) so that stream matches are attributed to it.
  void begin_packet(const Packet* p, flow::Flow* f, Direction dir,
                    output::EveWriter* eve) noexcept {
    if (n_queue_) flush_alerts(nullptr);
    queue_open_ = true;
    cur_pkt_ = p;
    cur_flow_ = f;
    cur_dir_ = dir;
    cur_eve_ = eve;
    cur_added_ = false;
    n_events_ = 0;
    origin_ = 0;
    if (n_deferred_) take_deferred(f, dir);
  }
  // StreamSink::on_origin: the bytes delivered next were acked by capture packet `pcap_cnt`.
  // Delivered with that ACK itself (bytes of the other direction), their app-layer events
  // wait for the next packet of their direction (Suricata's direction of their inspection).
  void on_origin(uint64_t pcap_cnt) noexcept { origin_ = pcap_cnt; }
  // Anomalies raised while the current packet is processed (between begin_packet and the end
  // of on_packet): the app layer's ("<proto>.<what>", app-layer-event) and the reassembler's
  // ("stream.<what>", stream-event). Rules of that packet see them; at most kMaxPacketEvents
  // per packet (detect.events.overflow). `name` must be a static string.
  void on_app_event(const flow::Flow& f, const char* name) noexcept {
    add_event(f, EventKind::App, name);
  }
  void on_stream_event(const flow::Flow& f, const char* name) noexcept {
    add_event(f, EventKind::Stream, name);
  }
  // The flow's roles were reversed (flow::swap_sides, committed by the worker between
  // reassembly and on_packet): the raw stream windows trade places, and the current packet's
  // direction turns around.
  void on_sides_swapped(flow::Flow& f) noexcept;
  // "metadata": {"flowbits": [names]} of the flowbits set on f (xbits left out), into an open
  // event; nothing when none is set (Suricata's metadata of anomaly events).
  void write_flow_metadata(flow::Flow& f, output::EveWriter& w) noexcept;
  // The app layer finished protocol detection of direction d of f: PD-only rules are tried
  // on the next packet of that direction (this one, when it travels that way).
  void on_proto_detected(flow::Flow& f, Direction d) noexcept;
  static constexpr uint32_t kMaxPacketEvents = 16;
  static constexpr uint32_t kHostBitExpire = 30;  // seconds, when the rule names none
  void on_stream_data(flow::Flow& f, Direction d, Bytes data, uint64_t offset) noexcept;
  void on_stream_gap(flow::Flow& f, Direction d, uint64_t len) noexcept;
  bool wants_stream() const noexcept { return engine_ && engine_->stream_rule_count() > 0; }

  static constexpr uint32_t kStreamWindow = 4096;   // bytes per direction (flow arena)
  static constexpr uint32_t kStreamOverlap = 1024;  // inspected bytes kept before new ones

  const DetectEngine& engine() const noexcept { return *engine_; }
  uint64_t alerts() const noexcept { return alerts_.get(); }
  // The sids alerted since the last call (tests): appended in alert order.
  std::vector<uint32_t>* record_sids = nullptr;

 private:
  enum class EventKind : uint8_t { App, Stream };
  struct PacketEvent {
    const flow::Flow* f;
    const char* name;
    EventKind kind;
    bool by_tx;  // matched by an event rule on a transaction: the packet pass skips it
  };
  void add_event(const flow::Flow& f, EventKind k, const char* name) noexcept;
  bool has_event(const flow::Flow* f, EventKind k, std::string_view name) const noexcept;
  PacketEvent events_[kMaxPacketEvents];
  struct DeferredEvent {
    const flow::Flow* f;
    const char* name;
    Direction dir;
  };
  DeferredEvent deferred_[kMaxPacketEvents];
  uint32_t n_deferred_ = 0;
  uint64_t origin_ = 0;
  // Moves the deferred events of flow f in direction `dir` (f null: none) into events_.
  void take_deferred(const flow::Flow* f, Direction dir) noexcept;
  uint32_t n_events_ = 0;
  // on_transaction_both: the rules that alerted on the transaction so far (bounded).
  bool tx_once_ = false;
  bool tx_nolog_ = false;  // take_tx_nolog()
  bool tx_nolog_part_ = false;  // tx_nolog_ of the last part of transaction tx_last_id_
  uint32_t tx_alerted_[32];
  uint32_t n_tx_alerted_ = 0;
  const flow::Flow* tx_flow_ = nullptr;  // the transaction tx_alerted_ holds
  uint64_t tx_last_id_ = 0;

  struct FlowVars;
  struct FlowStrVars;  // pcre flow variables of a flow
  struct Thr;
  struct Match;  // what the candidate evaluation needs to know about the packet or tx
  // Pcre captures of the rule being alerted (run -> alert): context, flow and packet vars.
  void keep_captures(const Match& m) noexcept;
  std::array<output::AlertContext::Var, MatchScratch::kMaxCaptures> cap_vars_[3];
  size_t n_cap_vars_[3] = {0, 0, 0};
  // Host bits: open addressing (ip, bit) -> expiry, probing kHostProbe slots; a full
  // neighbourhood evicts its soonest-expiring entry (detect.hostbits.evictions).
  struct HostBit {
    IpAddr ip;
    uint32_t bit_plus1 = 0;  // 0: free
    int64_t expire = 0;      // usec, packet time
  };
  static constexpr size_t kHostProbe = 16;
  HostBit* host_bit(const IpAddr& ip, uint32_t bit, int64_t now, bool create) noexcept;
  bool hosts_ok(const DetectEngine::RuleInfo& ri, const Match& m) noexcept;
  void hosts_apply(const DetectEngine::RuleInfo& ri, const Match& m) noexcept;
  std::vector<HostBit> hostbits_;

  struct StreamWin;
  StreamWin* stream_win(flow::Flow& f, Direction d, bool create) noexcept;
  void inspect_stream(flow::Flow& f, Direction d, bool timeout) noexcept;
  void forget(flow::Flow& f) noexcept;
  bool take_window(flow::Flow& f, Direction d, Bytes& window, Bytes& old) noexcept;
  void stream_candidates(Direction d, Bytes window) noexcept;
  FlowVars* vars_of(flow::Flow* f, bool create) noexcept;
  void run(const Match& m) noexcept;
  bool header_ok(const Rule& r, const Match& m) const noexcept;
  bool flow_ok(const Rule& r, const Match& m) const noexcept;
  bool app_checks_ok(const Rule& r, const Match& m) const noexcept;
  bool stream_size_ok(std::string_view v, const Match& m) const noexcept;
  bool vars_ok(const DetectEngine::RuleInfo& ri, FlowVars* v) const noexcept;
  void vars_apply(const DetectEngine::RuleInfo& ri, FlowVars* v) noexcept;
  bool threshold_allows(uint32_t r, const Match& m) noexcept;
  bool rate_exceeded(uint32_t r, const Match& m, const ThresholdEntry::Rate& rf) noexcept;
  Thr& thr_find(uint32_t r, uint8_t which, Track track, const Match& m, bool& fresh) noexcept;
  void alert(uint32_t r, const Match& m, bool silent = false) noexcept;

  // Per-packet alert queue (Suricata's): the alerts of a packet (its packet, stream and
  // transaction matches, or those of a flow end) wait here until the packet is done, then are
  // sorted by rule order, cut at packet_alert_max (the rest counted in
  // detect.alert_queue_overflow), given the packet's verdict and written. The events are
  // serialised when queued (a staging writer), so nothing they point to has to outlive the
  // match.
  struct Pending {
    uint32_t order = 0;
    uint32_t rule = 0;
    flow::Flow* f = nullptr;
    Action action = Action::Alert;  // after rate_filter
    bool rate_modified = false;     // rate_filter changed the action
    bool silent = false;            // suppressed or noalert: its action only, no event
    bool flow_scope = false;        // drop/pass apply to the flow
    std::string line;               // the event, left open for the verdict
  };
  static constexpr uint32_t kMaxQueue = 64;
  // Writes the queued alerts. `p`: the packet they belong to (drop events), null at flow end.
  void flush_alerts(const Packet* p) noexcept;
  void flow_end_events(flow::Flow& f, output::EveWriter* eve) noexcept;
  std::vector<Pending> queue_;
  std::vector<uint32_t> qsorted_;
  uint32_t n_queue_ = 0;
  bool queue_open_ = false;              // between begin_packet and the packet's end
  uint32_t pass_order_ = UINT32_MAX;     // order of a pass rule that matched in the packet
  output::EveWriter* queue_eve_ = nullptr;
  std::unique_ptr<output::EveOutput> stage_out_;
  std::unique_ptr<output::EveWriter> stage_;

  std::shared_ptr<const DetectEngine> engine_;
  std::string in_iface_;
  Prefilter::Scratch hs_;
  bool hs_ok_ = false;
  MatchScratch ms_;
  InspectBuffers pkt_bufs_;
  InspectBuffers stream_bufs_;
  std::vector<uint32_t> cand_;  // reserved to the rule count
  // Open-addressed Flow* -> FlowVars* table (linear probing, backward-shift deletion).
  std::vector<std::pair<const flow::Flow*, FlowVars*>> flow_slots_;
  uint32_t flow_used_ = 0;
  std::vector<Thr> thr_;
  const Packet* cur_pkt_ = nullptr;
  flow::Flow* cur_flow_ = nullptr;
  Direction cur_dir_ = Direction::ToServer;
  output::EveWriter* cur_eve_ = nullptr;
  bool cur_added_ = false;  // the current packet's payload went into the stream
  Counter& alerts_;
  Counter& eve_alerts_;
  Counter& suppressed_;
  Counter& thresholded_;
  Counter& flowvars_full_;
  Counter& thr_full_;
  Counter& alert_max_;
  Counter& scan_errors_;
  Counter& candidates_;
  Counter& stream_inspections_;
  Counter& stream_bytes_;
  Counter& stream_nomem_;
  Counter& events_overflow_;
  Counter& host_evictions_;
  Counter& drops_;  // detect.ips.drops: packets an IPS would have dropped
};

// Sits between the reassembler and the app layer: forwards every callback to the app layer
// (or whatever sink is next) and hands the in-order bytes and gaps to the Detector's raw stream
// inspection.
class StreamTee final : public stream::StreamSink {
 public:
  StreamTee(stream::StreamSink& next, Detector& det) noexcept : next_(next), det_(det) {}
  void on_data(flow::Flow& f, Direction d, Bytes data, uint64_t offset) noexcept override {
    next_.on_data(f, d, data, offset);
    if (det_.wants_stream()) det_.on_stream_data(f, d, data, offset);
  }
  void on_gap(flow::Flow& f, Direction d, uint64_t len) noexcept override {
    next_.on_gap(f, d, len);
    if (det_.wants_stream()) det_.on_stream_gap(f, d, len);
  }
  void on_close(flow::Flow& f, Direction d) noexcept override { next_.on_close(f, d); }
  void on_origin(uint64_t pcap_cnt) noexcept override {
    next_.on_origin(pcap_cnt);
    det_.on_origin(pcap_cnt);
  }
  void on_anomaly(flow::Flow& f, Direction d, stream::StreamAnomaly a) noexcept override {
    next_.on_anomaly(f, d, a);
    det_.on_stream_event(f, stream::anomaly_name(a));
  }
  bool deliver_at_ack(const flow::Flow& f) const noexcept override {
    return next_.deliver_at_ack(f);
  }

 private:
  stream::StreamSink& next_;
  Detector& det_;
};

}  // namespace ww::detect
