#include "app/smtp/parser.h"
#include "app/test_ctx.h"
#include "app/test_harness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/stats.h"
#include "flow/arena.h"
#include "flow/flow.h"
#include "output/eve.h"

namespace ww::app::smtp {
namespace {

using Ctx = testing::TxRecorder<Tx>;

struct Msg {
  Direction d;
  std::string s;
};
constexpr Direction C = Direction::ToServer, S = Direction::ToClient;

// RFC 5321 D.1-style session; the message is RFC 2046 multipart/mixed with a base64 PDF-ish
// attachment and a quoted-printable text attachment; one line is dot-stuffed (4.5.2).
std::vector<Msg> session() {
  return {
      {S, "220 mail.hospital.local ESMTP Postfix\r\n"},  // 4.2 greeting
      {C, "EHLO ws050.hospital.local\r\n"},
      {S, "250-mail.hospital.local\r\n250-PIPELINING\r\n250 8BITMIME\r\n"},  // multi-line
      {C, "MAIL FROM:<radiology@hospital.local> SIZE=1000\r\n"},
      {S, "250 2.1.0 Ok\r\n"},
      {C, "RCPT TO:<drsmith@hospital.local>\r\n"},
      {S, "250 2.1.5 Ok\r\n"},
      {C, "RCPT TO:<lab@hospital.local>\r\n"},
      {S, "250 2.1.5 Ok\r\n"},
      {C, "DATA\r\n"},
      {S, "354 End data with <CR><LF>.<CR><LF>\r\n"},
      {C,
       "From: Radiology <radiology@hospital.local>\r\n"  // RFC 5322 3.6.2
       "To: drsmith@hospital.local,\r\n lab@hospital.local\r\n"  // folded (2.2.3)
       "Cc: \"Doe, J\" <jdoe@hospital.local>\r\n"
       "Subject: CT report\r\n"
       "Message-ID: <1@hospital.local>\r\n"
       "Date: Fri, 1 Mar 2024 10:00:00 +0000\r\n"
       "X-Mailer: MercyRIS 5.2\r\n"
       "MIME-Version: 1.0\r\n"
       "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n"  // RFC 2046 5.1.1
       "\r\n"
       "preamble\r\n"
       "--XYZ\r\n"
       "Content-Type: text/plain\r\n"
       "\r\n"
       "..a dot-stuffed line\r\n"
       "--XYZ\r\n"
       "Content-Type: application/pdf; name=\"ct.pdf\"\r\n"
       "Content-Transfer-Encoding: base64\r\n"  // RFC 2045 6.8
       "Content-Disposition: attachment; filename=\"ct.pdf\"\r\n"
       "\r\n"
       "JVBERi0xLjQK\r\n"  // "%PDF-1.4\n"
       "aGVsbG8gaA==\r\n"  // "hello h": "==" leaves one byte (RFC 4648 4, case 2)
       "--XYZ\r\n"
       "Content-Type: text/csv\r\n"
       "Content-Transfer-Encoding: quoted-printable\r\n"  // RFC 2045 6.7
       "Content-Disposition: attachment; filename=lab.csv\r\n"
       "\r\n"
       "k=3D4.2,na=3D1=\r\n"  // soft line break
       "40\r\n"
       "--XYZ--\r\n"
       ".\r\n"},
      {S, "250 2.0.0 Ok: queued\r\n"},
      {C, "MAIL FROM:<billing@hospital.local>\r\n"},
      {S, "250 2.1.0 Ok\r\n"},
      {C, "RCPT TO:<nobody@hospital.local>\r\n"},
      {S, "550 5.1.1 User unknown\r\n"},
      {C, "QUIT\r\n"},
      {S, "221 2.0.0 Bye\r\n"},
  };
}

std::unique_ptr<Ctx> run(const std::vector<Msg>& conv, size_t cut = 0) {
  auto c = std::make_unique<Ctx>();
  Parser* p = create(*c);
  for (const Msg& m : conv) {
    Bytes b(reinterpret_cast<const uint8_t*>(m.s.data()), m.s.size());
    if (cut == 1) {
      for (size_t i = 0; i < b.size(); ++i) EXPECT_EQ(p->parse(m.d, b.subspan(i, 1), *c).consumed, 1u);
    } else if (cut && cut < b.size()) {
      p->parse(m.d, b.first(cut), *c);
      p->parse(m.d, b.subspan(cut), *c);
    } else {
      EXPECT_EQ(p->parse(m.d, b, *c).status, ParseStatus::Ok);
    }
  }
  p->finish(C, *c);
  p->finish(S, *c);
  return c;
}

// A parser fed one message at a time, so a test can look between them.
struct Live {
  Ctx c;
  Parser* p = create(c);
  void operator()(Direction d, std::string_view s) {
    p->parse(d, Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()), c);
  }
};

std::string eve(const Tx& tx) {
  output::EveWriter w(nullptr);
  w.begin_raw().StartObject();
  w.begin_raw().Key("smtp");
  log_tx(&tx, w);
  w.begin_raw().EndObject();
  return std::string(w.pending());
}

TEST(SmtpParser, WholeSession) {
  auto cp = run(session());
  Ctx& c = *cp;
  ASSERT_EQ(c.txs.size(), 2u);
  const Tx& t = c.txs[0];
  EXPECT_EQ(t.helo.view(), "ws050.hospital.local");
  EXPECT_EQ(t.mail_from.view(), "<radiology@hospital.local>");
  ASSERT_EQ(t.rcpt_to.count, 2);
  EXPECT_EQ(t.rcpt_to[1], "<lab@hospital.local>");
  EXPECT_EQ(t.subject.view(), "CT report");
  EXPECT_EQ(t.to.view(), "drsmith@hospital.local, lab@hospital.local");
  EXPECT_EQ(t.x_mailer.view(), "MercyRIS 5.2");
  EXPECT_EQ(t.message_id.view(), "<1@hospital.local>");
  ASSERT_EQ(t.attachments.count, 2);
  ASSERT_EQ(c.names.size(), 2u);
  EXPECT_EQ(c.names[0], "ct.pdf");
  EXPECT_EQ(c.data[0], "%PDF-1.4\nhello h");
  EXPECT_EQ(c.names[1], "lab.csv");
  EXPECT_EQ(c.data[1], "k=4.2,na=140");  // the CRLF before the boundary is the boundary's
  EXPECT_EQ(c.ends[0], int(FileEnd::Complete));
  EXPECT_EQ(c.txs[1].mail_from.view(), "<billing@hospital.local>");
  EXPECT_FALSE(c.txs[1].has_data);
  EXPECT_TRUE(c.anomalies.empty());
  std::string e = eve(t);
  EXPECT_NE(e.find("\"rcpt_to\":[\"<drsmith@hospital.local>\",\"<lab@hospital.local>\"]"),
            std::string::npos) << e;
  EXPECT_NE(e.find("\"email\":{\"status\":\"PARSE_DONE\""), std::string::npos) << e;
  EXPECT_NE(e.find("\"cc\":[\"\\\"Doe, J\\\" <jdoe@hospital.local>\"]"), std::string::npos) << e;
  EXPECT_NE(e.find("\"attachment\":[\"ct.pdf\",\"lab.csv\"]"), std::string::npos) << e;
}

// email.status follows Suricata's MIME parser states: a message cut in its headers or its body
// is not PARSE_DONE.
TEST(SmtpParser, EmailStatusWhenCut) {
  std::vector<Msg> base = {
      {C, "HELO a\r\n"}, {S, "250 ok\r\n"}, {C, "MAIL FROM:<a@b>\r\n"}, {S, "250 ok\r\n"},
      {C, "RCPT TO:<c@d>\r\n"}, {S, "250 ok\r\n"}, {C, "DATA\r\n"}, {S, "354 go\r\n"}};
  auto in_headers = base;
  in_headers.push_back({C, "Subject: x\r\nFrom: a@b\r\n"});
  auto c = run(in_headers);
  ASSERT_EQ(c->txs.size(), 1u);
  EXPECT_NE(eve(c->txs[0]).find("\"status\":\"HEADER_STARTED\""), std::string::npos);
  auto in_body = base;
  in_body.push_back({C, "Subject: x\r\n\r\nbody line\r\n"});
  c = run(in_body);
  ASSERT_EQ(c->txs.size(), 1u);
  EXPECT_NE(eve(c->txs[0]).find("\"status\":\"BODY_STARTED\""), std::string::npos);
  auto done = in_body;
  done.push_back({C, ".\r\n"});
  c = run(done);
  ASSERT_EQ(c->txs.size(), 1u);
  EXPECT_NE(eve(c->txs[0]).find("\"status\":\"PARSE_DONE\""), std::string::npos);
}

TEST(SmtpParser, SplitAtEveryOffset) {
  auto conv = session();
  auto whole = run(conv);
  size_t longest = 0;
  for (auto& m : conv) longest = std::max(longest, m.s.size());
  for (size_t cut = 1; cut < longest; ++cut) {
    auto c = run(conv, cut);
    ASSERT_EQ(c->txs.size(), whole->txs.size()) << cut;
    EXPECT_EQ(c->data, whole->data) << cut;
    EXPECT_EQ(c->txs[0].subject.view(), "CT report") << cut;
    EXPECT_EQ(c->txs[0].to.view(), whole->txs[0].to.view()) << cut;
    EXPECT_EQ(c->txs[0].rcpt_to.count, 2) << cut;
  }
}

TEST(SmtpParser, AuthStartTlsTruncated) {
  // RFC 4954 AUTH LOGIN: the base64 lines are never kept; cleartext auth flagged.
  std::vector<Msg> a = {{S, "220 relay smtp\r\n"},     {C, "EHLO ws\r\n"},
                        {S, "250 AUTH PLAIN LOGIN\r\n"}, {C, "AUTH LOGIN\r\n"},
                        {S, "334 VXNlcm5hbWU6\r\n"},     {C, "ZHJzbWl0aA==\r\n"},
                        {S, "334 UGFzc3dvcmQ6\r\n"},     {C, "U3VtbWVyMjAyMw==\r\n"},
                        {S, "535 5.7.8 bad\r\n"},         {C, "QUIT\r\n"}};
  auto c = run(a);
  EXPECT_TRUE(c->has("smtp.cleartext_auth"));
  ASSERT_EQ(c->txs.size(), 1u);
  EXPECT_EQ(c->txs[0].auth_mechanism.view(), "LOGIN");
  // RFC 3207: after 220 to STARTTLS nothing more is parsed.
  std::vector<Msg> t = {{C, "EHLO ws\r\n"}, {S, "250 ws\r\n"}, {C, "STARTTLS\r\n"},
                        {S, "220 go ahead\r\n"},
                        {C, "\x16\x03\x01\x02\x00MAIL FROM:<x@y>\r\n"}, {S, "\x16\x03\x03junk\r\n"}};
  c = run(t);
  ASSERT_EQ(c->txs.size(), 1u);
  EXPECT_TRUE(c->txs[0].starttls);
  EXPECT_TRUE(c->txs[0].mail_from.empty());
  // Every prefix of the client side ends without a crash and reports what it had.
  auto conv = session();
  std::string all;
  for (auto& m : conv)
    if (m.d == C) all += m.s;
  for (size_t n = 0; n < all.size(); n += 7) {
    auto p = run({{C, all.substr(0, n)}});
    EXPECT_LE(p->txs.size(), 2u);
    for (int e : p->ends) EXPECT_NE(e, -1);  // every file opened was closed
  }
}

TEST(SmtpParser, GarbageAndLimits) {
  std::string junk(20000, 'A');
  auto c = run({{C, junk + "\r\n"}, {C, "MAIL FROM:<a@b>\r\n"}, {S, std::string(9000, '5')}});
  EXPECT_TRUE(c->has("smtp.line_too_long"));
  ASSERT_EQ(c->txs.size(), 1u);
  EXPECT_EQ(c->txs[0].mail_from.view(), "<a@b>");
  // More recipients than kMaxRcpt: kept up to the limit.
  std::vector<Msg> m = {{C, "MAIL FROM:<a@b>\r\n"}};
  for (int i = 0; i < 100; ++i) m.push_back({C, "RCPT TO:<r" + std::to_string(i) + "@b>\r\n"});
  c = run(m);
  ASSERT_EQ(c->txs.size(), 1u);
  EXPECT_EQ(c->txs[0].rcpt_to.count, kMaxRcpt);
  // A very long base64 line in an attachment is decoded in pieces without loss.
  std::string b64;
  for (int i = 0; i < 3000; ++i) b64 += "QUJD";  // "ABC" x 3000
  c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"},
           {C, "Content-Type: application/octet-stream; name=x.bin\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n.\r\n"}});
  ASSERT_EQ(c->names.size(), 1u);
  EXPECT_EQ(c->data[0].size(), 9000u);
  // Nesting deeper than kMaxDepth.
  std::string deep = "MAIL FROM:<a@b>\r\nDATA\r\n";
  for (int i = 0; i < 6; ++i)
    deep += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
            std::to_string(i) + "\r\n";
  deep += "\r\nx\r\n.\r\n";
  c = run({{C, deep}});
  EXPECT_TRUE(c->has("smtp.mime_too_deep"));
}

