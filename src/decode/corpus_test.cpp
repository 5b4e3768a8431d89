// Decodes the shared real-world captures (../shared/corpus/pcaps) when they are present:
// no crash, few invalid packets, and the fragment reassembly counts Wireshark 4.0 reports.
// Skipped when the corpus is absent.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <string>

#include "core/stats.h"
#include "decode/decoder.h"
#include "decode/defrag.h"

namespace ww::decode {
namespace {

namespace fs = std::filesystem;

fs::path corpus_dir() { return fs::path(WW_SOURCE_DIR) / ".." / "shared" / "corpus" / "pcaps"; }

struct Totals {
  uint64_t pkts = 0, invalid = 0, reassembled = 0;
};

Totals decode_file(const fs::path& f, StatsBlock& stats) {
  Totals t;
  Decoder dec(stats);
  Defragmenter defrag(dec, stats);
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* pc = pcap_open_offline(f.c_str(), err);
  if (!pc) return t;
  int dlt = pcap_datalink(pc);
  pcap_pkthdr* h;
  const u_char* d;
  while (pcap_next_ex(pc, &h, &d) == 1) {
    Packet p;
    p.data = d;
    p.caplen = h->caplen;
    p.wirelen = h->len;
    p.linktype = uint32_t(dlt);
    p.ts = Timestamp{int64_t(h->ts.tv_sec) * 1000000 + h->ts.tv_usec};
    ++t.pkts;
    auto st = dec.decode(p);
    if (st == DecodeStatus::Invalid) ++t.invalid;
    if (st == DecodeStatus::Fragment && defrag.add(p)) ++t.reassembled;
  }
  pcap_close(pc);
  return t;
}

TEST(DecodeCorpus, AllCapturesDecode) {
  if (!fs::exists(corpus_dir())) GTEST_SKIP() << "no corpus at " << corpus_dir();
  StatsBlock stats;
  Totals all;
  for (const auto& e : fs::recursive_directory_iterator(corpus_dir())) {
    auto ext = e.path().extension();
    if (ext != ".pcap" && ext != ".pcapng" && ext != ".cap") continue;
    Totals t = decode_file(e.path(), stats);
    all.pkts += t.pkts;
    all.invalid += t.invalid;
  }
  ASSERT_GT(all.pkts, 0u);
  // Invalid packets in this corpus are snaplen-truncated frames and TSO frames with IP total
  // length 0; both are well under 1%.
  EXPECT_LT(all.invalid * 100, all.pkts);
}

TEST(DecodeCorpus, ReassemblyMatchesWireshark) {
  if (!fs::exists(corpus_dir())) GTEST_SKIP() << "no corpus at " << corpus_dir();
  struct Case {
    const char* file;
    uint64_t datagrams;  // tshark -2: frames with ip(v6).reassembled.length
  } cases[] = {
      {"benign/chrissanders/ipv6_fragments.pcapng", 10},
      {"benign/chrissanders/ip_frag_source.pcapng", 2},
      {"benign/ndpi/dns_fragmented.pcap", 7},
      {"benign/zeek/dns-edns-ecs.pcap", 4},
      {"attack/ddos/amp.dns.RRSIG.fragmented.pcap", 338},
  };
  for (const auto& c : cases) {
    fs::path f = corpus_dir() / c.file;
    if (!fs::exists(f)) continue;
    StatsBlock stats;
    decode_file(f, stats);
    EXPECT_EQ(stats.value("defrag.ipv4.reassembled") + stats.value("defrag.ipv6.reassembled"),
              c.datagrams)
        << c.file;
  }
}

}  // namespace
}  // namespace ww::decode
