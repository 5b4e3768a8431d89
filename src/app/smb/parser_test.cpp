#include "app/smb/parser.h"
#include "app/test_ctx.h"
#include "app/test_harness.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/stats.h"
#include "detect/match.h"
#include "flow/arena.h"
#include "flow/flow.h"
#include "output/eve.h"

namespace ww::app::smb {
namespace {

using Vec = std::vector<uint8_t>;

using Ctx = testing::TxRecorder<Tx>;

void le16(Vec& v, uint16_t x) { v.insert(v.end(), {uint8_t(x), uint8_t(x >> 8)}); }
void le32(Vec& v, uint32_t x) { for (int i = 0; i < 4; ++i) v.push_back(uint8_t(x >> 8 * i)); }
void le64(Vec& v, uint64_t x) { for (int i = 0; i < 8; ++i) v.push_back(uint8_t(x >> 8 * i)); }
Vec u16s(std::string_view s) {  // ASCII -> UTF-16LE
  Vec v;
  for (char c : s) le16(v, uint8_t(c));
  return v;
}
void put(Vec& v, const Vec& w) { v.insert(v.end(), w.begin(), w.end()); }

// MS-SMB2 2.2.1.2 SMB2 Packet Header - SYNC.
Vec hdr(uint16_t command, uint64_t mid, bool resp, uint32_t status = 0, uint32_t tree = 0,
        uint64_t sid = 0) {
  Vec v = {0xFE, 'S', 'M', 'B'};  // ProtocolId
  le16(v, 64);                    // StructureSize
  le16(v, 1);                     // CreditCharge
  le32(v, status);                // Status (ChannelSequence/Reserved in requests)
  le16(v, command);               // Command
  le16(v, 1);                     // CreditRequest/CreditResponse
  le32(v, resp ? 1 : 0);          // Flags: SMB2_FLAGS_SERVER_TO_REDIR
  le32(v, 0);                     // NextCommand
  le64(v, mid);                   // MessageId
  le32(v, 0);                     // Reserved
  le32(v, tree);                  // TreeId
  le64(v, sid);                   // SessionId
  v.insert(v.end(), 16, 0);       // Signature
  return v;
}
// RFC 1002 4.3.1 / MS-SMB2 2.1: zero byte, 24-bit length.
Vec nbss(const Vec& m) {
  Vec v = {0, uint8_t(m.size() >> 16), uint8_t(m.size() >> 8), uint8_t(m.size())};
  put(v, m);
  return v;
}
const uint8_t kFid[16] = {1, 0, 0, 0, 0, 0, 0, 0, 0xaa, 0xbb, 0, 0, 0, 0, 0, 0};
void fid(Vec& v) { v.insert(v.end(), std::begin(kFid), std::end(kFid)); }

// MS-NLMP 2.2.1.3 AUTHENTICATE_MESSAGE (Unicode), wrapped in a few bytes of fake SPNEGO.
Vec ntlm_auth() {
  Vec dom = u16s("MERCY"), user = u16s("drsmith"), host = u16s("WS050");
  Vec v = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};  // Signature
  le32(v, 3);                                      // MessageType
  uint32_t off = 64;                               // payload after the fixed part + Version
  auto field = [&](const Vec& s) {                 // len, maxlen, offset
    le16(v, uint16_t(s.size()));
    le16(v, uint16_t(s.size()));
    le32(v, s.empty() ? 0 : off);
    off += uint32_t(s.size());
  };
  Vec none;
  field(none);  // LmChallengeResponseFields
  field(none);  // NtChallengeResponseFields
  field(dom);   // DomainNameFields
  field(user);  // UserNameFields
  field(host);  // WorkstationFields
  field(none);  // EncryptedRandomSessionKeyFields
  le32(v, 0x1);  // NegotiateFlags: NTLMSSP_NEGOTIATE_UNICODE
  v.resize(64, 0);  // Version + MIC
  put(v, dom);
  put(v, user);
  put(v, host);
  Vec spnego = {0xa1, 0x82, 0x01, 0x00, 0x30, 0x82, 0x00, 0xfc, 0xa2, 0x82, 0x00, 0xf8, 0x04};
  put(spnego, v);
  return spnego;
}

struct Msg {
  Direction d;
  Vec bytes;
};

// A session: negotiate, session setup, tree connect, create, write, rename, close.
std::vector<Msg> conversation() {
  std::vector<Msg> c;
  auto req = [&](Vec m) { c.push_back({Direction::ToServer, nbss(m)}); };
  auto rsp = [&](Vec m) { c.push_back({Direction::ToClient, nbss(m)}); };
  {  // MS-SMB2 2.2.3 NEGOTIATE request
    Vec m = hdr(cmd::kNegotiate, 0, false);
    le16(m, 36);  // StructureSize
    le16(m, 2);   // DialectCount
    le16(m, 1);   // SecurityMode
    le16(m, 0);   // Reserved
    le32(m, 0);   // Capabilities
    m.insert(m.end(), 16, 0x11);  // ClientGuid
    le64(m, 0);   // NegotiateContextOffset/Count/Reserved2
    le16(m, 0x0202);  // Dialects[0]
    le16(m, 0x0311);  // Dialects[1]
    req(m);
  }
  {  // MS-SMB2 2.2.4 NEGOTIATE response
    Vec m = hdr(cmd::kNegotiate, 0, true);
    le16(m, 65);      // StructureSize
    le16(m, 1);       // SecurityMode
    le16(m, 0x0311);  // DialectRevision
    m.resize(m.size() + 58, 0);
    rsp(m);
  }
  {  // MS-SMB2 2.2.5 SESSION_SETUP request
    Vec blob = ntlm_auth();
    Vec m = hdr(cmd::kSessionSetup, 1, false, 0, 0, 0x77);
    le16(m, 25);  // StructureSize
    m.push_back(0);  // Flags
    m.push_back(1);  // SecurityMode
    le32(m, 0);   // Capabilities
    le32(m, 0);   // Channel
    le16(m, 64 + 24);  // SecurityBufferOffset
    le16(m, uint16_t(blob.size()));  // SecurityBufferLength
    le64(m, 0);   // PreviousSessionId
    put(m, blob);
    req(m);
  }
  {  // MS-SMB2 2.2.6 SESSION_SETUP response
    Vec m = hdr(cmd::kSessionSetup, 1, true, 0, 0, 0x77);
    le16(m, 9);
    le16(m, 0);
    le16(m, 0);
    le16(m, 0);
    rsp(m);
  }
  {  // MS-SMB2 2.2.9 TREE_CONNECT request
    Vec path = u16s("\\\\10.77.0.40\\radiology");
    Vec m = hdr(cmd::kTreeConnect, 2, false, 0, 0, 0x77);
    le16(m, 9);   // StructureSize
    le16(m, 0);   // Flags
    le16(m, 72);  // PathOffset
    le16(m, uint16_t(path.size()));  // PathLength
    put(m, path);
    req(m);
  }
  {  // MS-SMB2 2.2.10 TREE_CONNECT response
    Vec m = hdr(cmd::kTreeConnect, 2, true, 0, 5, 0x77);
    le16(m, 16);
    m.push_back(1);  // ShareType: DISK
    m.push_back(0);
    le32(m, 0);
    le32(m, 0);
    le32(m, 0x1f01ff);
    rsp(m);
  }
  {  // MS-SMB2 2.2.13 CREATE request
    Vec name = u16s("reports\\a.csv");
    Vec m = hdr(cmd::kCreate, 3, false, 0, 5, 0x77);
    le16(m, 57);  // StructureSize
    m.push_back(0);  // SecurityFlags
    m.push_back(0);  // RequestedOplockLevel
    le32(m, 2);   // ImpersonationLevel
    le64(m, 0);   // SmbCreateFlags
    le64(m, 0);   // Reserved
    le32(m, 0x12019f);  // DesiredAccess
    le32(m, 0x80);      // FileAttributes
    le32(m, 3);         // ShareAccess
    le32(m, 2);         // CreateDisposition: FILE_CREATE
    le32(m, 0x40);      // CreateOptions
    le16(m, 120);       // NameOffset
    le16(m, uint16_t(name.size()));  // NameLength
    le32(m, 0);  // CreateContextsOffset
    le32(m, 0);  // CreateContextsLength
    put(m, name);
    req(m);
  }
  {  // MS-SMB2 2.2.14 CREATE response
    Vec m = hdr(cmd::kCreate, 3, true, 0, 5, 0x77);
    le16(m, 89);
    m.push_back(0);  // OplockLevel
    m.push_back(0);  // Flags
    le32(m, 2);      // CreateAction
    m.resize(m.size() + 6 * 8 + 4 + 4, 0);  // times, sizes, FileAttributes, Reserved2
    fid(m);          // FileId
    le32(m, 0);      // CreateContextsOffset
    le32(m, 0);      // CreateContextsLength
    rsp(m);
  }
  {  // MS-SMB2 2.2.21 WRITE request
    std::string_view data = "id,result\n1,4.2\n";
    Vec m = hdr(cmd::kWrite, 4, false, 0, 5, 0x77);
    le16(m, 49);   // StructureSize
    le16(m, 112);  // DataOffset
    le32(m, uint32_t(data.size()));  // Length
    le64(m, 0);    // Offset
    fid(m);        // FileId
    le32(m, 0);    // Channel
    le32(m, 0);    // RemainingBytes
    le16(m, 0);    // WriteChannelInfoOffset
    le16(m, 0);    // WriteChannelInfoLength
    le32(m, 0);    // Flags
    m.insert(m.end(), data.begin(), data.end());
    req(m);
  }
  {  // MS-SMB2 2.2.22 WRITE response
    Vec m = hdr(cmd::kWrite, 4, true, 0, 5, 0x77);
    le16(m, 17);
    le16(m, 0);
    le32(m, 16);  // Count
    le32(m, 0);
    le16(m, 0);
    le16(m, 0);
    rsp(m);
  }
  {  // MS-SMB2 2.2.39 SET_INFO request, MS-FSCC 2.4.37.2 FileRenameInformation
    Vec name = u16s("reports\\a.csv.locked");
    Vec m = hdr(cmd::kSetInfo, 5, false, 0, 5, 0x77);
    le16(m, 33);      // StructureSize
    m.push_back(1);   // InfoType: SMB2_0_INFO_FILE
    m.push_back(10);  // FileInfoClass: FileRenameInformation
    le32(m, uint32_t(20 + name.size()));  // BufferLength
    le16(m, 96);      // BufferOffset
    le16(m, 0);       // Reserved
    le32(m, 0);       // AdditionalInformation
    fid(m);           // FileId
    m.push_back(0);   // ReplaceIfExists
    m.insert(m.end(), 7, 0);  // Reserved
    le64(m, 0);       // RootDirectory
    le32(m, uint32_t(name.size()));  // FileNameLength
    put(m, name);
    req(m);
  }
  {  // MS-SMB2 2.2.40 SET_INFO response
    Vec m = hdr(cmd::kSetInfo, 5, true, 0, 5, 0x77);
    le16(m, 2);
    rsp(m);
  }
  {  // MS-SMB2 2.2.15 CLOSE request
    Vec m = hdr(cmd::kClose, 6, false, 0, 5, 0x77);
    le16(m, 24);
    le16(m, 0);
    le32(m, 0);
    fid(m);
    req(m);
  }
  {  // MS-SMB2 2.2.16 CLOSE response, with an error status (ERROR body, 2.2.2)
    Vec m = hdr(cmd::kClose, 6, true, 0xC0000022, 5, 0x77);
    le16(m, 9);
    le16(m, 0);
    le32(m, 0);
    m.push_back(0);
    rsp(m);
  }
  return c;
}

// Feeds every message cut at `cut` (0: whole).
std::unique_ptr<Ctx> run(const std::vector<Msg>& conv, size_t cut = 0, bool bytewise = false) {
  auto owned = std::make_unique<Ctx>();
  Ctx& ctx = *owned;
  Parser* p = create(ctx);
  EXPECT_NE(p, nullptr);
  for (const Msg& m : conv) {
    Bytes b(m.bytes);
    if (bytewise) {
      for (size_t i = 0; i < b.size(); ++i) EXPECT_EQ(p->parse(m.d, b.subspan(i, 1), ctx).consumed, 1u);
    } else if (cut && cut < b.size()) {
      EXPECT_EQ(p->parse(m.d, b.first(cut), ctx).status, ParseStatus::Ok);
      EXPECT_EQ(p->parse(m.d, b.subspan(cut), ctx).status, ParseStatus::Ok);
    } else {
      EXPECT_EQ(p->parse(m.d, b, ctx).status, ParseStatus::Ok);
    }
  }
  p->finish(Direction::ToServer, ctx);
  p->finish(Direction::ToClient, ctx);
  return owned;
}

std::string eve(const Tx& tx) {
  output::EveWriter w(nullptr);
  log_tx(&tx, w);
  return std::string(w.pending());
}

TEST(SmbParser, WholeSession) {
  auto c_p = run(conversation());
  Ctx& c = *c_p;
  ASSERT_EQ(c.txs.size(), 7u);
  EXPECT_TRUE(c.anomalies.empty());
  EXPECT_EQ(c.txs[0].dialect, 0x0311);
  EXPECT_EQ(c.txs[0].n_dialects, 2);
  EXPECT_EQ(c.txs[1].ntlm_user.view(), "drsmith");
  EXPECT_EQ(c.txs[1].ntlm_domain.view(), "MERCY");
  EXPECT_EQ(c.txs[1].ntlm_host.view(), "WS050");
  EXPECT_EQ(c.txs[2].share.view(), "\\\\10.77.0.40\\radiology");
  EXPECT_EQ(c.txs[2].tree_id, 5u);
  EXPECT_EQ(c.txs[3].filename.view(), "reports\\a.csv");
  EXPECT_EQ(c.txs[3].share.view(), "\\\\10.77.0.40\\radiology");
  EXPECT_EQ(c.txs[3].disposition, 2u);
  EXPECT_TRUE(c.txs[3].has_file_id);
  // The WRITE makes the file's Tx (id 4), reported when the CLOSE request ends the file:
  // after the rename (id 5), before the close itself (id 6).
  EXPECT_TRUE(c.txs[4].has_rename);
  EXPECT_EQ(c.txs[4].tx_id, 5u);
  EXPECT_EQ(c.txs[4].rename_to.view(), "reports\\a.csv.locked");
  EXPECT_TRUE(c.txs[5].file_tx);
  EXPECT_EQ(c.txs[5].tx_id, 4u);
  EXPECT_EQ(c.txs[5].command, cmd::kWrite);
  EXPECT_EQ(c.txs[5].filename.view(), "reports\\a.csv");
  EXPECT_EQ(c.txs[5].share.view(), "\\\\10.77.0.40\\radiology");
  EXPECT_EQ(c.txs[6].status, 0xC0000022u);
  EXPECT_EQ(c.txs[6].tx_id, 6u);
  ASSERT_EQ(c.names.size(), 1u);
  EXPECT_EQ(c.names[0], "reports\\a.csv");
  EXPECT_EQ(c.data[0], "id,result\n1,4.2\n");
  EXPECT_EQ(c.ends[0], int(FileEnd::Complete));

  std::string e = eve(c.txs[3]);
  EXPECT_NE(e.find("\"command\":\"SMB2_COMMAND_CREATE\""), std::string::npos) << e;
  EXPECT_NE(e.find("\"dialect\":\"3.11\""), std::string::npos) << e;
  EXPECT_NE(e.find("\"disposition\":\"FILE_CREATE\""), std::string::npos) << e;
  EXPECT_NE(e.find("\"status\":\"STATUS_SUCCESS\""), std::string::npos) << e;
  e = eve(c.txs[1]);
  EXPECT_NE(e.find("\"ntlmssp\":{\"domain\":\"MERCY\",\"user\":\"drsmith\",\"host\":\"WS050\"}"),
            std::string::npos) << e;
  e = eve(c.txs[3]);
  EXPECT_NE(e.find("\"access\":\"normal\",\"created\":0,\"accessed\":0,\"modified\":0,"
                   "\"changed\":0,\"size\":0,\"fuid\":\"00000001-0000-0000-bbaa-000000000000\""),
            std::string::npos) << e;
  EXPECT_NE(e.find("\"id\":4,"), std::string::npos) << e;  // Suricata counts from 1
  e = eve(c.txs[2]);
  EXPECT_NE(e.find("\"share\":\"\\\\\\\\10.77.0.40\\\\radiology\",\"share_type\":\"FILE\""),
            std::string::npos) << e;
  e = eve(c.txs[5]);
  EXPECT_NE(e.find("\"filename\":\"reports\\\\a.csv\",\"share\":"), std::string::npos) << e;
  EXPECT_EQ(e.find("\"length\""), std::string::npos) << e;
  e = eve(c.txs[4]);
  EXPECT_NE(e.find("\"rename\":{\"from\":\"reports\\\\a.csv\",\"to\":\"reports\\\\a.csv.locked\"}"),
            std::string::npos) << e;
  e = eve(c.txs[6]);
  EXPECT_NE(e.find("\"status_code\":\"0xc0000022\""), std::string::npos) << e;
}

bool same(const Tx& a, const Tx& b) {
  return a.command == b.command && a.message_id == b.message_id && a.status == b.status &&
         a.filename.view() == b.filename.view() && a.share.view() == b.share.view() &&
         a.ntlm_user.view() == b.ntlm_user.view() && a.rename_to.view() == b.rename_to.view() &&
         a.dialect == b.dialect && a.length == b.length && a.tx_id == b.tx_id;
}

TEST(SmbParser, SplitAtEveryOffsetAndBytewise) {
  auto conv = conversation();
  auto whole_p = run(conv);
  Ctx& whole = *whole_p;
  size_t longest = 0;
  for (auto& m : conv) longest = std::max(longest, m.bytes.size());
  for (size_t cut = 1; cut < longest; ++cut) {
    auto c_p = run(conv, cut);
    Ctx& c = *c_p;
    ASSERT_EQ(c.txs.size(), whole.txs.size()) << cut;
    for (size_t i = 0; i < c.txs.size(); ++i) EXPECT_TRUE(same(c.txs[i], whole.txs[i])) << cut;
    EXPECT_EQ(c.data, whole.data) << cut;
  }
  auto c_p = run(conv, 0, true);
  Ctx& c = *c_p;
  ASSERT_EQ(c.txs.size(), whole.txs.size());
  for (size_t i = 0; i < c.txs.size(); ++i) EXPECT_TRUE(same(c.txs[i], whole.txs[i]));
  EXPECT_EQ(c.data, whole.data);
}

TEST(SmbParser, Truncated) {
  // Every prefix of the conversation: no crash, requests without responses still reported.
  auto conv = conversation();
  Vec all;
  for (auto& m : conv) put(all, m.bytes);
  for (size_t n = 0; n < conv.size(); ++n) {
    std::vector<Msg> part(conv.begin(), conv.begin() + long(n));
    Vec last = conv[n].bytes;
    last.resize(last.size() / 2);
    part.push_back({conv[n].d, last});
    auto c_p = run(part);
    Ctx& c = *c_p;
    EXPECT_LE(c.txs.size(), 7u);
  }
  // The create request alone: reported at finish, without a status.
  std::vector<Msg> one = {conv[6]};
  auto c_p = run(one);
  Ctx& c = *c_p;
  ASSERT_EQ(c.txs.size(), 1u);
  EXPECT_FALSE(c.txs[0].has_response);
  EXPECT_EQ(c.txs[0].filename.view(), "reports\\a.csv");
}

TEST(SmbParser, GarbageStopsTheDirection) {
  Ctx ctx;
  Parser* p = create(ctx);
  Vec g = {0x00, 0x00, 0x00, 0x08, 'G', 'E', 'T', ' ', '/', ' ', 'H', 'T'};
  EXPECT_EQ(p->parse(Direction::ToServer, g, ctx).status, ParseStatus::Error);
  EXPECT_TRUE(ctx.has("smb.malformed"));
  Vec bad_type = {0x42, 0, 0, 1, 0};
  Ctx c2;
  Parser* p2 = create(c2);
  EXPECT_EQ(p2->parse(Direction::ToServer, bad_type, c2).status, ParseStatus::Error);
  // A header with a wrong StructureSize: malformed, the direction continues.
  Vec m = hdr(cmd::kEcho, 9, false);
  m[4] = 63;
  Ctx c3;
  Parser* p3 = create(c3);
  EXPECT_EQ(p3->parse(Direction::ToServer, nbss(m), c3).status, ParseStatus::Ok);
  EXPECT_TRUE(c3.has("smb.malformed"));
}

TEST(SmbParser, LimitsAndLegacy) {
  // NBSS length over kMaxMessage: smb.too_large, skipped without buffering.
  Ctx c;
  Parser* p = create(c);
  Vec big = {0x00, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(p->parse(Direction::ToServer, big, c).status, ParseStatus::Ok);
  EXPECT_TRUE(c.has("smb.too_large"));
  Vec junk(1 << 16, 0x41);
  EXPECT_EQ(p->parse(Direction::ToServer, junk, c).status, ParseStatus::Ok);
  // More requests than kMaxPending without responses: the oldest are reported.
  Ctx c2;
  Parser* p2 = create(c2);
  for (uint64_t i = 0; i < kMaxPending + 3; ++i) {
    Vec m = hdr(cmd::kEcho, i, false);
    le16(m, 4);
    le16(m, 0);
    p2->parse(Direction::ToServer, nbss(m), c2);
  }
  EXPECT_EQ(c2.txs.size(), 3u);
  p2->finish(Direction::ToServer, c2);
  p2->finish(Direction::ToClient, c2);
  EXPECT_EQ(c2.txs.size(), kMaxPending + 3);
  // SMB1 negotiate ([MS-CIFS] 2.2.4.52.1): flagged once, dialect NT LM 0.12.
  Ctx c3;
  Parser* p3 = create(c3);
  Vec s1 = {0xFF, 'S', 'M', 'B', 0x72, 0, 0, 0, 0, 0x18};
  s1.resize(35, 0);
  EXPECT_EQ(p3->parse(Direction::ToServer, nbss(s1), c3).status, ParseStatus::Ok);
  EXPECT_TRUE(c3.has("smb.smb1"));
  EXPECT_TRUE(c3.txs.empty());  // waits for the answer
  p3->finish(Direction::ToServer, c3);
  p3->finish(Direction::ToClient, c3);
  ASSERT_EQ(c3.txs.size(), 1u);
  EXPECT_NE(eve(c3.txs[0]).find("\"dialect\":\"unknown\""), std::string::npos);  // no answer
  // MS-SMB2 2.2.41 TRANSFORM_HEADER: noted once, each encrypted message skipped by length;
  // a plain message after them is parsed (encryption per share, MS-SMB2 3.3.5.2.11).
  Ctx c4;
  Parser* p4 = create(c4);
  Vec t = {0xFD, 'S', 'M', 'B'};
  t.resize(52 + 100, 0x5a);
  EXPECT_EQ(p4->parse(Direction::ToServer, nbss(t), c4).status, ParseStatus::Ok);
  EXPECT_EQ(p4->parse(Direction::ToServer, nbss(t), c4).status, ParseStatus::Ok);
  ASSERT_EQ(c4.txs.size(), 1u);
  EXPECT_TRUE(c4.txs[0].encrypted);
  Vec echo = hdr(cmd::kEcho, 9, false);
  le16(echo, 4);
  le16(echo, 0);
  EXPECT_EQ(p4->parse(Direction::ToServer, nbss(echo), c4).status, ParseStatus::Ok);
  p4->finish(Direction::ToServer, c4);
  p4->finish(Direction::ToClient, c4);
  ASSERT_EQ(c4.txs.size(), 2u);
  EXPECT_EQ(c4.txs[1].command, cmd::kEcho);
  EXPECT_TRUE(c4.anomalies.empty());
}

// app-layer.protocols.smb.max-tx (a one-sided capture: requests never answered): the request
// that would pass the limit is smb.too_many_transactions (once) and the direction stops on an
// error; the requests kept are reported at the end. A response frees its slot.
TEST(SmbParser, MaxTx) {
  auto echo = [](uint64_t mid, bool resp) {
    Vec m = hdr(cmd::kEcho, mid, resp);
    le16(m, 4);
    le16(m, 0);
    return nbss(m);
  };
  set_settings({3});
  Ctx c;
  c.flow().pkts[1] = 1;  // the server was seen (its SYN-ACK): not a one-sided capture
  Parser* p = create(c);
  set_settings({});
  for (uint64_t i = 0; i < 3; ++i)
    EXPECT_EQ(p->parse(Direction::ToServer, echo(i, false), c).status, ParseStatus::Ok);
  EXPECT_TRUE(c.anomalies.empty());
  EXPECT_EQ(p->parse(Direction::ToServer, echo(3, false), c).status, ParseStatus::Error);
  EXPECT_TRUE(c.has("smb.too_many_transactions"));
  EXPECT_EQ(p->parse(Direction::ToServer, echo(4, false), c).status, ParseStatus::Error);
  EXPECT_EQ(c.anomalies.size(), 1u);
  p->finish(Direction::ToClient, c);
  EXPECT_EQ(c.txs.size(), 3u);
  // Answered requests do not count.
  set_settings({2});
  Ctx c2;
  Parser* p2 = create(c2);
  set_settings({});
  for (uint64_t i = 0; i < 6; ++i) {
    EXPECT_EQ(p2->parse(Direction::ToServer, echo(i, false), c2).status, ParseStatus::Ok);
    EXPECT_EQ(p2->parse(Direction::ToClient, echo(i, true), c2).status, ParseStatus::Ok);
  }
  EXPECT_TRUE(c2.anomalies.empty());
  EXPECT_EQ(c2.txs.size(), 6u);
  // A one-sided capture (nothing from the server): no limit, requests are not waited for.
  set_settings({2});
  Ctx c3;
  Parser* p3 = create(c3);
  set_settings({});
  for (uint64_t i = 0; i < 12; ++i)
    EXPECT_EQ(p3->parse(Direction::ToServer, echo(i, false), c3).status, ParseStatus::Ok);
  EXPECT_TRUE(c3.anomalies.empty());
  p3->finish(Direction::ToServer, c3);
  p3->finish(Direction::ToClient, c3);
  EXPECT_EQ(c3.txs.size(), 12u);
  EXPECT_EQ(settings().max_tx, 0u);
}

TEST(SmbParser, CompoundedRequests) {
  // MS-SMB2 3.2.4.1.4: CREATE + CLOSE in one message, NextCommand 8-byte aligned.
  auto conv = conversation();
  Vec create_req(conv[6].bytes.begin() + 4, conv[6].bytes.end());
  while (create_req.size() % 8) create_req.push_back(0);
  uint32_t next = uint32_t(create_req.size());
  for (int i = 0; i < 4; ++i) create_req[20 + i] = uint8_t(next >> 8 * i);
  Vec echo = hdr(cmd::kEcho, 7, false);
  le16(echo, 4);
  le16(echo, 0);
  put(create_req, echo);
  Ctx c;
  Parser* p = create(c);
  p->parse(Direction::ToServer, nbss(create_req), c);
  p->finish(Direction::ToServer, c);
  p->finish(Direction::ToClient, c);
  ASSERT_EQ(c.txs.size(), 2u);
  EXPECT_EQ(c.txs[0].command, cmd::kCreate);
  EXPECT_EQ(c.txs[1].command, cmd::kEcho);
  EXPECT_TRUE(c.anomalies.empty());
}

// MS-SMB2 3.3.5.3.1: an SMB1 multi-protocol NEGOTIATE answered by an SMB2 NEGOTIATE response
// is one Tx (as Suricata), with the SMB2 dialect and the server GUID.
TEST(SmbParser, Smb1NegotiateAnsweredBySmb2) {
  Ctx c;
  Parser* p = create(c);
  Vec s1 = {0xFF, 'S', 'M', 'B', 0x72, 0, 0, 0, 0, 0x18};
  s1.resize(35, 0);
  p->parse(Direction::ToServer, nbss(s1), c);
  Vec m = hdr(cmd::kNegotiate, 0, true);
  le16(m, 65);      // StructureSize
  le16(m, 1);       // SecurityMode
  le16(m, 0x02FF);  // DialectRevision: SMB 2.???
  le16(m, 0);       // NegotiateContextCount
  Vec g = {0x74, 0x73, 0x34, 0x31, 0x32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  put(m, g);        // ServerGuid
  m.resize(m.size() + 40, 0);
  p->parse(Direction::ToClient, nbss(m), c);
  ASSERT_EQ(c.txs.size(), 1u);
  std::string e = eve(c.txs[0]);
  EXPECT_NE(e.find("\"id\":1,\"dialect\":\"2.??\",\"command\":\"SMB1_COMMAND_NEGOTIATE_PROTOCOL\","
                   "\"status\":\"STATUS_SUCCESS\""),
            std::string::npos) << e;
  EXPECT_NE(e.find("\"server_guid\":\"31347374-0032-0000-0000-000000000000\""), std::string::npos)
      << e;
  p->finish(Direction::ToServer, c);
  p->finish(Direction::ToClient, c);
  EXPECT_EQ(c.txs.size(), 1u);
}

// Suricata's transactions: none for READ and QUERY_INFO; a tree connect to IPC$ logs
// "named_pipe"; a related compounded SET_INFO (FileId all 0xFF) acts on the file its CREATE
// opened and logs "access"; named pipe data is not a file.
TEST(SmbParser, TransactionsAsSuricata) {
  std::vector<Msg> conv;
  auto req = [&](Vec m) { conv.push_back({Direction::ToServer, nbss(m)}); };
  auto rsp = [&](Vec m) { conv.push_back({Direction::ToClient, nbss(m)}); };
  {  // TREE_CONNECT to \\srv\IPC$ and its answer, ShareType PIPE
    Vec path = u16s("\\\\srv\\IPC$");
    Vec m = hdr(cmd::kTreeConnect, 1, false);
    le16(m, 9);
    le16(m, 0);
    le16(m, 72);
    le16(m, uint16_t(path.size()));
    put(m, path);
    req(m);
    Vec r = hdr(cmd::kTreeConnect, 1, true, 0, 7);
    le16(r, 16);
    r.push_back(2);  // ShareType: PIPE
    r.resize(r.size() + 13, 0);
    rsp(r);
  }
  {  // CREATE "lsarpc" on the pipe tree, then READ and QUERY_INFO on it
    Vec name = u16s("lsarpc");
    Vec m = hdr(cmd::kCreate, 2, false, 0, 7);
    le16(m, 57);
    m.resize(m.size() + 2 + 4 + 8 + 8 + 4 + 4 + 4, 0);
    le32(m, 1);  // CreateDisposition: FILE_OPEN
    le32(m, 0);  // CreateOptions
    le16(m, 120);
    le16(m, uint16_t(name.size()));
    le32(m, 0);
    le32(m, 0);
    put(m, name);
    req(m);
    Vec r = hdr(cmd::kCreate, 2, true, 0, 7);
    le16(r, 89);
    r.resize(r.size() + 2 + 4 + 6 * 8 + 4 + 4, 0);
    fid(r);
    le32(r, 0);
    le32(r, 0);
    rsp(r);
    Vec rd = hdr(cmd::kRead, 3, false, 0, 7);  // MS-SMB2 2.2.19
    le16(rd, 49);
    rd.push_back(0x50);
    rd.push_back(0);
    le32(rd, 1024);  // Length
    le64(rd, 0);     // Offset
    fid(rd);
    rd.resize(rd.size() + 17, 0);
    req(rd);
    Vec rr = hdr(cmd::kRead, 3, true, 0, 7);  // MS-SMB2 2.2.20
    le16(rr, 17);
    rr.push_back(80);  // DataOffset
    rr.push_back(0);
    le32(rr, 4);       // DataLength
    le32(rr, 0);
    le32(rr, 0);
    put(rr, Vec{5, 0, 0x0c, 3});  // DCE/RPC bytes
    rsp(rr);
    Vec q = hdr(cmd::kQueryInfo, 4, false, 0, 7);  // MS-SMB2 2.2.37
    le16(q, 41);
    q.push_back(1);
    q.push_back(5);
    q.resize(q.size() + 20, 0);
    fid(q);
    req(q);
    Vec qr = hdr(cmd::kQueryInfo, 4, true, 0, 7);
    le16(qr, 9);
    qr.resize(qr.size() + 7, 0);
    rsp(qr);
  }
  {  // CREATE "test" + related SET_INFO FileDispositionInformation, compounded
    Vec name = u16s("test");
    Vec m = hdr(cmd::kCreate, 5, false, 0, 7);
    le16(m, 57);
    m.resize(m.size() + 2 + 4 + 8 + 8 + 4 + 4 + 4, 0);
    le32(m, 1);
    le32(m, 0);
    le16(m, 120);
    le16(m, uint16_t(name.size()));
    le32(m, 0);
    le32(m, 0);
    put(m, name);
    while (m.size() % 8) m.push_back(0);
    uint32_t next = uint32_t(m.size());
    for (int i = 0; i < 4; ++i) m[20 + i] = uint8_t(next >> 8 * i);
    Vec si = hdr(cmd::kSetInfo, 6, false, 0, 7);
    si[16] = 4;  // Flags: SMB2_FLAGS_RELATED_OPERATIONS
    le16(si, 33);
    si.push_back(1);   // InfoType: SMB2_0_INFO_FILE
    si.push_back(13);  // FileDispositionInformation
    le32(si, 1);       // BufferLength
    le16(si, 96);      // BufferOffset
    le16(si, 0);
    le32(si, 0);
    si.insert(si.end(), 16, 0xFF);  // FileId: the one of the related CREATE
    si.push_back(1);                // DeletePending
    put(m, si);
    req(m);
  }
  auto c_p = run(conv);
  Ctx& c = *c_p;
  ASSERT_EQ(c.txs.size(), 4u);  // tree connect, create, create, set info
  std::string e = eve(c.txs[0]);
  EXPECT_NE(e.find("\"named_pipe\":\"\\\\\\\\srv\\\\IPC$\",\"share_type\":\"PIPE\""),
            std::string::npos) << e;
  EXPECT_EQ(e.find("\"share\""), std::string::npos) << e;
  {  // smb.named_pipe is the tree connect's path (Suricata); the create on the pipe has none
    detect::InspectBuffers ib;
    buffers(&c.txs[0], Direction::ToServer, ib);
    const Bytes* np = ib.get(detect::BufferId::SmbNamedPipe);
    ASSERT_NE(np, nullptr);
    EXPECT_EQ(std::string(np->begin(), np->end()), "\\\\srv\\IPC$");
    EXPECT_EQ(ib.get(detect::BufferId::SmbShare), nullptr);
    detect::InspectBuffers ib2;
    buffers(&c.txs[1], Direction::ToServer, ib2);
    EXPECT_EQ(ib2.get(detect::BufferId::SmbNamedPipe), nullptr);
    EXPECT_EQ(ib2.get(detect::BufferId::SmbShare), nullptr);
  }
  EXPECT_EQ(c.txs[1].command, cmd::kCreate);
  EXPECT_TRUE(c.names.empty());  // pipe data is not a file
  const Tx* si = nullptr;
  for (const Tx& t : c.txs)
    if (t.command == cmd::kSetInfo) si = &t;
  ASSERT_NE(si, nullptr);
  e = eve(*si);
  EXPECT_NE(e.find("\"filename\":\"test\""), std::string::npos) << e;
  EXPECT_NE(e.find("\"access\":\"delete on close\""), std::string::npos) << e;
  for (size_t i = 0; i < c.txs.size(); ++i) EXPECT_LT(c.txs[i].tx_id, 4u);  // no gaps
}

// C706 12.6.4.3 BIND with two context elements (one transfer syntax each), call id 2.
Vec dce_bind() {
  Vec d = {5, 0, 11, 0x03, 0x10, 0, 0, 0};  // version 5.0, BIND, flags, drep: little-endian
  le16(d, 0);  // frag_length (patched below)
  le16(d, 0);  // auth_length
  le32(d, 2);  // call_id
  le16(d, 4280);  // max_xmit_frag
  le16(d, 4280);  // max_recv_frag
  le32(d, 0);     // assoc_group_id
  d.push_back(2);  // n_context_elem
  d.insert(d.end(), 3, 0);
  const uint8_t atsvc[16] = {0x82, 0x06, 0xf7, 0x1f, 0x51, 0x0a, 0xe8, 0x30,
                             0x07, 0x6d, 0x74, 0x0b, 0xe8, 0xce, 0xe9, 0x8b};
  for (uint16_t i = 0; i < 2; ++i) {
    le16(d, i);      // p_cont_id
    d.push_back(1);  // n_transfer_syn
    d.push_back(0);
    d.insert(d.end(), std::begin(atsvc), std::end(atsvc));
    le16(d, 1);  // version
    le16(d, 0);  // minor
    d.insert(d.end(), 20, 0x44);  // transfer syntax
  }
  d[8] = uint8_t(d.size());
  return d;
}
// 12.6.4.4 BIND_ACK: secondary address "\\PIPE\\atsvc", two results (2 = provider rejection).
Vec dce_bind_ack() {
  Vec d = {5, 0, 12, 0x03, 0x10, 0, 0, 0};
  le16(d, 0);
  le16(d, 0);
  le32(d, 2);
  le16(d, 4280);
  le16(d, 4280);
  le32(d, 0x1234);
  std::string sec = "\\PIPE\\atsvc";
  le16(d, uint16_t(sec.size() + 1));
  d.insert(d.end(), sec.begin(), sec.end());
  d.push_back(0);
  while (d.size() % 4) d.push_back(0);
  d.push_back(2);  // n_results
  d.insert(d.end(), 3, 0);
  le16(d, 2);  // result: provider rejection
  le16(d, 0);
  d.insert(d.end(), 20, 0);
  le16(d, 0);  // acceptance
  le16(d, 0);
  d.insert(d.end(), 20, 0x44);
  d[8] = uint8_t(d.size());
  return d;
}

// A WRITE of `data` to the pipe kFid on tree 1 (MS-SMB2 2.2.21) and its response (2.2.22).
void pipe_write(std::vector<Msg>& conv, uint64_t mid, const Vec& data) {
  Vec m = hdr(cmd::kWrite, mid, false, 0, 1);
  le16(m, 49);   // StructureSize
  le16(m, 112);  // DataOffset
  le32(m, uint32_t(data.size()));
  le64(m, 0);  // Offset
  fid(m);
  m.resize(m.size() + 16, 0);  // Channel, RemainingBytes, WriteChannelInfo, Flags
  put(m, data);
  conv.push_back({Direction::ToServer, nbss(m)});
  Vec r = hdr(cmd::kWrite, mid, true, 0, 1);
  le16(r, 17);
  le16(r, 0);
  le32(r, uint32_t(data.size()));  // Count
  r.resize(r.size() + 8, 0);
  conv.push_back({Direction::ToClient, nbss(r)});
}
// A READ of the pipe (MS-SMB2 2.2.19) answered with `data` (2.2.20).
void pipe_read(std::vector<Msg>& conv, uint64_t mid, const Vec& data) {
  Vec m = hdr(cmd::kRead, mid, false, 0, 1);
  le16(m, 49);
  m.push_back(0x50);  // Padding
  m.push_back(0);
  le32(m, 1024);  // Length
  le64(m, 0);
  fid(m);
  m.resize(m.size() + 17, 0);
  conv.push_back({Direction::ToServer, nbss(m)});
  Vec r = hdr(cmd::kRead, mid, true, 0, 1);
  le16(r, 17);
  r.push_back(80);  // DataOffset
  r.push_back(0);
  le32(r, uint32_t(data.size()));
  le32(r, 0);
  le32(r, 0);
  put(r, data);
  conv.push_back({Direction::ToClient, nbss(r)});
}

// DCE/RPC in a pipe: the WRITE carrying a BIND and the READ carrying its BIND_ACK are one Tx
// (as Suricata's "dcerpc" record); the tree connect was not seen, so the data tells a pipe.
TEST(SmbParser, DceRpcOverPipe) {
  std::vector<Msg> conv;
  auto req = [&](Vec m) { conv.push_back({Direction::ToServer, nbss(m)}); };
  auto rsp = [&](Vec m) { conv.push_back({Direction::ToClient, nbss(m)}); };
  {  // CREATE "atsvc" on tree 1 (never connected in this capture)
    Vec name = u16s("atsvc");
    Vec m = hdr(cmd::kCreate, 1, false, 0, 1);
    le16(m, 57);
    m.resize(m.size() + 2 + 4 + 8 + 8 + 4 + 4 + 4, 0);
    le32(m, 1);
    le32(m, 0);
    le16(m, 120);
    le16(m, uint16_t(name.size()));
    le32(m, 0);
    le32(m, 0);
    put(m, name);
    req(m);
    Vec r = hdr(cmd::kCreate, 1, true, 0, 1);
    le16(r, 89);
    r.resize(r.size() + 2 + 4 + 6 * 8 + 4 + 4, 0);
    fid(r);
    le32(r, 0);
    le32(r, 0);
    rsp(r);
  }
  pipe_write(conv, 2, dce_bind());  // the BIND
  pipe_read(conv, 3, dce_bind_ack());  // its BIND_ACK
  for (bool bytewise : {false, true}) {
    auto c_p = run(conv, 0, bytewise);
    Ctx& c = *c_p;
    ASSERT_EQ(c.txs.size(), 2u);  // create, write (the read makes none)
    EXPECT_TRUE(c.names.empty());  // pipe data is not a file
    std::string e = eve(c.txs[1]);
    EXPECT_NE(e.find("\"command\":\"SMB2_COMMAND_WRITE\""), std::string::npos) << e;
    EXPECT_NE(e.find("\"dcerpc\":{\"request\":\"BIND\",\"response\":\"BINDACK\","
                     "\"interfaces\":[{\"uuid\":\"1ff70682-0a51-30e8-076d-740be8cee98b\","
                     "\"version\":\"1.0\",\"ack_result\":2,\"ack_reason\":0},{\"uuid\":"
                     "\"1ff70682-0a51-30e8-076d-740be8cee98b\",\"version\":\"1.0\","
                     "\"ack_result\":0,\"ack_reason\":0}],\"call_id\":2}"),
              std::string::npos)
        << e;
  }
  // A call on the bound context 1 (opnum 0, 8 bytes of stub): inspected to server when its
  // WRITE is seen (stub, dcerpc.iface, dcerpc.opnum), reported with the READ answering it.
  std::vector<Msg> call = conv;
  Vec rq = {5, 0, 0, 0x03, 0x10, 0, 0, 0, 32, 0, 0, 0};  // REQUEST, first+last, frag_length 32
  le32(rq, 3);  // call_id
  le32(rq, 8);  // alloc_hint
  le16(rq, 1);  // p_cont_id
  le16(rq, 0);  // opnum
  put(rq, Vec{'A', 'T', 'J', 'O', 'B', 0, 0, 0});
  pipe_write(call, 4, rq);
  Vec rs = {5, 0, 2, 0x03, 0x10, 0, 0, 0, 28, 0, 0, 0};  // RESPONSE, frag_length 28
  le32(rs, 3);
  le32(rs, 4);
  le16(rs, 1);
  rs.insert(rs.end(), {0, 0});
  put(rs, Vec{0, 0, 0, 0});
  pipe_read(call, 5, rs);
  {
    auto owned = std::make_unique<Ctx>();
    Ctx& c = *owned;
    std::vector<std::string> seen;
    c.inspect = [&](const Tx& tx, Direction d) {
      detect::InspectBuffers b;
      buffers(&tx, d, b);
      const Bytes* stub = b.get(detect::BufferId::DceStubData);
      seen.push_back(std::string(stub ? as_sv(*stub) : "-") + " " +
                     (check(&tx, d, "dcerpc.iface", "1ff70682-0a51-30e8-076d-740be8cee98b") ? "I"
                                                                                           : "-") +
                     (check(&tx, d, "dcerpc.opnum", "0") ? "O" : "-"));
    };
    Parser* p = create(c);
    for (const Msg& m : call) p->parse(m.d, Bytes(m.bytes), c);
    p->finish(Direction::ToServer, c);
    p->finish(Direction::ToClient, c);
    // The CREATE (reported with its response: a to-server pass without buffers, as Suricata
    // inspects both directions), the BIND, then the call.
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], "- --");
    EXPECT_EQ(seen[2], std::string("ATJOB\0\0\0 IO", 11));
    ASSERT_EQ(c.txs.size(), 3u);
    std::string e = eve(c.txs[2]);
    EXPECT_NE(e.find("\"dcerpc\":{\"request\":\"REQUEST\",\"response\":\"RESPONSE\","
                     "\"interfaces\":[{\"uuid\":\"1ff70682-0a51-30e8-076d-740be8cee98b\","
                     "\"version\":\"1.0\"}],\"opnum\":0,\"req\":{\"opnum\":0,\"frag_cnt\":1,"
                     "\"stub_data_size\":8},\"res\":{\"frag_cnt\":1,\"stub_data_size\":4},"
                     "\"call_id\":3}"),
              std::string::npos)
        << e;
    EXPECT_TRUE(check(&c.txs[2], Direction::ToClient, "dcerpc.opnum", "0"));
    EXPECT_TRUE(check(&c.txs[2], Direction::ToClient, "smb.version", "2"));
    EXPECT_FALSE(check(&c.txs[2], Direction::ToClient, "smb.version", "1"));
    EXPECT_FALSE(check(&c.txs[1], Direction::ToClient, "dcerpc.opnum", "0"));  // the BIND
  }
  // Without its answer the call is reported at the end, UNREPLIED.
  std::vector<Msg> part(conv.begin(), conv.begin() + 4);
  auto c_p = run(part);
  ASSERT_EQ(c_p->txs.size(), 2u);
  EXPECT_NE(eve(c_p->txs[1]).find("\"response\":\"UNREPLIED\""), std::string::npos);
}

// [MS-CIFS] 2.2.3.1 SMB1 header: command, status, flags, flags2, tid, uid, mid.
Vec smb1_hdr(uint8_t cmd, bool reply, uint32_t status, bool nt_status, uint16_t mid) {
  Vec v = {0xFF, 'S', 'M', 'B', cmd};
  le32(v, status);
  v.push_back(reply ? 0x98 : 0x18);                            // Flags
  le16(v, uint16_t(0x8001 | (nt_status ? 0x4000 : 0) | 0x0800));  // Flags2: unicode, NT status
  v.insert(v.end(), 12, 0);  // PIDHigh, SecurityFeatures, Reserved
  le16(v, 0xFFFF);           // TID
  le16(v, 0xFEFF);           // PIDLow
  le16(v, 0x8c45);           // UID
  le16(v, mid);              // MID
  return v;
}

// [MS-CIFS] 2.2.4.64 NT_CREATE_ANDX: a request opening `name` (FILE_OVERWRITE_IF) and the
// response giving it `fid`, with `eof` as its end of file.
Vec smb1_nt_create(uint16_t mid, std::string_view name) {
  Vec m = smb1_hdr(0xA2, false, 0, true, mid);
  Vec n = u16s(name);
  m.push_back(24);                              // WordCount
  m.insert(m.end(), {0xFF, 0, 0, 0});           // AndXCommand none, Reserved, AndXOffset
  m.push_back(0);                               // Reserved
  le16(m, uint16_t(n.size()));                  // NameLength
  m.insert(m.end(), 4 + 4 + 4 + 8 + 4 + 4, 0);  // Flags .. ShareAccess
  le32(m, 5);                                   // CreateDisposition: FILE_OVERWRITE_IF
  m.insert(m.end(), 4 + 4 + 1, 0);              // CreateOptions, Impersonation, SecurityFlags
  Vec bytes = {0};                              // bytes at header offset 83: pad to even
  put(bytes, n);
  le16(bytes, 0);
  le16(m, uint16_t(bytes.size()));
  put(m, bytes);
  return m;
}

Vec smb1_nt_create_resp(uint16_t mid, uint16_t fid, uint64_t eof) {
  Vec r = smb1_hdr(0xA2, true, 0, true, mid);
  r.push_back(34);                   // WordCount
  r.insert(r.end(), {0xFF, 0, 0, 0});
  r.push_back(0);                    // OplockLevel
  le16(r, fid);                      // FID
  le32(r, 2);                        // CreateDisposition (action)
  r.insert(r.end(), 32 + 4 + 8, 0);  // times, ExtFileAttributes, AllocationSize
  le64(r, eof);                      // EndOfFile
  le16(r, 0);                        // ResourceType: disk file
  le16(r, 0);                        // NMPipeStatus
  r.push_back(0);                    // Directory
  le16(r, 0);                        // ByteCount
  return r;
}

// An SMB1 session as Suricata logs it: NEGOTIATE (dialect strings, chosen "NT LM 0.12",
// server GUID), SESSION_SETUP_ANDX with native OS / LAN manager of both sides, LOGOFF_ANDX
// answered with a DOS error (ERRSRV/ERRbaduid).
TEST(SmbParser, Smb1Session) {
  std::vector<Msg> conv;
  auto req = [&](Vec m) { conv.push_back({Direction::ToServer, nbss(m)}); };
  auto rsp = [&](Vec m) { conv.push_back({Direction::ToClient, nbss(m)}); };
  {
    Vec m = smb1_hdr(0x72, false, 0, true, 1);
    m.push_back(0);  // WordCount
    std::string d = std::string("\x02PC NETWORK PROGRAM 1.0", 23) + '\0' + "\x02NT LM 0.12" + '\0';
    le16(m, uint16_t(d.size()));
    m.insert(m.end(), d.begin(), d.end());
    req(m);
    Vec r = smb1_hdr(0x72, true, 0, true, 1);
    r.push_back(17);  // WordCount
    le16(r, 1);       // DialectIndex: "NT LM 0.12"
    r.insert(r.end(), 1 + 2 + 2 + 4 + 4 + 4, 0);
    le32(r, 0x80000000);  // Capabilities: CAP_EXTENDED_SECURITY
    r.insert(r.end(), 8 + 2 + 1, 0);
    le16(r, 16);
    Vec g = {0x74, 0x73, 0x34, 0x31, 0x32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    put(r, g);
    rsp(r);
  }
  {
    Vec m = smb1_hdr(0x73, false, 0, true, 2);
    m.push_back(12);
    m.insert(m.end(), {0xFF, 0, 0, 0});  // AndX
    m.insert(m.end(), 2 + 2 + 2 + 4, 0);
    le16(m, 4);  // SecurityBlobLength
    m.insert(m.end(), 4 + 4, 0);
    Vec bytes = {'a', 'b', 'c', 'd'};  // blob; header offset of bytes = 32+1+24+2 = 59: pad 1
    bytes.push_back(0);
    put(bytes, u16s("Mac OS X 10.10"));
    le16(bytes, 0);
    put(bytes, u16s("SMBFS 3.0.0"));
    le16(bytes, 0);
    le16(m, uint16_t(bytes.size()));
    put(m, bytes);
    req(m);
    Vec r = smb1_hdr(0x73, true, 0xC0000016, true, 2);
    r.push_back(4);
    r.insert(r.end(), {0xFF, 0, 0, 0});
    le16(r, 0);  // Action
    le16(r, 2);  // SecurityBlobLength
    Vec rb = {'x', 'y'};  // bytes at 32+1+8+2 = 43, blob 2: strings at 45, pad 1
    rb.push_back(0);
    put(rb, u16s("QTS"));
    le16(rb, 0);
    put(rb, u16s("Samba 4.4.16"));
    le16(rb, 0);
    le16(r, uint16_t(rb.size()));
    put(r, rb);
    rsp(r);
  }
  {
    Vec m = smb1_hdr(0x74, false, 0, true, 3);
    m.push_back(2);
    m.insert(m.end(), {0xFF, 0, 0, 0});
    le16(m, 0);
    req(m);
    Vec r = smb1_hdr(0x74, true, 0x005b0002, false, 3);  // ERRSRV, ERRbaduid
    r[5] = 2;                                           // ErrorClass
    r[6] = 0;
    r[7] = 0x5b;                                        // ErrorCode
    r[8] = 0;
    r.push_back(0);
    le16(r, 0);
    rsp(r);
  }
  for (bool reply : {false, true}) {  // [MS-CIFS] 2.2.4.39 ECHO: a transaction, as Suricata's
    Vec m = smb1_hdr(0x2B, reply, 0, true, 4);
    m.push_back(1);
    le16(m, 1);  // EchoCount (request), SequenceNumber (response)
    le16(m, 2);
    m.insert(m.end(), {'h', 'i'});
    reply ? rsp(m) : req(m);
  }
  for (bool bytewise : {false, true}) {
    auto c_p = run(conv, 0, bytewise);
    Ctx& c = *c_p;
    ASSERT_EQ(c.txs.size(), 4u);
    EXPECT_NE(eve(c.txs[3]).find("\"command\":\"SMB1_COMMAND_ECHO\",\"status\":\"STATUS_SUCCESS\""),
              std::string::npos) << eve(c.txs[3]);
    EXPECT_TRUE(check(&c.txs[0], Direction::ToServer, "smb.version", "1"));  // an SMB1 Tx
    EXPECT_FALSE(check(&c.txs[0], Direction::ToServer, "smb.version", "2"));
    std::string e = eve(c.txs[0]);
    EXPECT_NE(e.find("\"id\":1,\"dialect\":\"NT LM 0.12\",\"command\":\"SMB1_COMMAND_NEGOTIATE_PROTOCOL\","
                     "\"status\":\"STATUS_SUCCESS\",\"status_code\":\"0x0\",\"client_dialects\":"
                     "[\"PC NETWORK PROGRAM 1.0\",\"NT LM 0.12\"],\"server_guid\":"
                     "\"31347374-0032-0000-0000-000000000000\""),
              std::string::npos) << e;
    e = eve(c.txs[1]);
    EXPECT_NE(e.find("\"command\":\"SMB1_COMMAND_SESSION_SETUP_ANDX\",\"status\":"
                     "\"STATUS_MORE_PROCESSING_REQUIRED\",\"status_code\":\"0xc0000016\","
                     "\"session_id\":35909,\"tree_id\":65535"),
              std::string::npos) << e;
    EXPECT_NE(e.find("\"request\":{\"native_os\":\"Mac OS X 10.10\",\"native_lm\":\"SMBFS 3.0.0\"},"
                     "\"response\":{\"native_os\":\"QTS\",\"native_lm\":\"Samba 4.4.16\"}"),
              std::string::npos) << e;
    e = eve(c.txs[2]);
    EXPECT_NE(e.find("\"id\":3,\"dialect\":\"NT LM 0.12\",\"command\":\"SMB1_COMMAND_LOGOFF_ANDX\","
                     "\"status\":\"SRV_BADUID\",\"status_code\":\"0x005b\""),
              std::string::npos) << e;
  }
}

// An SMB1 file write ([MS-CIFS] 2.2.4.64 NT_CREATE_ANDX, 2.2.4.43 WRITE_ANDX, 2.2.4.5 CLOSE):
// the data goes to file extraction and to the file Tx's file.data, whole, split or bytewise.
TEST(SmbParser, Smb1FileWrite) {
  std::vector<Msg> conv;
  auto req = [&](Vec m) { conv.push_back({Direction::ToServer, nbss(m)}); };
  auto rsp = [&](Vec m) { conv.push_back({Direction::ToClient, nbss(m)}); };
  const std::string data = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
  {
    req(smb1_nt_create(10, "\\eicar"));
    rsp(smb1_nt_create_resp(10, 0x4000, 68));
  }
  {
    Vec m = smb1_hdr(0x2F, false, 0, true, 11);
    m.push_back(14);                          // WordCount
    m.insert(m.end(), {0xFF, 0, 0, 0});
    le16(m, 0x4000);                          // FID
    le32(m, 0);                               // Offset
    le32(m, 0);                               // Timeout
    le16(m, 0);                               // WriteMode
    le16(m, 0);                               // Remaining
    le16(m, 0);                               // DataLengthHigh
    le16(m, uint16_t(data.size()));           // DataLength
    le16(m, 64);                              // DataOffset (from the header: 32+1+28+2+pad)
    le32(m, 0);                               // OffsetHigh
    le16(m, uint16_t(1 + data.size()));       // ByteCount
    m.push_back(0);                           // Pad
    m.insert(m.end(), data.begin(), data.end());
    req(m);
    Vec r = smb1_hdr(0x2F, true, 0, true, 11);
    r.push_back(6);
    r.insert(r.end(), {0xFF, 0, 0, 0});
    le16(r, uint16_t(data.size()));           // Count
    r.insert(r.end(), 2 + 4, 0);
    le16(r, 0);
    rsp(r);
  }
  {
    Vec m = smb1_hdr(0x04, false, 0, true, 12);
    m.push_back(3);
    le16(m, 0x4000);                          // FID
    le32(m, 0);                               // LastTimeModified
    le16(m, 0);
    req(m);
    Vec r = smb1_hdr(0x04, true, 0, true, 12);
    r.push_back(0);
    le16(r, 0);
    rsp(r);
  }
  for (int mode = 0; mode < 3; ++mode) {
    auto c_p = run(conv, mode == 1 ? 50 : 0, mode == 2);
    Ctx& c = *c_p;
    ASSERT_EQ(c.names.size(), 1u) << mode;
    EXPECT_EQ(c.names[0], "\\eicar");
    EXPECT_EQ(c.data[0], data) << mode;
    EXPECT_EQ(c.ends[0], int(FileEnd::Complete));
    const Tx* ftx = nullptr;
    bool create = false;
    for (const Tx& t : c.txs) {
      if (t.file_tx) ftx = &t;
      if (t.command == 0xA2) create = t.filename.view() == "\\eicar" && t.has_disposition;
    }
    EXPECT_TRUE(create) << mode;
    ASSERT_NE(ftx, nullptr) << mode;
    EXPECT_TRUE(ftx->smb1);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(ftx->file_data), ftx->file_data_len),
              data) << mode;
    EXPECT_NE(eve(*ftx).find("SMB1_COMMAND_WRITE_ANDX"), std::string::npos) << eve(*ftx);
  }
}

