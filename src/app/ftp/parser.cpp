// FTP control channel parser (see parser.h for what it does, its invariants and limits).
#include "app/ftp/parser.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "flow/arena.h"
#include "flow/flow.h"

namespace ww::app::ftp {
namespace {

std::atomic<bool> g_log_password{false};
std::atomic<uint32_t> g_max_line{kMaxLine};
std::atomic<uint32_t> g_max_tx{0};

char upper(char c) noexcept { return c >= 'a' && c <= 'z' ? char(c - 32) : c; }
bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (upper(a[i]) != upper(b[i])) return false;
  return true;
}

// "h1,h2,h3,h4,p1,p2" (RFC 959 4.1.2 PORT, and the 227 reply text) -> address and port.
bool host_port(std::string_view s, tls::BoundedStr<64>& addr, uint16_t& port,
               uint8_t* ip4 = nullptr) noexcept {
  unsigned v[6];
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  for (int n = 0; n < 6; ++n) {
    if (n > 0) {
      if (i >= s.size() || s[i] != ',') return false;
      ++i;
    }
    size_t start = i;
    unsigned x = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3)
      x = x * 10 + unsigned(s[i++] - '0');
    if (i == start || x > 255) return false;
    v[n] = x;
  }
  char b[16];
  int len = 0;
  for (int k = 0; k < 4; ++k) {
    unsigned x = v[k];
    if (x >= 100) b[len++] = char('0' + x / 100);
    if (x >= 10) b[len++] = char('0' + x / 10 % 10);
    b[len++] = char('0' + x % 10);
    if (k < 3) b[len++] = '.';
  }
  addr.assign({b, size_t(len)});
  port = uint16_t(v[4] << 8 | v[5]);
  if (ip4)
    for (int k = 0; k < 4; ++k) ip4[k] = uint8_t(v[k]);
  return true;
}

uint16_t number(std::string_view s, bool& ok) noexcept {
  uint32_t n = 0;
  ok = !s.empty() && s.size() <= 5;
  for (char c : s) {
    if (c < '0' || c > '9') ok = false;
    n = n * 10 + uint32_t(c - '0');
  }
  ok = ok && n <= 65535;
  return uint16_t(n);
}

}  // namespace

ProbeResult probe(Direction d, Bytes b) noexcept {
  std::string_view s = as_sv(b);
  if (d == Direction::ToServer) {
    std::string_view p = "USER ";
    size_t n = std::min(s.size(), p.size());
    if (!iequals(s.substr(0, n), p.substr(0, n))) return ProbeResult::NoMatch;
    return n == p.size() ? ProbeResult::Match : ProbeResult::NeedMore;
  }
  // RFC 959 4.2: "220" greeting; SMTP greets with 220 too, so the text must say FTP.
  std::string_view p = "220";
  size_t n = std::min(s.size(), p.size());
  if (s.substr(0, n) != p.substr(0, n)) return ProbeResult::NoMatch;
  if (s.size() > 3 && s[3] != ' ' && s[3] != '-') return ProbeResult::NoMatch;
  size_t lf = s.find('\n');
  if (lf == s.npos) return s.size() < 512 ? ProbeResult::NeedMore : ProbeResult::NoMatch;
  std::string_view line = s.substr(0, lf);
  for (size_t i = 0; i + 3 <= line.size(); ++i)
    if (iequals(line.substr(i, 3), "FTP")) return ProbeResult::Match;
  return ProbeResult::NoMatch;
}

void set_settings(const Settings& s) noexcept {
  g_log_password.store(s.log_password, std::memory_order_relaxed);
  g_max_line.store(std::clamp<uint32_t>(s.max_line, 64, kMaxLineCap), std::memory_order_relaxed);
  g_max_tx.store(s.max_tx, std::memory_order_relaxed);
}

Settings settings() noexcept {
  return {g_log_password.load(std::memory_order_relaxed),
          g_max_line.load(std::memory_order_relaxed), g_max_tx.load(std::memory_order_relaxed)};
}

bool FtpParser::init(flow::Arena& a) noexcept {
  Settings s = settings();
  max_line_ = s.max_line;
  max_tx_ = s.max_tx;
  log_password_ = s.log_password;
  for (Line& l : line_)
    if (!(l.buf = a.alloc_array<char>(max_line_))) return false;
  return true;
}

Parser* create(ParseContext& ctx) noexcept {
  FtpParser* p = ctx.arena().make<FtpParser>();
  return p && p->init(ctx.arena()) ? p : nullptr;
}