// RFC 2045 6.8: characters outside the alphabet are skipped wherever they are, "=" ends a
// quantum early, and a quantum may continue on the next line (the 4-character fast path and
// the character loop must agree).
TEST(SmtpParser, Base64AroundJunkPaddingAndLineEnds) {
  auto c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"},
                {C, "Content-Type: application/octet-stream; name=x.bin\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n"
                    "QU JDREVG\r\nQQ==QUI=\r\n!QUJD\r\nQUJ\r\nDQUJD\r\nQ\tUJDQUJD\r\n.\r\n"}});
  ASSERT_EQ(c->names.size(), 1u);
  EXPECT_EQ(c->data[0], "ABCDEFAABABCABCABCABCABC");
}

// Every byte value, base64-encoded in lines of several lengths, with characters outside the
// alphabet at odd and even quantum places: the two-quanta fast path, the one-quantum loop and
// the character loop decode the same bytes.
TEST(SmtpParser, Base64AllBytesAcrossQuantumPaths) {
  static constexpr char kAlpha[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string raw;
  for (int r = 0; r < 3; ++r)
    for (int i = 0; i < 256; ++i) raw += char(i);
  raw += "xy";  // ends with "xxx=" padding
  std::string enc;
  for (size_t i = 0; i < raw.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(raw[i])) << 16;
    size_t n = std::min<size_t>(3, raw.size() - i);
    if (n > 1) v |= uint32_t(uint8_t(raw[i + 1])) << 8;
    if (n > 2) v |= uint8_t(raw[i + 2]);
    enc += kAlpha[v >> 18 & 63];
    enc += kAlpha[v >> 12 & 63];
    enc += n > 1 ? kAlpha[v >> 6 & 63] : '=';
    enc += n > 2 ? kAlpha[v & 63] : '=';
  }
  std::string body;
  size_t at = 0;
  for (size_t len : {76u, 8u, 12u, 4u, 60u, 3u, 77u, 200u, 16u}) {  // then the rest
    body += enc.substr(at, len) + "\r\n";
    at = std::min(at + len, enc.size());
  }
  std::string rest = enc.substr(at);
  rest.insert(40, "*");  // junk at a quantum boundary after 10 quanta (even)
  rest.insert(13, " ");  // inside the fourth quantum (odd)
  body += rest + "\r\n";
  auto c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"},
                {C, "Content-Type: application/octet-stream; name=x.bin\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n" + body + ".\r\n"}});
  ASSERT_EQ(c->names.size(), 1u);
  EXPECT_EQ(c->data[0], raw);
}

