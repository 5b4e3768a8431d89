#include "app/ftp/parser.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "app/expect.h"
#include "app/ftp/data.h"
#include "app/test_ctx.h"
#include "detect/match.h"
#include "app/test_harness.h"
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
  ASSERT_EQ(c->txs.size(), 11u);
  // The greeting is its own transaction, without command (as Suricata logs it).
  EXPECT_TRUE(c->txs[0].command.empty());
  ASSERT_EQ(c->txs[0].n_codes, 1);
  EXPECT_EQ(c->txs[0].completion_code[0], 220);
  EXPECT_EQ(eve(c->txs[0]).find("\"command\""), std::string::npos);
  c->txs.erase(c->txs.begin());
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
  EXPECT_TRUE(c->has_anomaly("ftp.request_command_too_long"));
  EXPECT_EQ(c->txs.size(), 21u);
  EXPECT_EQ(c->txs[0].command_data.len, kMaxLine - 5);  // "STOR " and what fitted
  EXPECT_TRUE(c->txs[0].command_truncated);
  EXPECT_FALSE(c->txs[1].command_truncated);
  // AUTH TLS accepted: nothing after is parsed, and PASS is then not cleartext.
  c = run({{C, "AUTH TLS\r\n"}, {S, "234 Proceed\r\n"}, {C, "\x16\x03\x01PASS x\r\n"}});
  EXPECT_EQ(c->txs.size(), 1u);
  EXPECT_FALSE(c->has_anomaly("ftp.cleartext_login"));
}

// app-layer.protocols.ftp: PASS's argument only with log-password; max-line-length moves the
// cut (command_data still keeps kMaxLine bytes at most).
TEST(FtpParser, Settings) {
  std::vector<Msg> login = {{C, "USER drsmith\r\n"}, {S, "331 Password?\r\n"},
                            {C, "PASS Hospital#2024\r\n"}, {S, "230 Login successful.\r\n"}};
  auto c = run(login);
  ASSERT_EQ(c->txs.size(), 2u);
  EXPECT_TRUE(c->txs[1].command_data.empty());
  set_settings({true, kMaxLine});
  c = run(login);
  ASSERT_EQ(c->txs.size(), 2u);
  EXPECT_EQ(c->txs[1].command_data.view(), "Hospital#2024");
  EXPECT_TRUE(c->has_anomaly("ftp.cleartext_login"));
  set_settings({false, 5120});
  c = run({{C, "RETR " + std::string(4500, 'a') + "\r\n"}, {S, "550 No.\r\n"},
           {C, "RETR " + std::string(6000, 'b') + "\r\n"}, {S, "550 No.\r\n"}});
  ASSERT_EQ(c->txs.size(), 2u);
  EXPECT_FALSE(c->txs[0].command_truncated);
  EXPECT_EQ(c->txs[0].command_data.len, kMaxLine);  // kept at most kMaxLine
  EXPECT_TRUE(c->txs[1].command_truncated);
  EXPECT_TRUE(c->has_anomaly("ftp.request_command_too_long"));
  // max-tx 1: a second command before the first's reply is ftp.too_many_transactions and
  // the client's side stops (Suricata 8.0.6).
  set_settings({false, kMaxLine, 1});
  c = run({{S, "220 FTP\r\n"}, {C, "PWD\r\nPWD\r\nPWD\r\n"}, {S, "257 \"/\"\r\n"},
           {C, "CWD /tmp\r\n"}, {S, "250 Ok\r\n"}});
  ASSERT_EQ(c->txs.size(), 2u);  // the greeting and the first PWD
  EXPECT_EQ(c->txs[1].command.view(), "PWD");
  EXPECT_EQ(c->anomalies, std::vector<std::string>{"ftp.too_many_transactions"});
  set_settings({});
  EXPECT_EQ(settings().max_line, kMaxLine);
  EXPECT_FALSE(settings().log_password);
}

// ftp.command/command_data to_server; the multi-buffers ftp.reply and ftp.completion_code
// (one instance per reply line and code) to_client.
TEST(FtpParser, RuleBuffers) {
  auto c = run({{C, "RETR notes.txt\r\n"},
                {S, "150 Opening BINARY mode data connection.\r\n226 Transfer complete.\r\n"}});
  ASSERT_EQ(c->txs.size(), 1u);
  detect::InspectBuffers ts, tc;
  buffers(&c->txs[0], C, ts);
  buffers(&c->txs[0], S, tc);
  ASSERT_NE(ts.get(detect::BufferId::FtpCommand), nullptr);
  EXPECT_EQ(as_sv(*ts.get(detect::BufferId::FileName)), "notes.txt");
  EXPECT_EQ(ts.get(detect::BufferId::FtpReply), nullptr);
  EXPECT_EQ(tc.get(detect::BufferId::FtpCommand), nullptr);
  auto all = [&](detect::BufferId id) {
    std::vector<std::string> v;
    for (const Bytes* x = tc.get(id); x; x = tc.next(id, *x)) v.emplace_back(as_sv(*x));
    return v;
  };
  EXPECT_EQ(all(detect::BufferId::FtpReply),
            (std::vector<std::string>{"Opening BINARY mode data connection.", "Transfer complete."}));
  EXPECT_EQ(all(detect::BufferId::FtpCompletionCode), (std::vector<std::string>{"150", "226"}));
}

