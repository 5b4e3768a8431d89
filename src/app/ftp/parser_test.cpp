#include "app/ftp/parser.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "app/tls/test_util.h"
#include "output/eve.h"

namespace ww::app::ftp {
namespace {

using Ctx = testing::FakeContext<Tx>;
struct Msg {
  Direction d;
  std::string s;
};
constexpr Direction C = Direction::ToServer, S = Direction::ToClient;

// RFC 959 5.4-style session: login, passive (227 and RFC 2428 229) and active (PORT, EPRT)
// transfers, a multi-line reply (4.2), RETR with its preliminary 150 then 226.
std::vector<Msg> session() {
  return {
      {S, "220 Mercy General Hospital FTP service\r\n"},
      {C, "USER drsmith\r\n"},
      {S, "331 Please specify the password.\r\n"},
      {C, "PASS Hospital#2024\r\n"},
      {S, "230 Login successful.\r\n"},
      {C, "FEAT\r\n"},
      {S, "211-Features:\r\n EPRT\r\n EPSV\r\n211 End\r\n"},
      {C, "PASV\r\n"},
      {S, "227 Entering Passive Mode (10,77,0,40,156,64).\r\n"},
      {C, "STOR lab_results_20240301.csv\r\n"},
      {S, "150 Ok to send data.\r\n226 Transfer complete.\r\n"},
      {C, "EPSV\r\n"},
      {S, "229 Entering Extended Passive Mode (|||40001|)\r\n"},
      {C, "EPRT |1|10.77.0.50|41000|\r\n"},
      {S, "200 EPRT command successful.\r\n"},
      {C, "PORT 10,77,0,50,160,41\r\n"},
      {S, "200 PORT command successful.\r\n"},
      {C, "RETR lab_results_20240301.csv\r\n"},
      {S, "150 Opening BINARY mode data connection.\r\n"},
      {S, "226 Transfer complete.\r\n"},
      {C, "QUIT\r\n"},
      {S, "221 Goodbye.\r\n"},
  };
}

std::unique_ptr<Ctx> run(const std::vector<Msg>& conv, size_t cut = 0) {
  auto c = std::make_unique<Ctx>();
  Parser* p = create(*c);
  for (const Msg& m : conv) {
    Bytes b(reinterpret_cast<const uint8_t*>(m.s.data()), m.s.size());
    if (cut && cut < b.size()) {
      EXPECT_EQ(p->parse(m.d, b.first(cut), *c).consumed, cut);
      p->parse(m.d, b.subspan(cut), *c);
    } else {
      EXPECT_EQ(p->parse(m.d, b, *c).status, ParseStatus::Ok);
    }
  }
  p->finish(C, *c);
  p->finish(S, *c);
  return c;
}

std::string eve(const Tx& tx) {
  output::EveWriter w(nullptr);
  log_tx(&tx, w);
  return std::string(w.pending());
}

TEST(FtpParser, WholeSession) {
  auto c = run(session());
  ASSERT_EQ(c->txs.size(), 10u);
  EXPECT_EQ(c->txs[0].command.view(), "USER");
  EXPECT_EQ(c->txs[0].command_data.view(), "drsmith");
  EXPECT_EQ(c->txs[1].command.view(), "PASS");
  EXPECT_TRUE(c->txs[1].command_data.empty());  // never kept
  EXPECT_TRUE(c->has_anomaly("ftp.cleartext_login"));
  EXPECT_EQ(c->txs[2].reply.count, 2);  // FEAT: the first and the last line (coded)
  EXPECT_EQ(c->txs[3].mode, Mode::Passive);
  EXPECT_EQ(c->txs[3].data_addr.view(), "10.77.0.40");
  EXPECT_EQ(c->txs[3].dynamic_port, 40000);
  EXPECT_TRUE(c->txs[4].file_command);
  ASSERT_EQ(c->txs[4].n_codes, 2);  // every reply's code, as Suricata: 150 then 226
  EXPECT_EQ(c->txs[4].completion_code[0], 150);
  EXPECT_EQ(c->txs[4].completion_code[1], 226);
  EXPECT_EQ(c->txs[4].reply.count, 2);  // 150 and 226
  EXPECT_EQ(c->txs[5].dynamic_port, 40001);
  EXPECT_EQ(c->txs[6].mode, Mode::Active);
  EXPECT_EQ(c->txs[6].data_addr.view(), "10.77.0.50");
  EXPECT_EQ(c->txs[6].dynamic_port, 41000);
  EXPECT_EQ(c->txs[7].dynamic_port, 160 * 256 + 41);
  EXPECT_EQ(c->txs[8].command_data.view(), "lab_results_20240301.csv");
  std::string e = eve(c->txs[3]);
  EXPECT_NE(e.find("\"command\":\"PASV\""), std::string::npos) << e;
  EXPECT_NE(e.find("\"completion_code\":[\"227\"]"), std::string::npos) << e;
  EXPECT_NE(e.find("\"dynamic_port\":40000,\"mode\":\"passive\""), std::string::npos) << e;
  EXPECT_EQ(eve(c->txs[1]).find("Hospital"), std::string::npos);
}

TEST(FtpParser, SplitAtEveryOffset) {
  auto conv = session();
  auto whole = run(conv);
  size_t longest = 0;
  for (auto& m : conv) longest = std::max(longest, m.s.size());
  for (size_t cut = 1; cut < longest; ++cut) {
    auto c = run(conv, cut);
    ASSERT_EQ(c->txs.size(), whole->txs.size()) << cut;
    for (size_t i = 0; i < c->txs.size(); ++i) {
      EXPECT_EQ(c->txs[i].command.view(), whole->txs[i].command.view()) << cut;
      EXPECT_EQ(c->txs[i].command_data.view(), whole->txs[i].command_data.view()) << cut;
      EXPECT_EQ(c->txs[i].dynamic_port, whole->txs[i].dynamic_port) << cut;
      EXPECT_EQ(c->txs[i].n_codes, whole->txs[i].n_codes) << cut;
    }
  }
}

TEST(FtpParser, TruncatedGarbageLimits) {
  // A command without its reply is reported at finish, reply_received false.
  auto c = run({{C, "USER a\r\n"}, {S, "331 pw\r\n"}, {C, "RETR x"}, {C, "\r\n"}});
  ASSERT_EQ(c->txs.size(), 2u);
  EXPECT_FALSE(c->txs[1].reply_received);
  // A line without LF is not a command.
  c = run({{C, "USER a"}});
  EXPECT_TRUE(c->txs.empty());
  // Garbage and malformed PORT/PASV/EPRT arguments: no data channel, no crash.
  c = run({{C, "PORT 999,1,1,1,1,1\r\nPORT 1,2,3\r\nEPRT |1|x|99999|\r\nPASV\r\n"},
           {S, "200 a\r\n200 b\r\n200 c\r\n227 (1,2,3,4,5)\r\n"},
           {C, std::string("\x00\xff\x01\r\n", 5)}});
  ASSERT_EQ(c->txs.size(), 5u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c->txs[i].mode, Mode::None) << i;
  // Over kMaxLine: cut and flagged; over kMaxPending: the oldest reported without reply.
  std::vector<Msg> m = {{C, "STOR " + std::string(10000, 'a') + "\r\n"}};
  for (int i = 0; i < 20; ++i) m.push_back({C, "NOOP\r\n"});
  c = run(m);
  EXPECT_TRUE(c->has_anomaly("ftp.line_too_long"));
  EXPECT_EQ(c->txs.size(), 21u);
  EXPECT_EQ(c->txs[0].command_data.len, 512);
  // AUTH TLS accepted: nothing after is parsed, and PASS is then not cleartext.
  c = run({{C, "AUTH TLS\r\n"}, {S, "234 Proceed\r\n"}, {C, "\x16\x03\x01PASS x\r\n"}});
  EXPECT_EQ(c->txs.size(), 1u);
  EXPECT_FALSE(c->has_anomaly("ftp.cleartext_login"));
}

TEST(FtpParser, Probe) {
  auto b = [](std::string_view s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  EXPECT_EQ(probe(S, b("220 (vsFTPd 3.0.3)\r\n")), ProbeResult::Match);
  EXPECT_EQ(probe(S, b("220 mail ESMTP Postfix\r\n")), ProbeResult::NoMatch);
  EXPECT_EQ(probe(S, b("220 x")), ProbeResult::NeedMore);
  EXPECT_EQ(probe(C, b("USER drsmith\r\n")), ProbeResult::Match);
  EXPECT_EQ(probe(C, b("US")), ProbeResult::NeedMore);
  EXPECT_EQ(probe(C, b("EHLO x\r\n")), ProbeResult::NoMatch);
}

}  // namespace
}  // namespace ww::app::ftp