// The fileinfo event of an SMB file carries its file Tx (Suricata's "smb" object).
TEST(SmbParser, FileinfoCarriesTheFileTx) {
  // The Smb1FileWrite conversation, through the app layer and the file tracker.
  std::vector<Msg> conv;
  {
    conv.push_back({Direction::ToServer, nbss(smb1_nt_create(10, "a.txt"))});
    conv.push_back({Direction::ToClient, nbss(smb1_nt_create_resp(10, 0x4001, 0))});
    Vec w = smb1_hdr(0x2F, false, 0, true, 11);
    w.push_back(12);
    w.insert(w.end(), {0xFF, 0, 0, 0});
    le16(w, 0x4001);
    w.insert(w.end(), 4 + 4 + 2 + 2 + 2, 0);  // Offset, Timeout, WriteMode, Remaining, High
    le16(w, 5);                                // DataLength
    le16(w, 59);                               // DataOffset: 32+1+24+2
    le16(w, 5);
    for (char ch : std::string("hello")) w.push_back(uint8_t(ch));
    conv.push_back({Direction::ToServer, nbss(w)});
    Vec c = smb1_hdr(0x04, false, 0, true, 12);
    c.push_back(3);
    le16(c, 0x4001);
    le32(c, 0);
    le16(c, 0);
    conv.push_back({Direction::ToServer, nbss(c)});
  }
  app::test::Harness h(ipproto::kTcp, 40000, 445);
  for (const Msg& m : conv) h.data(m.d, Bytes(m.bytes));
  h.end();
  std::string fileinfo;
  for (const std::string& l : h.eve_lines())
    if (l.find("\"event_type\":\"fileinfo\"") != std::string::npos) fileinfo = l;
  ASSERT_FALSE(fileinfo.empty()) << h.eve_all();
  EXPECT_NE(fileinfo.find("\"size\":5"), std::string::npos) << fileinfo;
  EXPECT_NE(fileinfo.find("\"smb\":{"), std::string::npos) << fileinfo;
  EXPECT_NE(fileinfo.find("\"command\":\"SMB1_COMMAND_WRITE_ANDX\""), std::string::npos)
      << fileinfo;
}