// A character outside the alphabet at any place of a long line, next to each class of
// alphabet characters (letters, digits, "+", "/"): skipped, the bytes around it decoded as
// by the character loop (the 16-character blocks stop before it).
TEST(SmtpParser, Base64JunkAtEveryPlace) {
  // "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" decodes to these 48 bytes.
  const std::string line = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string want;
  for (size_t i = 0; i < line.size(); i += 4) {
    uint32_t v = 0;
    for (size_t j = 0; j < 4; ++j) v = v << 6 | uint32_t(i + j);
    want += {char(v >> 16), char(v >> 8), char(v)};
  }
  for (char junk : {'*', ' ', '-', ':', '@', '[', '`', '{', '\x80', '\xff', '\x2a', '\x3f'}) {
    for (size_t at = 0; at <= line.size(); at += 3) {
      std::string l = line;
      l.insert(at, 1, junk);
      auto c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"},
                    {C, "Content-Disposition: attachment; filename=x\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\n" + l + l + "\r\n.\r\n"}});
      ASSERT_EQ(c->names.size(), 1u);
      ASSERT_EQ(c->data[0], want + want) << "junk " << int(uint8_t(junk)) << " at " << at;
    }
  }
}

// Quoted-printable (RFC 2045 6.7) lines longer than the decoding block: "=XX" escapes,
// soft line breaks and the CRLF between lines come out in order, in a file and in the URL scan.
TEST(SmtpParser, QuotedPrintableLongLines) {
  std::string line, want;
  for (int i = 0; i < 300; ++i) {
    line += "ab=3D";  // 3 bytes decoded per 5 characters
    want += "ab=";
  }
  std::string soft = std::string(700, 'q') + "=";
  auto c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"},
                {C, "Content-Disposition: attachment; filename=x.txt\r\n"
                    "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
                        line + "\r\n" + soft + "\r\n" + line + "=0D=0A\r\nend\r\n.\r\n"}});
  ASSERT_EQ(c->names.size(), 1u);
  EXPECT_EQ(c->data[0], want + "\r\n" + std::string(700, 'q') + want + "\r\n\r\nend");
  // A text part: URLs found across the decoded blocks and a soft line break.
  c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"},
           {C, "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
                   std::string(509, 'x') + " http://a.exam=\r\nple/p=3Dq x\r\n.\r\n"}});
  ASSERT_EQ(c->txs.size(), 1u);
  ASSERT_EQ(c->txs[0].urls.count, 1u);
  EXPECT_EQ(c->txs[0].urls[0], "a.example/p=q");
}

