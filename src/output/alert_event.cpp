#include "output/alert_event.h"
#include "core/hex.h"

#include <algorithm>
#include <cctype>

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include "app/parser.h"
#include "app/proto.h"
#include "core/packet.h"
#include "detect/match.h"
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

bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// Suricata 8's packet_info.linktype_name: libpcap's name of the link type (EN10MB, C_HDLC ...),
// except the raw IP link types, which it names IPv4 and IPv6 (libpcap: IPV4, IPV6); these
// are also the link types of reassembled (defragmented) packets.
const char* linktype_name(uint32_t linktype) {
  if (linktype == 228) return "IPv4";  // LINKTYPE_IPV4
  if (linktype == 229) return "IPv6";  // LINKTYPE_IPV6
  return pcap_datalink_val_to_name(int(linktype));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

bool xff_address(std::string_view headers, std::string_view name, bool forward, IpAddr& out) {
  // The first header line named `name`; its value is a comma-separated list of addresses,
  // the client first: forward deployment takes the first, reverse the last.
  while (!headers.empty()) {
    size_t eol = headers.find('\n');
    std::string_view line = headers.substr(0, eol);
    headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !ieq(trim(line.substr(0, colon)), name)) continue;
    std::string_view v = line.substr(colon + 1);
    size_t comma = forward ? v.find(',') : v.rfind(',');
    if (comma != std::string_view::npos) v = forward ? v.substr(0, comma) : v.substr(comma + 1);
    v = trim(v);
    char buf[64];
    if (v.empty() || v.size() >= sizeof buf) return false;
    std::copy(v.begin(), v.end(), buf);
    buf[v.size()] = '\0';
    uint8_t a[16];
    if (inet_pton(AF_INET, buf, a) == 1) {
      out = IpAddr::v4(a);
      return true;
    }
    if (inet_pton(AF_INET6, buf, a) == 1) {
      out = IpAddr::v6(a);
      return true;
    }
    return false;
  }
  return false;
}

