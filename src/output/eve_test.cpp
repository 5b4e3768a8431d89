#include "output/eve.h"
#include "core/hex.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "output/flow_event.h"

#include "output/test_sink.h"

namespace ww::output {
namespace {

std::vector<rapidjson::Document> parse_lines(const std::string& text) {
  std::vector<rapidjson::Document> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    EXPECT_FALSE(d.HasParseError()) << line;
    out.push_back(std::move(d));
  }
  return out;
}

TEST(EveWriter, FlowEventHasSuricataFields) {
  test::MemoryOutput mo;
  EveOutput& out = mo.out;
  test::MemorySink* mem = mo.mem;
  {
    EveWriter w(&out);
    flow::Flow f;
    f.flow_id = 1234567;
    f.src = IpAddr::v4(0x0A4D000Au);  // 10.77.0.10
    f.dst = IpAddr::v4(0x0A4D0014u);  // 10.77.0.20
    f.sp = 40000;
    f.dp = 104;
    f.proto = ipproto::kTcp;
    f.start = Timestamp{1709287200LL * 1000000 + 5};
    f.last = Timestamp{1709287203LL * 1000000 + 7};
    f.pkts[0] = 5;
    f.pkts[1] = 4;
    f.bytes[0] = 700;
    f.bytes[1] = 500;
    f.tcp_flags[0] = tcpflag::kSyn | tcpflag::kAck | tcpflag::kFin;
    f.tcp_flags[1] = tcpflag::kSyn | tcpflag::kAck;
    f.tcp_state = flow::TcpState::Closed;
    f.reason = flow::EndReason::Timeout;
    write_flow_event(w, f, "");
  }
  auto docs = parse_lines(mem->data);
  ASSERT_EQ(docs.size(), 1u);
  auto& d = docs[0];
  EXPECT_STREQ(d["timestamp"].GetString(), "2024-03-01T10:00:00.000005+0000");
  EXPECT_STREQ(d["event_type"].GetString(), "flow");
  EXPECT_EQ(d["flow_id"].GetUint64(), 1234567u);
  EXPECT_FALSE(d.HasMember("in_iface"));
  EXPECT_STREQ(d["src_ip"].GetString(), "10.77.0.10");
  EXPECT_EQ(d["src_port"].GetUint(), 40000u);
  EXPECT_STREQ(d["dest_ip"].GetString(), "10.77.0.20");
  EXPECT_EQ(d["dest_port"].GetUint(), 104u);
  EXPECT_STREQ(d["proto"].GetString(), "TCP");
  const auto& fl = d["flow"];
  EXPECT_EQ(fl["pkts_toserver"].GetUint64(), 5u);
  EXPECT_EQ(fl["pkts_toclient"].GetUint64(), 4u);
  EXPECT_EQ(fl["bytes_toserver"].GetUint64(), 700u);
  EXPECT_EQ(fl["bytes_toclient"].GetUint64(), 500u);
  EXPECT_STREQ(fl["start"].GetString(), "2024-03-01T10:00:00.000005+0000");
  EXPECT_STREQ(fl["end"].GetString(), "2024-03-01T10:00:03.000007+0000");
  EXPECT_EQ(fl["age"].GetUint64(), 3u);
  EXPECT_STREQ(fl["reason"].GetString(), "timeout");
  EXPECT_FALSE(fl["alerted"].GetBool());
  const auto& tcp = d["tcp"];
  EXPECT_STREQ(tcp["tcp_flags"].GetString(), "13");
  EXPECT_STREQ(tcp["tcp_flags_ts"].GetString(), "13");
  EXPECT_STREQ(tcp["tcp_flags_tc"].GetString(), "12");
  EXPECT_TRUE(tcp["syn"].GetBool());
  EXPECT_TRUE(tcp["fin"].GetBool());
  EXPECT_FALSE(tcp.HasMember("rst"));
}

// The header text kept per flow is what write_flow_header writes, in both directions, and a
// flow whose arena is full is logged the same way without a cache.
TEST(EveWriter, CachedFlowHeaderIsTheSame) {
  EveOutputConfig cfg;
  cfg.community_id = true;
  for (size_t arena_cap : {size_t(256) << 10, size_t(0)}) {
    StatsBlock stats;
    flow::ArenaBudget budget{stats, 1u << 20};
    flow::Arena arena{&budget, arena_cap};
    flow::Flow f;
    f.flow_id = 98765;
    f.src = IpAddr::v4(0xC0A80001u);
    f.dst = IpAddr::v4(0x0A000063u);
    f.sp = 51000;
    f.dp = 445;
    f.proto = ipproto::kTcp;
    f.vlan_count = 1;
    f.vlan[0] = 7;
    f.arena = &arena;
    FlowHeaderCache cache;
    test::MemoryOutput cached(cfg), plain(cfg);
    {
      EveWriter a(&cached.out), b(&plain.out);
      for (int i = 0; i < 6; ++i) {
        bool rev = (i % 3) == 1;
        for (EveWriter* w : {&a, &b}) {
          w->begin(Timestamp{int64_t(i)}, "smb");
          if (w == &a)
            write_flow_header(*w, f, "eth0", rev, &cache);
          else
            write_flow_header(*w, f, "eth0", rev);
          w->kv("tx_id", uint64_t(i));
          w->end();
        }
      }
    }
    EXPECT_EQ(cached.mem->data, plain.mem->data);
    EXPECT_EQ(parse_lines(cached.mem->data).size(), 6u);
    EXPECT_EQ(cache.text[0] != nullptr, arena_cap > 0);
    EXPECT_EQ(cache.text[1] != nullptr, arena_cap > 0);
  }
}

TEST(EveWriter, CaptureMembersOnlyAfterMembers) {
  EveWriter w(nullptr);
  auto& j = w.begin_raw();
  j.Reset();
  j.StartObject();
  // No member before: the text would start without a comma, so nothing to repeat.
  EXPECT_TRUE(w.capture_members([&] { w.kv("a", uint64_t(1)); }).empty());
  std::string kept(w.capture_members([&] {
    w.kv("b", std::string_view("x"));
    w.kv("c", uint64_t(2));
  }));
  EXPECT_EQ(kept, R"(,"b":"x","c":2)");
  j.EndObject();
  j.Reset();
  j.StartObject();
  w.kv("a", uint64_t(3));
  w.append_members(kept);
  j.EndObject();
  EXPECT_EQ(w.pending(), R"({"a":1,"b":"x","c":2}{"a":3,"b":"x","c":2})");
}

TEST(EveWriter, Ipv6AddressesAreFullyExpanded) {
  // Suricata 7 writes every IPv6 address as eight groups of four hex digits.
  test::MemoryOutput mo;
  EveOutput& out = mo.out;
  test::MemorySink* mem = mo.mem;
  {
    EveWriter w(&out);
    flow::Flow f;
    const uint8_t s[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x0c, 0x29, 0xff, 0xfe, 0xf3, 0xcf, 0x38};
    const uint8_t d[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    f.src = IpAddr::v6(s);
    f.dst = IpAddr::v6(d);
    f.proto = ipproto::kUdp;
    write_flow_event(w, f, "");
  }
  auto docs = parse_lines(mem->data);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_STREQ(docs[0]["src_ip"].GetString(), "fe80:0000:0000:0000:020c:29ff:fef3:cf38");
  EXPECT_STREQ(docs[0]["dest_ip"].GetString(), "2001:0db8:0000:0000:0000:0000:0000:0001");
  // Logs and messages keep the short RFC 5952 text.
  const uint8_t d6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(IpAddr::v6(d6).str(), "2001:db8::1");
}

TEST(EveWriter, EscapesHostileStrings) {
  test::MemoryOutput mo;
  EveOutput& out = mo.out;
  test::MemorySink* mem = mo.mem;
  {
    EveWriter w(&out);
    w.begin(Timestamp{0}, "anomaly");
    w.kv("note", std::string_view("quote\" backslash\\ newline\n nul\0 end", 36));
    w.end();
  }
  auto docs = parse_lines(mem->data);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(std::string(docs[0]["note"].GetString(), docs[0]["note"].GetStringLength()),
            std::string("quote\" backslash\\ newline\n nul\0 end", 36));
}

TEST(EveWriter, InvalidUtf8BecomesValidJson) {
  test::MemoryOutput mo;
  EveOutput& out = mo.out;
  test::MemorySink* mem = mo.mem;
  {
    EveWriter w(&out);
    w.begin(Timestamp{0}, "dns");
    // a stray 0xE4, a valid "é" (C3 A9), a truncated 3-byte sequence at the end
    w.kv("rrname", std::string_view("a\xe4" "b\xc3\xa9" "c\xe2\x82", 8));
    w.end();
  }
  EXPECT_TRUE(valid_utf8(mem->data));
  auto docs = parse_lines(mem->data);
  ASSERT_EQ(docs.size(), 1u);
  // 0xE4 -> U+00E4 ("\xc3\xa4"), "é" kept, 0xE2 0x82 -> U+00E2 U+0082
  EXPECT_EQ(std::string(docs[0]["rrname"].GetString()), "a\xc3\xa4" "b\xc3\xa9" "c\xc3\xa2\xc2\x82");
}

TEST(EveWriter, Utf8Validation) {
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("\xe2\x82\xac"));         // euro sign
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));             // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));        // surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));   // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\x80"));
}