ParseResult FtpParser::parse(Direction d, Bytes data, ParseContext& ctx) noexcept {
  Line& ln = line_[idx(d)];
  size_t pos = 0;
  while (pos < data.size()) {
    if (changed_) return {ParseStatus::Ok, pos, 0};  // the app layer takes the rest (TLS)
    // After AUTH TLS the client's bytes wait for the answer: TLS on 234, commands otherwise.
    if (d == Direction::ToServer && auth_wait_) return {ParseStatus::Incomplete, pos, 1};
    if (tls_ || (d == Direction::ToServer && client_stopped_))
      return {ParseStatus::Ok, data.size(), 0};
    Bytes rest = data.subspan(pos);
    const void* lf = std::memchr(rest.data(), '\n', rest.size());
    size_t n = lf ? size_t(static_cast<const uint8_t*>(lf) - rest.data()) : rest.size();
    size_t room = max_line_ - ln.len;
    size_t k = std::min(n, room);
    std::memcpy(ln.buf + ln.len, rest.data(), k);
    ln.len += uint32_t(k);
    if (n > room && !ln.cut) {
      ln.cut = true;
      // Suricata's event names. A command's is raised with its transaction (emit_front).
      if (d == Direction::ToClient) ctx.on_anomaly("ftp.response_command_too_long");
    }
    pos += n;
    if (!lf) break;
    ++pos;
    std::string_view l(ln.buf, ln.len);
    if (!l.empty() && l.back() == '\r' && !ln.cut) l.remove_suffix(1);
    bool cut = ln.cut;
    ln.len = 0;
    ln.cut = false;
    if (d == Direction::ToServer)
      command(l, cut, ctx);
    else
      reply(l, cut, ctx);
  }
  return {ParseStatus::Ok, data.size(), 0};
}

void FtpParser::emit_front(ParseContext& ctx) noexcept {
  if (!count_) return;
  // Suricata 8 sets the event on the command's transaction: its alert carries the command.
  if (q_[head_].command_truncated) ctx.on_anomaly("ftp.request_command_too_long");
  ctx.on_transaction(&q_[head_], q_id_[head_], Direction::ToServer);
  head_ = uint8_t((head_ + 1) % kMaxPending);
  --count_;
}

void FtpParser::command(std::string_view l, bool cut, ParseContext& ctx) noexcept {
  if (l.empty()) return;
  if (max_tx_ && count_ >= max_tx_) {
    ctx.on_anomaly("ftp.too_many_transactions");  // Suricata's name
    client_stopped_ = true;
    return;
  }
  if (count_ == kMaxPending) emit_front(ctx);  // no reply for the oldest: reported as is
  size_t at = (head_ + count_) % kMaxPending;
  Tx& tx = q_[at];
  tx = Tx{};
  q_id_[at] = next_tx_++;
  ++count_;
  size_t sp = l.find(' ');
  std::string_view verb = l.substr(0, std::min<size_t>(sp, 16));
  std::string_view arg = sp == l.npos ? std::string_view{} : l.substr(sp + 1);
  for (char c : verb) tx.command.push(upper(c));
  std::string_view cmd = tx.command.view();
  tx.command_truncated = cut;
  if (cmd == "PASS") {
    // RFC 959 4.1.1: the password in the clear. Noted; kept only with log-password.
    if (!auth_tls_) ctx.on_anomaly("ftp.cleartext_login");
    if (log_password_) tx.command_data.assign(arg);
    return;
  }
  tx.command_data.assign(arg);
  if (cmd == "PORT") {  // RFC 959 4.1.2
    uint8_t ip[4];
    if (host_port(arg, tx.data_addr, tx.dynamic_port, ip)) {
      tx.mode = Mode::Active;
      // RFC 2577 3: a PORT naming a third host makes the server connect there (FTP bounce).
      tx.bounce = !(IpAddr::v4(ip) == ctx.flow().src);
    }
    data_mode_ = tx.mode;
    data_port_ = tx.dynamic_port;
  } else if (cmd == "EPRT" && arg.size() > 2) {  // RFC 2428 2: <d>proto<d>addr<d>port<d>
    char dl = arg[0];
    std::string_view r = arg.substr(1);
    size_t a = r.find(dl), b = a == r.npos ? r.npos : r.find(dl, a + 1),
           c = b == r.npos ? r.npos : r.find(dl, b + 1);
    if (c != r.npos) {
      bool ok;
      uint16_t port = number(r.substr(b + 1, c - b - 1), ok);
      if (ok) {
        tx.mode = Mode::Active;
        tx.data_addr.assign(r.substr(a + 1, b - a - 1));
        tx.dynamic_port = port;
        data_mode_ = Mode::Active;
        data_port_ = port;
      }
    }
  } else if (cmd == "RETR" || cmd == "STOR" || cmd == "STOU" || cmd == "APPE") {
    tx.file_command = true;
    expect_data(cmd, arg, ctx);
  } else if (cmd == "LIST" || cmd == "NLST" || cmd == "MLSD") {
    expect_data(cmd, {}, ctx);
  } else if (cmd == "AUTH" && (iequals(arg.substr(0, 3), "TLS") || iequals(arg, "SSL"))) {
    auth_tls_ = true;
    auth_wait_ = true;
  }
}

