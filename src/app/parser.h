// The contract every application-layer parser implements (see DESIGN.md, "Parsers").
//
// A parser is incremental: parse() may be called with one byte at a time and must give the
// same transactions as with the whole message. It is bounded: every buffer it keeps has a
// limit, and going over it is an anomaly plus a counter, never an allocation without a cap.
// It is created in the flow's arena (ParserSpec::create) and lives until the flow ends; any
// buffer it needs beyond its own object comes from that arena too (ctx.arena()), so a flow's
// parser memory is capped by the flow arena's caps and freed at once with the flow.
// It never touches EVE or detection: it reports transactions, files and anomalies to its
// ParseContext. The protocol's events.cpp (EVE) and keywords.cpp (rule buffers) read the
// transactions through the function pointers of its ParserSpec.
//
// Adding a protocol: src/app/<proto>/{parser.h,parser.cpp,events.cpp,keywords.cpp,
// parser_test.cpp,fuzz.cpp}, one enumerator in app/proto.h, one line in app/registry.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "app/expect.h"
#include "app/proto.h"
#include "core/byte_reader.h"
#include "core/types.h"

namespace ww::flow {
struct Flow;
class Arena;
}  // namespace ww::flow
namespace ww::output {
class EveWriter;
}
namespace ww::detect {
class InspectBuffers;
}

