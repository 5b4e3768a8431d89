// flow: the bidirectional flow table of one worker.
//
// Structure:
//  - Open hashing: a power-of-two array of bucket heads (FlowConfig::hash_size rounded up),
//    chained through the flow records. The key is symmetric (FlowKey: addresses and ports
//    ordered), so both directions hash and compare the same; the hash is computed once per
//    packet from the key (a few 64-bit multiplies).
//  - Flow records live in slabs of up to 256 and are recycled through a free list ("spare"
//    flows, flow.spare); a slab is never bigger than what is left of the memcap, so the records
//    allocated never exceed FlowConfig::memcap.
//  - One time-ordered list per timeout class (TCP new / established / closed, UDP, ICMP,
//    other), kept as a lazy LRU: a packet only writes its own record (no list surgery, which
//    would touch three other records' cache lines); expire() looks at list heads only, moves a
//    head seen since it was queued to the tail, stops at the first flow of each list that has
//    neither timed out nor been seen, and does at most FlowConfig::expire_batch ends or moves
//    per call.
//  - Emergency eviction (a new flow would exceed the memcap): ends the least recently seen
//    flows across all lists (reason "forced") until the new flow fits, then keeps going towards
//    memcap * (100 - emergency_recovery)% for at most emergency_batch more flows.
//
// Memory accounting (flow.memuse, memuse()): records in use + bucket array + per-flow arenas.
// The FlowObserver is called exactly once per flow, before its arena is freed and its record
// recycled. The destructor frees everything without notifying: call flush() first.
//
// TCP state is tracked from flags and the sequence numbers of FINs only (no window checks:
// stream/ does sequence tracking). States are named as Suricata's (from the server's point of
// view): a server FIN first gives fin_wait1/fin_wait2 (then closing/time_wait), a client FIN
// first close_wait (then last_ack); both FINs acknowledged or an RST: closed. A SYN (without ACK) on a flow in a
// closed state ends that flow (reason "forced", flow.tcp_reuse) and starts a new one.
//
// Hash: fixed seeds, so flow ids and worker choice are the same on every run. The price is
// that a hash-flooding attacker can aim at one chain; chains stay correct, only slower.
#include "flow/flow.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>
#include <vector>

