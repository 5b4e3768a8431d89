// app/http: HTTP/1.0 and HTTP/1.1 (RFC 9112), incremental in both directions.
//
// What it does: request and status lines, headers (obs-fold joined), Content-Length, chunked
// transfer coding (trailers skipped), bodies until close, pipelining (requests queue until
// their response), request/response pairing into one Transaction, 1xx interim responses,
// CONNECT and Upgrade (101: both directions become an opaque tunnel), gzip/deflate response
// decompression with zlib (the whole body, for the file tracker; a body labelled compressed that
// is not is taken as it is), URI normalisation (percent-decoding,
// dot segments) with flags and anomalies.
//
// Invariants: every byte is consumed (parse() returns Ok, or Error after kMaxBadLines lines that
// are not a start line); all memory comes from the flow arena and is reused from message to
// message (request slots, the response message, zlib's state); message text and body buffers
// start small and double up to their limit (an outgrown buffer stays in the arena until the
// flow ends, so a flow's HTTP memory is at most about twice its limits).
// Limits (each overrun is an anomaly and the data is dropped, never grown):
//   kMaxLine bytes per start/header line, kMaxHeaders headers and kHeaderBytes of stored
//   header text per message, kBodyBytes of (decoded) body kept per message for inspection,
//   kMaxPipeline requests waiting for a response (the oldest is logged without response).
#pragma once

#include <cstdint>
#include <string_view>

#include "app/parser.h"

namespace ww::app::http {

inline constexpr uint32_t kMaxLine = 4096;
inline constexpr uint32_t kMaxHeaders = 64;
inline constexpr uint32_t kHeaderBytes = 8192;
inline constexpr uint32_t kBodyBytes = 4096;
inline constexpr uint32_t kMaxPipeline = 4;
// Decompression (gzip/deflate response bodies, inflated whole for the file tracker, the first
// kBodyBytes kept for inspection): a response is flagged as a decompression bomb (and inflated
// no further) once its output passes kBombMinOut bytes at more than kBombRatio times the
// compressed bytes, or passes kInflateMax bytes.
inline constexpr uint32_t kBombRatio = 500;
inline constexpr uint64_t kBombMinOut = 1u << 20;
inline constexpr uint64_t kInflateMax = 256ull << 20;
inline constexpr uint32_t kInflateChunk = 8192;  // inflate output per step
inline constexpr uint32_t kZRaw = 512;           // compressed bytes kept to retry raw deflate

// Byte range inside Message::buf.
struct Span {
  uint32_t off = 0, len = 0;
};
struct Header {
  Span name, value;
};

// Message::flags
namespace flag {
inline constexpr uint32_t kUriPercentDecoded = 1;  // the URI had %XX escapes
inline constexpr uint32_t kUriInvalidEncoding = 2; // a % not followed by two hex digits
inline constexpr uint32_t kUriDoubleEncoding = 4;  // %25XX: decoding once leaves an escape
inline constexpr uint32_t kUriDotSegments = 8;     // ./ or ../ segments removed
inline constexpr uint32_t kUriAboveRoot = 16;      // ../ climbing above the root
inline constexpr uint32_t kTruncated = 32;         // ended before it was complete
inline constexpr uint32_t kHeadersDropped = 64;    // a header over a limit was not kept
inline constexpr uint32_t kBodyGzip = 128;         // body decompressed (gzip or deflate)
inline constexpr uint32_t kDecompressError = 256;
inline constexpr uint32_t kDecompressBomb = 512;
inline constexpr uint32_t kChunked = 1024;
inline constexpr uint32_t kGap = 2048;             // bytes of this message were lost
inline constexpr uint32_t kBodyWindowFull = 4096;  // the decoded body outgrew the window
}  // namespace flag

// One request or response. Text lives in `buf` (kHeaderBytes): the start line followed by
// "\r\n", the header block as "Name: value\r\n" lines (trailing white space removed, folded
// lines joined), then derived buffers (normalised URI, lower-case host, header names).
struct Message {
  uint8_t* buf = nullptr;    // grows by doubling (1 KiB .. kHeaderBytes) as lines need it
  uint32_t cap = 0;
  uint32_t used = 0;
  Span start_line;           // without CRLF
  Span method, uri, protocol;  // request line
  Span status_text, reason;    // status line ("200", "OK"); protocol above
  Span header_block;         // all "Name: value\r\n" lines
  Span header_names;         // "\r\nName\r\n...\r\n\r\n" (Suricata's http.header_names)
  Span uri_norm;             // request: normalised URI
  Span host;                 // request: Host header value, lower case, without port
  Header headers[kMaxHeaders];
  uint32_t header_count = 0;
  uint8_t* body = nullptr;   // body kept for inspection (decompressed), up to kBodyBytes
  uint32_t body_cap = 0;
  uint32_t body_len = 0;
  uint64_t body_bytes = 0;   // body bytes on the wire after de-chunking
  uint64_t content_length = 0;
  uint32_t flags = 0;
  uint16_t status = 0;       // response status code
  int32_t port = -1;         // request: port from the Host header, -1 when none
  uint32_t file_id = 0;      // body handed to file tracking (ParseContext::file_open)
  bool has_content_length = false;
  bool complete = false;
  bool inspected = false;    // request: inspected to server once complete (on_inspect)
  // What app/fhir found of this message, filled on its first use (fhir::redact_url, analyse):
  // the request's URL and media types and the response's media type are read once per
  // transaction. Only the flow's worker touches a message, so a const one may fill it.
  mutable uint8_t fhir_seen = 0;

  std::string_view text(Span s) const noexcept {
    return {reinterpret_cast<const char*>(buf) + s.off, s.len};
  }
  // First header with this name (case-insensitive); empty when absent.
  bool header(std::string_view name, std::string_view& value) const noexcept;
  std::string_view header(std::string_view name) const noexcept {
    std::string_view v;
    header(name, v);
    return v;
  }
  void reset() noexcept;
};

// What on_transaction receives: a request and its response (either may be null: a request
// the flow ended before answering, or a response picked up without its request).
// A complete request is inspected to server at once (ParseContext::on_inspect, dirs: to
// server only, as Suricata); its on_transaction then inspects the response side only.
struct Transaction {
  const Message* request = nullptr;
  const Message* response = nullptr;
  uint8_t dirs = 3;  // the directions to inspect now (ParserSpec::inspect_dirs)
};

// Request headers and response headers arrays in EVE (off by default, as in Suricata's
// dump-all-headers: request, response or both). Process-wide.
void set_log_headers(bool request, bool response) noexcept;
inline void set_log_headers(bool on) noexcept { set_log_headers(on, on); }
bool log_request_headers() noexcept;
// A complete request inspected to server at once (ParseContext::on_inspect) rather than with
// its response: stream.inline, as Suricata inline. Off by default. Process-wide.
void set_inspect_requests(bool on) noexcept;
bool log_response_headers() noexcept;

// The file name a Content-Disposition value gives (filename, else filename*), written into
// `out` (cut at `cap` bytes); empty when it has none.
inline constexpr uint32_t kMaxFileName = 512;
std::string_view disposition_filename(std::string_view value, char* out, size_t cap) noexcept;
// The boundary of a multipart/* Content-Type value, unquoted into `out`; empty when it is not
// multipart or has none.
std::string_view multipart_boundary(std::string_view content_type, char* out, size_t cap) noexcept;

// Probes (exposed for tests).
ProbeResult probe(Direction d, Bytes first) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::http