namespace ww::app {

enum class ParseStatus : uint8_t {
  Ok,          // consumed what it was given (consumed == data.size())
  Incomplete,  // kept what it could; `needed` says how many more bytes it wants, if known
  Error,       // this direction cannot be parsed further; the parser stops for it
};

struct ParseResult {
  ParseStatus status = ParseStatus::Ok;
  size_t consumed = 0;
  size_t needed = 0;
};

// How a file moved by a protocol ended (for file extraction, issue 7).
enum class FileEnd : uint8_t { Complete, Truncated, Gap };

struct ParserSpec;

// Where a parser reports what it found. Implemented by the app layer of the worker.
class ParseContext {
 public:
  virtual ~ParseContext() = default;
  virtual flow::Flow& flow() noexcept = 0;
  virtual flow::Arena& arena() noexcept = 0;
  // A transaction (the protocol's own struct, owned by the parser) is complete. The app layer
  // runs detection on it and logs it before returning; after that the parser may reuse it.
  // `tx_id` counts transactions of the flow from 0 (Suricata's tx_id).
  virtual void on_transaction(const void* tx, uint64_t tx_id, Direction d) noexcept = 0;
  // Detection only (no EVE) of direction d of a transaction whose other direction is not done
  // yet (a DCE/RPC request before its response); its on_transaction comes later.
  virtual void on_inspect(const void* tx, uint64_t tx_id, Direction d) noexcept {}
  // A protocol anomaly, named "<proto>.<what>" (e.g. "dns.label_too_long"): a static string.
  virtual void on_anomaly(const char* event) noexcept = 0;
  // An anomaly of transaction tx_id (direction d's message): its event names the transaction
  // and the message's sender as src (Suricata's DNS anomalies).
  virtual void on_tx_anomaly(const char* event, uint64_t tx_id, Direction d) noexcept {
    on_anomaly(event);
  }
  // An anomaly raised inside transaction tx_id (a MIME part of an SMTP message): as
  // on_anomaly, and its event names the transaction (Suricata's tx-bound events).
  virtual void on_anomaly_in_tx(const char* event, uint64_t tx_id) noexcept { on_anomaly(event); }
  // Files moved by the protocol (bodies, attachments, SMB reads/writes, DICOM objects).
  // file_open returns an id (0 = not tracked: stop sending data for it).
  virtual uint32_t file_open(Direction d, std::string_view name, uint64_t tx_id) noexcept {
    return 0;
  }
  virtual void file_data(uint32_t file_id, Bytes data) noexcept {}
  virtual void file_close(uint32_t file_id, FileEnd end) noexcept {}
  // The transaction a file belongs to (the protocol's struct, as on_transaction), before
  // file_close: its EVE object goes into the file's fileinfo event (Suricata's "http" object).
  virtual void file_tx(uint32_t file_id, const void* tx) noexcept {}
  // The connection changes protocol after the message just parsed (SMTP STARTTLS answered
  // 220, FTP AUTH TLS answered 234, HTTP CONNECT answered 2xx): the app layer finishes this
  // parser (its pending transactions are reported), detects the protocol again on the bytes
  // that follow in both directions (`expected` probed first; Proto::Unknown: no preference)
  // and feeds the new parser from there (Suricata's protocol change/upgrade).
  // On true the parser returns from parse() at once, `consumed` = the end of the message that
  // triggered the change; the rest of that chunk and the bytes of the other direction it has
  // not consumed (a parser waiting for the answer holds them with Incomplete) go to detection.
  // False: no change (a flow changes protocol at most once, or no app layer): go on as before.
  virtual bool change_protocol(Proto expected) noexcept { return false; }
  // The flow changed protocol already (or asked to): change_protocol would refuse.
  virtual bool protocol_changed() const noexcept { return false; }
  // Announces a connection this protocol will open (the FTP data channel, app/expect.h): a
  // flow client -> server:port whose first bytes come before the entry expires gets the
  // parser of e.proto without probing. False when no table takes it.
  virtual bool expect(const Expectation& e) noexcept { return false; }
  // Inside ParserSpec::create for a flow found by an expectation: the entry (with what the
  // announcing parser handed over); nullptr otherwise.
  virtual const Expectation* expectation() noexcept { return nullptr; }
  // A transaction of a protocol carried inside this one (ParserSpec::derive, e.g. FHIR in
  // HTTP): detected and logged like on_transaction, under `spec`, before returning.
  virtual void on_derived_transaction(const ParserSpec& spec, const void* tx, uint64_t tx_id,
                                      Direction d) noexcept {}
};

class Parser {
 public:
  virtual ~Parser() = default;
  virtual ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept = 0;
  // `len` bytes were lost in direction d.
  virtual void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept {}
  // No more data in direction d: complete or abandon pending transactions.
  virtual void finish(Direction d, ParseContext& ctx) noexcept {}
};

// MatchReversed: the protocol's, but a message of the other side (a response offered as
// to_server): on a flow picked up midstream the app layer reverses the flow's roles, anywhere
// else it counts as NoMatch.
enum class ProbeResult : uint8_t { Match, NoMatch, NeedMore, MatchReversed };

// One line per protocol in app/registry.cpp.
struct ParserSpec {
  Proto proto;
  bool tcp;
  bool udp;
  uint16_t ports[4];  // hints: probed first, never required (0 = unused)
  // Looks at the first bytes of a direction; NeedMore while it cannot tell yet.
  ProbeResult (*probe)(Direction d, Bytes first_bytes) noexcept;
  // Builds the parser in the flow arena (ctx.arena().make<...>()); nullptr at a memcap.
  Parser* (*create)(ParseContext& ctx) noexcept;
  // events.cpp: writes the body of the protocol's EVE object for one transaction (the app
  // layer has already opened the event and the "<event_type>" key; this writes an object).
  const char* event_type;  // "http", "dns", "hl7" ...
  void (*log_tx)(const void* tx, output::EveWriter& w) noexcept;
  // keywords.cpp: the rule buffers this transaction exposes (detect/buffers.h ids).
  void (*buffers)(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;
  // True when one transaction holds both directions (an HTTP request and its response,
  // reported once when the response completes): detection then inspects it to_server and
  // to_client. False (the default) when each direction's message is its own report (DNS).
  bool tx_both_dirs = false;
  // A protocol carried in another protocol's transactions (FHIR is REST over HTTP) has no
  // probe and no parser: `derive` is called with each transaction of `parent`, after that
  // transaction was detected and logged, and reports its own transactions (if any) through
  // ParseContext::on_derived_transaction with its own spec (event_type, log_tx, buffers).
  Proto parent = Proto::Unknown;
  void (*derive)(const void* parent_tx, uint64_t tx_id, Direction d,
                 ParseContext& ctx) noexcept = nullptr;
  // Rule keywords that test a transaction's values rather than a buffer (dcerpc.iface,
  // dcerpc.opnum): true when `keyword` with argument `value` (as written in the rule) matches
  // tx in direction d; nullptr or false for keywords the protocol does not know.
  bool (*check)(const void* tx, Direction d, std::string_view keyword,
                std::string_view value) noexcept = nullptr;
  // The object alerts carry when it differs from the event's (Suricata 8 alerts carry DNS in
  // its version 3 format whatever the dns event's version); nullptr: log_tx.
  void (*log_alert)(const void* tx, output::EveWriter& w) noexcept = nullptr;
  // True when the event of direction d's transaction names that direction's sender as src
  // (DNS version 3 responses); nullptr or false: the flow's direction, as every event.
  bool (*log_reversed)(const void* tx, Direction d) noexcept = nullptr;
  // tx_both_dirs: the directions detection inspects tx in now, as bits 1 << int(Direction)
  // (an HTTP request inspected through ParseContext::on_inspect is not inspected again when
  // its response completes); nullptr: both.
  uint8_t (*inspect_dirs)(const void* tx) noexcept = nullptr;
  // Ports (either end) where the protocol is never probed: another protocol there shares its
  // format (LLMNR, RFC 4795, on 5355 is not DNS; Suricata does not log it as DNS). 0 = unused.
  uint16_t not_ports[2] = {};
  // Acked delivery (stream.app-delivery: acked): bytes are handed over at the ACK that
  // acknowledges them instead of with the next packet of their own direction. FTP: a command
  // announcing a data connection must be parsed before that connection's first bytes.
  bool deliver_at_ack = false;
};

// All registered parsers (app/registry.cpp).
std::span<const ParserSpec* const> parser_specs() noexcept;
const ParserSpec* parser_spec(Proto p) noexcept;

}  // namespace ww::app
