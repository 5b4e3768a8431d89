// SMTP + MIME parser (see parser.h for what it does, its invariants and limits).
#include "app/smtp/parser.h"
#include "core/hex.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <tmmintrin.h>
#endif
#include <new>
#include <type_traits>

#include "flow/arena.h"

namespace ww::app::smtp {
namespace {

Settings g_settings;  // written at start-up only (set_settings), before the workers run

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}
bool istarts(std::string_view s, std::string_view p) noexcept {
  return s.size() >= p.size() && iequals(s.substr(0, p.size()), p);
}
size_t ifind(std::string_view s, std::string_view p) noexcept {
  for (size_t i = 0; i + p.size() <= s.size(); ++i)
    if (iequals(s.substr(i, p.size()), p)) return i;
  return std::string_view::npos;
}
std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// RFC 2045 5.1 parameter `key` of a header value (quoted-string or token).
std::string_view param(std::string_view v, std::string_view key) noexcept {
  for (size_t at = 0; at < v.size();) {
    size_t semi = v.find(';', at);
    if (semi == v.npos) return {};
    std::string_view rest = trim(v.substr(semi + 1));
    at = semi + 1;
    if (!istarts(rest, key)) continue;
    std::string_view r = trim(rest.substr(key.size()));
    if (r.empty() || r[0] != '=') continue;
    r = trim(r.substr(1));
    if (!r.empty() && r[0] == '"') {
      size_t q = r.find('"', 1);
      return r.substr(1, q == r.npos ? r.npos : q - 1);
    }
    size_t end = r.find_first_of("; \t");
    return r.substr(0, end);
  }
  return {};
}

// RFC 2231 parameter value continuations and extended values: key*0=a; key*1=b (or key*0*=
// charset'lang'%xx..; key*1*=%xx..) is "ab", key*=charset'lang'%xx.. a single extended value.
// Appends to `out` and returns true when the parameter was found in one of these forms.
template <size_t N>
bool param_2231(std::string_view v, std::string_view key, tls::BoundedStr<N>& out) noexcept {
  auto add = [&](std::string_view val, bool extended, bool first) {
    if (extended && first) {  // charset'language'value
      size_t q = val.find('\'');
      size_t q2 = q == val.npos ? val.npos : val.find('\'', q + 1);
      if (q2 != val.npos) val.remove_prefix(q2 + 1);
    }
    for (size_t i = 0; i < val.size(); ++i) {
      if (extended && val[i] == '%' && i + 2 < val.size() + 0 && hex::value(val[i + 1]) >= 0 &&
          hex::value(val[i + 2]) >= 0) {
        out.push(char(hex::value(val[i + 1]) << 4 | hex::value(val[i + 2])));
        i += 2;
      } else {
        out.push(val[i]);
      }
    }
  };
  char k[64];
  if (key.size() + 6 > sizeof k) return false;
  std::memcpy(k, key.data(), key.size());
  k[key.size()] = '*';
  std::string_view single = param(v, {k, key.size() + 1});  // key*=...
  if (!single.empty()) {
    add(single, true, true);
    return true;
  }
  bool found = false;
  for (int i = 0; i < 32; ++i) {  // key*0, key*1 ... (a bounded number of sections)
    int n = std::snprintf(k + key.size() + 1, sizeof k - key.size() - 1, "%d*", i);
    std::string_view ext(k, key.size() + 1 + size_t(n));
    std::string_view val = param(v, ext);
    bool extended = !val.empty();
    if (!extended) val = param(v, ext.substr(0, ext.size() - 1));
    if (val.empty()) break;
    add(val, extended, i == 0);
    found = true;
  }
  return found;
}

constexpr std::array<int8_t, 256> kB64 = [] {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 26; ++i) {
    t['A' + i] = int8_t(i);
    t['a' + i] = int8_t(26 + i);
  }
  for (int i = 0; i < 10; ++i) t['0' + i] = int8_t(52 + i);
  t['+'] = 62;
  t['/'] = 63;
  return t;
}();
int b64val(char c) noexcept { return kB64[uint8_t(c)]; }
// kB64Quad[j][c]: the 6 bits of alphabet character c at place j (0..3) of a quantum, shifted to
// their place in its 24 bits; kB64Bad for any other character. A quantum's four lookups OR'd
// together are its 24 bits, or have kB64Bad set.
constexpr uint32_t kB64Bad = 0x80000000u;
constexpr std::array<std::array<uint32_t, 256>, 4> kB64Quad = [] {
  std::array<std::array<uint32_t, 256>, 4> t{};
  for (int j = 0; j < 4; ++j)
    for (int c = 0; c < 256; ++c)
      t[j][c] = kB64[c] < 0 ? kB64Bad : uint32_t(kB64[c]) << (18 - 6 * j);
  return t;
}();
// The quantum at p (four characters) as 24 bits, or with kB64Bad set.
uint32_t b64quad(const uint8_t* p) noexcept {
  return kB64Quad[0][p[0]] | kB64Quad[1][p[1]] | kB64Quad[2][p[2]] | kB64Quad[3][p[3]];
}
// Writes the three bytes of quantum q at o, and one byte of scratch after them.
void put_quad(uint8_t* o, uint32_t q) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    uint32_t be = __builtin_bswap32(q << 8);
    std::memcpy(o, &be, 4);
  } else {
    o[0] = uint8_t(q >> 16);
    o[1] = uint8_t(q >> 8);
    o[2] = uint8_t(q);
  }
}
#if defined(__x86_64__) && defined(__GNUC__)
#define WW_SMTP_B64_SSSE3 1
// Sixteen characters (four quanta) at a time with SSSE3 byte shuffles, as many blocks as
// `blocks` allows; stops before the first block holding a character outside the alphabet.
// Writes 16 bytes per block at o (12 decoded, 4 of scratch); returns the blocks decoded.
// Classification by the high and low nibble of each character:
//  - valid iff lo_bad[lo] & hi_class[hi] == 0, with one bit per high nibble class: 0x2 ("+"
//    0x2B, "/" 0x2F), 0x3 (digits 0x30-0x39), 0x4/0x6 (letters 0x41-0x4F, 0x61-0x6F), 0x5/0x7
//    (0x50-0x5A, 0x70-0x7A); any other high nibble has a bit every lo_bad entry has;
//  - value = c + shift[hi], and "/" (shift 19 as "+") 3 less.
// The four 6-bit values of a quantum are then joined (multiply-add of byte pairs, then of
// 16-bit pairs) into its 24 bits, whose bytes a shuffle puts in order.
__attribute__((target("ssse3"))) size_t b64_blocks_ssse3(const uint8_t* in, size_t blocks,
                                                         uint8_t* o) noexcept {
  const __m128i lo_bad = _mm_setr_epi8(0x10 | 0x1 | 0x4, 0x10 | 0x1, 0x10 | 0x1, 0x10 | 0x1,
                                       0x10 | 0x1, 0x10 | 0x1, 0x10 | 0x1, 0x10 | 0x1,
                                       0x10 | 0x1, 0x10 | 0x1, 0x10 | 0x1 | 0x2,
                                       0x10 | 0x2 | 0x8, 0x10 | 0x1 | 0x2 | 0x8,
                                       0x10 | 0x1 | 0x2 | 0x8, 0x10 | 0x1 | 0x2 | 0x8,
                                       0x10 | 0x2 | 0x8);
  const __m128i hi_class = _mm_setr_epi8(0x10, 0x10, 0x1, 0x2, 0x4, 0x8, 0x4, 0x8, 0x10, 0x10,
                                         0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
  const __m128i shift = _mm_setr_epi8(0, 0, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m128i nib = _mm_set1_epi8(0x0F);
  const __m128i slash = _mm_set1_epi8('/');
  const __m128i three = _mm_set1_epi8(3);
  const __m128i pair6 = _mm_set1_epi32(0x01400140);  // bytes (a, b) -> a * 64 + b
  const __m128i pair12 = _mm_set1_epi32(0x00011000);  // words (ab, cd) -> ab * 4096 + cd
  const __m128i order = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  const __m128i zero = _mm_setzero_si128();
  size_t k = 0;
  for (; k < blocks; ++k, in += 16, o += 12) {
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
    __m128i hi = _mm_and_si128(_mm_srli_epi16(c, 4), nib);
    __m128i lo = _mm_and_si128(c, nib);
    __m128i bad = _mm_and_si128(_mm_shuffle_epi8(lo_bad, lo), _mm_shuffle_epi8(hi_class, hi));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(bad, zero)) != 0xFFFF) break;
    __m128i v = _mm_add_epi8(c, _mm_shuffle_epi8(shift, hi));
    v = _mm_sub_epi8(v, _mm_and_si128(_mm_cmpeq_epi8(c, slash), three));
    __m128i q = _mm_madd_epi16(_mm_maddubs_epi16(v, pair6), pair12);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), _mm_shuffle_epi8(q, order));
  }
  return k;
}
bool has_ssse3() noexcept {
  static const bool yes = __builtin_cpu_supports("ssse3");
  return yes;
}
#endif

