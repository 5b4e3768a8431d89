// app/ftp: the FTP control channel (RFC 959, RFC 2428 for EPRT/EPSV, RFC 4217 for AUTH TLS).
//
// What it does: client commands and server replies (multi-line "NNN-" .. "NNN "), one Tx per
// command with its replies (preliminary 1xx kept, completed by the first 2xx-5xx reply);
// USER in the clear is noted and PASS is ftp.cleartext_login (its argument is never kept);
// PORT/EPRT (active) and the 227/229 replies to PASV/EPSV (passive) give the data channel's
// address and port; RETR/STOR/STOU/APPE keep the file name. AUTH TLS accepted (234): the
// app layer switches the flow to TLS (ParseContext::change_protocol); if it cannot, the
// parser stops reading both directions.
// The transfer commands (RETR, STOR, STOU, APPE, LIST, NLST, MLSD) announce the data
// connection of the last PORT/EPRT/PASV/EPSV to the app layer (ParseContext::expect); it is
// parsed as ftp-data (data.h) with the command and file name.
//
// Invariants: incremental per direction (line assembly in a fixed buffer); always consumes
// what it is given; any split gives the same Tx.
// Limits: lines kept up to max-line-length (Settings::max_line, default kMaxLine; longer:
// ftp.request_command_too_long or ftp.response_command_too_long, cut,
// command_truncated/reply_truncated; the event is raised with the transaction of the cut
// command, as Suricata 8 does); command_data keeps at most kMaxLine bytes whatever the line
// limit; kMaxPending commands waiting for a reply (the oldest is reported without one when
// full); kMaxReplies reply lines per Tx.
// PASS's argument is never kept unless Settings::log_password (app-layer.protocols.ftp.
// log-password, off by default: the hospital credential policy).
#pragma once

#include <cstddef>
#include <cstdint>

#include "app/parser.h"
#include "app/tls/text.h"

namespace ww::app::ftp {

inline constexpr size_t kMaxLine = 4096;  // Suricata's default max-line-length
inline constexpr size_t kMaxLineCap = 1u << 20;  // the most max-line-length may be
inline constexpr size_t kMaxPending = 8;
inline constexpr size_t kMaxReplies = 8;

enum class Mode : uint8_t { None, Active, Passive };

// app-layer.protocols.ftp.* (docs/protocols/ftp.md): process-wide, set at start-up before the
// workers run (capture/worker.cpp), only read afterwards.
struct Settings {
  bool log_password = false;  // log-password: keep PASS's argument (EVE, ftp.command_data)
  uint32_t max_line = kMaxLine;  // max-line-length: longer lines are cut (kMaxLineCap at most)
  // max-tx (Suricata 8.0.6): commands awaiting their reply at most; one more is
  // ftp.too_many_transactions and the client's side is no longer parsed. 0: no such limit
  // (beyond kMaxPending, where the oldest is reported without reply).
  uint32_t max_tx = 0;
};
void set_settings(const Settings& s) noexcept;
Settings settings() noexcept;

struct Tx {
  tls::BoundedStr<16> command;  // upper-cased
  tls::BoundedStr<kMaxLine> command_data;  // PASS: only with log_password; cut: what fitted
  bool command_truncated = false;  // the command line was over kMaxLine
  bool reply_truncated = false;    // a reply line was over kMaxLine
  tls::BoundedList<2048, kMaxReplies> reply;
  uint16_t completion_code[kMaxReplies] = {};
  uint8_t n_codes = 0;
  bool reply_received = false;  // a final reply (2xx-5xx) completed it
  Mode mode = Mode::None;
  tls::BoundedStr<64> data_addr;  // PORT/EPRT/227: the address; EPSV: empty (the server's)
  uint16_t dynamic_port = 0;
  bool file_command = false;  // RETR/STOR/STOU/APPE: command_data is the file name
  bool bounce = false;  // PORT naming another host than the client (ftpbounce, RFC 2577 3)
};

class FtpParser final : public Parser {
 public:
  // User-provided: make<FtpParser>() runs the member initialisers only, without first zeroing
  // the ~50 KB of queued transactions (their text is read only up to its lengths).
  FtpParser() noexcept {}
  // The line buffers (max-line-length each) from the arena; false at its cap.
  bool init(flow::Arena& a) noexcept;
  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override;
  void finish(Direction d, ParseContext& ctx) noexcept override;
  void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept override;

 private:
  struct Line {
    char* buf = nullptr;  // max_line_ bytes in the flow arena (create())
    uint32_t len = 0;
    bool cut = false;
  };
  void command(std::string_view l, bool cut, ParseContext& ctx) noexcept;
  void reply(std::string_view l, bool cut, ParseContext& ctx) noexcept;
  void emit_front(ParseContext& ctx) noexcept;
  void expect_data(std::string_view cmd, std::string_view file, ParseContext& ctx) noexcept;

  Line line_[2];
  uint32_t max_line_ = kMaxLine;
  uint32_t max_tx_ = 0;
  bool log_password_ = false;
  bool client_stopped_ = false;  // over max-tx: the client's bytes are no longer parsed
  Tx q_[kMaxPending];
  uint64_t q_id_[kMaxPending] = {};
  uint8_t head_ = 0, count_ = 0;
  uint64_t next_tx_ = 0;
  uint16_t multi_ = 0;  // code of a multi-line reply in progress
  bool auth_tls_ = false;
  bool tls_ = false;
  Mode data_mode_ = Mode::None;  // the last PORT/EPRT/PASV/EPSV: the next transfer's channel
  uint16_t data_port_ = 0;
  bool auth_wait_ = false;  // AUTH TLS sent, no final reply yet: client bytes are held
  bool changed_ = false;    // the app layer switched the flow to TLS (234 to AUTH TLS)
};

ProbeResult probe(Direction d, Bytes first_bytes) noexcept;
Parser* create(ParseContext& ctx) noexcept;
void log_tx(const void* tx, output::EveWriter& w) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;
// ftpbounce (keywords.cpp).
bool check(const void* tx, Direction d, std::string_view keyword,
           std::string_view value) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::ftp
