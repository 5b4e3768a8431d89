#include "capture/pcap_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

namespace ww::capture {
namespace {

struct Rec {
  uint32_t sec, frac, caplen, wirelen;
  std::vector<uint8_t> data;
};

void put32(std::vector<uint8_t>& out, uint32_t v, bool big) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(big ? v >> (24 - 8 * i) : v >> (8 * i)));
}
void put16(std::vector<uint8_t>& out, uint16_t v, bool big) {
  out.push_back(uint8_t(big ? v >> 8 : v));
  out.push_back(uint8_t(big ? v : v >> 8));
}

// A classic pcap file (libpcap's file format): 24-byte header, 16-byte record headers.
std::vector<uint8_t> pcap_file(const std::vector<Rec>& recs, bool big, bool nanosec,
                               uint32_t linktype = 1) {
  std::vector<uint8_t> f;
  put32(f, nanosec ? 0xA1B23C4D : 0xA1B2C3D4, big);
  put16(f, 2, big);
  put16(f, 4, big);
  put32(f, 0, big);
  put32(f, 0, big);
  put32(f, 65535, big);
  put32(f, linktype, big);
  for (const auto& r : recs) {
    put32(f, r.sec, big);
    put32(f, r.frac, big);
    put32(f, r.caplen, big);
    put32(f, r.wirelen, big);
    f.insert(f.end(), r.data.begin(), r.data.end());
  }
  return f;
}

class PcapSourceTest : public ::testing::Test {
 protected:
  std::string write(const std::vector<uint8_t>& bytes) {
    auto p = std::filesystem::temp_directory_path() /
             ("ww_pcap_" + std::to_string(::getpid()) + "_" + std::to_string(n_++) + ".pcap");
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                             static_cast<std::streamsize>(bytes.size()));
    files_.push_back(p);
    return p.string();
  }
  void TearDown() override {
    for (auto& f : files_) std::filesystem::remove(f);
  }
  std::vector<std::filesystem::path> files_;
  int n_ = 0;
};

const std::vector<Rec> kRecs = {
    {1709287200, 5, 4, 60, {1, 2, 3, 4}},
    {1709287201, 999999, 3, 3, {5, 6, 7}},
};

TEST_F(PcapSourceTest, MappedReaderMatchesRecordsInBothByteOrders) {
  for (bool big : {false, true}) {
    auto src = PcapFileSource::open(write(pcap_file(kRecs, big, false)), 3);
    ASSERT_TRUE(src) << src.error().str();
    EXPECT_TRUE((*src)->stable_data());
    EXPECT_EQ((*src)->linktype(), 1u);
    Packet p;
    for (const auto& r : kRecs) {
      ASSERT_EQ((*src)->next(p), ReadStatus::Packet);
      EXPECT_EQ(p.ts.usec, int64_t(r.sec) * 1000000 + r.frac);
      EXPECT_EQ(p.caplen, r.caplen);
      EXPECT_EQ(p.wirelen, r.wirelen);
      EXPECT_EQ(p.iface, 3);
      EXPECT_EQ(std::vector<uint8_t>(p.data, p.data + p.caplen), r.data);
    }
    EXPECT_EQ((*src)->next(p), ReadStatus::End);
    EXPECT_FALSE((*src)->truncated());
  }
}

TEST_F(PcapSourceTest, NanosecondTimestampsBecomeMicroseconds) {
  std::vector<Rec> recs = {{100, 123456789, 1, 1, {9}}};
  auto src = PcapFileSource::open(write(pcap_file(recs, false, true)), 0);
  ASSERT_TRUE(src);
  Packet p;
  ASSERT_EQ((*src)->next(p), ReadStatus::Packet);
  EXPECT_EQ(p.ts.usec, 100 * 1000000LL + 123456);
}

