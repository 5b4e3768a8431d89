// Telnet parser (see parser.h for what it does, its invariants and limits).
#include "app/telnet/parser.h"

#include <cstring>
#include <string_view>

#include "flow/arena.h"

namespace ww::app::telnet {
namespace {

// RFC 854 command codes.
constexpr uint8_t kSe = 240, kSb = 250, kWill = 251, kWont = 252, kDo = 253, kDont = 254,
                  kIac = 255;
// Options with a subnegotiation read here.
constexpr uint8_t kTerminalType = 24, kNaws = 31, kNewEnviron = 39;

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

const char* option_name(uint8_t o) noexcept {
  switch (o) {
    case 0: return "binary";             // RFC 856
    case 1: return "echo";               // RFC 857
    case 3: return "suppress_go_ahead";  // RFC 858
    case 5: return "status";             // RFC 859
    case 6: return "timing_mark";        // RFC 860
    case 24: return "terminal_type";     // RFC 1091
    case 31: return "naws";              // RFC 1073
    case 32: return "terminal_speed";    // RFC 1079
    case 33: return "remote_flow_control";  // RFC 1372
    case 34: return "linemode";          // RFC 1184
    case 35: return "x_display_location";   // RFC 1096
    case 36: return "environ";           // RFC 1408
    case 37: return "authentication";    // RFC 2941
    case 38: return "encryption";        // RFC 2946
    case 39: return "new_environ";       // RFC 1572
    default: return nullptr;
  }
}

// A session starts with option negotiation from either side: IAC then WILL/WONT/DO/DONT or
// SB (Suricata's telnet detection does the same). Port 23 is only a hint.
ProbeResult probe(Direction, Bytes b) noexcept {
  if (b.empty()) return ProbeResult::NeedMore;
  if (b[0] != kIac) return ProbeResult::NoMatch;
  if (b.size() < 2) return ProbeResult::NeedMore;
  if (b[1] < kSb || b[1] == kIac) return ProbeResult::NoMatch;
  if (b.size() < 3) return ProbeResult::NeedMore;
  // The option after WILL..DONT, or after SB: the next IAC command or data must follow.
  return ProbeResult::Match;
}

Parser* create(ParseContext& ctx) noexcept { return ctx.arena().make<TelnetParser>(); }

ParseResult TelnetParser::parse(Direction d, Bytes data, ParseContext& ctx) noexcept {
  Side& s = side_[idx(d)];
  for (uint8_t c : data) {
    switch (s.cmd) {
      case Cmd::Data:
        if (c == kIac)
          s.cmd = Cmd::Iac;
        else
          data_byte(d, c, ctx);
        break;
      case Cmd::Iac:
        if (c == kIac) {  // IAC IAC: a data byte 255
          s.cmd = Cmd::Data;
          data_byte(d, c, ctx);
        } else if (c >= kWill) {
          s.cmd = Cmd::Opt;
          s.sb_opt = c;  // the verb, until the option arrives
        } else if (c == kSb) {
          s.cmd = Cmd::SbOpt;
        } else {
          s.cmd = Cmd::Data;  // NOP, DM, BRK, IP, AO, AYT, EC, EL, GA, stray SE
        }
        break;
      case Cmd::Opt:
        if (s.sb_opt == kWill || s.sb_opt == kDo) tx_.options[c >> 6] |= uint64_t(1) << (c & 63);
        s.cmd = Cmd::Data;
        break;
      case Cmd::SbOpt:
        s.sb_opt = c;
        s.sb_len = 0;
        s.sb_cut = false;
        s.cmd = Cmd::SbData;
        break;
      case Cmd::SbData:
        if (c == kIac) {
          s.cmd = Cmd::SbIac;
        } else if (s.sb_len < kMaxSubneg) {
          s.sb[s.sb_len++] = c;
        } else if (!s.sb_cut) {
          s.sb_cut = true;
          ctx.on_anomaly("telnet.subneg_too_long");
        }
        break;
      case Cmd::SbIac:
        if (c == kIac) {  // a 255 inside the subnegotiation
          if (s.sb_len < kMaxSubneg) s.sb[s.sb_len++] = c;
          s.cmd = Cmd::SbData;
        } else {
          if (c != kSe) ctx.on_anomaly("telnet.malformed_subneg");  // RFC 854: IAC SE ends SB
          if (!s.sb_cut) subneg(d, ctx);
          s.cmd = Cmd::Data;
        }
        break;
    }
  }
  return {ParseStatus::Ok, data.size(), 0};
}

void TelnetParser::subneg(Direction d, ParseContext&) noexcept {
  Side& s = side_[idx(d)];
  Bytes v(s.sb, s.sb_len);
  if (d != Direction::ToServer) return;  // the client answers with IS; the server asks (SEND)
  if (s.sb_opt == kTerminalType && !v.empty() && v[0] == 0) {  // RFC 1091: IS <name>
    tx_.terminal_type.assign(as_sv(v.subspan(1)));
  } else if (s.sb_opt == kNaws && v.size() == 4) {  // RFC 1073: width16 height16
    tx_.naws = true;
    tx_.width = uint16_t(v[0] << 8 | v[1]);
    tx_.height = uint16_t(v[2] << 8 | v[3]);
  } else if (s.sb_opt == kNewEnviron && !v.empty() && v[0] == 0) {
    // RFC 1572: IS, then (VAR|USERVAR name [VALUE value])*; VAR 0, VALUE 1, ESC 2, USERVAR 3.
    size_t i = 1;
    while (i < v.size()) {
      uint8_t type = v[i++];
      size_t start = i;
      while (i < v.size() && v[i] > 3) ++i;
      std::string_view name = as_sv(v.subspan(start, i - start));
      if (type != 0 || name != "USER" || i >= v.size() || v[i] != 1) continue;
      start = ++i;
      while (i < v.size() && v[i] > 3) ++i;
      tx_.username.assign(as_sv(v.subspan(start, i - start)));
    }
  }
}

void TelnetParser::data_byte(Direction d, uint8_t c, ParseContext& ctx) noexcept {
  if (d == Direction::ToServer)
    client_byte(c, ctx);
  else
    server_byte(c, ctx);
}

void TelnetParser::failed(ParseContext& ctx) noexcept {
  ++tx_.failures;
  tx_.login = Login::Failed;
  client_ = Client::Idle;
  ctx.on_anomaly("telnet.login_failed");
}

void TelnetParser::server_byte(uint8_t c, ParseContext& ctx) noexcept {
  if (c == '\r' || c == '\n') {
    if (client_ == Client::AwaitResult) {
      std::string_view l(line_, line_len_);
      for (std::string_view w : {"incorrect", "failed", "denied", "invalid"})
        if (l.find(w) != l.npos) {
          failed(ctx);
          break;
        }
    }
    line_len_ = 0;
    return;
  }
  if (c < 0x20 || c >= 0x7f) return;  // controls (and NUL after CR) are not text
  if (line_len_ == kServerLine) {
    std::memmove(line_, line_ + kServerLine / 2, kServerLine / 2);
    line_len_ = kServerLine / 2;
  }
  line_[line_len_++] = char(c >= 'A' && c <= 'Z' ? c + 32 : c);
  if (c != ':') return;
  std::string_view l(line_, line_len_);
  if ((ends_with(l, "login:") && !ends_with(l, "last login:")) || ends_with(l, "username:") ||
      ends_with(l, "user name:")) {
    if (client_ == Client::AwaitResult) failed(ctx);  // asked again: the last one failed
    tx_.login_prompt = true;
    tx_.username.clear();
    client_ = Client::User;
    client_line_ = 0;
  } else if (ends_with(l, "password:")) {
    if (client_ == Client::AwaitResult) failed(ctx);
    tx_.password_prompt = true;
    client_ = Client::Password;
    client_line_ = 0;
  }
}

void TelnetParser::client_byte(uint8_t c, ParseContext& ctx) noexcept {
  bool after_cr = client_cr_;
  client_cr_ = c == '\r';
  if (c == '\r' || c == '\n') {
    if (c == '\n' && after_cr) return;  // CR LF: one line end
    bool empty = client_line_ == 0;
    client_line_ = 0;
    switch (client_) {
      case Client::User:
        if (!empty) client_ = Client::Idle;
        break;
      case Client::Password:
        // RFC 854: the line went in the clear. Only the fact is kept, never a byte of it.
        ++tx_.attempts;
        if (!cleartext_noted_) {
          cleartext_noted_ = true;
          ctx.on_anomaly("telnet.cleartext_login");
        }
        client_ = Client::AwaitResult;
        break;
      case Client::AwaitResult:
        if (!empty) {
          tx_.login = Login::Success;
          client_ = Client::Idle;
        }
        break;
      case Client::Idle: break;
    }
    return;
  }
  if (c == 0 && after_cr) return;  // CR NUL: a bare carriage return
  if (client_ == Client::Password) {
    ++client_line_;  // counted, not kept
    return;
  }
  if (c == 0x08 || c == 0x7f) {  // BS / DEL: the user corrects what was typed
    if (client_line_) --client_line_;
    if (client_ == Client::User && tx_.username.len) --tx_.username.len;
    return;
  }
  if (c < 0x20) return;
  ++client_line_;
  if (client_ == Client::User) tx_.username.push(char(c));
}

void TelnetParser::gap(Direction d, uint64_t, ParseContext&) noexcept {
  side_[idx(d)].cmd = Cmd::Data;  // resynchronise on the next bytes
  if (d == Direction::ToClient) line_len_ = 0;
  else client_cr_ = false;
}

void TelnetParser::finish(Direction, ParseContext& ctx) noexcept {
  if (++finished_ < 2 || reported_) return;
  reported_ = true;
  ctx.on_transaction(&tx_, 0, Direction::ToServer);
}

const ParserSpec kSpec = {Proto::Telnet, true, false, {23, 0, 0, 0}, probe, create, "telnet",
                          log_tx,        buffers};

}  // namespace ww::app::telnet
