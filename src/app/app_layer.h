// app: the application layer of one worker.
//
// Receives in-order TCP bytes from stream reassembly (StreamSink) and UDP payloads, picks a
// parser by probing the first bytes (the port is a hint, not the truth), feeds it, and hands
// its transactions to detection (TxObserver) and EVE. Parsers plug in through app/registry.cpp.
//
// Invariants:
//  - All per-flow state (AppState, probe buffers, the bytes a parser left unconsumed, the
//    parser itself) lives in the flow's arena; nothing is allocated per packet.
//  - Detection (TCP): the first kProbeBytes of each direction are kept and offered to the
//    registered specs (port hints first, then the rest, in registry order) until one says
//    Match; the parser is then created and the kept bytes replayed, direction that spoke first
//    first. A direction gives up when every spec says NoMatch, at kProbeBytes, on a gap or on
//    close; when both have given up (or the flow ends undecided) app_proto is "failed".
//  - Detection (UDP): each datagram is probed until one matches, at most kUdpProbeDatagrams.
//  - The Incomplete contract: bytes a parser did not consume are kept (bounded by
//    kMaxPending) and offered again, with the next bytes, once `needed` more have arrived.
//    Over the bound, or on Error, the parser stops for that direction (counted).
//  - Protocol change (ParseContext::change_protocol: STARTTLS, AUTH TLS, CONNECT): at most
//    once per flow; the old parser is finished, the bytes after the triggering message (and
//    those the other direction held back) are probed again, the expected protocol first, and
//    the new parser takes the rest of the stream. flow.app_proto_orig keeps the old protocol.
//  - Files: parsers' file_open/file_data/file_close go to the worker's files::FileTracker; the
//    files of a flow still open when it ends are closed (TRUNCATED) by release().
// Limits: kProbeBytes per direction for detection, kMaxPending unconsumed bytes per direction,
// kMaxAnomalyEvents anomaly events per flow (the rest are counted only).
#pragma once

#include <array>
#include <memory>
#include <string_view>

#include "app/parser.h"
#include "core/packet.h"
#include "core/stats.h"
#include "flow/flow.h"
#include "stream/stream.h"

namespace ww::output {
class EveWriter;
}
namespace ww::files {
class FileTracker;
struct FileTrackerConfig;
}

namespace ww::app {

inline constexpr size_t kProbeBytes = 2048;
inline constexpr size_t kMaxPending = 65536 + 16;  // one DNS-over-TCP message and its prefix
inline constexpr uint32_t kUdpProbeDatagrams = 16;
inline constexpr uint32_t kMaxAnomalyEvents = 32;

// Detection (issue 6) plugs in here: called for every transaction before it is logged.
class TxObserver {
 public:
  virtual ~TxObserver() = default;
  virtual void on_transaction(flow::Flow& f, const ParserSpec& spec, const void* tx,
                              uint64_t tx_id, Direction d) noexcept = 0;
  // ParseContext::on_inspect: detection of part of a transaction reported later (its
  // ParserSpec::inspect_dirs says which); by default detection as a transaction.
  virtual void on_inspect(flow::Flow& f, const ParserSpec& spec, const void* tx,
                          uint64_t tx_id, Direction d) noexcept {
    on_transaction(f, spec, tx, tx_id, d);
  }
  // Every app-layer anomaly of flow f ("<proto>.<what>", a static string), logged or not:
  // detection's app-layer-event keyword.
  virtual void on_anomaly(flow::Flow& f, const char* event) noexcept {}
  // Members of f's events that come from detection (the flowbits set on f, Suricata's
  // "metadata"), written into an open event.
  virtual void write_flow_metadata(flow::Flow& f, output::EveWriter& w) noexcept {}
  // Protocol detection of direction d of f is complete (the flow's protocol was found, or d's
  // first bytes were probed after it): detection's PD-only rules.
  virtual void on_proto_detected(flow::Flow& f, Direction d) noexcept {}
  // After on_transaction: false when the transaction's event is not to be logged (a
  // `config:logging disable, type tx` rule matched it, or detection dropped the flow).
  virtual bool log_transaction(flow::Flow& f) noexcept { return true; }
};

class AppLayer final : public stream::StreamSink {
 public:
  // `eve` may be null (no output); `in_iface` must outlive the AppLayer.
  AppLayer(StatsBlock& stats, output::EveWriter* eve, std::string_view in_iface = {},
           const files::FileTrackerConfig* files = nullptr);
  ~AppLayer() override;
  AppLayer(const AppLayer&) = delete;
  AppLayer& operator=(const AppLayer&) = delete;

