// app/ftp (data channel): the connections FTP announces (PORT/EPRT/PASV/EPSV followed by
// RETR, STOR, STOU, APPE, LIST, NLST or MLSD) are identified through the app layer's
// expectation table (app/expect.h) as ftp-data, never by probing. The bytes of the direction
// that carries data are handed to file extraction under the file name of the command
// (listings have no name and are not extracted); one Tx per connection (EVE `ftp_data`:
// Suricata's `filename` and `command`), reported when the data direction ends.
// file.data: the first kFileInspect bytes of the transfer (the Tx's file_data).
// Invariants: always consumes what it is given; the other direction's bytes are ignored
// (counted in the Tx); a gap ends the file as FileEnd::Gap.
#pragma once

#include <cstdint>

#include "app/parser.h"
#include "app/tls/text.h"

namespace ww::app::ftp {

// The first bytes of the transfer kept for the file.data rule buffer (flow arena, on the
// first data byte).
inline constexpr uint32_t kFileInspect = 64 * 1024;

struct DataTx {
  tls::BoundedStr<8> command;
  tls::BoundedStr<256> filename;
  uint64_t bytes = 0;        // bytes of the data direction
  uint64_t other_bytes = 0;  // bytes the other direction sent (none expected)
  bool gap = false;
  const uint8_t* file_data = nullptr;  // the first kFileInspect bytes of the data direction
  uint32_t file_data_len = 0;
  int8_t dir = -1;  // idx() of the data direction, -1 before the first byte
};

class FtpDataParser final : public Parser {
 public:
  explicit FtpDataParser(const Expectation* e) noexcept;
  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override;
  void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept override;
  void finish(Direction d, ParseContext& ctx) noexcept override;

 private:
  DataTx tx_;
  uint32_t file_ = 0;
  int8_t dir_ = -1;  // the direction that carries the data (the first to send)
  uint8_t* insp_ = nullptr;  // kFileInspect bytes (file.data); null when the arena refused
  bool insp_tried_ = false;
  bool reported_ = false;
};

Parser* create_data(ParseContext& ctx) noexcept;
void log_data_tx(const void* tx, output::EveWriter& w) noexcept;
void data_buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;

extern const ParserSpec kDataSpec;

}  // namespace ww::app::ftp