void FtpParser::reply(std::string_view l, bool cut, ParseContext& ctx) noexcept {
  // RFC 959 4.2: "NNN-" opens a multi-line reply that ends with a "NNN " line; lines in
  // between are text.
  bool coded = l.size() >= 3 && l[0] >= '1' && l[0] <= '5' && l[1] >= '0' && l[1] <= '9' &&
               l[2] >= '0' && l[2] <= '9';
  uint16_t code = coded ? uint16_t((l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0')) : 0;
  bool last;
  if (multi_) {
    last = coded && code == multi_ && (l.size() == 3 || l[3] == ' ');
  } else {
    if (!coded) return;
    last = l.size() == 3 || l[3] != '-';
    if (!last) multi_ = code;
  }
  if (last) multi_ = 0;
  if (!count_) {
    // The greeting (or a reply nobody asked for): a transaction without command, as Suricata
    // logs the 220 greeting.
    // After max-tx stopped the client's side, replies to the commands not read are not.
    if (!coded || client_stopped_) return;
    q_[head_] = Tx{};
    q_id_[head_] = next_tx_++;
    count_ = 1;
  }
  Tx& tx = q_[head_];
  if (coded) tx.reply.add(l.size() > 4 ? l.substr(4) : std::string_view{});
  if (cut) tx.reply_truncated = true;
  if (!last) return;
  if (tx.n_codes < kMaxReplies) tx.completion_code[tx.n_codes++] = code;
  std::string_view cmd = tx.command.view();
  if (code == 227 && cmd == "PASV") {  // "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)"
    size_t open = l.find('(');
    std::string_view hp = l.substr(open == l.npos ? 4 : open + 1);
    hp = hp.substr(0, hp.find(')'));
    if (host_port(hp, tx.data_addr, tx.dynamic_port)) {
      tx.mode = Mode::Passive;
      data_mode_ = Mode::Passive;
      data_port_ = tx.dynamic_port;
    }
  } else if (code == 229 && cmd == "EPSV") {  // RFC 2428 3: "(|||port|)"
    size_t open = l.find('(');
    if (open != l.npos && open + 5 < l.size()) {
      char dl = l[open + 1];
      std::string_view r = l.substr(open + 4);
      bool ok;
      uint16_t port = number(r.substr(0, r.find(dl)), ok);
      if (ok) {
        tx.mode = Mode::Passive;
        tx.dynamic_port = port;
        data_mode_ = Mode::Passive;
        data_port_ = port;
      }
    }
  } else if (code == 234 && cmd == "AUTH" && auth_wait_) {
    tls_ = true;  // RFC 4217 4: TLS from here on, both directions
  }
  if (cmd == "AUTH" && code >= 200) auth_wait_ = false;
  if (code >= 200) {
    tx.reply_received = true;
    emit_front(ctx);
  }
  if (tls_ && !changed_) changed_ = ctx.change_protocol(Proto::Tls);
}

// The transfer command uses the data connection the last PORT/EPRT (the server connects to
// the client) or PASV/EPSV reply (the client connects to the server) announced: the app layer
// is told to expect it, between this flow's addresses (as Suricata does; the address inside
// PORT/227 is not used, so a bounce to a third host is not linked), with the command and
// file name for the data parser.
void FtpParser::expect_data(std::string_view cmd, std::string_view file,
                            ParseContext& ctx) noexcept {
  if (data_port_ == 0 || data_mode_ == Mode::None) return;
  const flow::Flow& f = ctx.flow();
  Expectation e;
  e.proto = Proto::FtpData;
  bool passive = data_mode_ == Mode::Passive;
  e.client = passive ? f.src : f.dst;
  e.server = passive ? f.dst : f.src;
  e.port = data_port_;
  e.expires_us = f.last.usec + kExpectTimeoutUs;
  e.control_flow_id = f.flow_id;
  e.set(cmd, file);
  ctx.expect(e);
  data_port_ = 0;  // one transfer per PORT/PASV
}

void FtpParser::gap(Direction d, uint64_t, ParseContext&) noexcept {
  line_[idx(d)].len = 0;
  if (d == Direction::ToClient) multi_ = 0;
}

void FtpParser::finish(Direction d, ParseContext& ctx) noexcept {
  // A command cut and never ended: its event without a transaction.
  if (d == Direction::ToServer && line_[idx(d)].cut) {
    line_[idx(d)].cut = false;
    ctx.on_anomaly("ftp.request_command_too_long");
  }
  while (count_) emit_front(ctx);
}

// One transaction holds a command and its replies: inspected to_server (ftp.command,
// ftp.command_data) and to_client (ftp.reply, ftp.completion_code).
const ParserSpec kSpec = {.proto = Proto::Ftp,
                          .tcp = true,
                          .udp = false,
                          .ports = {21, 0, 0, 0},
                          .probe = probe,
                          .create = create,
                          .event_type = "ftp",
                          .log_tx = log_tx,
                          .buffers = buffers,
                          .tx_both_dirs = true,
                          .check = check,
                          .deliver_at_ack = true};

}  // namespace ww::app::ftp
