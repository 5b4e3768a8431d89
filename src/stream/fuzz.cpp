// libFuzzer driver for FlowTable + Reassembler: the input is a sequence of synthetic TCP
// segments of one connection (both directions), checked against the stream invariants.
//
// Input layout:
//   header (10 bytes): cfg bits, client ISN (u32be), server ISN (u32be), depth/limit byte
//     cfg bits: 1 midstream, 2 retain segments, 4 small memcap, 8 consistent payload (the byte
//               at sequence s is always pattern(s): then no overlap may differ)
//   records, each 6 bytes + payload:
//     [0] bit 7 direction (1 = to client), bit 6 advance time (expire flows), bits 0-5 TCP
//         flags FIN SYN RST PSH ACK URG
//     [1..2] seq delta (int16be) from the direction's cursor (cursor advances by each payload)
//     [3..4] ack delta (int16be) from the other direction's cursor
//     [5] payload length; payload bytes follow (consistent mode: generated)
// Invariants checked (abort on violation): per direction, on_data/on_gap offsets are
// contiguous from 0; nothing after on_close; on_close once; both directions closed when the
// flow ends; the depth is never exceeded; the reassembler holds no memory after flush.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include "core/byte_reader.h"
#include "core/packet.h"
#include "flow/flow.h"
#include "stream/stream.h"

namespace {

using namespace ww;

#define FUZZ_CHECK(c)                                                        \
  do {                                                                       \
    if (!(c)) {                                                              \
      std::fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); \
      std::abort();                                                          \
    }                                                                        \
  } while (0)

inline uint8_t pattern(uint32_t seq) { return uint8_t((seq * 2654435761u) >> 24); }

struct DirCheck {
  uint64_t expected = 0;
  bool closed = false;
  bool reopened = false;
};

struct CheckingSink : stream::StreamSink {
  std::map<const flow::Flow*, DirCheck[2]> state;
  uint64_t depth = 0;
  void on_data(flow::Flow& f, Direction d, Bytes b, uint64_t off) noexcept override {
    DirCheck* both = state[&f];
    DirCheck& c = both[idx(d)];
    if (c.closed) {
      // The one exception (stream.cpp, suspected_rst_inject): a session an RST closed before
      // any byte was delivered in either direction resumes, once.
      FUZZ_CHECK(!c.reopened && both[0].expected == 0 && both[1].expected == 0);
      for (int i = 0; i < 2; ++i) {
        both[i].closed = false;
        both[i].reopened = true;
      }
    }
    FUZZ_CHECK(!b.empty());
    FUZZ_CHECK(off == c.expected);
    c.expected += b.size();
    if (depth) FUZZ_CHECK(c.expected <= depth);
  }
  void on_gap(flow::Flow& f, Direction d, uint64_t len) noexcept override {
    DirCheck& c = state[&f][idx(d)];
    FUZZ_CHECK(!c.closed);
    FUZZ_CHECK(len > 0);
    c.expected += len;
  }
  void on_close(flow::Flow& f, Direction d) noexcept override {
    DirCheck& c = state[&f][idx(d)];
    FUZZ_CHECK(!c.closed);
    c.closed = true;
  }
};

struct Observer : flow::FlowObserver {
  stream::Reassembler* re = nullptr;
  CheckingSink* sink = nullptr;
  void on_flow_end(flow::Flow& f) noexcept override {
    re->release(f, *sink);
    FUZZ_CHECK(f.tcp == nullptr);
    auto it = sink->state.find(&f);
    if (it != sink->state.end()) {
      FUZZ_CHECK(it->second[0].closed && it->second[1].closed);
      sink->state.erase(it);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader r(data, size);
  uint8_t bits = r.u8();
  uint32_t isn[2] = {r.u32be(), r.u32be()};
  uint8_t lim = r.u8();
  if (!r.ok()) return 0;

  StatsBlock stats;
  flow::FlowConfig fcfg;
  fcfg.hash_size = 64;
  fcfg.memcap = 1 << 20;
  stream::StreamConfig scfg;
  scfg.midstream = bits & 1;
  scfg.retain_segments_per_dir = (bits & 2) ? 4 : 0;
  scfg.memcap = (bits & 4) ? 6 * 2048 : (8u << 20);
  scfg.retain_memcap = 4 * 2048;
  scfg.depth = (lim & 0x0f) ? (lim & 0x0f) * 97u : 0;
  scfg.max_segments_per_dir = (lim >> 4) + 1;
  scfg.max_ooo_distance = 1u << 16;
  const bool consistent = bits & 8;
  scfg.deliver_on_ack = bits & 16;  // acked delivery: held bytes, AckMarks, flushes
  scfg.max_unacked = (lim & 0x30) ? 4096 : (1u << 20);

  CheckingSink sink;
  sink.depth = scfg.depth;
  stream::Reassembler re(stats, scfg);
  Observer obs;
  obs.re = &re;
  obs.sink = &sink;
  flow::FlowTable table(stats, fcfg, obs);

  uint32_t cursor[2] = {0, 0};
  int64_t now = 1'000'000;
  std::vector<uint8_t> buf;
  const IpAddr cli = IpAddr::v4(0x0a000001), srv = IpAddr::v4(0x0a000002);
  while (r.has(6)) {
    uint8_t b0 = r.u8();
    auto sd = int16_t(r.u16be());
    auto ad = int16_t(r.u16be());
    uint8_t len = r.u8();
    int d = b0 >> 7;
    if (b0 & 0x40) {
      now += 400'000'000;  // past every timeout
      table.expire(Timestamp{now});
    }
    now += 1;
    uint32_t seq = isn[d] + cursor[d] + uint32_t(int32_t(sd));
    uint32_t ack = isn[1 - d] + cursor[1 - d] + uint32_t(int32_t(ad));
    buf.resize(len);
    if (consistent) {
      uint32_t first = seq + ((b0 & tcpflag::kSyn) ? 1 : 0);
      for (uint32_t i = 0; i < len; ++i) buf[i] = pattern(first + i);
    } else {
      Bytes pl = r.bytes(std::min<size_t>(len, r.remaining()));
      std::copy(pl.begin(), pl.end(), buf.begin());
      std::fill(buf.begin() + pl.size(), buf.end(), 0x5a);
    }
    cursor[d] += len;

    Packet p;
    p.ts = Timestamp{now};
    p.ip_version = 4;
    p.ip_proto = ipproto::kTcp;
    p.src = d ? srv : cli;
    p.dst = d ? cli : srv;
    p.sport = d ? 80 : 40000;
    p.dport = d ? 40000 : 80;
    p.l4_hdr_len = 20;
    p.tcp_flags = b0 & 0x3f;
    p.tcp_seq = seq;
    p.tcp_ack = ack;
    p.data = buf.data();
    p.payload_len = len;
    p.caplen = len;
    p.wirelen = 54u + len;
    Direction dir;
    flow::Flow* f = table.process(p, dir);
    if (!f) continue;
    re.process(*f, p, dir, sink);
  }
  table.flush();
  FUZZ_CHECK(table.active() == 0);
  FUZZ_CHECK(re.memuse() == 0);
  FUZZ_CHECK(sink.state.empty());
  if (consistent) FUZZ_CHECK(stats.value("stream.overlap_diff") == 0);
  return 0;
}
