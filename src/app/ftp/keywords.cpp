// Rule buffers of an FTP transaction: ftp.command and ftp.command_data (never the password:
// PASS has no command_data), file.name for RETR/STOR/STOU/APPE.
#include "app/ftp/parser.h"
#include "detect/match.h"

namespace ww::app::ftp {
namespace {

Bytes b(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

void buffers(const void* p, Direction, detect::InspectBuffers& out) noexcept {
  using detect::BufferId;
  const Tx& tx = *static_cast<const Tx*>(p);
  if (!tx.command.empty()) out.set(BufferId::FtpCommand, b(tx.command.view()));
  if (!tx.command_data.empty()) out.set(BufferId::FtpCommandData, b(tx.command_data.view()));
  if (tx.file_command && !tx.command_data.empty())
    out.set(BufferId::FileName, b(tx.command_data.view()));
}

}  // namespace ww::app::ftp