  void on_data(flow::Flow& f, Direction d, Bytes data, uint64_t offset) noexcept override;
  void on_gap(flow::Flow& f, Direction d, uint64_t len) noexcept override;
  void on_close(flow::Flow& f, Direction d) noexcept override;
  // Acked delivery: events of the bytes delivered next name capture packet `pcap_cnt` (the
  // ACK that released them); 0: back to the packet being processed (set_pcap_cnt).
  void on_origin(uint64_t pcap_cnt) noexcept override { origin_pcap_cnt_ = pcap_cnt; }
  // ParserSpec::deliver_at_ack of the flow's protocol.
  bool deliver_at_ack(const flow::Flow& f) const noexcept override;
  // A reassembler anomaly: an EVE anomaly event of type "stream" when the output has them on
  // (outputs.eve-log anomaly types: stream), at most kMaxAnomalyEvents per flow with the
  // app layer's.
  void on_anomaly(flow::Flow& f, Direction d, stream::StreamAnomaly a) noexcept override;
  // A UDP (or other datagram) payload of flow f.
  void on_datagram(flow::Flow& f, Direction d, const Packet& p) noexcept;
  void on_datagram(flow::Flow& f, Direction d, Bytes payload) noexcept;
  // Flow end: finishes the parser and forgets per-flow app state (the arena frees it).
  void release(flow::Flow& f) noexcept;
  // The worker committed a reversal of f's roles (flow::swap_sides, after the packet went
  // through reassembly): the reassembler's directions now follow the flow's again.
  void on_sides_swapped(flow::Flow& f) noexcept;

  void set_tx_observer(TxObserver* o) noexcept { tx_observer_ = o; }
  // The capture-file number of the packet being processed (Packet::pcap_cnt; 0: none, e.g.
  // flow timeout): written as `pcap_cnt` in the transaction and anomaly events it produces.
  void set_pcap_cnt(uint64_t n) noexcept { pcap_cnt_ = n; }
  // The worker's file tracker: files reported by parsers (ParseContext::file_*) go there.
  files::FileTracker& files() noexcept { return *files_; }

  // The ParseContext handed to parsers (one per AppLayer, rebound per call).
  class Context;