// ftpbounce: a PORT naming another host than the client (RFC 2577 3).
TEST(FtpParser, BounceIsAPortToAnotherHost) {
  auto c = std::make_unique<Ctx>();
  c->flow().src = IpAddr::v4(uint32_t(0x0a4d0032));  // the client, 10.77.0.50
  Parser* p = create(*c);
  auto feed = [&](Direction d, std::string_view s) {
    p->parse(d, Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()), *c);
  };
  feed(C, "PORT 10,77,0,50,160,41\r\n");
  feed(S, "200 PORT command successful.\r\n");
  feed(C, "PORT 10,77,0,99,0,80\r\n");
  feed(S, "200 PORT command successful.\r\n");
  ASSERT_EQ(c->txs.size(), 2u);
  EXPECT_FALSE(check(&c->txs[0], C, "ftpbounce", ""));
  EXPECT_TRUE(check(&c->txs[1], C, "ftpbounce", ""));
  EXPECT_FALSE(check(&c->txs[1], C, "dcerpc.opnum", "1"));
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

// --- Data channel: expectations (app/expect.h) and the ftp-data parser (data.h) ---

struct DataRun {
  std::string eve;
  uint16_t app_proto = 0;
  uint64_t matched = 0;
};

// The control session on 10.0.0.1:40000 -> 10.0.0.2:21, then a data connection `src:sp ->
// dst:dp` carrying `payload` in direction `d`.
DataRun transfer(const std::vector<Msg>& control, IpAddr src, uint16_t sp, IpAddr dst,
                 uint16_t dp, Direction d, const std::string& payload, int64_t delay_us = 0) {
  ExpectationTable::global().clear();
  app::test::Harness hc(ipproto::kTcp, 40000, 21);
  hc.f.last.usec = 1'000'000;
  for (auto& m : control) hc.data(m.d, m.s);
  app::test::Harness hd(ipproto::kTcp, sp, dp);
  hd.f.src = src;
  hd.f.dst = dst;
  hd.f.last.usec = 1'000'000 + delay_us;
  hd.data_split(d, app::test::Harness::b(payload), 1000);
  hd.end();
  hc.end();
  return {hd.eve_all(), hd.f.app_proto, hd.counter("app_layer.expect.matched")};
}

const IpAddr kClient = IpAddr::v4(0x0a000001), kServer = IpAddr::v4(0x0a000002);

TEST(FtpData, PassiveRetrIsExtractedWithItsName) {
  std::string body(5000, 'x');
  for (size_t i = 0; i < body.size(); ++i) body[i] = char('a' + i % 26);
  std::vector<Msg> control = {{S, "220 ProFTPD FTP Server ready\r\n"},
                              {C, "USER nurse\r\n"},
                              {S, "331 Password required\r\n"},
                              {C, "PASV\r\n"},
                              {S, "227 Entering Passive Mode (10,0,0,2,195,80).\r\n"},  // 50000
                              {C, "RETR ward7/roster.csv\r\n"},
                              {S, "150 Opening BINARY mode data connection\r\n"}};
  DataRun r = transfer(control, kClient, 40001, kServer, 50000, S, body);
  EXPECT_EQ(r.app_proto, uint16_t(Proto::FtpData));
  EXPECT_EQ(r.matched, 1u);
  EXPECT_NE(r.eve.find("\"event_type\":\"ftp_data\""), std::string::npos) << r.eve;
  EXPECT_NE(r.eve.find("\"ftp_data\":{\"filename\":\"ward7/roster.csv\",\"command\":\"RETR\"}"),
            std::string::npos)
      << r.eve;
  // The file tracker saw the bytes under that name.
  EXPECT_NE(r.eve.find("\"event_type\":\"fileinfo\""), std::string::npos) << r.eve;
  EXPECT_NE(r.eve.find("\"size\":5000"), std::string::npos) << r.eve;
}

TEST(FtpData, ActiveStorAndEprt) {
  std::vector<Msg> control = {{S, "220 FTP ready\r\n"},
                              {C, "PORT 10,0,0,1,7,208\r\n"},  // client listens on 2000
                              {S, "200 PORT command successful\r\n"},
                              {C, "STOR upload.dcm\r\n"}};
  // The server connects from port 20 to the client and the upload flows server-ward in the
  // control session, i.e. from the data connection's responder: ToClient.
  DataRun r = transfer(control, kServer, 20, kClient, 2000, S, "DICM");
  EXPECT_EQ(r.app_proto, uint16_t(Proto::FtpData));
  EXPECT_NE(r.eve.find("\"filename\":\"upload.dcm\",\"command\":\"STOR\""), std::string::npos)
      << r.eve;
  control[1].s = "EPRT |1|10.0.0.1|2001|\r\n";  // RFC 2428 2
  r = transfer(control, kServer, 20, kClient, 2001, S, "DICM");
  EXPECT_EQ(r.app_proto, uint16_t(Proto::FtpData));
}

