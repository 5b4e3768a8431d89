// The contract every application-layer parser implements (see DESIGN.md, "Parsers").
//
// A parser is incremental: parse() may be called with one byte at a time and must give the
// same transactions as with the whole message. It is bounded: every buffer it keeps has a
// limit, and going over it is an anomaly plus a counter, never an allocation without a cap.
// It never touches EVE or detection: it reports transactions, files and anomalies to its
// ParseContext; the protocol's events.cpp and keywords.cpp read the transactions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/proto.h"
#include "core/byte_reader.h"
#include "core/types.h"

namespace ww::flow {
struct Flow;
}

namespace ww::app {

enum class ParseStatus : uint8_t {
  Ok,          // consumed what it was given
  Incomplete,  // needs more bytes: `needed` says how many if known
  Error,       // this direction cannot be parsed further; the parser stops for it
};

struct ParseResult {
  ParseStatus status = ParseStatus::Ok;
  size_t consumed = 0;
  size_t needed = 0;
};

// Where a parser reports what it found. Implemented by the app layer of the worker.
class ParseContext {
 public:
  virtual ~ParseContext() = default;
  virtual flow::Flow& flow() noexcept = 0;
  // A transaction (a protocol-specific struct owned by the parser) is complete in direction d.
  virtual void on_transaction(const void* tx, Direction d) noexcept = 0;
  // A protocol anomaly, named "<proto>.<what>" (e.g. "dns.label_too_long").
  virtual void on_anomaly(std::string_view event) noexcept = 0;
};

class Parser {
 public:
  virtual ~Parser() = default;
  virtual ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept = 0;
  // `len` bytes were lost in direction d.
  virtual void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept {}
  // No more data in direction d.
  virtual void finish(Direction d, ParseContext& ctx) noexcept {}
};

enum class ProbeResult : uint8_t { Match, NoMatch, NeedMore };

// One line per protocol in app/registry.cpp.
struct ParserSpec {
  Proto proto;
  bool tcp;
  bool udp;
  uint16_t ports[4];  // hints: probed first, never required
  ProbeResult (*probe)(Direction d, Bytes first_bytes) noexcept;
  Parser* (*create)() noexcept;  // nullptr on memcap
};

}  // namespace ww::app
