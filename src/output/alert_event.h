// EVE `alert` events, field for field as Suricata 7 writes them.
//
// The 5-tuple is the one of the packet (or, for a transaction, the flow oriented by the
// transaction's direction), as Suricata logs it; `flow` carries the flow's counters and its
// original orientation. Transaction alerts add `tx_id` and the protocol's EVE object (the same
// one its own event would carry), like Suricata's alert app-layer metadata.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/byte_reader.h"
#include "core/types.h"
#include "output/eve.h"

namespace ww {
struct Packet;
}
namespace ww::flow {
struct Flow;
}
namespace ww::app {
struct ParserSpec;
}
namespace ww::detect {
struct Rule;
}

namespace ww::output {

struct AlertContext {
  Timestamp ts;                   // time of the packet that completed the match
  const flow::Flow* flow = nullptr;
  std::string_view in_iface;
  IpAddr src, dst;
  uint16_t sp = 0, dp = 0;
  uint8_t proto = 0;
  Direction dir = Direction::ToServer;
  uint64_t pcap_cnt = 0;          // 0: not from a capture file / unknown
  std::string_view pkt_src = "wire/pcap";  // "stream (flow timeout)" for flow-end matches
  // Transaction alerts.
  bool has_tx = false;
  uint64_t tx_id = 0;
  const app::ParserSpec* spec = nullptr;
  const void* tx = nullptr;
  // The packet being inspected when the rule matched (payload, packet, ether options of the
  // output); nullptr when none (flow end).
  const Packet* pkt = nullptr;
  // Matched on the reassembled stream: `stream_data` is the stream window inspected (logged
  // as the payload instead of the packet's).
  bool stream_match = false;
  Bytes stream_data;
  bool pass = false;  // verdict: a pass rule matched the flow (or packet)
  bool blocked = false;  // IPS: the alert's action drops the packet ("blocked")
  // The verdict is added later (write_verdict_close): the event is left open, without its
  // closing brace, so that the packet's final action can be appended.
  bool open_verdict = false;
  // Pcre captures (Suricata): alert.context, and the top-level metadata's flowvars (the
  // flow's, after this match) and pktvars (this match's).
  struct Var {
    std::string_view name, value;
  };
  std::span<const Var> context, flowvars, pktvars;
};

// The X-Forwarded-For address in raw HTTP header lines: the first (forward) or last (reverse)
// entry of the first `name:` header; false when absent or not an address.
bool xff_address(std::string_view headers, std::string_view name, bool forward, IpAddr& out);

// Writes one complete alert event (begin .. end), with the options of the output's
// EveAlertConfig (payload, packet, xff, metadata, verdict) and eve-log ethernet/community-id.
void write_alert_event(EveWriter& w, const detect::Rule& rule, const AlertContext& c);

// Ends an event that write_alert_event left open (open_verdict): "verdict": {"action": ...}
// when the output has the verdict option, then the closing brace.
void write_verdict_close(std::string& line, std::string_view action, bool verdict);

// EVE `drop` event for a packet an IPS would have dropped (Suricata's drop logger): the
// packet's 5-tuple and IP/TCP header fields, and why ("rules", "threshold detection_filter",
// "flow drop").
void write_drop_event(EveWriter& w, const Packet& p, const flow::Flow* f,
                      std::string_view in_iface, std::string_view reason);

}  // namespace ww::output