TEST(FtpData, NotLinkedWhenExpiredOrOtherPortOrNoTransfer) {
  std::vector<Msg> control = {{S, "220 FTP ready\r\n"},
                              {C, "EPSV\r\n"},
                              {S, "229 Entering Extended Passive Mode (|||50001|)\r\n"},
                              {C, "RETR a.txt\r\n"}};
  DataRun late = transfer(control, kClient, 40001, kServer, 50001, S, "hello",
                          kExpectTimeoutUs + 1);
  EXPECT_NE(late.app_proto, uint16_t(Proto::FtpData));
  EXPECT_EQ(late.matched, 0u);
  DataRun other = transfer(control, kClient, 40001, kServer, 50002, S, "hello");
  EXPECT_NE(other.app_proto, uint16_t(Proto::FtpData));
  control.pop_back();  // EPSV without a transfer command: nothing expected
  DataRun none = transfer(control, kClient, 40001, kServer, 50001, S, "hello");
  EXPECT_NE(none.app_proto, uint16_t(Proto::FtpData));
  // A listing: ftp-data with its command, no file.
  control.push_back({C, "LIST\r\n"});
  DataRun list = transfer(control, kClient, 40001, kServer, 50001, S, "drwxr-xr-x ward7\r\n");
  EXPECT_EQ(list.app_proto, uint16_t(Proto::FtpData));
  EXPECT_NE(list.eve.find("\"ftp_data\":{\"command\":\"LIST\"}"), std::string::npos) << list.eve;
  EXPECT_EQ(list.eve.find("fileinfo"), std::string::npos) << list.eve;
}

TEST(ExpectationTable, BoundedReplacedAndTakenOnce) {
  ExpectationTable t;
  Expectation e;
  e.proto = Proto::FtpData;
  e.client = kClient;
  e.server = kServer;
  e.expires_us = 100;
  for (uint16_t p = 1; p <= kExpectCap; ++p) {
    e.port = p;
    e.expires_us = 100 + p;
    EXPECT_EQ(t.add(e), ExpectationTable::Add::Added);
  }
  e.port = 1;
  EXPECT_EQ(t.add(e), ExpectationTable::Add::Replaced);  // same client, server, port
  e.port = 9999;
  e.expires_us = 10'000;
  EXPECT_EQ(t.add(e), ExpectationTable::Add::Evicted);  // full: the first to expire goes
  Expectation out;
  uint32_t expired = 0;
  EXPECT_FALSE(t.take(kClient, kServer, 2, 0, out, expired));  // port 2 was evicted
  EXPECT_TRUE(t.take(kClient, kServer, 9999, 0, out, expired));
  EXPECT_FALSE(t.take(kClient, kServer, 9999, 0, out, expired));  // used once
  EXPECT_FALSE(t.take(kServer, kClient, 3, 0, out, expired));  // reversed roles: no
  // At a later time the remaining entries are stale: dropped and counted on the way.
  EXPECT_FALSE(t.take(kClient, kServer, 7, 5'000, out, expired));
  EXPECT_GT(expired, 0u);
  EXPECT_TRUE(t.empty());
}

// file.data of an ftp-data transfer: its first kFileInspect bytes, however they arrive.
TEST(FtpData, FileDataBufferIsTheTransfersFirstBytes) {
  std::string body(kFileInspect + 1000, 0);
  for (size_t i = 0; i < body.size(); ++i) body[i] = char('a' + i % 26);
  testing::TxRecorder<DataTx> c;
  Parser* p = create_data(c);
  ASSERT_NE(p, nullptr);
  Bytes all(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  for (size_t at = 0; at < all.size(); at += 777)
    p->parse(S, all.subspan(at, std::min<size_t>(777, all.size() - at)), c);
  p->finish(S, c);
  ASSERT_EQ(c.txs.size(), 1u);
  const DataTx& t = c.txs[0];
  ASSERT_EQ(t.file_data_len, kFileInspect);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(t.file_data), t.file_data_len),
            body.substr(0, kFileInspect));
  detect::InspectBuffers b;
  data_buffers(&t, S, b);
  ASSERT_NE(b.get(detect::BufferId::FileData), nullptr);
  EXPECT_EQ(b.get(detect::BufferId::FileData)->size(), kFileInspect);
  // The transaction is inspected in both directions (one per transfer); its file bytes only
  // in the direction they travelled.
  EXPECT_TRUE(kDataSpec.tx_both_dirs);
  detect::InspectBuffers other;
  data_buffers(&t, C, other);
  EXPECT_EQ(other.get(detect::BufferId::FileData), nullptr);
}

}  // namespace
}  // namespace ww::app::ftp