// Each transaction starts empty: nothing of the session's previous message (headers,
// recipients, attachments, URLs) is carried into the next one.
TEST(SmtpParser, NextTransactionStartsEmpty) {
  auto c = run(session());
  ASSERT_EQ(c->txs.size(), 2u);
  const Tx& a = c->txs[0];
  EXPECT_FALSE(a.subject.empty());
  EXPECT_EQ(a.attachments.count, 2u);
  const Tx& b = c->txs[1];
  EXPECT_EQ(b.helo.view(), a.helo.view());
  EXPECT_EQ(b.mail_from.view(), "<billing@hospital.local>");
  EXPECT_EQ(b.rcpt_to.count, 1u);
  EXPECT_EQ(b.rcpt_to[0], "<nobody@hospital.local>");
  EXPECT_TRUE(b.subject.empty() && b.from.empty() && b.to.empty() && b.cc.empty());
  EXPECT_TRUE(b.message_id.empty() && b.date.empty() && b.x_mailer.empty());
  EXPECT_EQ(b.attachments.count, 0u);
  EXPECT_EQ(b.urls.count, 0u);
  EXPECT_FALSE(b.has_data || b.data_done || b.body_started || b.mime_error || b.starttls);
  EXPECT_FALSE(b.body_md5_set || b.subject_md5_set);
  EXPECT_EQ(b.file_data_len, 0u);
}