void write_alert_event(EveWriter& w, const detect::Rule& rule, const AlertContext& c) {
  static const EveOutputConfig kDefaults;
  const EveOutputConfig& cfg = w.config() ? *w.config() : kDefaults;
  const EveAlertConfig& ac = cfg.alert;
  const flow::Flow* f = c.flow;
  const Packet* p = c.pkt;

  // X-Forwarded-For of an HTTP transaction (its request headers).
  IpAddr xff;
  bool has_xff = false;
  if (ac.xff_mode != EveAlertConfig::XffMode::Off && c.has_tx && c.spec && c.tx &&
      c.spec->buffers && c.spec->proto == app::Proto::Http) {
    detect::InspectBuffers bufs;
    c.spec->buffers(c.tx, Direction::ToServer, bufs);
    if (const Bytes* h = bufs.get(detect::BufferId::HttpHeaderRaw))
      has_xff = xff_address(std::string_view(reinterpret_cast<const char*>(h->data()), h->size()),
                            ac.xff_header, ac.xff_forward, xff);
  }
  bool overwrite = has_xff && ac.xff_mode == EveAlertConfig::XffMode::Overwrite;
  // The client is the source of a to_server alert, the destination of a to_client one.
  const IpAddr& src = overwrite && c.dir == Direction::ToServer ? xff : c.src;
  const IpAddr& dst = overwrite && c.dir == Direction::ToClient ? xff : c.dst;

  auto& j = w.begin(c.ts, "alert");
  if (f) w.kv("flow_id", f->flow_id);
  if (c.pcap_cnt) w.kv("pcap_cnt", c.pcap_cnt);
  if (!c.in_iface.empty()) w.kv("in_iface", c.in_iface);
  if (f && f->vlan_count > 0) {
    j.Key("vlan");
    j.StartArray();
    for (int i = 0; i < f->vlan_count; ++i) j.Uint(f->vlan[i]);
    j.EndArray();
  }
  write_ip(w, "src_ip", src);
  if (has_ports(c.proto)) w.kv("src_port", c.sp);
  write_ip(w, "dest_ip", dst);
  if (has_ports(c.proto)) w.kv("dest_port", c.dp);
  w.kv("ip_v", uint64_t(c.src.is_v4() ? 4 : 6));  // Suricata 8
  char pbuf[4];
  w.kv("proto", proto_name(c.proto, pbuf));
  if (cfg.community_id) {
    char id[64];
    size_t n = f ? community_id(f->src, f->dst, f->sp, f->dp, f->proto, cfg.community_id_seed, id)
                 : community_id(c.src, c.dst, c.sp, c.dp, c.proto, cfg.community_id_seed, id);
    w.kv("community_id", std::string_view(id, n));
  }
  if (cfg.ethernet && p && p->linktype == linktype::kEthernet && p->caplen >= 14) {
    auto mac = [&](const char* key, const uint8_t* m) {
      char buf[18];
      for (int i = 0; i < 6; ++i) {
        hex::byte(m[i], buf + i * 3);
        if (i < 5) buf[i * 3 + 2] = ':';
      }
      w.kv(key, std::string_view(buf, 17));
    };
    j.Key("ether");
    j.StartObject();
    mac("src_mac", p->data + 6);
    mac("dest_mac", p->data);
    j.EndObject();
  }
  w.kv("pkt_src", c.pkt_src);
  if (c.has_tx) w.kv("tx_id", c.tx_id);

  j.Key("alert");
  j.StartObject();
  w.kv("action", c.blocked ? "blocked" : "allowed");  // IDS mode: nothing is blocked
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
  if (ac.metadata && !rule.metadata.empty()) {
    // {key: [values]} with keys in order of first appearance, as Suricata groups them.
    j.Key("metadata");
    j.StartObject();
    const auto& md = rule.metadata;
    for (size_t i = 0; i < md.size(); ++i) {
      bool seen = false;
      for (size_t k = 0; k < i; ++k)
        if (md[k].first == md[i].first) seen = true;
      if (seen) continue;
      w.begin_raw().Key(md[i].first.data(), md[i].first.size());
      j.StartArray();
      for (size_t k = i; k < md.size(); ++k)
        if (md[k].first == md[i].first)
          j.String(md[k].second.data(), md[k].second.size());
      j.EndArray();
    }
    j.EndObject();
  }
  if (has_xff && ac.xff_mode == EveAlertConfig::XffMode::ExtraData) write_ip(w, "xff", xff);
  auto vars = [&](std::span<const AlertContext::Var> v) {
    for (const auto& x : v) {
      w.begin_raw().Key(x.name.data(), x.name.size());
      j.String(x.value.data(), x.value.size());
    }
  };
  if (!c.context.empty()) {
    j.Key("context");
    j.StartObject();
    vars(c.context);
    j.EndObject();
  }
  j.EndObject();
  if (!c.flowvars.empty() || !c.pktvars.empty()) {  // [{name: value}, ...] each
    j.Key("metadata");
    j.StartObject();
    for (auto [key, v] : {std::pair{"flowvars", c.flowvars}, std::pair{"pktvars", c.pktvars}}) {
      if (v.empty()) continue;
      j.Key(key);
      j.StartArray();
      for (const auto& x : v) {
        j.StartObject();
        vars(std::span<const AlertContext::Var>(&x, 1));
        j.EndObject();
      }
      j.EndArray();
    }
    j.EndObject();
  }

  if (ac.metadata && c.has_tx && c.spec && c.spec->log_tx && c.tx && c.spec->event_type) {
    j.Key(c.spec->event_type);
    (c.spec->log_alert ? c.spec->log_alert : c.spec->log_tx)(c.tx, w);
  }
  if (f) {
    auto app = static_cast<app::Proto>(f->app_proto);
    if (app != app::Proto::Unknown) w.kv("app_proto", app::proto_name(app));
    w.kv("direction", c.dir == Direction::ToServer ? "to_server" : "to_client");
  }
  if (f && ac.metadata) {
    j.Key("flow");
    j.StartObject();
    w.kv("pkts_toserver", f->pkts[0]);
    w.kv("pkts_toclient", f->pkts[1]);
    w.kv("bytes_toserver", f->bytes[0]);
    w.kv("bytes_toclient", f->bytes[1]);
    char ts[40];
    j.Key("start");
    j.String(ts, format_timestamp(f->start, ts));
    write_ip(w, "src_ip", f->src);
    write_ip(w, "dest_ip", f->dst);
    if (has_ports(f->proto)) {
      w.kv("src_port", f->sp);
      w.kv("dest_port", f->dp);
    }
    j.EndObject();
  }
  if (ac.payload || ac.payload_printable) {
    // TCP stream and transaction matches log the stream data (Suricata's "stream": 1).
    bool stream = c.proto == ipproto::kTcp && (c.stream_match || c.has_tx);
    Bytes data = c.stream_match ? c.stream_data : p ? p->payload() : Bytes{};
    if (c.stream_match && data.size() > ac.payload_buffer_size)
      data = data.first(ac.payload_buffer_size);
    if (!data.empty()) {
      if (ac.payload) w.kv_base64("payload", data);
      if (ac.payload_printable) w.kv_printable("payload_printable", data);
    }
    w.kv("stream", uint64_t(stream ? 1 : 0));
  }
  if (ac.packet && p && p->caplen) {
    w.kv_base64("packet", p->bytes());
    j.Key("packet_info");
    j.StartObject();
    w.kv("linktype", uint64_t(p->linktype));
    if (const char* name = linktype_name(p->linktype)) w.kv("linktype_name", name);
    j.EndObject();
  }
  if (c.open_verdict) {
    // The event is closed by write_verdict_close: a placeholder member keeps the writer's
    // state valid and is cut off with the closing brace.
    w.kv("_", uint64_t(0));
  } else if (ac.verdict) {
    j.Key("verdict");
    j.StartObject();
    w.kv("action", c.pass ? "pass" : "alert");
    j.EndObject();
  }
  w.end();
}