TEST(EveWriter, PlainJsonText) {
  EXPECT_TRUE(plain_json_text("", 0));
  EXPECT_TRUE(plain_json_text("10.0.0.1", 8));
  EXPECT_TRUE(plain_json_text("a long plain ascii value ~\x7f", 27));
  // Each byte that needs an escape or is not ASCII, at every position of texts of 1 to 70 bytes.
  for (size_t len = 1; len <= 70; ++len) {
    std::string ok(len, 'x');
    EXPECT_TRUE(plain_json_text(ok.data(), ok.size())) << len;
    for (char bad : {'"', '\\', '\0', '\n', '\x1f', '\x80', '\xff'}) {
      for (size_t at = 0; at < len; ++at) {
        std::string t(len, 'x');
        t[at] = bad;
        EXPECT_FALSE(plain_json_text(t.data(), t.size()))
            << int(uint8_t(bad)) << " at " << at << " of " << len;
      }
    }
  }
}

TEST(EveWriter, FormatHexMatchesPrintf) {
  std::vector<uint64_t> values = {0, 1, 0xf, 0x10, 0xff, 0x100, 0x8000, 0xffff, 0x10000,
                                  0xc0000022, 0xffffffff, 0x123456789abcdefull, ~0ull};
  for (uint64_t v : values) {
    for (unsigned min : {1u, 2u, 4u, 8u, 16u}) {
      char ref[32], out[16];
      int n = std::snprintf(ref, sizeof ref, "%0*llx", int(min), (unsigned long long)v);
      EXPECT_EQ(std::string(out, format_hex(v, min, out)), std::string(ref, size_t(n)));
    }
  }
  for (unsigned v = 0; v < 256; ++v) {
    char ref[3], out[2];
    std::snprintf(ref, sizeof ref, "%02x", v);
    hex::byte(uint8_t(v), out);
    EXPECT_EQ(std::string(out, 2), std::string(ref, 2));
    EXPECT_EQ(hex::value(out[0]) * 16 + hex::value(out[1]), int(v));
    std::snprintf(ref, sizeof ref, "%02X", v);
    hex::byte(uint8_t(v), out, true);
    EXPECT_EQ(std::string(out, 2), std::string(ref, 2));
    EXPECT_EQ(hex::value(out[0]) * 16 + hex::value(out[1]), int(v));
  }
  for (char c : {'g', 'G', '/', ':', '@', '`', ' ', '\0', '\xff'}) EXPECT_EQ(hex::value(c), -1) << int(c);
}