// The address of "FROM:<a> SIZE=..." / "TO:<b>": what follows the colon up to parameters.
std::string_view path_arg(std::string_view arg) noexcept {
  size_t colon = arg.find(':');
  if (colon == arg.npos) return {};
  std::string_view a = trim(arg.substr(colon + 1));
  if (!a.empty() && a[0] == '<') {
    size_t gt = a.find('>');
    return gt == a.npos ? a : a.substr(0, gt + 1);
  }
  return a.substr(0, a.find(' '));
}

}  // namespace

void set_settings(const Settings& s) noexcept { g_settings = s; }
const Settings& settings() noexcept { return g_settings; }

ProbeResult probe(Direction d, Bytes b) noexcept {
  std::string_view s = as_sv(b);
  if (d == Direction::ToServer) {
    // The verb, then its argument or the line end (a bare "EHLO", as Suricata's 4-byte
    // pattern sees it).
    for (std::string_view v : {"EHLO", "HELO"}) {
      size_t n = std::min(s.size(), v.size());
      if (!istarts(s.substr(0, n), v.substr(0, n))) continue;
      if (s.size() <= v.size()) return ProbeResult::NeedMore;
      char c = s[v.size()];
      return c == ' ' || c == '\r' || c == '\n' ? ProbeResult::Match : ProbeResult::NoMatch;
    }
    return ProbeResult::NoMatch;
  }
  // RFC 5321 4.2 greeting: "220" SP/"-" text. FTP greets with 220 too: the text decides.
  std::string_view p = "220";
  size_t n = std::min(s.size(), p.size());
  if (s.substr(0, n) != p.substr(0, n)) return ProbeResult::NoMatch;
  if (s.size() > 3 && s[3] != ' ' && s[3] != '-') return ProbeResult::NoMatch;
  size_t lf = s.find('\n');
  if (lf == s.npos) return s.size() < 512 ? ProbeResult::NeedMore : ProbeResult::NoMatch;
  std::string_view line = s.substr(0, lf);
  if (ifind(line, "ftp") != line.npos) return ProbeResult::NoMatch;
  return ifind(line, "smtp") != line.npos || ifind(line, "mail") != line.npos
             ? ProbeResult::Match
             : ProbeResult::NoMatch;
}

