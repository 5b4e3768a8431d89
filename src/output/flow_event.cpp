#include "output/flow_event.h"
#include "core/hex.h"

#include <cstdio>
#include <cstring>

#include "app/proto.h"

namespace ww::output {

std::string_view proto_name(uint8_t p, char (&buf)[4]) {
  switch (p) {
    case ipproto::kTcp: return "TCP";
    case ipproto::kUdp: return "UDP";
    case ipproto::kIcmp: return "ICMP";
    case ipproto::kIcmpv6: return "IPv6-ICMP";
    case ipproto::kSctp: return "SCTP";
    case ipproto::kGre: return "GRE";
    default: {
      int n = std::snprintf(buf, sizeof buf, "%u", p);
      return {buf, static_cast<size_t>(n)};
    }
  }
}

namespace {

void write_ip(EveWriter& w, const char* key, const IpAddr& a) {
  char buf[48];
  w.kv(key, std::string_view(buf, a.format(buf)));
}

}  // namespace

void write_flow_header(EveWriter& w, const flow::Flow& f, std::string_view in_iface,
                       bool reversed) {
  w.kv("flow_id", f.flow_id);
  if (!in_iface.empty()) w.kv("in_iface", in_iface);
  if (f.vlan_count > 0) {
    auto& j = w.begin_raw();
    j.Key("vlan");
    j.StartArray();
    for (int i = 0; i < f.vlan_count; ++i) j.Uint(f.vlan[i]);
    j.EndArray();
  }
  write_ip(w, "src_ip", reversed ? f.dst : f.src);
  bool ports = f.proto == ipproto::kTcp || f.proto == ipproto::kUdp || f.proto == ipproto::kSctp;
  if (ports) w.kv("src_port", reversed ? f.dp : f.sp);
  write_ip(w, "dest_ip", reversed ? f.src : f.dst);
  if (ports) w.kv("dest_port", reversed ? f.sp : f.dp);
  w.kv("ip_v", uint64_t(f.src.is_v4() ? 4 : 6));  // Suricata 8
  char pbuf[4];
  w.kv("proto", proto_name(f.proto, pbuf));
  if (const EveOutputConfig* cfg = w.config(); cfg && cfg->community_id) {
    char id[64];
    size_t n = community_id(f.src, f.dst, f.sp, f.dp, f.proto, cfg->community_id_seed, id);
    w.kv("community_id", std::string_view(id, n));
  }
}

void write_stream_anomaly(EveWriter& w, const flow::Flow& f, std::string_view in_iface,
                          Direction d, uint64_t pcap_cnt, std::string_view event) {
  auto& j = w.begin(f.last, "anomaly");
  write_flow_header(w, f, in_iface, d == Direction::ToClient);
  if (pcap_cnt) {
    w.kv("pcap_cnt", pcap_cnt);
    w.kv("pkt_src", std::string_view("wire/pcap"));
  }
  j.Key("anomaly");
  j.StartObject();
  w.kv("type", std::string_view("stream"));
  w.kv("event", event);
  j.EndObject();
}

void write_flow_header(EveWriter& w, const flow::Flow& f, std::string_view in_iface,
                       bool reversed, FlowHeaderCache* cache) {
  const int r = reversed ? 1 : 0;
  if (cache && cache->text[r]) {
    w.append_members({cache->text[r], cache->len[r]});
    return;
  }
  std::string_view text = w.capture_members([&] { write_flow_header(w, f, in_iface, reversed); });
  if (!cache || !f.arena || text.empty() || text.size() > UINT16_MAX) return;
  char* p = f.arena->alloc_array<char>(text.size());
  if (!p) return;
  std::memcpy(p, text.data(), text.size());
  cache->text[r] = p;
  cache->len[r] = uint16_t(text.size());
}

void write_flow_event(EveWriter& w, const flow::Flow& f, std::string_view in_iface,
                      std::string_view action) {
  auto& j = w.begin(f.start, "flow");
  write_flow_header(w, f, in_iface);
  if (f.proto == ipproto::kIcmp || f.proto == ipproto::kIcmpv6) {
    // As Suricata: the first type/code seen from each side.
    w.kv("icmp_type", f.icmp_type[0]);
    w.kv("icmp_code", f.icmp_code[0]);
    if (f.pkts[1]) {
      w.kv("response_icmp_type", f.icmp_type[1]);
      w.kv("response_icmp_code", f.icmp_code[1]);
    }
  }
  auto app = static_cast<app::Proto>(f.app_proto);
  if (app != app::Proto::Unknown) w.kv("app_proto", app::proto_name(app));
  // As Suricata's flow log: the protocol before a change, and the one expected when detection
  // did not find it (e.g. no TLS after STARTTLS).
  if (f.app_proto_orig != 0 && f.app_proto_orig != f.app_proto)
    w.kv("app_proto_orig", app::proto_name(static_cast<app::Proto>(f.app_proto_orig)));
  if (f.app_proto_expected != 0 && f.app_proto_expected != f.app_proto)
    w.kv("app_proto_expected", app::proto_name(static_cast<app::Proto>(f.app_proto_expected)));

  j.Key("flow");
  j.StartObject();
  w.kv("pkts_toserver", f.pkts[0]);
  w.kv("pkts_toclient", f.pkts[1]);
  w.kv("bytes_toserver", f.bytes[0]);
  w.kv("bytes_toclient", f.bytes[1]);
  char ts[40];
  j.Key("start");
  j.String(ts, format_timestamp(f.start, ts));
  j.Key("end");
  j.String(ts, format_timestamp(f.last, ts));
  w.kv("age", static_cast<uint64_t>((f.last.usec - f.start.usec) / 1000000));
  w.kv("state", flow::flow_state_name(f));
  w.kv("reason", flow::end_reason_name(f.reason));
  w.kv_bool("alerted", f.alerted);
  if (!action.empty()) w.kv("action", action);
  j.EndObject();

  if (f.proto == ipproto::kTcp) {
    j.Key("tcp");
    j.StartObject();
    uint8_t all = f.tcp_flags[0] | f.tcp_flags[1];
    char digits[2];
    auto put_flags = [&](const char* key, uint8_t v) {
      hex::byte(v, digits);
      w.kv(key, std::string_view(digits, 2));
    };
    put_flags("tcp_flags", all);
    put_flags("tcp_flags_ts", f.tcp_flags[0]);
    put_flags("tcp_flags_tc", f.tcp_flags[1]);
    if (all & tcpflag::kSyn) w.kv_bool("syn", true);
    if (all & tcpflag::kFin) w.kv_bool("fin", true);
    if (all & tcpflag::kRst) w.kv_bool("rst", true);
    if (all & tcpflag::kPsh) w.kv_bool("psh", true);
    if (all & tcpflag::kAck) w.kv_bool("ack", true);
    if (all & tcpflag::kUrg) w.kv_bool("urg", true);
    if (all & tcpflag::kEce) w.kv_bool("ecn", true);
    if (all & tcpflag::kCwr) w.kv_bool("cwr", true);
    w.kv("state", flow::tcp_state_name(f.tcp_state));
    j.EndObject();
  }
  w.end();
}

}  // namespace ww::output
