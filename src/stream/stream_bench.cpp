// Stream reassembly micro-benchmarks: in-order delivery (the common case: zero copy to the
// sink, a copy into the retained window), with and without retention, and out-of-order pairs.
#include <benchmark/benchmark.h>

#include <vector>

#include "flow/flow.h"
#include "flow/test_packets.h"
#include "stream/stream.h"

namespace {

using namespace ww;
using flow::testing::make_tcp;

struct CountingSink : stream::StreamSink {
  uint64_t bytes = 0;
  void on_data(flow::Flow&, Direction, Bytes b, uint64_t) noexcept override { bytes += b.size(); }
  void on_gap(flow::Flow&, Direction, uint64_t) noexcept override {}
  void on_close(flow::Flow&, Direction) noexcept override {}
};

void run_stream(benchmark::State& st, uint32_t retain, bool swap_pairs) {
  StatsBlock stats;
  stream::StreamConfig cfg;
  cfg.depth = 0;
  cfg.retain_segments_per_dir = retain;
  stream::Reassembler re(stats, cfg);
  CountingSink sink;
  flow::Flow f;
  f.proto = ipproto::kTcp;
  std::vector<uint8_t> payload(1448, 'x');
  const flow::testing::Endpoint c{0x0a000001, 40000}, s{0x0a000002, 80};
  Packet syn = make_tcp(c, s, tcpflag::kSyn, 0, 0);
  re.process(f, syn, Direction::ToServer, sink);
  uint32_t seq = 1, ack_every = 0;
  for (auto _ : st) {
    if (swap_pairs) {
      Packet b = make_tcp(c, s, tcpflag::kAck, seq + 1448, 1, 0, &payload);
      Packet a = make_tcp(c, s, tcpflag::kAck, seq, 1, 0, &payload);
      re.process(f, b, Direction::ToServer, sink);
      re.process(f, a, Direction::ToServer, sink);
      seq += 2 * 1448;
    } else {
      Packet p = make_tcp(c, s, tcpflag::kAck, seq, 1, 0, &payload);
      re.process(f, p, Direction::ToServer, sink);
      seq += 1448;
    }
    if (++ack_every == 8) {  // the receiver acks every 8 segments
      ack_every = 0;
      Packet a = make_tcp(s, c, tcpflag::kAck, 1, seq, 0);
      re.process(f, a, Direction::ToClient, sink);
    }
  }
  st.SetBytesProcessed(int64_t(sink.bytes));
  st.SetItemsProcessed(int64_t(st.iterations()) * (swap_pairs ? 2 : 1));
  re.release(f, sink);
}

void BM_StreamInOrder(benchmark::State& st) { run_stream(st, 16, false); }
void BM_StreamInOrderNoRetain(benchmark::State& st) { run_stream(st, 0, false); }
void BM_StreamOutOfOrderPairs(benchmark::State& st) { run_stream(st, 16, true); }
BENCHMARK(BM_StreamInOrder);
BENCHMARK(BM_StreamInOrderNoRetain);
BENCHMARK(BM_StreamOutOfOrderPairs);

}  // namespace
