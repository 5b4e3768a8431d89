// app/fhir: FHIR REST (R4/R5) recognised in HTTP transactions.
//
// FHIR has no wire format of its own: it is REST over HTTP. So there is no FHIR parser and no
// probe; this folder's ParserSpec derives a FHIR transaction from each HTTP transaction that is
// FHIR (ParserSpec::derive, called by the app layer after the HTTP transaction was detected and
// logged), and the app layer detects and logs it as its own `fhir` transaction (same tx_id).
//
// Recognised by content, never by port: a FHIR media type (application/fhir+json|xml, or the
// DSTU2 application/json+fhir|xml+fhir) in the request Content-Type or Accept or the response
// Content-Type; or a URL path with a FHIR base segment (".../fhir", "baseR4" ...) followed by a
// resource type, `metadata`, `_history` or an `$operation`; or a `$export` operation on any
// path; or `_format=json|xml|...fhir...` with a resource type segment.
//
// Extracted: resource type, logical id, version id, compartment, interaction (read, vread,
// search, create, update, patch, delete, history, capabilities, batch, transaction, or the
// operation's own name such as `$export`), level (system/type/instance), search parameter names
// (values only with redaction off: they can be PHI), response status, and from the JSON bodies
// the HTTP parser kept (request and response): resourceType, Bundle type, total, entry count
// and the resource types of the entries. XML bodies give their root element only.
//
// Invariants: no allocation (the transaction lives on the stack of derive(); the JSON is
// parsed in place in a per-thread copy of the kept body, with a fixed per-thread stack for the
// parser); nothing of the HTTP transaction is kept after derive() returns.
// Limits: the HTTP parser's kBodyBytes of body per message (beyond it the counts are partial:
// `complete:false` and the anomaly fhir.body_truncated), kTextCap bytes per text field,
// kMaxParams search parameters and kParamBytes of their text, kMaxEntryTypes entry types.
// PHI: ids of patient resources (Patient, Person, RelatedPerson, and compartments of them) and
// search parameter values are only logged when app-layer.redact-phi is off (app/redact.h).
#pragma once

#include <cstdint>
#include <string_view>

#include "app/http/parser.h"
#include "app/parser.h"

namespace ww::app::fhir {

inline constexpr size_t kTextCap = 64;
inline constexpr uint32_t kMaxParams = 16;
inline constexpr size_t kParamBytes = 512;
inline constexpr uint32_t kMaxEntryTypes = 8;

enum class Interaction : uint8_t {
  Unknown,
  Read,
  Vread,
  Search,
  Create,
  Update,
  Patch,
  Delete,
  History,
  Capabilities,
  Batch,
  Transaction,
  Operation,  // the name is in Tx::operation ("$export")
};
std::string_view interaction_name(Interaction i) noexcept;

enum class Level : uint8_t { System, Type, Instance };
// How the transaction was recognised as FHIR.
enum class Via : uint8_t { MediaType, Path, Operation, Format };

// A short text copied out of the HTTP message (truncated at kTextCap).
struct Text {
  char buf[kTextCap];
  uint8_t len = 0;
  bool truncated = false;
  std::string_view sv() const noexcept { return {buf, len}; }
  bool empty() const noexcept { return len == 0; }
  void set(std::string_view v) noexcept;
};

struct TypeCount {
  Text type;
  uint32_t count = 0;
};

// What was read of one JSON (or XML) body.
struct Body {
  bool present = false;    // the HTTP message had body bytes
  bool json = false;       // parsed as JSON
  bool xml = false;        // root element read as XML
  bool complete = true;    // the whole body was inspected (false: beyond the kept bytes)
  bool malformed = false;  // not valid JSON although the whole body was kept
  Text resource_type;      // "resourceType" of the top-level object (XML: root element)
  Text bundle_type;        // Bundle.type
  int64_t total = -1;      // Bundle.total (-1: absent)
  uint32_t entries = 0;    // Bundle.entry elements seen
  TypeCount entry_types[kMaxEntryTypes];
  uint8_t entry_type_count = 0;
  bool entry_types_truncated = false;
  void add_entry_type(std::string_view t) noexcept;
};

struct Tx {
  Via via = Via::MediaType;
  Interaction interaction = Interaction::Unknown;
  Level level = Level::System;
  Text method;
  Text resource_type;  // from the path; else the request body's (create, batch) or response's
  Text id;             // logical id from the path (of the compartment for compartment searches)
  Text version_id;     // _history/[vid]
  Text compartment;    // "Patient" in GET [base]/Patient/[id]/Observation
  Text operation;      // "$export"
  bool id_redacted = false;
  // Search parameters: names (and, with redaction off, "name=value") in `params`, by span.
  char params[kParamBytes];
  uint16_t param_off[kMaxParams];
  uint16_t param_len[kMaxParams];
  uint8_t param_count = 0;
  bool params_truncated = false;
  bool values_redacted = false;
  uint16_t status = 0;  // response status, 0 without a response
  Body request_body, response_body;

  std::string_view param(uint32_t i) const noexcept { return {params + param_off[i], param_len[i]}; }
};

// Fills `out` from one HTTP transaction; false when it is not FHIR. `anomaly` (may be null)
// receives fhir.* anomalies. Exposed for tests and the fuzz driver.
bool analyse(const http::Transaction& h, Tx& out, ParseContext* anomaly) noexcept;

// True when `ct` is a FHIR media type (parameters ignored).
bool is_fhir_media_type(std::string_view ct) noexcept;
// True when `name` is a FHIR R4/R5 resource type (case-sensitive, as FHIR is).
bool is_resource_type(std::string_view name) noexcept;

// The URL (path and query) of a FHIR request with PHI redacted: ids of patient resources and
// every query value replaced by kRedacted. Returns `url` itself when there is nothing to
// redact, when redaction is off or when the request is not FHIR; else a view into `buf`
// (truncated at `cap`). For the HTTP event's url, Location and the file name of bodies.
std::string_view redact_url(const http::Message* request, const http::Message* response,
                            std::string_view url, char* buf, size_t cap) noexcept;

void derive(const void* http_tx, uint64_t tx_id, Direction d, ParseContext& ctx) noexcept;
void log_tx(const void* tx, output::EveWriter& w) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::fhir