TEST_F(PcapSourceTest, CutFileIsTruncatedNotFailed) {
  auto bytes = pcap_file(kRecs, false, false);
  for (size_t cut = 1; cut <= 2 + 16; ++cut) {  // inside the last record's data and header
    std::vector<uint8_t> b(bytes.begin(), bytes.end() - static_cast<long>(cut));
    auto src = PcapFileSource::open(write(b), 0);
    ASSERT_TRUE(src);
    Packet p;
    ASSERT_EQ((*src)->next(p), ReadStatus::Packet);  // the first record is whole
    EXPECT_EQ((*src)->next(p), ReadStatus::End);
    EXPECT_TRUE((*src)->truncated()) << cut;
  }
}

TEST_F(PcapSourceTest, AbsurdRecordLengthIsTruncated) {
  std::vector<Rec> recs = {{1, 0, 4325376, 4325376, {}}};
  auto src = PcapFileSource::open(write(pcap_file(recs, false, false)), 0);
  ASSERT_TRUE(src);
  Packet p;
  EXPECT_EQ((*src)->next(p), ReadStatus::End);
  EXPECT_TRUE((*src)->truncated());
  EXPECT_NE((*src)->error().find("4325376"), std::string::npos);
}

TEST_F(PcapSourceTest, NotACaptureIsAnError) {
  std::vector<uint8_t> junk(100, 'x');
  EXPECT_FALSE(PcapFileSource::open(write(junk), 0));
  EXPECT_FALSE(PcapFileSource::open("/nonexistent/file.pcap", 0));
}

TEST_F(PcapSourceTest, ReleasingPagesKeepsReading) {
  std::vector<Rec> recs;
  for (uint32_t i = 0; i < 3000; ++i) recs.push_back({i, 0, 1500, 1500, std::vector<uint8_t>(1500, uint8_t(i))});
  auto src = PcapFileSource::open(write(pcap_file(recs, false, false)), 0);
  ASSERT_TRUE(src);
  Packet p;
  for (uint32_t i = 0; i < 3000; ++i) {
    ASSERT_EQ((*src)->next(p), ReadStatus::Packet);
    ASSERT_EQ(p.data[1499], uint8_t(i));
    if (i % 100 == 0) (*src)->release_before((*src)->offset());
  }
}


// Ethernet + IPv4 header with protocol `proto` and 8 bytes of layer 4.
std::vector<uint8_t> ipv4_frame(uint8_t proto) {
  std::vector<uint8_t> f(14 + 20 + 8, 0);
  f[12] = 0x08;  // EtherType IPv4
  f[14] = 0x45;
  f[16] = 0;
  f[17] = 28;  // total length
  f[22] = 64;  // TTL
  f[23] = proto;
  return f;
}

TEST_F(PcapSourceTest, BpfFilterSkipsAndCountsRejectedRecords) {
  std::vector<Rec> recs;
  for (uint32_t i = 0; i < 6; ++i) {
    auto f = ipv4_frame(i % 2 ? 17 : 6);  // TCP, UDP, TCP, ...
    recs.push_back({i, 0, uint32_t(f.size()), uint32_t(f.size()), f});
  }
  auto path = write(pcap_file(recs, false, false));
  auto src = PcapFileSource::open(path, 0);
  ASSERT_TRUE(src);
  ASSERT_TRUE((*src)->set_filter("udp"));
  Packet p;
  std::vector<int64_t> seen;
  while ((*src)->next(p) == ReadStatus::Packet) seen.push_back(p.ts.usec / 1000000);
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ((*src)->filtered(), 3u);
  EXPECT_FALSE((*src)->truncated());
  // An empty expression removes the filter; a bad one is an error naming it.
  auto again = PcapFileSource::open(path, 0);
  ASSERT_TRUE(again);
  ASSERT_TRUE((*again)->set_filter(""));
  int n = 0;
  while ((*again)->next(p) == ReadStatus::Packet) ++n;
  EXPECT_EQ(n, 6);
  auto r = (*again)->set_filter("port nonsense");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().str().find("port nonsense"), std::string::npos);
}

}  // namespace
}  // namespace ww::capture
