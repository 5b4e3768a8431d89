// app/dicom: the DICOM Upper Layer protocol (PS3.8) and the DIMSE messages it carries (PS3.7).
//
// What it extracts: A-ASSOCIATE-RQ/AC/RJ (AE titles, application context, presentation contexts
// with abstract and transfer syntaxes and their results, implementation class UID and version
// name, max PDU length), A-RELEASE-RQ/RP, A-ABORT; P-DATA-TF PDVs (command and dataset
// fragments); DIMSE command sets (implicit VR little endian, PS3.7 6.3.1) paired request with
// final response by message id; a few dataset elements read in the transfer syntax the
// presentation context negotiated (implicit or explicit VR little endian). Patient elements
// (group 0010) are never copied: a transaction only says they were present. C-STORE datasets
// are handed to the file hooks as Part 10 files (preamble, "DICM" and file meta group rebuilt).
//
// Invariants: PDUs are streamed: A-ASSOCIATE PDUs are kept (bounded) because their items are
// parsed whole; P-DATA is never buffered beyond the command set and a bounded prefix of each
// dataset (for the element list); dataset bytes flow straight through to the file hooks.
// Transactions: one per association (at A-ASSOCIATE-AC/RJ, at an A-ABORT before the answer or
// at the end of the stream), one per DIMSE request/final-response pair (at the final response,
// after its dataset if it has one; unanswered ones at release, abort or end of stream), one per
// A-ABORT.
// Limits: kMaxPdu declared PDU length (dicom.pdu_too_large, the direction stops), kAssocCap bytes
// kept of an A-ASSOCIATE PDU (dicom.assoc_truncated: the items past it are not seen),
// kMaxContexts presentation contexts, kCommandCap bytes of command set
// (dicom.command_too_large), kDatasetPrefix bytes of each dataset read for elements,
// kPendingDimse outstanding requests (the oldest is logged unanswered).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/parser.h"

namespace ww::app::dicom {

inline constexpr uint32_t kMaxPdu = 16u << 20;
inline constexpr size_t kAssocCap = 32u << 10;
inline constexpr size_t kMaxContexts = 128;
inline constexpr size_t kMaxTs = 4;  // proposed transfer syntaxes kept per context
inline constexpr size_t kCommandCap = 4096;
inline constexpr size_t kDatasetPrefix = 16u << 10;
inline constexpr size_t kPendingDimse = 16;
inline constexpr size_t kValueCap = 64;

// A short value copied out of a command set or dataset (trailing spaces/NULs removed).
struct Value {
  char buf[kValueCap];
  uint8_t len = 0;
  std::string_view sv() const noexcept { return {buf, len}; }
  bool empty() const noexcept { return len == 0; }
};

struct PresContext {
  uint8_t id = 0;
  uint8_t result = 0xff;  // A-ASSOCIATE-AC result (0 acceptance ... 4); 0xff: no answer seen
  std::string_view abstract_syntax;
  std::string_view transfer_syntaxes[kMaxTs];  // proposed (RQ)
  uint8_t ts_count = 0, ts_total = 0;
  std::string_view accepted_ts;  // AC
};

enum class AssocResult : uint8_t { None, Accepted, Rejected, Aborted };

// Views into the parser's copies of the A-ASSOCIATE PDUs (valid while the tx is reported).
// Everything but the presentation context table, which a new association resets by itself.
struct AssociationFields {
  bool rq_seen = false, ac_seen = false;
  uint16_t protocol_version = 0;
  std::string_view called_ae, calling_ae, application_context;
  std::string_view impl_class_uid, impl_version;            // requestor (RQ user info)
  std::string_view resp_impl_class_uid, resp_impl_version;  // acceptor (AC user info)
  uint32_t max_pdu_rq = 0, max_pdu_ac = 0;
  AssocResult result = AssocResult::None;
  uint8_t reject_result = 0, reject_source = 0, reject_reason = 0;
  bool truncated = false;  // a PDU longer than kAssocCap
};

struct Association : AssociationFields {
  // Slots [0, context_count) are in use; a slot is reset (PresContext{}) when it is taken, so
  // a new association only empties the table (reset()) instead of rewriting its 14 KB.
  PresContext contexts[kMaxContexts];
  uint8_t context_count = 0;
  bool contexts_truncated = false;
  void reset() noexcept {
    static_cast<AssociationFields&>(*this) = AssociationFields{};
    context_count = 0;
    contexts_truncated = false;
  }
  // Transfer syntax negotiated for a presentation context id (empty when unknown).
  std::string_view transfer_syntax(uint8_t pc_id) const noexcept;
};

// One DIMSE request and its final response.
struct Dimse {
  uint16_t command = 0;  // request command field (PS3.7 E.1), e.g. 0x0020 C-FIND-RQ
  uint16_t message_id = 0;
  uint16_t status = 0;
  char status_hex[4] = {};  // "FF00": rule buffer dicom.status
  bool request_seen = false, responded = false, has_status = false;
  uint8_t context_id = 0;
  Direction request_dir = Direction::ToServer;
  uint32_t pending_responses = 0;  // responses with status Pending (C-FIND/C-GET/C-MOVE)
  uint16_t priority = 0;
  Value sop_class;     // (0000,0002) AffectedSOPClassUID or (0000,0003) RequestedSOPClassUID
  Value sop_instance;  // (0000,1000) / (0000,1001)
  Value move_destination;  // (0000,0600)
  // Dataset elements (the request's dataset first, else the responses').
  Value modality, manufacturer, model, station_name, ds_sop_class, study_uid, query_level;
  bool patient_present = false;  // any non-empty (0010,xxxx) element
  // (0010,0010) PatientName, (0010,0020) PatientID: copied only with PHI redaction off
  // (app-layer.redact-phi: no, app/redact.h); empty otherwise.
  Value patient_name, patient_id;
  uint32_t datasets = 0;
  uint64_t dataset_bytes = 0;
};

enum class TxKind : uint8_t { Association, Dimse, Abort };

struct Tx {
  TxKind kind = TxKind::Association;
  Direction direction = Direction::ToServer;
  const Association* assoc = nullptr;  // the flow's association (AE titles for every tx)
  const Dimse* dimse = nullptr;        // kind Dimse
  uint8_t abort_source = 0, abort_reason = 0;  // kind Abort
};

// "C-FIND" for 0x0020 or 0x8020; "" when unknown.
std::string_view command_name(uint16_t command) noexcept;

ProbeResult probe(Direction d, Bytes first) noexcept;
Parser* create(ParseContext& ctx) noexcept;
void log_tx(const void* tx, output::EveWriter& w) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::dicom