Parser* create(ParseContext& ctx) noexcept { return ctx.arena().make<SmtpParser>(); }

ParseResult SmtpParser::parse(Direction d, Bytes data, ParseContext& ctx) noexcept {
  ParseResult r = parse_chunk(d, data, ctx);
  close_pending(ctx);  // files that ended in this chunk, with the transaction as it now is
  return r;
}

ParseResult SmtpParser::parse_chunk(Direction d, Bytes data, ParseContext& ctx) noexcept {
  bool to_server = d == Direction::ToServer;
  Line& ln = line_[idx(d)];
  size_t pos = 0;
  while (pos < data.size()) {
    if (changed_) return {ParseStatus::Ok, pos, 0};  // the app layer takes the rest (TLS)
    // After STARTTLS the client's bytes wait for the answer: TLS on 220, commands otherwise.
    if (to_server && client_ == Client::Tls && starttls_sent_)
      return {ParseStatus::Incomplete, pos, 1};
    if (to_server ? client_ == Client::Tls : server_tls_) return {ParseStatus::Ok, data.size(), 0};
    if (to_server && client_ == Client::Dead) return {ParseStatus::Error, pos, 0};
    if (to_server && client_ == Client::Bdat) {  // RFC 3030 2: exactly n octets, no dots
      size_t n = size_t(std::min<uint64_t>(bdat_left_, data.size() - pos));
      pos += n;
      bdat_left_ -= n;
      if (bdat_left_ == 0) {
        client_ = Client::Command;
        if (bdat_last_) end_data(ctx);
      }
      continue;
    }
    Bytes rest = data.subspan(pos);
    const void* lf = std::memchr(rest.data(), '\n', rest.size());
    size_t n = lf ? size_t(static_cast<const uint8_t*>(lf) - rest.data()) : rest.size();
    if (lf && ln.len == 0 && n <= kMaxLine) {
      // A whole line in this chunk, nothing assembled before it: read in place (what the
      // copy below would have assembled).
      pos += n + 1;
      bool cont = ln.cut;
      ln.cut = false;
      line(to_server, {reinterpret_cast<const char*>(rest.data()), n}, cont, ctx);
      continue;
    }
    size_t room = kMaxLine - ln.len;
    bool data_state = to_server && client_ == Client::Data;
    if (n > room && data_state) {
      // A body line longer than the buffer goes on in pieces (attachment data is not lost).
      std::memcpy(ln.buf + ln.len, rest.data(), room);
      pos += room;
      data_line({ln.buf, kMaxLine}, true, ln.cut, ctx);
      ln.len = 0;
      ln.cut = true;  // the rest of this line is a continuation
      continue;
    }
    size_t k = std::min(n, room);
    std::memcpy(ln.buf + ln.len, rest.data(), k);
    ln.len += uint32_t(k);
    if (n > room && !ln.cut) {
      ln.cut = true;
      ctx.on_anomaly("smtp.line_too_long");
    }
    pos += n;
    if (!lf) break;
    ++pos;
    std::string_view l(ln.buf, ln.len);
    bool cont = ln.cut;
    ln.len = 0;
    ln.cut = false;
    line(to_server, l, cont, ctx);
  }
  return {ParseStatus::Ok, data.size(), 0};
}

// A line (without its LF; `cont`: the rest of a line cut at kMaxLine) to the reader of its
// direction and state.
void SmtpParser::line(bool to_server, std::string_view l, bool cont, ParseContext& ctx) noexcept {
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  if (!to_server)
    server_line(l, ctx);
  else if (client_ == Client::Data)
    data_line(l, false, cont, ctx);
  else if (!cont)
    client_line(l, false, ctx);
}

void SmtpParser::start_tx() noexcept {
  // Default-initialised in place: the member initialisers reset every field; the text buffers
  // (~13 KB, read only up to their lengths) are not zeroed and copied as `tx_ = Tx{}` did.
  static_assert(std::is_trivially_destructible_v<Tx>);
  new (&tx_) Tx;
  fdata_len_ = 0;
  tx_.helo.assign(helo_.view());
  tx_open_ = true;
}

void SmtpParser::emit(ParseContext& ctx) noexcept {
  if (!tx_open_) return;
  file_end(FileEnd::Truncated, ctx);
  close_pending(ctx);
  tx_.file_data = fdata_;
  tx_.file_data_len = fdata_len_;
  tx_open_ = false;
  awaiting_ = false;
  ctx.on_transaction(&tx_, next_tx_++, Direction::ToServer);
}

