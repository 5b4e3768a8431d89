#include "app/dns/parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "app/test_harness.h"
#include "detect/match.h"
#include "output/eve.h"

namespace ww::app::dns {

bool check(const void* tx, Direction d, std::string_view keyword,
           std::string_view value) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;

namespace {

using test::Harness;
using B = std::vector<uint8_t>;
constexpr Direction kTs = Direction::ToServer;
constexpr Direction kTc = Direction::ToClient;

// A query for www.example.com A (RFC 1035 4.1).
const B kQuery = {
    0x12, 0x34,  // ID
    0x01, 0x00,  // flags: QR=0 opcode=0 RD=1
    0x00, 0x01,  // QDCOUNT 1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // AN, NS, AR
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,  // QNAME @12
    0x00, 0x01,  // QTYPE A
    0x00, 0x01,  // QCLASS IN
};

// Its answer: CNAME, A, AAAA, MX, TXT, SRV, HTTPS answers and an SOA authority, names
// compressed against the question (pointer 0xC00C = offset 12).
B response() {
  B m = {
      0x12, 0x34,  // ID
      0x81, 0x80,  // flags: QR=1 RD=1 RA=1 rcode 0
      0x00, 0x01,  // QDCOUNT
      0x00, 0x07,  // ANCOUNT 7
      0x00, 0x01,  // NSCOUNT 1
      0x00, 0x00,  // ARCOUNT
      3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
      0x00, 0x01, 0x00, 0x01,
  };
  auto rr = [&](std::initializer_list<uint8_t> name, uint16_t type, uint32_t ttl, B rdata) {
    m.insert(m.end(), name);
    m.insert(m.end(), {uint8_t(type >> 8), uint8_t(type), 0x00, 0x01, uint8_t(ttl >> 24),
                       uint8_t(ttl >> 16), uint8_t(ttl >> 8), uint8_t(ttl),
                       uint8_t(rdata.size() >> 8), uint8_t(rdata.size())});
    m.insert(m.end(), rdata.begin(), rdata.end());
  };
  // CNAME -> web.example.com: label "web" + pointer to "example.com" at offset 16.
  rr({0xC0, 0x0C}, rrtype::kCname, 300, {3, 'w', 'e', 'b', 0xC0, 16});
  rr({0xC0, 0x0C}, rrtype::kA, 60, {192, 0, 2, 1});
  rr({0xC0, 0x0C}, rrtype::kAaaa, 60, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  rr({0xC0, 16}, rrtype::kMx, 60, {0x00, 0x0a, 4, 'm', 'a', 'i', 'l', 0xC0, 16});
  rr({0xC0, 16}, rrtype::kTxt, 60, {5, 'h', 'e', 'l', 'l', 'o', 6, ' ', 'w', 'o', 'r', 'l', 'd'});
  rr({0xC0, 16}, rrtype::kSrv, 60, {0, 1, 0, 2, 0x01, 0xbb, 3, 's', 'r', 'v', 0xC0, 16});
  rr({0xC0, 16}, rrtype::kHttps, 60, {0, 1, 0});  // priority 1, target "." (root)
  B soa = {2, 'n', 's', 0xC0, 16, 4, 'h', 'o', 's', 't', 0xC0, 16};
  for (uint32_t v : {2024u, 7200u, 3600u, 1209600u, 300u})
    soa.insert(soa.end(), {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
  rr({0xC0, 16}, rrtype::kSoa, 60, soa);
  return m;
}

struct Conn {
  Harness h;
  std::vector<std::string> eve;
  std::vector<std::pair<uint64_t, bool>> txs;  // tx_id, response
  std::vector<std::string> queries;
  Conn(uint8_t proto, uint16_t dp = 53) : h(proto, 40000, dp) {
    h.on_tx = [this](const ParserSpec& spec, const void* tx, uint64_t id, Direction d) {
      const auto& m = *static_cast<const Message*>(tx);
      txs.push_back({id, m.response});
      detect::InspectBuffers bufs;
      spec.buffers(tx, d, bufs);
      if (auto* q = bufs.get(detect::BufferId::DnsQuery)) queries.emplace_back(as_sv(*q));
    };
  }
  std::string all() { return h.eve_all(); }
};

B tcp_frame(const B& m) {
  B out(m.size() + 2);  // RFC 1035 4.2.2: two-byte length, then the message
  out[0] = uint8_t(m.size() >> 8);
  out[1] = uint8_t(m.size());
  std::copy(m.begin(), m.end(), out.begin() + 2);
  return out;
}

const char* kAnswerJson =
    "\"dns\":{\"version\":2,\"type\":\"answer\",\"id\":4660,\"flags\":\"8180\",\"qr\":true,"
    "\"rd\":true,\"ra\":true,\"opcode\":0,\"rrname\":\"www.example.com\",\"rrtype\":\"A\","
    "\"rcode\":\"NOERROR\",\"answers\":["
    "{\"rrname\":\"www.example.com\",\"rrtype\":\"CNAME\",\"ttl\":300,\"rdata\":\"web.example.com\"},"
    "{\"rrname\":\"www.example.com\",\"rrtype\":\"A\",\"ttl\":60,\"rdata\":\"192.0.2.1\"},"
    "{\"rrname\":\"www.example.com\",\"rrtype\":\"AAAA\",\"ttl\":60,"
    "\"rdata\":\"2001:0db8:0000:0000:0000:0000:0000:0001\"},"
    "{\"rrname\":\"example.com\",\"rrtype\":\"MX\",\"ttl\":60,\"rdata\":\"mail.example.com\"},"
    "{\"rrname\":\"example.com\",\"rrtype\":\"TXT\",\"ttl\":60,\"rdata\":\"hello world\"},"
    "{\"rrname\":\"example.com\",\"rrtype\":\"SRV\",\"ttl\":60,\"srv\":{\"priority\":1,"
    "\"weight\":2,\"port\":443,\"name\":\"srv.example.com\"}},"
    "{\"rrname\":\"example.com\",\"rrtype\":\"HTTPS\",\"ttl\":60,\"rdata\":\"\"}],"
    "\"grouped\":{\"CNAME\":[\"web.example.com\"],\"A\":[\"192.0.2.1\"],"
    "\"AAAA\":[\"2001:0db8:0000:0000:0000:0000:0000:0001\"],"
    "\"MX\":[\"mail.example.com\"],\"TXT\":[\"hello world\"],\"HTTPS\":[\"\"]},"
    "\"authorities\":[{\"rrname\":\"example.com\",\"rrtype\":\"SOA\",\"ttl\":60,\"soa\":{"
    "\"mname\":\"ns.example.com\",\"rname\":\"host.example.com\",\"serial\":2024,"
    "\"refresh\":7200,\"retry\":3600,\"expire\":1209600,\"minimum\":300}}]}";

TEST(DnsParser, UdpQueryAndAnswer) {
  Conn c(ipproto::kUdp);
  B rsp = response();
  c.h.datagram(kTs, kQuery);
  c.h.datagram(kTc, rsp);
  EXPECT_EQ(static_cast<Proto>(c.h.f.app_proto), Proto::Dns);
  ASSERT_EQ(c.txs.size(), 2u);
  EXPECT_EQ(c.txs[0], std::make_pair(uint64_t(0), false));
  EXPECT_EQ(c.txs[1], std::make_pair(uint64_t(1), true));  // its own transaction (Suricata)
  ASSERT_EQ(c.queries.size(), 1u);
  EXPECT_EQ(c.queries[0], "www.example.com");
  std::string eve = c.all();
  EXPECT_NE(eve.find("\"tx_id\":0,\"dns\":{\"type\":\"query\",\"id\":4660,\"rrname\":"
                     "\"www.example.com\",\"rrtype\":\"A\",\"tx_id\":0,\"opcode\":0}"),
            std::string::npos)
      << eve;
  EXPECT_NE(eve.find(kAnswerJson), std::string::npos) << eve;
}

// Suricata's query record carries the transaction id and "z" when the reserved bit is set.
TEST(DnsParser, QueryTxIdAndZ) {
  Conn c(ipproto::kUdp);
  B second = kQuery;
  second[1] = 0x35;  // another id: a second transaction
  second[3] |= 0x40;  // Z (RFC 1035 4.1.1: must be zero)
  c.h.datagram(kTs, kQuery);
  c.h.datagram(kTs, second);
  std::string eve = c.all();
  EXPECT_NE(eve.find("\"rrtype\":\"A\",\"tx_id\":1,\"z\":true,\"opcode\":0}"), std::string::npos)
      << eve;
  EXPECT_EQ(eve.find("\"tx_id\":0,\"z\""), std::string::npos) << eve;
}

TEST(DnsParser, TcpSplitAtEveryOffset) {
  B stream = tcp_frame(kQuery);
  B r = tcp_frame(response());
  B two = stream;
  two.insert(two.end(), stream.begin(), stream.end());  // two queries back to back
  for (size_t cut = 0; cut <= two.size(); ++cut) {
    Conn c(ipproto::kTcp);
    c.h.data(kTs, Bytes(two).first(cut));
    c.h.data(kTs, Bytes(two).subspan(cut));
    c.h.data(kTc, r);
    SCOPED_TRACE(cut);
    ASSERT_EQ(c.txs.size(), 3u);
    EXPECT_EQ(c.queries.size(), 2u);
    EXPECT_TRUE(c.txs[2].second);
    EXPECT_NE(c.all().find(kAnswerJson), std::string::npos);
  }
  Conn c(ipproto::kTcp);  // byte by byte
  c.h.data_split(kTs, two, 1);
  c.h.data_split(kTc, r, 1);
  EXPECT_EQ(c.txs.size(), 3u);
}

TEST(DnsParser, TruncatedMessages) {
  B rsp = response();
  for (size_t cut = 0; cut < rsp.size(); ++cut) {
    Message m;
    char text[kTextBytes];
    m.text = text;
    bool ok = decode(Bytes(rsp).first(cut), m, nullptr);
    // Header and question complete (33 bytes): decodes, keeping the records that fit.
    EXPECT_EQ(ok, cut >= 33) << cut;
    if (ok) {
      EXPECT_LE(m.record_count, 8u);
    }
  }
  Conn c(ipproto::kTcp);  // a TCP message cut by the end of the flow: nothing logged
  B f = tcp_frame(kQuery);
  c.h.data(kTs, Bytes(f).first(f.size() - 3));
  c.h.end();
  EXPECT_TRUE(c.txs.empty());
}

// Version 3 (Suricata 8): "request"/"response", header flags in both, every question, the
// response's records by section; the response names its sender as src.
TEST(DnsParser, EveVersion3) {
  set_eve_version(3);
  Conn c(ipproto::kUdp);
  B rsp = response();
  rsp[11] = 1;  // ARCOUNT 1: an additional A record
  rsp.insert(rsp.end(), {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 192, 0, 2, 9});
  c.h.datagram(kTs, kQuery);
  c.h.datagram(kTc, rsp);
  std::string eve = c.all();
  set_eve_version(2);
  EXPECT_NE(eve.find("\"dns\":{\"version\":3,\"type\":\"request\",\"tx_id\":0,\"id\":4660,"
                     "\"flags\":\"100\",\"rd\":true,\"opcode\":0,\"rcode\":\"NOERROR\","
                     "\"queries\":[{\"rrname\":\"www.example.com\",\"rrtype\":\"A\"}]}"),
            std::string::npos)
      << eve;
  EXPECT_NE(eve.find("\"dns\":{\"version\":3,\"type\":\"response\",\"tx_id\":1,\"id\":4660,"
                     "\"flags\":\"8180\",\"qr\":true,\"rd\":true,\"ra\":true,\"opcode\":0,"
                     "\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"www.example.com\","
                     "\"rrtype\":\"A\"}],\"answers\":[{\"rrname\":\"www.example.com\","
                     "\"rrtype\":\"CNAME\""),
            std::string::npos)
      << eve;
  EXPECT_NE(eve.find("\"additionals\":[{\"rrname\":\"www.example.com\",\"rrtype\":\"A\","
                     "\"ttl\":9,\"rdata\":\"192.0.2.9\"}]}"),
            std::string::npos)
      << eve;
  // The response's event: the server is src; the request's: the client.
  EXPECT_NE(eve.find("\"src_port\":53,\"dest_ip\""), std::string::npos) << eve;
  EXPECT_NE(eve.find("\"src_port\":40000,\"dest_ip\""), std::string::npos) << eve;
}

// The flow's one Message is reused for every message: only its header part is reset, and a
// query decoded after a large response reads and logs exactly as into a fresh Message.
TEST(DnsParser, ReusedMessageDecodesAsAFreshOne) {
  auto eve = [](const Message& m) {
    output::EveWriter w(nullptr);
    kSpec.log_tx(&m, w);
    return std::string(w.pending());
  };
  char t1[kTextBytes], t2[kTextBytes];
  Message reused;
  reused.text = t1;
  ASSERT_TRUE(decode(response(), reused, nullptr));
  EXPECT_EQ(reused.record_count, 8u);
  ASSERT_TRUE(decode(kQuery, reused, nullptr));
  Message fresh;
  fresh.text = t2;
  ASSERT_TRUE(decode(kQuery, fresh, nullptr));
  EXPECT_EQ(reused.record_count, 0u);
  EXPECT_EQ(reused.query_count, 1u);
  EXPECT_EQ(reused.text_used, fresh.text_used);
  EXPECT_FALSE(reused.response);
  EXPECT_EQ(eve(reused), eve(fresh));
  detect::InspectBuffers a, b;
  buffers(&reused, kTs, a);
  buffers(&fresh, kTs, b);
  EXPECT_EQ(a.get(detect::BufferId::DnsAnswersRrname), nullptr);
  ASSERT_NE(a.get(detect::BufferId::DnsQuery), nullptr);
  EXPECT_EQ(as_sv(*a.get(detect::BufferId::DnsQuery)), "www.example.com");
}

// The header flag members are written once per (flags, padding) and then appended from a
// per-thread copy: every flag value, seen first or again, in either EVE version and after
// other values that share its slot, gives the members the writer itself gives.
TEST(DnsEvents, HeaderFlagsAsWrittenForEveryValue) {
  char text[kTextBytes];
  Message m;
  m.text = text;
  ASSERT_TRUE(decode(response(), m, nullptr));
  auto eve = [&](uint16_t flags) {
    m.flags = flags;
    output::EveWriter w(nullptr);
    kSpec.log_tx(&m, w);
    return std::string(w.pending());
  };
  auto expected = [](uint16_t flags, bool pad) {
    char hex[8];
    std::snprintf(hex, sizeof hex, pad ? "%04x" : "%x", flags);
    std::string s = std::string("\"flags\":\"") + hex + "\"";
    for (auto [bit, name] : {std::pair{0x8000, "qr"}, {0x0400, "aa"}, {0x0200, "tc"},
                             {0x0100, "rd"}, {0x0080, "ra"}, {0x0040, "z"}})
      if (flags & bit) s += std::string(",\"") + name + "\":true";
    return s + ",\"opcode\"";
  };
  for (int version : {2, 3}) {
    set_eve_version(version);
    for (int round = 0; round < 2; ++round)
      for (uint32_t f = 0; f < 0x10000; f += 0x0101 + round) {  // shared slots included
        std::string e = eve(uint16_t(f | 0x8000));  // a response: version 2 logs its flags
        EXPECT_NE(e.find(expected(uint16_t(f | 0x8000), version == 2)), std::string::npos)
            << version << " " << f << " " << e;
      }
  }
  set_eve_version(2);
}

// Record types, rcodes and opcodes are also written once per value and appended afterwards: every
// value, first and again, in questions and records of both EVE versions, gives the name
// rrtype_name / rcode_name give (opcodes in decimal).
TEST(DnsEvents, TypeAndRcodeNamesAsWrittenForEveryValue) {
  char text[kTextBytes];
  Message m;
  m.text = text;
  ASSERT_TRUE(decode(response(), m, nullptr));
  ASSERT_GE(m.record_count, 2u);
  m.record_count = 2;  // two answers of the same type, no rdata specifics
  for (uint32_t i = 0; i < m.record_count; ++i) m.records[i].has_rdata = false;
  for (int version : {2, 3}) {
    set_eve_version(version);
    for (int round = 0; round < 2; ++round)
      for (uint32_t t = 0; t < 70000; t += (t < 300 ? 1 : 997)) {
        uint16_t type = uint16_t(t);
        m.queries[0].type = type;
        m.records[0].type = m.records[1].type = type;
        m.rcode = uint8_t(t & 15);
        m.opcode = uint8_t(t % 7);
        output::EveWriter w(nullptr);
        kSpec.log_tx(&m, w);
        std::string e(w.pending());
        char tb[8], rb[8];
        std::string name(rrtype_name(type, tb));
        std::string rrtype = "\"rrtype\":\"" + name + "\"";
        size_t n = 0;
        for (size_t at = e.find(rrtype); at != std::string::npos; at = e.find(rrtype, at + 1)) ++n;
        EXPECT_EQ(n, 3u) << version << " " << t << " " << e;  // the question and two answers
        EXPECT_NE(e.find("\"rcode\":\"" + std::string(rcode_name(m.rcode, rb)) + "\""),
                  std::string::npos)
            << e;
        EXPECT_NE(e.find("\"opcode\":" + std::to_string(m.opcode) + ","), std::string::npos)
            << e;
      }
  }
  set_eve_version(2);
}

// Rule buffers (multi-buffers: one instance per name) and the value keywords.
TEST(DnsParser, BuffersAndChecks) {
  Message m;
  char text[kTextBytes];
  m.text = text;
  ASSERT_TRUE(decode(response(), m, nullptr));
  detect::InspectBuffers b;
  buffers(&m, kTc, b);
  auto all = [&](detect::BufferId id) {
    std::vector<std::string> out;
    for (const Bytes* x = b.get(id); x; x = b.next(id, *x)) out.emplace_back(as_sv(*x));
    return out;
  };
  using detect::BufferId;
  EXPECT_TRUE(all(BufferId::DnsQuery).empty());  // a query's only
  EXPECT_EQ(all(BufferId::DnsQueriesRrname), std::vector<std::string>{"www.example.com"});
  EXPECT_EQ(all(BufferId::DnsAnswersRrname).size(), 7u);
  EXPECT_EQ(all(BufferId::DnsAuthoritiesRrname), std::vector<std::string>{"example.com"});
  auto rsp = all(BufferId::DnsResponseRrname);
  for (const char* n : {"www.example.com", "web.example.com", "mail.example.com",
                        "srv.example.com", "ns.example.com", "host.example.com"})
    EXPECT_NE(std::find(rsp.begin(), rsp.end(), n), rsp.end()) << n;
  EXPECT_TRUE(check(&m, kTc, "dns.rcode", "0"));
  EXPECT_FALSE(check(&m, kTc, "dns.rcode", "3"));
  EXPECT_TRUE(check(&m, kTc, "dns.rrtype", "6"));  // the SOA authority
  EXPECT_TRUE(check(&m, kTc, "dns.rrtype", "!2"));
  EXPECT_TRUE(check(&m, kTc, "dns.opcode", "0"));
  detect::InspectBuffers q;
  Message mq;
  char qt[kTextBytes];
  mq.text = qt;
  ASSERT_TRUE(decode(kQuery, mq, nullptr));
  buffers(&mq, kTs, q);
  ASSERT_NE(q.get(BufferId::DnsQuery), nullptr);
  EXPECT_EQ(q.get(BufferId::DnsResponseRrname), nullptr);
  EXPECT_FALSE(check(&mq, kTs, "dns.rrtype", "5"));
}

// A first question whose name is a pointer forward to the second's (RFC 1035 does not forbid
// it; Suricata accepts it).
TEST(DnsParser, ForwardPointer) {
  B m = {0x8e, 0x04, 0x01, 0x00, 0, 2, 0, 0, 0, 0, 0, 0,
         0xC0, 18, 0, 1, 0, 1,  // QNAME -> offset 18
         3, 'f', 'o', 'o', 3, 'n', 'e', 't', 0, 0, 1, 0, 1};
  Message msg;
  char text[kTextBytes];
  msg.text = text;
  ASSERT_TRUE(decode(m, msg, nullptr));
  ASSERT_EQ(msg.query_count, 2u);
  EXPECT_EQ(msg.str(msg.queries[0].name), "foo.net");
  EXPECT_EQ(msg.str(msg.queries[1].name), "foo.net");
  EXPECT_EQ(probe(kTs, m), ProbeResult::Match);
}

// A name longer than kMaxNameLen (pointers make it possible) is cut there and flagged.
TEST(DnsParser, LongNameCut) {
  B m = {0, 1, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  // 20 labels of 63 'a' then the root: 20 * 64 - 1 = 1279 characters.
  for (int i = 0; i < 20; ++i) {
    m.push_back(63);
    m.insert(m.end(), 63, 'a');
  }
  m.insert(m.end(), {0, 0, 16, 0, 1});
  Conn c(ipproto::kUdp);
  c.h.datagram(kTs, kQuery);
  c.h.datagram(kTs, m);
  Message msg;
  char text[kTextBytes];
  msg.text = text;
  ASSERT_TRUE(decode(m, msg, nullptr));
  EXPECT_EQ(msg.queries[0].name.len, kMaxNameLen);
  EXPECT_TRUE(msg.queries[0].truncated);
  std::string eve = c.all();
  EXPECT_NE(eve.find("\"rrname_truncated\":true"), std::string::npos) << eve;
  EXPECT_NE(eve.find("\"event\":\"name_too_long\""), std::string::npos) << eve;
}

// A message's anomaly names its transaction; a response's names the server as src.
TEST(DnsParser, AnomalyNamesTransaction) {
  Conn c(ipproto::kUdp);
  B q = kQuery, r = response();
  q[2] = 0x49;  // opcode 9 (RFC 6895: unassigned), RD
  r[2] = 0xC9;  // QR, opcode 9, RD
  c.h.datagram(kTs, q);
  c.h.datagram(kTc, r);
  std::string eve = c.all();
  EXPECT_NE(eve.find("\"src_port\":40000,\"dest_ip\""), std::string::npos) << eve;
  EXPECT_NE(eve.find("\"tx_id\":0,\"anomaly\":{\"app_proto\":\"dns\",\"type\":\"applayer\","
                     "\"event\":\"invalid_opcode\""),
            std::string::npos)
      << eve;
  size_t at = eve.find("\"tx_id\":1,\"anomaly\":{\"app_proto\":\"dns\"");
  ASSERT_NE(at, std::string::npos) << eve;
  size_t line = eve.rfind('\n', at);
  EXPECT_NE(eve.substr(line, at - line).find("\"src_port\":53,"), std::string::npos) << eve;
}

// NULL rdata (RFC 1035 3.3.10): raw bytes, a byte over 0x7f written "\xNN" (as Suricata).
TEST(DnsParser, NullRdata) {
  B m = {0, 7, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0,
         1, 'x', 0, 0, 10, 0, 1, 0, 0, 0, 5, 0, 4, 'V', 0x03, 0xc5, 0x01};
  Message msg;
  char text[kTextBytes];
  msg.text = text;
  ASSERT_TRUE(decode(m, msg, nullptr));
  ASSERT_EQ(msg.record_count, 1u);
  EXPECT_EQ(msg.str(msg.records[0].rdata), std::string_view("V\x03\\xc5\x01", 7));
}

TEST(DnsParser, PointerLoopAndLongLabel) {
  B loop = kQuery;
  loop.resize(12);
  loop.insert(loop.end(), {1, 'a', 0xC0, 12, 0, 1, 0, 1});  // "a" then a pointer to itself
  Conn c(ipproto::kUdp);
  c.h.datagram(kTs, kQuery);  // detection
  c.h.datagram(kTs, loop);
  B label = kQuery;
  label[12] = 0x45;  // a label length of 69 (top bits 01: not a pointer)
  c.h.datagram(kTs, label);
  std::string eve = c.all();
  // EVE names them as Suricata does: without the "dns." prefix.
  EXPECT_NE(eve.find("\"event\":\"infinite_loop\""), std::string::npos) << eve;
  EXPECT_NE(eve.find("\"event\":\"label_too_long\""), std::string::npos);
  EXPECT_EQ(c.txs.size(), 1u);
}

TEST(DnsParser, OverLimits) {
  B m = {0xab, 0xcd, 0x81, 0x83, 0, 1, 0, 40, 0, 0, 0, 0,  // NXDOMAIN, 40 answers
         1, 'x', 0, 0, 1, 0, 1};
  for (int i = 0; i < 40; ++i)
    m.insert(m.end(), {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 10, 0, 0, uint8_t(i)});
  Message msg;
  char text[kTextBytes];
  msg.text = text;
  ASSERT_TRUE(decode(m, msg, nullptr));
  EXPECT_EQ(msg.record_count, kMaxRecords);
  EXPECT_TRUE(msg.records_dropped);
  EXPECT_EQ(msg.rcode, 3);
  char rb[8];
  EXPECT_EQ(rcode_name(msg.rcode, rb), "NXDOMAIN");
}

TEST(DnsParser, GarbageIsNotDns) {
  Conn c(ipproto::kUdp, 5000);
  uint32_t x = 7;
  for (int n = 0; n < 40; ++n) {
    B junk;
    for (int i = 0; i < 60; ++i) {
      x = x * 1103515245 + 12345;
      junk.push_back(uint8_t(x >> 16));
    }
    c.h.datagram(kTs, junk);
  }
  EXPECT_EQ(static_cast<Proto>(c.h.f.app_proto), Proto::Failed);
  EXPECT_TRUE(c.txs.empty());
  EXPECT_EQ(c.h.counter("app_layer.detect_failed"), 1u);
}

TEST(DnsParser, DetectedOffPortAndTcpBadLength) {
  Conn c(ipproto::kUdp, 5300);
  c.h.datagram(kTs, kQuery);
  EXPECT_EQ(static_cast<Proto>(c.h.f.app_proto), Proto::Dns);
  Conn t(ipproto::kTcp, 53);
  t.h.data(kTs, tcp_frame(kQuery));
  t.h.data(kTs, B{0x00, 0x03, 1, 2, 3});  // length 3: cannot be a message
  EXPECT_EQ(t.h.counter("app_layer.parse_errors"), 1u);
  EXPECT_EQ(t.h.counter("app_layer.error.dns_tcp.parser"), 1u);  // per transport, as Suricata
  EXPECT_EQ(t.h.counter("app_layer.error.dns_udp.parser"), 0u);
  EXPECT_NE(t.all().find("\"event\":\"invalid_tcp_length\""), std::string::npos);
}

// LLMNR (RFC 4795, port 5355) has DNS's format but is not DNS: never detected as DNS there
// (from either end), as Suricata; mDNS (5353) is.
TEST(DnsParser, LlmnrIsNotDns) {
  for (bool server_port : {true, false}) {
    Harness h(ipproto::kUdp, server_port ? 51000 : 5355, server_port ? 5355 : 51000);
    for (int i = 0; i < 4; ++i) h.datagram(kTs, kQuery);
    EXPECT_NE(static_cast<Proto>(h.f.app_proto), Proto::Dns);
    EXPECT_EQ(h.eve_all().find("\"dns\""), std::string::npos) << h.eve_all();
  }
  Harness t(ipproto::kTcp, 51000, 5355);
  t.data(kTs, tcp_frame(kQuery));
  EXPECT_NE(static_cast<Proto>(t.f.app_proto), Proto::Dns);
  Conn m(ipproto::kUdp, 5353);
  m.h.datagram(kTs, kQuery);
  EXPECT_EQ(static_cast<Proto>(m.h.f.app_proto), Proto::Dns);
}

TEST(DnsParser, Probe) {
  EXPECT_EQ(probe(kTs, kQuery), ProbeResult::Match);
  EXPECT_EQ(probe(kTs, tcp_frame(kQuery)), ProbeResult::Match);
  EXPECT_EQ(probe(kTs, Bytes(tcp_frame(kQuery)).first(10)), ProbeResult::NeedMore);
  B http = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n'};
  EXPECT_EQ(probe(kTs, http), ProbeResult::NoMatch);
}

}  // namespace
}  // namespace ww::app::dns
