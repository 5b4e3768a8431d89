// EVE for an SMTP transaction, as Suricata: the `smtp` object {helo, mail_from, rcpt_to[]}
// (plus starttls / auth_mechanism when seen),
// then a sibling `email` object {status, from, to[], cc[], subject, message_id, date,
// x_mailer, attachment[], url[], body_md5, subject_md5} in the same event, as Suricata writes it.
#include "app/smtp/parser.h"
#include "output/eve.h"

namespace ww::app::smtp {
namespace {

// RFC 5322 3.4 address-list split on commas outside quotes and angle brackets.
void address_list(output::EveWriter::Json& j, std::string_view v) {
  j.StartArray();
  bool quoted = false;
  int angle = 0;
  size_t start = 0;
  for (size_t i = 0; i <= v.size(); ++i) {
    char c = i < v.size() ? v[i] : ',';
    if (c == '"') quoted = !quoted;
    if (!quoted && c == '<') ++angle;
    if (!quoted && c == '>' && angle) --angle;
    if (c != ',' || quoted || angle) continue;
    std::string_view a = v.substr(start, i - start);
    while (!a.empty() && (a.front() == ' ' || a.front() == '\t')) a.remove_prefix(1);
    while (!a.empty() && (a.back() == ' ' || a.back() == '\t')) a.remove_suffix(1);
    if (!a.empty()) j.String(a);
    start = i + 1;
  }
  j.EndArray();
}

}  // namespace

void log_tx(const void* p, output::EveWriter& w) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  auto& j = w.begin_raw();
  j.StartObject();
  if (!tx.helo.empty()) w.kv("helo", tx.helo.view());
  if (!tx.mail_from.empty()) w.kv("mail_from", tx.mail_from.view());
  if (tx.rcpt_to.count) {
    j.Key("rcpt_to");
    j.StartArray();
    for (size_t i = 0; i < tx.rcpt_to.count; ++i) j.String(tx.rcpt_to[i]);
    j.EndArray();
  }
  if (!tx.auth_mechanism.empty()) w.kv("auth_mechanism", tx.auth_mechanism.view());
  if (tx.starttls) w.kv_bool("starttls", true);
  j.EndObject();
  if (!tx.has_data) return;
  j.Key("email");
  j.StartObject();
  // Suricata's MIME parser state names: PARSE_DONE once the end of data was seen (Suricata 8:
  // a MIME structure it gave up on too), otherwise where the message stopped.
  w.kv("status", tx.data_done      ? "PARSE_DONE"
                 : tx.mime_error   ? "PARSE_ERROR"
                 : tx.body_started ? "BODY_STARTED"
                                   : "HEADER_STARTED");
  if (!tx.from.empty()) w.kv("from", tx.from.view());
  if (!tx.to.empty()) {
    j.Key("to");
    address_list(j, tx.to.view());
  }
  if (!tx.cc.empty()) {
    j.Key("cc");
    address_list(j, tx.cc.view());
  }
  if (!tx.subject.empty()) w.kv("subject", tx.subject.view());
  if (!tx.message_id.empty()) w.kv("message_id", tx.message_id.view());
  if (!tx.date.empty()) w.kv("date", tx.date.view());
  if (!tx.x_mailer.empty()) w.kv("x_mailer", tx.x_mailer.view());
  if (tx.attachments.count) {
    j.Key("attachment");
    j.StartArray();
    for (size_t i = 0; i < tx.attachments.count; ++i) j.String(tx.attachments[i]);
    j.EndArray();
  }
  if (tx.urls.count) {  // the last found first, as Suricata lists them
    j.Key("url");
    j.StartArray();
    for (size_t i = tx.urls.count; i-- > 0;) j.String(tx.urls[i]);
    j.EndArray();
  }
  const Settings& s = settings();
  if (s.log_body_md5 && tx.body_md5_set)
    w.kv("body_md5", std::string_view(tx.body_md5, sizeof tx.body_md5));
  if (s.log_subject_md5 && tx.subject_md5_set)
    w.kv("subject_md5", std::string_view(tx.subject_md5, sizeof tx.subject_md5));
  j.EndObject();
}

}  // namespace ww::app::smtp
