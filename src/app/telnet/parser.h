// app/telnet: Telnet (RFC 854 protocol, RFC 855 option negotiation) for cleartext-login
// visibility on building-management controllers, medical devices and old switches.
//
// What it does: per direction, the IAC command state machine (RFC 854 "TELNET COMMAND
// STRUCTURE": IAC IAC is a data 255, WILL/WONT/DO/DONT + option, SB option ... IAC SE);
// the options either side offered (WILL or DO); subnegotiations: TERMINAL-TYPE IS (RFC 1091),
// NAWS window size (RFC 1073), NEW-ENVIRON IS USER (RFC 1572). On the data bytes: a server
// prompt ending in "login:", "username:" or "user name:" makes the client's next line the
// user name; "password:" makes the next line a password, which is skipped byte by byte and
// never kept (only that it was sent: telnet.cleartext_login, once per session). After a
// password, a server line saying "incorrect", "failed", "denied" or "invalid", or a new login
// prompt, is a failed login (telnet.login_failed); a non-empty client line first is taken as
// a successful one.
// One Tx per session (options, terminal type, window, user name, prompts seen, attempts,
// failures, outcome), reported when both directions have finished (end of the connection).
//
// Invariants: byte-driven state machines only, so any split of the bytes gives the same
// result; always consumes what it is given (never Error). No password byte is stored.
// Limits: user name 64 bytes, terminal type 64 bytes, subnegotiation 128 bytes (beyond:
// telnet.subneg_too_long once, the rest skipped), the last 256 bytes of a server line.
#pragma once

#include <cstddef>
#include <cstdint>

#include "app/parser.h"
#include "app/tls/text.h"

namespace ww::app::telnet {

inline constexpr size_t kMaxSubneg = 128;
inline constexpr size_t kServerLine = 256;

enum class Login : uint8_t { None, Failed, Success };

struct Tx {
  uint64_t options[4] = {};  // bit n: option n offered (WILL or DO) by either side
  tls::BoundedStr<64> terminal_type;
  tls::BoundedStr<64> username;
  uint16_t width = 0, height = 0;  // NAWS
  bool naws = false;
  bool login_prompt = false;
  bool password_prompt = false;
  uint32_t attempts = 0;  // password lines sent
  uint32_t failures = 0;
  Login login = Login::None;  // outcome of the last attempt
};

// Name of a Telnet option (IANA "Telnet Options" registry), nullptr when not named here.
const char* option_name(uint8_t opt) noexcept;

class TelnetParser final : public Parser {
 public:
  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override;
  void finish(Direction d, ParseContext& ctx) noexcept override;
  void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept override;

 private:
  enum class Cmd : uint8_t { Data, Iac, Opt, SbOpt, SbData, SbIac };
  // What the client's next data bytes are, from the server's last prompt.
  enum class Client : uint8_t { Idle, User, Password, AwaitResult };
  struct Side {
    Cmd cmd = Cmd::Data;
    uint8_t sb_opt = 0;
    uint8_t sb[kMaxSubneg];
    uint16_t sb_len = 0;
    bool sb_cut = false;
  };
  void data_byte(Direction d, uint8_t c, ParseContext& ctx) noexcept;
  void server_byte(uint8_t c, ParseContext& ctx) noexcept;
  void client_byte(uint8_t c, ParseContext& ctx) noexcept;
  void subneg(Direction d, ParseContext& ctx) noexcept;
  void failed(ParseContext& ctx) noexcept;

  Side side_[2];
  Tx tx_;
  Client client_ = Client::Idle;
  uint16_t client_line_ = 0;  // bytes in the client's current line
  bool client_cr_ = false;    // last client byte was CR (CR LF / CR NUL end one line)
  // The server's current line so far, lower case, without controls (prompt and outcome
  // checks); when full its first half is dropped, so the end of a long line is still seen.
  char line_[kServerLine];
  uint16_t line_len_ = 0;
  bool cleartext_noted_ = false;
  uint8_t finished_ = 0;
  bool reported_ = false;
};

ProbeResult probe(Direction d, Bytes first_bytes) noexcept;
Parser* create(ParseContext& ctx) noexcept;
void log_tx(const void* tx, output::EveWriter& w) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::telnet
