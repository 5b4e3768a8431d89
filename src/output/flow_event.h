// EVE `flow` events, field for field as Suricata 7 writes them.
#pragma once

#include "flow/flow.h"
#include "output/eve.h"

namespace ww::output {

// Writes the common header fields of a flow-scoped event (flow_id, in_iface, src/dest,
// proto, and community_id when the output has it on) after EveWriter::begin().
// `reversed`: the server is src (an event about a message the server sent).
void write_flow_header(EveWriter& w, const flow::Flow& f, std::string_view in_iface,
                       bool reversed = false);
// write_flow_header's text for one flow, kept from its first event (flow_id, addresses, ports,
// proto, community_id do not change over a flow): later events copy it instead of formatting
// each field again. Lives with the flow (its arena holds the text).
struct FlowHeaderCache {
  const char* text[2] = {};  // [reversed]
  uint16_t len[2] = {};
};
// write_flow_header through `cache` (nullptr: no cache); the text is allocated from the flow's
// arena, and not kept when the arena is full.
void write_flow_header(EveWriter& w, const flow::Flow& f, std::string_view in_iface, bool reversed,
                       FlowHeaderCache* cache);
// A complete `flow` event for a flow that ended. `action`: what detection decided for the
// whole flow ("pass", or "drop" in IPS simulation; empty: nothing), flow.action.
void write_flow_event(EveWriter& w, const flow::Flow& f, std::string_view in_iface,
                      std::string_view action = {});
// A complete `anomaly` event of type "stream" (a reassembler anomaly, `event` its
// "stream.<what>" name) for a packet of direction d of f: the packet's sender is src, as
// Suricata logs a packet's stream events. pcap_cnt 0: none. The event is left open: the
// caller may add members (metadata) and ends it (EveWriter::end()).
void write_stream_anomaly(EveWriter& w, const flow::Flow& f, std::string_view in_iface,
                          Direction d, uint64_t pcap_cnt, std::string_view event);
// "TCP", "UDP", "ICMP", "IPv6-ICMP", or the number.
std::string_view proto_name(uint8_t ip_proto, char (&buf)[4]);

}  // namespace ww::output
