#include "app/http/parser.h"
#include "core/hex.h"

#include "app/fhir/parser.h"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "flow/arena.h"
#include "flow/flow.h"

namespace ww::app::http {

namespace {

// Bytes of Message::buf kept free of header lines for the derived buffers (host, names).
constexpr uint32_t kReserve = 768;
// Room kept after a line being read: its CRLF after the start line, or the rewrite of a header
// line as "Name: value\r\n" (at most 3 bytes longer than the raw line).
constexpr uint32_t kSlack = 4;
constexpr uint32_t kFirstBuf = 1024;
constexpr uint32_t kFirstBody = 512;
// A direction resynchronising on a new start line gives up after this many bad lines.
constexpr uint32_t kMaxBadLines = 32;

inline char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool icontains(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

inline bool is_ws(uint8_t c) noexcept { return c == ' ' || c == '\t'; }

bool is_token_char(uint8_t c) noexcept {
  if (c <= 32 || c >= 127) return false;
  return !std::strchr("()<>@,;:\\\"/[]?={}", c);
}


bool parse_u64(std::string_view s, uint64_t& out) noexcept {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  out = v;
  return true;
}

std::atomic<uint8_t> g_log_headers{0};  // 1: request headers, 2: response headers
std::atomic<bool> g_inspect_requests{false};  // set_inspect_requests (stream.inline)

constexpr std::string_view kMethods[] = {
    "GET",     "POST",  "HEAD",     "PUT",       "DELETE", "OPTIONS", "CONNECT",
    "TRACE",   "PATCH", "PROPFIND", "PROPPATCH", "MKCOL",  "COPY",    "MOVE",
    "LOCK",    "UNLOCK", "SEARCH",  "REPORT",    "MERGE",  "CHECKOUT", "MKACTIVITY",
    "SUBSCRIBE", "NOTIFY", "M-SEARCH", "PURGE"};

enum class State : uint8_t {
  StartLine,
  Headers,
  Body,        // Content-Length bytes
  ChunkSize,
  ChunkData,
  ChunkEnd,    // CRLF after chunk data
  Trailers,
  UntilClose,  // response body delimited by the end of the connection
  Tunnel,      // CONNECT accepted or protocol upgraded: bytes are opaque
  Maybe09,     // request line without protocol: HTTP/0.9 unless header lines follow
  MaybeBody,   // 1xx/204/304 announcing a body: one follows unless a status line does
};

struct Side {
  State state = State::StartLine;
  Message* msg = nullptr;
  uint32_t line_len = 0;   // bytes of the current line stored at msg->buf + msg->used
  bool line_cut = false;   // current line went over its limit: rest dropped until LF
  bool line_nonempty = false;  // (trailers / chunk lines) saw a non-CR byte
  bool resync = false;     // looking for a start line after garbage
  uint32_t bad_lines = 0;
  uint64_t remaining = 0;  // Body / ChunkData bytes left
  uint64_t chunk_size = 0;
  bool chunk_digits_done = false;
  bool chunk_bad = false;
  bool first_chunk = false;   // reading the body's first chunk-size line
  uint8_t chunk_line_len = 0;  // its bytes so far (chunk_line), replayed by not_chunked()
  uint8_t chunk_line[24];
  bool anomaly_line = false;  // field_too_long raised for this direction
  bool finished = false;
};

// multipart/* request body split into its parts (RFC 2046 5.1; RFC 7578 form-data): each part
// with a filename is a file, as Suricata extracts uploads. Incremental: the delimiter
// ("\r\n--" boundary) is searched with its KMP failure table, so bytes may come one at a time
// and only the bytes of a partial match (at most the delimiter) are held back.
struct Multipart {
  enum class St : uint8_t { Preamble, Delim, Headers, Data, Done };
  static constexpr uint32_t kMaxBoundary = 200;  // RFC 2046: at most 70
  static constexpr uint32_t kLine = 1024;        // a part header line kept (longer: cut)
  St st = St::Preamble;
  uint16_t len = 0;  // delimiter length
  uint16_t k = 0;    // delimiter bytes matched
  uint8_t delim[kMaxBoundary + 4];
  uint16_t fail[kMaxBoundary + 4];
  uint8_t after = 0;  // Delim: bytes seen after the delimiter ("--" closes)
  bool closing = false;
  uint16_t line_len = 0;
  char line[kLine];
  uint16_t fname_len = 0;
  char fname[kMaxFileName];
};

struct Slot {
  Message msg;
  uint64_t tx_id = 0;
  bool in_use = false;
  bool parsing = false;   // the request direction is still writing it
  bool answered = false;  // its response was logged
};

}  // namespace

namespace {

// The raw value (quotes kept) of parameter `key` in a header value such as
// `attachment; filename="a;b.txt"` or `multipart/form-data; boundary=xyz`; empty when absent.
std::string_view find_param(std::string_view v, std::string_view key) noexcept {
  size_t a = 0;
  while (a < v.size()) {
    while (a < v.size() && (is_ws(uint8_t(v[a])) || v[a] == ';')) ++a;
    size_t e = a;
    while (e < v.size() && v[e] != '=' && v[e] != ';') ++e;
    if (e >= v.size() || v[e] == ';') {  // no value (the disposition or media type)
      a = e;
      continue;
    }
    std::string_view k = v.substr(a, e - a);
    while (!k.empty() && is_ws(uint8_t(k.back()))) k.remove_suffix(1);
    size_t b = e + 1;
    while (b < v.size() && is_ws(uint8_t(v[b]))) ++b;
    e = b;
    if (b < v.size() && v[b] == '"') {
      for (e = b + 1; e < v.size() && v[e] != '"'; ++e)
        if (v[e] == '\\' && e + 1 < v.size()) ++e;
      if (e < v.size()) ++e;  // the closing quote
    } else {
      while (e < v.size() && v[e] != ';') ++e;
    }
    if (iequals(k, key)) return v.substr(b, e - b);
    a = e;
  }
  return {};
}

// A parameter value without its quotes (and backslash escapes), into out.
size_t unquote(std::string_view raw, char* out, size_t cap) noexcept {
  size_t n = 0;
  if (!raw.empty() && raw.front() == '"') {
    for (size_t k = 1; k < raw.size() && raw[k] != '"' && n < cap; ++k) {
      if (raw[k] == '\\' && k + 1 < raw.size()) ++k;
      out[n++] = raw[k];
    }
    return n;
  }
  while (!raw.empty() && is_ws(uint8_t(raw.back()))) raw.remove_suffix(1);
  n = std::min(raw.size(), cap);
  if (n) std::memcpy(out, raw.data(), n);
  return n;
}

}  // namespace

std::string_view multipart_boundary(std::string_view ct, char* out, size_t cap) noexcept {
  if (ct.size() < 10 || !iequals(ct.substr(0, 10), "multipart/")) return {};
  std::string_view raw = find_param(ct, "boundary");
  if (raw.empty()) return {};
  size_t n = unquote(raw, out, cap);
  if (n == 0 || (raw.front() != '"' && raw.size() > cap)) return {};
  return {out, n};
}

// The filename parameter of a Content-Disposition value (RFC 6266: filename="q\"uoted" or a
// token; filename*=charset'lang'pct-encoded when no plain filename is given), into out.
std::string_view disposition_filename(std::string_view v, char* out, size_t cap) noexcept {
  std::string_view plain = find_param(v, "filename");
  if (!plain.empty()) return {out, unquote(plain, out, cap)};
  std::string_view ext = find_param(v, "filename*");
  size_t n = 0;
  size_t q = ext.find("''");
  if (q != std::string_view::npos) ext.remove_prefix(q + 2);
  while (!ext.empty() && is_ws(uint8_t(ext.back()))) ext.remove_suffix(1);
  for (size_t k = 0; k < ext.size() && n < cap; ++k) {
    int h = k + 2 < ext.size() && ext[k] == '%' ? hex::value(uint8_t(ext[k + 1])) : -1;
    int l = h >= 0 ? hex::value(uint8_t(ext[k + 2])) : -1;
    if (h >= 0 && l >= 0) {
      out[n++] = char(h * 16 + l);
      k += 2;
    } else {
      out[n++] = ext[k];
    }
  }
  return {out, n};
}

namespace {

void* zalloc_arena(void* opaque, uInt items, uInt size) {
  return static_cast<flow::Arena*>(opaque)->alloc(size_t(items) * size);
}
void zfree_arena(void*, void*) {}

class HttpParser final : public Parser {
 public:
  HttpParser(flow::Arena& arena, bool udp) noexcept : arena_(arena), udp_(udp) {}

  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override;
  void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept override;
  void finish(Direction d, ParseContext& ctx) noexcept override;

