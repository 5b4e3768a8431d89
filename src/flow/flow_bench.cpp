// Flow table micro-benchmarks: lookup of existing flows (hit) at 10k and 100k flows, and flow
// creation + expiry.
#include <benchmark/benchmark.h>

#include <vector>

#include "flow/flow.h"
#include "flow/test_packets.h"

namespace {

using namespace ww;
using flow::testing::make_tcp;

struct NullObserver : flow::FlowObserver {
  void on_flow_end(flow::Flow&) noexcept override {}
};

std::vector<Packet> make_flows(size_t n) {
  std::vector<Packet> v;
  v.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    uint32_t cli = 0x0a000000u + uint32_t(i / 50000);
    v.push_back(make_tcp({cli, uint16_t(10000 + i % 50000)}, {0xc0a80001u, 443}, tcpflag::kAck,
                         1, 1, int64_t(i)));
  }
  return v;
}

void BM_FlowLookupHit(benchmark::State& st) {
  StatsBlock stats;
  flow::FlowConfig cfg;
  cfg.hash_size = 1u << 16;  // the default
  cfg.memcap = 1u << 30;
  NullObserver obs;
  flow::FlowTable table(stats, cfg, obs);
  auto pkts = make_flows(size_t(st.range(0)));
  Direction d;
  for (auto& p : pkts) table.process(p, d);
  // Visit flows in a scrambled order so lookups do not walk memory sequentially.
  std::vector<uint32_t> order(pkts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = uint32_t((i * 7919) % order.size());
  // The packet being looked up is hot in the real pipeline (just decoded): only its endpoint
  // comes from the scrambled list, the Packet itself is reused.
  struct Ep {
    IpAddr src;
    uint16_t sport;
  };
  std::vector<Ep> eps(order.size());
  for (size_t k = 0; k < order.size(); ++k) eps[k] = {pkts[order[k]].src, pkts[order[k]].sport};
  Packet p = pkts[0];
  size_t i = 0;
  for (auto _ : st) {
    p.src = eps[i].src;
    p.sport = eps[i].sport;
    flow::Flow* f = table.process(p, d);
    benchmark::DoNotOptimize(f);
    if (++i == eps.size()) i = 0;
  }
  st.SetItemsProcessed(int64_t(st.iterations()));
}
BENCHMARK(BM_FlowLookupHit)->Arg(10000)->Arg(100000);

void BM_FlowCreateExpire(benchmark::State& st) {
  StatsBlock stats;
  flow::FlowConfig cfg;
  cfg.hash_size = 1u << 16;
  cfg.timeout_established = 1000;  // usec: each flow expires 1000 packets later
  NullObserver obs;
  flow::FlowTable table(stats, cfg, obs);
  auto pkts = make_flows(100000);
  size_t i = 0;
  int64_t now = 0;
  Direction d;
  for (auto _ : st) {
    Packet& p = pkts[i];
    p.ts = Timestamp{++now};
    benchmark::DoNotOptimize(table.process(p, d));
    table.expire(p.ts);
    if (++i == pkts.size()) i = 0;
  }
  st.SetItemsProcessed(int64_t(st.iterations()));
}
BENCHMARK(BM_FlowCreateExpire);

void BM_SymmetricHash(benchmark::State& st) {
  auto pkts = make_flows(1024);
  size_t i = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(flow::symmetric_hash(pkts[i]));
    i = (i + 1) & 1023;
  }
}
BENCHMARK(BM_SymmetricHash);

}  // namespace
