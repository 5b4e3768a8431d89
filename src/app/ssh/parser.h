// app/ssh: SSH identification banners and the cleartext start of the binary packet protocol
// (RFC 4253): protocol and software versions per side, KEXINIT algorithm lists for HASSH and
// HASSH-server; everything after NEWKEYS is encrypted and skipped without looking at it.
//
// Invariants:
//  - Incremental: per direction a byte-driven state machine (banner line, packet header,
//    packet body); any split of the input gives the same transaction.
//  - Bounded: the banner line is kept up to kMaxBanner bytes (RFC 4253 4.2: 255 including
//    CR LF; longer: ssh.long_banner, cut); a line without LF is abandoned after kMaxLine bytes
//    (ssh.invalid_banner). Only KEXINIT payloads are buffered (flow arena, up to kMaxKexinit);
//    other packets are skipped by length. HASSH strings kept for logging are cut at kMaxHassh
//    (their MD5 covers the whole string).
//  - One transaction per session, reported once both sides sent their KEXINIT (or stopped),
//    or at finish().
#pragma once

#include <cstddef>
#include <cstdint>

#include "app/parser.h"
#include "app/tls/text.h"

namespace ww::app::ssh {

inline constexpr size_t kMaxBanner = 255;
inline constexpr size_t kMaxLine = 8 * 1024;
inline constexpr size_t kMaxKexinit = 64 * 1024;
inline constexpr size_t kMaxHassh = 4 * 1024;
inline constexpr uint32_t kMaxPacket = 256 * 1024;  // RFC 4253 6.1 asks for 35000 at least
inline constexpr int kMaxPreBannerLines = 16;       // RFC 4253 4.2: server lines before "SSH-"

struct Side {
  bool banner = false;   // an "SSH-" line was parsed
  bool kexinit = false;  // a KEXINIT was parsed
  tls::BoundedStr<32> proto_version;
  tls::BoundedStr<kMaxBanner> software_version;
  tls::BoundedStr<32> hassh;
  const char* hassh_string = nullptr;  // flow arena
  uint32_t hassh_len = 0;
  std::string_view hassh_str() const noexcept { return {hassh_string, hassh_len}; }
};

struct Tx {
  Side client, server;
};

class SshParser final : public Parser {
 public:
  SshParser() noexcept = default;
  ParseResult parse(Direction d, Bytes data, ParseContext& ctx) noexcept override;
  void gap(Direction d, uint64_t len, ParseContext& ctx) noexcept override;
  void finish(Direction d, ParseContext& ctx) noexcept override;
  const Tx& tx() const noexcept { return tx_; }
  bool encrypted(Direction d) const noexcept { return dir_[idx(d)].state == State::Encrypted; }

 private:
  enum class State : uint8_t { Banner, PktHdr, PktBody, Encrypted, Dead };
  struct DirState {
    State state = State::Banner;
    bool long_reported = false;
    uint8_t pre_lines = 0;
    uint32_t line_len = 0;  // bytes of the current line seen (kept: up to kMaxBanner)
    char line[kMaxBanner];
    uint8_t hdr[6];  // packet_length(4) padding_length(1) msg type(1)
    uint8_t hdr_have = 0;
    uint32_t left = 0;  // packet bytes still to come after the header
    uint32_t keep = 0;  // of which payload bytes to buffer (KEXINIT)
    uint32_t got = 0;
    uint8_t* buf = nullptr;
    uint32_t buf_cap = 0;
  };

  bool banner_line(Direction d, ParseContext& ctx) noexcept;
  void end_packet(Direction d, ParseContext& ctx) noexcept;
  void kexinit(Direction d, Bytes payload, ParseContext& ctx) noexcept;
  void maybe_report(Direction d, ParseContext& ctx) noexcept;
  bool side_done(Direction d) const noexcept;

  DirState dir_[2];
  Tx tx_;
  bool logged_ = false;
};

ProbeResult probe(Direction d, Bytes first_bytes) noexcept;
Parser* create(ParseContext& ctx) noexcept;
void log_tx(const void* tx, output::EveWriter& w) noexcept;
void buffers(const void* tx, Direction d, detect::InspectBuffers& out) noexcept;

extern const ParserSpec kSpec;

}  // namespace ww::app::ssh