 private:
  bool begin_message(Direction d) noexcept;
  bool ensure_buf(Message& m) noexcept { return grow(m, kFirstBuf); }
  // Makes m.buf hold at least `need` bytes (at most kHeaderBytes); false at a limit.
  bool grow(Message& m, size_t need) noexcept;
  bool grow_body(Message& m, size_t need) noexcept;
  // Appends the bytes up to LF into the current line; true when the line is complete.
  bool read_line(Side& s, Direction d, Bytes data, size_t& pos) noexcept;
  // Skips up to LF; true when the line ended. Tracks whether it had content.
  bool skip_line(Side& s, Bytes data, size_t& pos) noexcept;
  Span take_line(Side& s) noexcept;
  bool start_line(Direction d, Span line) noexcept;
  void header_line(Direction d, Span line) noexcept;
  void headers_done(Direction d) noexcept;
  void response_body(Direction d, bool chunked) noexcept;
  // A 101 response that switches protocols: answers a request with Upgrade (or none is known).
  bool switches(const Message& rsp) noexcept {
    if (rsp.status != 101) return false;
    const Message* req = paired_request();
    return !req || !req->header("Upgrade").empty();
  }
  // Not chunked after all (the first chunk-size line is not hex): the bytes taken as the
  // chunk size are the body, which goes on as Content-Length or until the connection closes.
  void not_chunked(Direction d) noexcept;
  void body(Direction d, Bytes b) noexcept;
  void inflate_body(Message& m, Bytes b) noexcept;
  int inflate_some(Message& m, Bytes b) noexcept;
  // Reads the gzip (RFC 1952) or zlib (RFC 1950) header at the start of the body: 1 done (`b`
  // advanced past it), 0 all of `b` used, -1 not a valid header.
  int zheader(Bytes& b) noexcept;
  void decoded(Direction d, Message& m, Bytes b) noexcept;
  // A multipart request body: true when its boundary was taken (parts become files).
  bool multipart_begin(Message& m) noexcept;
  void multipart(Message& m, Bytes b) noexcept;
  void part_close(Message& m, FileEnd end) noexcept;
  void message_done(Direction d) noexcept;
  void open_file(Direction d, Message& m, uint64_t tx_id) noexcept;
  void close_file(Message& m) noexcept;
  void emit(const Message* req, const Message* rsp, uint64_t id, Direction d) noexcept;
  void evict_oldest() noexcept;
  void flush_unanswered() noexcept;
  void normalise_uri(Message& m) noexcept;
  void derive(Message& m, bool request) noexcept;
  Message* paired_request() noexcept {
    return rsp_slot_ >= 0 ? &slots_[rsp_slot_]->msg : nullptr;
  }
  void anomaly(const char* e) noexcept { ctx_->on_anomaly(e); }
  void end_side(Direction d) noexcept;
  // The direction gives up (Error): the app layer will not finish() it, so it is finished
  // here; requests still waiting are logged once both directions are done.
  ParseResult stop(Direction d, size_t pos) noexcept {
    Side& s = side_[idx(d)];
    if (!s.finished) {
      end_side(d);
      s.finished = true;
      if (side_[0].finished && side_[1].finished) flush_unanswered();
    }
    return {ParseStatus::Error, pos, 0};
  }