// A command waits for its reply. RFC 2920 3.1: DATA and STARTTLS end a group of pipelined
// commands; another command queued behind one of them is Suricata's invalid pipelined sequence.
void SmtpParser::push(Cmd c, ParseContext& ctx) noexcept {
  if (cmd_count_) {
    Cmd last = cmds_[(cmd_head_ + cmd_count_ - 1) % kMaxPending];
    if (last == Cmd::Data || last == Cmd::StartTls)
      ctx.on_anomaly("smtp.INVALID_PIPELINED_SEQUENCE");
  }
  if (cmd_count_ == kMaxPending) return;  // no slot: its reply will not be matched
  cmds_[(cmd_head_ + cmd_count_) % kMaxPending] = c;
  ++cmd_count_;
}

void SmtpParser::client_line(std::string_view l, bool, ParseContext& ctx) noexcept {
  if (client_ == Client::Auth) {
    // RFC 4954 4: base64 responses (or "*") until the server's final reply. A line with a
    // space or a colon cannot be base64: the client went on (reply not seen yet).
    if (l.find_first_of(" :") == l.npos) {
      push(Cmd::Other, ctx);  // answered by the next 334 or the final reply
      return;
    }
    client_ = Client::Command;
    auth_pending_ = false;
  }
  size_t sp = l.find(' ');
  std::string_view verb = l.substr(0, sp);
  std::string_view arg = sp == l.npos ? std::string_view{} : trim(l.substr(sp + 1));
  if (verb.empty()) return;
  bool quit = iequals(verb, "QUIT"), rset = iequals(verb, "RSET");
  // A command after the end of a message whose reply has not come yet (pipelined): the
  // message is reported now. QUIT and RSET open no transaction (Suricata 8.0.7: no trailing
  // HELO-only transaction); any other command opens one carrying the session's HELO.
  if (!quit && !rset) {
    if (awaiting_) emit(ctx);
    if (!tx_open_) start_tx();
  }
  // Whether the transaction holds a mail transaction that RSET or a new HELO abandons.
  auto holds_mail = [&] {
    return tx_open_ && !awaiting_ &&
           (!tx_.mail_from.empty() || tx_.rcpt_to.count || tx_.has_data || tx_.bdat ||
            !tx_.auth_mechanism.empty() || tx_.starttls);
  };
  if (iequals(verb, "EHLO") || iequals(verb, "HELO")) {
    push(Cmd::Other, ctx);
    if (!helo_.empty()) {
      // Suricata keeps the first HELO and flags the second; RFC 5321 4.1.4: the new HELO
      // resets the session as RSET does (the abandoned envelope is reported on its own).
      ctx.on_anomaly("smtp.DUPLICATE_FIELDS");
      if (holds_mail()) emit(ctx);
    } else {
      helo_.assign(arg);
      tx_.helo.assign(arg);
    }
  } else if (iequals(verb, "MAIL")) {
    push(Cmd::Other, ctx);
    if (!tx_.mail_from.empty())
      ctx.on_anomaly("smtp.DUPLICATE_FIELDS");  // the first sender is kept
    else
      tx_.mail_from.assign(path_arg(arg));
  } else if (iequals(verb, "RCPT")) {
    push(Cmd::Other, ctx);
    tx_.rcpt_to.add(path_arg(arg));
  } else if (iequals(verb, "DATA")) {
    push(Cmd::Data, ctx);
    tx_.has_data = true;
    client_ = Client::Data;  // without waiting for 354: a one-sided capture is read too
    data_seen_ = false;
    md5_start();
    mime_ = Mime::Headers;
    top_ = true;
    part_ = Part{};
    name_cut_ = false;
    hdr_.clear();
    depth_ = 0;
  } else if (iequals(verb, "BDAT")) {
    // RFC 3030 2: "BDAT" SP chunk-size [SP "LAST"]. Anything else is rejected by the server:
    // Suricata's INVALID_BDAT, the command still waits for its (error) reply.
    uint64_t n = 0;
    size_t i = 0;
    for (; i < arg.size() && arg[i] >= '0' && arg[i] <= '9' && n < (1ull << 40); ++i)
      n = n * 10 + uint64_t(arg[i] - '0');
    std::string_view tail = trim(arg.substr(i));
    bool last = iequals(tail, "LAST");
    if (i == 0 || (i < arg.size() && arg[i] != ' ' && arg[i] != '\t') ||
        (!tail.empty() && !last)) {
      ctx.on_anomaly("smtp.INVALID_BDAT");
      push(Cmd::Other, ctx);
      return;
    }
    push(last ? Cmd::BdatLast : Cmd::Other, ctx);
    tx_.bdat = true;
    bdat_left_ = n;
    bdat_last_ = last;
    if (n)
      client_ = Client::Bdat;
    else if (last)
      end_data(ctx);
  } else if (quit) {
    push(Cmd::Other, ctx);
    if (!awaiting_) emit(ctx);  // the session ends: what it holds is reported
  } else if (rset) {
    push(Cmd::Other, ctx);
    // RFC 5321 4.1.1.5: the mail transaction is abandoned; a bare RSET opens nothing new.
    if (holds_mail()) emit(ctx);
  } else if (iequals(verb, "STARTTLS")) {
    // RFC 3207: TLS starts after the server's 220; the client sends nothing else before.
    push(Cmd::StartTls, ctx);
    starttls_sent_ = true;
    client_ = Client::Tls;
    tx_.starttls = true;
  } else if (iequals(verb, "AUTH")) {
    push(Cmd::Other, ctx);
    std::string_view mech = arg.substr(0, arg.find(' '));
    tx_.auth_mechanism.clear();
    for (char c : mech) tx_.auth_mechanism.push(c >= 'a' && c <= 'z' ? char(c - 32) : c);
    if (iequals(mech, "PLAIN") || iequals(mech, "LOGIN"))
      ctx.on_anomaly("smtp.cleartext_auth");
    client_ = Client::Auth;
    auth_pending_ = true;
  } else {
    push(Cmd::Other, ctx);
  }
}

