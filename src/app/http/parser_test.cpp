#include "app/http/parser.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "app/test_harness.h"
#include "detect/match.h"

namespace ww::app::http {

// zlib's deflate of `in` (window_bits as deflateInit2's: 8..15 zlib, -8..-15 raw, +16 gzip),
// with `header` for gzip when set.
std::string zlib_compress(const std::string& in, int level, int window_bits, int strategy,
                          gz_header* header) {
  z_stream z{};
  deflateInit2(&z, level, Z_DEFLATED, window_bits, 8, strategy);
  if (header) deflateSetHeader(&z, header);
  std::string out(deflateBound(&z, uLong(in.size())) + 256, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

namespace {

using test::Harness;
constexpr Direction kTs = Direction::ToServer;
constexpr Direction kTc = Direction::ToClient;

struct Seen {
  uint64_t id = 0;
  bool req = false, rsp = false;
  std::string method, uri, uri_norm, host, protocol, user_agent, req_body;
  int status = 0;
  std::string rsp_body;
  uint64_t length = 0;
  uint32_t req_flags = 0, rsp_flags = 0;
  std::string header_block, header_names, cookie;
};

struct Conn {
  Harness h;
  std::vector<Seen> txs;
  // Requests inspected to server once complete (ParseContext::on_inspect): tx id and URI.
  std::vector<std::pair<uint64_t, std::string>> inspected;
  explicit Conn(uint16_t dp = 80) : h(ipproto::kTcp, 40000, dp) {
    h.on_inspect_tx = [this](const ParserSpec& spec, const void* p, uint64_t id, Direction d) {
      const auto& tx = *static_cast<const Transaction*>(p);
      EXPECT_EQ(d, kTs);
      EXPECT_EQ(spec.inspect_dirs(p), 1);  // the request side alone, its response to come
      ASSERT_TRUE(tx.request);
      EXPECT_FALSE(tx.response);
      inspected.emplace_back(id, std::string(tx.request->text(tx.request->uri)));
    };
    h.on_tx = [this](const ParserSpec& spec, const void* p, uint64_t id, Direction) {
      ASSERT_EQ(spec.proto, Proto::Http);
      const auto& tx = *static_cast<const Transaction*>(p);
      Seen s;
      s.id = id;
      if (const Message* q = tx.request) {
        s.req = true;
        s.method = q->text(q->method);
        s.uri = q->text(q->uri);
        s.uri_norm = q->text(q->uri_norm);
        s.host = q->text(q->host);
        s.protocol = q->text(q->protocol);
        s.user_agent = q->header("User-Agent");
        s.req_body.assign(reinterpret_cast<const char*>(q->body), q->body_len);
        s.req_flags = q->flags;
        s.header_block = q->text(q->header_block);
        s.header_names = q->text(q->header_names);
        s.cookie = q->header("cookie");
      }
      if (const Message* r = tx.response) {
        s.rsp = true;
        s.status = r->status;
        s.rsp_body.assign(reinterpret_cast<const char*>(r->body), r->body_len);
        s.length = r->body_bytes;
        s.rsp_flags = r->flags;
      }
      txs.push_back(s);
    };
  }
};

// RFC 9112 2.1: request line, header fields, empty line; 6.2 Content-Length body.
const std::string kRequest =
    "POST /submit/./a/../form?x=%41 HTTP/1.1\r\n"  // request-line (3.)
    "Host: Portal.Hospital.local:8080\r\n"          // Host with port (RFC 9110 7.2)
    "User-Agent: test-agent/1.0\r\n"
    "Cookie: sid=42\r\n"
    "Content-Length: 5\r\n"
    "\r\n"
    "hello";                                        // 5 body octets
const std::string kResponse =
    "HTTP/1.1 200 OK\r\n"                           // status-line (4.)
    "Content-Type: text/html; charset=utf-8\r\n"
    "Transfer-Encoding: chunked\r\n"                // 7.1 chunked
    "\r\n"
    "4\r\nWiki\r\n"                                 // chunk-size CRLF chunk-data CRLF
    "6;ext=1\r\npedia \r\n"                         // with a chunk-ext
    "0\r\n"                                         // last-chunk
    "X-Trailer: t\r\n"                              // trailer section
    "\r\n";

void expect_pair(const std::vector<Seen>& txs) {
  ASSERT_EQ(txs.size(), 1u);
  const Seen& s = txs[0];
  EXPECT_EQ(s.id, 0u);
  EXPECT_EQ(s.method, "POST");
  EXPECT_EQ(s.uri, "/submit/./a/../form?x=%41");
  EXPECT_EQ(s.uri_norm, "/submit/form?x=A");
  EXPECT_EQ(s.host, "portal.hospital.local");
  EXPECT_EQ(s.protocol, "HTTP/1.1");
  EXPECT_EQ(s.user_agent, "test-agent/1.0");
  EXPECT_EQ(s.req_body, "hello");
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.rsp_body, "Wikipedia ");
  EXPECT_EQ(s.length, 10u);
  EXPECT_EQ(s.header_block,
            "Host: Portal.Hospital.local:8080\r\nUser-Agent: test-agent/1.0\r\nCookie: "
            "sid=42\r\nContent-Length: 5\r\n");
  EXPECT_EQ(s.header_names, "\r\nHost\r\nUser-Agent\r\nCookie\r\nContent-Length\r\n\r\n");
  EXPECT_EQ(s.cookie, "sid=42");
  EXPECT_TRUE(s.req_flags & flag::kUriDotSegments);
  EXPECT_TRUE(s.req_flags & flag::kUriPercentDecoded);
  EXPECT_FALSE(s.req_flags & flag::kTruncated);
}

TEST(HttpParser, WholeMessages) {
  Conn r;
  r.h.data(kTs, kRequest);
  r.h.data(kTc, kResponse);
  expect_pair(r.txs);
  EXPECT_EQ(static_cast<Proto>(r.h.f.app_proto), Proto::Http);
  // One http event; the request and response bodies are files (one fileinfo event each).
  std::vector<std::string> lines, files;
  for (auto& l : r.h.eve_lines())
    (l.find("\"event_type\":\"fileinfo\"") != std::string::npos ? files : lines).push_back(l);
  EXPECT_EQ(files.size(), 2u);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("\"event_type\":\"http\""), std::string::npos);
  EXPECT_NE(lines[0].find("\"tx_id\":0,\"http\":{\"hostname\":\"portal.hospital.local\","
                          "\"http_port\":8080,\"url\":\"/submit/./a/../form?x=%41\","
                          "\"http_user_agent\":\"test-agent/1.0\","
                          "\"http_content_type\":\"text/html\",\"http_method\":\"POST\","
                          "\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":10}"),
            std::string::npos)
      << lines[0];
}

// stream.inline: a complete request is inspected to server at once (Suricata inline inspects
// the request side on the packet that completes it); the transaction reported with its
// response is then inspected to client only. A request cut by the end of the flow is not
// inspected early.
TEST(HttpParser, CompleteRequestInspectedBeforeResponse) {
  std::string head = kRequest.substr(0, kRequest.size() - 2);
  {  // off by default (not stream.inline): inspected with the response
    Conn r;
    r.h.data(kTs, kRequest);
    r.h.data(kTc, kResponse);
    EXPECT_TRUE(r.inspected.empty());
    expect_pair(r.txs);
  }
  set_inspect_requests(true);
  Conn r;
  r.h.data(kTs, head);
  EXPECT_TRUE(r.inspected.empty());  // the body is not complete yet
  r.h.data(kTs, kRequest.substr(head.size()));
  ASSERT_EQ(r.inspected.size(), 1u);
  EXPECT_EQ(r.inspected[0].first, 0u);
  EXPECT_EQ(r.inspected[0].second, "/submit/./a/../form?x=%41");
  EXPECT_TRUE(r.txs.empty());
  r.h.data(kTc, kResponse);
  expect_pair(r.txs);
  EXPECT_EQ(r.inspected.size(), 1u);

  Conn cut;
  cut.h.data(kTs, head);
  cut.h.end();
  EXPECT_TRUE(cut.inspected.empty());
  ASSERT_EQ(cut.txs.size(), 1u);
  set_inspect_requests(false);
}

TEST(HttpParser, SplitAtEveryOffset) {
  for (size_t cut = 0; cut <= kRequest.size(); ++cut) {
    Conn r;
    r.h.data(kTs, std::string_view(kRequest).substr(0, cut));
    r.h.data(kTs, std::string_view(kRequest).substr(cut));
    r.h.data(kTc, kResponse);
    SCOPED_TRACE(cut);
    expect_pair(r.txs);
  }
  for (size_t cut = 0; cut <= kResponse.size(); ++cut) {
    Conn r;
    r.h.data(kTs, kRequest);
    r.h.data(kTc, std::string_view(kResponse).substr(0, cut));
    r.h.data(kTc, std::string_view(kResponse).substr(cut));
    SCOPED_TRACE(cut);
    expect_pair(r.txs);
  }
  Conn r;  // one byte at a time, both directions
  r.h.data_split(kTs, Harness::b(kRequest), 1);
  r.h.data_split(kTc, Harness::b(kResponse), 1);
  expect_pair(r.txs);
}

TEST(HttpParser, TruncatedRequestLoggedAtEnd) {
  for (size_t cut = 1; cut < kRequest.size(); ++cut) {
    Conn r;
    r.h.data(kTs, std::string_view(kRequest).substr(0, cut));
    r.h.end();
    SCOPED_TRACE(cut);
    // Once the request line is complete the request is a (truncated) transaction.
    bool has_line = kRequest.substr(0, cut).find("\r\n") != std::string::npos;
    if (cut >= 4 || has_line) {
      if (has_line) {
        ASSERT_EQ(r.txs.size(), 1u);
        EXPECT_FALSE(r.txs[0].rsp);
        EXPECT_TRUE(r.txs[0].req_flags & flag::kTruncated);
      }
    }
  }
}

// A request line without a protocol is HTTP/0.9 (RFC 1945 4.1) only when no header lines
// follow; with headers libhtp reads an HTTP/1.x request missing its protocol. Byte by byte
// gives the same answer.
TEST(HttpParser, RequestWithoutProtocol) {
  const std::string with_headers = "GET /\r\nFakeHeader\r\nHost: h\r\nUser-Agent: myscript\r\n\r\n";
  for (bool bytewise : {false, true}) {
    Conn r;
    if (bytewise)
      for (char c : with_headers) r.h.data(kTs, std::string_view(&c, 1));
    else
      r.h.data(kTs, with_headers);
    r.h.end();
    ASSERT_EQ(r.txs.size(), 1u);
    EXPECT_EQ(r.txs[0].user_agent, "myscript");
    EXPECT_EQ(r.txs[0].host, "h");
    EXPECT_FALSE(r.txs[0].req_flags & flag::kTruncated);
    // Suricata 8 raises request_line_missing_protocol for it, once.
    std::string e = r.h.eve_all();
    size_t at = e.find("\"REQUEST_LINE_MISSING_PROTOCOL\"");
    EXPECT_NE(at, std::string::npos) << e;
    EXPECT_EQ(e.find("\"REQUEST_LINE_MISSING_PROTOCOL\"", at + 1), std::string::npos);
  }
  {  // 0.9: the answer comes right after the request line
    Conn r;
    r.h.data(kTs, "GET /index.html\r\n");
    r.h.data(kTc, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
    ASSERT_EQ(r.txs.size(), 1u);
    EXPECT_EQ(r.txs[0].uri, "/index.html");
    EXPECT_EQ(r.txs[0].status, 200);
  }
  {  // an HTTP/0.9-style answer (no status line) to a request without protocol: the body
     // alone, until the connection closes (a file, as tshark and libhtp read it)
    Conn r;
    r.h.data(kTs, with_headers);
    std::string html;
    for (int i = 0; i < 40; ++i) html += "<li>line</li>\n";
    r.h.data(kTc, html);
    r.h.end();
    ASSERT_EQ(r.txs.size(), 1u);
    EXPECT_EQ(r.txs[0].user_agent, "myscript");
    EXPECT_TRUE(r.txs[0].rsp);
    EXPECT_EQ(r.txs[0].rsp_body, html);
    EXPECT_EQ(r.txs[0].status, 0);
  }
  {  // 0.9 request, 0.9 answer
    Conn r;
    r.h.data(kTs, "POST /zeek.html\r\n");
    r.h.data(kTc, "bad method\n");
    r.h.end();
    ASSERT_EQ(r.txs.size(), 1u);
    EXPECT_EQ(r.txs[0].method, "POST");
    EXPECT_EQ(r.txs[0].rsp_body, "bad method\n");
    EXPECT_EQ(r.h.counter("app_layer.parse_errors"), 0u);
  }
  {  // 0.9 then the connection ends: complete, not truncated
    Conn r;
    r.h.data(kTs, "GET /a\r\n");
    r.h.end();
    ASSERT_EQ(r.txs.size(), 1u);
    EXPECT_FALSE(r.txs[0].req_flags & flag::kTruncated);
    EXPECT_EQ(r.h.eve_all().find("MISSING_PROTOCOL"), std::string::npos);  // a real 0.9
  }
}

TEST(HttpParser, TruncatedResponse) {
  for (size_t cut = 1; cut < kResponse.size(); ++cut) {
    Conn r;
    r.h.data(kTs, kRequest);
    r.h.data(kTc, std::string_view(kResponse).substr(0, cut));
    r.h.end();
    ASSERT_EQ(r.txs.size(), 1u) << cut;
    EXPECT_EQ(r.txs[0].method, "POST");
  }
}

TEST(HttpParser, PipelinedRequestsPairInOrder) {
  Conn r;
  r.h.data(kTs,
           "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
           "HEAD /2 HTTP/1.1\r\nHost: a\r\n\r\n"
           "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
  r.h.data(kTc,
           "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
           "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"  // HEAD: no body follows
           "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(r.txs.size(), 3u);
  EXPECT_EQ(r.txs[0].uri, "/1");
  EXPECT_EQ(r.txs[0].rsp_body, "one");
  EXPECT_EQ(r.txs[1].uri, "/2");
  EXPECT_EQ(r.txs[1].status, 200);
  EXPECT_EQ(r.txs[2].uri, "/3");
  EXPECT_EQ(r.txs[2].status, 404);
  for (uint64_t i = 0; i < 3; ++i) EXPECT_EQ(r.txs[i].id, i);
}

TEST(HttpParser, TooManyPipelinedRequestsLogsOldest) {
  Conn r;
  for (uint32_t i = 0; i < kMaxPipeline + 2; ++i) r.h.data(kTs, "GET /x HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.txs.size(), 2u);  // evicted without response
  r.h.end();
  EXPECT_EQ(r.txs.size(), kMaxPipeline + 2);
  EXPECT_GE(r.h.counter("app_layer.anomalies"), 2u);
}

TEST(HttpParser, InterimAndUntilClose) {
  Conn r;
  r.h.data(kTs, "PUT /f HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab");
  r.h.data(kTc, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 201 Created\r\n\r\nbody until close");
  EXPECT_TRUE(r.txs.empty());
  r.h.end();
  ASSERT_EQ(r.txs.size(), 1u);
  EXPECT_EQ(r.txs[0].status, 201);
  EXPECT_EQ(r.txs[0].rsp_body, "body until close");
  EXPECT_EQ(r.txs[0].req_body, "ab");
}

TEST(HttpParser, ConnectTunnelAndUpgrade) {
  Conn r;
  r.h.data(kTs, "CONNECT host:443 HTTP/1.1\r\nHost: host:443\r\n\r\n");
  r.h.data(kTc, "HTTP/1.1 200 Connection established\r\n\r\n");
  r.h.data(kTs, "\x16\x03\x01 binary tls bytes");
  r.h.data(kTc, "\x16\x03\x03 more binary");
  ASSERT_EQ(r.txs.size(), 1u);
  EXPECT_EQ(r.txs[0].method, "CONNECT");
  EXPECT_EQ(r.h.counter("app_layer.parse_errors"), 0u);

  Conn u;
  u.h.data(kTs, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  u.h.data(kTc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello");
  u.h.data(kTs, "\x81\x85xxxxhello");
  ASSERT_EQ(u.txs.size(), 1u);
  EXPECT_EQ(u.txs[0].status, 101);
  EXPECT_EQ(u.h.counter("app_layer.parse_errors"), 0u);
}

// Evasions browsers accept (http-evader): the body is found whatever the framing says.
TEST(HttpParser, LenientFramingFindsTheBody) {
  const std::string body = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
  const std::string cl = "Content-Length: " + std::to_string(body.size()) + "\r\n";
  struct Case {
    std::string head;  // status line and headers, without the blank line
    int status;
  } cases[] = {
      {"HTTP/1.1 2 ok\r\n" + cl, 2},                 // status of one digit
      {"HTTP/1.1 20 ok\r\n" + cl, 20},
      {"HTTP/1.1 100 ok\r\n" + cl, 100},             // 1xx, 304 announcing a body
      {"HTTP/1.1 102 ok\r\n" + cl, 102},
      {"HTTP/1.1 304 ok\r\n" + cl, 304},
      {"HTTP/1.1 101 ok\r\n" + cl, 101},             // 101 without Upgrade asked
      {"HTTP/1.1 200 ok\r\nTransfer-Encoding: chunked x\r\nConnection: close\r\n", 200},
      {"HTTP/1.1 200 ok\r\nTransfer-Encoding: \rchunked\r\n" + cl, 200},
  };
  for (const Case& c : cases) {
    for (size_t step : {size_t(1), size_t(4096)}) {
      Conn r;
      r.h.data(kTs, "GET /eicar.txt HTTP/1.1\r\nHost: e\r\n\r\n");
      r.h.data_split(kTc, Harness::b(c.head + "\r\n" + body), step);
      r.h.end();
      ASSERT_EQ(r.txs.size(), 1u) << c.head;
      EXPECT_EQ(r.txs[0].status, c.status) << c.head;
      EXPECT_EQ(r.txs[0].rsp_body, body) << c.head << " step " << step;
    }
  }
  // A real interim 100 with a length, then the final response: no body for the 100.
  Conn r;
  r.h.data(kTs, "POST /up HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi");
  r.h.data(kTc, "HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n");
  r.h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_EQ(r.txs.size(), 1u);
  EXPECT_EQ(r.txs[0].status, 200);
  EXPECT_EQ(r.txs[0].rsp_body, "abc");
  // A 304 with the length of the cached copy, then the next response of the connection.
  Conn k;
  k.h.data(kTs, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
  k.h.data(kTc, "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n");
  k.h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_EQ(k.txs.size(), 2u);
  EXPECT_EQ(k.txs[0].status, 304);
  EXPECT_EQ(k.txs[0].rsp_body, "");
  EXPECT_EQ(k.txs[1].rsp_body, "ok");
  // Valid chunking is untouched; a bad size after the first chunk still ends the message.
  Conn ch;
  ch.h.data(kTs, "GET / HTTP/1.1\r\n\r\n");
  ch.h.data(kTc, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\nzz\r\n");
  ch.h.end();
  ASSERT_EQ(ch.txs.size(), 1u);
  EXPECT_EQ(ch.txs[0].rsp_body, "abc");
  EXPECT_TRUE(ch.txs[0].rsp_flags & flag::kTruncated);
}

std::string gzip(const std::string& in, bool raw_deflate = false) {
  return zlib_compress(in, 9, raw_deflate ? -15 : 15 + 16, Z_DEFAULT_STRATEGY, nullptr);
}

TEST(HttpParser, GzipAndDeflateBodies) {
  for (bool raw : {false, true}) {
    std::string plain = "<html>patient portal</html>";
    std::string z = gzip(plain, raw);
    Conn r;
    r.h.data(kTs, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    std::string rsp = "HTTP/1.1 200 OK\r\nContent-Encoding: " + std::string(raw ? "deflate" : "gzip") +
                      "\r\nContent-Length: " + std::to_string(z.size()) + "\r\n\r\n" + z;
    r.h.data_split(kTc, Harness::b(rsp), 3);
    ASSERT_EQ(r.txs.size(), 1u);
    EXPECT_EQ(r.txs[0].rsp_body, plain);
    EXPECT_EQ(r.txs[0].length, z.size());
  }
}

// "Content-Encoding: gzip" or "deflate" on a body that is not compressed: taken as it is.
TEST(HttpParser, CompressionLabelOnPlainBodyPassesThrough) {
  const std::string eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
  for (std::string ce : {"gzip", "deflate,", "deflate"}) {
    for (size_t step : {size_t(1), size_t(1000)}) {
      Conn r;
      r.h.data(kTs, "GET / HTTP/1.1\r\n\r\n");
      std::string rsp = "HTTP/1.1 200 OK\r\nContent-Encoding: " + ce + "\r\nContent-Length: " +
                        std::to_string(eicar.size()) + "\r\n\r\n" + eicar;
      r.h.data_split(kTc, Harness::b(rsp), step);
      ASSERT_EQ(r.txs.size(), 1u) << ce;
      EXPECT_EQ(r.txs[0].rsp_body, eicar) << ce << " " << step;
      EXPECT_FALSE(r.txs[0].rsp_flags & flag::kDecompressError);
    }
  }
  // A real stream that breaks later is an error, not passed through.
  std::string z = gzip(std::string(20000, 'a'));
  z[z.size() / 2] ^= 0x55;
  z[z.size() / 2 + 1] ^= 0x55;
  Conn r;
  r.h.data(kTs, "GET / HTTP/1.1\r\n\r\n");
  r.h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                    std::to_string(z.size()) + "\r\n\r\n" + z);
  ASSERT_EQ(r.txs.size(), 1u);
  EXPECT_NE(r.txs[0].rsp_body.substr(0, 5), z.substr(0, 5));
}

// "deflate" sent as raw deflate in big segments (zeek's missing-zlib-header capture): the retry
// as raw deflate starts from the body's first byte, whatever the first segment's size.
TEST(HttpParser, RawDeflateInBigSegments) {
  std::string plain;
  for (int i = 0; plain.size() < 20000; ++i) plain += "var x" + std::to_string(i) + " = " + std::to_string(i * 31) + ";\n";
  std::string z = gzip(plain, true);
  ASSERT_GT(z.size(), 2 * kZRaw);
  for (size_t step : {size_t(1), size_t(700), size_t(100000)}) {
    Conn r;
    r.h.data(kTs, "GET /dap.js HTTP/1.1\r\n\r\n");
    r.h.data_split(kTc, Harness::b("HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: " +
                                       std::to_string(z.size()) + "\r\n\r\n" + z), step);
    ASSERT_EQ(r.txs.size(), 1u);
    EXPECT_EQ(r.txs[0].rsp_body, plain.substr(0, kBodyBytes)) << step;
    EXPECT_FALSE(r.txs[0].rsp_flags & flag::kDecompressError) << step;
  }
}

// gzip with every optional header field (RFC 1952 2.3: FEXTRA, FNAME, FCOMMENT, FHCRC) or a
// zlib wrapper (RFC 1950): the parser reads the header itself and inflates the raw deflate data,
// whatever the segment boundaries inside the header.
std::string wrapped(const std::string& in, bool zlib_wrapper, bool hcrc) {
  gz_header h{};
  std::string extra = std::string("XY\x04\x00", 4) + "abcd", name = "report.json", comment = "ward 3";
  h.extra = reinterpret_cast<Bytef*>(extra.data());
  h.extra_len = uInt(extra.size());
  h.name = reinterpret_cast<Bytef*>(name.data());
  h.comment = reinterpret_cast<Bytef*>(comment.data());
  h.hcrc = hcrc;
  return zlib_compress(in, 6, zlib_wrapper ? 15 : 15 + 16, Z_DEFAULT_STRATEGY,
                       zlib_wrapper ? nullptr : &h);
}

struct Inflated {
  std::string body;
  uint32_t flags = 0;
  std::string eve;
};
Inflated inflate_rsp(const std::string& ce, const std::string& z, size_t step) {
  Conn r;
  r.h.data(kTs, "GET /r HTTP/1.1\r\n\r\n");
  r.h.data_split(kTc, Harness::b("HTTP/1.1 200 OK\r\nContent-Encoding: " + ce + "\r\nContent-Length: " +
                                     std::to_string(z.size()) + "\r\n\r\n" + z), step);
  r.h.end();
  EXPECT_EQ(r.txs.size(), 1u);
  if (r.txs.empty()) return {};
  return {r.txs[0].rsp_body, r.txs[0].rsp_flags, r.h.eve_all()};
}

TEST(HttpParser, GzipAndZlibHeadersReadByTheParser) {
  std::string plain;
  for (int i = 0; plain.size() < 6000; ++i) plain += "{\"obs\":" + std::to_string(i * 7) + "},";
  for (int kind = 0; kind < 3; ++kind) {  // gzip with FHCRC, gzip without, zlib
    std::string z = wrapped(plain, kind == 2, kind == 0);
    for (size_t step : {size_t(1), size_t(2), size_t(3), size_t(5), size_t(13), size_t(100000)}) {
      Inflated got = inflate_rsp(kind == 2 ? "deflate" : "gzip", z, step);
      EXPECT_EQ(got.body, plain.substr(0, kBodyBytes)) << kind << " " << step;
      EXPECT_TRUE(got.flags & flag::kBodyGzip);
      EXPECT_FALSE(got.flags & flag::kDecompressError) << kind << " " << step;
      EXPECT_EQ(got.eve.find("ABNORMAL_CE_HEADER"), std::string::npos) << kind << " " << step;
      EXPECT_NE(got.eve.find("\"size\":" + std::to_string(plain.size())), std::string::npos);
    }
  }
}

// A header zlib rejects (a gzip header CRC that does not match, a zlib header check that fails,
// a zlib stream that needs a preset dictionary) is not a compressed body: tried as raw deflate,
// then taken as it is, as before the parser read headers itself.
TEST(HttpParser, BadCompressionHeaderTakenAsItIs) {
  std::string plain(3000, 'p');
  std::string bad_hcrc = wrapped(plain, false, true);
  size_t hcrc_at = 10 + 2 + 8 + 12 + 7;  // fixed, XLEN, extra, name + NUL, comment + NUL
  ASSERT_EQ(bad_hcrc.substr(hcrc_at - 7, 7), std::string("ward 3", 7));
  bad_hcrc[hcrc_at] ^= 1;
  std::string bad_check = wrapped(plain, true, false);
  bad_check[1] ^= 1;
  std::string dict = wrapped(plain, true, false);
  dict[1] = char(uint8_t(dict[1]) | 0x20);
  dict[1] = char(uint8_t(dict[1]) - (uint32_t(uint8_t(dict[0])) * 256 + uint8_t(dict[1])) % 31);
  for (const std::string* z : {&bad_hcrc, &bad_check, &dict}) {
    for (size_t step : {size_t(1), size_t(100000)}) {
      Inflated got = inflate_rsp("gzip", *z, step);
      EXPECT_EQ(got.body, z->substr(0, kBodyBytes)) << step;
      EXPECT_FALSE(got.flags & flag::kDecompressError);
      EXPECT_NE(got.eve.find("ABNORMAL_CE_HEADER"), std::string::npos);
    }
  }
}

// The trailer (gzip CRC-32 and ISIZE, zlib Adler-32) is not checked, as libhtp does not: a body
// whose trailer is wrong or missing inflates whole and its file is complete.
TEST(HttpParser, CompressedTrailerNotChecked) {
  std::string plain(3000, 't');
  for (int kind = 0; kind < 3; ++kind) {
    std::string z = wrapped(plain, kind == 2, false);
    if (kind == 0) z[z.size() - 8] ^= 1;      // gzip CRC-32
    else if (kind == 1) z.resize(z.size() - 4);  // gzip ISIZE missing
    else z[z.size() - 1] ^= 1;                // zlib Adler-32
    Inflated got = inflate_rsp("gzip", z, 7);
    EXPECT_EQ(got.body, plain.substr(0, kBodyBytes)) << kind;
    EXPECT_FALSE(got.flags & flag::kDecompressError) << kind;
    EXPECT_EQ(got.eve.find("DECOMPRESSION_FAILED"), std::string::npos) << kind;
    EXPECT_NE(got.eve.find("\"state\":\"CLOSED\""), std::string::npos) << kind;
  }
}

TEST(HttpParser, DecompressionBombFlagged) {
  std::string zeros(4 << 20, '\0');
  std::string z = gzip(zeros);
  Conn r;
  r.h.data(kTs, "GET / HTTP/1.1\r\n\r\n");
  r.h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                    std::to_string(z.size()) + "\r\n\r\n" + z);
  ASSERT_EQ(r.txs.size(), 1u);
  EXPECT_EQ(r.txs[0].rsp_body.size(), kBodyBytes);  // inflated no further than the window
  EXPECT_TRUE(r.txs[0].rsp_flags & flag::kDecompressBomb);
  EXPECT_NE(r.h.eve_all().find("\"COMPRESSION_BOMB\""), std::string::npos);
}

TEST(HttpParser, UriNormalisationFlags) {
  Conn r;
  r.h.data(kTs, "GET /a/%252e%252e/x%zz HTTP/1.1\r\n\r\n");
  r.h.data(kTs, "GET /../../etc/passwd HTTP/1.1\r\n\r\n");
  r.h.end();
  ASSERT_EQ(r.txs.size(), 2u);
  EXPECT_TRUE(r.txs[0].req_flags & flag::kUriDoubleEncoding);
  EXPECT_TRUE(r.txs[0].req_flags & flag::kUriInvalidEncoding);
  EXPECT_EQ(r.txs[0].uri_norm, "/a/%2e%2e/x%zz");
  EXPECT_TRUE(r.txs[1].req_flags & flag::kUriAboveRoot);
  EXPECT_EQ(r.txs[1].uri_norm, "/etc/passwd");
  std::string eve = r.h.eve_all();
  EXPECT_NE(eve.find("\"anomaly\":{\"app_proto\":\"http\",\"type\":\"applayer\","
                     "\"event\":\"DOUBLE_ENCODED_URI\",\"layer\":\"proto_parser\"}"),
            std::string::npos)
      << eve;
  EXPECT_NE(eve.find("\"URI_TRAVERSAL_ABOVE_ROOT\""), std::string::npos);
}

TEST(HttpParser, OverLimits) {
  Conn r;
  std::string req = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) req += "X-H" + std::to_string(i) + ": v\r\n";
  req += "X-Long: " + std::string(kMaxLine * 2, 'a') + "\r\n\r\n";
  r.h.data_split(kTs, Harness::b(req), 977);
  r.h.data(kTc, "HTTP/1.1 204 No Content\r\n\r\n");
  ASSERT_EQ(r.txs.size(), 1u);
  EXPECT_TRUE(r.txs[0].req_flags & flag::kHeadersDropped);
  EXPECT_NE(r.h.eve_all().find("\"REQUEST_TOO_MANY_HEADERS\""), std::string::npos);
  EXPECT_EQ(r.txs[0].status, 204);

  Conn l;  // one huge line
  l.h.data(kTs, "GET /" + std::string(3 * kMaxLine, 'u') + " HTTP/1.1\r\nHost: h\r\n\r\n");
  l.h.end();
  ASSERT_EQ(l.txs.size(), 1u);
  EXPECT_NE(l.h.eve_all().find("\"REQUEST_FIELD_TOO_LONG\""), std::string::npos);
}

TEST(HttpParser, GarbageStopsWithoutTransactions) {
  Conn r;
  std::string junk;
  uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245 + 12345;
    junk.push_back(char(x >> 16));
  }
  // Detected as HTTP from a valid first request, then garbage.
  r.h.data(kTs, "GET / HTTP/1.1\r\n\r\n" + junk);
  r.h.data(kTc, junk);
  r.h.end();
  EXPECT_LE(r.txs.size(), 1u);
  EXPECT_GE(r.h.counter("app_layer.parse_errors"), 1u);
}

TEST(HttpParser, ResponseWithoutRequest) {
  Conn r;
  r.h.data(kTc, "HTTP/1.1 304 Not Modified\r\n\r\n");
  ASSERT_EQ(r.txs.size(), 1u);
  EXPECT_FALSE(r.txs[0].req);
  EXPECT_EQ(r.txs[0].status, 304);
}

TEST(HttpParser, Probe) {
  auto b = Harness::b;
  EXPECT_EQ(probe(kTs, b("GET / HTTP/1.1")), ProbeResult::Match);
  EXPECT_EQ(probe(kTs, b("PROPF")), ProbeResult::NeedMore);
  EXPECT_EQ(probe(kTs, b("GETX /")), ProbeResult::NoMatch);
  EXPECT_EQ(probe(kTs, b("\x16\x03\x01")), ProbeResult::NoMatch);
  EXPECT_EQ(probe(kTc, b("HTT")), ProbeResult::NeedMore);
  EXPECT_EQ(probe(kTc, b("HTTP/1.1 200 OK")), ProbeResult::Match);
  EXPECT_EQ(probe(kTc, b("SSH-2.0")), ProbeResult::NoMatch);
  // The other side's message: a response offered as to_server, a request as to_client (a
  // flow picked up midstream from the server's side).
  EXPECT_EQ(probe(kTs, b("HTTP/1.1 200 OK")), ProbeResult::MatchReversed);
  EXPECT_EQ(probe(kTs, b("HTTP/")), ProbeResult::NeedMore);
  EXPECT_EQ(probe(kTc, b("GET / HTTP/1.1")), ProbeResult::MatchReversed);
  EXPECT_EQ(probe(kTc, b("GETX /")), ProbeResult::NoMatch);
}

TEST(HttpParser, Buffers) {
  Conn r;
  detect::InspectBuffers req_bufs, rsp_bufs;
  std::string uri, stat, data, names;
  r.h.on_tx = [&](const ParserSpec& spec, const void* tx, uint64_t, Direction) {
    spec.buffers(tx, kTs, req_bufs);
    spec.buffers(tx, kTc, rsp_bufs);
    auto str = [](const Bytes* b) { return b ? std::string(as_sv(*b)) : std::string("<none>"); };
    uri = str(req_bufs.get(detect::BufferId::HttpUri));
    stat = str(rsp_bufs.get(detect::BufferId::HttpStatCode));
    data = str(rsp_bufs.get(detect::BufferId::FileData));
    names = str(req_bufs.get(detect::BufferId::HttpHeaderNames));
    EXPECT_EQ(str(req_bufs.get(detect::BufferId::HttpMethod)), "POST");
    EXPECT_EQ(str(req_bufs.get(detect::BufferId::HttpUriRaw)), "/submit/./a/../form?x=%41");
    EXPECT_EQ(str(req_bufs.get(detect::BufferId::HttpHost)), "portal.hospital.local");
    EXPECT_EQ(str(req_bufs.get(detect::BufferId::HttpUserAgent)), "test-agent/1.0");
    EXPECT_EQ(str(req_bufs.get(detect::BufferId::HttpCookie)), "sid=42");
    EXPECT_EQ(str(req_bufs.get(detect::BufferId::HttpRequestBody)), "hello");
    EXPECT_EQ(str(req_bufs.get(detect::BufferId::HttpRequestLine)),
              "POST /submit/./a/../form?x=%41 HTTP/1.1");
    EXPECT_EQ(str(rsp_bufs.get(detect::BufferId::HttpStatMsg)), "OK");
    EXPECT_EQ(str(rsp_bufs.get(detect::BufferId::HttpResponseLine)), "HTTP/1.1 200 OK");
    EXPECT_EQ(str(rsp_bufs.get(detect::BufferId::HttpContentType)), "text/html; charset=utf-8");
    EXPECT_EQ(rsp_bufs.get(detect::BufferId::HttpMethod), nullptr);
    // http.request_header / http.response_header: every "Name: value" line.
    EXPECT_EQ(str(req_bufs.get(detect::BufferId::HttpRequestHeader)),
              "Host: Portal.Hospital.local:8080\r\nUser-Agent: test-agent/1.0\r\nCookie: "
              "sid=42\r\nContent-Length: 5\r\n");
    EXPECT_EQ(str(rsp_bufs.get(detect::BufferId::HttpResponseHeader)),
              "Content-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n");
    // http.start: start line, header lines, empty line (both directions at once).
    EXPECT_EQ(str(req_bufs.get(detect::BufferId::HttpStart)),
              "POST /submit/./a/../form?x=%41 HTTP/1.1\r\nHost: Portal.Hospital.local:8080\r\n"
              "User-Agent: test-agent/1.0\r\nCookie: sid=42\r\nContent-Length: 5\r\n\r\n");
    EXPECT_EQ(str(rsp_bufs.get(detect::BufferId::HttpStart)),
              "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
              "Transfer-Encoding: chunked\r\n\r\n");
  };
  r.h.data(kTs, kRequest);
  r.h.data(kTc, kResponse);
  EXPECT_EQ(uri, "/submit/form?x=A");
  EXPECT_EQ(stat, "200");
  EXPECT_EQ(data, "Wikipedia ");
  EXPECT_EQ(names, "\r\nHost\r\nUser-Agent\r\nCookie\r\nContent-Length\r\n\r\n");
}

// filesize in a rule with HTTP buffers (ParserSpec::check): each direction's body as a file,
// its size once the message is complete (the request's 5 bytes, the de-chunked response's 10).
TEST(HttpParser, FilesizeCheck) {
  Conn r;
  int checked = 0;
  r.h.on_tx = [&](const ParserSpec& spec, const void* tx, uint64_t, Direction) {
    ASSERT_NE(spec.check, nullptr);
    EXPECT_TRUE(spec.check(tx, kTs, "filesize", "5"));
    EXPECT_TRUE(spec.check(tx, kTc, "filesize", "to_client, >9"));
    EXPECT_FALSE(spec.check(tx, kTc, "filesize", "<10"));
    EXPECT_FALSE(spec.check(tx, kTc, "dcerpc.opnum", "4"));
    ++checked;
  };
  r.h.data(kTs, kRequest);
  r.h.data(kTc, kResponse);
  EXPECT_EQ(checked, 1);
}

// file.name: the name a body is tracked under (Content-Disposition, else the URI path); no
// name for a message without a body.
TEST(HttpParser, FileNameBuffer) {
  Conn r;
  std::vector<std::string> names;
  r.h.on_tx = [&](const ParserSpec& spec, const void* tx, uint64_t, Direction) {
    for (Direction d : {kTs, kTc}) {
      detect::InspectBuffers b;
      spec.buffers(tx, d, b);
      const Bytes* n = b.get(detect::BufferId::FileName);
      names.emplace_back(n ? std::string(as_sv(*n)) : "<none>");
    }
  };
  r.h.data(kTs, "GET /a/expl/2008.mp4?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  r.h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
  r.h.data(kTs, "GET /dl HTTP/1.1\r\nHost: h\r\n\r\n");
  r.h.data(kTc,
           "HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n"
           "Content-Length: 2\r\n\r\nab");
  r.h.data(kTs, "GET /empty HTTP/1.1\r\nHost: h\r\n\r\n");
  r.h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(names, (std::vector<std::string>{"<none>", "/a/expl/2008.mp4", "<none>", "r.pdf",
                                             "<none>", "<none>"}));
}

TEST(HttpParser, FoldedHeaderAndBareLf) {
  Conn r;
  r.h.data(kTs, "GET /f HTTP/1.1\nHost: a\nX-Fold: one\n  two\nUser-Agent:ua \n\n");
  r.h.end();
  ASSERT_EQ(r.txs.size(), 1u);
  EXPECT_EQ(r.txs[0].header_block, "Host: a\r\nX-Fold: one two\r\nUser-Agent: ua\r\n");
  EXPECT_EQ(r.txs[0].user_agent, "ua");
}

// A context that records the files a parser reports (the app layer's keeps the defaults).
struct FileContext final : ParseContext {
  StatsBlock stats;
  flow::ArenaBudget budget{stats, 1u << 20};
  flow::Arena arena_{&budget, 256u << 10};
  flow::Flow f;
  struct File {
    Direction d;
    std::string name, data;
    uint64_t tx_id;
    int end = -1;
    bool tx_req = false, tx_rsp = false;  // file_tx before the close
  };
  std::vector<File> files;
  int txs = 0;
  FileContext() { f.proto = ipproto::kTcp; f.arena = &arena_; }
  flow::Flow& flow() noexcept override { return f; }
  flow::Arena& arena() noexcept override { return arena_; }
  void on_transaction(const void*, uint64_t, Direction) noexcept override { ++txs; }
  void on_anomaly(const char*) noexcept override {}
  uint32_t file_open(Direction d, std::string_view name, uint64_t tx_id) noexcept override {
    files.push_back({d, std::string(name), "", tx_id});
    return uint32_t(files.size());
  }
  void file_data(uint32_t id, Bytes b) noexcept override { files[id - 1].data += as_sv(b); }
  void file_close(uint32_t id, FileEnd end) noexcept override { files[id - 1].end = int(end); }
  void file_tx(uint32_t id, const void* tx) noexcept override {
    const auto& t = *static_cast<const Transaction*>(tx);
    files[id - 1].tx_rsp = t.response != nullptr;
    files[id - 1].tx_req = t.request != nullptr;
  }
};

TEST(HttpParser, BodiesGoToFileTracking) {
  FileContext ctx;
  Parser* p = kSpec.create(ctx);
  ASSERT_NE(p, nullptr);
  auto feed = [&](Direction d, std::string_view s) { p->parse(d, Harness::b(s), ctx); };
  feed(kTs, kRequest);  // POST body "hello"
  feed(kTc, kResponse);  // chunked "Wikipedia "
  std::string big(3 * kBodyBytes, 'z');  // beyond the inspection window: the file has it all
  feed(kTs, "GET /dl/report.pdf?x=1 HTTP/1.1\r\n\r\n");
  feed(kTc, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n" +
                big.substr(0, 100));
  p->gap(kTc, 10, ctx);  // lost bytes: that file ends with a gap
  ASSERT_EQ(ctx.files.size(), 3u);
  EXPECT_EQ(ctx.files[0].name, "/submit/./a/../form");
  EXPECT_EQ(ctx.files[0].data, "hello");
  EXPECT_EQ(ctx.files[0].end, int(FileEnd::Complete));
  EXPECT_EQ(ctx.files[1].d, kTc);
  EXPECT_EQ(ctx.files[1].data, "Wikipedia ");
  EXPECT_EQ(ctx.files[2].name, "/dl/report.pdf");
  EXPECT_EQ(ctx.files[2].tx_id, 1u);
  EXPECT_EQ(ctx.files[2].data.size(), 100u);
  EXPECT_EQ(ctx.files[2].end, int(FileEnd::Gap));
  feed(kTc, big.substr(110));  // the rest of that body (after the gap): not a file any more
  EXPECT_EQ(ctx.files[2].data.size(), 100u);
  std::string z = gzip(big);
  feed(kTs, "GET /big HTTP/1.1\r\n\r\n");
  feed(kTc, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                std::to_string(z.size()) + "\r\n\r\n" + z);
  ASSERT_EQ(ctx.files.size(), 4u);
  EXPECT_EQ(ctx.files[3].data, big);  // inflated whole, beyond the inspection window
  EXPECT_EQ(ctx.files[3].end, int(FileEnd::Complete));
  EXPECT_TRUE(ctx.files[0].tx_req);  // the transaction goes with each file (fileinfo "http")
  EXPECT_FALSE(ctx.files[0].tx_rsp);
  EXPECT_TRUE(ctx.files[1].tx_req && ctx.files[1].tx_rsp);
  // The response's Content-Disposition names the file, else the request path.
  feed(kTs, "GET /dl?id=7 HTTP/1.1\r\n\r\n");
  feed(kTc, "HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=\"eicar.txt\"\r\n"
            "Content-Length: 3\r\n\r\nabc");
  ASSERT_EQ(ctx.files.size(), 5u);
  EXPECT_EQ(ctx.files[4].name, "eicar.txt");
  EXPECT_EQ(ctx.files[4].data, "abc");
}

// A compressed body is inflated whole for the file, whatever its size and however it is cut
// (here one byte at a time), and only the first kBodyBytes are kept for inspection.
TEST(HttpParser, GzipBodyInflatedWholeForTheFile) {
  std::string big;
  for (int i = 0; big.size() < 200000; ++i) big += "<tr><td>row " + std::to_string(i * 7919 % 10007) + "</td></tr>\n";
  for (bool chunked : {false, true}) {
    std::string z = gzip(big);
    FileContext ctx;
    Parser* p = kSpec.create(ctx);
    p->parse(kTs, Harness::b("GET /report.html HTTP/1.1\r\n\r\n"), ctx);
    std::string rsp = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n";
    if (chunked) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "%zx", z.size());
      rsp += "Transfer-Encoding: chunked\r\n\r\n" + std::string(hex) + "\r\n" + z + "\r\n0\r\n\r\n";
    } else {
      rsp += "Content-Length: " + std::to_string(z.size()) + "\r\n\r\n" + z;
    }
    for (char c : rsp) p->parse(kTc, Harness::b(std::string_view(&c, 1)), ctx);
    ASSERT_EQ(ctx.files.size(), 1u);
    EXPECT_EQ(ctx.files[0].data.size(), big.size());
    EXPECT_TRUE(ctx.files[0].data == big);
    EXPECT_EQ(ctx.files[0].end, int(FileEnd::Complete));
    EXPECT_EQ(ctx.txs, 1);
  }
}

// dump-all-headers: the request's and/or the response's header arrays in the http event.
TEST(HttpParser, HeaderArraysWhenConfigured) {
  for (int mode = 0; mode < 4; ++mode) {
    set_log_headers(mode & 1, mode & 2);
    Conn r;
    r.h.data(kTs, "GET / HTTP/1.1\r\nHost: www.ethereal.com\r\nX-A:  1 \r\n\r\n");
    r.h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    std::string e = r.h.eve_all();
    EXPECT_EQ(e.find(R"("request_headers":[{"name":"Host","value":"www.ethereal.com"},{"name":"X-A","value":"1"}])") != std::string::npos, bool(mode & 1)) << e;
    EXPECT_EQ(e.find(R"("response_headers":[{"name":"Content-Length","value":"2"}])") != std::string::npos, bool(mode & 2)) << e;
  }
  set_log_headers(false);
}

// multipart/form-data uploads: one file per part with a filename (form fields are not files),
// whatever the cutting (one byte at a time included) and however the data looks like the
// delimiter.
TEST(HttpParser, MultipartPartsAreFiles) {
  const std::string bnd = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
  const std::string f1 = "%PDF-1.4 report\r\n--" + bnd.substr(0, 10) + " not the end\r\n\r\n-";
  const std::string f2(5000, 'z');
  const std::string body = "preamble\r\n--" + bnd + "\r\n" +
      "Content-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--" + bnd + "\r\n" +
      "Content-Disposition: form-data; name=\"up\"; filename=\"report.pdf\"\r\n"
      "Content-Type: application/pdf\r\n\r\n" + f1 + "\r\n--" + bnd + "  \r\n" +
      "content-disposition: form-data; name=\"up2\"; filename=\"z.bin\"\r\n\r\n" + f2 +
      "\r\n--" + bnd + "--\r\nepilogue";
  const std::string req = "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=\"" +
                          bnd + "\"\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (size_t step : {size_t(1), size_t(7), size_t(100000)}) {
    FileContext ctx;
    Parser* p = kSpec.create(ctx);
    for (size_t o = 0; o < req.size(); o += step)
      p->parse(kTs, Harness::b(std::string_view(req).substr(o, step)), ctx);
    ASSERT_EQ(ctx.files.size(), 2u) << step;
    EXPECT_EQ(ctx.files[0].name, "report.pdf");
    EXPECT_EQ(ctx.files[0].data, f1) << step;
    EXPECT_EQ(ctx.files[0].end, int(FileEnd::Complete));
    EXPECT_TRUE(ctx.files[0].tx_req);
    EXPECT_EQ(ctx.files[1].name, "z.bin");
    EXPECT_TRUE(ctx.files[1].data == f2) << step;
    EXPECT_EQ(ctx.files[1].end, int(FileEnd::Complete));
  }
  // Cut before the closing delimiter: the open part is truncated.
  FileContext ctx;
  Parser* p = kSpec.create(ctx);
  std::string cut = "POST /u HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=XY\r\n"
                    "Content-Length: 60\r\n\r\n--XY\r\nContent-Disposition: form-data; filename=a\r\n\r\nabc";
  p->parse(kTs, Harness::b(cut), ctx);
  p->finish(kTs, ctx);
  ASSERT_EQ(ctx.files.size(), 1u);
  EXPECT_EQ(ctx.files[0].data, "abc");
  EXPECT_EQ(ctx.files[0].end, int(FileEnd::Truncated));
}

// Rule buffers of a multipart upload: each part with a filename is a file.name and a
// file.data instance (multi-buffers); a form field is not a file.
TEST(HttpParser, MultipartPartsAreFileBuffers) {
  Conn r;
  std::vector<std::string> names, data;
  r.h.on_tx = [&](const ParserSpec& spec, const void* tx, uint64_t, Direction) {
    detect::InspectBuffers b;
    spec.buffers(tx, kTs, b);
    for (const Bytes* x = b.get(detect::BufferId::FileName); x;
         x = b.next(detect::BufferId::FileName, *x))
      names.emplace_back(as_sv(*x));
    for (const Bytes* x = b.get(detect::BufferId::FileData); x;
         x = b.next(detect::BufferId::FileData, *x))
      data.emplace_back(as_sv(*x));
  };
  const std::string body =
      "--XY\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nfield\r\n"
      "--XY\r\nContent-Disposition: form-data; name=\"a\"; filename=\"titi.txt\"\r\n"
      "Content-Type: text/plain\r\n\r\nTiti a vu un gros minet.\n\r\n"
      "--XY\r\ncontent-disposition: form-data; name=\"b\"; filename=\"toto.txt\"\r\n\r\n"
      "toto est dans un bateau\n\r\n--XY--\r\n";
  r.h.data(kTs, "POST /up HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=XY\r\n"
                "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  r.h.data(kTc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(names, (std::vector<std::string>{"titi.txt", "toto.txt"}));
  EXPECT_EQ(data, (std::vector<std::string>{"Titi a vu un gros minet.\n",
                                            "toto est dans un bateau\n"}));
}

// Two Content-Length headers that disagree: the first frames the body, with an anomaly.
TEST(HttpParser, DuplicateContentLength) {
  Conn r;
  r.h.data(kTs, "POST /a HTTP/1.1\r\nContent-Length:11\r\nContent-Length:93\r\n\r\nbar=1&foo=2"
                "GET /b HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n");
  r.h.end();
  ASSERT_EQ(r.txs.size(), 2u);
  EXPECT_EQ(r.txs[0].req_body, "bar=1&foo=2");
  EXPECT_EQ(r.txs[1].uri, "/b");
  std::string e = r.h.eve_all();
  size_t at = e.find("\"DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST\"");
  EXPECT_NE(at, std::string::npos);
  EXPECT_EQ(e.find("\"DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST\"", at + 1), std::string::npos);
}

// Mutated exchanges (multipart uploads, gzip/deflate and chunked responses, evasive framing)
// cut at random points: every byte is consumed, nothing crashes, files are balanced.
TEST(HttpParser, MutatedExchangesStayBounded) {
  std::string z = gzip(std::string(30000, 'q') + "tail", false);
  std::string zr = gzip("raw deflate body", true);
  const std::string base[] = {
      "POST /u HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=AB\r\nTransfer-Encoding: "
      "chunked\r\n\r\n40\r\n--AB\r\nContent-Disposition: form-data; filename=\"x\"\r\n\r\n0123456789"
      "\r\n--AB--\r\n\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(z.size()) +
          "\r\n\r\n" + z,
      "HTTP/1.1 100 ok\r\nContent-Encoding: deflate\r\nTransfer-Encoding: chunked x\r\n\r\n" + zr,
      "HTTP/1.1 2 ok\r\nContent-Disposition: attachment; filename*=UTF-8''%41%4\r\n"
      "Content-Length: 5\r\n\r\nabcde",
  };
  uint32_t x = 2463534242u;
  auto rnd = [&] { x ^= x << 13; x ^= x >> 17; x ^= x << 5; return x; };
  for (int it = 0; it < 400; ++it) {
    FileContext ctx;
    Parser* p = kSpec.create(ctx);
    ASSERT_NE(p, nullptr);
    for (int msg = 0; msg < 3; ++msg) {
      std::string m = base[rnd() % 4];
      if (m[0] == 'H') p->parse(kTs, Harness::b("GET /f HTTP/1.1\r\n\r\n"), ctx);
      for (int k = int(rnd() % 6); k > 0; --k) m[rnd() % m.size()] = char(rnd());
      Direction d = m[0] == 'H' ? kTc : kTs;
      for (size_t o = 0; o < m.size();) {
        size_t n = std::min<size_t>(1 + rnd() % 64, m.size() - o);
        ParseResult r = p->parse(d, Harness::b(std::string_view(m).substr(o, n)), ctx);
        if (r.status == ParseStatus::Error) break;
        ASSERT_EQ(r.consumed, n);
        o += n;
      }
    }
    p->finish(kTs, ctx);
    p->finish(kTc, ctx);
    for (const auto& f : ctx.files) EXPECT_NE(f.end, -1) << "file left open";
  }
}

TEST(HttpParser, DispositionFilename) {
  char buf[kMaxFileName];
  auto f = [&](std::string_view v) { return std::string(disposition_filename(v, buf, sizeof buf)); };
  EXPECT_EQ(f("attachment; filename=\"eicar.txt\""), "eicar.txt");
  EXPECT_EQ(f("attachment;filename=report.pdf ; size=3"), "report.pdf");
  EXPECT_EQ(f("form-data; name=\"up\"; filename=\"a\\\"b;c.txt\""), "a\"b;c.txt");
  EXPECT_EQ(f("attachment; filename*=UTF-8''na%C3%AFve%20file.txt"), "na\xC3\xAFve file.txt");
  EXPECT_EQ(f("attachment; filename=\"plain.txt\"; filename*=UTF-8''other.txt"), "plain.txt");
  EXPECT_EQ(f("attachment; filename=\"eicar.txt\"\rContent-Encoding: gzip"), "eicar.txt");
  EXPECT_EQ(f("inline"), "");
  EXPECT_EQ(f("attachment; name=\"x\""), "");
  EXPECT_EQ(f(""), "");
  std::string lng(2000, 'a');
  EXPECT_EQ(f("attachment; filename=" + lng).size(), kMaxFileName);
}

TEST(HttpParser, SmallExchangeUsesLittleArena) {
  Conn r;
  r.h.data(kTs, kRequest);
  r.h.data(kTc, kResponse);
  ASSERT_EQ(r.txs.size(), 1u);
  // Parser, one request slot, the response, buffers that grew only as far as needed (the
  // arena reserves blocks of 1, 2, 4, 8 KiB).
  EXPECT_LE(r.h.arena.reserved(), 16u * 1024) << r.h.arena.reserved();
}

}  // namespace
}  // namespace ww::app::http