// [MS-CIFS] 2.2.3.4 AndX chains: a LOCKING_ANDX request with a WRITE_ANDX chained after it
// (the data is handed on from the kept message) and a CLOSE after that.
TEST(SmbParser, Smb1ChainedWriteAndClose) {
  std::vector<Msg> conv;
  {
    conv.push_back({Direction::ToServer, nbss(smb1_nt_create(20, "b.txt"))});
    conv.push_back({Direction::ToClient, nbss(smb1_nt_create_resp(20, 0x4002, 0))});
  }
  const std::string data = "chained payload";
  Vec m = smb1_hdr(0x24, false, 0, true, 21);  // LOCKING_ANDX (2.2.4.32.1)
  m.push_back(8);
  m.insert(m.end(), {0x2F, 0});  // AndXCommand: WRITE_ANDX
  le16(m, 51);                   // AndXOffset: 32 + 1 + 16 + 2
  le16(m, 0x4002);               // FID
  m.insert(m.end(), 1 + 1 + 4 + 2 + 2, 0);
  le16(m, 0);                    // ByteCount
  m.push_back(14);               // WRITE_ANDX at 51
  m.insert(m.end(), {0x04, 0});  // AndXCommand: CLOSE
  uint16_t close_at = uint16_t(51 + 1 + 28 + 2 + data.size());
  le16(m, close_at);
  le16(m, 0x4002);
  m.insert(m.end(), 4 + 4 + 2 + 2 + 2, 0);
  le16(m, uint16_t(data.size()));
  le16(m, 82);                   // DataOffset: 51 + 1 + 28 + 2
  le32(m, 0);
  le16(m, uint16_t(data.size()));
  m.insert(m.end(), data.begin(), data.end());
  m.push_back(3);                // CLOSE at close_at
  le16(m, 0x4002);
  le32(m, 0);
  le16(m, 0);
  ASSERT_EQ(m.size(), size_t(close_at) + 9);
  conv.push_back({Direction::ToServer, nbss(m)});
  for (bool bytewise : {false, true}) {
    auto c_p = run(conv, 0, bytewise);
    Ctx& c = *c_p;
    ASSERT_EQ(c.names.size(), 1u);
    EXPECT_EQ(c.data[0], data);
    EXPECT_EQ(c.ends[0], int(FileEnd::Complete));  // the chained CLOSE
    const Tx* ftx = nullptr;
    for (const Tx& t : c.txs)
      if (t.file_tx) ftx = &t;
    ASSERT_NE(ftx, nullptr);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(ftx->file_data), ftx->file_data_len), data);
  }
}

