// Test helper (corpus tests of the TLS and SSH parsers, until the app layer feeds parsers from
// the worker): reads a capture with libpcap and the project's decoder, and naively reassembles
// each TCP connection's payload per direction (in sequence order, retransmissions trimmed,
// out-of-order segments held until the hole fills). The client is the SYN sender, else the
// sender of the first packet seen. Chunks are kept in capture order across both directions so
// a parser sees the conversation as the wire did. Not for the packet path: it allocates freely.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/packet.h"
#include "core/stats.h"
#include "decode/decoder.h"

namespace ww::app::testing {

struct TcpConn {
  IpAddr client, server;
  uint16_t cport = 0, sport = 0;
  std::vector<uint8_t> data[2];  // [ToServer], [ToClient]
  struct Chunk {
    Direction d;
    size_t off, len;
  };
  std::vector<Chunk> order;  // delivery order
  // Reassembly state.
  bool init[2] = {false, false};
  uint32_t next[2] = {0, 0};
  std::map<uint32_t, std::vector<uint8_t>> ooo[2];
};

inline bool seq_lt(uint32_t a, uint32_t b) { return int32_t(a - b) < 0; }

inline void tcp_deliver(TcpConn& c, Direction d, uint32_t seq, const uint8_t* p, size_t n) {
  int i = idx(d);
  auto push = [&](const uint8_t* q, size_t m) {
    if (!m) return;
    c.order.push_back({d, c.data[i].size(), m});
    c.data[i].insert(c.data[i].end(), q, q + m);
    c.next[i] += uint32_t(m);
  };
  if (!c.init[i]) {
    c.init[i] = true;
    c.next[i] = seq;
  }
  if (seq_lt(seq, c.next[i])) {  // retransmission (maybe partial)
    uint32_t skip = c.next[i] - seq;
    if (skip >= n) return;
    p += skip;
    n -= skip;
    seq = c.next[i];
  }
  if (seq != c.next[i]) {
    if (c.ooo[i].size() < 4096) c.ooo[i].emplace(seq, std::vector<uint8_t>(p, p + n));
    return;
  }
  push(p, n);
  // Drain held segments that now fit.
  for (bool moved = true; moved;) {
    moved = false;
    for (auto it = c.ooo[i].begin(); it != c.ooo[i].end();) {
      uint32_t s = it->first;
      auto& v = it->second;
      if (!seq_lt(c.next[i], s)) {
        uint32_t skip = c.next[i] - s;
        if (skip < v.size()) push(v.data() + skip, v.size() - skip);
        it = c.ooo[i].erase(it);
        moved = true;
      } else {
        ++it;
      }
    }
  }
}

// All TCP connections of a capture, in order of first packet.
inline std::vector<TcpConn> read_tcp_conns(const std::filesystem::path& f) {
  std::vector<TcpConn> conns;
  std::map<std::tuple<IpAddr, uint16_t, IpAddr, uint16_t>, size_t> index;
  StatsBlock stats;
  decode::Decoder dec(stats);
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* pc = pcap_open_offline(f.c_str(), err);
  if (!pc) return conns;
  int dlt = pcap_datalink(pc);
  pcap_pkthdr* h;
  const u_char* d;
  while (pcap_next_ex(pc, &h, &d) == 1) {
    Packet p;
    p.data = d;
    p.caplen = h->caplen;
    p.wirelen = h->len;
    p.linktype = uint32_t(dlt);
    if (dec.decode(p) != decode::DecodeStatus::Ok || p.ip_proto != ipproto::kTcp) continue;
    constexpr uint8_t kSyn = 0x02, kAck = 0x10, kRst = 0x04;
    auto fwd = std::make_tuple(p.src, p.sport, p.dst, p.dport);
    auto rev = std::make_tuple(p.dst, p.dport, p.src, p.sport);
    Direction dir = Direction::ToServer;
    size_t ci;
    bool syn = p.tcp_flags & kSyn;
    if (auto it = index.find(fwd); it != index.end()) {
      ci = it->second;
    } else if (auto it2 = index.find(rev); it2 != index.end()) {
      ci = it2->second;
      dir = Direction::ToClient;
    } else {
      TcpConn c;
      bool synack = syn && (p.tcp_flags & kAck);
      c.client = synack ? p.dst : p.src;
      c.cport = synack ? p.dport : p.sport;
      c.server = synack ? p.src : p.dst;
      c.sport = synack ? p.sport : p.dport;
      ci = conns.size();
      index[std::make_tuple(c.client, c.cport, c.server, c.sport)] = ci;
      conns.push_back(std::move(c));
      dir = synack ? Direction::ToClient : Direction::ToServer;
    }
    TcpConn& c = conns[ci];
    int i = idx(dir);
    if (syn) {
      c.init[i] = true;
      c.next[i] = p.tcp_seq + 1;
      c.ooo[i].clear();
      continue;
    }
    if (p.tcp_flags & kRst) continue;
    if (p.payload_len) tcp_deliver(c, dir, p.tcp_seq, p.data + p.payload_off, p.payload_len);
  }
  pcap_close(pc);
  return conns;
}

// Runs a shell command and returns its stdout lines (tshark references).
inline std::vector<std::string> command_lines(const std::string& cmd) {
  std::vector<std::string> out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return out;
  std::string line;
  int ch;
  while ((ch = fgetc(f)) != EOF) {
    if (ch == '\n') {
      out.push_back(line);
      line.clear();
    } else {
      line.push_back(char(ch));
    }
  }
  if (!line.empty()) out.push_back(line);
  pclose(f);
  return out;
}

}  // namespace ww::app::testing