  flow::Arena& arena_;
  bool udp_;  // HTTP over UDP (SSDP): each datagram is one whole message
  ParseContext* ctx_ = nullptr;
  Side side_[2];
  Slot* slots_[kMaxPipeline] = {};
  uint8_t queue_[kMaxPipeline] = {};  // slots waiting for a response, oldest first
  uint8_t q_head_ = 0, q_len_ = 0;
  int req_slot_ = -1;  // slot the request direction writes
  int rsp_slot_ = -1;  // slot paired with the response being parsed (-1: none)
  uint64_t rsp_tx_id_ = 0;
  uint64_t next_tx_id_ = 0;
  Message rsp_;
  z_stream z_{};
  bool z_inited_ = false;
  // The gzip or zlib header, read here: zlib inflates the raw deflate data after it, so it
  // computes no CRC-32 / Adler-32 of the output (the trailer is not checked, as libhtp).
  enum class Zh : uint8_t { First, Second, ZlibDict, GzFixed, GzXlen, GzExtra, GzName, GzComment,
                            GzHcrc, Done };
  Zh zh_ = Zh::Done;
  uint8_t zh_first_ = 0;    // the first header byte (zlib CMF)
  uint8_t zh_flg_ = 0;      // gzip FLG
  uint32_t zh_need_ = 0;    // bytes left in the current header field
  uint32_t zh_hold_ = 0;    // its bytes so far (little-endian)
  uint32_t zh_crc_ = 0;     // CRC-32 of the gzip header (checked when FHCRC is set)
  uint32_t zh_bytes_ = 0;   // header bytes read: compressed input for the bomb ratio
  bool z_active_ = false;  // current response body is inflated
  bool z_raw_tried_ = false;
  bool z_pass_ = false;    // labelled compressed but is not: the body is taken as it is
  uint8_t* zout_ = nullptr;  // kInflateChunk bytes of inflated output (arena, reused)
  uint8_t* zraw_ = nullptr;  // the first kZRaw compressed bytes, replayed on a second try
  uint32_t zraw_len_ = 0;
  bool zraw_over_ = false;   // the compressed body outgrew zraw_ before any output
  bool rsp_body_ = false;      // the response being parsed has a body (a 1xx one is final)
  Multipart* mp_ = nullptr;    // the request body's parts (arena, made on first use)
  bool mp_on_ = false;         // the request body being parsed is split by mp_
  bool connect_wait_ = false;  // CONNECT sent, no final answer yet: client bytes are held
  bool changed_ = false;       // CONNECT accepted: the app layer detects the tunnelled protocol
};

bool HttpParser::grow(Message& m, size_t need) noexcept {
  if (need <= m.cap) return true;
  if (need > kHeaderBytes) return false;
  size_t c = m.cap ? m.cap : kFirstBuf;
  while (c < need) c *= 2;
  c = std::min<size_t>(c, kHeaderBytes);
  auto* nb = arena_.alloc_array<uint8_t>(c);
  if (!nb) return false;
  if (m.cap) std::memcpy(nb, m.buf, m.cap);  // includes the line being read
  m.buf = nb;
  m.cap = uint32_t(c);
  return true;
}

bool HttpParser::grow_body(Message& m, size_t need) noexcept {
  need = std::min<size_t>(need, kBodyBytes);
  if (need <= m.body_cap) return true;
  size_t c = m.body_cap ? m.body_cap : kFirstBody;
  while (c < need) c *= 2;
  c = std::min<size_t>(c, kBodyBytes);
  auto* nb = arena_.alloc_array<uint8_t>(c);
  if (!nb) return false;
  if (m.body_len) std::memcpy(nb, m.body, m.body_len);
  m.body = nb;
  m.body_cap = uint32_t(c);
  return true;
}

void HttpParser::emit(const Message* req, const Message* rsp, uint64_t id, Direction d) noexcept {
  Transaction tx{req, rsp, uint8_t(req && req->inspected ? 2 : 3)};
  ctx_->on_transaction(&tx, id, d);
}

void HttpParser::evict_oldest() noexcept {
  // More requests in flight than kept: log the oldest without its response.
  int i = queue_[q_head_];
  q_head_ = uint8_t((q_head_ + 1) % kMaxPipeline);
  --q_len_;
  if (!udp_) anomaly("http.too_many_pipelined_requests");
  Slot& s = *slots_[i];
  s.msg.flags |= flag::kTruncated;
  emit(&s.msg, nullptr, s.tx_id, Direction::ToServer);
  s.in_use = false;
}

bool HttpParser::begin_message(Direction d) noexcept {
  Side& sd = side_[idx(d)];
  if (d == Direction::ToServer) {
    int free_slot = -1;
    for (;;) {
      for (uint32_t i = 0; i < kMaxPipeline && free_slot < 0; ++i) {
        if (!slots_[i]) {
          slots_[i] = arena_.make<Slot>();
          if (!slots_[i]) return false;
        }
        if (!slots_[i]->in_use) free_slot = int(i);
      }
      if (free_slot >= 0 || q_len_ == 0) break;
      evict_oldest();
    }
    if (free_slot < 0) return false;
    Slot& s = *slots_[free_slot];
    s.msg.reset();
    if (!ensure_buf(s.msg)) return false;
    s.tx_id = next_tx_id_++;
    s.in_use = s.parsing = true;
    s.answered = false;
    queue_[(q_head_ + q_len_) % kMaxPipeline] = uint8_t(free_slot);
    ++q_len_;
    req_slot_ = free_slot;
    sd.msg = &s.msg;
  } else {
    // A response ends a request line still waiting to know whether headers follow.
    if (side_[0].state == State::Maybe09 && side_[0].msg) message_done(Direction::ToServer);
    rsp_.reset();
    rsp_body_ = false;
    if (!ensure_buf(rsp_)) return false;
    if (q_len_ > 0) {
      rsp_slot_ = queue_[q_head_];
      q_head_ = uint8_t((q_head_ + 1) % kMaxPipeline);
      --q_len_;
      rsp_tx_id_ = slots_[rsp_slot_]->tx_id;
    } else {
      rsp_slot_ = -1;
      rsp_tx_id_ = next_tx_id_++;
      // Over UDP (SSDP) answers come from other hosts: no request is expected.
      if (!udp_) anomaly("http.unable_to_match_response_to_request");
    }
    sd.msg = &rsp_;
  }
  sd.line_len = 0;
  sd.line_cut = false;
  return true;
}

bool HttpParser::read_line(Side& s, Direction d, Bytes data, size_t& pos) noexcept {
  Message& m = *s.msg;
  const uint8_t* start = data.data() + pos;
  size_t avail = data.size() - pos;
  const void* nl = std::memchr(start, '\n', avail);
  size_t n = nl ? size_t(static_cast<const uint8_t*>(nl) - start) : avail;
  uint32_t limit = std::min<uint32_t>(kMaxLine, kHeaderBytes - kReserve - std::min(m.used, kHeaderBytes - kReserve));
  size_t room = limit > s.line_len ? limit - s.line_len : 0;
  size_t keep = std::min(n, room);
  bool no_memory = false;
  if (keep && !grow(m, m.used + s.line_len + keep + kSlack)) {
    keep = 0;
    no_memory = true;
  }
  if (keep) std::memcpy(m.buf + m.used + s.line_len, start, keep);
  s.line_len += uint32_t(keep);
  if (keep < n && !s.line_cut) {
    s.line_cut = true;
    if (no_memory || m.used + kMaxLine + kReserve > kHeaderBytes) {
      m.flags |= flag::kHeadersDropped;
      anomaly(d == Direction::ToServer ? "http.request_header_too_large"
                                       : "http.response_header_too_large");
    } else {
      anomaly(d == Direction::ToServer ? "http.request_field_too_long"
                                       : "http.response_field_too_long");
    }
  }
  pos += n + (nl ? 1 : 0);
  return nl != nullptr;
}

bool HttpParser::skip_line(Side& s, Bytes data, size_t& pos) noexcept {
  for (; pos < data.size(); ++pos) {
    uint8_t c = data[pos];
    if (c == '\n') {
      ++pos;
      return true;
    }
    if (c != '\r') s.line_nonempty = true;
  }
  return false;
}

Span HttpParser::take_line(Side& s) noexcept {
  Message& m = *s.msg;
  uint32_t len = s.line_len;
  while (len > 0 && (m.buf[m.used + len - 1] == '\r' || is_ws(m.buf[m.used + len - 1]))) --len;
  Span line{m.used, len};
  s.line_len = 0;
  s.line_cut = false;
  return line;
}

}  // namespace

void Message::reset() noexcept {
  uint8_t* b = buf;
  uint8_t* bd = body;
  uint32_t c = cap, bc = body_cap;
  *this = Message{};
  buf = b;
  body = bd;
  cap = c;
  body_cap = bc;
}

bool Message::header(std::string_view name, std::string_view& value) const noexcept {
  for (uint32_t i = 0; i < header_count; ++i) {
    if (iequals(text(headers[i].name), name)) {
      value = text(headers[i].value);
      return true;
    }
  }
  return false;
}

namespace {

// Start line at `line` (buf offsets): on success it is kept, followed by CRLF.
bool HttpParser::start_line(Direction d, Span line) noexcept {
  Message& m = *side_[idx(d)].msg;
  std::string_view t = m.text(line);
  auto sub = [&](size_t off, size_t len) { return Span{uint32_t(line.off + off), uint32_t(len)}; };
  if (d == Direction::ToServer) {
    size_t sp1 = t.find_first_of(" \t");
    if (sp1 == 0 || sp1 == std::string_view::npos) return false;
    for (size_t i = 0; i < sp1; ++i)
      if (!is_token_char(uint8_t(t[i]))) return false;
    size_t u = t.find_first_not_of(" \t", sp1);
    if (u == std::string_view::npos) return false;
    size_t sp2 = t.find_last_of(" \t");
    m.method = sub(0, sp1);
    if (sp2 >= u) {
      // As libhtp and tshark: the last token is the protocol, whatever it says (RTSP/1.0 and
      // SIP/2.0 requests sent to web ports keep their URI clean); spaces inside the URI stay.
      size_t ue = sp2;
      while (ue > u && is_ws(uint8_t(t[ue - 1]))) --ue;
      m.uri = sub(u, ue - u);
      m.protocol = sub(sp2 + 1, t.size() - sp2 - 1);
      if (!m.text(m.protocol).starts_with("HTTP/")) anomaly("http.request_line_invalid");
    } else {
      m.uri = sub(u, t.size() - u);  // HTTP/0.9 simple request
    }
  } else {
    if (!t.starts_with("HTTP/")) return false;
    size_t sp1 = t.find_first_of(" \t");
    if (sp1 == std::string_view::npos) sp1 = t.size();
    m.protocol = sub(0, sp1);
    // Status code: three digits (RFC 9112 4). Browsers take any number ("HTTP/1.1 2 ok")
    // and so does this parser, with an anomaly; none at all reads as 0.
    size_t c = t.find_first_not_of(" \t", sp1);
    if (c == std::string_view::npos) c = t.size();
    size_t e = c;
    uint32_t code = 0;
    while (e < t.size() && t[e] >= '0' && t[e] <= '9') {
      if (code < 100000) code = code * 10 + uint32_t(t[e] - '0');
      ++e;
    }
    if (e < t.size() && !is_ws(uint8_t(t[e]))) {  // "HTTP/1.1 2xx": the code is the digits
      while (e < t.size() && !is_ws(uint8_t(t[e]))) ++e;
      code = 0;
    }
    if (e - c != 3 || code < 100) anomaly("http.response_invalid_status");
    m.status = uint16_t(std::min<uint32_t>(code, 65535));
    m.status_text = sub(c, e - c);
    size_t r = t.find_first_not_of(" \t", e);
    if (r != std::string_view::npos) m.reason = sub(r, t.size() - r);
  }
  m.start_line = line;
  m.used = line.off + line.len;
  m.buf[m.used++] = '\r';
  m.buf[m.used++] = '\n';
  if (d == Direction::ToServer) normalise_uri(m);
  m.header_block = Span{m.used, 0};
  return true;
}

// Percent-decoding and dot-segment removal into buf (after the start line). The normalised
// form is never longer than the raw URI.
void HttpParser::normalise_uri(Message& m) noexcept {
  uint32_t len = m.uri.len;
  if (m.used + len + 16 > kHeaderBytes || !grow(m, m.used + len + kSlack))
    return;  // no room: http.uri falls back to the raw URI
  uint8_t* out = m.buf + m.used;
  const uint8_t* in = m.buf + m.uri.off;
  uint32_t n = 0;
  size_t q = std::string_view(reinterpret_cast<const char*>(in), len).find('?');
  uint32_t path_end = q == std::string_view::npos ? len : uint32_t(q);
  // Percent-decoding of the whole URI.
  uint32_t path_out_end = 0;
  for (uint32_t i = 0; i < len; ++i) {
    if (i == path_end) path_out_end = n;
    uint8_t c = in[i];
    if (c == '%') {
      int h = i + 2 < len ? hex::value(in[i + 1]) : -1;
      int l = i + 2 < len ? hex::value(in[i + 2]) : -1;
      if (h >= 0 && l >= 0) {
        uint8_t v = uint8_t(h * 16 + l);
        m.flags |= flag::kUriPercentDecoded;
        if (v == '%' && i + 4 < len && hex::value(in[i + 3]) >= 0 && hex::value(in[i + 4]) >= 0)
          m.flags |= flag::kUriDoubleEncoding;
        out[n++] = v;
        i += 2;
        continue;
      }
      m.flags |= flag::kUriInvalidEncoding;
    }
    out[n++] = c;
  }
  if (path_end == len) path_out_end = n;
  // Dot segments in the path (RFC 3986 5.2.4), in place: w <= r always.
  uint32_t w = 0, r = 0;
  auto seg_start = [&](uint32_t at) { return at == 0 || out[at - 1] == '/'; };
  while (r < path_out_end) {
    bool at_seg = seg_start(r);
    if (at_seg && out[r] == '.' &&
        (r + 1 == path_out_end || out[r + 1] == '/')) {  // "." segment
      m.flags |= flag::kUriDotSegments;
      r += (r + 1 == path_out_end) ? 1 : 2;
      continue;
    }
    if (at_seg && r + 1 < path_out_end && out[r] == '.' && out[r + 1] == '.' &&
        (r + 2 == path_out_end || out[r + 2] == '/')) {  // ".." segment
      m.flags |= flag::kUriDotSegments;
      r += (r + 2 == path_out_end) ? 2 : 3;
      // Drop the previous segment: w points after its trailing '/'.
      if (w <= 1) {
        if (out[0] == '/' || w == 0) m.flags |= flag::kUriAboveRoot;
        w = (w == 1 && out[0] == '/') ? 1 : w;
        continue;
      }
      uint32_t k = w - 1;  // the '/' ending the previous segment
      while (k > 0 && out[k - 1] != '/') --k;
      w = k;
      continue;
    }
    out[w++] = out[r++];
  }
  std::memmove(out + w, out + path_out_end, n - path_out_end);
  n = w + (n - path_out_end);
  m.uri_norm = Span{m.used, n};
  m.used += n;
  if (m.flags & flag::kUriInvalidEncoding) anomaly("http.uri_invalid_encoding");
  if (m.flags & flag::kUriDoubleEncoding) anomaly("http.double_encoded_uri");
  if (m.flags & flag::kUriAboveRoot) anomaly("http.uri_traversal_above_root");
}

void HttpParser::header_line(Direction d, Span line) noexcept {
  Message& m = *side_[idx(d)].msg;
  uint8_t* b = m.buf;
  if (is_ws(b[line.off])) {
    // obs-fold: continues the previous header's value (RFC 9112 5.2).
    if (m.header_count == 0 || m.used != line.off) return;
    uint32_t a = line.off;
    while (a < line.off + line.len && is_ws(b[a])) ++a;
    uint32_t len = line.off + line.len - a;
    Header& h = m.headers[m.header_count - 1];
    uint32_t w = m.used - 2;  // over the previous CRLF
    b[w++] = ' ';
    std::memmove(b + w, b + a, len);
    w += len;
    h.value.len = w - h.value.off;
    b[w++] = '\r';
    b[w++] = '\n';
    m.used = w;
    m.header_block.len = m.used - m.header_block.off;
    anomaly(d == Direction::ToServer ? "http.invalid_request_field_folding"
                                     : "http.invalid_response_field_folding");
    return;
  }
  std::string_view t = m.text(line);
  size_t colon = t.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    anomaly(d == Direction::ToServer ? "http.request_header_invalid"
                                     : "http.response_header_invalid");
    return;
  }
  if (m.header_count >= kMaxHeaders) {
    if (!(m.flags & flag::kHeadersDropped))
      anomaly(d == Direction::ToServer ? "http.request_too_many_headers"
                                       : "http.response_too_many_headers");
    m.flags |= flag::kHeadersDropped;
    return;
  }
  size_t name_len = colon;
  while (name_len > 0 && is_ws(uint8_t(t[name_len - 1]))) --name_len;
  if (name_len != colon) anomaly("http.header_name_whitespace");
  size_t v = colon + 1;
  while (v < t.size() && is_ws(uint8_t(t[v]))) ++v;
  size_t vlen = t.size() - v;
  // Rewrite in place as "Name: value\r\n"; needs at most 3 bytes more than the raw line
  // (kReserve keeps room).
  uint32_t o = line.off;
  Header& h = m.headers[m.header_count++];
  h.name = Span{o, uint32_t(name_len)};
  uint32_t vo = o + uint32_t(name_len) + 2;
  std::memmove(b + vo, b + o + v, vlen);
  b[o + name_len] = ':';
  b[o + name_len + 1] = ' ';
  h.value = Span{vo, uint32_t(vlen)};
  uint32_t w = vo + uint32_t(vlen);
  b[w++] = '\r';
  b[w++] = '\n';
  m.used = w;
  m.header_block.len = m.used - m.header_block.off;
}

// Host (lower case, without port) and the header-names buffer, after the header block.
void HttpParser::derive(Message& m, bool request) noexcept {
  if (request) {
    std::string_view host = m.header("Host");
    if (host.empty() && m.text(m.uri).starts_with("http")) {
      // Absolute-form request target: the authority is the host.
      std::string_view u = m.text(m.uri);
      size_t p = u.find("://");
      if (p != std::string_view::npos) {
        u.remove_prefix(p + 3);
        host = u.substr(0, u.find_first_of("/?#"));
      }
    }
    size_t at = host.rfind('@');
    if (at != std::string_view::npos) host.remove_prefix(at + 1);
    std::string_view name = host;
    if (!host.empty() && host[0] == '[') {
      size_t e = host.find(']');
      name = host.substr(0, e == std::string_view::npos ? host.size() : e + 1);
    } else {
      name = host.substr(0, host.find(':'));
    }
    if (name.size() < host.size() && host[name.size()] == ':') {
      uint64_t port = 0;
      if (parse_u64(host.substr(name.size() + 1), port) && port <= 65535) m.port = int32_t(port);
    }
    if (!name.empty() && grow(m, m.used + name.size())) {
      m.host = Span{m.used, uint32_t(name.size())};
      for (char c : name) m.buf[m.used++] = uint8_t(lower(c));
    }
  }
  uint32_t need = 4;
  for (uint32_t i = 0; i < m.header_count; ++i) need += m.headers[i].name.len + 2;
  if (grow(m, m.used + need)) {
    uint32_t o = m.used;
    uint8_t* b = m.buf;
    b[m.used++] = '\r';
    b[m.used++] = '\n';
    for (uint32_t i = 0; i < m.header_count; ++i) {
      std::memcpy(b + m.used, b + m.headers[i].name.off, m.headers[i].name.len);
      m.used += m.headers[i].name.len;
      b[m.used++] = '\r';
      b[m.used++] = '\n';
    }
    b[m.used++] = '\r';
    b[m.used++] = '\n';
    m.header_names = Span{o, m.used - o};
  }
}

void HttpParser::headers_done(Direction d) noexcept {
  Side& s = side_[idx(d)];
  Message& m = *s.msg;
  bool request = d == Direction::ToServer;
  derive(m, request);
  std::string_view te = m.header("Transfer-Encoding");
  std::string_view cl;
  bool has_cl = m.header("Content-Length", cl);
  if (has_cl) {
    // Several Content-Length headers that disagree: the first is used (request smuggling).
    for (uint32_t i = 0; i < m.header_count; ++i) {
      std::string_view v = m.text(m.headers[i].value);
      if (iequals(m.text(m.headers[i].name), "Content-Length") && v != cl) {
        anomaly(request ? "http.duplicate_content_length_field_in_request"
                        : "http.duplicate_content_length_field_in_response");
        break;
      }
    }
    uint64_t v = 0;
    std::string_view t = cl;
    while (!t.empty() && is_ws(uint8_t(t.back()))) t.remove_suffix(1);
    if (parse_u64(t, v)) {
      m.content_length = v;
      m.has_content_length = true;
    } else {
      anomaly(request ? "http.invalid_content_length_field_in_request"
                      : "http.invalid_content_length_field_in_response");
    }
  }
  bool chunked = !te.empty() && icontains(te, "chunked");
  if (chunked && has_cl) anomaly("http.transfer_encoding_and_content_length");
  if (!te.empty() && !chunked)
    anomaly(request ? "http.invalid_transfer_encoding_value_in_request"
                    : "http.invalid_transfer_encoding_value_in_response");
  if (chunked) m.flags |= flag::kChunked;

  s.chunk_size = 0;
  s.chunk_digits_done = false;
  s.chunk_bad = false;
  s.line_len = 0;
  s.first_chunk = chunked;
  s.chunk_line_len = 0;
  if (request) {
    if (chunked) {
      s.state = State::ChunkSize;
    } else if (m.has_content_length && m.content_length > 0) {
      s.state = State::Body;
      s.remaining = m.content_length;
    } else {
      message_done(d);
      return;
    }
    if (!multipart_begin(m)) open_file(d, m, slots_[req_slot_]->tx_id);
    return;
  }
  const Message* req = paired_request();
  std::string_view method = req ? req->text(req->method) : std::string_view();
  uint16_t st = m.status;
  if (method == "HEAD" || (method == "CONNECT" && st >= 200 && st < 300) || switches(m)) {
    message_done(d);
    return;
  }
  if ((st >= 100 && st < 200) || st == 204 || st == 304) {
    // No body by RFC 9110; one that still announces a body is read as having one when the
    // next byte does not start a status line (what browsers do: HTTP evasions hide a file
    // behind a 100, 304...). Decided in State::MaybeBody.
    if (chunked || (m.has_content_length && m.content_length > 0)) {
      s.state = State::MaybeBody;
      return;
    }
    message_done(d);
    return;
  }
  response_body(d, chunked);
}

// Response headers done, a body follows: decompression, framing, the file.
void HttpParser::response_body(Direction d, bool chunked) noexcept {
  Side& s = side_[idx(d)];
  Message& m = *s.msg;
  s.first_chunk = chunked;
  s.chunk_line_len = 0;
  rsp_body_ = true;
  z_active_ = false;
  std::string_view ce = m.header("Content-Encoding");
  if (!ce.empty()) {
    bool gz = icontains(ce, "gzip");
    bool df = icontains(ce, "deflate");
    if (gz || df) {
      int rc;
      if (!z_inited_) {
        z_.zalloc = zalloc_arena;
        z_.zfree = zfree_arena;
        z_.opaque = &arena_;
        rc = inflateInit2(&z_, -15);
        z_inited_ = rc == Z_OK;
      } else {
        rc = inflateReset2(&z_, -15);
      }
      if (rc == Z_OK) {
        z_active_ = true;
        zh_ = Zh::First;
        zh_bytes_ = 0;
        z_raw_tried_ = false;
        z_pass_ = false;
        zraw_len_ = 0;
        zraw_over_ = false;
        m.flags |= flag::kBodyGzip;
      } else {
        m.flags |= flag::kDecompressError;
      }
    }
  }
  if (chunked) {
    s.state = State::ChunkSize;
  } else if (m.has_content_length) {
    if (m.content_length == 0) {
      message_done(d);
      return;
    }
    s.state = State::Body;
    s.remaining = m.content_length;
  } else {
    s.state = State::UntilClose;
  }
  open_file(d, m, rsp_tx_id_);
}

void HttpParser::open_file(Direction d, Message& m, uint64_t tx_id) noexcept {
  const Message* req = d == Direction::ToServer ? &m : paired_request();
  char cd[kMaxFileName];
  std::string_view name = disposition_filename(m.header("Content-Disposition"), cd, sizeof cd);
  if (name.empty() && req && req->uri.len) {
    name = req->text(req->uri);
    name = name.substr(0, name.find('?'));
  }
  char red[512];  // FHIR: a patient id in the path is PHI (app/redact.h)
  if (req) name = fhir::redact_url(req, d == Direction::ToClient ? &m : nullptr, name, red, sizeof red);
  m.file_id = ctx_->file_open(d, name, tx_id);
}

void HttpParser::close_file(Message& m) noexcept {
  if (!m.file_id) return;
  // The transaction's "http" object goes into the fileinfo event, as Suricata writes it.
  Transaction tx = &m == &rsp_ ? Transaction{paired_request(), &m} : Transaction{&m, nullptr};
  ctx_->file_tx(m.file_id, &tx);
  FileEnd end = FileEnd::Complete;
  if (m.flags & flag::kGap)
    end = FileEnd::Gap;
  else if (m.flags & (flag::kTruncated | flag::kDecompressError | flag::kDecompressBomb))
    end = FileEnd::Truncated;
  ctx_->file_close(m.file_id, end);
  m.file_id = 0;
}

// Inflates the next compressed bytes of the response body; the output goes to decoded() (the
// inspection window and the file) kInflateChunk bytes at a time, so the whole body is decoded
// whatever its size, within the bomb limits. A body that does not inflate from its first byte
// (labelled "gzip" or "deflate" but sent as it is, or raw deflate labelled "gzip") is tried as
// raw deflate, then taken as it is, as browsers do (zraw_ keeps its first bytes for that).
void HttpParser::inflate_body(Message& m, Bytes b) noexcept {
  if (!zout_) zout_ = arena_.alloc_array<uint8_t>(kInflateChunk);
  if (!zraw_) zraw_ = arena_.alloc_array<uint8_t>(kZRaw);
  if (!zout_ || !zraw_) {
    m.flags |= flag::kDecompressError;
    z_active_ = false;
    return;
  }
  int rc = inflate_some(m, b);
  if (rc < 0 && z_.total_out == 0 && !zraw_over_ && !z_raw_tried_ &&
      inflateReset2(&z_, -15) == Z_OK) {
    // Raw deflate (no zlib or gzip header): common for "deflate". From the first byte again.
    z_raw_tried_ = true;
    zh_ = Zh::Done;
    zh_bytes_ = 0;
    rc = inflate_some(m, Bytes(zraw_, zraw_len_));
    if (rc == 0) rc = inflate_some(m, b);
  }
  if (rc < 0 && z_.total_out == 0 && !zraw_over_) {
    // Not compressed at all: the bytes so far and what follows are the body.
    z_active_ = false;
    z_pass_ = true;
    anomaly("http.abnormal_ce_header");
    decoded(Direction::ToClient, m, Bytes(zraw_, zraw_len_));
    decoded(Direction::ToClient, m, b);
    return;
  }
  if (rc < 0) {
    m.flags |= flag::kDecompressError;
    anomaly("http.decompression_failed");
    z_active_ = false;
    return;
  }
  if (rc == 0 && z_active_ && z_.total_out == 0 && !zraw_over_) {
    // No output yet (a gzip header in pieces): keep the bytes for a second try.
    if (zraw_len_ + b.size() <= kZRaw) {
      std::memcpy(zraw_ + zraw_len_, b.data(), b.size());
      zraw_len_ += uint32_t(b.size());
    } else {
      zraw_over_ = true;
    }
  }
}

// Inflates `b` into decoded(): 0 all used, 1 end of the stream (what follows is ignored),
// -1 not a valid stream. Stops at the bomb limits (kDecompressBomb, z_active_ off).
int HttpParser::inflate_some(Message& m, Bytes b) noexcept {
  if (zh_ != Zh::Done) {
    int h = zheader(b);
    if (h <= 0) return h;
  }
  z_.next_in = const_cast<Bytef*>(b.data());
  z_.avail_in = uInt(b.size());
  for (;;) {
    z_.next_out = zout_;
    z_.avail_out = kInflateChunk;
    int rc = inflate(&z_, Z_NO_FLUSH);
    size_t got = kInflateChunk - z_.avail_out;
    if (got) decoded(Direction::ToClient, m, Bytes(zout_, got));
    if (rc == Z_STREAM_END) {
      z_active_ = false;
      return 1;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) return -1;
    uint64_t out = z_.total_out, in = z_.total_in + zh_bytes_;
    if (out > kInflateMax || (out > kBombMinOut && out > in * kBombRatio)) {
      // A decompression bomb (or a body past the bound): nothing more is inflated.
      m.flags |= flag::kDecompressBomb;
      anomaly("http.compression_bomb");
      z_active_ = false;
      return 1;
    }
    if (z_.avail_in == 0 && z_.avail_out != 0) return 0;  // all input used, output drained
    if (got == 0 && rc == Z_BUF_ERROR) return 0;         // no progress possible
  }
}

// The header as zlib reads it with windowBits 15 + 32 (gzip or zlib detected by the first two
// bytes; the same checks, each made once the bytes it needs are in): gzip ID1 ID2 CM FLG MTIME
// XFL OS, then FEXTRA, FNAME, FCOMMENT and FHCRC as FLG says; zlib CMF FLG (and a DICTID, which
// needs a preset dictionary: not a stream this parser can inflate).
int HttpParser::zheader(Bytes& b) noexcept {
  size_t i = 0;
  const size_t n = b.size();
  auto crc = [&](size_t from, size_t to) {
    if ((zh_flg_ & 2) && to > from) zh_crc_ = uint32_t(crc32(zh_crc_, b.data() + from, uInt(to - from)));
  };
  // The next field: a 2-byte little-endian one (XLEN, CRC16) is gathered in zh_hold_.
  auto field = [&](Zh st) {
    zh_ = st;
    zh_need_ = 2;
    zh_hold_ = 0;
  };
  auto le16_byte = [&](uint8_t c) {
    zh_hold_ |= uint32_t(c) << (8 * (2 - zh_need_));
    ++i;
    return --zh_need_ == 0;
  };
  int rc = 0;
  while (i < n && zh_ != Zh::Done && rc == 0) {
    uint8_t c = b[i];
    switch (zh_) {
      case Zh::First:
        zh_first_ = c;
        zh_ = Zh::Second;
        ++i;
        break;
      case Zh::Second:
        ++i;
        if (zh_first_ == 0x1f && c == 0x8b) {
          static const uint8_t kMagic[2] = {0x1f, 0x8b};
          zh_crc_ = uint32_t(crc32(0, kMagic, 2));
          zh_flg_ = 0;
          zh_ = Zh::GzFixed;
          zh_need_ = 8;  // CM FLG MTIME(4) XFL OS
          zh_hold_ = 0;
        } else if ((uint32_t(zh_first_) * 256 + c) % 31 != 0 || (zh_first_ & 0x0f) != 8 ||
                   (zh_first_ >> 4) + 8 > 15) {
          rc = -1;  // header check, compression method, window size
        } else if (c & 0x20) {
          zh_ = Zh::ZlibDict;  // FDICT: DICTID follows, then zlib asks for the dictionary
          zh_need_ = 4;
        } else {
          zh_ = Zh::Done;
        }
        break;
      case Zh::ZlibDict:
        ++i;
        if (--zh_need_ == 0) rc = -1;
        break;
      case Zh::GzFixed: {
        size_t at = 8 - zh_need_;  // 0: CM, 1: FLG
        if (at == 0) zh_hold_ = c;
        if (at == 1) {
          zh_flg_ = c;
          if (zh_hold_ != 8 || (c & 0xe0)) {
            rc = -1;  // unknown compression method, reserved flags
            break;
          }
          // From here the header CRC covers what follows (and the CM/FLG bytes just read).
          uint8_t cmflg[2] = {uint8_t(zh_hold_), c};
          if (c & 2) zh_crc_ = uint32_t(crc32(zh_crc_, cmflg, 2));
          ++i;
          --zh_need_;
          size_t k = std::min<size_t>(n - i, zh_need_);
          crc(i, i + k);
          i += k;
          zh_need_ -= uint32_t(k);
        } else if (at > 1) {
          size_t k = std::min<size_t>(n - i, zh_need_);
          crc(i, i + k);
          i += k;
          zh_need_ -= uint32_t(k);
        } else {
          ++i;
          --zh_need_;
        }
        if (zh_need_ == 0) field(Zh::GzXlen);
        break;
      }
      case Zh::GzXlen:
        if (!(zh_flg_ & 4)) {
          zh_ = Zh::GzName;
          break;
        }
        crc(i, i + 1);
        if (le16_byte(c)) {
          zh_ = Zh::GzExtra;
          zh_need_ = zh_hold_;
        }
        break;
      case Zh::GzExtra: {
        size_t k = std::min<size_t>(n - i, zh_need_);
        crc(i, i + k);
        i += k;
        zh_need_ -= uint32_t(k);
        if (zh_need_ == 0) zh_ = Zh::GzName;
        break;
      }
      case Zh::GzName:
      case Zh::GzComment: {
        bool name = zh_ == Zh::GzName;
        const Zh next = name ? Zh::GzComment : Zh::GzHcrc;
        if (!(zh_flg_ & (name ? 8 : 16))) {
          field(next);
          break;
        }
        const void* z = std::memchr(b.data() + i, 0, n - i);
        size_t e = z ? size_t(static_cast<const uint8_t*>(z) - b.data()) + 1 : n;
        crc(i, e);
        i = e;
        if (z) field(next);
        break;
      }
      case Zh::GzHcrc:
        if (!(zh_flg_ & 2)) {
          zh_ = Zh::Done;
          break;
        }
        if (le16_byte(c)) {
          if (zh_hold_ != (zh_crc_ & 0xffff)) rc = -1;  // header CRC mismatch
          else zh_ = Zh::Done;
        }
        break;
      case Zh::Done:
        break;
    }
  }
  zh_bytes_ += uint32_t(i);
  b = b.subspan(i);
  if (rc < 0) return -1;
  return zh_ == Zh::Done ? 1 : 0;
}

void HttpParser::body(Direction d, Bytes b) noexcept {
  if (b.empty()) return;
  Message& m = *side_[idx(d)].msg;
  m.body_bytes += b.size();
  if (d == Direction::ToClient && (m.flags & flag::kBodyGzip) && !z_pass_) {
    if (z_active_) inflate_body(m, b);
    return;
  }
  decoded(d, m, b);
}

// Body bytes after de-chunking and decompression: to the file and the inspection window.
void HttpParser::decoded(Direction d, Message& m, Bytes b) noexcept {
  if (d == Direction::ToServer && mp_on_)
    multipart(m, b);
  else if (m.file_id)
    ctx_->file_data(m.file_id, b);
  if (m.body_len >= kBodyBytes) {
    m.flags |= flag::kBodyWindowFull;
    return;
  }
  size_t n = std::min<size_t>(b.size(), kBodyBytes - m.body_len);
  if (!grow_body(m, m.body_len + n)) n = m.body_cap - m.body_len;
  if (n) std::memcpy(m.body + m.body_len, b.data(), n);
  m.body_len += uint32_t(n);
  if (n < b.size()) m.flags |= flag::kBodyWindowFull;
  (void)d;
}

bool HttpParser::multipart_begin(Message& m) noexcept {
  mp_on_ = false;
  char b[Multipart::kMaxBoundary];
  size_t n = multipart_boundary(m.header("Content-Type"), b, sizeof b).size();
  if (n == 0) return false;
  if (!mp_) mp_ = arena_.make<Multipart>();
  if (!mp_) return false;
  Multipart& p = *mp_;
  std::memcpy(p.delim, "\r\n--", 4);
  std::memcpy(p.delim + 4, b, n);
  p.len = uint16_t(n + 4);
  // KMP failure table: fail[j] = longest proper prefix of delim[0..j] that is also its suffix.
  p.fail[0] = 0;
  for (uint16_t j = 1, f = 0; j < p.len; ++j) {
    while (f > 0 && p.delim[j] != p.delim[f]) f = p.fail[f - 1];
    if (p.delim[j] == p.delim[f]) ++f;
    p.fail[j] = f;
  }
  p.st = Multipart::St::Preamble;
  p.k = 2;  // the body's first delimiter has no CRLF before it
  p.line_len = p.fname_len = 0;
  mp_on_ = true;
  return true;
}

void HttpParser::part_close(Message& m, FileEnd end) noexcept {
  if (!m.file_id) return;
  Transaction tx{&m, nullptr};
  ctx_->file_tx(m.file_id, &tx);
  ctx_->file_close(m.file_id, end);
  m.file_id = 0;
}

void HttpParser::multipart(Message& m, Bytes b) noexcept {
  using St = Multipart::St;
  Multipart& p = *mp_;
  auto emit = [&](const uint8_t* d, size_t n) {
    if (n && p.st == St::Data && m.file_id) ctx_->file_data(m.file_id, Bytes(d, n));
  };
  size_t i = 0;
  const size_t n = b.size();
  while (i < n) {
    switch (p.st) {
      case St::Preamble:
      case St::Data: {
        size_t run = i;  // data bytes [run, i) not handed on yet; none while k > 0
        bool found = false;
        for (; i < n; ++i) {
          uint8_t c = b[i];
          if (p.k == 0 && c != p.delim[0]) continue;
          while (p.k > 0 && p.delim[p.k] != c) {  // the held bytes that can no longer match
            uint16_t f = p.fail[p.k - 1];
            emit(p.delim, p.k - f);
            p.k = f;
          }
          if (p.delim[p.k] != c) {
            run = i;  // plain data again
            continue;
          }
          emit(b.data() + run, i - run);
          run = i + 1;
          if (++p.k == p.len) {
            found = true;
            ++i;
            break;
          }
        }
        if (!found) {
          emit(b.data() + run, i - run);
          break;
        }
        part_close(m, FileEnd::Complete);
        p.k = 0;
        p.st = St::Delim;
        p.after = 0;
        p.closing = false;
        break;
      }
      case St::Delim: {  // the rest of the delimiter line: "--" ends the body
        uint8_t c = b[i++];
        if (p.after < 2) p.closing = (p.after == 0 ? c == '-' : p.closing && c == '-');
        if (p.after < 255) ++p.after;
        if (p.after == 2 && p.closing) {
          p.st = St::Done;
        } else if (c == '\n') {
          p.st = St::Headers;
          p.line_len = p.fname_len = 0;
        }
        break;
      }
      case St::Headers: {
        uint8_t c = b[i++];
        if (c != '\n') {
          if (p.line_len < Multipart::kLine) p.line[p.line_len++] = char(c);
          break;
        }
        std::string_view line(p.line, p.line_len);
        p.line_len = 0;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) {  // end of the part's headers: its content follows
          p.st = St::Data;
          p.k = 0;
          if (p.fname_len) {
            m.file_id = ctx_->file_open(Direction::ToServer, std::string_view(p.fname, p.fname_len),
                                        slots_[req_slot_]->tx_id);
          }
          break;
        }
        constexpr std::string_view kCd = "content-disposition:";
        if (line.size() > kCd.size() && iequals(line.substr(0, kCd.size()), kCd)) {
          std::string_view name = disposition_filename(line.substr(kCd.size()), p.fname,
                                                       sizeof p.fname);
          p.fname_len = uint16_t(name.size());
        }
        break;
      }
      case St::Done:
        i = n;  // the epilogue
        break;
    }
  }
}

void HttpParser::not_chunked(Direction d) noexcept {
  Side& s = side_[idx(d)];
  Message& m = *s.msg;
  anomaly(d == Direction::ToServer ? "http.invalid_request_chunk_len"
                                   : "http.invalid_response_chunk_len");
  m.flags &= ~flag::kChunked;
  s.first_chunk = false;
  s.chunk_size = 0;
  s.chunk_digits_done = false;
  s.chunk_bad = false;
  s.line_len = 0;
  uint64_t replay = s.chunk_line_len;
  s.chunk_line_len = 0;
  if (m.has_content_length) {
    if (m.content_length <= replay) {
      body(d, Bytes(s.chunk_line, size_t(m.content_length)));
      message_done(d);
      return;
    }
    s.state = State::Body;
    s.remaining = m.content_length - replay;
  } else if (d == Direction::ToClient) {
    s.state = State::UntilClose;
  } else {
    m.flags |= flag::kTruncated;  // a request body needs a length
    message_done(d);
    s.resync = true;
    return;
  }
  body(d, Bytes(s.chunk_line, size_t(replay)));
}

void HttpParser::message_done(Direction d) noexcept {
  Side& s = side_[idx(d)];
  Message& m = *s.msg;
  m.complete = !(m.flags & flag::kTruncated);
  if (d == Direction::ToServer && mp_on_) {
    // A part still open when the body ends lacks its closing delimiter.
    if (!(m.flags & flag::kGap)) part_close(m, FileEnd::Truncated);
    mp_on_ = false;
  }
  close_file(m);
  s.state = State::StartLine;
  s.line_len = 0;
  s.line_cut = false;
  if (d == Direction::ToServer) {
    Slot& slot = *slots_[req_slot_];
    if (m.complete && !slot.answered && g_inspect_requests.load(std::memory_order_relaxed)) {
      // Inspected now (stream.inline), its response side later.
      Transaction tx{&m, nullptr, 1};
      ctx_->on_inspect(&tx, slot.tx_id, Direction::ToServer);
      m.inspected = true;
    }
    slot.parsing = false;
    if (slot.answered) slot.in_use = false;
    req_slot_ = -1;
    s.msg = nullptr;
    // After CONNECT the client waits for the answer; its next bytes may be tunnelled.
    if (m.text(m.method) == "CONNECT") {
      s.state = State::Tunnel;
      connect_wait_ = true;
    }
    return;
  }
  uint16_t st = m.status;
  bool upgrade = switches(m);
  if (st >= 100 && st < 200 && !upgrade && !rsp_body_ && !(m.flags & flag::kTruncated)) {
    // Interim response: the final one follows for the same request.
    m.reset();
    return;
  }
  Message* req = paired_request();
  bool connect = req && req->text(req->method) == "CONNECT";
  emit(req, &m, rsp_tx_id_, Direction::ToClient);
  if (rsp_slot_ >= 0) {
    Slot& slot = *slots_[rsp_slot_];
    slot.answered = true;
    if (!slot.parsing) slot.in_use = false;
  }
  rsp_slot_ = -1;
  s.msg = nullptr;
  z_active_ = false;
  if (connect) connect_wait_ = false;
  if (upgrade || (connect && st >= 200 && st < 300)) {
    side_[0].state = side_[1].state = State::Tunnel;
    // An upgrade to HTTP/2 (h2c) is Suricata's protocol change to http2, refused on a flow
    // that changed protocol already (SMTP STARTTLS answered by HTTP): http.failed_protocol_change.
    // Otherwise the tunnel stays opaque (wardwatch has no HTTP/2 parser).
    if (upgrade && iequals(m.header("Upgrade"), "h2c") && ctx_->protocol_changed())
      anomaly("http.failed_protocol_change");
    // Suricata's protocol change: what the tunnel carries is detected again (TLS, HTTP...).
    if (connect && st < 300) changed_ = ctx_->change_protocol(Proto::Unknown);
  } else if (connect && side_[0].state == State::Tunnel) {
    side_[0].state = State::StartLine;  // CONNECT refused: the client may try again
  }
}

ParseResult HttpParser::parse(Direction d, Bytes data, ParseContext& ctx) noexcept {
  ctx_ = &ctx;
  Side& s = side_[idx(d)];
  size_t pos = 0;
  const size_t n = data.size();
  while (pos < n) {
    switch (s.state) {
      case State::StartLine: {
        if (!s.msg) {
          while (pos < n && (data[pos] == '\r' || data[pos] == '\n')) ++pos;
          if (pos == n) break;
          if (!begin_message(d)) return stop(d, pos);
          if (d == Direction::ToClient && rsp_slot_ >= 0 &&
              slots_[rsp_slot_]->msg.protocol.len == 0 && data[pos] != 'H') {
            // HTTP/0.9: the answer to a simple request is the body alone, until close.
            s.state = State::UntilClose;
            rsp_body_ = true;
            z_active_ = z_pass_ = false;
            open_file(d, *s.msg, rsp_tx_id_);
            break;
          }
        }
        if (!read_line(s, d, data, pos)) break;
        bool cut = s.line_cut;
        Span line = take_line(s);
        if (line.len == 0 && !cut) break;  // blank line before the start line
        if (!start_line(d, line)) {
          if (!s.resync) {
            s.resync = true;
            anomaly(d == Direction::ToServer ? "http.request_line_invalid"
                                             : "http.response_line_invalid");
          }
          if (++s.bad_lines > kMaxBadLines) return stop(d, pos);
          break;  // the line is dropped; the message slot stays for the next line
        }
        s.resync = false;
        s.bad_lines = 0;
        if (d == Direction::ToServer && s.msg->protocol.len == 0 && !cut) {
          // HTTP/0.9 simple request (no headers), unless header lines follow: libhtp then
          // reads them as an HTTP/1.x request without its protocol. The next client byte
          // decides (a blank line, the response or the end of the flow: 0.9).
          s.state = State::Maybe09;
          break;
        }
        s.state = State::Headers;
        break;
      }
      case State::Headers: {
        if (!read_line(s, d, data, pos)) break;
        bool cut = s.line_cut;
        Span line = take_line(s);
        if (line.len == 0 && !cut) {
          headers_done(d);
          break;
        }
        if (cut && (s.msg->flags & flag::kHeadersDropped)) break;
        header_line(d, line);
        break;
      }
      case State::Body:
      case State::ChunkData: {
        size_t take = size_t(std::min<uint64_t>(s.remaining, n - pos));
        body(d, data.subspan(pos, take));
        pos += take;
        s.remaining -= take;
        if (s.remaining == 0) {
          if (s.state == State::Body) {
            message_done(d);
          } else {
            s.state = State::ChunkEnd;
            s.line_nonempty = false;
          }
        }
        break;
      }
      case State::ChunkEnd: {
        if (!skip_line(s, data, pos)) break;
        if (s.line_nonempty) anomaly("http.invalid_chunk_end");
        s.state = State::ChunkSize;
        s.chunk_size = 0;
        s.chunk_digits_done = false;
        s.chunk_bad = false;
        s.line_nonempty = false;
        s.line_len = 0;
        break;
      }
      case State::ChunkSize: {
        bool done = false, plain = false;
        for (; pos < n; ++pos) {
          uint8_t c = data[pos];
          if (c == '\n') {
            ++pos;
            done = true;
            break;
          }
          if (s.chunk_digits_done) continue;  // extensions, CR
          int h = hex::value(c);
          if (h >= 0) {
            if (s.chunk_size >> 56) s.chunk_bad = true;
            s.chunk_size = s.chunk_size * 16 + uint64_t(h);
            ++s.line_len;
          } else if (is_ws(c) && s.line_len == 0) {
            // white space before the size
          } else if (c == ';' || c == '\r' || is_ws(c)) {
            s.chunk_digits_done = true;
          } else {
            s.chunk_bad = true;
            s.chunk_digits_done = true;
            if (s.first_chunk && s.chunk_line_len < sizeof s.chunk_line) {
              plain = true;  // this byte is body: not taken here
              break;
            }
          }
          if (s.first_chunk && s.chunk_line_len < sizeof s.chunk_line)
            s.chunk_line[s.chunk_line_len++] = c;
        }
        if (plain) {
          not_chunked(d);
          break;
        }
        if (!done) break;
        s.first_chunk = false;
        Message& m = *s.msg;
        if (s.chunk_bad || s.line_len == 0) {
          anomaly(d == Direction::ToServer ? "http.invalid_request_chunk_len"
                                           : "http.invalid_response_chunk_len");
          m.flags |= flag::kTruncated;
          message_done(d);
          if (s.state == State::StartLine) s.resync = true;
          break;
        }
        s.line_len = 0;
        s.chunk_digits_done = false;
        if (s.chunk_size == 0) {
          s.state = State::Trailers;
          s.line_nonempty = false;
        } else {
          s.state = State::ChunkData;
          s.remaining = s.chunk_size;
        }
        s.chunk_size = 0;
        break;
      }
      case State::Trailers: {
        if (!skip_line(s, data, pos)) break;
        if (s.line_nonempty) {
          s.line_nonempty = false;
          break;
        }
        message_done(d);
        break;
      }
      case State::MaybeBody: {
        uint8_t c = data[pos];
        if (c == 'H' || c == 'h' || c == '\r' || c == '\n') {
          message_done(d);  // a status line (or blank lines) follows: no body
        } else {
          anomaly("http.response_body_unexpected");
          response_body(d, (s.msg->flags & flag::kChunked) != 0);
        }
        break;
      }
      case State::Maybe09:
        if (data[pos] == '\r' || data[pos] == '\n') {
          message_done(d);  // the blank line is skipped before the next request
        } else {
          anomaly("http.request_line_missing_protocol");  // read as HTTP/1.x (Suricata 8)
          s.state = State::Headers;
        }
        break;
      case State::UntilClose:
        body(d, data.subspan(pos));
        pos = n;
        break;
      case State::Tunnel:
        if (changed_) return {ParseStatus::Ok, pos, 0};  // the app layer takes the rest
        if (d == Direction::ToServer && connect_wait_) return {ParseStatus::Incomplete, pos, 1};
        pos = n;
        break;
    }
  }
  if (udp_) end_side(d);  // the datagram ends whatever message it carried
  return {ParseStatus::Ok, n, 0};
}

void HttpParser::gap(Direction d, uint64_t len, ParseContext& ctx) noexcept {
  ctx_ = &ctx;
  Side& s = side_[idx(d)];
  if (s.state == State::Tunnel) return;
  if (s.msg) {
    s.msg->flags |= flag::kGap;
    close_file(*s.msg);  // the rest of the file is of no use without these bytes
  }
  if (d == Direction::ToServer) mp_on_ = false;  // the parts cannot be followed any more
  if ((s.state == State::Body || s.state == State::ChunkData) && len < s.remaining) {
    s.remaining -= len;  // body bytes lost; the framing still holds
    s.msg->body_bytes += len;
    z_active_ = z_active_ && d == Direction::ToServer;
    return;
  }
  if (s.state == State::UntilClose) {
    s.msg->body_bytes += len;
    if (d == Direction::ToClient) z_active_ = false;
    return;
  }
  // Framing lost: end the message here and look for the next start line.
  if (s.msg && s.state == State::StartLine) {
    s.line_len = 0;  // a partial start line: drop it, keep the slot for the next one
    s.line_cut = false;
  } else if (s.msg) {
    s.msg->flags |= flag::kTruncated;
    s.line_len = 0;
    message_done(d);
  }
  s.state = State::StartLine;
  s.resync = true;
}

void HttpParser::flush_unanswered() noexcept {
  while (q_len_ > 0) {
    int i = queue_[q_head_];
    q_head_ = uint8_t((q_head_ + 1) % kMaxPipeline);
    --q_len_;
    Slot& s = *slots_[i];
    emit(&s.msg, nullptr, s.tx_id, Direction::ToServer);
    s.in_use = false;
  }
}

// No more bytes for the message in progress in direction d: complete it (truncated unless
// delimited by the end of the connection) or drop a start line never finished.
void HttpParser::end_side(Direction d) noexcept {
  Side& s = side_[idx(d)];
  if (s.msg && s.state != State::Tunnel) {
    if (s.state != State::StartLine) {
      if (s.state == State::MaybeBody) rsp_body_ = true;  // no body came: it is the answer
      if (s.state != State::UntilClose && s.state != State::Maybe09 &&
          s.state != State::MaybeBody)
        s.msg->flags |= flag::kTruncated;
      message_done(d);
    } else if (d == Direction::ToClient) {
      // An orphan or interim-only response with nothing more: give its request back.
      if (rsp_slot_ >= 0) {
        q_head_ = uint8_t((q_head_ + kMaxPipeline - 1) % kMaxPipeline);
        queue_[q_head_] = uint8_t(rsp_slot_);
        ++q_len_;
        rsp_slot_ = -1;
      }
      s.msg = nullptr;
    } else {
      // A request cut before its start line ended: not a message.
      Slot& slot = *slots_[req_slot_];
      slot.parsing = false;
      if (rsp_slot_ == req_slot_) {
        slot.answered = true;  // its response will be logged without it
      } else {
        if (q_len_ > 0) --q_len_;  // it was queued last
        slot.in_use = false;
      }
      req_slot_ = -1;
      s.msg = nullptr;
    }
  }
  if (udp_ && s.state != State::Tunnel) {
    s.state = State::StartLine;
    s.line_len = 0;
    s.line_cut = false;
  }
}

void HttpParser::finish(Direction d, ParseContext& ctx) noexcept {
  ctx_ = &ctx;
  Side& s = side_[idx(d)];
  if (s.finished) return;
  end_side(d);
  s.finished = true;
  if (side_[0].finished && side_[1].finished) flush_unanswered();
}

}  // namespace