// Suricata 8.0.7: the transaction is complete with the server's reply to its end of data, and
// QUIT opens no transaction of its own (no trailing HELO-only transaction).
TEST(SmtpParser, TxReportedAtReplyToEndOfData) {
  Live feed;
  Ctx& c = feed.c;
  Parser* p = feed.p;
  feed(S, "220 linuxbox SMTP ready\r\n");
  feed(C, "HELO linuxbox\r\n");
  feed(S, "250 OK\r\n");
  feed(C, "MAIL FROM:<a@b>\r\n");
  feed(S, "250 OK\r\n");
  feed(C, "RCPT TO:<c@d>\r\n");
  feed(S, "250 OK\r\n");
  feed(C, "DATA\r\n");
  feed(S, "354 go\r\n");
  feed(C, "Subject: x\r\n\r\nbody\r\n");
  feed(C, ".\r\n");
  EXPECT_TRUE(c.txs.empty());  // waits for the reply
  feed(S, "250 OK\r\n");
  ASSERT_EQ(c.txs.size(), 1u);
  EXPECT_TRUE(c.txs[0].data_done);
  EXPECT_EQ(c.txs[0].helo.view(), "linuxbox");
  feed(C, "QUIT\r\n");
  feed(S, "221 bye\r\n");
  p->finish(S, c);
  p->finish(C, c);
  EXPECT_EQ(c.txs.size(), 1u);
  EXPECT_TRUE(c.anomalies.empty());
}

// A client that does not wait for the reply to its message (pipelining, or a server that is
// gone): the next MAIL reports the message; the server closing first does not end the client's
// side. A DATA with more commands behind it is Suricata's INVALID_PIPELINED_SEQUENCE.
TEST(SmtpParser, PipelinedMessagesAndServerClosingFirst) {
  Live feed;
  Ctx& c = feed.c;
  Parser* p = feed.p;
  feed(S, "220 mx ESMTP\r\n");
  feed(C, "EHLO ws\r\n");
  feed(S, "250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
  feed(C, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 5 LAST\r\nhello");
  feed(S, "421 closing\r\n");
  p->finish(S, c);  // the server left: nothing reported yet
  EXPECT_TRUE(c.txs.empty());
  feed(C, "MAIL FROM:<e@f>\r\nRCPT TO:<g@h>\r\nDATA\r\nFrom: e@f\r\n\r\nhi\r\n.\r\n");
  ASSERT_EQ(c.txs.size(), 1u);  // the BDAT message, at the next MAIL
  EXPECT_EQ(c.txs[0].mail_from.view(), "<a@b>");
  EXPECT_TRUE(c.txs[0].bdat);
  EXPECT_FALSE(c.txs[0].has_data);  // BDAT content is not MIME-parsed: no email object
  EXPECT_EQ(eve(c.txs[0]).find("\"email\""), std::string::npos);
  p->finish(C, c);
  ASSERT_EQ(c.txs.size(), 2u);
  EXPECT_EQ(c.txs[1].mail_from.view(), "<e@f>");
  EXPECT_EQ(c.txs[1].from.view(), "e@f");
  EXPECT_TRUE(c.txs[1].data_done);
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"smtp.INVALID_PIPELINED_SEQUENCE"});
}

// RFC 5321 4.1.4: a HELO/EHLO in the session resets it as RSET does; Suricata flags the second
// HELO (DUPLICATE_FIELDS) and keeps the first.
TEST(SmtpParser, HeloMidSessionResetsTheEnvelope) {
  auto c = run({{S, "220 mx ESMTP\r\n"}, {C, "HELO client\r\n"}, {S, "250 mx\r\n"},
                {C, "MAIL FROM:<alice@x>\r\n"}, {S, "250 ok\r\n"},
                {C, "RCPT TO:<bob@x>\r\n"}, {S, "250 ok\r\n"},
                {C, "EHLO other\r\n"}, {S, "250-mx\r\n250 8BITMIME\r\n"},
                {C, "MAIL FROM:<bob@x>\r\n"}, {S, "250 ok\r\n"},
                {C, "RCPT TO:<alice@x>\r\n"}, {S, "250 ok\r\n"},
                {C, "DATA\r\n"}, {S, "354 go\r\n"},
                {C, "From: bob@x\r\n\r\nhi\r\n.\r\n"}, {S, "250 queued\r\n"},
                {C, "QUIT\r\n"}, {S, "221 bye\r\n"}});
  ASSERT_EQ(c->txs.size(), 2u);
  EXPECT_EQ(c->txs[0].mail_from.view(), "<alice@x>");
  EXPECT_EQ(c->txs[0].rcpt_to.count, 1);
  EXPECT_FALSE(c->txs[0].has_data);
  EXPECT_EQ(c->txs[1].mail_from.view(), "<bob@x>");
  EXPECT_EQ(c->txs[1].helo.view(), "client");
  EXPECT_EQ(c->txs[1].from.view(), "bob@x");
  EXPECT_EQ(c->anomalies, std::vector<std::string>{"smtp.DUPLICATE_FIELDS"});
}