// [MS-CIFS] 2.2.4.41 OPEN_ANDX opens the file a READ_ANDX response (2.2.4.42.2) reads.
TEST(SmbParser, Smb1OpenAndxThenRead) {
  std::vector<Msg> conv;
  Vec m = smb1_hdr(0x2D, false, 0, true, 30);
  m.push_back(15);
  m.insert(m.end(), {0xFF, 0, 0, 0});
  m.insert(m.end(), 26, 0);  // Flags .. Reserved
  Vec bytes = {0};           // bytes at header offset 65: pad to even
  put(bytes, u16s("\\tmp\\foo"));
  le16(bytes, 0);
  le16(m, uint16_t(bytes.size()));
  put(m, bytes);
  conv.push_back({Direction::ToServer, nbss(m)});
  Vec r = smb1_hdr(0x2D, true, 0, true, 30);
  r.push_back(15);
  r.insert(r.end(), {0xFF, 0, 0, 0});
  le16(r, 0x42fe);  // FID
  r.insert(r.end(), 2 + 4 + 4 + 2, 0);
  le16(r, 0);  // ResourceType: disk file
  r.insert(r.end(), 2 + 2 + 6, 0);
  le16(r, 0);
  conv.push_back({Direction::ToClient, nbss(r)});
  Vec q = smb1_hdr(0x2E, false, 0, true, 31);
  q.push_back(10);
  q.insert(q.end(), {0xFF, 0, 0, 0});
  le16(q, 0x42fe);
  q.insert(q.end(), 4 + 2 + 2 + 4 + 2, 0);
  le16(q, 0);
  conv.push_back({Direction::ToServer, nbss(q)});
  const std::string data = "fifteen bytes!!";
  Vec a = smb1_hdr(0x2E, true, 0, true, 31);
  a.push_back(12);
  a.insert(a.end(), {0xFF, 0, 0, 0});
  a.insert(a.end(), 2 + 2 + 2, 0);  // Available, DataCompactionMode, Reserved
  le16(a, uint16_t(data.size()));   // DataLength
  le16(a, 59);                      // DataOffset: 32 + 1 + 24 + 2
  le16(a, 0);                       // DataLengthHigh
  a.insert(a.end(), 8, 0);
  le16(a, uint16_t(data.size()));
  a.insert(a.end(), data.begin(), data.end());
  conv.push_back({Direction::ToClient, nbss(a)});
  for (bool bytewise : {false, true}) {
    auto c_p = run(conv, 0, bytewise);
    Ctx& c = *c_p;
    ASSERT_EQ(c.names.size(), 1u);
    EXPECT_EQ(c.names[0], "\\tmp\\foo");
    EXPECT_EQ(c.data[0], data);
  }
}