void set_log_headers(bool request, bool response) noexcept {
  g_log_headers.store(uint8_t((request ? 1 : 0) | (response ? 2 : 0)), std::memory_order_relaxed);
}
void set_inspect_requests(bool on) noexcept {
  g_inspect_requests.store(on, std::memory_order_relaxed);
}
bool log_request_headers() noexcept { return g_log_headers.load(std::memory_order_relaxed) & 1; }
bool log_response_headers() noexcept { return g_log_headers.load(std::memory_order_relaxed) & 2; }

namespace {
ProbeResult probe_response(std::string_view t) noexcept {
  constexpr std::string_view kPrefix = "HTTP/";
  size_t k = std::min(t.size(), kPrefix.size());
  if (t.substr(0, k) != kPrefix.substr(0, k)) return ProbeResult::NoMatch;
  if (t.size() < kPrefix.size() + 1) return ProbeResult::NeedMore;
  return (t[5] >= '0' && t[5] <= '9') ? ProbeResult::Match : ProbeResult::NoMatch;
}
ProbeResult probe_request(std::string_view t) noexcept {
  bool more = false;
  for (std::string_view m : kMethods) {
    if (t.size() > m.size()) {
      if (t.starts_with(m) && (t[m.size()] == ' ' || t[m.size()] == '\t'))
        return ProbeResult::Match;
    } else if (m.starts_with(t)) {
      more = true;
    }
  }
  return more ? ProbeResult::NeedMore : ProbeResult::NoMatch;
}
}  // namespace

