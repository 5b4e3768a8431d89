// Unit tests of the simulator: checksums, fragmentation, option parsing, the hospital model,
// determinism for a seed, and agreement between labels and the capture.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "engine.h"
#include "hospital.h"
#include "net.h"
#include "proto/proto.h"
#include "scenarios.h"
#include "sim_options.h"

namespace ww::sim {
namespace {

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// Verifies the IPv4 header checksum and, for unfragmented TCP/UDP, the L4 checksum.
void check_frame(const uint8_t* f, size_t len) {
  ASSERT_GE(len, 34u);
  ASSERT_EQ(be16(f + 12), 0x0800);
  const uint8_t* ip = f + 14;
  EXPECT_EQ(csum_fold(csum_partial(ip, 20, 0)), 0) << "IPv4 header checksum";
  uint16_t total = be16(ip + 2);
  ASSERT_LE(size_t{total} + 14, len);
  uint16_t frag = be16(ip + 6);
  if ((frag & 0x3fff) != 0) return;  // fragment: checked after reassembly elsewhere
  uint8_t proto = ip[9];
  size_t l4len = total - 20u;
  uint32_t pseudo = (be16(ip + 12) + be16(ip + 14) + be16(ip + 16) + be16(ip + 18)) + proto +
                    static_cast<uint32_t>(l4len);
  EXPECT_EQ(csum_fold(csum_partial(ip + 20, l4len, pseudo)), 0) << "L4 checksum, proto " << int(proto);
}

Hospital test_hospital() { return load_hospital(kDefaultConfig); }

TEST(Checksum, KnownIpv4Header) {
  // RFC 1071-style example: a header whose checksum is 0xb861.
  const uint8_t hdr[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                           0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(csum_fold(csum_partial(hdr, 20, 0)), 0xb861);
}

TEST(PacketBuilder, TcpAndUdpChecksumsVerify) {
  Hospital h = test_hospital();
  Host& a = *h.role("pacs");
  Host& b = *h.role("dns");
  Session s;
  Wire w = route(a, b, h.router);
  uint8_t payload[333];
  for (size_t i = 0; i < sizeof payload; ++i) payload[i] = static_cast<uint8_t>(i * 7);
  emit_udp(s, 1, w, 1234, 53, payload);
  TcpSeg seg{40000, 104, 1, 2, kAck | kPsh, 502, 0};
  emit_tcp(s, 2, w, seg, payload, 301);  // odd length
  TcpSeg syn{40000, 104, 1, 0, kSyn, 64240, 1460};
  emit_tcp(s, 3, w, syn, nullptr, 0);
  ASSERT_EQ(s.size(), 3u);
  for (const auto& r : s.packets()) check_frame(s.bytes(r), r.len);
}

TEST(PacketBuilder, LargeUdpIsFragmented) {
  Hospital h = test_hospital();
  Session s;
  Wire w = route(*h.role("pacs"), *h.role("dns"), h.router);
  std::vector<uint8_t> big(4000, 0xab);
  emit_udp(s, 1, w, 1000, 2000, big);
  ASSERT_EQ(s.size(), 3u);
  size_t total = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto& r = s.packets()[i];
    const uint8_t* ip = s.bytes(r) + 14;
    uint16_t frag = be16(ip + 6);
    EXPECT_EQ((frag & 0x2000) != 0, i + 1 < s.size()) << "MF flag";
    EXPECT_EQ((frag & 0x1fff) * 8u, total) << "fragment offset";
    EXPECT_LE(r.len, 1514u);
    EXPECT_EQ(csum_fold(csum_partial(ip, 20, 0)), 0);
    total += be16(ip + 2) - 20u;
  }
  EXPECT_EQ(total, 8 + big.size());
}

TEST(Options, DurationAndSize) {
  EXPECT_EQ(parse_duration("10m").value(), 10 * kMin);
  EXPECT_EQ(parse_duration("90s").value(), 90 * kSec);
  EXPECT_EQ(parse_duration("1h30m").value(), 90 * kMin);
  EXPECT_FALSE(parse_duration("ten").has_value());
  EXPECT_EQ(parse_size("1GB").value(), 1000000000u);
  EXPECT_EQ(parse_size("64KiB").value(), 65536u);
  EXPECT_EQ(parse_size("").value(), 0u);
  EXPECT_FALSE(parse_size("12XB").has_value());
  EXPECT_TRUE(parse_start("2024-03-04T08:00:00Z").has_value());
}

TEST(Hospital, ZonesHostsAndVendorMacs) {
  Hospital h = test_hospital();
  for (const char* z : {"clinical", "imaging", "iomt", "admin", "guest", "building", "servers", "dmz"})
    EXPECT_NE(h.zone(z), nullptr) << z;
  std::set<uint32_t> ips;
  for (Host* host : h.internal) {
    const Zone* z = h.zone(host->zone);
    ASSERT_NE(z, nullptr);
    EXPECT_EQ(host->ip & z->mask, z->net) << host->name;
    EXPECT_TRUE(ips.insert(host->ip).second) << "duplicate address " << ip_str(host->ip);
    // The MAC's OUI is one of the vendor's.
    bool ok = false;
    for (const auto& oui : h.vendors.at(host->vendor)) {
      unsigned a, b, c;
      std::sscanf(oui.c_str(), "%x:%x:%x", &a, &b, &c);
      ok |= host->mac[0] == a && host->mac[1] == b && host->mac[2] == c;
    }
    EXPECT_TRUE(ok) << host->name;
  }
  EXPECT_EQ(h.role("pacs")->vendor, "Dell");
  EXPECT_FALSE(h.with_role("pump").empty());
}

TEST(Hospital, BadConfigNamesTheProblem) {
  std::string path = ::testing::TempDir() + "bad_hospital.yaml";
  std::ofstream(path) << "router_vendor: Dell\nvendors: {Dell: [\"00:14:22\"]}\nzones:\n  - {name: a, subnet: 10.0.0.0/24, gateway: 10.0.0.1}\n"
                         "hosts:\n  - {name: x, role: dns, zone: nowhere, vendor: Dell}\n";
  try {
    load_hospital(path);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("nowhere"), std::string::npos) << e.what();
  }
}

struct SimRun {
  std::string pcap;
  std::deque<Label> labels;
};

SimRun generate(const std::string& scenario, Ts dur, uint64_t seed, const std::string& name) {
  Hospital h = test_hospital();
  Ts start = parse_start("2024-03-04T08:00:00Z").value();
  Sim sim(h, seed, start, start + dur, scenario);
  sim.bulk = 0.05;
  schedule_background(sim);
  EXPECT_TRUE(schedule_scenario(sim, scenario, dur, false));
  SimRun r;
  r.pcap = ::testing::TempDir() + name;
  PcapWriter w;
  EXPECT_TRUE(w.open(r.pcap));
  sim.run(w, 0);
  EXPECT_TRUE(w.close());
  r.labels = sim.labels;
  return r;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(Determinism, SameSeedSameBytes) {
  SimRun a = generate("hospital", 90 * kSec, 7, "det_a.pcap");
  SimRun b = generate("hospital", 90 * kSec, 7, "det_b.pcap");
  SimRun c = generate("hospital", 90 * kSec, 8, "det_c.pcap");
  std::string pa = slurp(a.pcap), pb = slurp(b.pcap), pc = slurp(c.pcap);
  EXPECT_GT(pa.size(), 100000u);
  EXPECT_EQ(std::hash<std::string>{}(pa), std::hash<std::string>{}(pb));
  EXPECT_TRUE(pa == pb);
  EXPECT_NE(std::hash<std::string>{}(pa), std::hash<std::string>{}(pc));
  ASSERT_EQ(a.labels.size(), b.labels.size());
  for (size_t i = 0; i < a.labels.size(); ++i) EXPECT_EQ(label_json(a.labels[i], 1), label_json(b.labels[i], 1));
}

using Key = std::tuple<int, uint32_t, uint16_t, uint32_t, uint16_t>;

// Every packet in time order, every checksum right, and each labelled flow in the capture.
TEST(Labels, EveryLabelledFlowIsInTheCapture) {
  SimRun r = generate("hospital", 2 * kMin, 42, "labels.pcap");
  ASSERT_GE(r.labels.size(), attacks().size());
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(r.pcap.c_str(), err);
  ASSERT_NE(p, nullptr) << err;
  std::set<Key> seen;
  pcap_pkthdr* hdr;
  const u_char* data;
  int64_t last = 0;
  size_t n = 0;
  while (pcap_next_ex(p, &hdr, &data) == 1) {
    ++n;
    int64_t ts = int64_t{hdr->ts.tv_sec} * 1000000 + hdr->ts.tv_usec;
    EXPECT_GE(ts, last) << "packet " << n << " out of time order";
    last = ts;
    if (be16(data + 12) != 0x0800) continue;
    check_frame(data, hdr->caplen);
    const uint8_t* ip = data + 14;
    if ((be16(ip + 6) & 0x1fff) != 0) continue;
    uint32_t s = uint32_t{be16(ip + 12)} << 16 | be16(ip + 14);
    uint32_t d = uint32_t{be16(ip + 16)} << 16 | be16(ip + 18);
    seen.insert(Key{int{ip[9]}, s, be16(ip + 20), d, be16(ip + 22)});
  }
  pcap_close(p);
  size_t flows = 0;
  std::set<std::string> techniques;
  for (const auto& l : r.labels) {
    techniques.insert(l.mitre);
    EXPECT_FALSE(l.flows.empty()) << l.technique;
    EXPECT_LE(l.start, l.end) << l.technique;
    for (const auto& f : l.flows) {
      ++flows;
      EXPECT_TRUE(seen.count(Key{static_cast<int>(f.proto), f.src, f.sport, f.dst, f.dport}))
          << l.technique << ": " << ip_str(f.src) << ":" << f.sport << " -> " << ip_str(f.dst) << ":" << f.dport;
    }
    rapidjson::Document doc;
    doc.Parse(label_json(l, 1).c_str());
    ASSERT_FALSE(doc.HasParseError()) << label_json(l, 1);
    EXPECT_TRUE(doc.HasMember("mitre_id") && doc.HasMember("flows") && doc.HasMember("expected"));
  }
  EXPECT_GT(flows, 100u);
  for (const char* t : {"T1486", "T1566.001", "T1190", "T1071.001", "T1568.002", "T1071.004", "T1046",
                        "T1110.001", "T1048.003", "T1565.002", "T1027.009", "T1021.002", "T1105"})
    EXPECT_TRUE(techniques.count(t)) << t;
}

TEST(Scenarios, EicarFileIsTheStandard68Bytes) {
  SimRun r = generate("eicar", 60 * kSec, 3, "eicar.pcap");
  const std::string eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
  EXPECT_EQ(eicar.size(), 68u);
  std::string bytes = slurp(r.pcap);
  EXPECT_NE(bytes.find("Content-Length: 68\r\n"), std::string::npos);
  EXPECT_NE(bytes.find(eicar), std::string::npos);
  ASSERT_EQ(r.labels.size(), 1u);
  EXPECT_EQ(r.labels[0].mitre, "T1105");
}

TEST(Scenarios, DicomPreambleHoldsPeHeader) {
  Rng rng(1);
  DicomStudy st;
  Bytes f = dicom_part10(rng, st, 4096, true);
  ASSERT_GT(f.size(), 132u);
  EXPECT_EQ(f[0], 'M');
  EXPECT_EQ(f[1], 'Z');
  uint32_t lfanew = f[0x3c] | f[0x3d] << 8;
  ASSERT_LT(lfanew + 4, 128u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(&f[lfanew]), 4), std::string("PE\0\0", 4));
  EXPECT_EQ(std::string(reinterpret_cast<char*>(&f[128]), 4), "DICM");
  Bytes clean = dicom_part10(rng, st, 4096, false);
  EXPECT_EQ(clean[0], 0);
}

TEST(Scenarios, ListHasEveryAttackAndUnknownIsRejected) {
  auto list = scenario_list();
  EXPECT_EQ(list.size(), attacks().size() + 2);
  Hospital h = test_hospital();
  Sim sim(h, 1, 0, kMin, "x");
  EXPECT_FALSE(schedule_scenario(sim, "no_such_scenario", kMin, false));
}

}  // namespace
}  // namespace ww::sim