// RFC 3030 2: a BDAT without a valid size [LAST] is INVALID_BDAT and reads no chunk, but waits
// for its reply like any command: the replies that follow stay matched (no DATA rejection).
// BDAT 0 LAST ends the message at once; its reply completes it.
TEST(SmtpParser, BdatSyntaxAndReplyQueue) {
  auto c = run({{S, "220 mx ESMTP\r\n"}, {C, "EHLO client\r\n"},
                {S, "250-mx\r\n250 CHUNKING\r\n"},
                {C, "BDAT 5 X\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n"},
                {S, "501 5.5.4 Syntax\r\n250 ok\r\n250 ok\r\n354 go\r\n"},
                {C, "From: a@x\r\n\r\nhi\r\n.\r\n"}, {S, "250 queued\r\n"},
                {C, "MAIL FROM:<c@x>\r\n"}, {S, "250 ok\r\n"}, {C, "BDAT 0 LAST\r\n"},
                {S, "250 0 bytes queued\r\n"}, {C, "MAIL FROM:<d@x>\r\n"}});
  ASSERT_EQ(c->txs.size(), 3u);
  EXPECT_EQ(c->txs[0].mail_from.view(), "<a@x>");
  EXPECT_EQ(c->txs[0].from.view(), "a@x");
  EXPECT_TRUE(c->txs[0].data_done);
  EXPECT_EQ(c->txs[1].mail_from.view(), "<c@x>");
  EXPECT_TRUE(c->txs[1].data_done);
  EXPECT_EQ(c->txs[2].mail_from.view(), "<d@x>");
  EXPECT_EQ(c->anomalies, std::vector<std::string>{"smtp.INVALID_BDAT"});
  for (const char* bad : {"BDAT\r\n", "BDAT x\r\n", "BDAT 5LAST\r\n", "BDAT 5 LAST X\r\n"}) {
    auto b = run({{C, "MAIL FROM:<a@x>\r\n"}, {C, bad}, {C, "RCPT TO:<b@x>\r\n"}});
    EXPECT_EQ(b->anomalies, std::vector<std::string>{"smtp.INVALID_BDAT"}) << bad;
    ASSERT_EQ(b->txs.size(), 1u);
    EXPECT_EQ(b->txs[0].rcpt_to.count, 1) << bad;  // no chunk was read
  }
}

// Replies lost in a gap: the commands waiting are dropped, so the next reply is not taken for
// the end of a later message (which waits for its own reply).
TEST(SmtpParser, GapDropsTheCommandsWaiting) {
  Live feed;
  Ctx& c = feed.c;
  Parser* p = feed.p;
  feed(C, "HELO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n");
  p->gap(S, 100, c);  // the three replies
  feed(C, "DATA\r\n");
  feed(S, "354 go\r\n");
  feed(C, "hi\r\n.\r\n");
  EXPECT_TRUE(c.txs.empty());
  feed(S, "250 queued\r\n");
  ASSERT_EQ(c.txs.size(), 1u);
  EXPECT_TRUE(c.anomalies.empty());
}

// RFC 5321 4.1.1.4: a DATA answered with an error: DATA_COMMAND_REJECTED, and the client's next
// lines are commands again.
TEST(SmtpParser, DataRejected) {
  auto c = run({{C, "HELO a\r\n"}, {S, "250 ok\r\n"}, {C, "MAIL FROM:<a@b>\r\n"},
                {S, "250 ok\r\n"}, {C, "DATA\r\n"}, {S, "554 no valid recipients\r\n"},
                {C, "RSET\r\n"}, {S, "250 ok\r\n"}, {C, "MAIL FROM:<c@d>\r\n"}});
  EXPECT_EQ(c->anomalies, std::vector<std::string>{"smtp.DATA_COMMAND_REJECTED"});
  ASSERT_EQ(c->txs.size(), 2u);
  EXPECT_FALSE(c->txs[0].has_data);
  EXPECT_EQ(c->txs[1].mail_from.view(), "<c@d>");
}

// file.data: the decoded attachments of the transaction, one after the other.
TEST(SmtpParser, FileDataBufferHoldsDecodedAttachments) {
  auto c = run(session());
  ASSERT_EQ(c->txs.size(), 2u);
  const Tx& t = c->txs[0];
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(t.file_data), t.file_data_len),
            "%PDF-1.4\nhello hk=4.2,na=140");
  EXPECT_EQ(c->txs[1].file_data_len, 0u);  // the next transaction has no attachment
  // Bigger than kFileInspect: the first kFileInspect bytes are kept.
  std::string big(kFileInspect + 500, 'z');
  c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"},
           {C, "Content-Disposition: attachment; filename=z\r\n\r\n" + big + "\r\n.\r\n"}});
  ASSERT_EQ(c->txs.size(), 1u);
  EXPECT_EQ(c->txs[0].file_data_len, kFileInspect);
  EXPECT_EQ(c->data[0], big);  // the file itself is not cut
}

// RFC 2046 5.2.1 message/rfc822: the body is a message of its own, whose parts are read with
// their own headers (the outer part's base64 and file name do not apply to them).
TEST(SmtpParser, EncapsulatedMessageIsParsedAsAMessage) {
  auto c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"},
                {C, "From: outer@x\r\nSubject: Combined\r\n"
                    "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n"
                    "Content-Disposition: attachment; filename=\"innocent.txt\"\r\n\r\n"
                    "From: inner@x\r\nSubject: Inner\r\n"
                    "Content-Type: application/octet-stream\r\n"
                    "Content-Disposition: attachment; filename=\"malware.exe\"\r\n\r\n"
                    "PAYLOAD-LINE\r\n.\r\n"}});
  ASSERT_EQ(c->txs.size(), 1u);
  EXPECT_EQ(c->txs[0].from.view(), "outer@x");  // the top-level headers only
  EXPECT_EQ(c->txs[0].subject.view(), "Combined");
  ASSERT_EQ(c->names.size(), 1u);
  EXPECT_EQ(c->names[0], "malware.exe");
  EXPECT_EQ(c->data[0], "PAYLOAD-LINE");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(c->txs[0].file_data),
                        c->txs[0].file_data_len),
            "PAYLOAD-LINE");
}

