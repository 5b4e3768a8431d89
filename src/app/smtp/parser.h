// app/smtp: SMTP (RFC 5321) with the message it carries (RFC 5322 headers, RFC 2045/2046 MIME).
//
// What it does: client commands (EHLO/HELO, MAIL FROM, RCPT TO, DATA, BDAT, RSET, QUIT, AUTH,
// STARTTLS) and server replies (multi-line "NNN-"), the DATA body with dot-unstuffing
// (RFC 5321 4.5.2) through a line-based MIME walker: top-level headers (From, To, Cc, Subject,
// Message-ID, Date, X-Mailer, with folding), multipart bodies (boundary stack), parts with a
// file name handed to file extraction after base64 or quoted-printable decoding.
// One Tx per mail transaction (HELO/MAIL FROM .. end of DATA), reported at the server's reply
// to the end of data (Suricata 8.0.7), or at RSET, a new HELO/EHLO, QUIT, the next command
// after the end of data, or the end of the flow. Commands wait for their replies in a bounded
// queue (Suricata's reply matching: pipelined commands, the reply that completes a message).
// STARTTLS: the parser notes it and stops reading both directions once the server accepted it.
// AUTH: the mechanism is noted; PLAIN and LOGIN in the clear are smtp.cleartext_auth; the
// credentials lines that follow are skipped and never kept.
//
// Invariants: incremental per direction (line assembly in a fixed buffer), always consumes
// what it is given; any split of the input gives the same Tx.
// Limits: lines kept up to kMaxLine bytes (longer command/header lines are cut:
// smtp.line_too_long; longer body lines are passed on in pieces); headers up to kMaxHeader
// after folding; kMaxRcpt recipients, kMaxAttachments names per Tx; MIME nesting kMaxDepth.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "app/parser.h"
#include "app/tls/text.h"

namespace ww::app::smtp {

inline constexpr size_t kMaxLine = 4096;
inline constexpr size_t kMaxHeader = 2048;
inline constexpr size_t kMaxRcpt = 32;
inline constexpr size_t kMaxAttachments = 16;
inline constexpr size_t kMaxDepth = 4;
inline constexpr size_t kMaxFilename = 255;  // longer names are cut: smtp.MIME_LONG_FILENAME
inline constexpr size_t kMaxBoundary = 254;  // longer boundaries: smtp.MIME_LONG_BOUNDARY
inline constexpr size_t kMaxPending = 64;    // commands waiting for their reply (pipelining)
// Decoded attachment bytes of a transaction kept for the file.data rule buffer (Suricata's
// SMTP file inspection); from the flow arena, once per flow, on the first attachment byte.
inline constexpr size_t kFileInspect = 64 * 1024;

inline constexpr size_t kMaxUrls = 32;     // URLs kept per transaction (email.url)
inline constexpr size_t kMaxUrlLen = 1024;  // a longer URL is not kept
inline constexpr size_t kMaxSchemes = 8;

// app-layer.protocols.smtp.mime.* and the EVE smtp md5 option (docs/protocols/smtp.md), as
// Suricata's: process-wide, set at start-up before the workers run, only read afterwards.
struct Settings {
  bool extract_urls = true;     // extract-urls: URLs of the message's text parts (email.url)
  tls::BoundedStr<16> schemes[kMaxSchemes];  // extract-urls-schemes (default: http)
  uint8_t n_schemes = 0;
  bool log_url_scheme = false;  // log-url-scheme: email.url keeps "scheme://"
  bool body_md5 = false;        // body-md5: MD5 of the message body (after its header block)
  bool log_body_md5 = false;    // outputs.eve-log.types.smtp.md5: [body, subject]
  bool log_subject_md5 = false;
};
void set_settings(const Settings& s) noexcept;
const Settings& settings() noexcept;

using Str = tls::BoundedStr<256>;
using Long = tls::BoundedStr<1024>;

struct Tx {
  Str helo;
  Str mail_from;
  tls::BoundedList<2048, kMaxRcpt> rcpt_to;
  bool has_data = false;   // DATA seen (BDAT content is not MIME-parsed: no email object)
  bool bdat = false;       // BDAT seen
  bool data_done = false;  // the end-of-data line was seen
  bool body_started = false;  // the message's header block ended
  bool mime_error = false;    // the MIME structure could not be followed (email.status)
  bool starttls = false;
  Str auth_mechanism;      // AUTH <mechanism>, upper-cased
  // RFC 5322 headers of the message (top level).
  Long from, to, cc;
  Str subject, message_id, date, x_mailer;
  tls::BoundedList<2048, kMaxAttachments> attachments;
  tls::BoundedList<4096, kMaxUrls> urls;  // in the order found (logged last first, as Suricata)
  char body_md5[32];     // hex, when body_md5_set
  char subject_md5[32];  // hex of the whole Subject value, when subject_md5_set
  bool body_md5_set = false;
  bool subject_md5_set = false;
  // The decoded content of the attachments, one after the other, up to kFileInspect bytes
  // (file.data); points into the parser's arena buffer, valid until the next transaction.
  const uint8_t* file_data = nullptr;
  uint32_t file_data_len = 0;
};

class SmtpParser final : public Parser {
 public:
  // User-provided: make<SmtpParser>() then runs the member initialisers only, without first
  // zeroing the ~27 KB object (line, header and output buffers are read only up to their length).
  SmtpParser() noexcept {}
  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override;
  void finish(Direction d, ParseContext& ctx) noexcept override;
  void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept override;

