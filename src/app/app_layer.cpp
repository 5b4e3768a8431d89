#include "app/app_layer.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "files/tracker.h"
#include "output/eve.h"
#include "output/flow_event.h"

namespace ww::app {

namespace {

struct DirState {
  uint8_t* probe = nullptr;  // first bytes, kProbeBytes capacity (allocated when needed)
  uint32_t probe_len = 0;
  uint8_t* pending = nullptr;  // bytes the parser has not consumed yet
  uint32_t pending_cap = 0;
  uint32_t pending_len = 0;
  uint32_t want = 0;          // pending bytes needed before the parser is called again
  uint32_t udp_probes = 0;
  bool seen = false;          // any data seen
  bool gave_up = false;       // detection gave up in this direction
  bool lost = false;          // bytes not kept in `probe` (limit or gap): no replay possible
  bool stopped = false;       // parser stopped (error, overflow) for this direction
  bool closed = false;
  // The protocol was found on the other direction before this one said anything: its first
  // bytes are probed too (Suricata detects each direction; app_proto_ts/tc may differ).
  bool check_proto = false;
};

bool port_hinted(const ParserSpec& spec, const flow::Flow& f) noexcept {
  for (uint16_t p : spec.ports)
    if (p != 0 && (p == f.dp || p == f.sp)) return true;
  return false;
}

// The protocol's port is the flow's source port and not its destination port: the side taken
// for the client is the server.
bool server_port_is_src(const ParserSpec& spec, const flow::Flow& f) noexcept {
  bool sp = false;
  for (uint16_t p : spec.ports) {
    if (p == 0) continue;
    if (p == f.dp) return false;
    sp |= p == f.sp;
  }
  return sp;
}

// ParserSpec::not_ports: the flow is on a port where the protocol is not probed.
bool port_excluded(const ParserSpec& spec, const flow::Flow& f) noexcept {
  for (uint16_t p : spec.not_ports)
    if (p != 0 && (p == f.dp || p == f.sp)) return true;
  return false;
}

}  // namespace

namespace {
// Probed in the first pass: a port hint, or the protocol a change expects.
bool hinted(const ParserSpec& spec, const flow::Flow& f, const AppState& s) noexcept;
}  // namespace

struct AppState {
  const ParserSpec* spec = nullptr;
  Parser* parser = nullptr;
  DirState dir[2];
  int8_t first_dir = -1;  // direction that carried data first
  bool failed = false;
  // Protocol change (ParseContext::change_protocol): requested during parse(), carried out
  // by feed() when the parser returns; at most one per flow.
  bool change_requested = false;
  bool changed = false;
  bool expect_checked = false;  // the expectation table was asked about this flow
  // Detection reversed the flow's roles (midstream, the server spoke first): once per flow.
  // Until the worker commits it (on_sides_swapped), the reassembler's callbacks still name
  // the directions the old way: `flip` turns them around.
  bool reversed = false;
  bool flip = false;
  Proto expected = Proto::Unknown;
  uint32_t anomaly_events = 0;
  files::FlowFiles files;  // open files of the flow (FileTracker)
  output::FlowHeaderCache header;  // the flow's EVE header fields, as text (both directions)
};

namespace {
bool hinted(const ParserSpec& spec, const flow::Flow& f, const AppState& s) noexcept {
  if (s.changed && s.expected != Proto::Unknown) return spec.proto == s.expected;
  return port_hinted(spec, f);
}
// A TCP spec probed in pass `pass` (0: hinted ones, 1: the rest) of protocol detection.
bool tcp_candidate(const ParserSpec& spec, const flow::Flow& f, const AppState& s,
                   int pass) noexcept {
  return spec.tcp && spec.probe && hinted(spec, f, s) == (pass == 0) && !port_excluded(spec, f);
}
// One more anomaly event for the flow, or false (counted) past kMaxAnomalyEvents.
bool anomaly_event_allowed(AppState& s, Counter& suppressed) noexcept {
  if (s.anomaly_events >= kMaxAnomalyEvents) {
    suppressed.inc();
    return false;
  }
  ++s.anomaly_events;
  return true;
}
}  // namespace

class AppLayer::Context final : public ParseContext {
 public:
  explicit Context(AppLayer& app) : app_(app) {}
  void bind(flow::Flow& f, AppState& s) noexcept {
    f_ = &f;
    s_ = &s;
  }
  flow::Flow& flow() noexcept override { return *f_; }
  flow::Arena& arena() noexcept override { return *f_->arena; }
  void on_transaction(const void* tx, uint64_t tx_id, Direction d) noexcept override {
    app_.log_tx(*f_, *s_, tx, tx_id, d);
  }
  void on_inspect(const void* tx, uint64_t tx_id, Direction d) noexcept override {
    if (app_.tx_observer_ && s_->spec) app_.tx_observer_->on_inspect(*f_, *s_->spec, tx, tx_id, d);
  }
  void on_derived_transaction(const ParserSpec& spec, const void* tx, uint64_t tx_id,
                              Direction d) noexcept override {
    app_.log_spec_tx(*f_, spec, tx, tx_id, d);
  }
  void on_anomaly(const char* event) noexcept override { anomaly(event, nullptr); }
  void on_anomaly_in_tx(const char* event, uint64_t tx_id) noexcept override {
    anomaly(event, &tx_id);
  }
  // Written from the side of the packet Suricata writes it with: the ACK the bytes were
  // handed over after (on_origin; Suricata parses at the ACK), else the side whose bytes
  // raised it (its own packet, or the flow-end pseudo packet of that direction).
  void anomaly(const char* event, const uint64_t* tx_id) noexcept {
    Direction side = app_.origin_pcap_cnt_ ? reverse(parse_dir) : parse_dir;
    app_.log_anomaly(*f_, *s_, event, tx_id, in_parse && side == Direction::ToClient);
  }
  void on_tx_anomaly(const char* event, uint64_t tx_id, Direction d) noexcept override {
    app_.log_anomaly(*f_, *s_, event, &tx_id, d == Direction::ToClient);
  }
  uint32_t file_open(Direction d, std::string_view name, uint64_t tx_id) noexcept override {
    Proto p = s_->spec ? s_->spec->proto : Proto::Unknown;
    return app_.files_->open(*f_, s_->files, d, name, tx_id, p);
  }
  void file_data(uint32_t file_id, Bytes data) noexcept override {
    app_.files_->data(file_id, data);
  }
  void file_close(uint32_t file_id, FileEnd end) noexcept override {
    app_.files_->close(file_id, end);
  }
  void file_tx(uint32_t file_id, const void* tx) noexcept override {
    app_.file_tx(*s_, file_id, tx);
  }
  bool change_protocol(Proto expected) noexcept override {
    // Only from parse() of a TCP stream (feed() carries it out when parse() returns).
    if (!in_parse || s_->changed || s_->change_requested || !s_->parser ||
        f_->proto != ipproto::kTcp) {
      app_.proto_change_refused_.inc();
      return false;
    }
    s_->change_requested = true;
    s_->expected = expected;
    return true;
  }
  bool protocol_changed() const noexcept override {
    return s_->changed || s_->change_requested;
  }
  bool expect(const Expectation& e) noexcept override {
    switch (ExpectationTable::global().add(e)) {
      case ExpectationTable::Add::Added: app_.expect_added_.inc(); break;
      case ExpectationTable::Add::Replaced: app_.expect_replaced_.inc(); break;
      case ExpectationTable::Add::Evicted:
        app_.expect_added_.inc();
        app_.expect_evicted_.inc();
        break;
    }
    return true;
  }
  const Expectation* expectation() noexcept override { return expectation_; }
  const Expectation* expectation_ = nullptr;  // set around create() of an expected flow

