// app/redact: the PHI redaction policy shared by the clinical protocols (HL7 PID-3/PID-5, DICOM
// patient elements, FHIR Patient ids and search values, and the HTTP url/filename of FHIR
// requests). On by default: patient data never reaches wardwatch's outputs. A lab may turn it
// off with `app-layer.redact-phi: no` (docs/configuration.md); the setting is read once at
// start-up (set before the workers start) and only read afterwards.
#pragma once

#include <string_view>

namespace ww::app {

// What a redacted value is replaced with where a value must be written (URLs, file names).
inline constexpr std::string_view kRedacted = "[redacted]";

bool redact_phi() noexcept;
void set_redact_phi(bool on) noexcept;

}  // namespace ww::app