ProbeResult probe(Direction d, Bytes first) noexcept {
  std::string_view t = as_sv(first);
  const bool to_client = d == Direction::ToClient;
  ProbeResult r = to_client ? probe_response(t) : probe_request(t);
  if (r != ProbeResult::NoMatch) return r;
  // The other side's message (a response offered as to_server: a midstream pickup).
  r = to_client ? probe_request(t) : probe_response(t);
  return r == ProbeResult::Match ? ProbeResult::MatchReversed : r;
}

namespace {
Parser* create(ParseContext& ctx) noexcept {
  return ctx.arena().make<HttpParser>(ctx.arena(), ctx.flow().proto == ipproto::kUdp);
}
uint8_t inspect_dirs(const void* tx) noexcept {
  return static_cast<const Transaction*>(tx)->dirs;
}
}  // namespace

void log_tx(const void* tx, output::EveWriter& w) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;
bool check(const void* tx, Direction d, std::string_view keyword, std::string_view value) noexcept;

const ParserSpec kSpec = {
    Proto::Http, true, true, {80, 8080, 8000, 3128}, &probe, &create, "http", &log_tx, &buffers,
    /*tx_both_dirs=*/true, Proto::Unknown, nullptr, &check, nullptr, nullptr, &inspect_dirs,
};

}  // namespace ww::app::http
