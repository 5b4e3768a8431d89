// app/hl7: field selection by path for the hl7.field rule buffer (`hl7.field:PID.5;`).
//
// A path is SEG.F[.C[.S]] (HL7's own SEG-F[.C[.S]] is accepted too): segment name (three
// upper-case letters or digits), field (1..999), optional component and subcomponent (1..999).
// MSH counts as the standard does: MSH.1 is the field separator, MSH.2 the encoding characters,
// MSH.9 the message type.
//
// Selection honours the separators the message declares in MSH-1/MSH-2 and writes the value
// with the standard ones, so a rule is written once whatever the sender declared: component
// '^', repetition '~', subcomponent '&', and the escapes \F\ \S\ \T\ \R\ \E\ decoded to
// | ^ & ~ \. With a component (or subcomponent) in the path, it is taken from every repetition
// of the field (joined with '~'). A segment that occurs more than once (OBX, NTE) gives one value
// per occurrence, joined with LF (a byte a field cannot hold). The buffer is absent (the rule
// does not match) when no segment of that name has the field.
// Limits: the message bytes the parser keeps for hl7.field (kRawCap); no allocation beyond the
// output string's growth (the matcher's reused scratch string).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/byte_reader.h"

namespace ww::app::hl7 {

struct FieldPath {
  char segment[3] = {};
  uint16_t field = 0;
  uint16_t component = 0;     // 0: whole field
  uint16_t subcomponent = 0;  // 0: whole component
};

// False when `text` is not a valid path.
bool parse_field_path(std::string_view text, FieldPath& out) noexcept;

// Writes the selected value of `message` (an HL7 message starting with MSH) to `out`; false
// when no segment of the path's name has that field.
bool select_field(Bytes message, const FieldPath& path, std::string& out);
// Same, parsing `path` first (false on a bad path).
bool select_field(Bytes message, std::string_view path, std::string& out);

}  // namespace ww::app::hl7
