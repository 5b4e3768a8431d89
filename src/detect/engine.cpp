// Detection engine; see engine.h.
#include "detect/engine.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>

#include "app/parser.h"
#include "app/proto.h"
#include "decode/events.h"
#include "detect/keywords/util.h"
#include "files/file_rules.h"
#include "flow/flow.h"
#include "output/alert_event.h"

namespace ww::detect {
namespace {

using Kind = DetectEngine::Kind;

// The flow's app protocol `app` satisfies a rule needing `rule_app` (0: any). As Suricata, a
// dcerpc rule also applies to SMB, which carries DCE/RPC in its named pipes.
uint16_t dcerpc_app() noexcept {
  static const uint16_t id = app_proto_by_name("dcerpc").value_or(0);
  return id;
}
uint16_t smb_app() noexcept {
  static const uint16_t id = app_proto_by_name("smb").value_or(0);
  return id;
}
bool app_matches(uint16_t rule_app, uint16_t app) noexcept {
  return rule_app == 0 || rule_app == app || (rule_app == dcerpc_app() && app == smb_app());
}

bool is_packet_buffer(BufferId b) {
  switch (b) {
    case BufferId::Payload:
    case BufferId::Base64Data:
    case BufferId::Ipv4Hdr:
    case BufferId::Ipv6Hdr:
    case BufferId::TcpHdr:
    case BufferId::UdpHdr:
    case BufferId::Icmpv4Hdr:
    case BufferId::Icmpv6Hdr:
      return true;
    default:
      return false;
  }
}

// The header buffers of a decoded packet (ipv4.hdr ... icmpv6.hdr): the IPv4 header with its
// options, the IPv6 header with its extension headers, the L4 header with its options.
void set_header_buffers(const Packet& p, InspectBuffers& b) noexcept {
  for (BufferId id : {BufferId::Ipv4Hdr, BufferId::Ipv6Hdr, BufferId::TcpHdr, BufferId::UdpHdr,
                      BufferId::Icmpv4Hdr, BufferId::Icmpv6Hdr})
    b.reset(id);
  auto span = [&](uint32_t off, uint32_t len) {
    return off + len <= p.caplen ? Bytes(p.data + off, len) : Bytes();
  };
  if (p.ip_version == 4 && p.l3_hdr_len) b.set(BufferId::Ipv4Hdr, span(p.l3_off, p.l3_hdr_len));
  if (p.ip_version == 6 && p.l3_hdr_len) b.set(BufferId::Ipv6Hdr, span(p.l3_off, p.l3_hdr_len));
  if (!p.l4_hdr_len) return;
  Bytes l4 = span(p.l4_off, p.l4_hdr_len);
  if (p.is_tcp()) b.set(BufferId::TcpHdr, l4);
  else if (p.is_udp()) b.set(BufferId::UdpHdr, l4);
  else if (p.ip_proto == ipproto::kIcmp) b.set(BufferId::Icmpv4Hdr, l4);
  else if (p.ip_proto == ipproto::kIcmpv6) b.set(BufferId::Icmpv6Hdr, l4);
}

// The IPv4 header checksum (RFC 791: the ones' complement sum of the header is all ones).
bool ipv4_header_csum_ok(const Packet& p) noexcept {
  if (p.l3_hdr_len < 20 || size_t(p.l3_off) + p.l3_hdr_len > p.caplen) return false;
  const uint8_t* h = p.data + p.l3_off;
  uint32_t sum = 0;
  for (uint32_t i = 0; i + 1 < p.l3_hdr_len; i += 2) sum += uint32_t(h[i]) << 8 | h[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum == 0xffff;
}

int action_rank(Action a, const DetectLimits& l) {
  switch (a) {
    case Action::Pass: return l.rank_pass;
    case Action::Drop: return l.rank_drop;
    case Action::Alert: return l.rank_alert;
    default: return l.rank_reject;  // reject*
  }
}

// Suricata's flowbits ordering: rules that only set come first, then set+read, then read, then
// rules without flowbits, so a setter runs before a checker on the same packet.
int flowvar_rank(const Rule& r) {
  bool set = false, read = false;
  for (const auto& op : r.flowbits) {
    if (op.cmd == FlowbitOp::Cmd::IsSet || op.cmd == FlowbitOp::Cmd::IsNotSet)
      read = true;
    else if (op.cmd != FlowbitOp::Cmd::NoAlert)
      set = true;
  }
  for (const auto& op : r.xbits) {
    if (op.cmd == XbitOp::Cmd::IsSet || op.cmd == XbitOp::Cmd::IsNotSet)
      read = true;
    else if (op.cmd != XbitOp::Cmd::NoAlert)
      set = true;
  }
  for (const auto& op : r.flowints) {
    if (op.op == "+" || op.op == "-" || op.op == "=")
      set = true;
    else
      read = true;
  }
  if (set && !read) return 0;
  if (set && read) return 1;
  if (read) return 2;
  return 3;
}

// Positive ports of a group when it names at most `limit` of them and negates nothing.
bool small_port_set(const GroupNode<uint16_t>& n, std::vector<uint16_t>& out, size_t limit) {
  if (n.negated) return false;
  if (!n.is_list) {
    if (size_t(n.hi - n.lo) + 1 + out.size() > limit) return false;
    for (uint32_t p = n.lo; p <= n.hi; ++p) out.push_back(uint16_t(p));
    return true;
  }
  for (const auto& c : n.children)
    if (!small_port_set(c, out, limit)) return false;
  return !n.children.empty();
}

// Address groups as sorted disjoint 128-bit ranges (IPv4 is v4-mapped).
using U128 = unsigned __int128;
using Ranges = std::vector<std::pair<U128, U128>>;
U128 to_u(const IpAddr& a) {
  U128 v = 0;
  for (uint8_t b : a.b) v = v << 8 | b;
  return v;
}
IpAddr from_u(U128 v) {
  IpAddr a;
  for (int i = 15; i >= 0; --i) {
    a.b[size_t(i)] = uint8_t(v);
    v >>= 8;
  }
  return a;
}
Ranges normalize(Ranges r) {
  std::sort(r.begin(), r.end());
  Ranges out;
  for (auto& x : r) {
    if (!out.empty() && (out.back().second == ~U128(0) || x.first <= out.back().second + 1))
      out.back().second = std::max(out.back().second, x.second);
    else
      out.push_back(x);
  }
  return out;
}
Ranges complement(const Ranges& r) {
  Ranges out;
  U128 next = 0;
  bool done = false;
  for (auto& x : r) {
    if (x.first > next) out.push_back({next, x.first - 1});
    if (x.second == ~U128(0)) {
      done = true;
      break;
    }
    next = x.second + 1;
  }
  if (!done) out.push_back({next, ~U128(0)});
  return out;
}
Ranges intersect(const Ranges& a, const Ranges& b) {
  Ranges out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    U128 lo = std::max(a[i].first, b[j].first), hi = std::min(a[i].second, b[j].second);
    if (lo <= hi) out.push_back({lo, hi});
    (a[i].second < b[j].second) ? ++i : ++j;
  }
  return out;
}
// The set a node matches, ignoring its own negation (as GroupNode::contains does).
Ranges node_ranges(const GroupNode<IpAddr>& n) {
  if (!n.is_list) return {{to_u(n.lo), to_u(n.hi)}};
  Ranges pos, neg;
  bool any_pos = false;
  for (const auto& c : n.children) {
    Ranges r = node_ranges(c);
    if (c.negated) {
      neg.insert(neg.end(), r.begin(), r.end());
    } else {
      any_pos = true;
      pos.insert(pos.end(), r.begin(), r.end());
    }
  }
  Ranges p = any_pos ? normalize(pos) : Ranges{{0, ~U128(0)}};
  return intersect(p, complement(normalize(neg)));
}
// Ranges of a group when every range is narrow (at most 65536 addresses); else nullopt.
std::optional<Ranges> narrow_ranges(const AddressGroup& g) {
  if (g.any) return std::nullopt;
  Ranges r = node_ranges(g.root);
  if (g.root.negated) r = complement(r);
  for (auto& x : r)
    if (x.second - x.first >= 65536) return std::nullopt;
  return r;
}

void build_ip_index(DetectEngine::IpIndex& idx,
                    const std::vector<std::pair<uint32_t, Ranges>>& items) {
  std::vector<U128> b;
  for (auto& [o, rs] : items)
    for (auto& r : rs) {
      b.push_back(r.first);
      if (r.second != ~U128(0)) b.push_back(r.second + 1);
    }
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  std::vector<std::vector<uint32_t>> lists(b.size());
  for (auto& [o, rs] : items)
    for (auto& r : rs) {
      size_t i = size_t(std::lower_bound(b.begin(), b.end(), r.first) - b.begin());
      for (; i < b.size() && b[i] <= r.second; ++i) lists[i].push_back(o);
    }
  idx.bounds.clear();
  idx.first.clear();
  idx.orders.clear();
  for (size_t i = 0; i < b.size(); ++i) {
    idx.bounds.push_back(from_u(b[i]));
    idx.first.push_back(uint32_t(idx.orders.size()));
    idx.orders.insert(idx.orders.end(), lists[i].begin(), lists[i].end());
  }
  idx.first.push_back(uint32_t(idx.orders.size()));
}

uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

uint64_t hash_ip(const IpAddr& a) {
  uint64_t x, y;
  std::memcpy(&x, a.b.data(), 8);
  std::memcpy(&y, a.b.data() + 8, 8);
  return mix(x * 0xff51afd7ed558ccdULL, y);
}

bool parse_i64(std::string_view s, int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// DetectEngine

void DetectLimits::set_action_order(const std::vector<std::string>& order) {
  uint8_t* ranks[4] = {&rank_pass, &rank_drop, &rank_reject, &rank_alert};
  static constexpr std::string_view kNames[4] = {"pass", "drop", "reject", "alert"};
  bool named[4] = {};
  uint8_t next = 0;
  for (const auto& n : order)
    for (int i = 0; i < 4; ++i)
      if (n == kNames[i] && !named[i]) {
        named[i] = true;
        *ranks[i] = next++;
      }
  for (int i = 0; i < 4; ++i)
    if (!named[i]) *ranks[i] = next++;
}

Result<std::shared_ptr<const DetectEngine>> DetectEngine::build(
    std::shared_ptr<const RuleSet> rules, const DetectLimits& limits) {
  if (!rules) return fail("no rule set");
  try {
    std::shared_ptr<DetectEngine> e(new DetectEngine());
    e->rules_ = rules;
    e->limits_ = limits;
    const auto& rs = rules->rules;
    const Prefilter* pf = rules->prefilter.get();
    e->info_.resize(rs.size());

    // app::Proto -> rule-language protocol id.
    for (uint16_t p = 0; p < uint16_t(app::Proto::kCount); ++p) {
      auto id = app_proto_by_name(app::proto_name(app::Proto(p)));
      e->app_map_.push_back(id ? *id : 0);
    }
    const size_t napps = app_protocols().size() + 1;
    e->tx_always_.resize(napps * 2);
    e->tx_buffers_.resize(napps);
    e->event_rules_.resize(napps);
    e->tx_trans_.resize(napps);

    std::map<std::string, uint32_t, std::less<>> bits, ints, hbits;
    auto intern = [](std::map<std::string, uint32_t, std::less<>>& m, std::string_view n,
                     std::vector<std::string>& names) {
      auto it = m.find(n);
      if (it != m.end()) return it->second;
      uint32_t id = uint32_t(names.size());
      names.emplace_back(n);
      m.emplace(std::string(n), id);
      return id;
    };

    // Threshold.config: by (gid, sid); sid 0 entries apply to every rule of the gid.
    std::map<uint64_t, std::vector<const ThresholdEntry*>> thr_by_sid;
    std::map<uint64_t, const ThresholdEntry*> rate_by_sid;  // the last one wins
    for (const auto& t : rules->thresholds.entries)
      if (t.kind != ThresholdEntry::Kind::RateFilter)
        thr_by_sid[uint64_t(t.gid) << 32 | t.sid].push_back(&t);
      else
        rate_by_sid[uint64_t(t.gid) << 32 | t.sid] = &t;

    for (uint32_t i = 0; i < rs.size(); ++i) {
      const Rule& r = rs[i];
      RuleInfo& ri = e->info_[i];
      BufferId first_app = BufferId::Count;
      for (const auto& l : r.buffers) {
        if (l.buffer == BufferId::Payload || l.buffer == BufferId::Base64Data)
          ri.needs_payload = true;
        else if (!is_packet_buffer(l.buffer) && first_app == BufferId::Count)
          first_app = l.buffer;  // the header buffers (ipv4.hdr ...) are the packet's
      }
      // Keywords a transaction answers (ParserSpec::check: dcerpc.iface, dcerpc.opnum) make
      // the rule a transaction rule even without an app-layer buffer.
      bool tx_check = false;
      for (const auto& c : r.app_checks)
        tx_check |= c.keyword.starts_with("dcerpc.") || c.keyword.starts_with("dns.") ||
                    c.keyword == "ftpbounce";
      for (const auto& c : r.app_checks) tx_check |= c.keyword == "smb.version";
      if (first_app == BufferId::Count && tx_check) {
        ri.kind = Kind::Tx;
        ri.app = r.proto.app;
      } else if (first_app != BufferId::Count) {
        ri.kind = Kind::Tx;
        auto pname = buffer_spec(first_app).proto;
        auto id = pname.empty() ? std::nullopt : app_proto_by_name(pname);
        ri.app = id ? *id : r.proto.app;
      } else {
        ri.kind = Kind::Packet;
        ri.app = r.proto.app;
      }
      const FastPattern* fp = pf ? pf->fast_pattern(i) : nullptr;
      if (fp) ri.has_fp = ri.kind == Kind::Packet ? fp->buffer == BufferId::Payload
                                                  : !is_packet_buffer(fp->buffer);

      for (const auto& op : r.flowbits) {
        if (op.cmd == FlowbitOp::Cmd::NoAlert) continue;
        RuleInfo::BitOp b{op.cmd, op.any_of, {}};
        for (const auto& n : op.names) b.bits.push_back(intern(bits, n, e->flowbit_names_));
        ri.bit_ops.push_back(std::move(b));
      }
      for (const auto& op : r.xbits) {
        if (op.cmd == XbitOp::Cmd::NoAlert) continue;
        if (op.track == "ip_src" || op.track == "ip_dst" || op.track == "ip_both") {
          ri.host_ops.push_back({op.cmd, intern(hbits, op.name, e->hostbit_names_),
                                 op.track != "ip_dst", op.track != "ip_src", op.expire});
          continue;
        }
        RuleInfo::BitOp b{FlowbitOp::Cmd(op.cmd), false, {}};
        b.bits.push_back(intern(bits, "xbits:" + op.name, e->flowbit_names_));
        ri.bit_ops.push_back(std::move(b));
      }
      for (const auto& op : r.flowints) {
        RuleInfo::IntOp io{intern(ints, op.name, e->flowint_names_), op.op};
        if (!op.value.empty() && !parse_i64(op.value, io.value))
          io.value_var = int32_t(intern(ints, op.value, e->flowint_names_));
        ri.int_ops.push_back(std::move(io));
      }
      ri.has_flowvars = !ri.bit_ops.empty() || !ri.int_ops.empty();
      ri.file_rule = files::is_file_rule(r);
      ri.pd_only = ri.kind == Kind::Packet && r.buffers.empty() && r.header_checks.empty() &&
                   !r.app_checks.empty();
      for (const auto& c : r.app_checks) ri.pd_only &= c.keyword == "app-layer-protocol";
      e->has_pd_only_ |= ri.pd_only;
      for (const auto& l : r.buffers)
        for (const auto& it : l.items)
          if (auto* pc = std::get_if<Pcre>(&it); pc && !pc->captures.empty()) ri.captures = true;
      for (const auto& c : r.app_checks)
        if (c.keyword == "decode-event") ri.decode_event = true;

      ri.threshold = r.threshold;
      bool specific = false;
      for (uint64_t key : {uint64_t(r.gid) << 32 | r.sid, uint64_t(r.gid) << 32}) {
        auto it = thr_by_sid.find(key);
        if (it == thr_by_sid.end()) continue;
        for (const ThresholdEntry* t : it->second) {
          if (t->kind == ThresholdEntry::Kind::Suppress) {
            if (!t->ip)
              ri.suppressed_all = true;
            else
              ri.suppress.push_back(t);
          } else if (!specific) {
            ri.threshold = t->threshold;  // threshold.config overrides the rule's keyword
          }
        }
        if (key == (uint64_t(r.gid) << 32 | r.sid) && it->second.size()) specific = true;
      }
      for (uint64_t key : {uint64_t(r.gid) << 32 | r.sid, uint64_t(r.gid) << 32})
        if (auto it = rate_by_sid.find(key); it != rate_by_sid.end() && !ri.rate)
          ri.rate = &it->second->rate;
      ri.flow_action = ri.kind == Kind::Tx || ri.app != 0;
      if (ri.kind == Kind::Packet) {
        // Suricata: payload rules on TCP require the stream unless something ties them to
        // packets (dsize, flow:no_stream, tcp-pkt); only_stream/tcp-stream require the stream.
        bool tcp = r.proto.any_ip || r.proto.ip_proto == 0 || r.proto.ip_proto == ipproto::kTcp;
        bool dsize = false;
        for (const auto& h : r.header_checks) dsize |= h.field == HeaderField::Dsize;
        if (!tcp || r.proto.pkt_only || r.flow.no_stream)
          ri.smode = StreamMode::PacketOnly;
        else if (r.flow.only_stream || r.proto.stream_only)
          ri.smode = StreamMode::StreamOnly;
        else if (ri.needs_payload && !dsize)
          ri.smode = StreamMode::Both;
        if (ri.smode != StreamMode::PacketOnly) ++e->n_stream_;
        ++e->n_packet_;
      } else {
        ++e->n_tx_;
      }
    }

    // Evaluation order.
    e->by_order_.resize(rs.size());
    for (uint32_t i = 0; i < rs.size(); ++i) e->by_order_[i] = i;
    std::stable_sort(e->by_order_.begin(), e->by_order_.end(), [&](uint32_t a, uint32_t b) {
      const Rule &ra = rs[a], &rb = rs[b];
      int x = action_rank(ra.action, limits), y = action_rank(rb.action, limits);
      if (x != y) return x < y;
      x = flowvar_rank(ra), y = flowvar_rank(rb);
      if (x != y) return x < y;
      return ra.priority < rb.priority;
    });
    for (uint32_t o = 0; o < rs.size(); ++o) e->info_[e->by_order_[o]].order = o;

    // Groups for rules the prefilter does not reach.
    std::vector<std::pair<uint32_t, Ranges>> ip_items[4][2][2];  // [class][dir][src/dst]
    for (uint32_t i = 0; i < rs.size(); ++i) {
      const Rule& r = rs[i];
      const RuleInfo& ri = e->info_[i];
      bool ts = !r.flow.to_client || r.bidirectional, tc = !r.flow.to_server || r.bidirectional;
      if (ri.kind == Kind::Tx && r.transactional) {
        // => rules: evaluated once per transaction, on both directions' buffers.
        e->tx_trans_[ri.app].push_back(ri.order);
        continue;
      }
      if (ri.kind == Kind::Tx) {
        auto add_buf = [&](uint16_t app, BufferId b) {
          auto& v = e->tx_buffers_[app];
          if (std::find(v.begin(), v.end(), b) == v.end()) v.push_back(b);
        };
        if (ri.has_fp) {
          BufferId b = pf->fast_pattern(i)->buffer;
          if (ri.app) {
            add_buf(ri.app, b);
            if (ri.app == dcerpc_app()) add_buf(smb_app(), b);
          } else
            for (uint16_t a = 1; a < napps; ++a) add_buf(a, b);
        } else {
          if (ts) e->tx_always_[ri.app * 2 + 0].push_back(ri.order);
          if (tc) e->tx_always_[ri.app * 2 + 1].push_back(ri.order);
          if (ri.app && ri.app == dcerpc_app()) {  // SMB carries DCE/RPC
            if (ts) e->tx_always_[smb_app() * 2 + 0].push_back(ri.order);
            if (tc) e->tx_always_[smb_app() * 2 + 1].push_back(ri.order);
          }
        }
        continue;
      }
      if (r.buffers.empty()) {
        for (const auto& c : r.app_checks) {
          if (c.keyword != "app-layer-event") continue;
          e->event_rules_[ri.app].push_back(ri.order);
          break;
        }
      }
      if (ri.has_fp) continue;
      bool classes[4] = {false, false, false, false};
      if (r.proto.any_ip || r.proto.ip_proto == 0)
        classes[0] = classes[1] = classes[2] = classes[3] = true;
      else
        classes[proto_class(r.proto.ip_proto)] = true;
      std::vector<uint16_t> ports;
      bool indexed = !r.bidirectional && !r.dport.any && !r.dport.root.negated &&
                     small_port_set(r.dport.root, ports, 64);
      // Not port-indexed: index by a narrow address side if it has one.
      std::optional<Ranges> src_r, dst_r;
      if (!indexed) {
        src_r = narrow_ranges(r.src);
        if (!src_r) dst_r = narrow_ranges(r.dst);
      }
      for (int c = 0; c < 4; ++c) {
        if (!classes[c]) continue;
        for (int d = 0; d < 2; ++d) {
          if (!(d == 0 ? ts : tc)) continue;
          PortIndex& g = e->groups_[c][d];
          if (!indexed && (src_r || dst_r)) {
            const Ranges& rr = src_r ? *src_r : *dst_r;
            // Forward: the packet's source is in the rule's source side (or dest in dest).
            ip_items[c][d][src_r ? 0 : 1].push_back({ri.order, rr});
            // <>: the same side may face the other way.
            if (r.bidirectional) ip_items[c][d][src_r ? 1 : 0].push_back({ri.order, rr});
          } else if (!indexed) {
            g.any.push_back(ri.order);
          } else {
            for (uint16_t p : ports) {
              auto& v = g.by_port[p];
              if (v.empty() || v.back() != ri.order) v.push_back(ri.order);
            }
          }
        }
      }
    }
    for (int c = 0; c < 4; ++c)
      for (int d = 0; d < 2; ++d) {
        build_ip_index(e->groups_[c][d].by_src, ip_items[c][d][0]);
        build_ip_index(e->groups_[c][d].by_dst, ip_items[c][d][1]);
      }
    return std::shared_ptr<const DetectEngine>(std::move(e));
  } catch (const std::exception& ex) {
    return fail(fmt::format("detection engine build failed: {}", ex.what()));
  }
}

void DetectEngine::IpIndex::lookup(const IpAddr& a, std::vector<uint32_t>& out) const noexcept {
  if (bounds.empty()) return;
  auto it = std::upper_bound(bounds.begin(), bounds.end(), a);
  if (it == bounds.begin()) return;
  size_t i = size_t(it - bounds.begin()) - 1;
  out.insert(out.end(), orders.begin() + first[i], orders.begin() + first[i + 1]);
}

std::span<const uint32_t> DetectEngine::tx_always(uint16_t app, Direction d) const noexcept {
  size_t i = size_t(app) * 2 + size_t(idx(d));
  return i < tx_always_.size() ? std::span<const uint32_t>(tx_always_[i])
                               : std::span<const uint32_t>();
}

std::span<const BufferId> DetectEngine::tx_buffers(uint16_t app) const noexcept {
  return app < tx_buffers_.size() ? std::span<const BufferId>(tx_buffers_[app])
                                  : std::span<const BufferId>();
}

// ---------------------------------------------------------------------------------------------
// Detector

struct Detector::FlowVars {
  uint64_t* bits = nullptr;     // flowbit_count bits
  int64_t* ints = nullptr;      // flowint_count values
  uint64_t* int_set = nullptr;  // flowint_count bits: value present
  bool pass = false;            // a pass rule matched: the flow is not inspected further
  bool drop = false;            // IPS: the flow is dropped (its packets are not processed)
  bool drop_logged = false;     // a drop event was written for the flow
  StreamWin* sw[2] = {nullptr, nullptr};  // raw stream windows, per direction
  uint8_t pd_pending = 0;  // 1 << direction: protocol detection done, no packet that way yet
  FlowStrVars* strs = nullptr;            // pcre flow variables, allocated at the first
};

// Pcre flow variables (pcre:"/(?P<flow_x>...)/"): bounded, in the flow's arena; a name set
// again takes the new value; names and values past their caps are cut.
struct Detector::FlowStrVars {
  static constexpr size_t kMax = 8, kName = 32, kValue = 128;
  struct Var {
    uint8_t nlen = 0;
    uint8_t vlen = 0;
    char name[kName];
    char value[kValue];
  };
  uint8_t n = 0;
  Var v[kMax];
};

// The raw stream window of one direction: buf[0, len) holds the stream bytes from offset
// `base`; buf[0, inspected) were inspected already.
struct Detector::StreamWin {
  uint8_t* buf = nullptr;
  uint32_t len = 0;
  uint32_t inspected = 0;
  uint64_t base = 0;
  bool turn_over = false;  // the other direction sent data since: the next bytes start anew
};

struct Detector::Thr {
  uint32_t rule_plus1 = 0;  // 0: free slot
  uint8_t which = 0;        // 0 threshold, 1 detection_filter
  IpAddr a, b;
  uint64_t flow_id = 0;
  int64_t start = 0;        // window start (usec, packet time)
  uint32_t count = 0;
  uint32_t next = 0;        // backoff: the count that alerts next
  int64_t until = 0;        // rate_filter: new_action since (usec, packet time); 0: none
};

struct Detector::Match {
  const Packet* p = nullptr;  // null for a transaction
  flow::Flow* f = nullptr;
  Direction dir = Direction::ToServer;
  Timestamp ts;
  IpAddr src, dst;
  uint16_t sp = 0, dp = 0;
  uint8_t ip_proto = 0;
  uint16_t app = 0;  // detect AppProtoId of the flow
  Kind kind = Kind::Packet;
  const InspectBuffers* bufs = nullptr;
  output::EveWriter* eve = nullptr;
  const app::ParserSpec* spec = nullptr;
  const void* tx = nullptr;
  uint64_t tx_id = 0;
  mutable uint32_t alerts = 0;
  mutable bool stop = false;
  bool stream = false;        // a stream-only pass: packet-only rules are not evaluated
  bool pd = false;            // packet: completes protocol detection of its direction
  bool events = false;        // tx: the packet's app-layer events, event rules only
  const InspectBuffers* sbufs = nullptr;  // the raw stream window (Payload), if inspected
  bool stream_added = false;  // packet: its payload went into the stream
  bool payload_held = false;  // ... and waits there for the peer's ACK (not inspected now)
  bool stream_more = false;   // the stream window holds more than the packet's payload
  bool timeout = false;       // stream inspected at flow end
  const InspectBuffers* trans_tc = nullptr;  // tx: transactional pass, the to_client buffers
  uint64_t pcap_cnt = 0;
  Bytes old_part;             // stream: the already inspected bytes at the window's start
};

Detector::Detector(std::shared_ptr<const DetectEngine> engine, StatsBlock& stats,
                   std::string in_iface)
    : engine_(std::move(engine)),
      in_iface_(std::move(in_iface)),
      alerts_(stats.counter("detect.alerts")),
      eve_alerts_(stats.counter("output.eve.events.alert")),
      suppressed_(stats.counter("detect.alerts_suppressed")),
      thresholded_(stats.counter("detect.alerts_thresholded")),
      flowvars_full_(stats.counter("detect.flowvars.full")),
      thr_full_(stats.counter("detect.threshold.evictions")),
      alert_max_(stats.counter("detect.alert_queue_overflow")),
      scan_errors_(stats.counter("detect.prefilter.errors")),
      candidates_(stats.counter("detect.candidates")),
      stream_inspections_(stats.counter("detect.stream.inspections")),
      stream_bytes_(stats.counter("detect.stream.bytes")),
      stream_nomem_(stats.counter("detect.stream.no_memory")),
      events_overflow_(stats.counter("detect.events.overflow")),
      host_evictions_(stats.counter("detect.hostbits.evictions")),
      drops_(stats.counter("detect.ips.drops")) {
  queue_.resize(kMaxQueue);
  qsorted_.reserve(kMaxQueue);
  if (!engine_) return;
  const RuleSet& rs = engine_->rules();
  if (rs.prefilter) {
    auto s = rs.prefilter->make_scratch();
    if (s) {
      hs_ = std::move(*s);
      hs_ok_ = true;
    }
  }
  cand_.reserve(rs.rules.size() * 2 + 16);  // a <> rule may come from both address indexes
  uint32_t slots = 1;
  while (slots < engine_->limits().flow_table_slots) slots <<= 1;
  flow_slots_.assign(slots, {nullptr, nullptr});
  uint32_t ts = 1;
  while (ts < engine_->limits().threshold_slots) ts <<= 1;
  thr_.assign(ts, Thr{});
  if (engine_->hostbit_count()) {
    uint32_t hs = 1;
    while (hs < std::max<uint32_t>(engine_->limits().host_bit_slots, kHostProbe)) hs <<= 1;
    hostbits_.assign(hs, HostBit{});
  }
}

Detector::~Detector() = default;

Detector::FlowVars* Detector::vars_of(flow::Flow* f, bool create) noexcept {
  if (!f || flow_slots_.empty()) return nullptr;
  const size_t mask = flow_slots_.size() - 1;
  size_t i = size_t(mix(0, uint64_t(reinterpret_cast<uintptr_t>(f)) * 0x9e3779b97f4a7c15ULL)) & mask;
  for (;;) {
    auto& s = flow_slots_[i];
    if (s.first == f) return s.second;
    if (!s.first) break;
    i = (i + 1) & mask;
  }
  if (!create) return nullptr;
  if (flow_used_ + 1 > flow_slots_.size() * 3 / 4 || !f->arena) {
    flowvars_full_.inc();
    return nullptr;
  }
  const DetectEngine& e = *engine_;
  size_t bw = (e.flowbit_count() + 63) / 64, iw = (e.flowint_count() + 63) / 64;
  auto* v = f->arena->make<FlowVars>();
  if (!v) {
    flowvars_full_.inc();
    return nullptr;
  }
  if (bw) v->bits = f->arena->alloc_array<uint64_t>(bw);
  if (e.flowint_count()) {
    v->ints = f->arena->alloc_array<int64_t>(e.flowint_count());
    v->int_set = f->arena->alloc_array<uint64_t>(iw);
  }
  if ((bw && !v->bits) || (e.flowint_count() && (!v->ints || !v->int_set))) {
    flowvars_full_.inc();
    return nullptr;
  }
  if (bw) std::memset(v->bits, 0, bw * 8);
  if (iw) std::memset(v->int_set, 0, iw * 8);
  flow_slots_[i] = {f, v};
  ++flow_used_;
  return v;
}

std::string_view Detector::release(flow::Flow& f, output::EveWriter* eve) noexcept {
  if (tx_flow_ == &f) tx_flow_ = nullptr;
  if (n_deferred_) take_deferred(&f, Direction::ToServer);  // every direction (no packet)
  flow_end_events(f, eve);
  if (flow_used_ == 0) {
    flush_alerts(nullptr);  // the flow end's transaction matches
    if (flow_used_ == 0) return {};
  }
  if (FlowVars* v = vars_of(&f, false)) {
    cur_pkt_ = nullptr;
    cur_flow_ = nullptr;
    cur_eve_ = eve;
    for (Direction d : {Direction::ToServer, Direction::ToClient})
      if (v->sw[idx(d)] && v->sw[idx(d)]->inspected < v->sw[idx(d)]->len)
        inspect_stream(f, d, true);
    cur_eve_ = nullptr;
  }
  flush_alerts(nullptr);  // Suricata's flow-end pseudo packet: one alert queue
  std::string_view action;
  if (FlowVars* v = vars_of(&f, false)) action = v->drop ? "drop" : v->pass ? "pass" : "";
  forget(f);
  return action;
}

void Detector::take_deferred(const flow::Flow* f, Direction dir) noexcept {
  uint32_t keep = 0;
  for (uint32_t i = 0; i < n_deferred_; ++i) {
    const DeferredEvent& e = deferred_[i];
    if (f && e.f == f && (e.dir == dir || !cur_pkt_) && n_events_ < kMaxPacketEvents)
      events_[n_events_++] = {e.f, e.name, EventKind::App, false};
    else
      deferred_[keep++] = e;
  }
  n_deferred_ = keep;
}

// App-layer events raised at flow end (bytes never acked, parsed when the flow ends): event
// rules see them on Suricata's flow-end pseudo packet (one pass, to_server).
void Detector::flow_end_events(flow::Flow& f, output::EveWriter* eve) noexcept {
  bool pending = false;
  for (uint32_t i = 0; i < n_events_ && !pending; ++i)
    pending = events_[i].f == &f && events_[i].kind == EventKind::App && !events_[i].by_tx;
  if (!pending || !engine_) return;
  const DetectEngine& e = *engine_;
  Match m;
  m.f = &f;
  m.dir = Direction::ToServer;
  m.ts = f.last;
  m.src = f.src;
  m.dst = f.dst;
  m.sp = f.sp;
  m.dp = f.dp;
  m.ip_proto = f.proto;
  m.app = e.app_of(f.app_proto);
  m.kind = Kind::Packet;
  m.events = true;
  m.timeout = true;
  pkt_bufs_.set(BufferId::Payload, Bytes{});
  m.bufs = &pkt_bufs_;
  m.eve = eve;
  cand_.clear();
  for (uint16_t a : {m.app, uint16_t(0)}) {
    auto l = e.event_rules(a);
    cand_.insert(cand_.end(), l.begin(), l.end());
  }
  if (!cand_.empty()) run(m);
  for (uint32_t i = 0; i < n_events_; ++i)
    if (events_[i].f == &f) events_[i].by_tx = true;
}

void Detector::forget(flow::Flow& f) noexcept {
  if (flow_used_ == 0) return;
  const size_t mask = flow_slots_.size() - 1;
  size_t i = size_t(mix(0, uint64_t(reinterpret_cast<uintptr_t>(&f)) * 0x9e3779b97f4a7c15ULL)) & mask;
  for (;;) {
    auto& s = flow_slots_[i];
    if (!s.first) return;
    if (s.first == &f) break;
    i = (i + 1) & mask;
  }
  // Backward-shift deletion keeps every probe chain intact without tombstones.
  size_t hole = i;
  for (size_t j = (i + 1) & mask; flow_slots_[j].first; j = (j + 1) & mask) {
    size_t home =
        size_t(mix(0, uint64_t(reinterpret_cast<uintptr_t>(flow_slots_[j].first)) *
                          0x9e3779b97f4a7c15ULL)) &
        mask;
    bool between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!between) {
      flow_slots_[hole] = flow_slots_[j];
      hole = j;
    }
  }
  flow_slots_[hole] = {nullptr, nullptr};
  --flow_used_;
}

Detector::StreamWin* Detector::stream_win(flow::Flow& f, Direction d, bool create) noexcept {
  FlowVars* v = vars_of(&f, create);
  if (!v) return nullptr;
  StreamWin*& w = v->sw[idx(d)];
  if (!w && create) {
    if (!f.arena || !(w = f.arena->make<StreamWin>()) ||
        !(w->buf = f.arena->alloc_array<uint8_t>(kStreamWindow))) {
      w = nullptr;
      stream_nomem_.inc();
    }
  }
  return w;
}

void Detector::on_stream_data(flow::Flow& f, Direction d, Bytes data, uint64_t offset) noexcept {
  if (!wants_stream() || data.empty()) return;
  if (flow_used_) {
    if (FlowVars* v = vars_of(&f, false); v && v->pass) return;
  }
  StreamWin* w = stream_win(f, d, true);
  if (!w) return;
  const bool mine = cur_flow_ == &f && cur_dir_ == d && cur_pkt_;
  const Bytes own = cur_pkt_ ? cur_pkt_->payload() : Bytes{};
  if (mine && (cur_pkt_->tcp_flags & tcpflag::kRst) && !own.empty() &&
      uintptr_t(data.data()) - uintptr_t(own.data()) < own.size()) {
    // (Bytes held until acked and flushed by the RST are stream bytes: inspected.)
    // Suricata does not add an RST's payload to the stream: skip it (the window restarts,
    // after what it holds was inspected).
    if (w->inspected < w->len) inspect_stream(f, d, false);
    w->len = w->inspected = 0;
    w->base = offset + data.size();
    return;
  }
  if (mine) cur_added_ = true;
  // A window spans one turn of the conversation (a request, a response): bytes after the
  // other side spoke start a new window, so anchored matches (depth, offset) are measured from
  // the start of the message, as the chunks Suricata inspects at app-layer boundaries are.
  if (w->turn_over && w->inspected == w->len) w->len = w->inspected = 0;
  w->turn_over = false;
  if (FlowVars* v = vars_of(&f, false); v && v->sw[idx(reverse(d))])
    v->sw[idx(reverse(d))]->turn_over = true;
  if (w->len == 0) w->base = offset;
  while (!data.empty()) {
    if (w->len == kStreamWindow) {
      if (w->inspected < w->len) inspect_stream(f, d, false);
      // Slide: keep the last kStreamOverlap inspected bytes before the new ones.
      uint32_t keep = std::min(w->len, kStreamOverlap);
      std::memmove(w->buf, w->buf + (w->len - keep), keep);
      w->base += w->len - keep;
      w->len = w->inspected = keep;
    }
    size_t n = std::min<size_t>(data.size(), kStreamWindow - w->len);
    std::memcpy(w->buf + w->len, data.data(), n);
    w->len += uint32_t(n);
    data = data.subspan(n);
  }
}

void Detector::on_sides_swapped(flow::Flow& f) noexcept {
  if (cur_flow_ == &f) cur_dir_ = reverse(cur_dir_);
  if (!flow_used_) return;
  if (FlowVars* v = vars_of(&f, false)) {
    std::swap(v->sw[0], v->sw[1]);
    v->pd_pending = uint8_t((v->pd_pending & 1) << 1 | (v->pd_pending & 2) >> 1);
  }
}

void Detector::on_proto_detected(flow::Flow& f, Direction d) noexcept {
  if (!engine_ || !engine_->has_pd_only()) return;
  if (FlowVars* v = vars_of(&f, true)) v->pd_pending |= uint8_t(1u << idx(d));
}

void Detector::write_flow_metadata(flow::Flow& f, output::EveWriter& w) noexcept {
  if (!engine_ || !flow_used_) return;
  FlowVars* v = vars_of(&f, false);
  if (!v || !v->bits) return;
  bool open = false;
  for (uint32_t i = 0, n = engine_->flowbit_count(); i < n; ++i) {
    if (!(v->bits[i / 64] >> (i % 64) & 1)) continue;
    const std::string& name = engine_->flowbit_name(i);
    if (name.starts_with("xbits:")) continue;
    auto& j = w.begin_raw();
    if (!open) {
      j.Key("metadata");
      j.StartObject();
      j.Key("flowbits");
      j.StartArray();
      open = true;
    }
    j.String(name.data(), name.size());
  }
  if (!open) return;
  auto& j = w.begin_raw();
  j.EndArray();
  j.EndObject();
}

void Detector::on_stream_gap(flow::Flow& f, Direction d, uint64_t len) noexcept {
  if (!wants_stream() || !flow_used_) return;
  FlowVars* v = vars_of(&f, false);
  if (!v || !v->sw[idx(d)]) return;
  StreamWin* w = v->sw[idx(d)];
  if (w->inspected < w->len) inspect_stream(f, d, false);
  w->base += w->len + len;
  w->len = w->inspected = 0;
}

bool Detector::take_window(flow::Flow& f, Direction d, Bytes& window, Bytes& old) noexcept {
  FlowVars* v = vars_of(&f, false);
  if (!v || !v->sw[idx(d)] || v->pass) return false;
  StreamWin* w = v->sw[idx(d)];
  if (w->inspected >= w->len) return false;
  window = Bytes(w->buf, w->len);
  old = Bytes(w->buf, w->inspected);
  w->inspected = w->len;
  stream_inspections_.inc();
  stream_bytes_.inc(window.size() - old.size());
  return true;
}

void Detector::stream_candidates(Direction d, Bytes window) noexcept {
  const DetectEngine& e = *engine_;
  const Prefilter* pf = e.rules().prefilter.get();
  if (!pf || !hs_ok_) return;
  bool ok = pf->scan(BufferId::Payload, d, window, hs_, [&](uint32_t r) {
    const auto& ri = e.info(r);
    if (ri.kind == Kind::Packet && ri.has_fp && ri.smode != DetectEngine::StreamMode::PacketOnly)
      cand_.push_back(ri.order);
  });
  if (!ok) scan_errors_.inc();
}

void Detector::inspect_stream(flow::Flow& f, Direction d, bool timeout) noexcept {
  Bytes window, old;
  if (!take_window(f, d, window, old)) return;

  const DetectEngine& e = *engine_;
  Match m;
  m.f = &f;
  m.dir = d;
  const Packet* p = (cur_flow_ == &f && cur_pkt_) ? cur_pkt_ : nullptr;
  m.p = (p && cur_dir_ == d) ? p : nullptr;  // header keywords: only a packet of this direction
  m.ts = p ? p->ts : f.last;
  m.pcap_cnt = p ? p->pcap_cnt : 0;
  bool fwd = d == Direction::ToServer;
  m.src = fwd ? f.src : f.dst;
  m.dst = fwd ? f.dst : f.src;
  m.sp = fwd ? f.sp : f.dp;
  m.dp = fwd ? f.dp : f.sp;
  m.ip_proto = f.proto;
  m.app = e.app_of(f.app_proto);
  m.kind = Kind::Packet;
  m.stream = true;
  m.timeout = timeout;
  m.old_part = old;
  stream_bufs_.set(BufferId::Payload, window);
  m.bufs = &stream_bufs_;
  m.sbufs = &stream_bufs_;
  m.eve = cur_eve_;

  cand_.clear();
  stream_candidates(d, window);
  const auto& g = e.group(DetectEngine::proto_class(f.proto), d);
  cand_.insert(cand_.end(), g.any.begin(), g.any.end());
  if (!g.by_port.empty()) {
    auto it = g.by_port.find(m.dp);
    if (it != g.by_port.end()) cand_.insert(cand_.end(), it->second.begin(), it->second.end());
  }
  g.by_src.lookup(m.src, cand_);
  g.by_dst.lookup(m.dst, cand_);
  if (cand_.empty()) return;
  run(m);
}

bool Detector::header_ok(const Rule& r, const Match& m) const noexcept {
  const RuleProto& pr = r.proto;
  if (pr.ip_version) {
    bool v4 = m.p ? m.p->ip_version == 4 : m.src.is_v4();
    if ((pr.ip_version == 4) != v4) return false;
  }
  if (!pr.any_ip && pr.ip_proto) {
    if (pr.ip_proto == ipproto::kIcmp) {
      if (m.ip_proto != ipproto::kIcmp && m.ip_proto != ipproto::kIcmpv6) return false;
    } else if (pr.ip_proto != m.ip_proto) {
      return false;
    }
  }
  bool fwd = r.src.contains(m.src) && r.dst.contains(m.dst) && r.sport.contains(m.sp) &&
             r.dport.contains(m.dp);
  if (!fwd) {
    if (!r.bidirectional) return false;
    if (!(r.src.contains(m.dst) && r.dst.contains(m.src) && r.sport.contains(m.dp) &&
          r.dport.contains(m.sp)))
      return false;
  }
  if (r.sameip && !(m.src == m.dst)) return false;
  const Packet* p = m.p;
  if (!p) return true;  // transaction: packet header keywords are not evaluated
  for (const auto& h : r.header_checks) {
    uint64_t v = 0;
    switch (h.field) {
      case HeaderField::Ttl: v = p->ttl; break;
      case HeaderField::IpId: v = p->ip_id; break;
      case HeaderField::IpProto: v = p->ip_proto; break;
      case HeaderField::TcpSeq:
        if (!p->is_tcp()) return false;
        v = p->tcp_seq;
        break;
      case HeaderField::TcpAck:
        if (!p->is_tcp()) return false;
        v = p->tcp_ack;
        break;
      case HeaderField::TcpWindow:
        if (!p->is_tcp()) return false;
        v = p->tcp_win;
        break;
      case HeaderField::TcpMss:
        if (!p->is_tcp() || !p->tcp_opts.has_mss) return false;
        v = p->tcp_opts.mss;
        break;
      case HeaderField::IcmpType:
        if (!p->is_icmp()) return false;
        v = p->icmp_type;
        break;
      case HeaderField::IcmpCode:
        if (!p->is_icmp()) return false;
        v = p->icmp_code;
        break;
      case HeaderField::IcmpId:
        if (!p->is_icmp()) return false;
        v = p->icmp_id;
        break;
      case HeaderField::IcmpSeq:
        if (!p->is_icmp()) return false;
        v = p->icmp_seq;
        break;
      case HeaderField::Dsize: v = p->payload_len; break;
      case HeaderField::FragOffset: v = p->frag_off; break;
      case HeaderField::Icmpv6Mtu: {
        // Type 2 (Packet Too Big), RFC 4443 3.2: the MTU is the 32 bits after the checksum.
        if (p->ip_proto != ipproto::kIcmpv6 || p->icmp_type != 2 ||
            size_t(p->l4_off) + 8 > p->caplen)
          return false;
        const uint8_t* h = p->data + p->l4_off;
        v = uint32_t(h[4]) << 24 | uint32_t(h[5]) << 16 | uint32_t(h[6]) << 8 | h[7];
        break;
      }
    }
    if (!h.cmp.match(v)) return false;
  }
  if (r.tcp_flags) {
    if (!p->is_tcp()) return false;
    const TcpFlags& tf = *r.tcp_flags;
    uint8_t fl = uint8_t(p->tcp_flags & ~tf.ignore);
    bool ok = false;
    switch (tf.mode) {
      case TcpFlags::Mode::Exact: ok = fl == tf.flags; break;
      case TcpFlags::Mode::Plus: ok = (fl & tf.flags) == tf.flags; break;
      case TcpFlags::Mode::Any: ok = (fl & tf.flags) != 0; break;
      case TcpFlags::Mode::Not: ok = (fl & tf.flags) != tf.flags; break;
    }
    if (!ok) return false;
  }
  if (r.fragbits) {
    uint8_t b = uint8_t((p->more_frags ? 1 : 0) | (p->dont_frag ? 2 : 0));
    const FragBits& fb = *r.fragbits;
    bool ok = false;
    switch (fb.mode) {
      case FragBits::Mode::Exact: ok = b == fb.bits; break;
      case FragBits::Mode::Plus: ok = (b & fb.bits) == fb.bits; break;
      case FragBits::Mode::Any: ok = (b & fb.bits) != 0; break;
      case FragBits::Mode::Not: ok = (b & fb.bits) == 0; break;
    }
    if (!ok) return false;
  }
  return true;
}

bool Detector::flow_ok(const Rule& r, const Match& m) const noexcept {
  const FlowOpts& fo = r.flow;
  if (!fo.any()) return true;
  if (m.p) {
    if (fo.only_frag && !m.p->reassembled) return false;
    if (fo.no_frag && m.p->reassembled) return false;
  }
  if (fo.to_server && m.dir != Direction::ToServer) return false;
  if (fo.to_client && m.dir != Direction::ToClient) return false;
  if (fo.established || fo.not_established) {
    bool est = false;
    if (m.f) {
      if (m.kind == Kind::Tx)
        est = true;  // a transaction implies a connection carrying data both ways
      else if (m.stream)
        est = flow::flow_state_name(*m.f)[0] != 'n';  // the stream may end with the flow
      else
        est = flow::flow_state_name(*m.f)[0] == 'e';
    }
    if (fo.established && !est) return false;
    if (fo.not_established && est) return false;
  }
  if ((fo.to_server || fo.to_client) && !m.f) return false;
  return true;
}

Detector::HostBit* Detector::host_bit(const IpAddr& ip, uint32_t bit, int64_t now,
                                      bool create) noexcept {
  if (hostbits_.empty()) return nullptr;
  const size_t mask = hostbits_.size() - 1;
  const size_t h = size_t(mix(hash_ip(ip), bit + 1));
  HostBit* victim = nullptr;
  for (size_t k = 0; k < kHostProbe; ++k) {
    HostBit& e = hostbits_[(h + k) & mask];
    bool live = e.bit_plus1 && e.expire > now;
    if (live && e.bit_plus1 == bit + 1 && e.ip == ip) return &e;
    if (!live) {
      if (!victim || victim->bit_plus1) victim = &e;  // prefer a free or expired slot
    } else if (!victim || (victim->bit_plus1 && victim->expire > now && e.expire < victim->expire)) {
      victim = &e;
    }
  }
  if (!create) return nullptr;
  if (victim->bit_plus1 && victim->expire > now) host_evictions_.inc();
  victim->ip = ip;
  victim->bit_plus1 = bit + 1;
  victim->expire = now;
  return victim;
}

bool Detector::hosts_ok(const DetectEngine::RuleInfo& ri, const Match& m) noexcept {
  for (const auto& op : ri.host_ops) {
    if (op.cmd != XbitOp::Cmd::IsSet && op.cmd != XbitOp::Cmd::IsNotSet) continue;
    bool set = true;  // on every host the op names
    if (op.src && !host_bit(m.src, op.bit, m.ts.usec, false)) set = false;
    if (op.dst && !host_bit(m.dst, op.bit, m.ts.usec, false)) set = false;
    if (set != (op.cmd == XbitOp::Cmd::IsSet)) return false;
  }
  return true;
}

void Detector::hosts_apply(const DetectEngine::RuleInfo& ri, const Match& m) noexcept {
  const int64_t now = m.ts.usec;
  for (const auto& op : ri.host_ops) {
    if (op.cmd == XbitOp::Cmd::IsSet || op.cmd == XbitOp::Cmd::IsNotSet) continue;
    const int64_t until = now + int64_t(op.expire ? op.expire : kHostBitExpire) * 1000000;
    for (int side = 0; side < 2; ++side) {
      if (!(side == 0 ? op.src : op.dst)) continue;
      const IpAddr& ip = side == 0 ? m.src : m.dst;
      HostBit* e = host_bit(ip, op.bit, now, false);
      bool set = op.cmd == XbitOp::Cmd::Set || (op.cmd == XbitOp::Cmd::Toggle && !e);
      if (set) {
        if (!e) e = host_bit(ip, op.bit, now, true);
        if (e) e->expire = until;
      } else if (e) {
        e->bit_plus1 = 0;  // unset, or toggled off
      }
    }
  }
}

void Detector::add_event(const flow::Flow& f, EventKind k, const char* name) noexcept {
  if (!name) return;
  if (k == EventKind::App && origin_ && cur_pkt_ && cur_flow_ == &f &&
      origin_ == cur_pkt_->pcap_cnt) {
    // Raised while bytes of the other direction were handed over with this ACK: the event
    // also waits for the next packet of that direction (the parser may raise a request's
    // event on its answer, or the reverse: direction-bound event rules see it once).
    if (n_deferred_ < kMaxPacketEvents)
      deferred_[n_deferred_++] = {&f, name, reverse(cur_dir_)};
    else
      events_overflow_.inc();
  }
  if (n_events_ >= kMaxPacketEvents) {
    events_overflow_.inc();
    return;
  }
  events_[n_events_++] = {&f, name, k, false};
}

// app-layer-event values are the app layer's names ("smtp.line_too_long", mapped from
// Suricata's at load); stream-event values are "stream.<what>" (the keyword adds the prefix).
bool Detector::has_event(const flow::Flow* f, EventKind k, std::string_view names) const noexcept {
  if (!f) return false;
  for (uint32_t i = 0; i < n_events_; ++i) {
    const PacketEvent& e = events_[i];
    if (e.f != f || e.kind != k || e.by_tx) continue;
    // `names`: one name, or the app layer's names of one Suricata event, '|'-separated.
    for (std::string_view rest = names; !rest.empty();) {
      size_t bar = rest.find('|');
      if (rest.substr(0, bar) == e.name) return true;
      rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    }
  }
  return false;
}

bool Detector::app_checks_ok(const Rule& r, const Match& m) const noexcept {
  for (const auto& c : r.app_checks) {
    if (c.keyword == "app-layer-protocol") {
      std::string_view v = c.value, mode;
      if (!v.empty() && v.front() == '!') v.remove_prefix(1);
      if (size_t comma = v.find(','); comma != std::string_view::npos) {
        mode = v.substr(comma + 1);
        while (!mode.empty() && mode.front() == ' ') mode.remove_prefix(1);
        while (!mode.empty() && mode.back() == ' ') mode.remove_suffix(1);
        v = v.substr(0, comma);
      }
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      if (v == "http1") v = "http";  // Suricata 7's name for HTTP/1.x
      // Before detection finished the protocol matches nothing, negated or not (Suricata).
      if (v != "unknown" && (!m.f || m.f->app_proto == uint16_t(app::Proto::Unknown)))
        return false;
      bool is;
      if (v == "unknown")
        is = m.app == 0;
      else if (v == "failed")
        is = m.f && m.f->app_proto == uint16_t(app::Proto::Failed);
      else {
        // Suricata 8's modes: the protocol found in one direction (the two differ when the
        // client and the server spoke different protocols), either, or before a change.
        auto named = [&](uint16_t proto) {
          const AppProtoSpec* s = app_proto(engine_->app_of(proto));
          return s && s->name == v;
        };
        const flow::Flow& f = *m.f;
        const bool split = f.app_proto_ts != f.app_proto_tc;
        if (mode == "to_server" || (split && mode.empty() && m.dir == Direction::ToServer) ||
            (split && mode == "direction" && m.dir == Direction::ToServer))
          is = named(f.app_proto_ts);
        else if (mode == "to_client" || (split && (mode.empty() || mode == "direction")))
          is = named(f.app_proto_tc);
        else if (mode == "either")
          is = named(f.app_proto_ts) || named(f.app_proto_tc);
        else if (mode == "original")
          is = named(f.app_proto_orig ? f.app_proto_orig : f.app_proto);
        else {
          const AppProtoSpec* s = app_proto(m.app);
          is = s && s->name == v;
        }
      }
      if (is == c.negated) return false;
    } else if (c.keyword == "filestore") {
      continue;  // side effect only (file extraction, issue 7)
    } else if (c.keyword == "stream_size") {
      if (!stream_size_ok(c.value, m)) return false;
    } else if (c.keyword == "decode-event") {
      // Every decode event of the packet (decoder and defragmenter, Packet::decode_events).
      bool have = false;
      for (uint64_t ev = m.p ? m.p->decode_events : 0; ev && !have; ev &= ev - 1)
        have = decode::decode_event_name(uint16_t(__builtin_ctzll(ev))) == c.value;
      if (have == c.negated) return false;
    } else if (c.keyword == "ipv4-csum") {
      if (!m.p || m.p->ip_version != 4 || m.p->decode_only) return false;
      if (ipv4_header_csum_ok(*m.p) != (c.value == "valid")) return false;
    } else if (c.keyword == "app-layer-event") {
      if (has_event(m.f, EventKind::App, c.value) == c.negated) return false;
    } else if (c.keyword == "stream-event") {
      if (has_event(m.f, EventKind::Stream, c.value) == c.negated) return false;
    } else if (c.keyword == "filesize") {
      // A rule with buffers the file tracker lacks: the transaction's file in the direction
      // the keyword names (else the inspected one), answered by its protocol once complete.
      auto fs = kw::parse_filesize(c.value);
      if (!fs || !m.tx || !m.spec || !m.spec->check) return false;
      Direction d = fs->dir.value_or(m.dir);
      if (d != m.dir && !m.trans_tc) return false;  // => rules see both directions
      if (!m.spec->check(m.tx, d, c.keyword, c.value)) return false;
    } else if (m.tx && m.spec && m.spec->check) {
      if (!m.spec->check(m.tx, m.dir, c.keyword, c.value)) return false;
    } else {
      return false;  // needs state this stage does not have yet: the rule cannot match
    }
  }
  return true;
}

// stream_size:<server|client|both|either>,<op>,<value>: bytes of each side's stream (plus
// one for the SYN, as Suricata counts sequence numbers from the ISN).
bool Detector::stream_size_ok(std::string_view v, const Match& m) const noexcept {
  if (!m.f || m.f->proto != ipproto::kTcp) return false;
  auto next = [&]() {
    size_t c = v.find(',');
    std::string_view t = v.substr(0, c);
    v = c == std::string_view::npos ? std::string_view() : v.substr(c + 1);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    return t;
  };
  std::string_view side = next(), op = next(), num = next();
  uint64_t want = 0;
  std::from_chars(num.data(), num.data() + num.size(), want);
  auto cmp = [&](uint64_t x) {
    return op == "<"    ? x < want
           : op == ">"  ? x > want
           : op == "="  ? x == want
           : op == "!=" ? x != want
           : op == "<=" ? x <= want
           : op == ">=" ? x >= want
                        : false;
  };
  uint64_t cli = stream::session_offset(*m.f, Direction::ToServer) + 1;
  uint64_t srv = stream::session_offset(*m.f, Direction::ToClient) + 1;
  if (side == "server") return cmp(srv);
  if (side == "client") return cmp(cli);
  if (side == "both") return cmp(srv) && cmp(cli);
  return cmp(srv) || cmp(cli);
}

bool Detector::vars_ok(const DetectEngine::RuleInfo& ri, FlowVars* v) const noexcept {
  auto bit = [&](uint32_t b) { return v && v->bits && (v->bits[b / 64] >> (b % 64) & 1); };
  for (const auto& op : ri.bit_ops) {
    if (op.cmd == FlowbitOp::Cmd::IsSet) {
      bool any = false, all = true;
      for (uint32_t b : op.bits) {
        if (bit(b))
          any = true;
        else
          all = false;
      }
      if (!(op.any_of ? any : all)) return false;
    } else if (op.cmd == FlowbitOp::Cmd::IsNotSet) {
      bool any_unset = false, all_unset = true;
      for (uint32_t b : op.bits) {
        if (bit(b))
          all_unset = false;
        else
          any_unset = true;
      }
      if (!(op.any_of ? any_unset : all_unset)) return false;
    }
  }
  auto iset = [&](uint32_t i) { return v && v->int_set && (v->int_set[i / 64] >> (i % 64) & 1); };
  for (const auto& op : ri.int_ops) {
    const std::string& o = op.op;
    if (o == "+" || o == "-" || o == "=") continue;
    if (o == "isset") {
      if (!iset(op.var)) return false;
      continue;
    }
    if (o == "notset" || o == "isnotset") {
      if (iset(op.var)) return false;
      continue;
    }
    if (!iset(op.var)) return false;
    int64_t a = v->ints[op.var], b = op.value;
    if (op.value_var >= 0) {
      if (!iset(uint32_t(op.value_var))) return false;
      b = v->ints[op.value_var];
    }
    bool ok = o == "==" ? a == b
              : o == "!=" ? a != b
              : o == "<"  ? a < b
              : o == ">"  ? a > b
              : o == "<=" ? a <= b
              : o == ">=" ? a >= b
                          : false;
    if (!ok) return false;
  }
  return true;
}

void Detector::vars_apply(const DetectEngine::RuleInfo& ri, FlowVars* v) noexcept {
  if (!v) return;
  for (const auto& op : ri.bit_ops) {
    if (!v->bits) break;
    for (uint32_t b : op.bits) {
      uint64_t m = uint64_t(1) << (b % 64);
      switch (op.cmd) {
        case FlowbitOp::Cmd::Set: v->bits[b / 64] |= m; break;
        case FlowbitOp::Cmd::Unset: v->bits[b / 64] &= ~m; break;
        case FlowbitOp::Cmd::Toggle: v->bits[b / 64] ^= m; break;
        default: break;
      }
    }
  }
  for (const auto& op : ri.int_ops) {
    if (!v->ints) break;
    const std::string& o = op.op;
    if (o != "+" && o != "-" && o != "=") continue;
    int64_t val = op.value;
    if (op.value_var >= 0) {
      if (!(v->int_set[op.value_var / 64] >> (op.value_var % 64) & 1)) continue;
      val = v->ints[op.value_var];
    }
    uint64_t bit = uint64_t(1) << (op.var % 64);
    bool set = v->int_set[op.var / 64] & bit;
    int64_t& x = v->ints[op.var];
    if (o == "=" || !set)
      x = o == "-" && !set ? -val : val;
    else if (o == "+")
      x += val;
    else
      x -= val;
    v->int_set[op.var / 64] |= bit;
  }
}

// The threshold table entry of rule r for `which` (0 threshold, 1 detection_filter,
// 2 rate_filter) and the match's track key; a new one (fresh) replaces the oldest entry of a
// full neighbourhood.
Detector::Thr& Detector::thr_find(uint32_t r, uint8_t which, Track track, const Match& m,
                                  bool& fresh) noexcept {
  Thr key;
  key.rule_plus1 = r + 1;
  key.which = which;
  switch (track) {
    case Track::BySrc: key.a = m.src; break;
    case Track::ByDst: key.a = m.dst; break;
    case Track::ByBoth:
      key.a = std::min(m.src, m.dst);
      key.b = std::max(m.src, m.dst);
      break;
    case Track::ByRule: break;
    case Track::ByFlow: key.flow_id = m.f ? m.f->flow_id : 0; break;
  }
  const size_t mask = thr_.size() - 1;
  size_t h = size_t(mix(mix(mix(r * 31 + which, hash_ip(key.a)), hash_ip(key.b)), key.flow_id));
  Thr* slot = nullptr;
  Thr* victim = nullptr;
  fresh = false;
  for (size_t k = 0; k < 16; ++k) {
    Thr& t = thr_[(h + k) & mask];
    if (t.rule_plus1 == key.rule_plus1 && t.which == which && t.a == key.a && t.b == key.b &&
        t.flow_id == key.flow_id) {
      slot = &t;
      break;
    }
    if (!t.rule_plus1) {
      if (!victim || victim->rule_plus1) victim = &t;
    } else if (!victim || (victim->rule_plus1 && t.start < victim->start)) {
      victim = &t;
    }
  }
  if (!slot) {
    if (victim->rule_plus1) thr_full_.inc();
    *victim = key;
    slot = victim;
    fresh = true;
  }
  return *slot;
}

bool Detector::threshold_allows(uint32_t r, const Match& m) noexcept {
  const Rule& rule = engine_->rules().rules[r];
  const auto& ri = engine_->info(r);
  auto check = [&](uint8_t which, Track track, Threshold::Type type, uint32_t count,
                   uint32_t seconds, uint32_t mult) -> bool {
    const int64_t now = m.ts.usec, win = int64_t(seconds) * 1000000;
    bool fresh = false;
    Thr& t = thr_find(r, which, track, m, fresh);
    bool in_window = !fresh && (seconds == 0 || now - t.start <= win);
    if (!in_window) {
      t.start = now;
      t.count = 1;
      t.next = count;
    } else {
      ++t.count;
    }
    if (which == 1) return t.count > count;  // detection_filter: every match past count
    switch (type) {
      case Threshold::Type::Limit: return t.count <= count;
      case Threshold::Type::Threshold:
        if (t.count >= count) {
          t.count = 0;
          return true;
        }
        return false;
      case Threshold::Type::Both: return t.count == count;
      case Threshold::Type::Backoff:
        if (t.count == 1 || t.count == t.next) {
          if (t.count != 1 || count == 1) t.next = uint32_t(std::min<uint64_t>(
                                             uint64_t(t.next) * std::max(mult, 1u), UINT32_MAX));
          return true;
        }
        return false;
    }
    return true;
  };
  if (rule.detection_filter) {
    const auto& d = *rule.detection_filter;
    if (!check(1, d.track, Threshold::Type::Limit, d.count, d.seconds, 0)) return false;
  }
  if (ri.threshold) {
    const auto& t = *ri.threshold;
    if (!check(0, t.track, t.type, t.count, t.seconds, t.multiplier)) return false;
  }
  return true;
}

bool Detector::rate_exceeded(uint32_t r, const Match& m,
                             const ThresholdEntry::Rate& rf) noexcept {
  const int64_t now = m.ts.usec;
  bool fresh = false;
  Thr& t = thr_find(r, 2, rf.track, m, fresh);
  if (fresh) {
    t.start = now;
    t.count = 1;
    t.until = 0;
    return rf.count == 0;
  }
  if (t.until) {
    if (now - t.until <= int64_t(rf.timeout) * 1000000) return true;  // still in new_action
    t.until = 0;
  }
  if (now - t.start < int64_t(rf.seconds) * 1000000) {
    if (++t.count > rf.count) {
      t.until = now ? now : 1;
      return true;
    }
  } else {
    t.start = now;
    t.count = 1;
  }
  return false;
}

namespace {
bool drops(Action a) noexcept { return a != Action::Alert && a != Action::Pass; }
}  // namespace

void Detector::alert(uint32_t r, const Match& m, bool silent) noexcept {
  const Rule& rule = engine_->rules().rules[r];
  const auto& ri = engine_->info(r);
  const DetectLimits& lim = engine_->limits();
  bool suppressed = ri.suppressed_all;
  for (const ThresholdEntry* s : ri.suppress) {
    if (suppressed) break;
    suppressed = (s->track != "by_dst" && s->ip->contains(m.src)) ||
                 (s->track != "by_src" && s->ip->contains(m.dst));
  }
  if (suppressed) {
    // Suricata: a suppressed alert is not logged, its action (an IPS drop) still applies.
    suppressed_.inc();
    if (!lim.ips || !drops(rule.action)) return;
    silent = true;
  } else if ((rule.threshold || rule.detection_filter || ri.threshold) &&
             !threshold_allows(r, m)) {
    thresholded_.inc();
    return;
  }
  if (tx_once_ && m.kind == Kind::Tx) {
    for (uint32_t i = 0; i < n_tx_alerted_; ++i)
      if (tx_alerted_[i] == r) return;  // alerted in the other direction of this transaction
    if (n_tx_alerted_ < sizeof(tx_alerted_) / sizeof(tx_alerted_[0])) tx_alerted_[n_tx_alerted_++] = r;
  }
  Action action = rule.action;
  bool rate_modified = false;
  if (ri.rate && rate_exceeded(r, m, *ri.rate)) {
    action = ri.rate->new_action;
    rate_modified = true;
  }
  if (n_queue_ >= kMaxQueue || n_queue_ >= queue_.size()) {
    alert_max_.inc();
    return;
  }
  Pending& q = queue_[n_queue_++];
  ++m.alerts;
  q.order = ri.order;
  q.rule = r;
  q.f = m.f;
  q.action = action;
  q.rate_modified = rate_modified;
  q.silent = silent || action == Action::Pass;  // pass: no alert (Suricata)
  const bool stream_match = m.stream || (m.kind == Kind::Packet && m.sbufs &&
                                         ri.smode == DetectEngine::StreamMode::StreamOnly);
  q.flow_scope = ri.flow_action || stream_match;
  q.line.clear();
  if (m.eve) queue_eve_ = m.eve;
  if (q.silent || !m.eve || !m.eve->enabled("alert")) return;
  if (!stage_) {
    stage_out_ = std::make_unique<output::EveOutput>(
        m.eve->config() ? *m.eve->config() : EveOutputConfig{});
    stage_ = std::make_unique<output::EveWriter>(stage_out_.get());
  }
  output::AlertContext c;
  c.ts = m.ts;
  c.flow = m.f;
  c.in_iface = in_iface_;
  c.src = m.src;
  c.dst = m.dst;
  c.sp = m.sp;
  c.dp = m.dp;
  c.proto = m.ip_proto;
  c.dir = m.dir;
  c.pcap_cnt = m.pcap_cnt;
  // A transaction completed with no packet being processed (flow end, timeout, shutdown)
  // is logged by Suricata from its flow-end pseudo packet.
  const bool no_packet = m.kind == Kind::Tx && !(cur_pkt_ && cur_flow_ == m.f);
  c.pkt_src = m.timeout || no_packet ? "stream (flow timeout)" : "wire/pcap";
  c.spec = m.spec;
  c.tx = m.tx;
  c.tx_id = m.tx_id;
  c.has_tx = m.kind == Kind::Tx;
  // Output options (payload, packet, ether): the packet inspected, or the one being
  // processed for stream and transaction matches; the stream window of a stream match.
  c.pkt = m.p ? m.p : (cur_pkt_ && cur_flow_ == m.f ? cur_pkt_ : nullptr);
  c.stream_match = stream_match;
  if (c.stream_match && m.sbufs)
    if (const Bytes* b = m.sbufs->get(BufferId::Payload)) c.stream_data = *b;
  c.blocked = lim.ips && drops(action);
  c.open_verdict = true;
  c.context = {cap_vars_[0].data(), n_cap_vars_[0]};
  c.flowvars = {cap_vars_[1].data(), n_cap_vars_[1]};
  c.pktvars = {cap_vars_[2].data(), n_cap_vars_[2]};
  output::write_alert_event(*stage_, rule, c);
  std::string_view line = stage_->pending();
  q.line.assign(line.data(), line.size());
  stage_->flush();  // no sink: only empties the staging buffer
}

void Detector::flush_alerts(const Packet* p) noexcept {
  const uint32_t n = n_queue_;
  const uint32_t pass_order = pass_order_;
  n_queue_ = 0;
  queue_open_ = false;
  pass_order_ = UINT32_MAX;
  if (!n || !engine_) return;
  const DetectLimits& lim = engine_->limits();
  // Suricata's order: by rule order; nothing past a matching pass rule.
  qsorted_.clear();
  for (uint32_t i = 0; i < n; ++i)
    if (queue_[i].order <= pass_order) qsorted_.push_back(i);
  std::stable_sort(qsorted_.begin(), qsorted_.end(),
                   [&](uint32_t a, uint32_t b) { return queue_[a].order < queue_[b].order; });
  // The packet's actions first (every queued match, logged or not): its verdict.
  bool dropped = false, by_rate = false, passed = pass_order != UINT32_MAX;
  flow::Flow* drop_flow = nullptr;
  for (uint32_t i : qsorted_) {
    Pending& q = queue_[i];
    if (lim.ips && drops(q.action)) {
      if (!dropped) by_rate = q.rate_modified;
      dropped = true;
      if (!drop_flow) drop_flow = q.f;
      if (q.flow_scope)
        if (FlowVars* v = vars_of(q.f, true)) v->drop = true;
    } else if (q.action == Action::Pass) {
      passed = true;
      if (q.flow_scope)
        if (FlowVars* v = vars_of(q.f, true)) v->pass = true;
    }
  }
  const std::string_view verdict = dropped ? "drop" : passed ? "pass" : "alert";
  output::EveWriter* eve = queue_eve_;
  const bool with_verdict = eve && eve->config() && eve->config()->alert.verdict;
  uint32_t kept = 0;
  for (uint32_t i : qsorted_) {
    Pending& q = queue_[i];
    if (q.silent) continue;
    if (kept >= lim.max_alerts_per_packet) {
      alert_max_.inc();
      continue;
    }
    ++kept;
    alerts_.inc();
    if (q.f) q.f->alerted = true;
    if (record_sids) record_sids->push_back(engine_->rules().rules[q.rule].sid);
    if (eve && !q.line.empty()) {
      output::write_verdict_close(q.line, verdict, with_verdict);
      eve->write_line(q.line);
      eve_alerts_.inc();
    }
  }
  if (dropped && p) {
    drops_.inc();
    FlowVars* v = drop_flow ? vars_of(drop_flow, true) : nullptr;
    bool log = lim.drop_log_all || !v || !v->drop_logged;
    if (v) v->drop_logged = true;
    if (log && eve && eve->enabled("drop"))
      output::write_drop_event(*eve, *p, drop_flow, in_iface_,
                               by_rate ? "threshold detection_filter" : "rules");
  }
}

bool Detector::flow_dropped(const flow::Flow* f) noexcept {
  if (!f || !engine_ || !engine_->limits().ips || !flow_used_) return false;
  FlowVars* v = vars_of(const_cast<flow::Flow*>(f), false);
  return v && v->drop;
}

void Detector::on_flow_dropped(const Packet& p, flow::Flow& f, output::EveWriter* eve) noexcept {
  drops_.inc();
  FlowVars* v = vars_of(&f, false);
  bool log = engine_->limits().drop_log_all || !v || !v->drop_logged;
  if (v) v->drop_logged = true;
  if (log && eve && eve->enabled("drop"))
    output::write_drop_event(*eve, p, &f, in_iface_, "flow drop");
}

void Detector::run(const Match& m) noexcept {
  std::sort(cand_.begin(), cand_.end());
  cand_.erase(std::unique(cand_.begin(), cand_.end()), cand_.end());
  candidates_.inc(cand_.size());
  const DetectEngine& e = *engine_;
  const auto& rules = e.rules().rules;
  FlowVars* vars = nullptr;
  bool vars_looked = false;
  for (uint32_t o : cand_) {
    uint32_t ri_idx = e.rule_at(o);
    const auto& ri = e.info(ri_idx);
    if (ri.kind != m.kind && !m.events) continue;
    // Packet rules: the packet's payload and/or the raw stream window, in one pass in rule
    // order (Suricata's order), each rule on what it requires.
    bool on_packet = true, on_stream = false;
    if (m.kind == Kind::Packet) {
      switch (ri.smode) {
        case DetectEngine::StreamMode::PacketOnly:
          if (m.stream) continue;
          break;
        case DetectEngine::StreamMode::StreamOnly:
          if (!m.sbufs) continue;
          on_packet = false;
          on_stream = true;
          break;
        case DetectEngine::StreamMode::Both:
          on_packet = !m.stream && !m.payload_held;
          on_stream = m.sbufs && (m.stream || m.stream_more);
          if (!on_packet && !on_stream) continue;
          break;
      }
    }
    if (ri.file_rule) continue;  // the file tracker's, when a file closes
    if (ri.pd_only && !m.pd) continue;
    const Rule& r = rules[ri_idx];
    if (r.transactional != (m.trans_tc != nullptr)) continue;  // => rules: their own pass
    if (!app_matches(ri.app, m.app)) continue;
    if (m.p && m.p->decode_only && !ri.decode_event) continue;  // only its decode events count
    if (m.kind == Kind::Packet && on_packet && ri.needs_payload &&
        (!m.p || m.p->payload_len == 0)) {
      on_packet = false;
      if (!on_stream) continue;
    }
    if (!header_ok(r, m) || !flow_ok(r, m)) continue;
    if (ri.has_flowvars && !vars_looked) {
      vars = vars_of(m.f, false);
      vars_looked = true;
    }
    if (ri.has_flowvars && !vars_ok(ri, vars)) continue;
    if (!ri.host_ops.empty() && !hosts_ok(ri, m)) continue;
    if (!r.buffers.empty()) {
      bool hit = on_packet && match_buffers(r, *m.bufs, ms_, m.trans_tc);
      if (!hit && on_stream && match_buffers(r, *m.sbufs, ms_)) {
        // Once per stream position: a match the inspected bytes alone give was raised before.
        hit = true;
        if (!m.old_part.empty()) {
          InspectBuffers old;
          old.set(BufferId::Payload, m.old_part);
          hit = !match_buffers(r, old, ms_);
        }
      }
      if (!hit) continue;
    }
    if (!r.app_checks.empty() && !app_checks_ok(r, m)) continue;
    if (ri.has_flowvars) {
      if (!vars) vars = vars_of(m.f, true);
      vars_apply(ri, vars);
    }
    if (!ri.host_ops.empty()) hosts_apply(ri, m);
    if (r.action == Action::Pass) {
      if (FlowVars* v = vars ? vars : vars_of(m.f, true)) v->pass = true;
      pass_order_ = std::min(pass_order_, ri.order);  // the packet's verdict; later alerts go
      break;  // Suricata: a matching pass rule ends inspection of the packet (and flow)
    }
    if (r.log_tx_disabled && m.kind == Kind::Tx) tx_nolog_ = true;
    n_cap_vars_[0] = n_cap_vars_[1] = n_cap_vars_[2] = 0;  // an earlier rule's, not alerted
    if (ri.captures) keep_captures(m);
    if (r.noalert) {
      if (e.limits().ips && drops(r.action)) alert(ri_idx, m, true);  // drops, silently
      continue;
    }
    alert(ri_idx, m);
  }
  n_cap_vars_[0] = n_cap_vars_[1] = n_cap_vars_[2] = 0;
}

// The pcre captures of the rule that just matched (MatchScratch::captures): flow variables
// stored on the flow, alert and packet variables kept for its alert.
void Detector::keep_captures(const Match& m) noexcept {
  auto str = [](Bytes b) {
    return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
  };
  FlowStrVars* fv = nullptr;
  for (size_t i = 0; i < ms_.n_captures; ++i) {
    const auto& c = ms_.captures[i];
    size_t k = size_t(c.var->kind);
    if (c.var->kind == Pcre::VarKind::Flow) {
      FlowVars* v = vars_of(m.f, true);
      if (!v) continue;
      if (!v->strs) {
        v->strs = m.f->arena->make<FlowStrVars>();
        if (!v->strs) continue;
      }
      fv = v->strs;
      std::string_view name = c.var->name.substr(0, FlowStrVars::kName);
      std::string_view val = str(c.value).substr(0, FlowStrVars::kValue);
      FlowStrVars::Var* slot = nullptr;
      for (uint8_t j = 0; j < fv->n && !slot; ++j)
        if (std::string_view(fv->v[j].name, fv->v[j].nlen) == name) slot = &fv->v[j];
      if (!slot && fv->n < FlowStrVars::kMax) slot = &fv->v[fv->n++];
      if (!slot) continue;
      slot->nlen = uint8_t(name.size());
      std::memcpy(slot->name, name.data(), name.size());
      slot->vlen = uint8_t(val.size());
      std::memcpy(slot->value, val.data(), val.size());
      continue;
    }
    cap_vars_[k][n_cap_vars_[k]++] = {c.var->name, str(c.value)};
  }
  // Every flow variable of the flow (after this match's) goes with the alert.
  if (!fv && m.f)
    if (FlowVars* v = vars_of(m.f, false)) fv = v->strs;
  for (uint8_t j = 0; fv && j < fv->n && n_cap_vars_[1] < cap_vars_[1].size(); ++j)
    cap_vars_[1][n_cap_vars_[1]++] = {std::string_view(fv->v[j].name, fv->v[j].nlen),
                                      std::string_view(fv->v[j].value, fv->v[j].vlen)};
}

void Detector::on_packet(const Packet& p, flow::Flow* f, Direction dir,
                         output::EveWriter* eve) noexcept {
  struct Done {  // the packet named by begin_packet is gone after this call
    Detector* d;
    const Packet* p;
    ~Done() {
      d->flush_alerts(p);  // its alerts (packet, stream and transaction matches)
      d->cur_pkt_ = nullptr;
      d->cur_flow_ = nullptr;
      d->n_events_ = 0;
    }
  } done{this, &p};
  if (!engine_ || engine_->rules().rules.empty()) return;
  if (f && flow_used_) {
    if (FlowVars* v = vars_of(f, false); v && v->pass) return;
  }
  Match m;
  m.p = &p;
  m.f = f;
  m.dir = dir;
  if (f && flow_used_ && engine_->has_pd_only()) {
    if (FlowVars* v = vars_of(f, false); v && (v->pd_pending & (1u << idx(dir)))) {
      m.pd = true;
      v->pd_pending &= uint8_t(~(1u << idx(dir)));
    }
  }
  m.ts = p.ts;
  m.src = p.src;
  m.dst = p.dst;
  bool ports = p.is_tcp() || p.is_udp() || p.ip_proto == ipproto::kSctp;
  m.sp = ports ? p.sport : 0;
  m.dp = ports ? p.dport : 0;
  m.ip_proto = p.ip_proto;
  m.app = f ? engine_->app_of(f->app_proto) : 0;
  m.kind = Kind::Packet;
  m.bufs = &pkt_bufs_;
  m.eve = eve;
  m.pcap_cnt = p.pcap_cnt;
  Bytes payload = p.payload_len ? p.payload() : Bytes{};
  if (f && p.is_tcp()) {
    // Raw stream first: the bytes this packet (or an earlier one) delivered.
    // Suricata inspects such a packet's payload through the stream only (not past the
    // stream depth, not an RST's payload).
    if (f->tcp && payload.size() && !(p.tcp_flags & tcpflag::kRst) && wants_stream() &&
        !(stream::session_flags(*f, dir) & stream::flag::kDepthReached)) {
      m.stream_added = true;
      // Acked delivery: the payload reaches the stream window once the peer ACKs it, and is
      // inspected then (Suricata inspects a packet added to the stream through the stream).
      m.payload_held = stream::session_flags(*f, dir) & stream::flag::kHeld;
    }
    if (flow_used_ && wants_stream()) {
      cur_pkt_ = &p;
      cur_flow_ = f;
      cur_dir_ = dir;
      cur_eve_ = eve;
      // Bytes of the other direction (delivered when this packet's ACK closed a hole) alone;
      // this direction's new bytes with the packet, in one pass.
      inspect_stream(*f, reverse(dir), false);
      Bytes window, old;
      if (take_window(*f, dir, window, old)) {
        stream_bufs_.set(BufferId::Payload, window);
        m.sbufs = &stream_bufs_;
        m.old_part = old;
        m.stream_more = !old.empty() || window.size() != payload.size() || !m.stream_added ||
                        m.payload_held;  // the window holds earlier (acked) bytes, not these
      }
    }
  }
  cur_pkt_ = nullptr;
  cur_flow_ = nullptr;
  pkt_bufs_.set(BufferId::Payload, payload);
  set_header_buffers(p, pkt_bufs_);

  cand_.clear();
  const DetectEngine& e = *engine_;
  if (m.sbufs) stream_candidates(dir, *m.sbufs->get(BufferId::Payload));
  const Prefilter* pf = e.rules().prefilter.get();
  if (pf && hs_ok_ && !payload.empty()) {
    bool ok = pf->scan(BufferId::Payload, dir, payload, hs_, [&](uint32_t r) {
      const auto& ri = e.info(r);
      if (ri.kind == Kind::Packet && ri.has_fp) cand_.push_back(ri.order);
    });
    if (!ok) scan_errors_.inc();
  }
  const auto& g = e.group(DetectEngine::proto_class(p.ip_proto), dir);
  cand_.insert(cand_.end(), g.any.begin(), g.any.end());
  if (!g.by_port.empty()) {
    auto it = g.by_port.find(m.dp);
    if (it != g.by_port.end()) cand_.insert(cand_.end(), it->second.begin(), it->second.end());
  }
  g.by_src.lookup(p.src, cand_);
  g.by_dst.lookup(p.dst, cand_);
  if (cand_.empty()) return;
  run(m);
}

void Detector::on_transaction(flow::Flow& f, const app::ParserSpec& spec, const void* tx,
                              uint64_t tx_id, Direction dir, Timestamp ts,
                              output::EveWriter* eve) noexcept {
  if (!tx_once_) tx_nolog_ = false;  // a new transaction (on_transaction_both clears it)
  if (!engine_ || !spec.buffers) return;
  if (flow_used_) {
    if (FlowVars* v = vars_of(&f, false); v && v->pass) return;
  }
  InspectBuffers bufs;
  spec.buffers(tx, dir, bufs);
  // A rule may mix the packet's payload with the transaction's buffers (content before a
  // sticky buffer on an app-layer rule): the payload of the packet that completed this
  // transaction, when it travelled in the transaction's direction.
  if (cur_pkt_ && cur_flow_ == &f && cur_dir_ == dir && cur_pkt_->payload_len &&
      !bufs.get(BufferId::Payload))
    bufs.set(BufferId::Payload, cur_pkt_->payload());
  on_buffers(f, uint16_t(spec.proto), bufs, dir, ts, eve, &spec, tx, tx_id);
  // Transactional rules (=>): once per transaction, when its to_client side is reported (the
  // transaction then holds both directions).
  const uint16_t app = engine_->app_of(uint16_t(spec.proto));
  if (dir == Direction::ToClient && (!engine_->tx_transactional(app).empty() ||
                                     !engine_->tx_transactional(0).empty())) {
    InspectBuffers ts_bufs, tc_bufs;
    spec.buffers(tx, Direction::ToServer, ts_bufs);
    spec.buffers(tx, Direction::ToClient, tc_bufs);
    on_buffers(f, uint16_t(spec.proto), ts_bufs, Direction::ToServer, ts, eve, &spec, tx, tx_id,
               &tc_bufs);
  }
}

void Detector::on_transaction_both(flow::Flow& f, const app::ParserSpec& spec, const void* tx,
                                   uint64_t tx_id, Timestamp ts,
                                   output::EveWriter* eve) noexcept {
  tx_once_ = true;
  // A transaction inspected in parts (its request first, ParserSpec::inspect_dirs) keeps the
  // rules it alerted on, and a config rule's "do not log" mark, between the parts while no
  // other transaction comes between.
  const bool same_tx = tx_flow_ == &f && tx_last_id_ == tx_id;
  if (!same_tx) n_tx_alerted_ = 0;
  tx_nolog_ = same_tx && tx_nolog_part_;
  tx_flow_ = &f;
  tx_last_id_ = tx_id;
  uint8_t dirs = spec.inspect_dirs ? spec.inspect_dirs(tx) : 3;
  if (dirs & 1) on_transaction(f, spec, tx, tx_id, Direction::ToServer, ts, eve);
  if (dirs & 2) on_transaction(f, spec, tx, tx_id, Direction::ToClient, ts, eve);
  tx_nolog_part_ = tx_nolog_;
  tx_once_ = false;
}

void Detector::on_buffers(flow::Flow& f, uint16_t app_proto, const InspectBuffers& buffers,
                          Direction dir, Timestamp ts, output::EveWriter* eve,
                          const app::ParserSpec* spec, const void* tx, uint64_t tx_id,
                          const InspectBuffers* to_client) noexcept {
  if (!engine_) return;
  struct Flush {  // outside a packet (flow end of a flow without stream): alerts now
    Detector* d;
    ~Flush() {
      if (!d->queue_open_ && d->n_queue_) d->flush_alerts(nullptr);
    }
  } flush{this};
  const DetectEngine& e = *engine_;
  uint16_t app = e.app_of(app_proto);
  if (!app) return;
  Match m;
  m.f = &f;
  m.dir = dir;
  m.ts = ts;
  bool fwd = dir == Direction::ToServer;
  m.src = fwd ? f.src : f.dst;
  m.dst = fwd ? f.dst : f.src;
  bool ports = f.proto == ipproto::kTcp || f.proto == ipproto::kUdp;
  m.sp = ports ? (fwd ? f.sp : f.dp) : 0;
  m.dp = ports ? (fwd ? f.dp : f.sp) : 0;
  m.ip_proto = f.proto;
  m.app = app;
  m.kind = Kind::Tx;
  m.bufs = &buffers;
  m.eve = eve;
  m.spec = spec;
  m.tx = tx;
  m.tx_id = tx_id;
  if (cur_flow_ == &f && cur_pkt_) m.pcap_cnt = cur_pkt_->pcap_cnt;  // the completing packet

  cand_.clear();
  if (to_client) {  // transactional rules on both directions (buffers: the to_server ones)
    m.trans_tc = to_client;
    for (uint16_t a : {app, uint16_t(0)}) {
      auto l = e.tx_transactional(a);
      cand_.insert(cand_.end(), l.begin(), l.end());
    }
    if (!cand_.empty()) run(m);
    return;
  }
  const Prefilter* pf = e.rules().prefilter.get();
  if (pf && hs_ok_) {
    for (BufferId b : e.tx_buffers(app)) {
      // Every instance of a multi-buffer (InspectBuffers::add).
      for (const Bytes* data = buffers.get(b); data; data = buffers.next(b, *data)) {
        if (data->empty()) continue;
        bool ok = pf->scan(b, dir, *data, hs_, [&](uint32_t r) {
          const auto& ri = e.info(r);
          if (ri.kind == Kind::Tx && ri.has_fp && app_matches(ri.app, app))
            cand_.push_back(ri.order);
        });
        if (!ok) scan_errors_.inc();
      }
    }
  }
  for (uint16_t a : {app, uint16_t(0)}) {
    auto l = e.tx_always(a, dir);
    cand_.insert(cand_.end(), l.begin(), l.end());
  }
  if (!cand_.empty()) run(m);

  // App-layer events this packet raised on the flow: event rules see them with this
  // transaction (the alert carries it); the packet pass then skips them.
  bool pending = false;
  for (uint32_t i = 0; i < n_events_ && !pending; ++i)
    pending = events_[i].f == &f && events_[i].kind == EventKind::App && !events_[i].by_tx;
  if (!pending) return;
  cand_.clear();
  for (uint16_t a : {app, uint16_t(0)}) {
    auto l = e.event_rules(a);
    cand_.insert(cand_.end(), l.begin(), l.end());
  }
  if (cand_.empty()) return;
  m.events = true;
  m.alerts = 0;
  run(m);
  if (!m.alerts) return;  // e.g. a to_client event rule waits for the to_client pass
  for (uint32_t i = 0; i < n_events_; ++i)
    if (events_[i].f == &f && events_[i].kind == EventKind::App) events_[i].by_tx = true;
}

}  // namespace ww::detect
