// Decoder micro-benchmarks: the per-packet cost of decode() for the common frame shapes.
#include <benchmark/benchmark.h>

#include <vector>

#include "core/packet.h"
#include "core/stats.h"
#include "decode/decoder.h"
#include "decode/test_util.h"

namespace {

using ww::decode::test::Frame;

// Ethernet / IPv4 / TCP ACK with 64 bytes of payload.
Frame eth_ipv4_tcp() {
  Frame f = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
             // IPv4: ver/IHL, tos, len, id, DF, ttl 64, TCP, csum, src, dst
             0x45, 0x00, 0x00, 0x00, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 192, 168, 1,
             10, 10, 0, 0, 1,
             // TCP: ports 80 -> 49153, seq, ack, doff 8 (NOP NOP TS), PSH ACK, win, csum, urg
             0x00, 0x50, 0xc0, 0x01, 0, 0, 0x10, 0, 1, 2, 3, 5, 0x80, 0x18, 0x01, 0x00, 0, 0, 0, 0,
             0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2};
  f.resize(f.size() + 64, 'x');
  ww::decode::test::fix_ipv4(f, 14);
  return f;
}

// Ethernet / 802.1Q / IPv6 / UDP with 64 bytes of payload.
Frame vlan_ipv6_udp() {
  Frame f = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x81, 0x00,
             0x00, 0x64, 0x86, 0xdd,  // VLAN 100, IPv6
             // IPv6: ver/tc/flow, payload length, UDP, hop limit, src, dst
             0x60, 0, 0, 0, 0, 0, 17, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
             1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
             // UDP 5353 -> 53, length, checksum
             0x14, 0xe9, 0x00, 0x35, 0, 0, 0, 0};
  f.resize(f.size() + 64, 'y');
  ww::decode::test::fix_udp_len(f, 58);
  ww::decode::test::fix_ipv6(f, 18);
  return f;
}

void run(benchmark::State& state, const Frame& f, ww::decode::DecodeConfig cfg) {
  ww::StatsBlock stats;
  ww::decode::Decoder dec(stats, cfg);
  ww::Packet p = ww::decode::test::packet_of(f);
  for (auto _ : state) {
    auto st = dec.decode(p);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(f.size()));
}

void BM_DecodeEthIpv4Tcp(benchmark::State& state) { run(state, eth_ipv4_tcp(), {}); }
BENCHMARK(BM_DecodeEthIpv4Tcp);

void BM_DecodeEthIpv4TcpL4Checksum(benchmark::State& state) {
  run(state, eth_ipv4_tcp(), {.l4_checksum = true});
}
BENCHMARK(BM_DecodeEthIpv4TcpL4Checksum);

void BM_DecodeVlanIpv6Udp(benchmark::State& state) { run(state, vlan_ipv6_udp(), {}); }
BENCHMARK(BM_DecodeVlanIpv6Udp);

}  // namespace
