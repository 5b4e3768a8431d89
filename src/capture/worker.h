// Worker: everything from flow tracking to output for the flows hashed to it.
//
// A worker owns its flow table, reassembler, app layer and EVE writer; nothing on its packet
// path is shared with another worker, so it takes no locks. Packets arrive already decoded
// (and defragmented) from the front end (PacketFrontEnd), either inline (one worker) or
// through the worker's SpscRing (several workers).
#pragma once

#include <memory>
#include <string>

#include "app/app_layer.h"
#include "capture/reload.h"
#include "core/config.h"
#include "core/packet.h"
#include "core/stats.h"
#include "decode/decoder.h"
#include "decode/defrag.h"
#include "detect/engine.h"
#include "flow/flow.h"
#include "output/eve.h"
#include "stream/stream.h"

namespace ww::capture {

// Decode and defragment: turns raw frames into decoded packets with their flow hash.
// One per capture thread (the dispatcher, or each worker when it reads its own packets).
class PacketFrontEnd {
 public:
  PacketFrontEnd(StatsBlock& stats, const Config& cfg);
  // Decodes `raw` and calls deliver(Packet&) for each packet to track: the packet itself, or
  // a datagram completed by this fragment. Non-IP and invalid frames are counted only (those
  // with decode events go to detection, marked decode_only).
  template <typename F>
  void ingest(Packet& raw, F&& deliver) noexcept {
    auto st = decoder_.decode(raw);
    if (st == decode::DecodeStatus::Fragment) {
      const Packet* whole = defrag_.add(raw);
      raw.decode_events |= defrag_.events();
      deliver_events(raw, deliver);
      if (whole) {
        Packet p = *whole;
        p.pcap_cnt = raw.pcap_cnt;
        p.iface = raw.iface;
        finish(p);
        deliver(p);
      }
      return;
    }
    if (st != decode::DecodeStatus::Ok || !raw.has_ip()) {
      if (st == decode::DecodeStatus::Invalid) deliver_events(raw, deliver);
      return;
    }
    finish(raw);
    deliver(raw);
  }
  // Periodic housekeeping in packet time (defrag timeouts).
  void tick(Timestamp now) noexcept { defrag_.expire(now); }

 private:
  void finish(Packet& p) noexcept;
  // A fragment or a packet the decoder rejected reaches detection (decode-event rules, no
  // flow) when it carries decode events, as Suricata inspects every packet it decodes.
  template <typename F>
  void deliver_events(Packet& raw, F& deliver) noexcept {
    if (!raw.decode_events || !raw.has_ip()) return;
    raw.decode_only = true;
    finish(raw);
    deliver(raw);
  }
  decode::Decoder decoder_;
  decode::Defragmenter defrag_;
};

// Where reassembled bytes go when the app layer is disabled (app-layer.enabled: no).
class NullStreamSink final : public stream::StreamSink {
 public:
  void on_data(flow::Flow&, Direction, Bytes, uint64_t) noexcept override {}
  void on_gap(flow::Flow&, Direction, uint64_t) noexcept override {}
  void on_close(flow::Flow&, Direction) noexcept override {}
};

class Worker final : public flow::FlowObserver, public app::TxObserver {
 public:
  Worker(int id, StatsBlock& stats, const Config& cfg, output::EveOutput* eve,
         std::string in_iface = {});
  ~Worker() override;

  // One decoded IP packet whose flow belongs to this worker.
  void process(const Packet& p) noexcept;
  // Packet-time housekeeping: expires idle flows. Called for every packet and on ticks.
  void tick(Timestamp now) noexcept;
  // End of input: ends all flows (reason shutdown) and flushes output.
  void finish() noexcept;
  void flush_output() noexcept { eve_.flush(); }

  void on_flow_end(flow::Flow& f) noexcept override;
  // Each app-layer transaction, before the app layer logs it: to signature detection.
  void on_transaction(flow::Flow& f, const app::ParserSpec& spec, const void* tx,
                      uint64_t tx_id, Direction d) noexcept override;
  // Not logged: a config rule disabled the transaction's logging, or the flow was dropped.
  bool log_transaction(flow::Flow& f) noexcept override {
    if (!detect_) return true;
    bool nolog = detect_->take_tx_nolog();
    return !nolog && !detect_->flow_dropped(&f);
  }
  // Each app-layer anomaly: to detection (app-layer-event rules of the current packet).
  void on_anomaly(flow::Flow& f, const char* event) noexcept override {
    if (detect_) detect_->on_app_event(f, event);
  }
  void write_flow_metadata(flow::Flow& f, output::EveWriter& w) noexcept override {
    if (detect_) detect_->write_flow_metadata(f, w);
  }
  void on_proto_detected(flow::Flow& f, Direction d) noexcept override {
    if (detect_) detect_->on_proto_detected(f, d);
  }
  int id() const { return id_; }
  // Signature detection (start-up only): every worker shares one engine, owns its Detector.
  void set_detect(std::shared_ptr<const detect::DetectEngine> engine);
  // Null when no rules are loaded. The app layer hands transactions to it (on_transaction).
  detect::Detector* detector() noexcept { return detect_.get(); }
  // Live reload: at each tick the worker takes the hub's content when its generation moved
  // (capture/reload.h). The hub must outlive the worker.
  void set_reload(const ReloadHub* hub) noexcept {
    reload_ = hub;
    reload_gen_ = hub ? hub->generation() : 0;
  }
  uint64_t reload_generation() const noexcept { return reload_gen_; }

 private:
  int id_;
  std::string in_iface_;
  output::EveWriter eve_;
  bool log_flows_;
  flow::FlowTable flows_;
  stream::Reassembler stream_;
  app::AppLayer app_;
  bool app_enabled_;
  NullStreamSink no_app_;
  Counter& pkts_;
  Counter& flow_untracked_;
  Counter& flow_events_;
  Timestamp last_tick_;
  StatsBlock* stats_block_ = nullptr;
  std::unique_ptr<detect::Detector> detect_;
  std::unique_ptr<detect::StreamTee> tee_;  // set when rules inspect the TCP stream
  const ReloadHub* reload_ = nullptr;
  uint64_t reload_gen_ = 0;
  void take_reload() noexcept;
  // flow::swap_sides() left the stream session, the app layer's translation and detection's
  // stream windows to turn around once the packet is through reassembly: done here.
  void commit_swap(flow::Flow& f) noexcept;
  stream::StreamSink& sink() noexcept {
    if (tee_) return *tee_;
    return app_enabled_ ? static_cast<stream::StreamSink&>(app_) : no_app_;
  }
};

}  // namespace ww::capture