 private:
  enum class Client : uint8_t { Command, Auth, Data, Bdat, Tls, Dead };
  enum class Mime : uint8_t { Headers, Body };
  enum class Enc : uint8_t { Plain, Base64, Qp };
  // What a queued command is, for the reply that answers it.
  enum class Cmd : uint8_t { Other, Data, DataEnd, BdatLast, StartTls };
  struct Line {
    char buf[kMaxLine];
    uint32_t len = 0;
    bool cut = false;  // the line went past kMaxLine
  };
  struct Part {  // the headers of the part being read
    Enc enc = Enc::Plain;
    bool multipart = false;
    bool rfc822 = false;  // message/rfc822: the body is an encapsulated message
    tls::BoundedStr<128> boundary;
    tls::BoundedStr<kMaxFilename> filename;
    bool text = true;  // text/* or no Content-Type (RFC 2045 5.2): URLs are looked for
  };

  void line(bool to_server, std::string_view l, bool cont, ParseContext& ctx) noexcept;
  void client_line(std::string_view l, bool partial, ParseContext& ctx) noexcept;
  void server_line(std::string_view l, ParseContext& ctx) noexcept;
  void data_line(std::string_view l, bool partial, bool cont, ParseContext& ctx) noexcept;
  void mime_line(std::string_view l, bool partial, bool cont, ParseContext& ctx) noexcept;
  void header(std::string_view h, ParseContext& ctx) noexcept;
  void end_headers(ParseContext& ctx) noexcept;
  void body_bytes(std::string_view l, bool partial, ParseContext& ctx) noexcept;
  void file_end(FileEnd e, ParseContext& ctx) noexcept;
  void close_pending(ParseContext& ctx) noexcept;
  ParseResult parse_chunk(Direction d, Bytes data, ParseContext& ctx) noexcept;
  void end_data(ParseContext& ctx) noexcept;
  void start_tx() noexcept;
  void push(Cmd c, ParseContext& ctx) noexcept;
  void emit(ParseContext& ctx) noexcept;
  void out(const uint8_t* p, size_t n, ParseContext& ctx) noexcept;
  void out_flush(ParseContext& ctx) noexcept;
  void sink(const uint8_t* p, size_t n, ParseContext& ctx) noexcept;
  void url_byte(uint8_t c) noexcept;
  void url_end() noexcept;

  Line line_[2];
  Client client_ = Client::Command;
  bool server_tls_ = false;
  bool starttls_sent_ = false;
  bool changed_ = false;  // the app layer switched the flow to TLS after STARTTLS
  bool auth_pending_ = false;
  bool client_done_ = false;  // finish(ToServer) came
  uint64_t bdat_left_ = 0;
  bool bdat_last_ = false;
  Str helo_;
  Tx tx_;
  bool tx_open_ = false;
  bool awaiting_ = false;  // tx_'s message ended: reported at the server's reply to it
  bool data_seen_ = false;  // a body line came since DATA (a rejected DATA goes back)
  Cmd cmds_[kMaxPending] = {};  // commands sent and not answered yet, oldest at cmd_head_
  uint8_t cmd_head_ = 0;
  uint8_t cmd_count_ = 0;
  uint64_t next_tx_ = 0;
  // MIME
  Mime mime_ = Mime::Headers;
  bool top_ = true;  // reading the message's own headers
  Part part_;
  bool name_cut_ = false;  // smtp.MIME_LONG_FILENAME was reported for this part
  tls::BoundedStr<kMaxHeader> hdr_;
  tls::BoundedStr<128> bounds_[kMaxDepth];
  uint8_t depth_ = 0;
  bool attachment_ = false;  // the part being read is an attachment (decoded)
  bool crlf_pending_ = false;  // the CRLF of the last Plain/QP line, written if a line follows
  uint32_t file_ = 0;  // ctx file of the current attachment (0: the tracker did not take it)
  uint32_t closing_ = 0;  // an attachment that ended in this chunk, closed at its end
  FileEnd closing_end_ = FileEnd::Complete;
  uint32_t b64_ = 0;   // base64 quad being assembled
  uint8_t b64_n_ = 0;
  uint8_t obuf_[1024];
  uint32_t olen_ = 0;
  uint8_t* fdata_ = nullptr;  // kFileInspect bytes from the flow arena (file.data)
  uint32_t fdata_len_ = 0;
  bool fdata_failed_ = false;  // the arena refused the buffer: file.data is not kept
  // URLs (extract-urls): the text part's current run of non-delimiter bytes, decoded.
  bool url_scan_ = false;
  char url_[kMaxUrlLen];
  uint32_t url_len_ = 0;
  bool url_cut_ = false;
  // body-md5: the message body as sent (OpenSSL's MD5; the context is allocated at the first
  // DATA when the option is on). md5_on_: initialised for the current DATA message.
  struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const noexcept;
  };
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md5_;
  bool md5_on_ = false;
  void md5_start() noexcept;
};

ProbeResult probe(Direction d, Bytes first_bytes) noexcept;
Parser* create(ParseContext& ctx) noexcept;
void log_tx(const void* tx, output::EveWriter& w) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::smtp
