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

// A multipart request body (as far as it is kept for inspection, kBodyBytes): each part with a
// filename is a file, as the parser hands them to the file tracker; each is a file.name and a
// file.data instance (multi-buffers). False when the body is not multipart.
bool multipart_files(const Message& m, detect::InspectBuffers& out) noexcept {
  constexpr size_t kMaxParts = 16;
  char bnd[256];
  std::string_view b = multipart_boundary(m.header("Content-Type"), bnd, sizeof bnd);
  if (b.empty()) return false;
  const std::string_view body(reinterpret_cast<const char*>(m.body), m.body_len);
  // "--boundary" at the body's start or after a CRLF.
  auto delim = [&](size_t from) {
    for (size_t i = body.find("--", from); i != std::string_view::npos; i = body.find("--", i + 1))
      if ((i == 0 || (i >= 2 && body[i - 2] == '\r' && body[i - 1] == '\n')) &&
          body.substr(i + 2, b.size()) == b)
        return i;
    return std::string_view::npos;
  };
  thread_local char names[kMaxParts][kMaxFileName];
  size_t parts = 0;
  for (size_t d = delim(0); d != std::string_view::npos && parts < kMaxParts;) {
    size_t i = d + 2 + b.size();
    if (body.substr(i, 2) == "--") break;  // the close delimiter
    i = body.find('\n', i);
    std::string_view name;
    // The part's header lines, up to the empty line.
    while (i != std::string_view::npos) {
      ++i;
      size_t e = body.find('\n', i);
      if (e == std::string_view::npos) return true;  // headers cut by the window
      std::string_view line = body.substr(i, e - i);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      i = e;
      if (line.empty()) break;
      constexpr std::string_view kCd = "content-disposition:";
      if (line.size() > kCd.size() && strncasecmp(line.data(), kCd.data(), kCd.size()) == 0)
        name = disposition_filename(line.substr(kCd.size()), names[parts], kMaxFileName);
    }
    if (i == std::string_view::npos) break;
    size_t start = i + 1, next = delim(start);
    size_t end = next == std::string_view::npos ? body.size() : next - 2;
    if (!name.empty()) {
      out.add(BufferId::FileName, Bytes(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
      out.add(BufferId::FileData, Bytes(m.body + start, end - start));
      ++parts;
    }
    d = next;
  }
  return true;
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
    if (!multipart_files(m, out)) {  // else the body is the request's file
      file_name(m, &m, d, out);
      if (m.body_len) out.set(BufferId::FileData, Bytes(m.body, m.body_len));
    }
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
