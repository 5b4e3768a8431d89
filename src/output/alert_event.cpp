#include "output/alert_event.h"

#include "app/parser.h"
#include "app/proto.h"
#include "detect/rule.h"
#include "flow/flow.h"
#include "output/flow_event.h"

namespace ww::output {
namespace {

void write_ip(EveWriter& w, const char* key, const IpAddr& a) {
  char buf[48];
  w.kv(key, std::string_view(buf, a.format(buf)));
}

bool has_ports(uint8_t proto) {
  return proto == ipproto::kTcp || proto == ipproto::kUdp || proto == ipproto::kSctp;
}

}  // namespace

void write_alert_event(EveWriter& w, const detect::Rule& rule, const AlertContext& c) {
  auto& j = w.begin(c.ts, "alert");
  const flow::Flow* f = c.flow;
  if (f) w.kv("flow_id", f->flow_id);
  if (c.pcap_cnt) w.kv("pcap_cnt", c.pcap_cnt);
  if (!c.in_iface.empty()) w.kv("in_iface", c.in_iface);
  if (f && f->vlan_count > 0) {
    j.Key("vlan");
    j.StartArray();
    for (int i = 0; i < f->vlan_count; ++i) j.Uint(f->vlan[i]);
    j.EndArray();
  }
  write_ip(w, "src_ip", c.src);
  if (has_ports(c.proto)) w.kv("src_port", c.sp);
  write_ip(w, "dest_ip", c.dst);
  if (has_ports(c.proto)) w.kv("dest_port", c.dp);
  char pbuf[4];
  w.kv("proto", proto_name(c.proto, pbuf));
  w.kv("pkt_src", c.pkt_src);
  if (c.has_tx) w.kv("tx_id", c.tx_id);

  j.Key("alert");
  j.StartObject();
  w.kv("action", "allowed");  // IDS mode: drop/reject rules alert, nothing is blocked
  w.kv("gid", rule.gid);
  w.kv("signature_id", rule.sid);
  w.kv("rev", rule.rev);
  w.kv("signature", rule.msg);
  w.kv("category", rule.category);  // "" without a classtype, as Suricata 7 writes it
  w.kv("severity", uint64_t(rule.priority));
  if (rule.target != detect::Rule::Target::None) {
    bool src_is_target = rule.target == detect::Rule::Target::SrcIp;
    auto endpoint = [&](const char* key, const IpAddr& a, uint16_t port) {
      j.Key(key);
      j.StartObject();
      write_ip(w, "ip", a);
      if (has_ports(c.proto)) w.kv("port", port);
      j.EndObject();
    };
    endpoint("source", src_is_target ? c.dst : c.src, src_is_target ? c.dp : c.sp);
    endpoint("target", src_is_target ? c.src : c.dst, src_is_target ? c.sp : c.dp);
  }
  if (!rule.metadata.empty()) {
    // {key: [values]} with keys in order of first appearance, as Suricata groups them.
    j.Key("metadata");
    j.StartObject();
    const auto& md = rule.metadata;
    for (size_t i = 0; i < md.size(); ++i) {
      bool seen = false;
      for (size_t k = 0; k < i; ++k)
        if (md[k].first == md[i].first) seen = true;
      if (seen) continue;
      w.begin_raw().Key(md[i].first.data(), rapidjson::SizeType(md[i].first.size()));
      j.StartArray();
      for (size_t k = i; k < md.size(); ++k)
        if (md[k].first == md[i].first)
          j.String(md[k].second.data(), rapidjson::SizeType(md[k].second.size()));
      j.EndArray();
    }
    j.EndObject();
  }
  j.EndObject();

  if (c.has_tx && c.spec && c.spec->log_tx && c.tx && c.spec->event_type) {
    j.Key(c.spec->event_type);
    c.spec->log_tx(c.tx, w);
  }
  if (f) {
    auto app = static_cast<app::Proto>(f->app_proto);
    if (app != app::Proto::Unknown) w.kv("app_proto", app::proto_name(app));
    w.kv("direction", c.dir == Direction::ToServer ? "to_server" : "to_client");
    j.Key("flow");
    j.StartObject();
    w.kv("pkts_toserver", f->pkts[0]);
    w.kv("pkts_toclient", f->pkts[1]);
    w.kv("bytes_toserver", f->bytes[0]);
    w.kv("bytes_toclient", f->bytes[1]);
    char ts[40];
    j.Key("start");
    j.String(ts, rapidjson::SizeType(format_timestamp(f->start, ts)));
    write_ip(w, "src_ip", f->src);
    write_ip(w, "dest_ip", f->dst);
    if (has_ports(f->proto)) {
      w.kv("src_port", f->sp);
      w.kv("dest_port", f->dp);
    }
    j.EndObject();
  }
  w.end();
}

}  // namespace ww::output
