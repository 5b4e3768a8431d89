// output: Suricata-compatible EVE JSON, one object per line, written to sinks.
//
// Each worker owns an EveWriter: events are serialised with JsonWriter (json_writer.h) into the
// writer's own buffer (no shared state on the packet path) and handed to the sinks in chunks of
// whole lines, so lines from different workers never interleave. Sinks serialise chunk writes
// with a mutex that is taken once per chunk (64 KiB), not per event.
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

#include "core/config.h"
#include "core/hex.h"
#include "core/result.h"
#include "core/stats.h"
#include "core/types.h"
#include "output/json_writer.h"

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

// Per-thread event builder. Usage:
//   auto& w = writer.begin(ts, "flow");  ... w.Key("flow"); w.StartObject(); ...
//   writer.end();
class EveWriter {
 public:
  using Json = JsonWriter;
  static constexpr size_t kChunk = 64 * 1024;

  explicit EveWriter(EveOutput* out) : out_(out) {}
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
    json_.append(line);
    ++events_;
    if (json_.size() >= kChunk) flush();
  }
  uint64_t events() const { return events_; }
  // The lines buffered so far (tests).
  std::string_view pending() const { return json_.text(); }

  // The writer of the event being built (between begin() and end()).
  Json& begin_raw() { return json_; }
  // Members that repeat from event to event (a flow's header, DNS flag members) are written
  // once and their text appended later. capture_members() runs `write`, which adds members to
  // the open object, and returns the text it wrote when the object had members before it (the
  // text then starts with its comma, so append_members() can repeat it there), else empty.
  template <typename Write>
  std::string_view capture_members(Write&& write) {
    const size_t from = json_.size();
    const bool after_members = json_.has_members();
    write();
    return after_members ? json_.text().substr(from) : std::string_view();
  }
  bool has_members() const { return json_.has_members(); }
  void append_members(std::string_view text) { json_.append_members(text); }

  // Helpers for common fields.
  // (Keys as string_view: a literal's length is a constant where these are inlined.)
  WW_JSON_INLINE void kv(std::string_view k, std::string_view v) {
    json_.Key(k);
    json_.String(v);
  }
  WW_JSON_INLINE void kv(std::string_view k, uint64_t v) {
    json_.Key(k);
    json_.Uint64(v);
  }
  WW_JSON_INLINE void kv_bool(std::string_view k, bool v) {
    json_.Key(k);
    json_.Bool(v);
  }
  // "k": base64 of `v` (standard alphabet, padded). No allocation once the scratch is warm.
  void kv_base64(std::string_view k, Bytes v);
  // "k": `v` with every byte that is not printable ASCII (nor \n, \r) as '.', as Suricata's
  // payload_printable.
  void kv_printable(std::string_view k, Bytes v);
  // Scratch text for one field, reused (no allocation once warm); clobbered by kv_base64 and
  // kv_printable.
  std::string& scratch() { return scratch_; }

 private:
  EveOutput* out_;
  Json json_;  // and the buffer of whole lines not yet handed to the sinks
  uint64_t events_ = 0;
  std::string scratch_;
};

// Lowercase hex of `v`, at least `min_digits` digits (printf's "%0<min_digits>x", at most 16):
// writes no NUL; returns the length. Without printf: EVE writes several on every event.
size_t format_hex(uint64_t v, unsigned min_digits, char* out) noexcept;

// Community ID v1 of a 5-tuple ("1:" + base64 of the SHA-1), as Suricata's community_id:
// the endpoints are ordered (smaller address/port first) so both directions give one id.
// ICMP flows hash with ports 0 (the spec's type/code mapping is not done yet). Returns the
// length written into `out`.
size_t community_id(const IpAddr& src, const IpAddr& dst, uint16_t sp, uint16_t dp,
                    uint8_t proto, uint16_t seed, char (&out)[64]) noexcept;

}  // namespace ww::output