// The fileinfo event of an attachment carries the transaction's smtp and email objects, as
// they are once the chunk that ended the file is parsed (here with the end of data).
TEST(SmtpParser, FileinfoCarriesSmtpAndEmail) {
  app::test::Harness h(ipproto::kTcp, 40000, 25);
  h.data(S, "220 mail ESMTP\r\n");
  h.data(C, "EHLO ws\r\n");
  h.data(S, "250 ok\r\n");
  h.data(C, "MAIL FROM:<a@b>\r\n");
  h.data(S, "250 ok\r\n");
  h.data(C, "RCPT TO:<c@d>\r\n");
  h.data(S, "250 ok\r\n");
  h.data(C, "DATA\r\n");
  h.data(S, "354 go\r\n");
  h.data(C, "From: a@b\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n"
            "Content-Disposition: attachment; filename=a.txt\r\n\r\nhello\r\n--X--\r\n.\r\n");
  h.data(S, "250 queued\r\n");
  h.end();
  std::string fileinfo;
  for (const std::string& l : h.eve_lines())
    if (l.find("\"event_type\":\"fileinfo\"") != std::string::npos) fileinfo = l;
  ASSERT_FALSE(fileinfo.empty()) << h.eve_all();
  EXPECT_NE(fileinfo.find("\"smtp\":{\"helo\":\"ws\",\"mail_from\":\"<a@b>\""),
            std::string::npos) << fileinfo;
  EXPECT_NE(fileinfo.find(",\"email\":{\"status\":\"PARSE_DONE\",\"from\":\"a@b\""),
            std::string::npos) << fileinfo;
  EXPECT_NE(fileinfo.find("\"attachment\":[\"a.txt\"]"), std::string::npos) << fileinfo;
  EXPECT_NE(fileinfo.find("\"size\":5"), std::string::npos) << fileinfo;
}

// RFC 2231 3 and 4: file names in sections (filename*0, filename*1 ...), extended values
// (charset'language'%xx) and both together.
TEST(SmtpParser, Rfc2231FileNames) {
  auto name_of = [](const std::string& disposition) {
    auto c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"},
                  {C, "Content-Disposition: " + disposition + "\r\n\r\nx\r\n.\r\n"}});
    return c->names.empty() ? std::string() : c->names[0];
  };
  EXPECT_EQ(name_of("attachment;\r\n filename*0=smtptest-2021;\r\n filename*1=-02..zip"),
            "smtptest-2021-02..zip");
  EXPECT_EQ(name_of("attachment; filename*=utf-8''r%C3%A9sultat%20lab.pdf"),
            "r\xC3\xA9sultat lab.pdf");
  EXPECT_EQ(name_of("attachment; filename*0*=utf-8''a%20b; filename*1=\"c d.txt\""), "a bc d.txt");
  EXPECT_EQ(name_of("attachment; filename=plain.txt; filename*0=other"), "plain.txt");
}

// RFC 2183 2.3 file names longer than kMaxFilename are cut and flagged once.
TEST(SmtpParser, LongFilenameIsCutAndFlagged) {
  std::string name;
  while (name.size() < 600) name += "12characters";
  auto c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"}, {S, "250 ok\r\n354 go\r\n"},
                {C, "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=\"" +
                        name + "\"; junk\r\n\r\nline\r\n.\r\n"}});
  EXPECT_TRUE(c->has("smtp.MIME_LONG_FILENAME"));
  EXPECT_EQ(c->anomalies.size(), 1u);
  ASSERT_EQ(c->txs.size(), 1u);
  ASSERT_EQ(c->txs[0].attachments.count, 1);
  EXPECT_EQ(c->txs[0].attachments[0], std::string_view(name).substr(0, kMaxFilename));
  // A name that fits is not flagged.
  c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"}, {S, "250 ok\r\n354 go\r\n"},
           {C, "Content-Disposition: attachment; filename=a.txt\r\n\r\nx\r\n.\r\n"}});
  EXPECT_TRUE(c->anomalies.empty());
}

