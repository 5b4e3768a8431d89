// EVE `tls` object, with Suricata's field names: subject, issuerdn, serial, fingerprint, sni,
// version, notbefore, notafter, ja3 {hash, string}, ja3s {hash, string}, ja4, client_alpns,
// server_alpns (plus subjectaltname). Fields that were not seen are left out.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "app/tls/parser.h"
#include "output/eve.h"

namespace ww::app::tls {
namespace {

void str(output::EveWriter::Json& j, const char* key, std::string_view v) {
  j.Key(key);
  j.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

template <size_t B, size_t I>
void list(output::EveWriter::Json& j, const char* key, const BoundedList<B, I>& l) {
  if (!l.count) return;
  j.Key(key);
  j.StartArray();
  for (size_t i = 0; i < l.count; ++i) {
    std::string_view v = l[i];
    j.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  j.EndArray();
}

}  // namespace

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  auto& j = w.begin_raw();
  j.StartObject();
  if (tx.has_cert) {
    str(j, "subject", tx.subject.view());
    str(j, "issuerdn", tx.issuer.view());
    str(j, "serial", tx.serial.view());
    str(j, "fingerprint", tx.fingerprint.view());
  }
  if (!tx.sni.empty()) str(j, "sni", tx.sni.view());
  str(j, "version", version_name(tx.server_hello ? tx.version : tx.client_version));
  // As Suricata: a resumed session is flagged when no certificate was seen.
  if (tx.session_resumed && !tx.has_cert) {
    j.Key("session_resumed");
    j.Bool(true);
  }
  if (tx.has_cert) {
    if (!tx.not_before.empty()) str(j, "notbefore", tx.not_before.view());
    if (!tx.not_after.empty()) str(j, "notafter", tx.not_after.view());
    list(j, "subjectaltname", tx.sans);
  }
  if (tx.client_hello && !tx.ja3_hash.empty()) {
    j.Key("ja3");
    j.StartObject();
    str(j, "hash", tx.ja3_hash.view());
    str(j, "string", tx.ja3());
    j.EndObject();
  }
  if (tx.server_hello && !tx.ja3s_hash.empty()) {
    j.Key("ja3s");
    j.StartObject();
    str(j, "hash", tx.ja3s_hash.view());
    str(j, "string", tx.ja3s_string.view());
    j.EndObject();
  }
  if (tx.client_hello && !tx.ja4.empty()) str(j, "ja4", tx.ja4.view());
  list(j, "client_alpns", tx.client_alpns);
  list(j, "server_alpns", tx.server_alpns);
  j.EndObject();
}

}  // namespace ww::app::tls