void SmtpParser::server_line(std::string_view l, ParseContext& ctx) noexcept {
  // RFC 5321 4.2: three digits, then "-" (more lines follow) or SP / end (the last line).
  if (l.size() < 3 || l[0] < '1' || l[0] > '5') return;
  if (l.size() > 3 && l[3] == '-') return;
  uint16_t code = uint16_t((l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0'));
  // The oldest command waiting answers this reply; none: the greeting (or an unmatched reply).
  bool matched = cmd_count_ > 0;
  Cmd cmd = matched ? cmds_[cmd_head_] : Cmd::Other;
  if (matched) {
    cmd_head_ = uint8_t((cmd_head_ + 1) % kMaxPending);
    --cmd_count_;
  }
  if (starttls_sent_ && (cmd == Cmd::StartTls || !matched)) {
    starttls_sent_ = false;
    if (code == 220) {
      server_tls_ = true;
      changed_ = ctx.change_protocol(Proto::Tls);  // RFC 3207 4: TLS negotiation starts
      return;
    }
    client_ = Client::Command;  // refused: the session goes on in the clear
    if (tx_open_) tx_.starttls = false;
  }
  if (matched && cmd == Cmd::Data && code != 354) {
    // RFC 5321 4.1.1.4: the data is refused. Nothing sent yet: the client goes on with
    // commands, the transaction has no message.
    ctx.on_anomaly("smtp.DATA_COMMAND_REJECTED");
    if (client_ == Client::Data && !data_seen_) {
      client_ = Client::Command;
      tx_.has_data = false;
    }
  }
  // Suricata 8.0.7: a message is complete with the server's reply to its end of data.
  if (matched && (cmd == Cmd::DataEnd || cmd == Cmd::BdatLast) && awaiting_) emit(ctx);
  if (auth_pending_ && code != 334) {
    auth_pending_ = false;
    if (client_ == Client::Auth) client_ = Client::Command;
  }
}

void SmtpParser::gap(Direction d, uint64_t, ParseContext& ctx) noexcept {
  line_[idx(d)].len = 0;
  // Commands or replies were lost: the replies that follow cannot be matched to the commands
  // waiting; they are dropped (later commands wait for later replies).
  cmd_count_ = 0;
  if (d == Direction::ToServer) {
    file_end(FileEnd::Gap, ctx);
    close_pending(ctx);
    if (client_ == Client::Data || client_ == Client::Bdat) client_ = Client::Dead;
  }
}

void SmtpParser::finish(Direction d, ParseContext& ctx) noexcept {
  if (d == Direction::ToServer && client_ == Client::Data) {
    // The session ended inside the data: what was read is kept, the message is not done.
    if (mime_ == Mime::Headers && !hdr_.empty()) {
      header(hdr_.view(), ctx);
      hdr_.clear();
    }
    file_end(FileEnd::Truncated, ctx);
    client_ = Client::Command;
  }
  if (d == Direction::ToServer) client_done_ = true;
  // The server closing first (a 521 and FIN) does not end the client's side: commands it
  // pipelined still come. The transaction is reported once the client is done too.
  if (client_done_ || client_ == Client::Dead) emit(ctx);
  close_pending(ctx);
}

// RFC 5321 4.5.2: a line of one "." ends the data; a leading "." of other lines is removed.
// `partial`: the piece has no line end yet; `cont`: it continues a piece passed before.
void SmtpParser::data_line(std::string_view l, bool partial, bool cont,
                           ParseContext& ctx) noexcept {
  data_seen_ = true;
  if (!cont && !partial && l == ".") {
    end_data(ctx);
    return;
  }
  if (!top_ && md5_on_) {  // the body after the message's header block, as sent
    md5_on_ = EVP_DigestUpdate(md5_.get(), l.data(), l.size()) == 1 &&
              (partial || EVP_DigestUpdate(md5_.get(), "\r\n", 2) == 1);
  }
  if (!cont && !l.empty() && l[0] == '.') l.remove_prefix(1);
  mime_line(l, partial, cont, ctx);
}

void SmtpParser::MdCtxFree::operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }

void SmtpParser::md5_start() noexcept {
  md5_on_ = false;
  if (!g_settings.body_md5) return;
  if (!md5_) md5_.reset(EVP_MD_CTX_new());  // once per flow; without it: no body_md5
  md5_on_ = md5_ && EVP_DigestInit_ex(md5_.get(), EVP_md5(), nullptr) == 1;
}

void SmtpParser::end_data(ParseContext& ctx) noexcept {
  if (mime_ == Mime::Headers && !hdr_.empty()) {
    header(hdr_.view(), ctx);
    hdr_.clear();
  }
  file_end(FileEnd::Complete, ctx);
  if (md5_on_ && tx_.has_data && client_ == Client::Data) {
    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (EVP_DigestFinal_ex(md5_.get(), d, &n) == 1 && n == 16) {
      tls::to_hex(Bytes(d, n), tx_.body_md5, sizeof tx_.body_md5);
      tx_.body_md5_set = true;
    }
    md5_on_ = false;
  }
  tx_.data_done = true;
  if (client_ == Client::Data) push(Cmd::DataEnd, ctx);  // BDAT LAST waits as its command
  client_ = Client::Command;
  // Suricata 8.0.7: the transaction is complete with the server's reply to the end of data
  // (server_line), or with the next command if the client does not wait for that reply.
  awaiting_ = true;
}

void SmtpParser::mime_line(std::string_view l, bool partial, bool cont,
                           ParseContext& ctx) noexcept {
  if (mime_ == Mime::Headers) {
    if (partial || cont) {  // a header line longer than the buffer: keep what fits
      hdr_.append(l);
      return;
    }
    if (l.empty()) {
      if (!hdr_.empty()) header(hdr_.view(), ctx);
      hdr_.clear();
      end_headers(ctx);
      return;
    }
    if (l[0] == ' ' || l[0] == '\t') {  // RFC 5322 2.2.3 folding
      hdr_.push(' ');
      hdr_.append(trim(l));
      return;
    }
    if (!hdr_.empty()) header(hdr_.view(), ctx);
    hdr_.assign(l);
    return;
  }
  // RFC 2046 5.1.1: "--" boundary starts a part, "--" boundary "--" ends the multipart.
  if (!partial && !cont && depth_ > 0 && l.size() >= 2 && l[0] == '-' && l[1] == '-') {
    std::string_view b = trim(l.substr(2));
    for (int i = depth_ - 1; i >= 0; --i) {
      std::string_view bi = bounds_[i].view();
      if (b.substr(0, bi.size()) != bi) continue;
      std::string_view after = b.substr(bi.size());
      file_end(FileEnd::Complete, ctx);
      if (after.substr(0, 2) == "--") {
        depth_ = uint8_t(i);  // this multipart ends; its parent's epilogue follows
      } else if (after.empty()) {
        depth_ = uint8_t(i + 1);
        part_ = Part{};
        name_cut_ = false;
        mime_ = Mime::Headers;
      } else {
        continue;
      }
      return;
    }
  }
  body_bytes(l, partial, ctx);
}

void SmtpParser::header(std::string_view h, ParseContext& ctx) noexcept {
  size_t colon = h.find(':');
  if (colon == h.npos) return;
  std::string_view name = trim(h.substr(0, colon)), v = trim(h.substr(colon + 1));
  if (top_) {
    if (iequals(name, "From")) tx_.from.assign(v);
    else if (iequals(name, "To")) tx_.to.assign(v);
    else if (iequals(name, "Cc")) tx_.cc.assign(v);
    else if (iequals(name, "Subject")) {
      tx_.subject.assign(v);
      if (g_settings.log_subject_md5)
        tx_.subject_md5_set =
            tls::hex_digest(tls::Digest::Md5, Bytes(reinterpret_cast<const uint8_t*>(v.data()),
                                                    v.size()),
                            tx_.subject_md5, sizeof tx_.subject_md5) == 32;
    }
    else if (iequals(name, "Message-ID")) tx_.message_id.assign(v);
    else if (iequals(name, "Date")) tx_.date.assign(v);
    else if (iequals(name, "X-Mailer")) tx_.x_mailer.assign(v);
  }
  if (iequals(name, "Content-Type")) {
    part_.text = istarts(v, "text/");
    if (istarts(v, "message/rfc822")) part_.rfc822 = true;
    if (istarts(v, "multipart/")) {
      part_.multipart = true;
      std::string_view bnd = param(v, "boundary");
      if (bnd.size() > kMaxBoundary) {
        // RFC 2046 5.1.1 allows 70 characters; Suricata gives up on the MIME structure past
        // 254 (MIME_LONG_BOUNDARY; email.status PARSE_ERROR until the end of data).
        ctx.on_anomaly_in_tx("smtp.MIME_LONG_BOUNDARY", next_tx_);
        tx_.mime_error = true;
      }
      part_.boundary.assign(bnd);
    }
    std::string_view n = param(v, "name");
    if (part_.filename.empty()) {
      if (!n.empty()) part_.filename.assign(n);
      else param_2231(v, "name", part_.filename);
    }
  } else if (iequals(name, "Content-Transfer-Encoding")) {
    part_.enc = istarts(v, "base64")             ? Enc::Base64
                : istarts(v, "quoted-printable") ? Enc::Qp
                                                 : Enc::Plain;
  } else if (iequals(name, "Content-Disposition")) {
    std::string_view n = param(v, "filename");
    if (!n.empty()) {
      part_.filename.assign(n);
    } else {
      tls::BoundedStr<kMaxFilename> f;
      if (param_2231(v, "filename", f)) part_.filename = f;
    }
  }
  if (part_.filename.truncated && !name_cut_) {
    name_cut_ = true;  // once per part
    ctx.on_anomaly_in_tx("smtp.MIME_LONG_FILENAME", next_tx_);
  }
}

void SmtpParser::end_headers(ParseContext& ctx) noexcept {
  top_ = false;
  tx_.body_started = true;
  if (part_.rfc822) {
    // RFC 2046 5.2.1: the body is a whole message: its own headers follow, and its parts are
    // read with their own encodings (the outer part's transfer encoding and file name do not
    // apply: RFC 2046 allows only 7bit/8bit/binary there). No state grows with the nesting.
    part_ = Part{};
    name_cut_ = false;
    return;  // mime_ stays Headers
  }
  mime_ = Mime::Body;
  // URLs are looked for in the text of the message (a text part that is not an attachment).
  url_scan_ = g_settings.extract_urls && part_.text && !part_.multipart && part_.filename.empty();
  url_len_ = 0;
  url_cut_ = false;
  if (part_.multipart && !part_.boundary.empty()) {
    if (depth_ < kMaxDepth)
      bounds_[depth_++].assign(part_.boundary.view());
    else
      ctx.on_anomaly("smtp.mime_too_deep");
    return;
  }
  if (!part_.filename.empty()) {
    tx_.attachments.add(part_.filename.view());
    attachment_ = true;
    file_ = ctx.file_open(Direction::ToServer, part_.filename.view(), next_tx_);
    b64_ = 0;
    b64_n_ = 0;
  }
}

void SmtpParser::body_bytes(std::string_view l, bool partial, ParseContext& ctx) noexcept {
  // Decoded for file.data even when the tracker does not take it, and for URLs.
  if (!attachment_ && !url_scan_) return;
  switch (part_.enc) {
    case Enc::Plain:
      // RFC 2046 5.1.1: the CRLF before a boundary (or the end of data) belongs to it, not to
      // the part: a line's CRLF is written only once another line follows.
      if (crlf_pending_) sink(reinterpret_cast<const uint8_t*>("\r\n"), 2, ctx);
      sink(reinterpret_cast<const uint8_t*>(l.data()), l.size(), ctx);
      crlf_pending_ = !partial;
      break;
    case Enc::Base64: {  // RFC 2045 6.8: characters outside the alphabet are ignored
      // Decoded into a stack buffer and handed on in blocks (a call per 3 bytes was ~5% of
      // the default pipeline's CPU on mail-heavy traffic).
      constexpr size_t kDec = 768;
      uint8_t dec[kDec + 4];  // + the scratch bytes of put_quad() and b64_blocks_ssse3()
      size_t nd = 0;
      const char* s = l.data();
      const size_t n = l.size();
      size_t i = 0;
      while (i < n) {
        if (nd > kDec - 3) {
          sink(dec, nd, ctx);
          nd = 0;
        }
        // Fast path: at a quantum boundary, each four alphabet characters decode to three bytes
        // at once (what the character loop below does for them), two quanta per step, as many
        // as the input and the block hold; the first quantum with another character goes to
        // the character loop.
        if (b64_n_ == 0) {
          const size_t quanta = std::min((n - i) / 4, (kDec - nd) / 3);
          const uint8_t* q4 = reinterpret_cast<const uint8_t*>(s) + i;
          uint8_t* o = dec + nd;
          size_t k = 0;
#ifdef WW_SMTP_B64_SSSE3
          if (quanta >= 4 && has_ssse3()) {
            k = 4 * b64_blocks_ssse3(q4, quanta / 4, o);
            q4 += 4 * k;
            o += 3 * k;
          }
#endif
          for (; k + 2 <= quanta; k += 2, q4 += 8, o += 6) {
            uint32_t q = b64quad(q4), r = b64quad(q4 + 4);
            if ((q | r) & kB64Bad) break;
            put_quad(o, q);
            put_quad(o + 3, r);
          }
          for (; k < quanta; ++k, q4 += 4, o += 3) {
            uint32_t q = b64quad(q4);
            if (q & kB64Bad) break;
            put_quad(o, q);
          }
          if (k) {
            i += 4 * k;
            nd += 3 * k;
            continue;
          }
        }
        char c = s[i++];
        if (c == '=') {
          // "xx==" leaves 12 bits (one byte), "xxx=" 18 bits (two bytes).
          if (b64_n_ == 2) {
            dec[nd++] = uint8_t(b64_ >> 4);
          } else if (b64_n_ == 3) {
            dec[nd++] = uint8_t(b64_ >> 10);
            dec[nd++] = uint8_t(b64_ >> 2);
          }
          b64_ = 0;
          b64_n_ = 0;
          continue;
        }
        int v = b64val(c);
        if (v < 0) continue;
        b64_ = b64_ << 6 | uint32_t(v);
        if (++b64_n_ == 4) {
          dec[nd++] = uint8_t(b64_ >> 16);
          dec[nd++] = uint8_t(b64_ >> 8);
          dec[nd++] = uint8_t(b64_);
          b64_ = 0;
          b64_n_ = 0;
        }
      }
      if (nd) sink(dec, nd, ctx);
      break;
    }
    case Enc::Qp: {  // RFC 2045 6.7: =XX, and "=" at the end of a line is a soft break
      // Decoded into a stack buffer and handed on in blocks, as base64 (not a call a byte).
      uint8_t dec[512];
      size_t nd = 0;
      if (crlf_pending_) {
        dec[nd++] = '\r';
        dec[nd++] = '\n';
      }
      bool soft = false;
      for (size_t i = 0; i < l.size(); ++i) {
        uint8_t c = uint8_t(l[i]);
        if (c == '=') {
          if (i + 2 < l.size() + 0 && hex::value(l[i + 1]) >= 0 && hex::value(l[i + 2]) >= 0) {
            c = uint8_t(hex::value(l[i + 1]) << 4 | hex::value(l[i + 2]));
            i += 2;
          } else if (trim(l.substr(i + 1)).empty()) {
            soft = true;
            break;
          }
        }
        if (nd == sizeof dec) {
          sink(dec, nd, ctx);
          nd = 0;
        }
        dec[nd++] = c;
      }
      if (nd) sink(dec, nd, ctx);
      crlf_pending_ = !soft && !partial;  // written before the next line (as Plain)
      break;
    }
  }
}

// Decoded body bytes: to the attachment's file, and to the URL scan of a text part.
void SmtpParser::sink(const uint8_t* p, size_t n, ParseContext& ctx) noexcept {
  if (attachment_) out(p, n, ctx);
  if (url_scan_)
    for (size_t i = 0; i < n; ++i) url_byte(p[i]);
}

// URLs: a run of bytes without white space, control characters or <>"' (HTML and plain text
// delimiters) holding "<scheme>://" of a configured scheme is a URL from the scheme on.
void SmtpParser::url_byte(uint8_t c) noexcept {
  if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' || c == '\'') {
    url_end();
    return;
  }
  if (url_len_ < kMaxUrlLen)
    url_[url_len_++] = char(c);
  else
    url_cut_ = true;  // longer than kMaxUrlLen: not kept
}