// Picked up midstream at the server's NEGOTIATE answer: no transaction for it (nothing says
// what was offered); the next request/answer pair is the flow's first transaction.
TEST(SmbParser, Smb1NegotiateAnswerWithoutRequestIsNoTransaction) {
  Ctx c;
  Parser* p = create(c);
  Vec neg = smb1_hdr(0x72, true, 0, true, 1);
  neg.resize(35, 0);
  EXPECT_EQ(p->parse(Direction::ToClient, nbss(neg), c).status, ParseStatus::Ok);
  Vec req = smb1_hdr(0x74, false, 0, true, 2);  // LOGOFF_ANDX: WordCount 2, AndX, ByteCount 0
  for (uint8_t b : {2, 0xFF, 0, 0, 0, 0, 0}) req.push_back(b);
  Vec rsp = smb1_hdr(0x74, true, 0, true, 2);
  for (uint8_t b : {2, 0xFF, 0, 0, 0, 0, 0}) rsp.push_back(b);
  p->parse(Direction::ToServer, nbss(req), c);
  p->parse(Direction::ToClient, nbss(rsp), c);
  p->finish(Direction::ToServer, c);
  p->finish(Direction::ToClient, c);
  ASSERT_EQ(c.txs.size(), 1u);
  EXPECT_NE(eve(c.txs[0]).find("SMB1_COMMAND_LOGOFF_ANDX"), std::string::npos) << eve(c.txs[0]);
  EXPECT_NE(eve(c.txs[0]).find("\"id\":1"), std::string::npos) << eve(c.txs[0]);
}