namespace ww::flow {

namespace {

constexpr uint64_t kK0 = 0x9e3779b97f4a7c15ull;
constexpr uint64_t kK1 = 0xc2b2ae3d27d4eb4full;
constexpr uint64_t kK2 = 0x165667b19e3779f9ull;
constexpr uint64_t kK3 = 0xd6e8feb86659fd93ull;

// 64x64->128 multiply folded to 64 bits: one multiply mixes every input bit into the output.
inline uint64_t fold_mul(uint64_t a, uint64_t b) noexcept {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
inline uint64_t load64(const uint8_t* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline uint64_t key_hash64(const FlowKey& k) noexcept {
  uint64_t a = fold_mul(load64(k.lo.b.data()) ^ kK0, load64(k.lo.b.data() + 8) ^ kK1);
  uint64_t b = fold_mul(load64(k.hi.b.data()) ^ kK2, load64(k.hi.b.data() + 8) ^ kK3);
  uint64_t c = uint64_t(k.lo_port) | uint64_t(k.hi_port) << 16 | uint64_t(k.proto) << 32 |
               uint64_t(k.vlan) << 40;
  return fold_mul(a ^ (c * kK1), b ^ kK0 ^ (c >> 29));
}
inline uint32_t fold32(uint64_t h) noexcept { return uint32_t(h) ^ uint32_t(h >> 32); }

// A total order on addresses (not numeric order: native loads are enough for symmetry).
inline bool addr_less(const IpAddr& a, const IpAddr& b) noexcept {
  uint64_t a0 = load64(a.b.data()), b0 = load64(b.b.data());
  if (a0 != b0) return a0 < b0;
  return load64(a.b.data() + 8) < load64(b.b.data() + 8);
}
inline bool addr_eq(const IpAddr& a, const IpAddr& b) noexcept {
  return load64(a.b.data()) == load64(b.b.data()) &&
         load64(a.b.data() + 8) == load64(b.b.data() + 8);
}

std::atomic<bool> g_vlan_tracking{true};  // vlan.use-for-tracking

inline bool is_echo(const Packet& p) noexcept {
  if (p.ip_proto == ipproto::kIcmp) return p.icmp_type == 8 || p.icmp_type == 0;
  return p.icmp_type == 128 || p.icmp_type == 129;
}

// Builds the key; `from_lo` tells whether p.src is the key's `lo` endpoint.
inline FlowKey key_of(const Packet& p, bool& from_lo) noexcept {
  uint16_t sp = 0, dp = 0;
  switch (p.ip_proto) {
    case ipproto::kTcp:
    case ipproto::kUdp:
    case ipproto::kSctp:
      sp = p.sport;
      dp = p.dport;
      break;
    case ipproto::kIcmp:
    case ipproto::kIcmpv6:
      if (is_echo(p)) {
        sp = dp = p.icmp_id;
      } else {
        sp = p.icmp_type;
        dp = p.icmp_code;
      }
      break;
    default:
      break;
  }
  FlowKey k;
  k.proto = p.ip_proto;
  k.vlan = p.vlan_count && g_vlan_tracking.load(std::memory_order_relaxed) ? p.vlan[0] : 0;
  from_lo = addr_less(p.src, p.dst) || (addr_eq(p.src, p.dst) && sp <= dp);
  if (from_lo) {
    k.lo = p.src;
    k.hi = p.dst;
    k.lo_port = sp;
    k.hi_port = dp;
  } else {
    k.lo = p.dst;
    k.hi = p.src;
    k.lo_port = dp;
    k.hi_port = sp;
  }
  return k;
}

inline bool key_eq(const FlowKey& a, const FlowKey& b) noexcept {
  return addr_eq(a.lo, b.lo) && addr_eq(a.hi, b.hi) && a.lo_port == b.lo_port &&
         a.hi_port == b.hi_port && a.proto == b.proto && a.vlan == b.vlan;
}

// Timeout classes: one time-ordered list each.
enum Class : uint8_t { kTcpNew, kTcpEst, kTcpClosed, kUdp, kIcmp, kOther, kClasses, kNoList };

inline bool tcp_closed_class(TcpState s) noexcept {
  return s == TcpState::Closing || s == TcpState::LastAck || s == TcpState::TimeWait ||
         s == TcpState::Closed;
}

inline Class class_of(const Flow& f) noexcept {
  switch (f.proto) {
    case ipproto::kTcp:
      if (f.tcp_state == TcpState::None || f.tcp_state == TcpState::SynSent ||
          f.tcp_state == TcpState::SynRecv)
        return kTcpNew;
      return tcp_closed_class(f.tcp_state) ? kTcpClosed : kTcpEst;
    case ipproto::kUdp:
      return kUdp;
    case ipproto::kIcmp:
    case ipproto::kIcmpv6:
      return kIcmp;
    default:
      return kOther;
  }
}

inline bool seq_geq(uint32_t a, uint32_t b) noexcept { return int32_t(a - b) >= 0; }

}  // namespace

void set_vlan_tracking(bool on) noexcept {
  g_vlan_tracking.store(on, std::memory_order_relaxed);
}

FlowKey make_key(const Packet& p) noexcept {
  bool from_lo;
  return key_of(p, from_lo);
}

uint32_t symmetric_hash(const Packet& p) noexcept {
  bool from_lo;
  return fold32(key_hash64(key_of(p, from_lo)));
}

uint32_t host_pair_hash(const Packet& p) noexcept {
  bool from_lo;
  FlowKey k = key_of(p, from_lo);
  k.lo_port = k.hi_port = 0;
  k.proto = 0;
  return fold32(key_hash64(k));
}

const char* tcp_state_name(TcpState s) {
  switch (s) {
    case TcpState::None: return "none";
    case TcpState::SynSent: return "syn_sent";
    case TcpState::SynRecv: return "syn_recv";
    case TcpState::Established: return "established";
    case TcpState::FinWait1: return "fin_wait1";
    case TcpState::FinWait2: return "fin_wait2";
    case TcpState::CloseWait: return "close_wait";
    case TcpState::Closing: return "closing";
    case TcpState::LastAck: return "last_ack";
    case TcpState::TimeWait: return "time_wait";
    case TcpState::Closed: return "closed";
  }
  return "none";
}

const char* end_reason_name(EndReason r) {
  switch (r) {
    case EndReason::Timeout: return "timeout";
    case EndReason::Forced: return "forced";
    case EndReason::Shutdown: return "shutdown";
  }
  return "timeout";
}

const char* flow_state_name(const Flow& f) noexcept {
  if (f.proto == ipproto::kTcp) {
    switch (class_of(f)) {
      case kTcpNew: return "new";
      case kTcpClosed: return "closed";
      default: return "established";
    }
  }
  return f.pkts[1] ? "established" : "new";
}

namespace {
// The TCP state the FINs seen so far give (f.fin_seen != 0), named as Suricata names its
// session states: from the server's side (a client FIN first is close_wait, a server FIN
// first fin_wait1).
TcpState fin_state(const Flow& f) noexcept {
  constexpr uint8_t kCli = 1, kSrv = 2;
  const uint8_t seen = f.fin_seen, acked = f.fin_acked;
  if (seen == (kCli | kSrv)) {
    if (acked == (kCli | kSrv)) return TcpState::Closed;
    if (f.first_fin == 2) return (acked & kSrv) ? TcpState::TimeWait : TcpState::Closing;
    return TcpState::LastAck;
  }
  if (seen == kSrv) return (acked & kSrv) ? TcpState::FinWait2 : TcpState::FinWait1;
  return TcpState::CloseWait;
}
}  // namespace

void swap_sides(Flow& f) noexcept {
  std::swap(f.src, f.dst);
  std::swap(f.sp, f.dp);
  std::swap(f.pkts[0], f.pkts[1]);
  std::swap(f.bytes[0], f.bytes[1]);
  std::swap(f.tcp_flags[0], f.tcp_flags[1]);
  std::swap(f.icmp_type[0], f.icmp_type[1]);
  std::swap(f.icmp_code[0], f.icmp_code[1]);
  std::swap(f.app_proto_ts, f.app_proto_tc);
  f.client_is_lo = !f.client_is_lo;
  auto flip_bits = [](uint8_t b) { return uint8_t((b & 1) << 1 | (b & 2) >> 1); };
  f.fin_seen = flip_bits(f.fin_seen);
  f.fin_acked = flip_bits(f.fin_acked);
  if (f.first_fin) f.first_fin = uint8_t(3 - f.first_fin);
  std::swap(f.fin_ack[0], f.fin_ack[1]);
  if (f.proto == ipproto::kTcp && f.fin_seen && f.tcp_state != TcpState::Closed)
    f.tcp_state = fin_state(f);
  // Per-direction state of the later stages (stream, detection) is swapped by the worker
  // once the packet being processed is done with it.
  f.swap_pending = true;
}

// A flow record as the table keeps it. Deriving from Flow lets Flow* go back to Node*.
struct FlowRecord : Flow {
  FlowKey key;
  uint32_t hash = 0;
  FlowRecord* hnext = nullptr;   // bucket chain
  FlowRecord* prev = nullptr;    // class list (or free list via next)
  FlowRecord* next = nullptr;
  uint8_t list = kNoList;
  int64_t queued = 0;            // `last` when queued on its list (lazy LRU, see touch())
  Arena arena_storage;
};

struct FlowTable::Impl {
  Impl(StatsBlock& stats, const FlowConfig& c, FlowObserver& obs)
      : cfg(c),
        observer(obs),
        budget(stats, c.arena_memcap),
        c_total(stats.counter("flow.total")),
        c_tcp(stats.counter("flow.tcp")),
        c_udp(stats.counter("flow.udp")),
        c_icmp4(stats.counter("flow.icmpv4")),
        c_icmp6(stats.counter("flow.icmpv6")),
        c_active(stats.counter("flow.active")),
        c_memuse(stats.counter("flow.memuse")),
        c_memcap_drop(stats.counter("flow.memcap_drop")),
        c_emerg(stats.counter("flow.emerg_evictions")),
        c_timeouts(stats.counter("flow.timeouts")),
        c_spare(stats.counter("flow.spare")),
        c_reuse(stats.counter("flow.tcp_reuse")),
        c_shutdown(stats.counter("flow.shutdown")),
        c_new_pruned(stats.counter("flow_mgr.new_pruned")),
        c_est_pruned(stats.counter("flow_mgr.est_pruned")),
        c_closed_pruned(stats.counter("flow_mgr.closed_pruned")),
        c_other_pruned(stats.counter("flow_mgr.other_pruned")),
        c_backlog(stats.counter("flow_mgr.expire_batch_full")) {
    uint32_t n = 1;
    while (n < cfg.hash_size && n < (1u << 31)) n <<= 1;
    mask = n - 1;
    buckets.assign(n, nullptr);
    bucket_bytes = size_t(n) * sizeof(FlowRecord*);
    timeout[kTcpNew] = cfg.timeout_new;
    timeout[kTcpEst] = cfg.timeout_established;
    timeout[kTcpClosed] = cfg.timeout_closed;
    timeout[kUdp] = cfg.timeout_udp;
    timeout[kIcmp] = cfg.timeout_icmp;
    timeout[kOther] = cfg.timeout_other;
    update_gauges();
  }

  FlowConfig cfg;
  FlowObserver& observer;
  // Declared before the slabs: records' arenas release into it when the slabs are destroyed.
  ArenaBudget budget;
  std::vector<FlowRecord*> buckets;
  uint32_t mask = 0;
  size_t bucket_bytes = 0;
  std::vector<std::unique_ptr<FlowRecord[]>> slabs;
  size_t allocated = 0;  // records in all slabs
  size_t in_use = 0;
  FlowRecord* free_list = nullptr;
  size_t free_count = 0;
  FlowRecord* head[kClasses] = {};
  FlowRecord* tail[kClasses] = {};
  int64_t timeout[kClasses] = {};
  Timestamp now_{};  // latest packet or tick time seen

  Counter &c_total, &c_tcp, &c_udp, &c_icmp4, &c_icmp6, &c_active, &c_memuse, &c_memcap_drop,
      &c_emerg, &c_timeouts, &c_spare, &c_reuse, &c_shutdown, &c_new_pruned, &c_est_pruned,
      &c_closed_pruned, &c_other_pruned, &c_backlog;

  size_t memuse() const noexcept {
    return bucket_bytes + in_use * sizeof(FlowRecord) + budget.used();
  }
  void update_gauges() noexcept {
    c_active.set(in_use);
    c_memuse.set(memuse());
    c_spare.set(free_count);
  }

  // --- lists ---
  void list_unlink(FlowRecord* n) noexcept {
    if (n->list == kNoList) return;
    auto c = n->list;
    (n->prev ? n->prev->next : head[c]) = n->next;
    (n->next ? n->next->prev : tail[c]) = n->prev;
    n->prev = n->next = nullptr;
    n->list = kNoList;
  }
  void list_push_tail(FlowRecord* n, uint8_t c) noexcept {
    n->list = c;
    n->queued = n->last.usec;
    n->next = nullptr;
    n->prev = tail[c];
    (tail[c] ? tail[c]->next : head[c]) = n;
    tail[c] = n;
  }
  // Lazy LRU: a packet only moves its flow when the timeout class changes (a few times per
  // TCP flow). Otherwise it just updates `last`; expire() and emergency eviction move a head
  // that was seen since it was queued (last > queued) to the tail when they meet it. Each list
  // stays ordered by `queued`, and last >= queued, so a head that is neither expired nor
  // requeue-able proves that no flow behind it has expired.
  void touch(FlowRecord* n) noexcept {
    uint8_t c = class_of(*n);
    if (n->list == c) return;
    list_unlink(n);
    list_push_tail(n, c);
  }
  // Moves a head seen since it was queued to the tail; true if it did.
  bool requeue_head(uint8_t c) noexcept {
    FlowRecord* n = head[c];
    if (!n || n->last.usec <= n->queued || n == tail[c]) return false;
    list_unlink(n);
    list_push_tail(n, c);
    return true;
  }

  // --- hash ---
  FlowRecord* find(const FlowKey& k, uint32_t h) const noexcept {
    for (FlowRecord* n = buckets[h & mask]; n; n = n->hnext)
      if (n->hash == h && key_eq(n->key, k)) return n;
    return nullptr;
  }
  void hash_unlink(FlowRecord* n) noexcept {
    FlowRecord** pp = &buckets[n->hash & mask];
    while (*pp && *pp != n) pp = &(*pp)->hnext;
    if (*pp) *pp = n->hnext;
    n->hnext = nullptr;
  }

  // --- records ---
  FlowRecord* alloc_record() noexcept {
    if (!free_list) {
      // A slab never takes more than what is left of the memcap (at least one record).
      size_t used = bucket_bytes + allocated * sizeof(FlowRecord) + budget.used();
      size_t room = cfg.memcap > used ? (cfg.memcap - used) / sizeof(FlowRecord) : 0;
      size_t count = std::clamp<size_t>(room, 1, 256);
      FlowRecord* slab = new (std::nothrow) FlowRecord[count];
      if (!slab) return nullptr;
      slabs.emplace_back(slab);
      allocated += count;
      for (size_t i = count; i-- > 0;) {
        slab[i].next = free_list;
        free_list = &slab[i];
      }
      free_count += count;
    }
    FlowRecord* n = free_list;
    free_list = n->next;
    n->next = nullptr;
    --free_count;
    ++in_use;
    return n;
  }
  void free_record(FlowRecord* n) noexcept {
    n->arena_storage.reset();
    n->next = free_list;
    free_list = n;
    ++free_count;
    --in_use;
  }

  // The least recently seen flow (heads fixed up lazily, a bounded number of moves).
  FlowRecord* oldest() noexcept {
    for (int moves = 0;;) {
      FlowRecord* best = nullptr;
      for (int c = 0; c < kClasses; ++c)
        if (head[c] && (!best || head[c]->queued < best->queued)) best = head[c];
      if (!best || moves++ >= 64 || !requeue_head(best->list)) return best;
    }
  }

  void end_flow(FlowRecord* n, EndReason why) noexcept {
    n->reason = why;
    list_unlink(n);
    hash_unlink(n);
    observer.on_flow_end(*n);
    free_record(n);
  }

  bool ensure_room(size_t need) noexcept {
    if (memuse() + need <= cfg.memcap) return true;
    size_t target = size_t(double(cfg.memcap) * double(100 - cfg.emergency_recovery) / 100.0);
    uint32_t extra = 0;
    while (memuse() + need > cfg.memcap ||
           (memuse() + need > target && extra++ < cfg.emergency_batch)) {
      FlowRecord* victim = oldest();
      if (!victim) break;
      end_flow(victim, EndReason::Forced);
      c_emerg.inc();
    }
    return memuse() + need <= cfg.memcap;
  }

  FlowRecord* create(const Packet& p, const FlowKey& k, uint32_t h, uint64_t h64,
                     bool from_lo) noexcept {
    if (!ensure_room(sizeof(FlowRecord))) {
      c_memcap_drop.inc();
      return nullptr;
    }
    FlowRecord* n = alloc_record();
    if (!n) {
      c_memcap_drop.inc();
      return nullptr;
    }
    static_cast<Flow&>(*n) = Flow{};
    n->key = k;
    n->hash = h;
    n->hnext = buckets[h & mask];
    buckets[h & mask] = n;
    n->arena_storage.bind(&budget, cfg.arena_flow_cap);
    n->arena = &n->arena_storage;

    // Roles: a SYN-ACK seen first comes from the server.
    bool swap = p.ip_proto == ipproto::kTcp &&
                (p.tcp_flags & (tcpflag::kSyn | tcpflag::kAck)) ==
                    (tcpflag::kSyn | tcpflag::kAck);
    n->client_is_lo = swap ? !from_lo : from_lo;
    n->src = swap ? p.dst : p.src;
    n->dst = swap ? p.src : p.dst;
    uint16_t psp = from_lo ? k.lo_port : k.hi_port;  // key ports (ICMP: id or type/code)
    uint16_t pdp = from_lo ? k.hi_port : k.lo_port;
    n->sp = swap ? pdp : psp;
    n->dp = swap ? psp : pdp;
    n->proto = p.ip_proto;
    n->vlan[0] = p.vlan[0];
    n->vlan[1] = p.vlan[1];
    n->vlan_count = p.vlan_count;
    n->start = n->last = p.ts;
    uint64_t id = fold_mul(h64 ^ kK3, uint64_t(p.ts.usec) ^ kK1) & ((uint64_t(1) << 51) - 1);
    n->flow_id = id ? id : 1;

    c_total.inc();
    switch (p.ip_proto) {
      case ipproto::kTcp: c_tcp.inc(); break;
      case ipproto::kUdp: c_udp.inc(); break;
      case ipproto::kIcmp: c_icmp4.inc(); break;
      case ipproto::kIcmpv6: c_icmp6.inc(); break;
      default: break;
    }
    return n;
  }

  void update_tcp(FlowRecord* n, const Packet& p, Direction dir) noexcept {
    const uint8_t fl = p.tcp_flags;
    const int d = idx(dir), o = 1 - d;
    if (fl & tcpflag::kRst) {
      n->tcp_state = TcpState::Closed;
      return;
    }
    switch (n->tcp_state) {
      case TcpState::None:
        if (fl & tcpflag::kSyn)
          n->tcp_state = (fl & tcpflag::kAck) ? TcpState::SynRecv : TcpState::SynSent;
        else
          n->tcp_state = TcpState::Established;  // midstream pickup
        break;
      case TcpState::SynSent:
        if ((fl & tcpflag::kSyn) && (fl & tcpflag::kAck) && dir == Direction::ToClient)
          n->tcp_state = TcpState::SynRecv;
        else if (!(fl & tcpflag::kSyn) && (fl & tcpflag::kAck))
          n->tcp_state = TcpState::Established;  // the SYN-ACK was not captured
        break;
      case TcpState::SynRecv:
        if (!(fl & tcpflag::kSyn) && (fl & tcpflag::kAck) && dir == Direction::ToServer)
          n->tcp_state = TcpState::Established;
        break;
      default:
        break;
    }
    if (n->tcp_state == TcpState::SynSent || n->tcp_state == TcpState::SynRecv) {
      if (!(fl & tcpflag::kFin)) return;
      n->tcp_state = TcpState::Established;  // FIN during the handshake: it is over
    }
    if (n->tcp_state == TcpState::Closed) return;
    // Established or later: FINs and the ACKs that cover them.
    if ((fl & tcpflag::kFin) && !(n->fin_seen & (1u << d))) {
      n->fin_seen |= uint8_t(1u << d);
      n->fin_ack[d] = p.tcp_seq + p.payload_len + ((fl & tcpflag::kSyn) ? 1 : 0) + 1;
      if (!n->first_fin) n->first_fin = uint8_t(d + 1);
    }
    if ((fl & tcpflag::kAck) && (n->fin_seen & (1u << o)) && seq_geq(p.tcp_ack, n->fin_ack[o]))
      n->fin_acked |= uint8_t(1u << o);
    if (n->fin_seen) n->tcp_state = fin_state(*n);
  }

  Flow* process(const Packet& p, Direction& dir) noexcept {
    if (!p.has_ip()) return nullptr;
    bool from_lo;
    FlowKey k = key_of(p, from_lo);
    uint64_t h64 = key_hash64(k);
    uint32_t h = fold32(h64);
    FlowRecord* n = find(k, h);
    if (n && n->proto == ipproto::kTcp && tcp_closed_class(n->tcp_state) &&
        (p.tcp_flags & (tcpflag::kSyn | tcpflag::kAck | tcpflag::kRst)) == tcpflag::kSyn) {
      // Port reuse: a new connection on the same 4-tuple after the old one closed.
      c_reuse.inc();
      end_flow(n, EndReason::Forced);
      n = nullptr;
    }
    if (n && p.ts.usec - n->last.usec >= timeout[class_of(*n)]) {
      // Idle past its timeout but not yet expired (expiry is incremental): the packet starts a
      // new flow. Deciding here, on packet time, keeps flows the same whatever the number of
      // workers and however often expire() ran.
      end_flow(n, EndReason::Timeout);
      c_timeouts.inc();
      n = nullptr;
    }
    if (now_ < p.ts) now_ = p.ts;
    if (!n) {
      n = create(p, k, h, h64, from_lo);
      update_gauges();
      if (!n) return nullptr;
    }
    dir = (from_lo == n->client_is_lo) ? Direction::ToServer : Direction::ToClient;
    const int d = idx(dir);
    if (n->pkts[d] == 0 && n->proto != ipproto::kTcp && n->proto != ipproto::kUdp) {
      n->icmp_type[d] = p.icmp_type;
      n->icmp_code[d] = p.icmp_code;
    }
    ++n->pkts[d];
    n->bytes[d] += p.wirelen;
    if (n->last < p.ts) n->last = p.ts;
    if (n->proto == ipproto::kTcp) {
      n->tcp_flags[d] |= p.tcp_flags;
      update_tcp(n, p, dir);
    }
    touch(n);
    return n;
  }

  void expire(Timestamp now) noexcept {
    if (now_ < now) now_ = now;
    uint32_t budget_left = cfg.expire_batch;
    for (int c = 0; c < kClasses; ++c) {
      while (FlowRecord* n = head[c]) {
        if (now.usec - n->last.usec < timeout[c]) {
          if (budget_left == 0 || !requeue_head(uint8_t(c))) break;
          --budget_left;  // a lazy move counts as work
          continue;
        }
        if (budget_left == 0) {
          c_backlog.inc();
          update_gauges();
          return;
        }
        --budget_left;
        end_flow(n, EndReason::Timeout);
        c_timeouts.inc();
        switch (c) {
          case kTcpNew: c_new_pruned.inc(); break;
          case kTcpEst: c_est_pruned.inc(); break;
          case kTcpClosed: c_closed_pruned.inc(); break;
          default: c_other_pruned.inc(); break;
        }
      }
    }
    update_gauges();
  }

  // Flows already idle past their timeout at the latest time seen end as "timeout", the
  // others as "shutdown": the same answer whatever expire()'s progress was.
  void flush() noexcept {
    for (int c = 0; c < kClasses; ++c) {
      while (FlowRecord* n = head[c]) {
        if (now_.usec - n->last.usec >= timeout[class_of(*n)]) {
          end_flow(n, EndReason::Timeout);
          c_timeouts.inc();
        } else {
          end_flow(n, EndReason::Shutdown);
          c_shutdown.inc();
        }
      }
    }
    update_gauges();
  }
};

FlowTable::FlowTable(StatsBlock& stats, const FlowConfig& cfg, FlowObserver& observer)
    : impl_(std::make_unique<Impl>(stats, cfg, observer)) {}
FlowTable::~FlowTable() = default;

Flow* FlowTable::process(const Packet& p, Direction& dir) noexcept { return impl_->process(p, dir); }
void FlowTable::expire(Timestamp now) noexcept { impl_->expire(now); }
void FlowTable::flush() noexcept { impl_->flush(); }
size_t FlowTable::active() const noexcept { return impl_->in_use; }
size_t FlowTable::memuse() const noexcept { return impl_->memuse(); }
size_t FlowTable::spare() const noexcept { return impl_->free_count; }
ArenaBudget& FlowTable::arena_budget() noexcept { return impl_->budget; }

}  // namespace ww::flow
