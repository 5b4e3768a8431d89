// EVE `fhir` object of one FHIR interaction (docs/protocols/fhir.md). Ids of patient resources
// and search parameter values appear only with app-layer.redact-phi off (the Tx never holds
// them otherwise).
#include <rapidjson/writer.h>

#include "app/fhir/parser.h"
#include "output/eve.h"

namespace ww::app::fhir {

namespace {

std::string_view level_name(Level l) noexcept {
  switch (l) {
    case Level::System: return "system";
    case Level::Type: return "type";
    case Level::Instance: return "instance";
  }
  return "";
}

std::string_view via_name(Via v) noexcept {
  switch (v) {
    case Via::MediaType: return "media_type";
    case Via::Path: return "path";
    case Via::Operation: return "operation";
    case Via::Format: return "format";
  }
  return "";
}

void body(output::EveWriter& w, const char* key, const Body& b) {
  if (!b.present) return;
  auto& j = w.begin_raw();
  j.Key(key);
  j.StartObject();
  if (!b.resource_type.empty()) w.kv("resource_type", b.resource_type.sv());
  if (!b.bundle_type.empty()) w.kv("bundle_type", b.bundle_type.sv());
  if (b.total >= 0) w.kv("bundle_total", uint64_t(b.total));
  if (b.json && b.resource_type.sv() == "Bundle") {
    w.kv("entry_count", uint64_t(b.entries));
    if (b.entry_type_count) {
      j.Key("entry_types");
      j.StartObject();
      for (uint8_t i = 0; i < b.entry_type_count; ++i) {
        std::string_view t = b.entry_types[i].type.sv();
        j.Key(t.data(), rapidjson::SizeType(t.size()));
        j.Uint(b.entry_types[i].count);
      }
      j.EndObject();
      if (b.entry_types_truncated) w.kv_bool("entry_types_truncated", true);
    }
  }
  w.kv("format", b.json ? "json" : b.xml ? "xml" : "other");
  w.kv_bool("complete", b.complete);
  if (b.malformed) w.kv_bool("malformed", true);
  j.EndObject();
}

}  // namespace

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const Tx& t = *static_cast<const Tx*>(p);
  auto& j = w.begin_raw();
  j.StartObject();
  w.kv("interaction", t.interaction == Interaction::Operation ? t.operation.sv()
                                                               : interaction_name(t.interaction));
  w.kv("level", level_name(t.level));
  if (!t.resource_type.empty()) w.kv("resource_type", t.resource_type.sv());
  if (!t.compartment.empty()) w.kv("compartment", t.compartment.sv());
  if (!t.id.empty()) w.kv("id", t.id.sv());
  if (t.id_redacted) w.kv_bool("id_redacted", true);
  if (!t.version_id.empty()) w.kv("version_id", t.version_id.sv());
  w.kv("method", t.method.sv());
  if (t.param_count) {
    j.Key("search_params");
    j.StartArray();
    for (uint32_t i = 0; i < t.param_count; ++i) {
      std::string_view s = t.param(i);
      j.String(s.data(), rapidjson::SizeType(s.size()));
    }
    j.EndArray();
    if (t.values_redacted) w.kv_bool("search_values_redacted", true);
    if (t.params_truncated) w.kv_bool("search_params_truncated", true);
  }
  if (t.status) w.kv("status", uint64_t(t.status));
  body(w, "request_body", t.request_body);
  body(w, "response_body", t.response_body);
  w.kv("recognised_by", via_name(t.via));
  j.EndObject();
}

}  // namespace ww::app::fhir
