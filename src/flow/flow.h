// flow: the bidirectional flow table of one worker.
//
// Invariants:
//  - A flow is owned by exactly one worker (the dispatcher hashes the symmetric 5-tuple), so
//    the table takes no locks.
//  - Memory is capped: FlowConfig::memcap bounds the flows plus their per-flow arenas; when a
//    new flow would not fit, emergency eviction ends the least recently seen flows first
//    (flow.emerg_evictions) and, if that cannot free room, the packet is not tracked
//    (flow.memcap_drop).
//  - Every flow that ends (timeout, TCP close, eviction, shutdown) is reported once to the
//    FlowObserver before its memory is released.
#pragma once

#include <cstdint>
#include <memory>

#include "core/packet.h"
#include "core/stats.h"
#include "core/types.h"
#include "flow/arena.h"

namespace ww::stream {
struct TcpSession;
}
namespace ww::app {
struct AppState;
}

namespace ww::flow {

// The symmetric key: the same for both directions of a flow.
// Ports: TCP/UDP/SCTP ports; ICMP echo request/reply (v4 8/0, v6 128/129): both "ports" are the
// echo identifier (so a ping and its reply are one flow, as Suricata keys them); other ICMP
// messages: the sender's "port" is the type and the receiver's the code (one flow per
// type/code and address pair); other protocols: 0.
struct FlowKey {
  IpAddr lo, hi;          // addresses ordered so lo <= hi
  uint16_t lo_port = 0;   // port of `lo`
  uint16_t hi_port = 0;   // port of `hi`
  uint8_t proto = 0;
  uint16_t vlan = 0;      // outer VLAN id (flows on different VLANs are different flows)
  bool operator==(const FlowKey&) const = default;
};
// vlan.use-for-tracking (Suricata's key, default yes): no: the VLAN id is left out of the key
// and the hashes (a flow whose directions are tagged differently, e.g. only one of them, is
// one flow). Process-wide, set at start-up before any packet (capture/worker.cpp).
void set_vlan_tracking(bool on) noexcept;
FlowKey make_key(const Packet& p) noexcept;
// The symmetric hash the dispatcher and the table use: hash(a->b) == hash(b->a).
uint32_t symmetric_hash(const Packet& p) noexcept;
// Symmetric hash of the address pair (and outer VLAN) only, ports and protocol left out: the
// offline dispatcher picks a flow's worker with it, so every connection between the same two
// hosts meets on one worker, in capture order (an FTP data connection after the control
// connection's PASV/PORT; the same choice as PF_RING's 2-tuple clustering for Zeek).
uint32_t host_pair_hash(const Packet& p) noexcept;

enum class TcpState : uint8_t { None, SynSent, SynRecv, Established, FinWait1, FinWait2,
                                CloseWait, Closing, LastAck, TimeWait, Closed };
// Suricata's EVE tcp.state names: "none", "syn_sent", "syn_recv", "established", "fin_wait1",
// "fin_wait2", "close_wait", "closing", "last_ack", "time_wait", "closed".
const char* tcp_state_name(TcpState s);

enum class EndReason : uint8_t { Timeout, Forced, Shutdown };  // EVE flow.reason
const char* end_reason_name(EndReason r);  // "timeout", "forced", "shutdown"

struct Flow {
  uint64_t flow_id = 0;          // Suricata-style: non-zero, unique per run
  // As seen in the first packet: src is the initiator (client) unless the first packet was a
  // SYN-ACK (then the roles are swapped so src stays the client).
  IpAddr src, dst;
  uint16_t sp = 0, dp = 0;
  uint8_t proto = 0;
  uint16_t vlan[2] = {0, 0};
  uint8_t vlan_count = 0;
  Timestamp start, last;
  uint64_t pkts[2] = {0, 0};     // [ToServer], [ToClient]
  uint64_t bytes[2] = {0, 0};    // wire bytes
  uint8_t tcp_flags[2] = {0, 0}; // OR of flags seen per direction
  TcpState tcp_state = TcpState::None;
  EndReason reason = EndReason::Timeout;
  bool alerted = false;
  uint16_t app_proto = 0;        // app::Proto value; 0 = unknown
  uint16_t app_proto_ts = 0, app_proto_tc = 0;
  // After a protocol change (STARTTLS, CONNECT): the protocol before it, and the one expected
  // (cleared once detection found it). EVE flow: app_proto_orig, app_proto_expected.
  uint16_t app_proto_orig = 0, app_proto_expected = 0;
  // Per-flow state owned by later stages; freed by their release hooks at flow end.
  stream::TcpSession* tcp = nullptr;
  app::AppState* app = nullptr;
  // Per-flow bump allocator for later stages (see arena.h). Always set for flows of a
  // FlowTable (its blocks are allocated on first use and freed when the flow ends); null for
  // Flows built by hand in tests.
  Arena* arena = nullptr;
  uint8_t icmp_type[2] = {0, 0};  // first ICMP type/code seen per direction (EVE icmp_type,
  uint8_t icmp_code[2] = {0, 0};  // response_icmp_type ...)
  // Which endpoint of the flow key is the client (the table's direction test), and the TCP
  // close tracking per direction ([ToServer], [ToClient]; bit 1 << direction index): kept in
  // the Flow so that swap_sides() can turn them around with the rest.
  bool client_is_lo = true;
  uint8_t fin_seen = 0;          // a FIN was seen
  uint8_t fin_acked = 0;         // the other side acked that FIN
  uint8_t first_fin = 0;         // direction index + 1 of the first FIN, 0 = none
  uint32_t fin_ack[2] = {0, 0};  // ack value that covers the FIN of each direction
  // Set by swap_sides(): the worker still has to turn around the per-direction state of the
  // later stages (stream session, detection) once the current packet is through them.
  bool swap_pending = false;