void SmtpParser::url_end() noexcept {
  std::string_view t(url_, url_len_);
  bool cut = url_cut_;
  url_len_ = 0;
  url_cut_ = false;
  if (t.size() < 4 || cut) return;
  size_t at = t.npos, skip = 0;
  auto look = [&](std::string_view scheme) {
    for (size_t i = 0; i + scheme.size() + 3 <= t.size() && i < at; ++i)
      if (iequals(t.substr(i, scheme.size()), scheme) && t.substr(i + scheme.size(), 3) == "://") {
        at = i;
        skip = scheme.size() + 3;
      }
  };
  if (g_settings.n_schemes == 0) look("http");
  for (size_t i = 0; i < g_settings.n_schemes; ++i) look(g_settings.schemes[i].view());
  if (at == t.npos) return;
  std::string_view u = t.substr(g_settings.log_url_scheme ? at : at + skip);
  if (u.empty()) return;
  for (size_t i = 0; i < tx_.urls.count; ++i)
    if (tx_.urls[i] == u) return;  // each URL once
  tx_.urls.add(u);
}

void SmtpParser::out(const uint8_t* p, size_t n, ParseContext& ctx) noexcept {
  if (fdata_len_ < kFileInspect && n) {  // file.data: the first kFileInspect bytes
    if (!fdata_ && !fdata_failed_) {
      fdata_ = static_cast<uint8_t*>(ctx.arena().alloc(kFileInspect, 1));
      fdata_failed_ = !fdata_;
    }
    if (fdata_) {
      size_t k = std::min(n, kFileInspect - fdata_len_);
      std::memcpy(fdata_ + fdata_len_, p, k);
      fdata_len_ += uint32_t(k);
    }
  }
  while (n) {
    size_t k = std::min(n, sizeof obuf_ - olen_);
    std::memcpy(obuf_ + olen_, p, k);
    olen_ += uint32_t(k);
    p += k;
    n -= k;
    if (olen_ == sizeof obuf_) out_flush(ctx);
  }
}