 private:
  friend class Context;
  AppState* state(flow::Flow& f) noexcept;
  void probe_tcp(flow::Flow& f, AppState& s, Direction d) noexcept;
  // spec's probe of b (direction d). Bytes of the other side (ProbeResult::MatchReversed, or
  // a Match on a flow whose source port is the protocol's and destination port not) on a TCP
  // flow picked up midstream, before any protocol was found: reverses the flow's roles
  // (flow::swap_sides, app_layer.flow_reversed), turns d around and says Match.
  // The first bytes of direction d, when the protocol was found on the other one before d
  // spoke: another protocol's (the client talks HTTP to an SSH server) becomes d's
  // app_proto_ts/tc (app_layer.proto_mismatch); the parser stays.
  void check_direction(flow::Flow& f, AppState& s, Direction d, Bytes data) noexcept;
  ProbeResult probe_one(flow::Flow& f, AppState& s, const ParserSpec& spec, Direction& d,
                        Bytes b) noexcept;
  bool decide(flow::Flow& f, AppState& s, const ParserSpec& spec, Direction d) noexcept;
  void give_up(flow::Flow& f, AppState& s, Direction d) noexcept;
  void fail(flow::Flow& f, AppState& s) noexcept;
  void feed(flow::Flow& f, AppState& s, Direction d, Bytes data) noexcept;
  [[gnu::always_inline]] void feed_inline(flow::Flow& f, AppState& s, Direction d,
                                          Bytes data) noexcept;  // feed()'s body
  // feed()'s less common parts: appending to the bytes a parser left (false: the direction
  // stopped, or fewer than it needs are held), and what follows a parse() that did not take
  // everything, failed or asked for a protocol change.
  [[gnu::noinline]] bool add_pending(flow::Flow& f, AppState& s, Direction d, Bytes data) noexcept;
  [[gnu::noinline]] void after_parse(flow::Flow& f, AppState& s, Direction d, Bytes in,
                                     const ParseResult& r) noexcept;
  void data_in(flow::Flow& f, Direction d, Bytes data) noexcept;
  // data_in() of a flow whose parser is known: marks the direction seen, checks it when the
  // parser asked for that, and feeds the parser.
  [[gnu::always_inline]] void known_in(flow::Flow& f, AppState& s, Direction d,
                                       Bytes data) noexcept;
  // data_in() of a flow whose parser is not known yet (protocol detection).
  [[gnu::noinline]] void detect_in(flow::Flow& f, Direction d, Bytes data) noexcept;
  // First bytes of a flow: one an expectation announced gets its parser at once.
  bool expected_flow(flow::Flow& f, AppState& s, Direction d) noexcept;
  // Carries out a protocol change the parser asked for (ParseContext::change_protocol);
  // `rest`: the bytes of direction d after the message that triggered it.
  void change(flow::Flow& f, AppState& s, Direction d, Bytes rest) noexcept;
  void stop_dir(AppState& s, Direction d) noexcept;
  void log_tx(flow::Flow& f, AppState& s, const void* tx, uint64_t tx_id, Direction d) noexcept;
  void log_spec_tx(flow::Flow& f, const ParserSpec& spec, const void* tx, uint64_t tx_id,
                   Direction d) noexcept;
  void log_anomaly(flow::Flow& f, AppState& s, const char* event, const uint64_t* tx_id = nullptr,
                   bool reversed = false) noexcept;
  // ParseContext::file_tx: the spec's EVE object of `tx` into the file's fileinfo event.
  void file_tx(AppState& s, uint32_t file_id, const void* tx) noexcept;

  output::EveWriter* eve_;
  struct FileTxScratch;
  std::unique_ptr<FileTxScratch> file_tx_;  // renders file_tx objects (reused)
  std::string_view in_iface_;
  Context* ctx_;
  std::unique_ptr<files::FileTracker> files_;
  TxObserver* tx_observer_ = nullptr;
  uint64_t pcap_cnt_ = 0;
  uint64_t origin_pcap_cnt_ = 0;  // on_origin
  uint64_t event_pcap_cnt() const noexcept {
    return origin_pcap_cnt_ ? origin_pcap_cnt_ : pcap_cnt_;
  }
  std::array<bool, size_t(Proto::kCount)> log_proto_{};
  std::array<bool, size_t(Proto::kCount)> has_derived_{};  // a ParserSpec derives from it
  bool log_anomaly_ = false;         // applayer anomaly events
  bool log_stream_anomaly_ = false;  // stream anomaly events
  Counter& stream_bytes_;
  Counter& stream_chunks_;
  Counter& gaps_;
  Counter& gap_bytes_;
  Counter& closes_;
  Counter& datagrams_;
  Counter& detected_;
  Counter& detect_failed_;
  Counter& no_memory_;
  Counter& parse_errors_;
  Counter& pending_overflow_;
  Counter& txs_;
  Counter& anomalies_;
  Counter& anomalies_suppressed_;
  Counter& tx_events_;
  Counter& anomaly_events_;
  Counter& stream_anomaly_events_;
  Counter& proto_change_;
  Counter& proto_change_refused_;
  Counter& proto_change_failed_;
  Counter& proto_change_unexpected_;
  Counter& reversed_;
  Counter& proto_mismatch_;
  Counter& expect_added_;
  Counter& expect_replaced_;
  Counter& expect_evicted_;
  Counter& expect_matched_;
  Counter& expect_expired_;
  std::array<Counter*, size_t(Proto::kCount)> proto_flows_{};
  std::array<Counter*, size_t(Proto::kCount)> proto_txs_{};
  // app_layer.error.<proto>.parser (Suricata's per-protocol parser error counter).
  std::array<Counter*, size_t(Proto::kCount)> proto_parse_errors_{};  // stream (TCP)
  std::array<Counter*, size_t(Proto::kCount)> udp_parse_errors_{};
};

}  // namespace ww::app