 private:
  AppLayer& app_;
  flow::Flow* f_ = nullptr;
  AppState* s_ = nullptr;

 public:
  bool in_parse = false;
  Direction parse_dir = Direction::ToServer;  // of the parse() in progress (in_parse)
};

struct AppLayer::FileTxScratch {
  output::EveWriter writer{nullptr};
};

AppLayer::AppLayer(StatsBlock& stats, output::EveWriter* eve, std::string_view in_iface,
                   const files::FileTrackerConfig* files)
    : eve_(eve),
      in_iface_(in_iface),
      ctx_(new Context(*this)),
      files_(std::make_unique<files::FileTracker>(stats, eve, in_iface,
                                                  files ? *files : files::FileTrackerConfig{})),
      stream_bytes_(stats.counter("app_layer.stream_bytes")),
      stream_chunks_(stats.counter("app_layer.stream_chunks")),
      gaps_(stats.counter("app_layer.gaps")),
      gap_bytes_(stats.counter("app_layer.gap_bytes")),
      closes_(stats.counter("app_layer.stream_closes")),
      datagrams_(stats.counter("app_layer.datagrams")),
      detected_(stats.counter("app_layer.detected")),
      detect_failed_(stats.counter("app_layer.detect_failed")),
      no_memory_(stats.counter("app_layer.no_memory")),
      parse_errors_(stats.counter("app_layer.parse_errors")),
      pending_overflow_(stats.counter("app_layer.pending_overflow")),
      txs_(stats.counter("app_layer.transactions")),
      anomalies_(stats.counter("app_layer.anomalies")),
      anomalies_suppressed_(stats.counter("app_layer.anomalies_suppressed")),
      tx_events_(stats.counter("output.eve.events.app")),
      anomaly_events_(stats.counter("output.eve.events.anomaly_applayer")),
      stream_anomaly_events_(stats.counter("output.eve.events.anomaly_stream")),
      proto_change_(stats.counter("app_layer.proto_change")),
      proto_change_refused_(stats.counter("app_layer.proto_change_refused")),
      proto_change_failed_(stats.counter("app_layer.proto_change_failed")),
      proto_change_unexpected_(stats.counter("app_layer.proto_change_unexpected")),
      reversed_(stats.counter("app_layer.flow_reversed")),
      proto_mismatch_(stats.counter("app_layer.proto_mismatch")),
      expect_added_(stats.counter("app_layer.expect.added")),
      expect_replaced_(stats.counter("app_layer.expect.replaced")),
      expect_evicted_(stats.counter("app_layer.expect.evicted")),
      expect_matched_(stats.counter("app_layer.expect.matched")),
      expect_expired_(stats.counter("app_layer.expect.expired")) {
  for (const ParserSpec* spec : parser_specs()) {
    size_t i = size_t(spec->proto);
    std::string name(proto_name(spec->proto));
    proto_flows_[i] = &stats.counter("app_layer.flow." + name);
    proto_txs_[i] = &stats.counter("app_layer.tx." + name);
    // A protocol on both transports has a counter per transport, as Suricata (dns_tcp, dns_udp);
    // HTTP, which Suricata parses on TCP only, keeps its one name (HTTP over UDP, SSDP, is
    // wardwatch's).
    bool both = spec->tcp && spec->udp && spec->proto != Proto::Http;
    proto_parse_errors_[i] =
        &stats.counter("app_layer.error." + name + (both ? "_tcp" : "") + ".parser");
    udp_parse_errors_[i] = both ? &stats.counter("app_layer.error." + name + "_udp.parser")
                                : proto_parse_errors_[i];
    log_proto_[i] = eve_ && spec->log_tx && spec->event_type && eve_->enabled(spec->event_type);
    if (spec->derive) has_derived_[size_t(spec->parent)] = true;
  }
  log_anomaly_ = eve_ && eve_->enabled("anomaly") && eve_->config()->anomaly_applayer;
  log_stream_anomaly_ = eve_ && eve_->enabled("anomaly") && eve_->config()->anomaly_stream;
}

AppLayer::~AppLayer() { delete ctx_; }

AppState* AppLayer::state(flow::Flow& f) noexcept {
  if (f.app) return f.app;
  if (!f.arena) return nullptr;
  f.app = f.arena->make<AppState>();
  if (!f.app) no_memory_.inc();
  return f.app;
}

void AppLayer::fail(flow::Flow& f, AppState& s) noexcept {
  if (s.failed || s.parser) return;
  s.failed = true;
  f.app_proto = uint16_t(Proto::Failed);
  detect_failed_.inc();
  if (s.changed) proto_change_failed_.inc();
}

void AppLayer::give_up(flow::Flow& f, AppState& s, Direction d) noexcept {
  s.dir[idx(d)].gave_up = true;
  if (s.dir[0].gave_up && s.dir[1].gave_up) fail(f, s);
}

void AppLayer::stop_dir(AppState& s, Direction d) noexcept {
  DirState& ds = s.dir[idx(d)];
  ds.stopped = true;
  ds.pending_len = 0;
  ds.want = 0;
}

bool AppLayer::decide(flow::Flow& f, AppState& s, const ParserSpec& spec, Direction d) noexcept {
  ctx_->bind(f, s);
  Parser* p = spec.create(*ctx_);
  if (!p) {
    no_memory_.inc();
    fail(f, s);
    return false;
  }
  s.spec = &spec;
  s.parser = p;
  f.app_proto = uint16_t(spec.proto);
  f.app_proto_ts = f.app_proto_tc = uint16_t(spec.proto);
  detected_.inc();
  if (Counter* c = proto_flows_[size_t(spec.proto)]) c->inc();
  if (s.changed) {
    if (s.expected != Proto::Unknown && spec.proto != s.expected) {
      // Suricata's applayer events UNEXPECTED_PROTOCOL / NO_TLS_AFTER_STARTTLS.
      proto_change_unexpected_.inc();
      log_anomaly(f, s, s.expected == Proto::Tls ? "applayer.no_tls_after_starttls"
                                                  : "applayer.unexpected_protocol");
    } else {
      f.app_proto_expected = 0;
    }
  }
  if (DirState& o = s.dir[idx(reverse(d))]; !o.seen && !s.changed) o.check_proto = true;
  if (tx_observer_) {
    tx_observer_->on_proto_detected(f, d);
    if (s.dir[idx(reverse(d))].seen) tx_observer_->on_proto_detected(f, reverse(d));
  }
  // Replay what detection kept, the direction that spoke first first.
  Direction order[2] = {Direction::ToServer, Direction::ToClient};
  if (s.first_dir == idx(Direction::ToClient)) std::swap(order[0], order[1]);
  for (Direction r : order) {
    DirState& ds = s.dir[idx(r)];
    if (ds.lost) {
      stop_dir(s, r);  // its first bytes are gone: the parser would start mid-message
      continue;
    }
    if (ds.probe_len > 0) feed(f, s, r, Bytes(ds.probe, ds.probe_len));
    if (s.parser != p) return false;  // the replay changed protocol: already handled
  }
  return true;
}

ProbeResult AppLayer::probe_one(flow::Flow& f, AppState& s, const ParserSpec& spec,
                                Direction& d, Bytes b) noexcept {
  ProbeResult r = spec.probe(d, b);
  const bool other_side = r == ProbeResult::MatchReversed ||
                          (r == ProbeResult::Match && server_port_is_src(spec, f));
  if (!other_side) return r;
  // Suricata reverses a flow picked up midstream when detection finds the other side's
  // messages first, as long as no protocol was found for the other direction.
  if (f.proto != ipproto::kTcp || s.reversed || s.changed || s.parser ||
      !(stream::session_flags(f, d) & stream::flag::kMidstream))
    return r == ProbeResult::Match ? r : ProbeResult::NoMatch;
  flow::swap_sides(f);
  s.header = output::FlowHeaderCache{};  // its text named the sides before the swap
  std::swap(s.dir[0], s.dir[1]);
  if (s.first_dir >= 0) s.first_dir = int8_t(1 - s.first_dir);
  s.reversed = s.flip = true;
  reversed_.inc();
  d = reverse(d);
  return ProbeResult::Match;
}

void AppLayer::check_direction(flow::Flow& f, AppState& s, Direction d, Bytes data) noexcept {
  s.dir[idx(d)].check_proto = false;
  if (tx_observer_) tx_observer_->on_proto_detected(f, d);
  if (s.spec->probe && s.spec->probe(d, data) != ProbeResult::NoMatch) return;
  for (const ParserSpec* spec : parser_specs()) {
    if (!spec->tcp || !spec->probe || spec == s.spec || spec->probe(d, data) != ProbeResult::Match)
      continue;
    (d == Direction::ToServer ? f.app_proto_ts : f.app_proto_tc) = uint16_t(spec->proto);
    proto_mismatch_.inc();
    // Suricata's applayer_mismatch_protocol_both_directions (app-layer-event rules).
    if (tx_observer_) tx_observer_->on_anomaly(f, "applayer.mismatch_protocol_both_directions");
    return;
  }
}

bool AppLayer::deliver_at_ack(const flow::Flow& f) const noexcept {
  // Undecided, picked up midstream: detected at the ACK, as Suricata parses there, so that a
  // reversal of the flow's roles is known before the next packet is inspected.
  if (!f.app || !f.app->spec)
    return ((stream::session_flags(f, Direction::ToServer) |
             stream::session_flags(f, Direction::ToClient)) & stream::flag::kMidstream) != 0;
  return f.app->spec->deliver_at_ack;
}

void AppLayer::on_sides_swapped(flow::Flow& f) noexcept {
  if (f.app) f.app->flip = false;
}

void AppLayer::probe_tcp(flow::Flow& f, AppState& s, Direction d) noexcept {
  DirState& ds = s.dir[idx(d)];
  Bytes b(ds.probe, ds.probe_len);
  bool need_more = false;
  for (int pass = 0; pass < 2; ++pass) {
    for (const ParserSpec* spec : parser_specs()) {
      if (!tcp_candidate(*spec, f, s, pass)) continue;
      Direction pd = d;
      switch (probe_one(f, s, *spec, pd, b)) {
        case ProbeResult::Match: decide(f, s, *spec, pd); return;
        case ProbeResult::NeedMore: need_more = true; break;
        default: break;
      }
    }
  }
  if (!need_more || ds.probe_len >= kProbeBytes) give_up(f, s, d);
}

void AppLayer::feed(flow::Flow& f, AppState& s, Direction d, Bytes data) noexcept {
  feed_inline(f, s, d, data);
}

inline void AppLayer::feed_inline(flow::Flow& f, AppState& s, Direction d, Bytes data) noexcept {
  DirState& ds = s.dir[idx(d)];
  if (ds.stopped || !s.parser || data.empty()) return;
  ctx_->bind(f, s);
  Bytes in = data;
  if (ds.pending_len > 0) [[unlikely]] {
    if (!add_pending(f, s, d, data)) return;
    in = Bytes(ds.pending, ds.pending_len);
  }
  ctx_->in_parse = true;
  ctx_->parse_dir = d;
  ParseResult r = s.parser->parse(d, in, *ctx_);
  ctx_->in_parse = false;
  // Common case: the parser took everything and wants nothing else done.
  if (s.change_requested || r.status == ParseStatus::Error || r.consumed < in.size())
      [[unlikely]] {
    after_parse(f, s, d, in, r);
    return;
  }
  ds.pending_len = 0;
  ds.want = 0;
}

bool AppLayer::add_pending(flow::Flow& f, AppState& s, Direction d, Bytes data) noexcept {
  DirState& ds = s.dir[idx(d)];
  size_t total = size_t(ds.pending_len) + data.size();
  if (total > kMaxPending) {
    pending_overflow_.inc();
    stop_dir(s, d);
    return false;
  }
  if (total > ds.pending_cap) {
    size_t cap = std::max<size_t>(ds.pending_cap * 2, 1024);
    while (cap < total) cap *= 2;
    cap = std::min(cap, kMaxPending);
    auto* np = f.arena->alloc_array<uint8_t>(cap);
    if (!np) {
      no_memory_.inc();
      stop_dir(s, d);
      return false;
    }
    std::memcpy(np, ds.pending, ds.pending_len);
    ds.pending = np;  // the old block stays in the arena until the flow ends
    ds.pending_cap = uint32_t(cap);
  }
  copy_bytes(ds.pending + ds.pending_len, data.data(), data.size());
  ds.pending_len = uint32_t(total);
  return ds.pending_len >= ds.want;
}

void AppLayer::after_parse(flow::Flow& f, AppState& s, Direction d, Bytes in,
                           const ParseResult& r) noexcept {
  DirState& ds = s.dir[idx(d)];
  if (s.change_requested) {
    change(f, s, d, in.subspan(std::min(r.consumed, in.size())));
    return;
  }
  if (r.status == ParseStatus::Error) {
    parse_errors_.inc();
    if (Counter* c = proto_parse_errors_[size_t(s.spec->proto)]) c->inc();
    stop_dir(s, d);
    return;
  }
  size_t consumed = std::min(r.consumed, in.size());
  size_t left = in.size() - consumed;
  if (left == 0) {
    ds.pending_len = 0;
    ds.want = 0;
    return;
  }
  size_t want = left + std::max<size_t>(r.needed, 1);
  if (want > kMaxPending) {
    pending_overflow_.inc();
    stop_dir(s, d);
    return;
  }
  if (in.data() == ds.pending) {
    std::memmove(ds.pending, ds.pending + consumed, left);
  } else {
    if (left > ds.pending_cap) {
      size_t cap = std::max<size_t>(1024, left);
      auto* np = f.arena->alloc_array<uint8_t>(cap);
      if (!np) {
        no_memory_.inc();
        stop_dir(s, d);
        return;
      }
      ds.pending = np;
      ds.pending_cap = uint32_t(cap);
    }
    std::memcpy(ds.pending, in.data() + consumed, left);
  }
  ds.pending_len = uint32_t(left);
  ds.want = uint32_t(want);
}

void AppLayer::change(flow::Flow& f, AppState& s, Direction d, Bytes rest) noexcept {
  s.change_requested = false;
  s.changed = true;
  proto_change_.inc();
  f.app_proto_orig = uint16_t(s.spec->proto);
  f.app_proto_expected = uint16_t(s.expected);
  // What neither direction gave the old parser becomes the new protocol's first bytes: the
  // other direction's held-back bytes (sent while it waited for the answer, so first), then
  // the rest of this chunk. `rest` may point into d's probe or pending buffer: memmove.
  const Direction order[2] = {reverse(d), d};
  DirState& other = s.dir[idx(reverse(d))];
  const Bytes keep[2] = {Bytes(other.pending, other.pending_len), rest};
  s.first_dir = -1;
  for (int i = 0; i < 2; ++i) {
    DirState& ds = s.dir[idx(order[i])];
    ds.pending_len = 0;
    ds.want = 0;
    ds.probe_len = 0;
    ds.udp_probes = 0;
    ds.gave_up = false;
    ds.lost = false;
    ds.stopped = false;
    ds.seen = !keep[i].empty();
    if (keep[i].empty()) continue;
    if (!ds.probe) ds.probe = f.arena->alloc_array<uint8_t>(kProbeBytes);
    if (!ds.probe) {
      no_memory_.inc();
      ds.lost = true;
      continue;
    }
    size_t n = std::min(keep[i].size(), kProbeBytes);
    std::memmove(ds.probe, keep[i].data(), n);
    ds.probe_len = uint32_t(n);
    ds.lost = n < keep[i].size();
    if (s.first_dir < 0) s.first_dir = int8_t(idx(order[i]));
  }
  // The old parser reports what it still holds (e.g. SMTP's STARTTLS transaction), under its
  // own spec; then the flow is undecided again (app_proto stays the old one until then).
  ctx_->bind(f, s);
  for (Direction r : {Direction::ToServer, Direction::ToClient})
    if (!s.dir[idx(r)].closed) s.parser->finish(r, *ctx_);
  s.parser = nullptr;
  s.spec = nullptr;
  for (Direction r : order) {
    if (s.parser || s.failed) break;
    DirState& ds = s.dir[idx(r)];
    if (ds.probe_len > 0)
      probe_tcp(f, s, r);
    else if (ds.lost || ds.closed)
      give_up(f, s, r);
  }
}

void AppLayer::on_data(flow::Flow& f, Direction d, Bytes data, uint64_t offset) noexcept {
  stream_bytes_.inc(data.size());
  stream_chunks_.inc();
  if (data.empty()) return;
  data_in(f, d, data);
}

bool AppLayer::expected_flow(flow::Flow& f, AppState& s, Direction d) noexcept {
  s.expect_checked = true;
  ExpectationTable& t = ExpectationTable::global();
  if (f.proto != ipproto::kTcp || t.empty()) return false;
  Expectation e;
  uint32_t expired = 0;
  bool hit = t.take(f.src, f.dst, f.dp, f.last.usec, e, expired);
  if (expired) expect_expired_.inc(expired);
  if (!hit) return false;
  const ParserSpec* spec = parser_spec(e.proto);
  if (!spec) return false;
  expect_matched_.inc();
  ctx_->expectation_ = &e;
  bool ok = decide(f, s, *spec, d);
  ctx_->expectation_ = nullptr;
  return ok;
}

void AppLayer::data_in(flow::Flow& f, Direction raw, Bytes data) noexcept {
  // Common case: the flow's parser is known (detect_in() is the rest: state, expectations,
  // protocol detection).
  if (AppState* s = f.app; s && s->parser) [[likely]] {
    known_in(f, *s, s->flip ? reverse(raw) : raw, data);
    return;
  }
  detect_in(f, raw, data);
}

inline void AppLayer::known_in(flow::Flow& f, AppState& s, Direction d, Bytes data) noexcept {
  DirState& ds = s.dir[idx(d)];
  if (s.first_dir < 0) s.first_dir = int8_t(idx(d));
  ds.seen = true;
  if (ds.check_proto) [[unlikely]] check_direction(f, s, d, data);
  feed_inline(f, s, d, data);
}

void AppLayer::detect_in(flow::Flow& f, Direction raw, Bytes data) noexcept {
  AppState* s = state(f);
  if (!s) return;
  // `raw`: the reassembler's direction (turned around while a reversal is not committed).
  Direction d = s->flip ? reverse(raw) : raw;
  DirState& ds = s->dir[idx(d)];
  if (!s->expect_checked && !s->parser && !s->failed && expected_flow(f, *s, d)) {
    ds.seen = true;
    if (s->first_dir < 0) s->first_dir = int8_t(idx(d));
    feed(f, *s, d, data);
    return;
  }
  if (s->parser) {
    known_in(f, *s, d, data);
    return;
  }
  if (s->first_dir < 0) s->first_dir = int8_t(idx(d));
  ds.seen = true;
  if (s->failed) return;
  if (ds.lost) {
    give_up(f, *s, d);
    return;
  }
  if (ds.probe_len == 0 && !ds.gave_up) {
    // Common case: the first chunk decides; probe it in place, no copy.
    bool need_more = false;
    for (int pass = 0; pass < 2 && !s->parser; ++pass) {
      for (const ParserSpec* spec : parser_specs()) {
        if (!tcp_candidate(*spec, f, *s, pass)) continue;
        Direction pd = d;  // the other way round when the probe reversed the flow
        ProbeResult r = probe_one(f, *s, *spec, pd, data);
        if (r == ProbeResult::Match) {
          s->dir[idx(pd)].probe_len = 0;
          if (decide(f, *s, *spec, pd))
            feed(f, *s, pd, data);
          else if (s->changed && !s->failed)
            data_in(f, raw, data);  // the replay changed protocol: these bytes follow
          return;
        }
        if (r == ProbeResult::NeedMore) need_more = true;
      }
    }
    if (!need_more) {
      // Keep the bytes anyway: the other direction may still decide.
      give_up(f, *s, d);
      if (s->failed) return;
    }
  }
  if (!ds.probe) {
    ds.probe = f.arena->alloc_array<uint8_t>(kProbeBytes);
    if (!ds.probe) {
      no_memory_.inc();
      fail(f, *s);
      return;
    }
  }
  size_t n = std::min(data.size(), kProbeBytes - ds.probe_len);
  copy_bytes(ds.probe + ds.probe_len, data.data(), n);
  ds.probe_len += uint32_t(n);
  const bool was_changed = s->changed;
  if (!ds.gave_up) probe_tcp(f, *s, d);
  if (s->parser || s->changed != was_changed) {
    // Decided, or the replay of what was probed changed protocol (then the change kept the
    // probed bytes after the trigger): the rest of the chunk follows.
    if (n < data.size() && !s->failed) data_in(f, raw, data.subspan(n));
    return;
  }
  if (n < data.size()) {
    ds.lost = true;
    give_up(f, *s, d);
  }
}

void AppLayer::on_gap(flow::Flow& f, Direction d, uint64_t len) noexcept {
  gaps_.inc();
  gap_bytes_.inc(len);
  AppState* s = state(f);
  if (!s) return;
  if (s->flip) d = reverse(d);
  DirState& ds = s->dir[idx(d)];
  if (s->parser) {
    if (ds.stopped) return;
    ds.pending_len = 0;  // bytes before a gap cannot be completed
    ds.want = 0;
    ctx_->bind(f, *s);
    s->parser->gap(d, len, *ctx_);
    return;
  }
  if (s->failed) return;
  ds.lost = true;
  if (ds.seen || s->dir[idx(reverse(d))].seen) give_up(f, *s, d);
}

void AppLayer::on_close(flow::Flow& f, Direction d) noexcept {
  closes_.inc();
  AppState* s = f.app;
  if (!s) return;
  if (s->flip) d = reverse(d);
  DirState& ds = s->dir[idx(d)];
  if (ds.closed) return;
  ds.closed = true;
  if (s->parser) {
    if (ds.stopped) return;
    ctx_->bind(f, *s);
    s->parser->finish(d, *ctx_);
    return;
  }
  if (!s->failed && (ds.seen || s->dir[idx(reverse(d))].seen)) give_up(f, *s, d);
}

void AppLayer::on_anomaly(flow::Flow& f, Direction d, stream::StreamAnomaly a) noexcept {
  if (!log_stream_anomaly_) return;
  AppState* s = state(f);
  if (!s) return;
  if (s->flip) d = reverse(d);
  if (!anomaly_event_allowed(*s, anomalies_suppressed_)) return;
  output::write_stream_anomaly(*eve_, f, in_iface_, d, pcap_cnt_, stream::anomaly_name(a));
  if (tx_observer_) tx_observer_->write_flow_metadata(f, *eve_);
  eve_->end();
  stream_anomaly_events_.inc();
}

void AppLayer::on_datagram(flow::Flow& f, Direction d, const Packet& p) noexcept {
  on_datagram(f, d, p.payload());
}

void AppLayer::on_datagram(flow::Flow& f, Direction d, Bytes payload) noexcept {
  datagrams_.inc();
  if (payload.empty()) return;
  AppState* s = state(f);
  if (!s) return;
  DirState& ds = s->dir[idx(d)];
  ds.seen = true;
  if (!s->parser) {
    if (s->failed) return;
    for (int pass = 0; pass < 2 && !s->parser; ++pass) {
      for (const ParserSpec* spec : parser_specs()) {
        if (!spec->udp || !spec->probe || port_hinted(*spec, f) != (pass == 0) ||
            port_excluded(*spec, f))
          continue;
        if (spec->probe(d, payload) == ProbeResult::Match) {
          if (!decide(f, *s, *spec, d)) return;
          break;
        }
      }
    }
    if (!s->parser) {
      if (++ds.udp_probes + s->dir[idx(reverse(d))].udp_probes >= kUdpProbeDatagrams)
        fail(f, *s);
      return;
    }
  }
  if (ds.stopped) return;
  ctx_->bind(f, *s);
  // A datagram is a whole message: nothing is carried over to the next one.
  if (s->parser->parse(d, payload, *ctx_).status == ParseStatus::Error) {
    parse_errors_.inc();
    if (Counter* c = udp_parse_errors_[size_t(s->spec->proto)]) c->inc();
    stop_dir(*s, d);
  }
}

void AppLayer::release(flow::Flow& f) noexcept {
  AppState* s = f.app;
  if (!s) return;
  if (s->parser) {
    ctx_->bind(f, *s);
    for (Direction d : {Direction::ToServer, Direction::ToClient}) {
      DirState& ds = s->dir[idx(d)];
      if (ds.closed || ds.stopped) continue;
      ds.closed = true;
      s->parser->finish(d, *ctx_);
    }
  } else if (!s->failed && (s->dir[0].seen || s->dir[1].seen)) {
    fail(f, *s);
  }
  // Files the parser left open (flow timed out or was evicted mid-transfer).
  files_->close_flow(s->files);
  f.app = nullptr;  // the arena (freed by the flow table) holds the state and the parser
}

void AppLayer::log_tx(flow::Flow& f, AppState& s, const void* tx, uint64_t tx_id,
                      Direction d) noexcept {
  log_spec_tx(f, *s.spec, tx, tx_id, d);
  // Protocols carried in this one's transactions (ParserSpec::derive: FHIR in HTTP).
  if (!has_derived_[size_t(s.spec->proto)]) return;
  for (const ParserSpec* sub : parser_specs())
    if (sub->derive && sub->parent == s.spec->proto) sub->derive(tx, tx_id, d, *ctx_);
}

void AppLayer::log_spec_tx(flow::Flow& f, const ParserSpec& spec, const void* tx,
                           uint64_t tx_id, Direction d) noexcept {
  txs_.inc();
  size_t pi = size_t(spec.proto);
  if (Counter* c = proto_txs_[pi]) c->inc();
  if (tx_observer_) {
    tx_observer_->on_transaction(f, spec, tx, tx_id, d);
    if (!tx_observer_->log_transaction(f)) return;
  }
  if (!log_proto_[pi]) return;
  auto& j = eve_->begin(f.last, spec.event_type);
  output::write_flow_header(*eve_, f, in_iface_, spec.log_reversed && spec.log_reversed(tx, d),
                            f.app ? &f.app->header : nullptr);
  if (uint64_t n = event_pcap_cnt()) {  // completed by a capture packet (not at flow timeout or end)
    eve_->kv("pcap_cnt", n);
    eve_->kv("pkt_src", std::string_view("wire/pcap"));
  } else {  // Suricata logs it from the flow-end pseudo packet
    eve_->kv("pkt_src", std::string_view("stream (flow timeout)"));
  }
  eve_->kv("tx_id", tx_id);
  j.Key(spec.event_type);
  spec.log_tx(tx, *eve_);
  eve_->end();
  tx_events_.inc();
}

void AppLayer::file_tx(AppState& s, uint32_t file_id, const void* tx) noexcept {
  if (!file_id || !tx || !s.spec || !s.spec->log_tx || !s.spec->event_type || !eve_ ||
      !eve_->enabled("fileinfo"))
    return;
  if (!file_tx_) file_tx_.reset(new (std::nothrow) FileTxScratch);
  if (!file_tx_) return;
  FileTxScratch& x = *file_tx_;
  x.writer.flush();  // no output: drops the last record's text
  auto& j = x.writer.begin_raw();
  j.Reset();
  // Written as in the protocol's own event, inside an object after its key, so that a log_tx
  // that adds sibling objects after its own (SMTP's "email") stays valid JSON; the record is
  // what follows the key: `{...}` or `{...},"email":{...}`.
  j.StartObject();
  j.Key(s.spec->event_type);
  s.spec->log_tx(tx, x.writer);
  j.EndObject();
  if (!j.IsComplete()) return;
  std::string_view all = x.writer.pending();
  size_t head = std::strlen(s.spec->event_type) + 4;  // {"<event_type>":
  if (all.size() < head + 2) return;
  files_->set_app_record(file_id, s.spec->event_type, all.substr(head, all.size() - head - 1));
}

void AppLayer::log_anomaly(flow::Flow& f, AppState& s, const char* event, const uint64_t* tx_id,
                           bool reversed) noexcept {
  anomalies_.inc();
  if (tx_observer_ && event) tx_observer_->on_anomaly(f, event);
  if (!log_anomaly_ || !anomaly_event_allowed(s, anomalies_suppressed_)) return;
  auto& j = eve_->begin(f.last, "anomaly");
  output::write_flow_header(*eve_, f, in_iface_, reversed, &s.header);
  if (uint64_t n = event_pcap_cnt()) {
    eve_->kv("pcap_cnt", n);
    eve_->kv("pkt_src", std::string_view("wire/pcap"));
  }
  if (tx_id) eve_->kv("tx_id", *tx_id);
  j.Key("anomaly");
  j.StartObject();
  eve_->kv("app_proto", s.spec ? proto_name(s.spec->proto) : std::string_view("unknown"));
  eve_->kv("type", std::string_view("applayer"));
  // Suricata's names: HTTP's (libhtp's) in upper case without the "http." prefix.
  std::string_view ev(event ? event : "");
  char up[96];
  if (ev.starts_with("http.") && ev.size() - 5 <= sizeof up) {
    ev.remove_prefix(5);
    for (size_t i = 0; i < ev.size(); ++i)
      up[i] = (ev[i] >= 'a' && ev[i] <= 'z') ? char(ev[i] - 32) : ev[i];
    ev = std::string_view(up, ev.size());
  }
  // SMTP, FTP, SMB, DNS and TLS parsers name their anomalies "<proto>.<Suricata's name>"
  // (smtp.MIME_LONG_FILENAME, ftp.request_command_too_long): Suricata writes the name alone.
  for (std::string_view p : {"smtp.", "ftp.", "smb.", "dns.", "tls."})
    if (ev.starts_with(p)) ev.remove_prefix(p.size());
  eve_->kv("event", ev);
  eve_->kv("layer", std::string_view("proto_parser"));
  j.EndObject();
  eve_->end();
  anomaly_events_.inc();
}

}  // namespace ww::app
