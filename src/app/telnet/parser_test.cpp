// Telnet parser tests: a session as a BusyBox telnetd and a Linux client produce it (RFC 854
// commands, RFC 1091 terminal type, RFC 1073 window size), whole, split at every offset and one
// byte at a time; the password is checked never to reach the EVE object.
#include "app/telnet/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/test_ctx.h"
#include "app/test_harness.h"

namespace ww::app::telnet {
namespace {

using testing::FakeCtx;
constexpr Direction kTs = Direction::ToServer;
constexpr Direction kTc = Direction::ToClient;

// IAC (255) commands: SE 240, SB 250, WILL 251, WONT 252, DO 253, DONT 254.
const std::string kIac = "\xff";
std::string cmd(uint8_t verb, uint8_t opt) { return kIac + char(verb) + char(opt); }

struct Chunk {
  Direction d;
  std::string bytes;
};

std::vector<Chunk> session(const std::string& user, const std::string& pass, bool ok) {
  std::vector<Chunk> v;
  v.push_back({kTc, cmd(253, 24) + cmd(251, 1) + cmd(251, 3)});  // DO TTYPE, WILL ECHO, WILL SGA
  v.push_back({kTs, cmd(251, 24) + cmd(253, 1) + cmd(253, 3) + cmd(251, 31)});  // WILL NAWS
  v.push_back({kTc, kIac + "\xfa\x18\x01" + kIac + "\xf0"});  // SB TTYPE SEND IAC SE
  v.push_back({kTs, kIac + "\xfa\x18" + std::string(1, '\0') + "XTERM-256COLOR" + kIac + "\xf0"});
  v.push_back({kTs, kIac + "\xfa\x1f" + std::string("\x00\x50\x00\x18", 4) + kIac + "\xf0"});
  v.push_back({kTc, "\r\nhvac-ctrl-3 login: "});
  for (char c : user) {  // character mode: each key, and the server's echo
    v.push_back({kTs, std::string(1, c)});
    v.push_back({kTc, std::string(1, c)});
  }
  v.push_back({kTs, "\r\n"});
  v.push_back({kTc, "\r\nPassword: "});
  for (char c : pass) v.push_back({kTs, std::string(1, c)});  // not echoed
  v.push_back({kTs, std::string("\r\0", 2)});                 // CR NUL (RFC 854)
  if (!ok) {
    v.push_back({kTc, "\r\nLogin incorrect\r\n"});
    return v;
  }
  v.push_back({kTc, "\r\nLast login: Fri Mar  1 09:12:44 2024\r\n# "});
  v.push_back({kTs, "uptime\r\n"});
  v.push_back({kTc, "uptime\r\n 09:13:01 up 3 days\r\n# "});
  return v;
}

// Feeds the session in pieces of `step` bytes per chunk (0: whole), finishes, returns EVE.
std::string run(const std::vector<Chunk>& s, size_t step, FakeCtx& ctx) {
  for (auto& c : s) ctx.feed(c.d, testing::bytes(c.bytes), step);
  ctx.parser()->finish(kTs, ctx);
  ctx.parser()->finish(kTc, ctx);
  return ctx.txs.empty() ? std::string() : ctx.txs.back();
}

TEST(TelnetParser, Probe) {
  EXPECT_EQ(probe(kTc, testing::bytes(cmd(253, 24))), ProbeResult::Match);
  EXPECT_EQ(probe(kTc, testing::bytes(kIac)), ProbeResult::NeedMore);
  EXPECT_EQ(probe(kTc, testing::bytes("login: ")), ProbeResult::NoMatch);
  EXPECT_EQ(probe(kTc, testing::bytes(kIac + kIac + "x")), ProbeResult::NoMatch);
}

TEST(TelnetParser, SuccessfulLogin) {
  FakeCtx ctx(kSpec);
  std::string j = run(session("maint", "Hvac2019", true), 0, ctx);
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_NE(j.find("\"options\":[\"echo\",\"suppress_go_ahead\",\"terminal_type\",\"naws\"]"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("\"terminal_type\":\"XTERM-256COLOR\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"window\":\"80x24\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"username\":\"maint\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"password_prompt\":true"), std::string::npos) << j;
  EXPECT_NE(j.find("\"login_attempts\":1"), std::string::npos) << j;
  EXPECT_NE(j.find("\"login_failures\":0"), std::string::npos) << j;
  EXPECT_NE(j.find("\"login\":\"success\""), std::string::npos) << j;
  EXPECT_EQ(j.find("Hvac2019"), std::string::npos) << j;  // never the password
  EXPECT_EQ(ctx.count("telnet.cleartext_login"), 1u);
  EXPECT_EQ(ctx.count("telnet.login_failed"), 0u);
}

TEST(TelnetParser, FailedLogin) {
  FakeCtx ctx(kSpec);
  std::string j = run(session("admin", "admin123", false), 0, ctx);
  EXPECT_NE(j.find("\"login\":\"failed\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"login_failures\":1"), std::string::npos) << j;
  EXPECT_EQ(ctx.count("telnet.login_failed"), 1u);
  EXPECT_EQ(j.find("admin123"), std::string::npos) << j;
}

TEST(TelnetParser, RetryAfterPromptAgainCountsAFailure) {
  auto s = session("root", "x1", true);
  // Before "Last login": the server asks again (wrong password, no message), then succeeds.
  std::vector<Chunk> v;
  for (auto& c : s) {
    if (c.bytes.find("Last login") != std::string::npos) {
      v.push_back({kTc, "\r\nhvac-ctrl-3 login: "});
      v.push_back({kTs, "ro"});
      v.push_back({kTs, "x\x7fot\r\n"});  // typo corrected with DEL
      v.push_back({kTc, "\r\nPassword: "});
      v.push_back({kTs, "secret\r\n"});
    }
    v.push_back(c);
  }
  FakeCtx ctx(kSpec);
  std::string j = run(v, 0, ctx);
  EXPECT_NE(j.find("\"login_attempts\":2"), std::string::npos) << j;
  EXPECT_NE(j.find("\"login_failures\":1"), std::string::npos) << j;
  EXPECT_NE(j.find("\"username\":\"root\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"login\":\"success\""), std::string::npos) << j;
  EXPECT_EQ(j.find("secret"), std::string::npos) << j;
}

TEST(TelnetParser, AnySplitSameResult) {
  auto s = session("maint", "Hvac2019", true);
  FakeCtx whole_ctx(kSpec);
  std::string whole = run(s, 0, whole_ctx);
  ASSERT_FALSE(whole.empty());
  for (size_t step : {1, 2, 3, 5, 7}) {
    FakeCtx ctx(kSpec);
    EXPECT_EQ(run(s, step, ctx), whole) << step;
    EXPECT_EQ(ctx.anomalies, whole_ctx.anomalies) << step;
  }
}

TEST(TelnetParser, SubnegotiationOverLimitAndMalformed) {
  FakeCtx ctx(kSpec);
  std::string big = kIac + "\xfa\x18" + std::string(1, '\0') + std::string(500, 'A') + kIac + "\xf0";
  ctx.feed(kTs, testing::bytes(big));
  EXPECT_EQ(ctx.count("telnet.subneg_too_long"), 1u);
  ctx.feed(kTs, testing::bytes(kIac + "\xfa\x18" + std::string(1, '\0') + "vt100" + kIac + "x"));
  EXPECT_EQ(ctx.count("telnet.malformed_subneg"), 1u);
  std::string j = run({}, 0, ctx);
  EXPECT_NE(j.find("\"terminal_type\":\"vt100\""), std::string::npos) << j;  // kept, flagged
}

TEST(TelnetParser, NewEnvironUser) {
  FakeCtx ctx(kSpec);
  // RFC 1572: SB NEW-ENVIRON IS VAR "USER" VALUE "nurse1" IAC SE
  ctx.feed(kTs, testing::bytes(kIac + "\xfa\x27" + std::string("\x00\x00USER\x01nurse1", 13) +
                               kIac + "\xf0"));
  std::string j = run({}, 0, ctx);
  EXPECT_NE(j.find("\"username\":\"nurse1\""), std::string::npos) << j;
}

TEST(TelnetParser, GarbageNeverCrashes) {
  uint32_t x = 99;
  for (int round = 0; round < 300; ++round) {
    FakeCtx ctx(kSpec);
    std::string v(size_t(x % 700), '\0');
    for (auto& b : v) {
      x = x * 1103515245u + 12345u;
      b = char(x >> 16);
    }
    ctx.feed(Direction(round & 1), testing::bytes(v), 1 + round % 5);
    run({}, 0, ctx);
    EXPECT_EQ(ctx.txs.size(), 1u);
  }
}

TEST(TelnetAppLayer, DetectedAndLoggedOnce) {
  for (uint16_t port : {uint16_t(23), uint16_t(2323)}) {
    test::Harness h(ipproto::kTcp, 40000, port);
    for (auto& c : session("maint", "Hvac2019", true)) h.data(c.d, c.bytes);
    EXPECT_EQ(h.f.app_proto, uint16_t(Proto::Telnet)) << port;
    h.end();
    EXPECT_EQ(h.counter("app_layer.tx.telnet"), 1u) << port;
    size_t events = 0;
    for (auto& l : h.eve_lines()) {
      if (l.find("\"event_type\":\"telnet\"") != std::string::npos) ++events;
      EXPECT_EQ(l.find("Hvac2019"), std::string::npos) << l;
    }
    EXPECT_EQ(events, 1u) << port;
  }
}

}  // namespace
}  // namespace ww::app::telnet
