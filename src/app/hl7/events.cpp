// EVE `hl7` object of one HL7 message. Patient data is not written by default: PID-3/PID-5
// appear only as *_present booleans (their values only with app-layer.redact-phi: no); MSH and
// MSA fields (applications, facilities, ids, codes) are logged.
#include <rapidjson/writer.h>

#include "app/hl7/parser.h"
#include "output/eve.h"

namespace ww::app::hl7 {

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  auto& j = w.begin_raw();
  j.StartObject();
  auto str = [&](const char* k, const Field& f) {
    if (!f.empty()) w.kv(k, f.sv());
  };
  str("message_type", tx.message_type);
  str("trigger_event", tx.trigger_event);
  str("message_structure", tx.message_structure);
  str("control_id", tx.control_id);
  str("processing_id", tx.processing_id);
  str("version", tx.version);
  str("sending_application", tx.sending_application);
  str("sending_facility", tx.sending_facility);
  str("receiving_application", tx.receiving_application);
  str("receiving_facility", tx.receiving_facility);
  if (!tx.ack_code.empty()) {
    str("ack_code", tx.ack_code);
    str("ack_for", tx.ack_for);
    str("ack_for_message_type", tx.ack_for_type);
  }
  j.Key("segments");
  j.StartObject();
  for (uint8_t i = 0; i < tx.segment_kinds; ++i) {
    j.Key(tx.segments[i].name, 3);
    j.Uint(tx.segments[i].count);
  }
  j.EndObject();
  w.kv("segment_count", uint64_t(tx.segment_count));
  w.kv_bool("patient_id_present", tx.patient_id_present);
  w.kv_bool("patient_name_present", tx.patient_name_present);
  str("patient_id", tx.patient_id);      // only with app-layer.redact-phi: no
  str("patient_name", tx.patient_name);  // idem
  w.kv("framing", tx.framing == Framing::Mllp ? "mllp" : "none");
  w.kv("size", tx.size);
  w.kv("direction", tx.direction == Direction::ToServer ? "to_server" : "to_client");
  if (tx.malformed_msh) w.kv_bool("malformed_msh", true);
  if (tx.too_large) w.kv_bool("too_large", true);
  if (tx.truncated) w.kv_bool("truncated", true);
  j.EndObject();
}

}  // namespace ww::app::hl7
