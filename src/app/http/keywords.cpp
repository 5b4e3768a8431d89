// Rule buffers an HTTP transaction exposes (detect/buffers.h), per direction: the request's
// to the server, the response's to the client.
#include <algorithm>
#include <cstring>
#include <strings.h>

#include "app/http/parser.h"
#include "detect/keywords/util.h"
#include "detect/match.h"

namespace ww::app::http {

namespace {

using detect::BufferId;

Bytes bytes(const Message& m, Span s) noexcept { return Bytes(m.buf + s.off, s.len); }

void header(const Message& m, std::string_view name, BufferId id,
            detect::InspectBuffers& out) noexcept {
  std::string_view v;
  if (m.header(name, v))
    out.set(id, Bytes(reinterpret_cast<const uint8_t*>(v.data()), v.size()));
}

void common(const Message& m, detect::InspectBuffers& out) noexcept {
  if (m.protocol.len) out.set(BufferId::HttpProtocol, bytes(m, m.protocol));
  if (m.header_count) {
    out.set(BufferId::HttpHeader, bytes(m, m.header_block));
    out.set(BufferId::HttpHeaderRaw, bytes(m, m.header_block));
  }
  if (m.header_names.len) out.set(BufferId::HttpHeaderNames, bytes(m, m.header_names));
  header(m, "Content-Type", BufferId::HttpContentType, out);
  header(m, "Content-Length", BufferId::HttpContentLen, out);
  header(m, "Connection", BufferId::HttpConnection, out);
}

// http.start: the start line, CRLF, the header lines and the empty line, as Suricata builds
// it. The request's normalised URI sits between its start line and headers in Message::buf,
// so the buffer is assembled in a per-thread scratch (one per direction: both may be set for
// one transaction); it stays valid until the next transaction of that direction.
void start(const Message& m, Direction d, detect::InspectBuffers& out) noexcept {
  constexpr size_t kCap = kMaxLine + 2 + kHeaderBytes + 2;
  thread_local uint8_t scratch[2][kCap];
  uint8_t* o = scratch[idx(d)];
  size_t n = 0;
  auto put = [&](Bytes b) {
    size_t k = std::min(b.size(), kCap - n);
    if (k) std::memcpy(o + n, b.data(), k);
    n += k;
  };
  static constexpr uint8_t kCrlf[2] = {'\r', '\n'};
  put(bytes(m, m.start_line));
  put(kCrlf);
  put(bytes(m, m.header_block));
  put(kCrlf);
  out.set(BufferId::HttpStart, Bytes(o, n));
}

// file.name: the name the message's body is tracked under as a file (HttpParser::open_file:
// the Content-Disposition filename, else the request's URI path); none for a message without
// a body or with multipart parts (each part is its own file).
void file_name(const Message& m, const Message* req, Direction d,
               detect::InspectBuffers& out) noexcept {
  if (!m.body_bytes) return;
  std::string_view ct = m.header("Content-Type");
  if (ct.size() >= 10 && strncasecmp(ct.data(), "multipart/", 10) == 0) return;
  thread_local char scratch[2][kMaxFileName];
  std::string_view name =
      disposition_filename(m.header("Content-Disposition"), scratch[idx(d)], kMaxFileName);
  if (name.empty() && req && req->uri.len) {
    name = req->text(req->uri);
    name = name.substr(0, name.find('?'));
  }
  if (!name.empty())
    out.set(BufferId::FileName, Bytes(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
}

}  // namespace

void buffers(const void* p, Direction d, detect::InspectBuffers& out) noexcept {
  const auto& tx = *static_cast<const Transaction*>(p);
  if (d == Direction::ToServer) {
    const Message* q = tx.request;
    if (!q || !q->start_line.len) return;
    const Message& m = *q;
    out.set(BufferId::HttpMethod, bytes(m, m.method));
    out.set(BufferId::HttpUriRaw, bytes(m, m.uri));
    out.set(BufferId::HttpUri, m.uri_norm.len || !m.uri.len ? bytes(m, m.uri_norm)
                                                             : bytes(m, m.uri));
    out.set(BufferId::HttpRequestLine, bytes(m, m.start_line));
    start(m, d, out);
    if (m.host.len) out.set(BufferId::HttpHost, bytes(m, m.host));
    header(m, "Host", BufferId::HttpHostRaw, out);
    header(m, "User-Agent", BufferId::HttpUserAgent, out);
    header(m, "Cookie", BufferId::HttpCookie, out);
    header(m, "Referer", BufferId::HttpReferer, out);
    header(m, "Accept", BufferId::HttpAccept, out);
    header(m, "Accept-Encoding", BufferId::HttpAcceptEnc, out);
    header(m, "Accept-Language", BufferId::HttpAcceptLang, out);
    common(m, out);
    // http.request_header: Suricata inspects each "Name: value" apart (a multi-buffer); here
    // the header block holds them all, one per line.
    if (m.header_count) out.set(BufferId::HttpRequestHeader, bytes(m, m.header_block));
    if (m.body_len) out.set(BufferId::HttpRequestBody, Bytes(m.body, m.body_len));
    file_name(m, &m, d, out);
    return;
  }
  const Message* r = tx.response;
  if (!r || !r->start_line.len) return;
  const Message& m = *r;
  out.set(BufferId::HttpStatCode, bytes(m, m.status_text));
  out.set(BufferId::HttpStatMsg, bytes(m, m.reason));
  out.set(BufferId::HttpResponseLine, bytes(m, m.start_line));
  start(m, d, out);
  header(m, "Set-Cookie", BufferId::HttpCookie, out);
  header(m, "Location", BufferId::HttpLocation, out);
  header(m, "Server", BufferId::HttpServer, out);
  common(m, out);
  if (m.header_count) out.set(BufferId::HttpResponseHeader, bytes(m, m.header_block));
  if (m.body_len) out.set(BufferId::FileData, Bytes(m.body, m.body_len));
  file_name(m, tx.request, d, out);
}

// filesize in a rule the file tracker does not take (it also matches HTTP buffers): the
// body of direction d's message as a file, its size known once the message is complete.
bool check(const void* p, Direction d, std::string_view keyword, std::string_view value) noexcept {
  if (keyword != "filesize") return false;
  const auto& tx = *static_cast<const Transaction*>(p);
  const Message* m = d == Direction::ToServer ? tx.request : tx.response;
  if (!m || !m->complete || !m->body_bytes) return false;
  auto fs = detect::kw::parse_filesize(value);
  return fs && fs->cmp.match(m->body_bytes);
}

}  // namespace ww::app::http
