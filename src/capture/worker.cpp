#include "capture/worker.h"

#include <spdlog/spdlog.h>

#include "files/tracker.h"
#include "app/dns/parser.h"
#include "app/ftp/parser.h"
#include "app/http/parser.h"
#include "app/redact.h"
#include "app/smb/parser.h"
#include "app/smtp/parser.h"
#include "flow/flow.h"
#include "output/flow_event.h"

namespace ww::capture {

PacketFrontEnd::PacketFrontEnd(StatsBlock& stats, const Config& cfg)
    : decoder_(stats, cfg.decode), defrag_(decoder_, stats, cfg.defrag) {}

void PacketFrontEnd::finish(Packet& p) noexcept { p.flow_hash = flow::symmetric_hash(p); }

Worker::Worker(int id, StatsBlock& stats, const Config& cfg, output::EveOutput* eve,
               std::string in_iface)
    : id_(id),
      in_iface_(std::move(in_iface)),
      eve_(eve),
      log_flows_(eve && eve->enabled("flow")),
      flows_(stats, cfg.flow, *this),
      stream_(stats, cfg.stream),
      app_(stats, &eve_, in_iface_, &cfg.files),
      app_enabled_(cfg.app_layer_enabled),
      pkts_(stats.counter("worker.pkts")),
      flow_untracked_(stats.counter("worker.untracked_pkts")),
      flow_events_(stats.counter("output.eve.events.flow")) {
  stats_block_ = &stats;
  app::set_redact_phi(cfg.redact_phi);  // process-wide; every worker sets the same value
  app::ftp::set_settings({cfg.ftp_log_password, cfg.ftp_max_line, cfg.ftp_max_tx});
  app::smb::set_settings({cfg.smb_max_tx});
  flow::set_vlan_tracking(cfg.vlan_tracking);
  {
    app::smtp::Settings s;  // app-layer.protocols.smtp.mime, the EVE smtp md5 option
    s.extract_urls = cfg.smtp_extract_urls;
    for (const std::string& x : cfg.smtp_url_schemes)
      if (s.n_schemes < app::smtp::kMaxSchemes) s.schemes[s.n_schemes++].assign(x);
    s.log_url_scheme = cfg.smtp_log_url_scheme;
    s.body_md5 = cfg.smtp_body_md5;
    s.log_body_md5 = cfg.smtp_log_body_md5;
    s.log_subject_md5 = cfg.smtp_log_subject_md5;
    app::smtp::set_settings(s);
  }
  app::http::set_log_headers(cfg.eve.http_request_headers, cfg.eve.http_response_headers);
  // A request is inspected (to_server) once complete: with stream.inline, and with acked
  // delivery (its bytes arrive with the next client packet after the ACK, the packet
  // Suricata inspects them with); on arrival, when its response completes.
  app::http::set_inspect_requests(cfg.stream.inline_mode || cfg.stream.deliver_on_ack);
  app::dns::set_eve_version(cfg.eve.dns_version);
  app_.set_tx_observer(this);
}

void Worker::set_detect(std::shared_ptr<const detect::DetectEngine> engine) {
  tee_.reset();
  if (engine)
    detect_ = std::make_unique<detect::Detector>(std::move(engine), *stats_block_, in_iface_);
  else
    detect_.reset();
  // Raw stream inspection and stream-event: reassembled bytes and stream anomalies go to the
  // app layer and to detection.
  if (detect_)
    tee_ = std::make_unique<detect::StreamTee>(
        app_enabled_ ? static_cast<stream::StreamSink&>(app_) : no_app_, *detect_);
}

Worker::~Worker() = default;

void Worker::process(const Packet& p) noexcept {
  if (p.decode_only) {  // a fragment or a rejected packet: its decode events only, no flow
    if (detect_) detect_->on_packet(p, nullptr, Direction::ToServer, &eve_);
    return;
  }
  pkts_.inc();
  // Expiry walks a bounded slice; once per millisecond of packet time is plenty.
  if (p.ts.usec - last_tick_.usec >= 1000 || p.ts.usec < last_tick_.usec) tick(p.ts);
  Direction dir = Direction::ToServer;
  flow::Flow* f = flows_.process(p, dir);
  if (!f) {
    flow_untracked_.inc();
    return;
  }
  if (detect_ && detect_->flow_dropped(f)) {  // IPS simulation: the flow's packets are dropped
    detect_->on_flow_dropped(p, *f, &eve_);
    return;
  }
  app_.set_pcap_cnt(p.pcap_cnt);  // app events this packet completes name it (Suricata)
  // Detection learns the packet first: stream bytes and transactions it completes are
  // attributed to it (pcap_cnt of their alerts).
  if (detect_) detect_->begin_packet(&p, f, dir, &eve_);
  if (p.is_tcp()) {
    stream_.process(*f, p, dir, sink());
  } else if (p.payload_len > 0 && app_enabled_) {
    app_.on_datagram(*f, dir, p);
  }
  if (f->swap_pending) {  // the app layer reversed the flow's roles (midstream)
    commit_swap(*f);
    dir = reverse(dir);
  }
  if (detect_) detect_->on_packet(p, f, dir, &eve_);
  app_.set_pcap_cnt(0);
  app_.files().poll();  // finished YARA scans: their alerts and fileinfo events
}

void Worker::take_reload() noexcept {
  reload_gen_ = reload_->generation();
  try {
    auto c = reload_->current();
    if (!c) return;
    set_detect(c->detect);
    app_.files().set_detection(c->file_rules, c->known_bad);
  } catch (const std::exception& e) {  // out of memory building the new Detector
    spdlog::error("worker {}: cannot take the reloaded rules: {}", id_, e.what());
  }
}

void Worker::tick(Timestamp now) noexcept {
  // Between packets: no transaction or stream inspection is in progress.
  if (reload_ && reload_->generation() != reload_gen_) take_reload();
  last_tick_ = now;
  flows_.expire(now);
  app_.files().poll();
}

void Worker::finish() noexcept {
  flows_.flush();
  app_.files().drain();  // every file's YARA scan, before the output is flushed
  eve_.flush();
}

void Worker::on_transaction(flow::Flow& f, const app::ParserSpec& spec, const void* tx,
                            uint64_t tx_id, Direction d) noexcept {
  // The flow's last packet time is the time of the packet that completed the transaction.
  if (!detect_) return;
  if (spec.tx_both_dirs) {  // one transaction holds both directions: inspected in both
    detect_->on_transaction_both(f, spec, tx, tx_id, f.last, &eve_);
    return;
  }
  detect_->on_transaction(f, spec, tx, tx_id, d, f.last, &eve_);
}

void Worker::commit_swap(flow::Flow& f) noexcept {
  f.swap_pending = false;
  stream::swap_directions(f);
  app_.on_sides_swapped(f);
  if (detect_) detect_->on_sides_swapped(f);
}

void Worker::on_flow_end(flow::Flow& f) noexcept {
  // The app layer first: transactions it completes at flow end still reach detection.
  if (f.tcp) {
    if (detect_) detect_->begin_packet(nullptr, nullptr, Direction::ToServer, &eve_);
    stream_.release(f, sink());
    if (f.swap_pending) commit_swap(f);
  }
  app_.release(f);
  // What detection decided for the flow (pass, IPS drop), before it forgets the flow.
  std::string_view action;
  if (detect_) action = detect_->release(f, &eve_);
  if (log_flows_) {
    output::write_flow_event(eve_, f, in_iface_, action);
    flow_events_.inc();
  }
}

}  // namespace ww::capture