void SmtpParser::out_flush(ParseContext& ctx) noexcept {
  if (olen_ && file_) ctx.file_data(file_, {obuf_, olen_});
  olen_ = 0;
}

void SmtpParser::file_end(FileEnd e, ParseContext& ctx) noexcept {
  if (url_scan_) url_end();  // the part's last run
  url_scan_ = false;
  attachment_ = false;
  crlf_pending_ = false;  // the last line's CRLF belongs to the boundary / end of data
  out_flush(ctx);  // (without a tracked file the bytes are dropped)
  if (!file_) return;
  // Closed at the end of this chunk (or when its transaction is reported): its fileinfo
  // event then carries the transaction with what the rest of the chunk added (Suricata logs
  // files once the packet's data is parsed: the end of data often comes with the last part).
  close_pending(ctx);
  closing_ = file_;
  closing_end_ = e;
  file_ = 0;
}

void SmtpParser::close_pending(ParseContext& ctx) noexcept {
  if (!closing_) return;
  ctx.file_tx(closing_, &tx_);  // fileinfo: the smtp and email objects of the transaction
  ctx.file_close(closing_, closing_end_);
  closing_ = 0;
}

const ParserSpec kSpec = {Proto::Smtp, true, false, {25, 587, 0, 0}, probe, create, "smtp",
                          log_tx,      buffers};

}  // namespace ww::app::smtp