// A multipart boundary over kMaxBoundary: MIME_LONG_BOUNDARY; email.status is PARSE_ERROR until
// the end of data, PARSE_DONE after it (Suricata 8).
TEST(SmtpParser, LongBoundaryIsAParseError) {
  std::string b(300, 'A');
  auto c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"},
                {C, "Content-Type: multipart/mixed; boundary=\"" + b + "\"\r\n\r\n--" + b +
                        "\r\n\r\nx\r\n.\r\n"}});
  EXPECT_TRUE(c->has("smtp.MIME_LONG_BOUNDARY"));
  ASSERT_EQ(c->txs.size(), 1u);
  EXPECT_NE(eve(c->txs[0]).find("\"status\":\"PARSE_DONE\""), std::string::npos);
  c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"},
           {C, "Content-Type: multipart/mixed; boundary=\"" + b + "\"\r\n\r\n--" + b + "\r\n"}});
  ASSERT_EQ(c->txs.size(), 1u);
  EXPECT_NE(eve(c->txs[0]).find("\"status\":\"PARSE_ERROR\""), std::string::npos);
  c = run({{C, "MAIL FROM:<a@b>\r\nDATA\r\n"},
           {C, "Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\n\r\nx\r\n.\r\n"}});
  EXPECT_FALSE(c->has("smtp.MIME_LONG_BOUNDARY"));
}

// extract-urls: URLs of the text parts (decoded: base64 across lines), from a configured
// scheme to a delimiter; logged last first, without the scheme unless log-url-scheme.
// body-md5: the body after the header block as sent (dot-stuffed); subject md5: the value.
TEST(SmtpParser, UrlsAndMd5) {
  Settings saved = settings();
  Settings s;
  s.schemes[0].assign("http");
  s.schemes[1].assign("ftp");
  s.n_schemes = 2;
  s.log_url_scheme = true;
  s.body_md5 = s.log_body_md5 = s.log_subject_md5 = true;
  set_settings(s);
  // " <div>http://a.example/x</div> ftp://10.0.0.1 ..." in base64, cut inside the URL.
  std::vector<Msg> m = {
      {C, "MAIL FROM:<a@b>\r\n"}, {S, "250 ok\r\n"}, {C, "DATA\r\n"}, {S, "354 go\r\n"},
      {C, "Subject: SMTP\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
          "Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n"
          "IDxkaXY+aHR0cDovL2Eu\r\nZXhhbXBsZS94PC9kaXY+IGZ0cDovLzEwLjAuMC4x\r\n"
          "--B\r\nContent-Type: text/plain\r\n\r\nsee HTTP://b.example and http://a.example/x\r\n"
          "..dot\r\n--B\r\nContent-Type: application/pdf; name=u.pdf\r\n\r\nhttp://no\r\n"
          "--B--\r\n.\r\n"},
      {S, "250 queued\r\n"}};
  auto c = run(m);
  ASSERT_EQ(c->txs.size(), 1u);
  std::string e = eve(c->txs[0]);
  EXPECT_NE(e.find("\"url\":[\"HTTP://b.example\",\"ftp://10.0.0.1\",\"http://a.example/x\"]"),
            std::string::npos) << e;
  // md5 of everything after the blank line that ends the header block, "..dot" as sent.
  EXPECT_NE(e.find("\"body_md5\":\""), std::string::npos) << e;
  EXPECT_NE(e.find("\"subject_md5\":\"c2239a92bde29f0a9f9173193cc2fe00\""), std::string::npos) << e;
  std::string body = m[4].s.substr(m[4].s.find("\r\n\r\n") + 4);
  body = body.substr(0, body.size() - 3);  // without ".\r\n"
  char hex[32];
  ASSERT_EQ(tls::hex_digest(tls::Digest::Md5,
                            Bytes(reinterpret_cast<const uint8_t*>(body.data()), body.size()),
                            hex, sizeof hex),
            32u);
  EXPECT_NE(e.find(std::string(hex, 32)), std::string::npos) << e;
  // Default: http only, logged without the scheme, no md5.
  set_settings(Settings{});
  c = run(m);
  e = eve(c->txs[0]);
  EXPECT_NE(e.find("\"url\":[\"b.example\",\"a.example/x\"]"), std::string::npos) << e;
  EXPECT_EQ(e.find("md5"), std::string::npos) << e;
  set_settings(saved);
}

TEST(SmtpParser, Probe) {
  auto b = [](std::string_view s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); };
  EXPECT_EQ(probe(S, b("220 mail ESMTP Postfix\r\n")), ProbeResult::Match);
  EXPECT_EQ(probe(S, b("220 (vsFTPd 3.0.3)\r\n")), ProbeResult::NoMatch);
  EXPECT_EQ(probe(S, b("220 mail")), ProbeResult::NeedMore);
  EXPECT_EQ(probe(C, b("EHLO x\r\n")), ProbeResult::Match);
  EXPECT_EQ(probe(C, b("EHLO\nSTARTTLS\n")), ProbeResult::Match);  // bare EHLO
  EXPECT_EQ(probe(C, b("helo\r\n")), ProbeResult::Match);
  EXPECT_EQ(probe(C, b("EHLO")), ProbeResult::NeedMore);
  EXPECT_EQ(probe(C, b("EHLOX\r\n")), ProbeResult::NoMatch);
  EXPECT_EQ(probe(C, b("eh")), ProbeResult::NeedMore);
  EXPECT_EQ(probe(C, b("GET / HTTP/1.1\r\n")), ProbeResult::NoMatch);
}

}  // namespace
}  // namespace ww::app::smtp
