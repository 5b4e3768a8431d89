#include "app/ssh/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/tls/test_util.h"
#include "output/eve.h"

namespace ww::app::ssh {
namespace {

using Ctx = testing::FakeContext<Tx>;
using Vec = std::vector<uint8_t>;

void put32(Vec& v, uint32_t n) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(uint8_t(n >> s));
}
void name_list(Vec& v, std::string_view s) {  // RFC 4251 5: uint32 length + names
  put32(v, uint32_t(s.size()));
  v.insert(v.end(), s.begin(), s.end());
}
void append(Vec& v, std::string_view s) { v.insert(v.end(), s.begin(), s.end()); }

// RFC 4253 6 binary packet around `payload`: uint32 packet_length, byte padding_length,
// payload, random padding (at least 4 bytes, total a multiple of 8), no MAC before NEWKEYS.
Vec packet(const Vec& payload) {
  size_t pad = 8 - (4 + 1 + payload.size()) % 8;
  if (pad < 4) pad += 8;
  Vec v;
  put32(v, uint32_t(1 + payload.size() + pad));
  v.push_back(uint8_t(pad));
  v.insert(v.end(), payload.begin(), payload.end());
  v.insert(v.end(), pad, 0x00);
  return v;
}

// RFC 4253 7.1 SSH_MSG_KEXINIT payload.
Vec kexinit(std::string_view enc_c2s, std::string_view enc_s2c, std::string_view mac_c2s,
            std::string_view mac_s2c) {
  Vec p = {20};                       // byte SSH_MSG_KEXINIT
  p.insert(p.end(), 16, 0xc0);        // byte[16] cookie
  name_list(p, "curve25519-sha256");  // kex_algorithms
  name_list(p, "ssh-ed25519");        // server_host_key_algorithms
  name_list(p, enc_c2s);              // encryption_algorithms_client_to_server
  name_list(p, enc_s2c);              // encryption_algorithms_server_to_client
  name_list(p, mac_c2s);              // mac_algorithms_client_to_server
  name_list(p, mac_s2c);              // mac_algorithms_server_to_client
  name_list(p, "none");               // compression_algorithms_client_to_server
  name_list(p, "none");               // compression_algorithms_server_to_client
  name_list(p, "");                   // languages_client_to_server
  name_list(p, "");                   // languages_server_to_client
  p.push_back(0);                     // boolean first_kex_packet_follows
  put32(p, 0);                        // uint32 reserved
  return p;
}

Vec client_stream() {
  Vec v;
  append(v, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");  // RFC 4253 4.2 identification string
  Vec k = packet(kexinit("aes128-ctr", "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256"));
  v.insert(v.end(), k.begin(), k.end());
  Vec nk = packet({21});  // RFC 4253 7.3 SSH_MSG_NEWKEYS
  v.insert(v.end(), nk.begin(), nk.end());
  v.insert(v.end(), 64, 0xe5);  // encrypted packets: never parsed
  return v;
}

Vec server_stream() {
  Vec v;
  append(v, "Authorised use only\r\n");  // RFC 4253 4.2: other lines may precede the version
  append(v, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n");
  Vec k = packet(kexinit("aes256-ctr", "aes256-ctr", "hmac-sha1", "hmac-sha1"));
  v.insert(v.end(), k.begin(), k.end());
  Vec nk = packet({21});
  v.insert(v.end(), nk.begin(), nk.end());
  v.insert(v.end(), 64, 0x5e);
  return v;
}

Bytes bytes(const Vec& v) { return {v.data(), v.size()}; }

std::string eve(const Tx& tx) {
  output::EveWriter w(nullptr);
  log_tx(&tx, w);
  return std::string(w.pending());
}

std::string run(const Vec& c, const Vec& s, size_t cut_c, size_t cut_s, Ctx& ctx) {
  SshParser p;
  auto feed = [&](Direction d, const Vec& v, size_t cut) {
    if (cut == 0 || cut >= v.size()) {
      EXPECT_EQ(p.parse(d, bytes(v), ctx).status, ParseStatus::Ok);
      return;
    }
    EXPECT_EQ(p.parse(d, Bytes(v.data(), cut), ctx).status, ParseStatus::Ok);
    EXPECT_EQ(p.parse(d, Bytes(v.data() + cut, v.size() - cut), ctx).status, ParseStatus::Ok);
  };
  feed(Direction::ToServer, c, cut_c);
  feed(Direction::ToClient, s, cut_s);
  p.finish(Direction::ToServer, ctx);
  p.finish(Direction::ToClient, ctx);
  return ctx.txs.size() == 1 ? eve(ctx.txs[0]) : "txs=" + std::to_string(ctx.txs.size());
}

TEST(SshParser, BannersAndHassh) {
  Ctx ctx;
  std::string json = run(client_stream(), server_stream(), 0, 0, ctx);
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_EQ(ctx.tx_dirs[0], Direction::ToClient);  // reported when both KEXINITs were seen
  const Tx& tx = ctx.txs[0];
  EXPECT_EQ(tx.client.proto_version.view(), "2.0");
  EXPECT_EQ(tx.client.software_version.view(), "OpenSSH_9.2p1");  // comments left out
  EXPECT_EQ(tx.server.software_version.view(), "OpenSSH_8.9p1");
  EXPECT_EQ(tx.client.hassh_str(), "curve25519-sha256;aes128-ctr;hmac-sha2-256;none");
  EXPECT_EQ(tx.client.hassh.view(), "e97d07603350d1111ec2b64bf25413c9");
  EXPECT_EQ(tx.server.hassh_str(), "curve25519-sha256;aes256-ctr;hmac-sha1;none");
  EXPECT_EQ(tx.server.hassh.view(), "4a781e5f46c75c11dd047232a715b6b3");
  EXPECT_TRUE(ctx.anomalies.empty());
  EXPECT_EQ(json,
            "{\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_9.2p1\","
            "\"hassh\":{\"hash\":\"e97d07603350d1111ec2b64bf25413c9\",\"string\":\"curve25519-"
            "sha256;aes128-ctr;hmac-sha2-256;none\"}},\"server\":{\"proto_version\":\"2.0\","
            "\"software_version\":\"OpenSSH_8.9p1\",\"hassh\":{\"hash\":"
            "\"4a781e5f46c75c11dd047232a715b6b3\",\"string\":\"curve25519-sha256;aes256-ctr;"
            "hmac-sha1;none\"}}}");
}

TEST(SshParser, SplitAtEveryOffsetGivesSameTransaction) {
  Vec c = client_stream(), s = server_stream();
  Ctx whole_ctx;
  std::string whole = run(c, s, 0, 0, whole_ctx);
  for (size_t cut = 1; cut < c.size(); ++cut) {
    Ctx ctx;
    ASSERT_EQ(run(c, s, cut, 0, ctx), whole) << "client cut " << cut;
  }
  for (size_t cut = 1; cut < s.size(); ++cut) {
    Ctx ctx;
    ASSERT_EQ(run(c, s, 0, cut, ctx), whole) << "server cut " << cut;
  }
  Ctx ctx;
  SshParser p;
  for (uint8_t b : c) p.parse(Direction::ToServer, {&b, 1}, ctx);
  for (uint8_t b : s) p.parse(Direction::ToClient, {&b, 1}, ctx);
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_EQ(eve(ctx.txs[0]), whole);
  EXPECT_TRUE(p.encrypted(Direction::ToServer));
  EXPECT_TRUE(p.encrypted(Direction::ToClient));
}

TEST(SshParser, TruncatedAtEveryLength) {
  Vec c = client_stream(), s = server_stream();
  for (size_t n = 0; n < c.size(); ++n) {
    Ctx ctx;
    SshParser p;
    EXPECT_EQ(p.parse(Direction::ToServer, Bytes(c.data(), n), ctx).status, ParseStatus::Ok);
    p.parse(Direction::ToClient, bytes(s), ctx);
    p.finish(Direction::ToServer, ctx);
    ASSERT_EQ(ctx.txs.size(), 1u) << n;  // the server side is complete
    EXPECT_EQ(ctx.txs[0].client.banner, n >= 32) << n;
    EXPECT_TRUE(ctx.anomalies.empty()) << n;
  }
}

TEST(SshParser, InvalidAndLongBanners) {
  {
    Ctx ctx;
    SshParser p;
    Vec g;
    append(g, "GET / HTTP/1.1\r\n");  // a client must start with its version line
    EXPECT_EQ(p.parse(Direction::ToServer, bytes(g), ctx).status, ParseStatus::Error);
    EXPECT_TRUE(ctx.has_anomaly("ssh.invalid_banner"));
  }
  {
    Ctx ctx;
    SshParser p;
    Vec g;
    append(g, "SSH-2.0\r\n");  // no '-' before the software version
    EXPECT_EQ(p.parse(Direction::ToServer, bytes(g), ctx).status, ParseStatus::Error);
    EXPECT_TRUE(ctx.has_anomaly("ssh.invalid_banner"));
  }
  {
    Ctx ctx;
    SshParser p;
    Vec g;
    append(g, "SSH-2.0-");
    append(g, std::string(400, 'A'));  // over the 255 bytes of RFC 4253 4.2
    append(g, " comment\r\n");
    EXPECT_EQ(p.parse(Direction::ToServer, bytes(g), ctx).status, ParseStatus::Ok);
    EXPECT_TRUE(ctx.has_anomaly("ssh.long_banner"));
    EXPECT_EQ(p.tx().client.software_version.len, kMaxBanner - 8);  // cut, bounded
  }
  {
    Ctx ctx;
    SshParser p;
    Vec g(kMaxLine + 10, 'x');  // a line that never ends
    append(g, "SSH-2.0-x\r\n");
    EXPECT_EQ(p.parse(Direction::ToClient, bytes(g), ctx).status, ParseStatus::Error);
    EXPECT_TRUE(ctx.has_anomaly("ssh.invalid_banner"));
  }
}

TEST(SshParser, OverLimitPackets) {
  Ctx ctx;
  SshParser p;
  Vec v;
  append(v, "SSH-2.0-x\r\n");
  put32(v, 0x7fffffff);  // packet_length far over kMaxPacket
  v.insert(v.end(), {4, 20});
  EXPECT_EQ(p.parse(Direction::ToServer, bytes(v), ctx).status, ParseStatus::Error);
  EXPECT_TRUE(ctx.has_anomaly("ssh.invalid_packet"));
  // A KEXINIT larger than kMaxKexinit is skipped, the next packets are still framed.
  Ctx ctx2;
  SshParser p2;
  Vec w;
  append(w, "SSH-2.0-x\r\n");
  Vec big = {20};
  big.insert(big.end(), kMaxKexinit + 100, 'a');
  Vec k = packet(big);
  w.insert(w.end(), k.begin(), k.end());
  Vec nk = packet({21});
  w.insert(w.end(), nk.begin(), nk.end());
  EXPECT_EQ(p2.parse(Direction::ToServer, bytes(w), ctx2).status, ParseStatus::Ok);
  EXPECT_TRUE(ctx2.has_anomaly("ssh.kexinit_too_large"));
  EXPECT_TRUE(p2.encrypted(Direction::ToServer));
  // A malformed KEXINIT (name-list longer than the packet).
  Ctx ctx3;
  SshParser p3;
  Vec m;
  append(m, "SSH-2.0-x\r\n");
  Vec bad = {20};
  bad.insert(bad.end(), 16, 0);
  put32(bad, 1000);
  Vec bk = packet(bad);
  m.insert(m.end(), bk.begin(), bk.end());
  EXPECT_EQ(p3.parse(Direction::ToServer, bytes(m), ctx3).status, ParseStatus::Ok);
  EXPECT_TRUE(ctx3.has_anomaly("ssh.invalid_kexinit"));
}

TEST(SshParser, ProbeAndSpec) {
  const uint8_t ok[] = {'S', 'S', 'H', '-', '2'};
  const uint8_t no[] = {0x16, 0x03, 0x01};
  EXPECT_EQ(probe(Direction::ToServer, ok), ProbeResult::Match);
  EXPECT_EQ(probe(Direction::ToServer, Bytes(ok, 3)), ProbeResult::NeedMore);
  EXPECT_EQ(probe(Direction::ToServer, no), ProbeResult::NoMatch);
  Ctx ctx;
  ASSERT_NE(create(ctx), nullptr);
  EXPECT_EQ(kSpec.proto, Proto::Ssh);
  EXPECT_STREQ(kSpec.event_type, "ssh");
}

}  // namespace
}  // namespace ww::app::ssh
