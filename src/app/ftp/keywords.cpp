// Rule buffers of an FTP transaction (a command and its replies, inspected in both directions):
// to_server ftp.command and ftp.command_data (PASS's argument only with log-password),
// file.name for RETR/STOR/STOU/APPE; to_client the multi-buffers ftp.reply (each reply line's
// text) and ftp.completion_code (each final and preliminary code, "230").
#include <array>

#include "app/ftp/parser.h"
#include "detect/match.h"

namespace ww::app::ftp {
namespace {

Bytes b(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// "000".."999" back to back: a code's text without a per-transaction copy.
constexpr auto kCodes = [] {
  std::array<char, 3000> t{};
  for (int i = 0; i < 1000; ++i) {
    t[size_t(i) * 3] = char('0' + i / 100);
    t[size_t(i) * 3 + 1] = char('0' + i / 10 % 10);
    t[size_t(i) * 3 + 2] = char('0' + i % 10);
  }
  return t;
}();

Bytes code(uint16_t c) noexcept {
  return {reinterpret_cast<const uint8_t*>(kCodes.data()) + (c % 1000) * 3, 3};
}

}  // namespace

void buffers(const void* p, Direction d, detect::InspectBuffers& out) noexcept {
  using detect::BufferId;
  const Tx& tx = *static_cast<const Tx*>(p);
  if (d == Direction::ToClient) {
    for (size_t i = 0; i < tx.reply.count; ++i) out.add(BufferId::FtpReply, b(tx.reply[i]));
    for (uint8_t i = 0; i < tx.n_codes; ++i)
      out.add(BufferId::FtpCompletionCode, code(tx.completion_code[i]));
    return;
  }
  if (!tx.command.empty()) out.set(BufferId::FtpCommand, b(tx.command.view()));
  if (!tx.command_data.empty()) out.set(BufferId::FtpCommandData, b(tx.command_data.view()));
  if (tx.file_command && !tx.command_data.empty())
    out.set(BufferId::FileName, b(tx.command_data.view()));
}

bool check(const void* p, Direction, std::string_view keyword, std::string_view) noexcept {
  return keyword == "ftpbounce" && static_cast<const Tx*>(p)->bounce;
}

}  // namespace ww::app::ftp
