// EVE `http` object, with Suricata 7's field names and order.
#include "app/fhir/parser.h"
#include "app/http/parser.h"
#include "output/eve.h"

namespace ww::app::http {

namespace {

void headers_array(output::EveWriter& w, const char* key, const Message& m) {
  auto& j = w.begin_raw();
  j.Key(key);
  j.StartArray();
  for (uint32_t i = 0; i < m.header_count; ++i) {
    j.StartObject();
    w.kv("name", m.text(m.headers[i].name));
    w.kv("value", m.text(m.headers[i].value));
    j.EndObject();
  }
  j.EndArray();
}

void kv_header(output::EveWriter& w, const char* key, const Message& m, std::string_view name) {
  std::string_view v;
  if (m.header(name, v)) w.kv(key, v);
}

}  // namespace

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const auto& tx = *static_cast<const Transaction*>(p);
  const Message* q = tx.request;
  const Message* r = tx.response;
  auto& j = w.begin_raw();
  j.StartObject();
  if (q) {
    if (q->host.len) w.kv("hostname", q->text(q->host));
    if (q->port >= 0) w.kv("http_port", uint64_t(q->port));
    // FHIR: patient ids and query values are PHI (app/redact.h).
    char red[1024];
    if (q->uri.len) w.kv("url", fhir::redact_url(q, r, q->text(q->uri), red, sizeof red));
    kv_header(w, "http_user_agent", *q, "User-Agent");
    kv_header(w, "xff", *q, "X-Forwarded-For");
  }
  if (r) {
    std::string_view ct;
    if (r->header("Content-Type", ct)) {
      // As libhtp: the media type, lower case, without parameters.
      ct = ct.substr(0, ct.find(';'));
      while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
      char buf[128];
      size_t n = std::min(ct.size(), sizeof buf);
      for (size_t i = 0; i < n; ++i)
        buf[i] = (ct[i] >= 'A' && ct[i] <= 'Z') ? char(ct[i] + 32) : ct[i];
      w.kv("http_content_type", std::string_view(buf, n));
    }
  }
  if (q) {
    kv_header(w, "http_refer", *q, "Referer");
    if (q->method.len) w.kv("http_method", q->text(q->method));
    if (q->protocol.len) w.kv("protocol", q->text(q->protocol));
  } else if (r && r->protocol.len) {
    w.kv("protocol", r->text(r->protocol));
  }
  if (r) {
    if (r->status > 0) w.kv("status", uint64_t(r->status));
    std::string_view loc;
    char red[1024];
    if (r->header("Location", loc)) w.kv("redirect", fhir::redact_url(q, r, loc, red, sizeof red));
  }
  w.kv("length", r ? r->body_bytes : 0);
  if (q && log_request_headers()) headers_array(w, "request_headers", *q);
  if (r && log_response_headers()) headers_array(w, "response_headers", *r);
  j.EndObject();
}

}  // namespace ww::app::http
