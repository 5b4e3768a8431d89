// EVE `dicom` object: one association, one DIMSE request/response pair, or one A-ABORT.
// Patient elements (group 0010) are not written by default: "patient_present" says they were
// there (PatientName/PatientID only with app-layer.redact-phi: no).
#include <rapidjson/writer.h>

#include "app/dicom/parser.h"
#include "output/eve.h"

namespace ww::app::dicom {
namespace {

// PS3.8 9.3.3.2 presentation context results.
const char* pc_result_name(uint8_t r) noexcept {
  switch (r) {
    case 0: return "acceptance";
    case 1: return "user-rejection";
    case 2: return "no-reason";
    case 3: return "abstract-syntax-not-supported";
    case 4: return "transfer-syntaxes-not-supported";
    default: return "unknown";
  }
}

// PS3.7 annex C status classes.
const char* status_class(uint16_t s) noexcept {
  if (s == 0x0000) return "success";
  if (s == 0xFF00 || s == 0xFF01) return "pending";
  if (s == 0xFE00) return "cancel";
  if (s == 0x0001 || s == 0x0107 || s == 0x0116 || (s & 0xF000) == 0xB000) return "warning";
  return "failure";
}

const char* result_name(AssocResult r) noexcept {
  switch (r) {
    case AssocResult::Accepted: return "accepted";
    case AssocResult::Rejected: return "rejected";
    case AssocResult::Aborted: return "aborted";
    default: return "none";
  }
}

}  // namespace

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  auto& j = w.begin_raw();
  auto str = [&](const char* k, std::string_view v) {
    if (!v.empty()) w.kv(k, v);
  };
  j.StartObject();
  const Association* a = tx.assoc;
  switch (tx.kind) {
    case TxKind::Association: w.kv("type", "association"); break;
    case TxKind::Dimse: w.kv("type", "dimse"); break;
    case TxKind::Abort: w.kv("type", "abort"); break;
  }
  if (a) {
    str("calling_ae", a->calling_ae);
    str("called_ae", a->called_ae);
  }
  if (tx.kind == TxKind::Association && a) {
    w.kv("result", result_name(a->result));
    if (a->result == AssocResult::Rejected) {
      j.Key("reject");
      j.StartObject();
      w.kv("result", uint64_t(a->reject_result));
      w.kv("source", uint64_t(a->reject_source));
      w.kv("reason", uint64_t(a->reject_reason));
      j.EndObject();
    }
    if (a->rq_seen) w.kv("protocol_version", uint64_t(a->protocol_version));
    str("application_context", a->application_context);
    str("implementation_class_uid", a->impl_class_uid);
    str("implementation_version", a->impl_version);
    if (a->max_pdu_rq) w.kv("max_pdu_length", uint64_t(a->max_pdu_rq));
    if (a->ac_seen) {
      j.Key("acceptor");
      j.StartObject();
      str("implementation_class_uid", a->resp_impl_class_uid);
      str("implementation_version", a->resp_impl_version);
      if (a->max_pdu_ac) w.kv("max_pdu_length", uint64_t(a->max_pdu_ac));
      j.EndObject();
    }
    j.Key("presentation_contexts");
    j.StartArray();
    for (uint8_t i = 0; i < a->context_count; ++i) {
      const PresContext& pc = a->contexts[i];
      j.StartObject();
      w.kv("id", uint64_t(pc.id));
      str("abstract_syntax", pc.abstract_syntax);
      if (pc.ts_total) {
        j.Key("transfer_syntaxes");
        j.StartArray();
        for (uint8_t k = 0; k < pc.ts_count; ++k)
          j.String(pc.transfer_syntaxes[k].data(), rapidjson::SizeType(pc.transfer_syntaxes[k].size()));
        j.EndArray();
        if (pc.ts_total > pc.ts_count) w.kv("transfer_syntax_count", uint64_t(pc.ts_total));
      }
      if (pc.result != 0xff) {
        w.kv("result", pc_result_name(pc.result));
        str("transfer_syntax", pc.accepted_ts);
      }
      j.EndObject();
    }
    j.EndArray();
    if (a->contexts_truncated) w.kv_bool("contexts_truncated", true);
    if (a->truncated) w.kv_bool("truncated", true);
  } else if (tx.kind == TxKind::Dimse && tx.dimse) {
    const Dimse& d = *tx.dimse;
    std::string_view name = command_name(d.command);
    if (name.empty()) w.kv("command_field", uint64_t(d.command));
    else w.kv("command", name);
    w.kv("message_id", uint64_t(d.message_id));
    w.kv("presentation_context_id", uint64_t(d.context_id));
    str("sop_class", d.sop_class.sv());
    str("sop_instance", d.sop_instance.sv());
    str("move_destination", d.move_destination.sv());
    if (!d.request_seen) w.kv_bool("request_seen", false);
    w.kv_bool("responded", d.responded);
    if (d.has_status) {
      w.kv("status", std::string_view(d.status_hex, 4));
      w.kv("status_class", status_class(d.status));
    }
    if (d.pending_responses) w.kv("pending_responses", uint64_t(d.pending_responses));
    if (d.datasets) {
      j.Key("dataset");
      j.StartObject();
      str("modality", d.modality.sv());
      str("manufacturer", d.manufacturer.sv());
      str("manufacturer_model_name", d.model.sv());
      str("station_name", d.station_name.sv());
      str("sop_class_uid", d.ds_sop_class.sv());
      str("study_instance_uid", d.study_uid.sv());
      str("query_retrieve_level", d.query_level.sv());
      w.kv_bool("patient_present", d.patient_present);
      str("patient_name", d.patient_name.sv());  // only with app-layer.redact-phi: no
      str("patient_id", d.patient_id.sv());      // idem
      w.kv("count", uint64_t(d.datasets));
      w.kv("bytes", d.dataset_bytes);
      j.EndObject();
    }
  } else if (tx.kind == TxKind::Abort) {
    w.kv("source", uint64_t(tx.abort_source));
    w.kv("reason", uint64_t(tx.abort_reason));
  }
  w.kv("direction", tx.direction == Direction::ToServer ? "to_server" : "to_client");
  j.EndObject();
}

}  // namespace ww::app::dicom
