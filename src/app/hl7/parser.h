// app/hl7: HL7 v2 messages over MLLP (0x0B <message> 0x1C 0x0D) or as an unframed stream of
// segments starting with "MSH".
//
// What it extracts: MSH (honouring the separators the message declares in MSH-1/MSH-2, escape
// sequences \F\ \S\ \T\ \R\ \E\ decoded), MSA (ACK code and the control id it acknowledges,
// paired with the message it answers), the segment names with counts, and whether patient
// identifiers (PID-3, PID-5) are present. Patient data is not copied into a transaction unless
// PHI redaction is off (app/redact.h): only a bounded raw prefix of the message is kept for the
// hl7.field rule buffer (never logged).
//
// Invariants: a message is streamed segment by segment; the parser keeps one segment (bounded)
// and the raw prefix, never the whole message, so bytes may arrive one at a time and give the
// same transactions. One transaction per message, emitted at its end (0x1C for MLLP; the next
// MSH, a gap or the end of the stream for unframed messages).
// Limits: kMaxMessage bytes per message (hl7.message_too_large, then resync on the next 0x0B or
// MSH), kMaxSegments segments per message (hl7.too_many_segments), kSegmentCap bytes kept per
// segment (the fields past it are not seen), kMaxSegmentKinds distinct segment names,
// kPending unacknowledged control ids per direction, kRawCap bytes of raw message per direction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/parser.h"

namespace ww::app::hl7 {

inline constexpr size_t kMaxMessage = 1u << 20;
inline constexpr uint32_t kMaxSegments = 10000;
inline constexpr size_t kSegmentCap = 2048;
inline constexpr size_t kMaxSegmentKinds = 24;
inline constexpr size_t kPending = 16;
inline constexpr size_t kRawCap = 8192;
inline constexpr size_t kFieldCap = 64;  // bytes kept of each logged MSH/MSA field

// A short text copied out of a segment (truncated at kFieldCap).
struct Field {
  char buf[kFieldCap];
  uint8_t len = 0;
  bool truncated = false;
  std::string_view sv() const noexcept { return {buf, len}; }
  bool empty() const noexcept { return len == 0; }
  void clear() noexcept { len = 0, truncated = false; }
};

struct SegmentCount {
  char name[3];
  uint32_t count;
};

enum class Framing : uint8_t { Mllp, Unframed };

// One HL7 message.
struct Tx {
  Direction direction = Direction::ToServer;
  Framing framing = Framing::Mllp;
  Field message_type;       // MSH-9.1
  Field trigger_event;      // MSH-9.2
  Field message_structure;  // MSH-9.3
  Field msg_type;           // "MSH-9.1^MSH-9.2" (rule buffer hl7.msg_type)
  Field control_id;         // MSH-10
  Field processing_id;      // MSH-11
  Field version;            // MSH-12
  Field sending_application, sending_facility;      // MSH-3.1, MSH-4.1
  Field receiving_application, receiving_facility;  // MSH-5.1, MSH-6.1
  Field ack_code;           // MSA-1 (empty unless the message has an MSA segment)
  Field ack_for;            // MSA-2: control id of the message acknowledged
  Field ack_for_type;       // msg_type of that message when it was seen on this flow
  SegmentCount segments[kMaxSegmentKinds];
  uint8_t segment_kinds = 0;
  bool segment_kinds_truncated = false;
  uint32_t segment_count = 0;
  uint64_t size = 0;  // message bytes (framing excluded)
  bool patient_id_present = false;    // PID-3 not empty
  bool patient_name_present = false;  // PID-5 not empty
  // PID-3 / PID-5 (first repetition, escapes decoded): copied only with redaction off
  // (app-layer.redact-phi: no, app/redact.h); empty otherwise.
  Field patient_id, patient_name;
  bool malformed_msh = false;
  bool too_large = false;   // cut at kMaxMessage
  bool truncated = false;   // ended by a gap, a new frame or the end of the stream
  // Rule buffers (views into parser memory, valid during on_transaction).
  std::string_view segment_list;  // "MSH,EVN,PID,..." (hl7.segment)
  Bytes raw;                      // first kRawCap bytes of the message (hl7.field)
};

ProbeResult probe(Direction d, Bytes first) noexcept;
Parser* create(ParseContext& ctx) noexcept;
void log_tx(const void* tx, output::EveWriter& w) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::hl7
