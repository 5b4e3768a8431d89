// output: Suricata-compatible EVE JSON, one object per line, written to sinks.
//
// Each worker owns an EveWriter: events are serialised with RapidJSON into the writer's own
// buffer (no shared state on the packet path) and handed to the sinks in chunks of whole lines,
// so lines from different workers never interleave. Sinks serialise chunk writes with a mutex
// that is taken once per chunk (64 KiB), not per event.
// Limits: a sink that cannot write counts what it dropped (output.<sink>.dropped_bytes); the
// file sink reports errors once and keeps trying.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/config.h"
#include "core/result.h"
#include "core/stats.h"
#include "core/types.h"

namespace ww::output {

class Sink {
 public:
  virtual ~Sink() = default;
  // Writes whole lines (each ending in '\n').
  virtual void write(std::string_view lines) noexcept = 0;
  virtual void flush() noexcept {}
  // SIGHUP: close and reopen (log rotation by an external tool).
  virtual void reopen() noexcept {}
};

// A file in the log directory, with rotation by size and/or wall-time interval:
// eve.json -> eve.json.1 -> ... -> eve.json.N (oldest removed).
class FileSink final : public Sink {
 public:
  static Result<std::unique_ptr<FileSink>> open(std::string path, const EveOutputConfig& cfg,
                                                StatsBlock& stats);
  ~FileSink() override;
  void write(std::string_view lines) noexcept override;
  void flush() noexcept override;
  void reopen() noexcept override;
  const std::string& path() const { return path_; }

 private:
  FileSink(std::string path, const EveOutputConfig& cfg, StatsBlock& stats);
  bool open_locked() noexcept;
  void rotate_locked() noexcept;
  std::mutex mu_;
  std::string path_;
  EveOutputConfig cfg_;
  int fd_ = -1;
  uint64_t size_ = 0;
  int64_t opened_at_ = 0;
  bool reported_error_ = false;
  Counter& written_;
  Counter& dropped_;
  Counter& rotations_;
};

// A unix stream socket (e.g. a local collector). Reconnects at most once a second while down;
// what cannot be sent meanwhile is counted, never blocks the packet path for long.
class UnixSocketSink final : public Sink {
 public:
  UnixSocketSink(std::string path, StatsBlock& stats);
  ~UnixSocketSink() override;
  void write(std::string_view lines) noexcept override;

 private:
  bool connect_locked() noexcept;
  std::mutex mu_;
  std::string path_;
  int fd_ = -1;
  int64_t last_attempt_ = 0;
  Counter& written_;
  Counter& dropped_;
};

// The set of sinks plus which event types are enabled.
class EveOutput {
 public:
  explicit EveOutput(EveOutputConfig cfg) : cfg_(std::move(cfg)) {}
  void add_sink(std::unique_ptr<Sink> s) { sinks_.push_back(std::move(s)); }
  bool enabled(std::string_view type) const { return cfg_.has_type(type); }
  void write(std::string_view lines) noexcept {
    for (auto& s : sinks_) s->write(lines);
  }
  void flush() noexcept {
    for (auto& s : sinks_) s->flush();
  }
  void reopen() noexcept {
    for (auto& s : sinks_) s->reopen();
  }
  const EveOutputConfig& config() const { return cfg_; }