  Direction direction_of(const Packet& p) const noexcept {
    return (p.src == src && p.sport == sp) ? Direction::ToServer : Direction::ToClient;
  }
  Timestamp age_base() const noexcept { return start; }
};

// Reverses the flow's roles: the side taken for the client is the server (a midstream pickup
// whose first data was the server's; app-layer detection tells, as Suricata's "reverse flow").
// Swaps src/dst, the ports and every per-direction field, flips which side later packets of
// the table count as to_server, and sets swap_pending (see above).
void swap_sides(Flow& f) noexcept;

// Suricata's EVE flow.state: "new" (no handshake/reply yet), "established", "closed".
const char* flow_state_name(const Flow& f) noexcept;

struct FlowConfig {
  size_t memcap = 128u << 20;          // bytes: flow records + hash slots + their arenas
  uint32_t hash_size = 65536;          // buckets
  int64_t timeout_new = 30'000'000;          // usec: TCP before the handshake completes
  int64_t timeout_established = 300'000'000; // TCP established
  int64_t timeout_closed = 10'000'000;       // TCP after FIN/RST
  int64_t timeout_udp = 120'000'000;         // UDP (Suricata: 30s new / 300s est: see docs)
  int64_t timeout_icmp = 30'000'000;
  int64_t timeout_other = 60'000'000;
  int64_t emergency_recovery = 30;           // percent of memcap freed in an emergency
  uint32_t emergency_batch = 256;            // most flows ended by one emergency beyond need
  uint32_t expire_batch = 64;                // most flows ended by one expire() call
  size_t arena_memcap = 64u << 20;           // bytes: all per-flow arenas of this table
  size_t arena_flow_cap = 256u << 10;        // bytes: one flow's arena
};

// Notified once for each flow that ends, before its memory is released.
class FlowObserver {
 public:
  virtual ~FlowObserver() = default;
  virtual void on_flow_end(Flow& f) noexcept = 0;
};

class FlowTable {
 public:
  FlowTable(StatsBlock& stats, const FlowConfig& cfg, FlowObserver& observer);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Finds or creates the flow of `p` (an IP packet), updates its counters, flags and TCP
  // state, and sets `dir`. Returns nullptr when the flow cannot be tracked (memcap).
  Flow* process(const Packet& p, Direction& dir) noexcept;
  // Ends flows idle past their timeout as of `now` (packet time). Cheap to call per packet:
  // it walks a bounded slice of the table each call.
  void expire(Timestamp now) noexcept;
  // Ends every flow (shutdown): reason Shutdown.
  void flush() noexcept;

  size_t active() const noexcept;
  // Bytes: flow records in use + hash buckets + per-flow arenas.
  size_t memuse() const noexcept;
  size_t spare() const noexcept;  // flow records allocated and free for reuse
  ArenaBudget& arena_budget() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ww::flow
