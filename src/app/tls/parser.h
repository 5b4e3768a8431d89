// app/tls: TLS (and SSLv3) handshake parser: record layer, handshake messages spanning records,
// ClientHello/ServerHello/Certificate, JA3/JA3S/JA4 fingerprints, leaf certificate fields.
//
// Invariants:
//  - Incremental: each direction is a byte-driven state machine (record header, record body,
//    handshake header, handshake body); any split of the input gives the same transaction.
//  - Bounded: record headers and handshake headers live in small inline arrays; a handshake
//    message is buffered only when it is one we read (ClientHello, ServerHello, Certificate)
//    and only up to kMaxHandshake (larger ones are skipped: tls.handshake_too_large). The buffer
//    comes from the flow arena and grows only when a larger message arrives.
//  - Cheap after the handshake: once a direction is encrypted (after its ChangeCipherSpec, or
//    after a TLS 1.3 ServerHello for the server side) records are skipped by length only.
//  - One transaction per session (Suricata logs one `tls` event per session), reported once:
//    on the server's Certificate, ServerHelloDone or ChangeCipherSpec, on a TLS 1.3
//    ServerHello, on application data, or at finish().
// Limits: kMaxHandshake per message; strings in the Tx are bounded (truncation is flagged);
// the JA3 string kept for logging is cut at kMaxJa3 chars (its hash covers the whole string).
#pragma once

#include <cstddef>
#include <cstdint>

#include "app/parser.h"
#include "app/tls/text.h"

namespace ww::app::tls {

inline constexpr size_t kMaxHandshake = 64 * 1024;
inline constexpr size_t kMaxRecord = 16384 + 2048;  // RFC 5246 6.2.3 (ciphertext bound)
inline constexpr size_t kMaxJa3 = 16 * 1024;

// Record versions (RFC 5246 6.2.1, RFC 8446 4.2.1).
inline constexpr uint16_t kSsl3 = 0x0300, kTls10 = 0x0301, kTls11 = 0x0302, kTls12 = 0x0303,
                          kTls13 = 0x0304;
// A TLS 1.3 draft before 16, which put 0x0304 in the hello's version field (no
// supported_versions): kept as draft "1" of the 0x7fNN range (named "TLS 1.3 draft-<16").
inline constexpr uint16_t kTls13PreDraft16 = 0x7f01;

// Suricata's EVE names: "SSLv3", "TLSv1", "TLS 1.1", "TLS 1.2", "TLS 1.3", "UNDETERMINED".
std::string_view version_name(uint16_t v) noexcept;
// GREASE values (RFC 8701): 0x0A0A, 0x1A1A ... 0xFAFA.
constexpr bool is_grease(uint16_t v) noexcept {
  return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

// The fields of one certificate (a chain's leaf).
struct CertInfo {
  BoundedStr<512> subject;
  BoundedStr<512> issuer;
  BoundedStr<128> serial;      // uppercase hex with colons, DER integer bytes
  BoundedStr<59> fingerprint;  // SHA-1, lowercase hex with colons
  BoundedStr<19> not_before;   // 2024-01-31T12:00:00 (UTC)
  BoundedStr<19> not_after;
  BoundedList<1024, 32> sans;  // subjectAltName DNS names and IP addresses
};

// The server's leaf certificate (TLS <= 1.2) is the CertInfo base: tx.subject ...
struct Tx : CertInfo {
  bool client_hello = false;  // a ClientHello was parsed
  bool server_hello = false;  // a ServerHello was parsed
  bool has_cert = false;      // the leaf certificate was parsed
  bool tls13 = false;
  uint16_t client_version = 0;  // ClientHello legacy_version
  uint16_t version = 0;         // negotiated (ServerHello, supported_versions for 1.3)
  uint16_t cipher = 0;          // ServerHello cipher suite
  bool session_resumed = false;  // the ServerHello echoed the client's session id (< 1.3)

  BoundedStr<256> sni;
  BoundedList<256, 16> client_alpns;
  BoundedList<64, 4> server_alpns;

  // Fingerprints. ja3_string points into the flow arena (nullptr when no ClientHello).
  const char* ja3_string = nullptr;
  uint32_t ja3_len = 0;
  bool ja3_truncated = false;
  BoundedStr<32> ja3_hash;
  BoundedStr<512> ja3s_string;
  BoundedStr<32> ja3s_hash;
  BoundedStr<40> ja4;

  // The server's certificate_list (RFC 5246 7.4.2, each cert a 3-byte length and its DER) in
  // the flow arena, for tls.certs; nullptr when none was read.
  const uint8_t* chain = nullptr;
  uint32_t chain_len = 0;
  // The client's leaf certificate (client authentication, RFC 5246 7.4.6), inspected to_server
  // on its own when it comes (client_cert_pass: only its certificate buffers then).
  bool has_client_cert = false;
  bool client_cert_pass = false;
  CertInfo client_cert;

  std::string_view ja3() const noexcept { return {ja3_string, ja3_len}; }
};

class TlsParser final : public Parser {
 public:
  TlsParser() noexcept = default;
  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override;
  void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept override;
  void finish(Direction d, ParseContext& ctx) noexcept override;

  const Tx& tx() const noexcept { return tx_; }
  bool logged() const noexcept { return logged_; }
  bool encrypted(Direction d) const noexcept { return dir_[idx(d)].encrypted; }

 private:
  enum class State : uint8_t { RecHdr, RecBody, Dead };
  struct DirState {
    State state = State::RecHdr;
    bool encrypted = false;  // handshake records are no longer readable
    uint8_t rec_hdr[5];
    uint8_t rec_have = 0;
    uint8_t rec_type = 0;
    uint32_t rec_left = 0;  // record body bytes still to come
    uint8_t hs_hdr[4];
    uint8_t hs_have = 0;  // handshake header bytes collected (4 = in body)
    uint32_t hs_len = 0;
    uint32_t hs_got = 0;     // body bytes seen
    bool hs_keep = false;    // buffering this message's body
    uint8_t* buf = nullptr;  // arena buffer for the message body
    uint32_t buf_cap = 0;
  };

  void record_bytes(Direction d, Bytes b, ParseContext& ctx) noexcept;
  void handshake_bytes(Direction d, Bytes b, ParseContext& ctx) noexcept;
  void message(Direction d, uint8_t type, Bytes body, ParseContext& ctx) noexcept;
  void end_of_record(Direction d, ParseContext& ctx) noexcept;
  void client_hello(Bytes body, ParseContext& ctx) noexcept;
  void server_hello(Direction d, Bytes body, ParseContext& ctx) noexcept;
  bool certificate(Bytes body, ParseContext& ctx, CertInfo& out) noexcept;
  void report(Direction d, ParseContext& ctx) noexcept;

  DirState dir_[2];
  Tx tx_;
  bool logged_ = false;
  uint8_t session_id_[32];  // the ClientHello's legacy_session_id (resumption check)
  uint8_t session_id_len_ = 0;
  bool hrr_ = false;  // a HelloRetryRequest came: the ServerHello that follows is still plain
};

ProbeResult probe(Direction d, Bytes first_bytes) noexcept;
Parser* create(ParseContext& ctx) noexcept;
void log_tx(const void* tx, output::EveWriter& w) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::tls