 private:
  EveOutputConfig cfg_;
  std::vector<std::unique_ptr<Sink>> sinks_;
};

// Plain-text check and copy of short JSON strings, inline: most keys and values are 3 to 16
// bytes of ASCII, written several dozen times an event.
// (GCC's -Warray-bounds sees the word loads of the longer cases inlined where the caller's
// buffer is shorter: those branches do not run for it.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
namespace json_text {
constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
inline uint64_t load8(const char* p) noexcept {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}
inline uint32_t load4(const char* p) noexcept {
  uint32_t x;
  std::memcpy(&x, p, 4);
  return x;
}
// Non-zero when one of the 8 bytes of `x` is below 0x20, above 0x7F, '"' or '\\'.
inline uint64_t needs_escape(uint64_t x) noexcept {
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  return (x & kHigh) | ((x - 0x20 * kOnes) & ~x & kHigh) | has_zero(x ^ ('"' * kOnes)) |
         has_zero(x ^ ('\\' * kOnes));
}
// memcpy without a call for up to 16 bytes.
inline void copy_short(char* d, const char* s, size_t n) noexcept {
  if (n >= 8 && n <= 16) {
    uint64_t a = load8(s), b = load8(s + n - 8);
    std::memcpy(d, &a, 8);
    std::memcpy(d + n - 8, &b, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t a = load4(s), b = load4(s + n - 4);
    std::memcpy(d, &a, 4);
    std::memcpy(d + n - 4, &b, 4);
  } else if (n > 0 && n < 4) {
    d[0] = s[0];
    d[n / 2] = s[n / 2];
    d[n - 1] = s[n - 1];
  } else if (n > 16) {
    std::memcpy(d, s, n);
  }
}
}  // namespace json_text

bool plain_json_long(const char* s, size_t n) noexcept;  // plain_json_text of over 16 bytes

// True when every byte of `s` is printable ASCII (0x20..0x7F) other than '"' and '\\': JSON
// text as it is, without escapes.
inline bool plain_json_text(const char* s, size_t n) noexcept {
  using namespace json_text;
  if (n > 16) return plain_json_long(s, n);
  uint64_t x;
  if (n >= 8) {
    x = needs_escape(load8(s)) | needs_escape(load8(s + n - 8));
    return x == 0;
  }
  if (n >= 4) {
    x = load4(s) | uint64_t(load4(s + n - 4)) << 32;
  } else {
    x = 'a' * kOnes;  // 0 to 3 bytes, padded with a plain one
    if (n > 0)
      x = (x & ~uint64_t(0xFFFFFF)) | uint8_t(s[0]) | uint64_t(uint8_t(s[n / 2])) << 8 |
          uint64_t(uint8_t(s[n - 1])) << 16;
  }
  return !needs_escape(x);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// The JSON writer every event goes through. Protocol fields are bytes off the wire, not text:
// String() keeps valid UTF-8 as it is and writes every byte that is not part of a valid UTF-8
// sequence as the character of the same value (U+0080..U+00FF, as Suricata does), so every line
// is valid JSON whatever the traffic held. The scratch buffer is reused: no allocation once warm.
class SafeJsonWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  using Base = rapidjson::Writer<rapidjson::StringBuffer>;
  using Base::Base;
  bool String(const char* s, rapidjson::SizeType len, bool copy = false) {
    // Most values (addresses, names, numbers as text) are plain ASCII: copied as they are.
    if (plain_json_text(s, len)) {
      put_plain(s, len);
      return true;
    }
    return string_slow(s, len, copy);
  }
  bool String(const char* s) { return String(s, static_cast<rapidjson::SizeType>(std::strlen(s))); }
  bool String(std::string_view s) { return String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
  // Keys are written as RapidJSON writes them (escaped, bytes kept); names that need no
  // escaping (all of the literal ones) are copied as they are.
  bool Key(const char* s, rapidjson::SizeType len, bool copy = false) {
    if (!plain_json_text(s, len)) return Base::Key(s, len, copy);
    put_plain(s, len);
    return true;
  }
  bool Key(const char* s) { return Key(s, static_cast<rapidjson::SizeType>(std::strlen(s))); }

  // Members of the innermost open object (or array elements) so far.
  size_t members() {
    return level_stack_.GetSize() ? level_stack_.template Top<Level>()->valueCount / 2 : 0;
  }
  // Appends `n` complete members to the innermost open object, which has members already:
  // `text` is what writing them wrote before (each member with its leading comma).
  void append_members(std::string_view text, size_t n) {
    std::memcpy(os_->Push(text.size()), text.data(), text.size());
    level_stack_.template Top<Level>()->valueCount += 2 * n;
  }

 private:
  // Prefix (comma/colon) and `"s"` for text that plain_json_text() accepted.
  void put_plain(const char* s, size_t n) {
    Prefix(rapidjson::kStringType);
    char* p = os_->Push(n + 2);
    p[0] = '"';
    json_text::copy_short(p + 1, s, n);
    p[n + 1] = '"';
  }
  // String() of text that needs escapes or is not ASCII.
  bool string_slow(const char* s, rapidjson::SizeType len, bool copy);
  std::string scratch_;
};
// True when `s` is valid UTF-8 (exposed for tests).
bool valid_utf8(std::string_view s) noexcept;

// Per-thread event builder. Usage:
//   auto& w = writer.begin(ts, "flow");  ... w.Key("flow"); w.StartObject(); ...
//   writer.end();
class EveWriter {
 public:
  using Json = SafeJsonWriter;
  static constexpr size_t kChunk = 64 * 1024;

  explicit EveWriter(EveOutput* out) : out_(out), json_(buf_) {}
  ~EveWriter() { flush(); }
  EveWriter(const EveWriter&) = delete;
  EveWriter& operator=(const EveWriter&) = delete;

  bool enabled(std::string_view type) const { return out_ && out_->enabled(type); }
  // The output's configuration (event options); nullptr without an output (tests).
  const EveOutputConfig* config() const { return out_ ? &out_->config() : nullptr; }
  // Opens an event object with "timestamp" and "event_type"; the caller adds the rest.
  Json& begin(Timestamp ts, std::string_view event_type);
  // Closes the event and appends the newline; hands a full chunk to the sinks.
  void end();
  void flush();
  // Appends one complete event line (ending in '\n') built by another writer (the Detector's
  // per-packet alert queue).
  void write_line(std::string_view line) {
    std::memcpy(buf_.Push(line.size()), line.data(), line.size());
    ++events_;
    if (buf_.GetSize() >= kChunk) flush();
  }
  uint64_t events() const { return events_; }
  // The lines buffered so far (tests).
  std::string_view pending() const { return {buf_.GetString(), buf_.GetSize()}; }

  // The writer of the event being built (between begin() and end()).
  Json& begin_raw() { return json_; }
  // For caching members that are the same in every event of a flow: size() before writing
  // them, since() after, the count from members() before and after; append_members() later.
  size_t size() const { return buf_.GetSize(); }
  std::string_view since(size_t from) const {
    return {buf_.GetString() + from, buf_.GetSize() - from};
  }
  size_t members() { return json_.members(); }
  void append_members(std::string_view text, size_t n) { json_.append_members(text, n); }

  // Helpers for common fields.
  void kv(const char* k, std::string_view v) {
    json_.Key(k);
    json_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  void kv(const char* k, uint64_t v) {
    json_.Key(k);
    json_.Uint64(v);
  }
  void kv_bool(const char* k, bool v) {
    json_.Key(k);
    json_.Bool(v);
  }
  // "k": base64 of `v` (standard alphabet, padded). No allocation once the scratch is warm.
  void kv_base64(const char* k, Bytes v);
  // "k": `v` with every byte that is not printable ASCII (nor \n, \r) as '.', as Suricata's
  // payload_printable.
  void kv_printable(const char* k, Bytes v);
  // Scratch text for one field, reused (no allocation once warm); clobbered by kv_base64 and
  // kv_printable.
  std::string& scratch() { return scratch_; }

 private:
  EveOutput* out_;
  rapidjson::StringBuffer buf_;
  Json json_;
  uint64_t events_ = 0;
  std::string scratch_;
};

// Lowercase hex of `v`, at least `min_digits` digits (printf's "%0<min_digits>x", at most 16):
// writes no NUL; returns the length. Without printf: EVE writes several on every event.
size_t format_hex(uint64_t v, unsigned min_digits, char* out) noexcept;
// The two lowercase hex digits of a byte.
inline void hex_byte(uint8_t v, char* out) noexcept {
  constexpr char kDigits[] = "0123456789abcdef";
  out[0] = kDigits[v >> 4];
  out[1] = kDigits[v & 15];
}

// Community ID v1 of a 5-tuple ("1:" + base64 of the SHA-1), as Suricata's community_id:
// the endpoints are ordered (smaller address/port first) so both directions give one id.
// ICMP flows hash with ports 0 (the spec's type/code mapping is not done yet). Returns the
// length written into `out`.
size_t community_id(const IpAddr& src, const IpAddr& dst, uint16_t sp, uint16_t dp,
                    uint8_t proto, uint16_t seed, char (&out)[64]) noexcept;

}  // namespace ww::output
