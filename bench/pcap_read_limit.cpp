// The physical limit for `wardwatch analyze`: a bare libpcap read loop over the same file,
// touching each packet's first and last byte, and nothing else.
// Usage: pcap_read_limit FILE  -> prints packets, bytes, seconds, packets/s, Mbit/s
#include <pcap/pcap.h>

#include <chrono>
#include <cstdint>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(argv[1], err);
  if (!p) {
    std::fprintf(stderr, "%s: %s\n", argv[1], err);
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  uint64_t pkts = 0, bytes = 0, sum = 0;
  pcap_pkthdr* h;
  const u_char* d;
  while (pcap_next_ex(p, &h, &d) == 1) {
    ++pkts;
    bytes += h->len;
    if (h->caplen) sum += d[0] + d[h->caplen - 1];
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  pcap_close(p);
  std::printf("packets=%llu bytes=%llu seconds=%.3f pps=%.0f mbps=%.1f checksum=%llu\n",
              (unsigned long long)pkts, (unsigned long long)bytes, s, pkts / s, bytes * 8 / s / 1e6,
              (unsigned long long)sum);
  return 0;
}