TEST(FileSink, RotatesBySize) {
  auto dir = std::filesystem::temp_directory_path() / ("ww_eve_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  EveOutputConfig cfg;
  cfg.rotate_bytes = 100;
  cfg.max_rotated_files = 2;
  StatsBlock stats;
  auto path = (dir / "eve.json").string();
  auto sink = FileSink::open(path, cfg, stats);
  ASSERT_TRUE(sink) << sink.error().str();
  std::string line(60, 'x');
  line += '\n';
  for (int i = 0; i < 5; ++i) (*sink)->write(line);
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::exists(path + ".1"));
  EXPECT_TRUE(std::filesystem::exists(path + ".2"));
  EXPECT_FALSE(std::filesystem::exists(path + ".3"));  // capped at max_rotated_files
  EXPECT_EQ(stats.value("output.eve.rotations"), 4u);
  EXPECT_EQ(stats.value("output.eve.written_bytes"), 5u * line.size());
  std::filesystem::remove_all(dir);
}

TEST(FileSink, UnwritablePathIsAnError) {
  EveOutputConfig cfg;
  StatsBlock stats;
  auto sink = FileSink::open("/nonexistent-dir/eve.json", cfg, stats);
  EXPECT_FALSE(sink);
}

TEST(UnixSocketSink, CountsDropsWhenNoListener) {
  StatsBlock stats;
  UnixSocketSink s("/nonexistent-dir/ww.sock", stats);
  s.write("{}\n");
  EXPECT_EQ(stats.value("output.unix_socket.dropped_bytes"), 3u);
}

}  // namespace
}  // namespace ww::output
