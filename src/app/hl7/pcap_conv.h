// Test helper for the corpus tests (HL7 and DICOM): reads a pcap (Ethernet, IPv4/IPv6, TCP) and
// returns each TCP connection's payload chunks in capture order, with the client (SYN sender)
// as ToServer. Naive reassembly for clean single-path captures: bytes already seen in a
// direction (retransmissions) are dropped by sequence number.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/types.h"

namespace ww::app::testing {

struct Chunk {
  Direction dir;
  std::string data;
};
struct Conversation {
  uint16_t server_port = 0;
  std::vector<Chunk> chunks;
};

inline std::vector<Conversation> read_conversations(const std::string& path) {
  std::vector<Conversation> out;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* pc = pcap_open_offline(path.c_str(), err);
  if (!pc) return out;
  struct Conn {
    size_t idx;
    std::string client;  // addr+port of the initiator
    bool has_next[2] = {false, false};
    uint32_t next[2] = {0, 0};
  };
  std::map<std::string, Conn> conns;
  pcap_pkthdr* h;
  const u_char* d;
  while (pcap_next_ex(pc, &h, &d) == 1) {
    size_t n = h->caplen, off = 14;
    if (n < off) continue;
    uint16_t et = uint16_t(d[12] << 8 | d[13]);
    std::string src, dst;
    size_t l4;
    uint8_t proto;
    size_t end;
    if (et == 0x0800) {
      if (n < off + 20) continue;
      size_t ihl = size_t(d[off] & 0xf) * 4;
      proto = d[off + 9];
      src.assign(reinterpret_cast<const char*>(d + off + 12), 4);
      dst.assign(reinterpret_cast<const char*>(d + off + 16), 4);
      end = off + (size_t(d[off + 2]) << 8 | d[off + 3]);
      l4 = off + ihl;
    } else if (et == 0x86DD) {
      if (n < off + 40) continue;
      proto = d[off + 6];
      src.assign(reinterpret_cast<const char*>(d + off + 8), 16);
      dst.assign(reinterpret_cast<const char*>(d + off + 24), 16);
      end = off + 40 + (size_t(d[off + 4]) << 8 | d[off + 5]);
      l4 = off + 40;
    } else {
      continue;
    }
    if (proto != 6 || end > n || l4 + 20 > end) continue;
    const u_char* t = d + l4;
    uint16_t sp = uint16_t(t[0] << 8 | t[1]), dp = uint16_t(t[2] << 8 | t[3]);
    uint32_t seq = uint32_t(t[4]) << 24 | uint32_t(t[5]) << 16 | uint32_t(t[6]) << 8 | t[7];
    size_t thl = size_t(t[12] >> 4) * 4;
    uint8_t flags = t[13];
    std::string a = src + char(sp >> 8) + char(sp), b = dst + char(dp >> 8) + char(dp);
    std::string key = a < b ? a + b : b + a;
    auto it = conns.find(key);
    if (it == conns.end() || ((flags & 0x02) && !(flags & 0x10) && it->second.client != a)) {
      // A new connection: the SYN sender (or the first sender seen) is the client.
      bool synack = (flags & 0x12) == 0x12;
      Conn c{out.size(), synack ? b : a};
      out.push_back({synack ? sp : dp, {}});
      it = conns.insert_or_assign(key, c).first;
    }
    Conn& c = it->second;
    Direction dir = a == c.client ? Direction::ToServer : Direction::ToClient;
    int di = idx(dir);
    size_t plen = end - l4 - thl;
    uint32_t data_seq = seq + ((flags & 0x02) ? 1 : 0);
    if (flags & 0x02) {
      c.has_next[di] = true;
      c.next[di] = data_seq;
    }
    if (plen == 0) continue;
    const char* p = reinterpret_cast<const char*>(t + thl);
    if (c.has_next[di]) {
      int32_t delta = int32_t(data_seq - c.next[di]);
      if (delta < 0) {  // retransmitted bytes
        if (size_t(-delta) >= plen) continue;
        p += -delta;
        plen -= size_t(-delta);
        data_seq = c.next[di];
      }
    }
    c.has_next[di] = true;
    c.next[di] = data_seq + uint32_t(plen);
    auto& chunks = out[c.idx].chunks;
    if (!chunks.empty() && chunks.back().dir == dir) chunks.back().data.append(p, plen);
    else chunks.push_back({dir, std::string(p, plen)});
  }
  pcap_close(pc);
  return out;
}

}  // namespace ww::app::testing
