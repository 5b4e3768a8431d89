// EVE `alert` events, field for field as Suricata 7 writes them.
//
// The 5-tuple is the one of the packet (or, for a transaction, the flow oriented by the
// transaction's direction), as Suricata logs it; `flow` carries the flow's counters and its
// original orientation. Transaction alerts add `tx_id` and the protocol's EVE object (the same
// one its own event would carry), like Suricata's alert app-layer metadata.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/types.h"
#include "output/eve.h"

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
};

// Writes one complete alert event (begin .. end).
void write_alert_event(EveWriter& w, const detect::Rule& rule, const AlertContext& c);

}  // namespace ww::output