void write_verdict_close(std::string& line, std::string_view action, bool verdict) {
  // line ends with `,"_":0}\n` (write_alert_event with open_verdict).
  static constexpr std::string_view kTail = ",\"_\":0}\n";
  if (line.size() < kTail.size() || std::string_view(line).substr(line.size() - kTail.size()) != kTail)
    return;
  line.resize(line.size() - kTail.size());
  if (verdict) {
    line += ",\"verdict\":{\"action\":\"";
    line += action;
    line += "\"}";
  }
  line += "}\n";
}

void write_drop_event(EveWriter& w, const Packet& p, const flow::Flow* f,
                      std::string_view in_iface, std::string_view reason) {
  auto& j = w.begin(p.ts, "drop");
  if (f) w.kv("flow_id", f->flow_id);
  if (p.pcap_cnt) w.kv("pcap_cnt", p.pcap_cnt);
  if (!in_iface.empty()) w.kv("in_iface", in_iface);
  const bool ports = has_ports(p.ip_proto);
  write_ip(w, "src_ip", p.src);
  if (ports) w.kv("src_port", p.sport);
  write_ip(w, "dest_ip", p.dst);
  if (ports) w.kv("dest_port", p.dport);
  w.kv("ip_v", uint64_t(p.ip_version));
  char pbuf[4];
  w.kv("proto", proto_name(p.ip_proto, pbuf));
  w.kv("pkt_src", "wire/pcap");
  j.Key("drop");
  j.StartObject();
  w.kv("len", uint64_t(p.ip_total_len));
  w.kv("tos", uint64_t(p.tos));
  w.kv("ttl", uint64_t(p.ttl));
  w.kv("ipid", uint64_t(p.ip_id));
  if (p.is_tcp()) {
    w.kv("tcpseq", uint64_t(p.tcp_seq));
    w.kv("tcpack", uint64_t(p.tcp_ack));
    w.kv("tcpwin", uint64_t(p.tcp_win));
    w.kv_bool("syn", p.tcp_flags & tcpflag::kSyn);
    w.kv_bool("ack", p.tcp_flags & tcpflag::kAck);
    w.kv_bool("psh", p.tcp_flags & tcpflag::kPsh);
    w.kv_bool("rst", p.tcp_flags & tcpflag::kRst);
    w.kv_bool("urg", p.tcp_flags & tcpflag::kUrg);
    w.kv_bool("fin", p.tcp_flags & tcpflag::kFin);
    w.kv("tcpres", uint64_t(0));
    w.kv("tcpurgp", uint64_t(p.tcp_urg));
  } else if (p.is_udp()) {
    w.kv("udplen", uint64_t(p.l4_hdr_len + p.payload_len));
  } else if (p.ip_proto == ipproto::kIcmp || p.ip_proto == ipproto::kIcmpv6) {
    w.kv("icmp_id", uint64_t(p.icmp_id));
    w.kv("icmp_seq", uint64_t(p.icmp_seq));
  }
  w.kv("reason", reason);
  j.EndObject();
  w.end();
}

}  // namespace ww::output
