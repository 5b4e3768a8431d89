// SSH banner and key-exchange-init parser (see parser.h for the invariants and limits).
#include "app/ssh/parser.h"

#include <algorithm>
#include <cstring>

#include "flow/arena.h"

namespace ww::app::ssh {
namespace {

constexpr uint8_t kMsgKexinit = 20, kMsgNewkeys = 21;  // RFC 4253 12

struct Scratch {
  char text[kMaxKexinit];
};
Scratch& scratch() noexcept {
  thread_local Scratch s;
  return s;
}

}  // namespace

ParseResult SshParser::parse(Direction d, Bytes data, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  size_t pos = 0;
  while (pos < data.size()) {
    switch (s.state) {
      case State::Dead:
        return {ParseStatus::Error, pos, 0};
      case State::Encrypted:
        return {ParseStatus::Ok, data.size(), 0};  // nothing more to read
      case State::Banner: {
        // Scan to the end of the line at once (memchr), keeping at most kMaxBanner bytes.
        Bytes rest = data.subspan(pos);
        const void* lf = std::memchr(rest.data(), '\n', rest.size());
        size_t n = lf ? size_t(static_cast<const uint8_t*>(lf) - rest.data()) : rest.size();
        if (s.line_len < kMaxBanner) {
          size_t k = std::min<size_t>(n, kMaxBanner - s.line_len);
          std::memcpy(s.line + s.line_len, rest.data(), k);
        }
        s.line_len = uint32_t(std::min<size_t>(size_t(s.line_len) + n, kMaxLine + 1));
        pos += n;
        if (s.line_len > kMaxLine) {
          ctx.on_anomaly("ssh.invalid_banner");
          s.state = State::Dead;
          return {ParseStatus::Error, pos, 0};
        }
        if (!lf) break;
        ++pos;  // the LF
        bool ok = banner_line(d, ctx);
        s.line_len = 0;
        if (!ok) {
          s.state = State::Dead;
          return {ParseStatus::Error, pos, 0};
        }
        break;
      }
      case State::PktHdr: {
        s.hdr[s.hdr_have++] = data[pos++];
        if (s.hdr_have < 6) break;
        s.hdr_have = 0;
        // RFC 4253 6: uint32 packet_length, byte padding_length, payload (msg type first),
        // padding; no MAC before the first NEWKEYS.
        uint32_t plen = uint32_t(s.hdr[0]) << 24 | uint32_t(s.hdr[1]) << 16 |
                        uint32_t(s.hdr[2]) << 8 | s.hdr[3];
        uint32_t padlen = s.hdr[4];
        if (plen > kMaxPacket || plen < padlen + 2) {
          ctx.on_anomaly("ssh.invalid_packet");
          s.state = State::Dead;
          return {ParseStatus::Error, pos, 0};
        }
        s.left = plen - 2;
        s.got = 0;
        s.keep = 0;
        uint32_t payload = plen - padlen - 2;  // after the message type byte
        bool first_kexinit = !(d == Direction::ToServer ? tx_.client : tx_.server).kexinit;
        if (s.hdr[5] == kMsgKexinit && first_kexinit) {
          if (payload > kMaxKexinit) {
            ctx.on_anomaly("ssh.kexinit_too_large");
          } else {
            if (s.buf_cap < payload) {
              uint32_t cap = (payload + 1023) & ~uint32_t(1023);
              if (auto* p = ctx.arena().alloc_array<uint8_t>(cap)) {
                s.buf = p;
                s.buf_cap = cap;
              }
            }
            if (s.buf_cap >= payload)
              s.keep = payload;
            else
              ctx.on_anomaly("ssh.kexinit_too_large");  // flow arena cap
          }
        }
        s.state = State::PktBody;
        if (s.left == 0) end_packet(d, ctx);
        break;
      }
      case State::PktBody: {
        size_t n = std::min<size_t>(s.left, data.size() - pos);
        if (s.got < s.keep) {
          size_t k = std::min<size_t>(n, s.keep - s.got);
          std::memcpy(s.buf + s.got, data.data() + pos, k);
        }
        s.got += uint32_t(n);
        s.left -= uint32_t(n);
        pos += n;
        if (s.left == 0) end_packet(d, ctx);
        break;
      }
    }
  }
  return {ParseStatus::Ok, data.size(), 0};
}

void SshParser::end_packet(Direction d, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  s.state = State::PktHdr;
  if (s.hdr[5] == kMsgKexinit && s.keep) {
    kexinit(d, {s.buf, s.keep}, ctx);
  } else if (s.hdr[5] == kMsgNewkeys) {
    s.state = State::Encrypted;  // RFC 4253 7.3: new keys from here on
    maybe_report(d, ctx);
  }
  s.keep = 0;
}

// RFC 4253 4.2: SSH-protoversion-softwareversion SP comments CR LF. The server may send other
// lines first.
bool SshParser::banner_line(Direction d, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  std::string_view line(s.line, std::min<size_t>(s.line_len, kMaxBanner));
  if (s.line_len + 1 > kMaxBanner && !s.long_reported) {  // + the LF
    ctx.on_anomaly("ssh.long_banner");
    s.long_reported = true;
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.substr(0, 4) != "SSH-") {
    if (d == Direction::ToClient && s.pre_lines < kMaxPreBannerLines) {
      ++s.pre_lines;
      return true;
    }
    ctx.on_anomaly("ssh.invalid_banner");
    return false;
  }
  std::string_view rest = line.substr(4);
  size_t dash = rest.find('-');
  if (dash == std::string_view::npos || dash == 0) {
    ctx.on_anomaly("ssh.invalid_banner");
    return false;
  }
  std::string_view software = rest.substr(dash + 1);
  software = software.substr(0, software.find(' '));
  Side& side = d == Direction::ToServer ? tx_.client : tx_.server;
  side.banner = true;
  side.proto_version.assign(rest.substr(0, dash));
  side.software_version.assign(software);
  s.state = State::PktHdr;
  return true;
}

// RFC 4253 7.1 SSH_MSG_KEXINIT (after the type byte): cookie[16], then name-lists
// kex_algorithms, server_host_key_algorithms, encryption c2s, s2c, mac c2s, s2c,
// compression c2s, s2c, languages c2s, s2c, first_kex_packet_follows, reserved.
// HASSH = MD5("kex;enc;mac;cmp") of the sender's direction lists (client: c2s, server: s2c).
void SshParser::kexinit(Direction d, Bytes payload, ParseContext& ctx) noexcept {
  ByteReader r(payload);
  r.skip(16);
  Bytes lists[8];
  for (auto& l : lists) l = r.bytes(r.u32be());
  if (!r.ok()) {
    ctx.on_anomaly("ssh.invalid_kexinit");
    return;
  }
  bool client = d == Direction::ToServer;
  const Bytes parts[4] = {lists[0], lists[client ? 2 : 3], lists[client ? 4 : 5],
                          lists[client ? 6 : 7]};
  char* out = scratch().text;
  size_t n = 0;
  for (int i = 0; i < 4; ++i) {
    if (i) out[n++] = ';';
    copy_bytes(out + n, parts[i].data(), parts[i].size());  // fits: all within payload
    n += parts[i].size();
  }
  Side& side = client ? tx_.client : tx_.server;
  side.kexinit = true;
  char hash[64];
  size_t hn = tls::hex_digest(tls::Digest::Md5, {reinterpret_cast<const uint8_t*>(out), n}, hash,
                              sizeof hash);
  side.hassh.assign({hash, hn});
  size_t keep = std::min(n, kMaxHassh);
  if (char* p = ctx.arena().alloc_array<char>(keep)) {
    std::memcpy(p, out, keep);
    side.hassh_string = p;
    side.hassh_len = uint32_t(keep);
  }
  maybe_report(d, ctx);
}

bool SshParser::side_done(Direction d) const noexcept {
  const Side& side = d == Direction::ToServer ? tx_.client : tx_.server;
  State st = dir_[idx(d)].state;
  return side.kexinit || st == State::Encrypted || st == State::Dead;
}

void SshParser::maybe_report(Direction d, ParseContext& ctx) noexcept {
  if (logged_ || !tx_.client.banner || !tx_.server.banner) return;
  if (!side_done(Direction::ToServer) || !side_done(Direction::ToClient)) return;
  logged_ = true;
  ctx.on_transaction(&tx_, 0, d);
}

void SshParser::gap(Direction d, uint64_t len, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  if (s.state != State::Encrypted) s.state = State::Dead;  // framing lost
  maybe_report(d, ctx);
}

void SshParser::finish(Direction d, ParseContext& ctx) noexcept {
  if (logged_ || !(tx_.client.banner || tx_.server.banner)) return;
  logged_ = true;
  ctx.on_transaction(&tx_, 0, d);
}

ProbeResult probe(Direction d, Bytes b) noexcept {
  static constexpr char kTag[] = "SSH-";
  for (size_t i = 0; i < 4; ++i) {
    if (i >= b.size()) return ProbeResult::NeedMore;
    if (b[i] != uint8_t(kTag[i])) return ProbeResult::NoMatch;
  }
  return ProbeResult::Match;
}

Parser* create(ParseContext& ctx) noexcept { return ctx.arena().make<SshParser>(); }

const ParserSpec kSpec = {
    .proto = Proto::Ssh,
    .tcp = true,
    .udp = false,
    .ports = {22, 0, 0, 0},
    .probe = probe,
    .create = create,
    .event_type = "ssh",
    .log_tx = log_tx,
    .buffers = buffers,
};

}  // namespace ww::app::ssh
