// Rule buffers of an SMTP transaction: smtp.helo, smtp.mail_from, smtp.rcpt_to (the first
// recipient: one buffer per id), the email.* headers, file.name (the first attachment) and
// file.data (the decoded attachments, up to kFileInspect bytes).
#include "app/smtp/parser.h"
#include "detect/match.h"

namespace ww::app::smtp {
namespace {

Bytes b(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

void buffers(const void* p, Direction, detect::InspectBuffers& out) noexcept {
  using detect::BufferId;
  const Tx& tx = *static_cast<const Tx*>(p);
  auto set = [&](BufferId id, std::string_view v) {
    if (!v.empty()) out.set(id, b(v));
  };
  set(BufferId::SmtpHelo, tx.helo.view());
  set(BufferId::SmtpMailFrom, tx.mail_from.view());
  if (tx.rcpt_to.count) set(BufferId::SmtpRcptTo, tx.rcpt_to[0]);
  set(BufferId::EmailFrom, tx.from.view());
  set(BufferId::EmailTo, tx.to.view());
  set(BufferId::EmailCc, tx.cc.view());
  set(BufferId::EmailSubject, tx.subject.view());
  set(BufferId::EmailDate, tx.date.view());
  set(BufferId::EmailMessageId, tx.message_id.view());
  set(BufferId::EmailXMailer, tx.x_mailer.view());
  if (tx.attachments.count) set(BufferId::FileName, tx.attachments[0]);
  if (tx.file_data_len) out.set(BufferId::FileData, Bytes(tx.file_data, tx.file_data_len));
}

}  // namespace ww::app::smtp