TEST(SmbParser, Probe) {
  Vec m = nbss(hdr(cmd::kNegotiate, 0, false));
  EXPECT_EQ(probe(Direction::ToServer, Bytes(m).first(3)), ProbeResult::NeedMore);
  EXPECT_EQ(probe(Direction::ToServer, m), ProbeResult::Match);
  Vec http = {'G', 'E', 'T', ' '};
  EXPECT_EQ(probe(Direction::ToServer, http), ProbeResult::NoMatch);
  Vec z = {0, 0, 0, 5, 'x', 'S'};
  EXPECT_EQ(probe(Direction::ToServer, z), ProbeResult::NoMatch);
  // The header's flags tell who sent it: a response offered as to_server (or a request as
  // to_client) is the other side's, for SMB2 and SMB1 alike.
  Vec r = nbss(hdr(cmd::kNegotiate, 0, true));
  EXPECT_EQ(probe(Direction::ToServer, r), ProbeResult::MatchReversed);
  EXPECT_EQ(probe(Direction::ToClient, r), ProbeResult::Match);
  EXPECT_EQ(probe(Direction::ToClient, m), ProbeResult::MatchReversed);
  Vec r1 = nbss(smb1_hdr(0x72, true, 0, true, 1));
  EXPECT_EQ(probe(Direction::ToServer, r1), ProbeResult::MatchReversed);
  EXPECT_EQ(probe(Direction::ToServer, nbss(smb1_hdr(0x72, false, 0, true, 1))),
            ProbeResult::Match);
}

}  // namespace
}  // namespace ww::app::smb
