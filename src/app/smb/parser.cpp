// SMB2/3 parser (see parser.h for what it does, its invariants and limits).
#include "app/smb/parser.h"
#include "core/hex.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <type_traits>

#include "flow/arena.h"
#include "flow/flow.h"

namespace ww::app::smb {
namespace {

constexpr uint32_t kHdr = 64;  // MS-SMB2 2.2.1 SMB2 header
constexpr uint32_t kFlagResponse = 0x1, kFlagAsync = 0x2, kFlagRelated = 0x4;
constexpr uint32_t kStatusPending = 0x00000103, kStatusMoreProcessing = 0xC0000016,
                   kStatusBufferOverflow = 0x80000005;

// A fresh Tx in place: the member initialisers only (Tx{} would also zero its 2 KB of name
// and list buffers, of which only the first `len` bytes are ever read).
void reset_tx(Tx& tx) noexcept {
  static_assert(std::is_trivially_destructible_v<Tx>);
  ::new (static_cast<void*>(&tx)) Tx;
}

bool magic(Bytes b, uint8_t first) noexcept {
  return b.size() >= 4 && b[0] == first && b[1] == 'S' && b[2] == 'M' && b[3] == 'B';
}

// UTF-16LE -> UTF-8 (unpaired surrogates become U+FFFD), appended to `out` (cut at its size).
template <size_t N>
void utf16(Bytes in, tls::BoundedStr<N>& out) noexcept {
  for (size_t i = 0; i + 1 < in.size(); i += 2) {
    uint32_t c = uint32_t(in[i] | in[i + 1] << 8);
    if (c >= 0xD800 && c <= 0xDBFF && i + 3 < in.size()) {
      uint32_t lo = uint32_t(in[i + 2] | in[i + 3] << 8);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
        i += 2;
      } else {
        c = 0xFFFD;
      }
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    if (c == 0) break;
    char u[4];
    size_t n;
    if (c < 0x80) {
      u[0] = char(c);
      n = 1;
    } else if (c < 0x800) {
      u[0] = char(0xC0 | c >> 6);
      u[1] = char(0x80 | (c & 0x3F));
      n = 2;
    } else if (c < 0x10000) {
      u[0] = char(0xE0 | c >> 12);
      u[1] = char(0x80 | (c >> 6 & 0x3F));
      u[2] = char(0x80 | (c & 0x3F));
      n = 3;
    } else {
      u[0] = char(0xF0 | c >> 18);
      u[1] = char(0x80 | (c >> 12 & 0x3F));
      u[2] = char(0x80 | (c >> 6 & 0x3F));
      u[3] = char(0x80 | (c & 0x3F));
      n = 4;
    }
    if (out.len + n > N) {  // never cut a character in two
      out.truncated = true;
      return;
    }
    out.append({u, n});
  }
}

// MS-DTYP 2.3.3 FILETIME (100 ns since 1601) to Unix seconds; 0 stays 0.
uint64_t unix_time(uint64_t ft) noexcept {
  constexpr uint64_t kEpochDiff = 11644473600ull;
  uint64_t sec = ft / 10000000ull;
  return sec > kEpochDiff ? sec - kEpochDiff : 0;
}

// A create response's FILETIMEs (creation, last access, last write, change) and end of file.
void set_times(Tx& tx, const uint64_t (&t)[4], uint64_t eof) noexcept {
  tx.has_times = true;
  tx.created = unix_time(t[0]);
  tx.accessed = unix_time(t[1]);
  tx.modified = unix_time(t[2]);
  tx.changed = unix_time(t[3]);
  tx.size = eof;
}

bool all_ff(const uint8_t* id) noexcept {
  for (int i = 0; i < 16; ++i)
    if (id[i] != 0xFF) return false;
  return true;
}

// MS-SMB2 2.2.4 NEGOTIATE response: DialectRevision and ServerGuid.
void negotiate_response(Bytes m, Tx& tx) noexcept {
  ByteReader b(m.subspan(std::min<size_t>(m.size(), 64)));
  b.skip(2 + 2);  // StructureSize, SecurityMode
  uint16_t v = b.u16le();
  b.skip(2);  // NegotiateContextCount
  Bytes guid = b.bytes(16);
  if (!b.ok()) return;
  tx.dialect = v;
  tx.has_server_guid = true;
  std::memcpy(tx.server_guid, guid.data(), 16);
}

// The bytes [off, off+len) of `m`, or empty when they are not all there.
Bytes slice(Bytes m, size_t off, size_t len) noexcept {
  if (off > m.size() || len > m.size() - off) return {};
  return m.subspan(off, len);
}
// As slice(), but what there is of it when `m` was cut (kKeep).
Bytes slice_part(Bytes m, size_t off, size_t len) noexcept {
  if (off > m.size()) return {};
  return m.subspan(off, std::min(len, m.size() - off));
}

// C706 12.6.3.1 connection-oriented PDU header: version 5, minor 0 or 1, a known type.
bool looks_dcerpc(Bytes d) noexcept {
  return d.size() >= 3 && d[0] == 5 && d[1] <= 1 && d[2] <= 20;
}

struct DceHdr {
  uint8_t type = 0;
  bool le = true;
  uint16_t frag_len = 0, auth_len = 0;
  uint32_t call_id = 0;
};
bool dce_header(Bytes d, DceHdr& h) noexcept {
  if (d.size() < 16 || !looks_dcerpc(d)) return false;
  h.type = d[2];
  h.le = d[4] & 0x10;  // drep: integer representation
  auto u16 = [&](size_t o) {
    return h.le ? uint16_t(d[o] | d[o + 1] << 8) : uint16_t(d[o] << 8 | d[o + 1]);
  };
  h.frag_len = u16(8);
  h.auth_len = u16(10);
  h.call_id = h.le ? uint32_t(d[12] | d[13] << 8 | d[14] << 16 | uint32_t(d[15]) << 24)
                   : uint32_t(uint32_t(d[12]) << 24 | d[13] << 16 | d[14] << 8 | d[15]);
  return true;
}
uint32_t dce_stub(const DceHdr& h, size_t have) noexcept {
  size_t end = std::min<size_t>(h.frag_len, have);
  size_t trailer = h.auth_len ? h.auth_len + 8u : 0u;
  return end > 24 + trailer ? uint32_t(end - 24 - trailer) : 0;
}

// The stub data of a REQUEST (12.6.4.9) or RESPONSE (12.6.4.10) PDU in `d`: after the
// 24-byte header (and a request's object UUID), before the authentication verifier.
Bytes dce_stub_bytes(Bytes d, const DceHdr& h, size_t head) noexcept {
  size_t end = std::min<size_t>(h.frag_len, d.size());
  size_t trailer = h.auth_len ? h.auth_len + 8u : 0u;
  if (end <= head + trailer) return {};
  return d.subspan(head, end - trailer - head);
}

// A DCE/RPC request PDU (REQUEST 12.6.4.9, BIND 12.6.4.3, ALTER_CONTEXT 12.6.4.1) into tx.
void dce_request(Bytes d, Tx& tx) noexcept {
  DceHdr h;
  if (!dce_header(d, h)) return;
  tx.has_dce = true;
  tx.dce_req = h.type;
  tx.call_id = h.call_id;
  tx.dce_first_frag = d[3] & 0x01;  // PFC_FIRST_FRAG
  if (h.type == 0 && d.size() >= 24) {
    auto u16 = [&](size_t o) {
      return h.le ? uint16_t(d[o] | d[o + 1] << 8) : uint16_t(d[o] << 8 | d[o + 1]);
    };
    tx.ctxid = u16(20);
    tx.opnum = u16(22);
    tx.req_stub = dce_stub(h, d.size());
    Bytes stub = dce_stub_bytes(d, h, d[3] & 0x80 ? 40 : 24);  // PFC_OBJECT_UUID
    tx.dce_req_data = stub.data();
    tx.dce_req_len = uint32_t(stub.size());
  } else if ((h.type == 11 || h.type == 14) && h.le) {
    ByteReader r(d.subspan(16));
    r.skip(2 + 2 + 4);  // max_xmit_frag, max_recv_frag, assoc_group_id
    uint8_t n = r.u8();
    r.skip(3);
    tx.n_ifaces = 0;
    for (uint8_t i = 0; i < n && r.ok(); ++i) {
      uint16_t ctxid = r.u16le();
      uint8_t n_ts = r.u8();
      r.skip(1);
      Bytes uuid = r.bytes(16);
      uint16_t ver = r.u16le(), ver_min = r.u16le();
      r.skip(size_t(n_ts) * 20);  // transfer syntaxes
      if (!r.ok() || tx.n_ifaces >= kMaxIfaces) break;
      dcerpc::Iface& f = tx.ifaces[tx.n_ifaces++];
      f = dcerpc::Iface{};
      dcerpc::uuid_from_wire(uuid.data(), true, f.uuid);
      f.ver = ver;
      f.ver_min = ver_min;
      f.ctxid = ctxid;
      f.first_frag = tx.dce_first_frag;
    }
  }
}

// The answer PDU (RESPONSE 12.6.4.10, BIND_ACK 12.6.4.4, FAULT ...) into tx.
void dce_response(Bytes d, const DceHdr& h, Tx& tx) noexcept {
  tx.dce_rsp_set = true;
  tx.dce_rsp = h.type;
  if (h.type == 2) {
    tx.rsp_stub = dce_stub(h, d.size());
    Bytes stub = dce_stub_bytes(d, h, 24);
    tx.dce_rsp_data = stub.data();
    tx.dce_rsp_len = uint32_t(stub.size());
  } else if ((h.type == 12 || h.type == 15) && h.le) {
    ByteReader r(d.subspan(16));
    r.skip(2 + 2 + 4);
    uint16_t sec = r.u16le();  // sec_addr: port_spec length, then the string
    r.skip(sec);
    size_t at = 16 + 8 + 2 + size_t(sec);
    r.skip((4 - at % 4) % 4);  // aligned on 4 octets
    uint8_t n = r.u8();
    r.skip(3);
    for (uint8_t i = 0; i < n && r.ok(); ++i) {
      uint16_t result = r.u16le(), reason = r.u16le();
      r.skip(20);  // transfer syntax
      if (!r.ok() || i >= tx.n_ifaces) break;
      tx.ifaces[i].acked = true;
      tx.ifaces[i].result = result;
      tx.ifaces[i].reason = reason;
    }
  }
}

// MS-NLMP 2.2.1.3 AUTHENTICATE_MESSAGE inside a security blob (SPNEGO or raw): the
// "NTLMSSP\0" signature is searched for rather than walking the ASN.1.
void ntlmssp(Bytes blob, Tx& tx) noexcept {
  static constexpr uint8_t kSig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
  auto it = std::search(blob.begin(), blob.end(), std::begin(kSig), std::end(kSig));
  if (it == blob.end()) return;
  Bytes m = blob.subspan(size_t(it - blob.begin()));
  ByteReader r(m);
  r.skip(8);
  if (r.u32le() != 3) return;  // MessageType: NtLmAuthenticate
  struct Field {
    uint16_t len;
    uint32_t off;
  } f[6];
  for (auto& x : f) {  // Lm, Nt, Domain, User, Workstation, EncryptedRandomSessionKey
    x.len = r.u16le();
    r.skip(2);  // MaxLen
    x.off = r.u32le();
  }
  uint32_t flags = r.u32le();
  if (!r.ok()) return;
  bool unicode = flags & 0x1;  // NTLMSSP_NEGOTIATE_UNICODE
  auto get = [&](const Field& x, Short& out) {
    Bytes b = slice(m, x.off, x.len);
    if (unicode)
      utf16(b, out);
    else
      out.append(as_sv(b));
  };
  tx.has_ntlmssp = true;
  get(f[2], tx.ntlm_domain);
  get(f[3], tx.ntlm_user);
  get(f[4], tx.ntlm_host);
}

}  // namespace

const char* command_name(uint16_t c) noexcept {
  static const char* const kNames[] = {
      "SMB2_COMMAND_NEGOTIATE_PROTOCOL", "SMB2_COMMAND_SESSION_SETUP",
      "SMB2_COMMAND_SESSION_LOGOFF",     "SMB2_COMMAND_TREE_CONNECT",
      "SMB2_COMMAND_TREE_DISCONNECT",    "SMB2_COMMAND_CREATE",
      "SMB2_COMMAND_CLOSE",              "SMB2_COMMAND_FLUSH",
      "SMB2_COMMAND_READ",               "SMB2_COMMAND_WRITE",
      "SMB2_COMMAND_LOCK",               "SMB2_COMMAND_IOCTL",
      "SMB2_COMMAND_CANCEL",             "SMB2_COMMAND_KEEPALIVE",
      "SMB2_COMMAND_FIND",               "SMB2_COMMAND_CHANGE_NOTIFY",
      "SMB2_COMMAND_GET_INFO",           "SMB2_COMMAND_SET_INFO",
      "SMB2_COMMAND_OPLOCK_BREAK"};
  return c < std::size(kNames) ? kNames[c] : nullptr;
}

const char* status_name(uint32_t s) noexcept {
  switch (s) {  // MS-ERREF 2.3.1, the ones SMB2 servers commonly return
    case 0x00000000: return "STATUS_SUCCESS";
    case 0x00000103: return "STATUS_PENDING";
    case 0x0000010C: return "STATUS_NOTIFY_ENUM_DIR";
    case 0x80000005: return "STATUS_BUFFER_OVERFLOW";
    case 0x80000006: return "STATUS_NO_MORE_FILES";
    case 0xC0000003: return "STATUS_INVALID_INFO_CLASS";
    case 0xC0000008: return "STATUS_INVALID_HANDLE";
    case 0xC000000D: return "STATUS_INVALID_PARAMETER";
    case 0xC000000F: return "STATUS_NO_SUCH_FILE";
    case 0xC0000010: return "STATUS_INVALID_DEVICE_REQUEST";
    case 0xC0000011: return "STATUS_END_OF_FILE";
    case 0xC0000016: return "STATUS_MORE_PROCESSING_REQUIRED";
    case 0xC0000022: return "STATUS_ACCESS_DENIED";
    case 0xC0000023: return "STATUS_BUFFER_TOO_SMALL";
    case 0xC0000033: return "STATUS_OBJECT_NAME_INVALID";
    case 0xC0000034: return "STATUS_OBJECT_NAME_NOT_FOUND";
    case 0xC0000035: return "STATUS_OBJECT_NAME_COLLISION";
    case 0xC000003A: return "STATUS_OBJECT_PATH_NOT_FOUND";
    case 0xC0000043: return "STATUS_SHARING_VIOLATION";
    case 0xC0000056: return "STATUS_DELETE_PENDING";
    case 0xC000006D: return "STATUS_LOGON_FAILURE";
    case 0xC00000BA: return "STATUS_FILE_IS_A_DIRECTORY";
    case 0xC00000BB: return "STATUS_NOT_SUPPORTED";
    case 0xC00000C9: return "STATUS_NETWORK_NAME_DELETED";
    case 0xC00000CC: return "STATUS_BAD_NETWORK_NAME";
    case 0xC0000101: return "STATUS_DIRECTORY_NOT_EMPTY";
    case 0xC0000103: return "STATUS_NOT_A_DIRECTORY";
    case 0xC0000120: return "STATUS_CANCELLED";
    case 0xC0000128: return "STATUS_FILE_CLOSED";
    case 0xC0000203: return "STATUS_USER_SESSION_DELETED";
    case 0xC000035C: return "STATUS_NETWORK_SESSION_EXPIRED";
    default: return "UNKNOWN";
  }
}

std::string_view dialect_name(uint16_t d, char (&buf)[8]) noexcept {
  // MS-SMB2 2.2.3 Dialects: 0x0202 -> "2.02", 0x0311 -> "3.11" (Suricata's spelling);
  // 0x02FF is the wildcard of a multi-protocol negotiate ("2.??").
  if (d == 0x02FF) return "2.??";
  buf[0] = hex::kLower[d >> 8 & 0xF];
  buf[1] = '.';
  buf[2] = hex::kLower[d >> 4 & 0xF];
  buf[3] = hex::kLower[d & 0xF];
  return {buf, 4};
}

const char* disposition_name(uint32_t d) noexcept {
  switch (d) {
    case 0: return "FILE_SUPERSEDE";
    case 1: return "FILE_OPEN";
    case 2: return "FILE_CREATE";
    case 3: return "FILE_OPEN_IF";
    case 4: return "FILE_OVERWRITE";
    case 5: return "FILE_OVERWRITE_IF";
    default: return "UNKNOWN";
  }
}

// Match, or MatchReversed when the message says it was sent by the other side than `d`'s.
ProbeResult sided(Direction d, bool from_server) noexcept {
  return from_server == (d == Direction::ToClient) ? ProbeResult::Match
                                                   : ProbeResult::MatchReversed;
}

ProbeResult probe(Direction d, Bytes b) noexcept {
  if (b.empty()) return ProbeResult::NeedMore;
  if (b[0] == 0x81 || b[0] == 0x82) {  // RFC 1002 4.3.2/4.3.3 session request / positive resp.
    if (b.size() < 4) return ProbeResult::NeedMore;
    uint32_t len = uint32_t(b[1] & 1) << 16 | uint32_t(b[2]) << 8 | b[3];
    if (b[0] == 0x81 ? len != 68 : len != 0) return ProbeResult::NoMatch;
    return sided(d, b[0] == 0x82);
  }
  if (b[0] != 0x00) return ProbeResult::NoMatch;
  if (b.size() < 8) {
    // Check what is there of the magic already.
    static constexpr uint8_t kTail[3] = {'S', 'M', 'B'};
    if (b.size() >= 5 && b[4] != 0xFE && b[4] != 0xFF && b[4] != 0xFD) return ProbeResult::NoMatch;
    for (size_t i = 5; i < b.size(); ++i)
      if (b[i] != kTail[i - 5]) return ProbeResult::NoMatch;
    return ProbeResult::NeedMore;
  }
  Bytes m = b.subspan(4);
  // Who sent it, when the header is in: SMB1's Flags (MS-CIFS 2.2.3.1, SMB_FLAGS_REPLY 0x80),
  // SMB2's Flags (MS-SMB2 2.2.1, SMB2_FLAGS_SERVER_TO_REDIR 1). SMB3's transform header does
  // not tell.
  if (magic(m, 0xFF)) return m.size() > 9 ? sided(d, m[9] & 0x80) : ProbeResult::Match;
  if (magic(m, 0xFE)) return m.size() > 16 ? sided(d, m[16] & 1) : ProbeResult::Match;
  return magic(m, 0xFD) ? ProbeResult::Match : ProbeResult::NoMatch;
}

Parser* create(ParseContext& ctx) noexcept { return ctx.arena().make<SmbParser>(); }

namespace {
std::atomic<uint32_t> g_max_tx{0};
}  // namespace

void set_settings(const Settings& s) noexcept {
  g_max_tx.store(s.max_tx, std::memory_order_relaxed);
}

Settings settings() noexcept { return {g_max_tx.load(std::memory_order_relaxed)}; }

bool SmbParser::over_max_tx(Direction d, ParseContext& ctx) noexcept {
  if (!max_tx_) return false;
  // A one-sided capture (no packet at all from the other side, Suricata's async-oneside
  // flows): requests are not waited for; the oldest is reported when kMaxPending are.
  if (ctx.flow().pkts[idx(reverse(d))] == 0) return false;
  uint32_t live = 0;
  for (const Pending& p : pending_) live += p.used;
  for (bool w : dce_wait_used_) live += w;
  if (live < max_tx_) return false;
  ctx.on_anomaly("smb.too_many_transactions");  // Suricata's name
  dir_[idx(d)].state = State::Dead;
  return true;
}

void SmbParser::malformed(ParseContext& ctx) noexcept { ctx.on_anomaly("smb.malformed"); }

ParseResult SmbParser::parse(Direction d, Bytes data, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  size_t pos = 0;
  while (pos < data.size()) {
    switch (s.state) {
      case State::Dead:
        return {ParseStatus::Error, pos, 0};
      case State::Encrypted:
        return {ParseStatus::Ok, data.size(), 0};
      case State::Nbss: {
        s.nbss[s.nbss_have++] = data[pos++];
        if (s.nbss_have < 4) break;
        s.nbss_have = 0;
        // RFC 1002 4.3.1: type(1), flags(1) whose low bit extends the length, length(16);
        // MS-SMB2 2.1 direct TCP: a zero byte and a 24-bit length. Both read as 24 bits.
        uint8_t type = s.nbss[0];
        s.msg_len = uint32_t(s.nbss[1]) << 16 | uint32_t(s.nbss[2]) << 8 | s.nbss[3];
        s.msg_got = 0;
        s.data_start = s.data_end = 0;
        s.file = 0;
        s.file_slot = -1;
        s.mark = 4;  // first look: the protocol magic
        s.skip = type != 0x00;
        if (type != 0x00 && type != 0x81 && type != 0x82 && type != 0x83 && type != 0x84 &&
            type != 0x85) {
          malformed(ctx);
          s.state = State::Dead;
          return {ParseStatus::Error, pos, 0};
        }
        if (!s.skip && s.msg_len > kMaxMessage) {
          ctx.on_anomaly("smb.too_large");
          s.skip = true;
        }
        if (!s.skip && !s.buf) {
          s.buf = ctx.arena().alloc_array<uint8_t>(kKeep);
          if (!s.buf) {
            s.state = State::Dead;
            return {ParseStatus::Error, pos, 0};
          }
        }
        if (s.msg_len == 0) break;
        s.state = State::Body;
        break;
      }
      case State::Body: {
        size_t n = std::min<size_t>(s.msg_len - s.msg_got, data.size() - pos);
        if (!s.skip && s.msg_got < s.mark) n = std::min<size_t>(n, s.mark - s.msg_got);
        Bytes chunk = data.subspan(pos, n);
        if (!s.skip) {
          if (s.msg_got < kKeep) {
            size_t k = std::min<size_t>(n, kKeep - s.msg_got);
            std::memcpy(s.buf + s.msg_got, chunk.data(), k);
          }
          // READ/WRITE data that falls in this chunk goes to file extraction as it comes.
          if (s.file_slot >= 0 && s.data_end > s.msg_got && s.data_start < s.msg_got + n) {
            uint32_t a = std::max(s.data_start, s.msg_got);
            uint32_t e = std::min<uint32_t>(s.data_end, uint32_t(s.msg_got + n));
            file_bytes(d, chunk.subspan(a - s.msg_got, e - a), ctx);
          }
        }
        s.msg_got += uint32_t(n);
        pos += n;
        if (!s.skip && s.msg_got == s.mark) {
          early(d, ctx);
          if (s.state == State::Dead) return {ParseStatus::Error, pos, 0};
          if (s.state == State::Encrypted) return {ParseStatus::Ok, data.size(), 0};
        }
        if (s.msg_got == s.msg_len) {
          s.state = State::Nbss;
          if (!s.skip) end_message(d, ctx);
          if (s.state == State::Dead) return {ParseStatus::Error, pos, 0};
          if (s.state == State::Encrypted) return {ParseStatus::Ok, data.size(), 0};
        }
        break;
      }
    }
  }
  return {ParseStatus::Ok, data.size(), 0};
}

// Called when the message has reached s.mark bytes: checks the magic (4), then the first
// header (64), then the READ response / WRITE request fixed part to start streaming data.
void SmbParser::early(Direction d, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  Bytes m(s.buf, s.msg_got);
  s.mark = UINT32_MAX;
  if (m.size() == 4) {
    if (magic(m, 0xFE)) {
      s.mark = kHdr;
    } else if (magic(m, 0xFF)) {
      // legacy SMB1: handled at the end of the message; WRITE_ANDX / READ_ANDX data is
      // streamed from its WordCount on (smb1_early)
      if (s.msg_len >= 33) s.mark = 33;
    } else if (magic(m, 0xFD)) {
      // MS-SMB2 2.2.41 TRANSFORM_HEADER: this message is encrypted and skipped by length.
      // Encryption may be per share (MS-SMB2 3.3.5.2.11): plain messages can follow, e.g. a
      // tree connect to IPC$ after an encrypted share's traffic.
      s.skip = true;
      if (!encrypted_reported_) {
        encrypted_reported_ = true;
        Tx tx;
        tx.tx_id = next_tx_++;
        tx.encrypted = true;
        tx.dialect = dialect_;
        emit(tx, d, ctx);
      }
    } else {
      malformed(ctx);
      s.state = State::Dead;
    }
    return;
  }
  if (magic(m, 0xFF)) {
    smb1_early(d, ctx);
    return;
  }
  uint16_t command = ByteReader(m.subspan(12)).u16le();
  uint32_t flags = ByteReader(m.subspan(16)).u32le();
  bool resp = flags & kFlagResponse;
  if (m.size() == kHdr) {
    if (command == cmd::kWrite && !resp && s.msg_len >= kHdr + 48) s.mark = kHdr + 48;
    if (command == cmd::kRead && resp && s.msg_len >= kHdr + 16) s.mark = kHdr + 16;
    return;
  }
  uint32_t status = ByteReader(m.subspan(8)).u32le();
  uint64_t mid = ByteReader(m.subspan(24)).u64le();
  ByteReader b(m.subspan(kHdr));
  const uint8_t* fid = nullptr;
  uint32_t off = 0, len = 0;
  uint64_t sid = ByteReader(m.subspan(40)).u64le();
  uint32_t tree = (flags & kFlagAsync) ? 0 : ByteReader(m.subspan(36)).u32le();
  if (command == cmd::kWrite) {  // MS-SMB2 2.2.21
    b.skip(2);                   // StructureSize
    off = b.u16le();             // DataOffset (from the header)
    len = b.u32le();             // Length
    b.skip(8);                   // Offset
    fid = m.data() + kHdr + 16;  // FileId
  } else {                       // MS-SMB2 2.2.20 READ response
    if (status != 0 && status != kStatusBufferOverflow) return;
    b.skip(2);
    off = b.u8();  // DataOffset
    b.skip(1);
    len = b.u32le();  // DataLength
    Pending* p = find_pending(mid);
    if (!p || !p->tx.has_file_id) return;
    fid = p->tx.file_id;
    sid = p->tx.session_id;
    tree = p->tx.tree_id;
  }
  start_data(d, m, fid, off, len, command, sid, tree, ctx);
}

void SmbParser::start_data(Direction d, Bytes m, const uint8_t* fid, uint32_t off,
                           uint32_t len, uint16_t command, uint64_t sid, uint32_t tree,
                           ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  // Data already passed can be handed on only from what was kept (the kind check below).
  if (off > s.msg_len || len > s.msg_len - off || (off < s.msg_got && s.msg_got > kKeep)) return;
  File* f = find_file(fid);
  if (!f) return;
  if (!f->kind_known) {
    // The tree connect was not seen (midstream): as Suricata, DCE/RPC data means a pipe. Its
    // first bytes are looked at once they are there.
    if (len >= 3 && m.size() < size_t(off) + 3 && off + 3 <= kKeep) {
      s.mark = off + 3;
      return;
    }
    f->kind_known = true;
    f->pipe = looks_dcerpc(slice(m, off, 3));
  }
  // Named pipe data is DCE/RPC, not a file (Suricata extracts no file from it either).
  if (f->pipe) return;
  FileTx& ft = open_file_tx(*f, d, command, sid, tree);
  uint32_t& cf = f->ctx_file[idx(d)];
  if (!cf) cf = ctx.file_open(d, f->name.view(), ft.tx_id);
  // Untracked (cf 0: tracker limits) data still feeds the file.data prefix.
  s.file = cf;
  s.file_slot = int8_t(f - files_);
  s.data_start = off;
  s.data_end = off + len;
  if (m.size() > off) {  // bytes already read while the kind was decided
    size_t e = std::min<size_t>(m.size(), size_t(off) + len);
    file_bytes(d, m.subspan(off, e - off), ctx);
  }
}

void SmbParser::file_bytes(Direction d, Bytes b, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  if (s.file_slot < 0 || b.empty()) return;
  if (s.file) ctx.file_data(s.file, b);
  append_insp(files_[s.file_slot], idx(d), b, ctx);
}

void SmbParser::append_insp(File& f, int i, Bytes b, ParseContext& ctx) noexcept {
  uint32_t& n = f.insp_len[i];
  if (n >= kFileInspect) return;
  uint8_t*& buf = insp_[&f - files_][i];
  if (!buf && !insp_failed_) {
    buf = ctx.arena().alloc_array<uint8_t>(kFileInspect);
    insp_failed_ = !buf;  // the flow's arena is full: file.data is not kept
  }
  if (!buf) return;
  size_t k = std::min<size_t>(b.size(), kFileInspect - n);
  std::memcpy(buf + n, b.data(), k);
  n += uint32_t(k);
}

void SmbParser::end_message(Direction d, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  Bytes m(s.buf, std::min(s.msg_len, kKeep));
  if (magic(m, 0xFE)) {
    smb2(d, m, ctx);
  } else if (magic(m, 0xFF)) {
    smb1(d, m, ctx);
  } else if (s.state != State::Encrypted) {
    malformed(ctx);
    s.state = State::Dead;
  }
}

namespace {

// [MS-CIFS] 2.2.1.1 strings in the SMB_Data bytes: Unicode ones (Flags2 0x8000) are aligned
// on 2 bytes from the start of the header (`base`: the header offset of bytes[0]).
template <size_t N>
void smb1_string(Bytes bytes, size_t& pos, bool unicode, size_t base,
                 tls::BoundedStr<N>& out) noexcept {
  out.clear();
  if (unicode) {
    if ((base + pos) & 1) ++pos;
    size_t e = pos;
    while (e + 1 < bytes.size() && (bytes[e] | bytes[e + 1])) e += 2;
    if (pos < bytes.size()) utf16(bytes.subspan(pos, std::min(e, bytes.size()) - pos), out);
    pos = std::min(e + 2, bytes.size());
  } else {
    size_t e = pos;
    while (e < bytes.size() && bytes[e]) ++e;
    if (pos < bytes.size()) out.append(as_sv(bytes.subspan(pos, e - pos)));
    pos = std::min(e + 1, bytes.size());
  }
}

constexpr uint64_t kSmb1Mid = uint64_t(1) << 63;  // SMB1 MIDs apart from SMB2 MessageIds

// SMB1 commands ([MS-CIFS] 2.2.2.1) this parser follows files with.
constexpr uint8_t kSmb1Close = 0x04, kSmb1OpenAndx = 0x2D, kSmb1ReadAndx = 0x2E,
                  kSmb1WriteAndx = 0x2F, kSmb1NtCreateAndx = 0xA2;

// An SMB1 FID (16 bits) as a 16-byte file id: the FID, then a marker no SMB2 id carries in
// the same flow (SMB1 and SMB2 do not mix after the negotiate).
void smb1_fid(uint16_t fid, uint8_t (&out)[16]) noexcept {
  std::memset(out, 0, 16);
  out[0] = uint8_t(fid);
  out[1] = uint8_t(fid >> 8);
  out[15] = 0x01;
}

}  // namespace

// The commands chained after the first one of an SMB1 request ([MS-CIFS] 2.2.3.4 AndX:
// AndXCommand, AndXOffset from the header): a chained WRITE_ANDX hands its data on from the
// kept message (streaming covers the first command only), a chained CLOSE ends its file.
void SmbParser::smb1_chain(Direction d, Bytes m, ParseContext& ctx) noexcept {
  auto andx = [](uint8_t c) {
    return c == 0x24 || c == 0x2D || c == kSmb1ReadAndx || c == kSmb1WriteAndx || c == 0x73 ||
           c == 0x74 || c == 0x75 || c == kSmb1NtCreateAndx;
  };
  uint8_t c = m[4];
  size_t o = 32;
  uint64_t sid = uint16_t(m[28] | m[29] << 8);
  uint32_t tree = uint16_t(m[24] | m[25] << 8);
  for (int hop = 0; hop < 8 && andx(c); ++hop) {  // a chain is short; loops are cut
    if (o >= m.size() || m[o] < 2 || o + 5 > m.size()) return;
    uint8_t next = m[o + 1];
    size_t next_off = size_t(m[o + 3] | m[o + 4] << 8);
    if (next == 0xFF || next_off <= o || next_off >= m.size()) return;
    o = next_off;
    c = next;
    size_t wc = m[o];
    if (o + 1 + wc * 2 > m.size()) return;
    auto word = [&](size_t i) { return uint16_t(m[o + 1 + i * 2] | m[o + 2 + i * 2] << 8); };
    uint8_t id[16];
    if (c == kSmb1WriteAndx && (wc == 12 || wc == 14)) {
      smb1_fid(word(2), id);
      uint32_t len = uint32_t(word(10)) | uint32_t(word(9)) << 16, off = word(11);
      File* f = find_file(id);
      if (!f || off > m.size() || len > m.size() - off) continue;  // not all kept: not handed on
      Bytes data = m.subspan(off, len);
      if (!f->kind_known) {
        f->kind_known = true;
        f->pipe = looks_dcerpc(data.first(std::min<size_t>(3, data.size())));
      }
      if (f->pipe || data.empty()) continue;
      FileTx& ft = open_file_tx(*f, d, c, sid, tree);
      uint32_t& cf = f->ctx_file[idx(d)];
      if (!cf) cf = ctx.file_open(d, f->name.view(), ft.tx_id);
      if (cf) ctx.file_data(cf, data);
      append_insp(*f, idx(d), data, ctx);
    } else if (c == kSmb1Close && wc >= 1) {
      smb1_fid(word(0), id);
      if (File* f = find_file(id)) close_file(*f, FileEnd::Complete, ctx);
    }
  }
}

// The WRITE_ANDX request or READ_ANDX response being read has reached s.mark: once its words
// are there, the data's place is known ([MS-CIFS] 2.2.4.43.1 / 2.2.4.42.2; DataOffset counts
// from the SMB header) and it is streamed like SMB2's (start_data).
void SmbParser::smb1_early(Direction d, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  Bytes m(s.buf, std::min(s.msg_got, kKeep));
  s.mark = UINT32_MAX;
  if (m.size() < 33) return;
  uint8_t c = m[4];
  bool reply = m[9] & 0x80;
  bool write = c == kSmb1WriteAndx && !reply, read = c == kSmb1ReadAndx && reply;
  if (!write && !read) return;
  uint8_t wc = m[32];
  if ((write && wc != 12 && wc != 14) || (read && wc != 12)) return;
  size_t need = 33 + size_t(wc) * 2;
  if (m.size() < need) {
    if (s.msg_len >= need && need <= kKeep) s.mark = uint32_t(need);
    return;
  }
  auto word = [&](size_t i) { return uint16_t(m[33 + i * 2] | m[34 + i * 2] << 8); };
  uint16_t tid = uint16_t(m[24] | m[25] << 8), uid = uint16_t(m[28] | m[29] << 8),
           mid = uint16_t(m[30] | m[31] << 8);
  uint8_t id[16];
  uint32_t off = 0, len = 0;
  if (write) {
    smb1_fid(word(2), id);
    len = uint32_t(word(10)) | uint32_t(word(9)) << 16;  // DataLength, DataLengthHigh
    off = word(11);
  } else {
    Pending* p = find_pending(kSmb1Mid | mid);
    if (!p || !p->tx.has_file_id) return;
    uint32_t status = (m[11] & 0x40) ? ByteReader(m.subspan(5)).u32le() : uint32_t(m[5]);
    if (status != 0) return;
    std::memcpy(id, p->tx.file_id, 16);
    len = uint32_t(word(5)) | uint32_t(word(7)) << 16;  // DataLength, DataLengthHigh
    off = word(6);
  }
  start_data(d, m, id, off, len, c, uid, tid, ctx);
}

// One SMB1 message ([MS-CIFS] 2.2.3.1 header, then WordCount, words, ByteCount, bytes). The
// commands a session starts and ends with are transactions (NEGOTIATE, SESSION_SETUP_ANDX,
// TREE_CONNECT_ANDX, LOGOFF_ANDX); others are flagged (smb.smb1) only.
void SmbParser::smb1(Direction d, Bytes m, ParseContext& ctx) noexcept {
  if (!smb1_reported_) ctx.on_anomaly("smb.smb1");
  smb1_reported_ = true;
  if (m.size() < 35) return;
  uint8_t c = m[4];
  uint16_t flags2 = uint16_t(m[10] | m[11] << 8);
  bool reply = m[9] & 0x80, unicode = flags2 & 0x8000, nt_status = flags2 & 0x4000;
  uint32_t status = nt_status ? ByteReader(m.subspan(5)).u32le()
                              : uint32_t(m[5]) << 16 | uint32_t(m[7] | m[8] << 8);
  uint16_t tid = uint16_t(m[24] | m[25] << 8), uid = uint16_t(m[28] | m[29] << 8),
           mid = uint16_t(m[30] | m[31] << 8);
  if (!reply && d == Direction::ToServer) smb1_chain(d, m, ctx);
  uint8_t wc = m[32];
  Bytes words = slice_part(m, 33, size_t(wc) * 2);
  size_t bytes_at = 33 + size_t(wc) * 2 + 2;
  Bytes bytes = slice_part(m, bytes_at, m.size());
  auto word = [&](size_t i) -> uint16_t {
    return i * 2 + 1 < words.size() ? uint16_t(words[i * 2] | words[i * 2 + 1] << 8) : 0;
  };
  if (c == 0x72 && reply && smb1_negotiate_) {  // an SMB1 answer to the NEGOTIATE
    smb1_negotiate_ = false;
    Tx& tx = smb1_neg_tx_;
    tx.has_response = true;
    tx.status = status;
    tx.dos_status = !nt_status;
    uint16_t index = word(0);  // [MS-SMB] 2.2.4.5.2.1 DialectIndex
    if (wc >= 17 && index < tx.smb1_dialects.count) {
      smb1_dialect_.assign(tx.smb1_dialects[index]);
      ByteReader cr(slice_part(words, 19, 4));  // Capabilities
      uint32_t caps = cr.u32le();
      if (cr.ok() && (caps & 0x80000000u) && bytes.size() >= 16) {  // CAP_EXTENDED_SECURITY: ServerGUID
        tx.has_server_guid = true;
        std::memcpy(tx.server_guid, bytes.data(), 16);
      }
    }
    tx.smb1_dialect.assign(smb1_dialect_.view());
    emit(tx, d, ctx);
    return;
  }
  // ECHO (0x2B) is a transaction of its own, as Suricata logs it (output-eve-smb-01; its
  // TREE_DISCONNECT is not: smb2-07).
  bool known = c == 0x72 || c == 0x73 || c == 0x74 || c == 0x75 || c == kSmb1NtCreateAndx ||
               c == kSmb1OpenAndx || c == kSmb1Close || c == kSmb1ReadAndx ||
               c == kSmb1WriteAndx || c == 0x2B;
  if (!known) return;
  if (!reply) {
    if (d != Direction::ToServer) return;
    if (c == 0x72) {  // NEGOTIATE: its answer may be SMB2 (see command())
      if (smb1_negotiate_) emit(smb1_neg_tx_, d, ctx);  // a second one: the first ends here
      reset_tx(smb1_neg_tx_);
      Tx& tx = smb1_neg_tx_;
      tx.tx_id = next_tx_++;
      tx.smb1 = true;
      tx.command = c;
      tx.has_request = true;
      for (size_t pos = 0; pos < bytes.size();) {  // BufferFormat 0x02, OEM string
        if (bytes[pos] != 0x02) break;
        size_t e = pos + 1;
        while (e < bytes.size() && bytes[e]) ++e;
        tx.smb1_dialects.add(as_sv(bytes.subspan(pos + 1, e - pos - 1)));
        pos = e + 1;
      }
      smb1_negotiate_ = true;
      return;
    }
    if (over_max_tx(d, ctx)) return;
    Pending& p = new_pending(ctx);
    Tx& tx = p.tx;
    reset_tx(tx);
    tx.tx_id = next_tx_++;
    tx.smb1 = true;
    tx.command = c;
    tx.has_request = true;
    tx.message_id = kSmb1Mid | mid;
    tx.session_id = uid;
    tx.tree_id = tid;
    tx.smb1_dialect.assign(smb1_dialect_.view());
    if (c == 0x73) {  // SESSION_SETUP_ANDX ([MS-SMB] 2.2.4.6.1 / [MS-CIFS] 2.2.4.53.1)
      size_t pos = 0;
      if (wc == 12) {
        size_t blob = word(7);
        ntlmssp(slice_part(bytes, 0, blob), tx);
        pos = blob;
      } else if (wc == 13) {
        pos = size_t(word(7)) + word(8);
        Short skip;
        smb1_string(bytes, pos, unicode, bytes_at, skip);  // AccountName
        smb1_string(bytes, pos, unicode, bytes_at, skip);  // PrimaryDomain
      } else {
        pos = bytes.size();
      }
      if (pos < bytes.size()) {
        tx.has_native_req = true;
        smb1_string(bytes, pos, unicode, bytes_at, tx.native_os_req);
        smb1_string(bytes, pos, unicode, bytes_at, tx.native_lm_req);
      }
    } else if (c == 0x75 && wc >= 4) {  // TREE_CONNECT_ANDX ([MS-CIFS] 2.2.4.55.1)
      size_t pos = word(3);  // PasswordLength
      smb1_string(bytes, pos, unicode, bytes_at, tx.share);
      std::string_view sv = tx.share.view();
      size_t slash = sv.rfind('\\');
      std::string_view name = slash == sv.npos ? sv : sv.substr(slash + 1);
      tx.named_pipe = name.size() == 4 && (name[0] | 0x20) == 'i' && (name[1] | 0x20) == 'p' &&
                      (name[2] | 0x20) == 'c' && name[3] == '$';
    } else if (c == kSmb1NtCreateAndx && wc == 24) {  // [MS-CIFS] 2.2.4.64.1
      ByteReader w(words);
      w.skip(35);  // AndX, Reserved, NameLength, Flags, RootDirectoryFID, DesiredAccess,
                   // AllocationSize, ExtFileAttributes, ShareAccess
      uint32_t disp = w.u32le();
      if (w.ok()) {
        tx.has_disposition = true;
        tx.disposition = disp;
      }
      size_t pos = 0;
      smb1_string(bytes, pos, unicode, bytes_at, tx.filename);
      if (Tree* t = find_tree(tid)) {
        tx.share.assign(t->share.view());
        tx.named_pipe = t->pipe;
      }
    } else if (c == kSmb1OpenAndx && wc == 15) {  // [MS-CIFS] 2.2.4.41.1: FileName
      size_t pos = 0;
      smb1_string(bytes, pos, unicode, bytes_at, tx.filename);
      if (Tree* t = find_tree(tid)) {
        tx.share.assign(t->share.view());
        tx.named_pipe = t->pipe;
      }
    } else if ((c == kSmb1WriteAndx || c == kSmb1ReadAndx || c == kSmb1Close) && wc >= 1) {
      // WRITE_ANDX / READ_ANDX: FID is word 2 (after AndX); CLOSE: word 0 ([MS-CIFS]
      // 2.2.4.43.1, 2.2.4.42.1, 2.2.4.5.1).
      smb1_fid(word(c == kSmb1Close ? 0 : 2), tx.file_id);
      tx.has_file_id = true;
      File* f = find_file(tx.file_id);
      if (f) {
        tx.filename.assign(f->name.view());
        tx.share.assign(f->share.view());
      }
      if (c == kSmb1ReadAndx)
        tx.quiet = f && !f->pipe;  // its data is the file Tx's
      else if (c == kSmb1WriteAndx)
        tx.quiet = f && f->ftx[idx(Direction::ToServer)].open;
      else if (f)
        close_file(*f, FileEnd::Complete, ctx);
      if (tx.quiet) --next_tx_;  // no transaction of its own (as SMB2's)
    }
    return;
  }
  Pending* p = find_pending(kSmb1Mid | mid);
  // A NEGOTIATE answer without its request (a midstream pickup at the server's first reply)
  // is no transaction: nothing tells which dialects were offered (Suricata logs none).
  if (!p && c == 0x72) return;
  Tx local;
  Tx& tx = p ? p->tx : local;
  if (!p) {  // an answer without its request (midstream)
    tx.tx_id = next_tx_++;
    tx.smb1 = true;
    tx.command = c;
    tx.session_id = uid;
    tx.tree_id = tid;
    tx.smb1_dialect.assign(smb1_dialect_.view());
  }
  tx.has_response = true;
  tx.status = status;
  tx.dos_status = !nt_status;
  if (c == 0x73 && (wc == 3 || wc == 4)) {  // [MS-SMB] 2.2.4.6.2 / [MS-CIFS] 2.2.4.53.2
    size_t pos = wc == 4 ? word(3) : 0;
    if (wc == 4) ntlmssp(slice_part(bytes, 0, pos), tx);
    tx.has_native_rsp = true;
    smb1_string(bytes, pos, unicode, bytes_at, tx.native_os_rsp);
    smb1_string(bytes, pos, unicode, bytes_at, tx.native_lm_rsp);
  } else if (c == 0x75 && wc >= 3 && (status == 0)) {  // Service, OEM
    size_t pos = 0;
    Short service;
    smb1_string(bytes, pos, false, bytes_at, service);
    if (service.view() == "IPC") tx.named_pipe = true;
    Tree* slot = find_tree(tid);
    for (uint32_t i = 0; !slot && i < kMaxTrees; ++i)
      if (!trees_[i].used) slot = &trees_[i];
    if (!slot) slot = &trees_[tid % kMaxTrees];  // full: replace one
    slot->used = true;
    slot->id = tid;
    slot->pipe = tx.named_pipe;
    slot->share.assign(tx.share.view());
  } else if (c == kSmb1NtCreateAndx && wc >= 34 && status == 0 && p) {  // 2.2.4.64.2
    ByteReader w(words);
    w.skip(5);  // AndX, Reserved, AndXOffset, OplockLevel
    uint16_t fid = w.u16le();
    w.skip(4);  // CreateDisposition (the action taken)
    uint64_t t[4];
    for (uint64_t& v : t) v = w.u64le();  // Creation, LastAccess, LastWrite, LastChange
    w.skip(4 + 8);  // ExtFileAttributes, AllocationSize
    uint64_t eof = w.u64le();
    uint16_t rtype = w.u16le();  // ResourceType: 1, 2 are named pipes
    if (w.ok()) {
      set_times(tx, t, eof);
      if (rtype == 1 || rtype == 2) tx.named_pipe = true;
      smb1_fid(fid, tx.file_id);
      tx.has_file_id = true;
      add_file(tx.file_id, tx, ctx);
    }
  } else if (c == kSmb1OpenAndx && wc >= 15 && status == 0 && p) {  // 2.2.4.41.2
    ByteReader w(words);
    w.skip(4);  // AndX, Reserved, AndXOffset
    uint16_t fid = w.u16le();
    w.skip(2 + 4 + 4 + 2);  // FileAttrs, LastWriteTime, FileDataSize, AccessRights
    uint16_t rtype = w.u16le();  // ResourceType: 1, 2 are named pipes
    if (w.ok()) {
      if (rtype == 1 || rtype == 2) tx.named_pipe = true;
      smb1_fid(fid, tx.file_id);
      tx.has_file_id = true;
      add_file(tx.file_id, tx, ctx);
    }
  } else if ((c == kSmb1WriteAndx || c == kSmb1ReadAndx) && tx.quiet && tx.has_file_id) {
    if (File* f = find_file(tx.file_id)) {  // the first answer gives the file Tx its status
      FileTx& ft = f->ftx[c == kSmb1WriteAndx ? 0 : 1];
      if (ft.open && !ft.has_response) {
        ft.has_response = true;
        ft.status = status;
      }
    }
  }
  emit(tx, d, ctx);
  if (p) p->used = false;
}

// One SMB2 message: a chain of commands linked by NextCommand (MS-SMB2 3.2.4.1.4).
void SmbParser::smb2(Direction d, Bytes m, ParseContext& ctx) noexcept {
  chain_name_.clear();
  for (int i = 0; i < 64 && !m.empty(); ++i) {
    if (!magic(m, 0xFE) || m.size() < kHdr) {
      if (m.size() >= kKeep - 0) return;  // cut by kKeep: not malformed
      malformed(ctx);
      return;
    }
    uint32_t next = ByteReader(m.subspan(20)).u32le();
    Bytes one = next && next <= m.size() ? m.first(next) : m;
    if (!command(d, one, ctx)) return;
    if (!next) return;
    if (next < kHdr || next > m.size() || next % 8) {
      if (next > m.size() && m.size() == size_t(kKeep)) return;
      malformed(ctx);
      return;
    }
    m = m.subspan(next);
  }
}

bool SmbParser::command(Direction d, Bytes m, ParseContext& ctx) noexcept {
  ByteReader r(m);
  r.skip(4);
  uint16_t size = r.u16le();
  r.skip(2);  // CreditCharge
  uint32_t status = r.u32le();
  uint16_t command = r.u16le();
  r.skip(2);  // Credits
  uint32_t flags = r.u32le();
  r.skip(4);  // NextCommand
  uint64_t mid = r.u64le();
  uint32_t tree = 0;
  if (flags & kFlagAsync) {
    r.skip(8);  // AsyncId
  } else {
    r.skip(4);
    tree = r.u32le();
  }
  uint64_t sid = r.u64le();
  if (!r.ok() || size != kHdr) {
    malformed(ctx);
    return false;
  }
  bool resp = flags & kFlagResponse;
  if (!resp) {
    if (over_max_tx(d, ctx)) return false;
    Pending& p = new_pending(ctx);
    Tx& tx = p.tx;
    reset_tx(tx);
    tx.tx_id = UINT64_MAX;  // given below, when the request makes a Tx of its own
    tx.has_request = true;
    tx.message_id = mid;
    tx.session_id = sid;
    tx.tree_id = tree;
    tx.command = command;
    tx.dialect = dialect_;
    if (Tree* t = find_tree(tree)) {
      tx.share.assign(t->share.view());
      tx.named_pipe = t->pipe;
    }
    related_ = flags & kFlagRelated;
    request(m, tx, ctx);
    switch (command) {
      case cmd::kRead:
      case cmd::kQueryInfo: tx.quiet = true; break;
      case cmd::kSetInfo:
        tx.quiet = tx.info_type != 1 || (tx.info_class != 10 && tx.info_class != 13);
        break;
      case cmd::kWrite: {
        File* f = tx.has_file_id ? find_file(tx.file_id) : nullptr;
        tx.quiet = f && f->ftx[idx(Direction::ToServer)].open;
        break;
      }
      default: break;
    }
    if (!tx.quiet) tx.tx_id = next_tx_++;
    if (tx.has_dce && !tx.quiet) inspect_dce(tx, ctx);
    if (command == cmd::kCancel) {  // no response of its own (MS-SMB2 3.3.5.16)
      emit(tx, d, ctx);
      p.used = false;
    }
    return true;
  }
  // An interim response (MS-SMB2 3.3.4.2): the final one follows with the same MessageId.
  if (status == kStatusPending && (flags & kFlagAsync)) return true;
  Pending* p = find_pending(mid);
  if (!p && command == cmd::kNegotiate && smb1_negotiate_) {
    // The SMB2 answer to an SMB1 multi-protocol NEGOTIATE completes that Tx.
    smb1_negotiate_ = false;
    Tx& tx = smb1_neg_tx_;
    tx.has_response = true;
    tx.status = status;
    if (status == 0) {
      negotiate_response(m, tx);
      dialect_ = tx.dialect;
    }
    emit(tx, d, ctx);
    return true;
  }
  Tx local;
  Tx& tx = p ? p->tx : local;
  if (!p) {
    tx.tx_id = next_tx_++;
    tx.message_id = mid;
    tx.command = command;
    tx.dialect = dialect_;
  }
  tx.has_response = true;
  tx.status = status;
  if (sid) tx.session_id = sid;
  if (tree) tx.tree_id = tree;
  response(m, tx, ctx);
  if (command == cmd::kRead && tx.has_file_id && tx.status == 0) {
    // A READ on a pipe answers a DCE/RPC call made by an earlier WRITE.
    File* f = find_file(tx.file_id);
    ByteReader rb(m.subspan(std::min<size_t>(m.size(), kHdr + 2)));
    uint8_t off = rb.u8();
    rb.skip(1);
    uint32_t len = rb.u32le();
    if (rb.ok() && (!f || f->pipe)) answer_dce(slice_part(m, off, len), ctx);
  }
  if (tx.quiet && (command == cmd::kRead || command == cmd::kWrite) && tx.has_file_id) {
    // The first answer gives the file Tx its status.
    if (File* f = find_file(tx.file_id)) {
      FileTx& ft = f->ftx[command == cmd::kWrite ? 0 : 1];
      if (ft.open && !ft.has_response) {
        ft.has_response = true;
        ft.status = status;
      }
    }
  }
  if (command == cmd::kWrite && tx.has_dce && !tx.dce_rsp_set && tx.status == 0)
    park_dce(tx, ctx);  // reported with its answer
  else
    emit(tx, d, ctx);
  if (p) p->used = false;
  return true;
}

void SmbParser::request(Bytes m, Tx& tx, ParseContext& ctx) noexcept {
  ByteReader b(m.subspan(kHdr));
  b.skip(2);  // StructureSize
  switch (tx.command) {
    case cmd::kNegotiate: {  // MS-SMB2 2.2.3
      uint16_t n = b.u16le();
      b.skip(2 + 2 + 4 + 16 + 8);
      for (uint16_t i = 0; i < n && b.ok(); ++i) {
        uint16_t v = b.u16le();
        if (b.ok() && tx.n_dialects < kMaxDialects) tx.client_dialects[tx.n_dialects++] = v;
      }
      break;
    }
    case cmd::kSessionSetup: {  // MS-SMB2 2.2.5
      b.skip(1 + 1 + 4 + 4);
      uint16_t off = b.u16le(), len = b.u16le();
      if (b.ok()) ntlmssp(slice(m, off, len), tx);
      break;
    }
    case cmd::kTreeConnect: {  // MS-SMB2 2.2.9
      b.skip(2);
      uint16_t off = b.u16le(), len = b.u16le();
      tx.share.clear();
      if (b.ok()) utf16(slice(m, off, len), tx.share);
      std::string_view sv = tx.share.view();
      size_t slash = sv.rfind('\\');
      std::string_view name = slash == sv.npos ? sv : sv.substr(slash + 1);
      tx.named_pipe = name.size() == 4 && (name[0] | 0x20) == 'i' && (name[1] | 0x20) == 'p' &&
                      (name[2] | 0x20) == 'c' && name[3] == '$';
      break;
    }
    case cmd::kCreate: {  // MS-SMB2 2.2.13
      b.skip(1 + 1 + 4 + 8 + 8 + 4 + 4 + 4);
      tx.disposition = b.u32le();
      uint32_t options = b.u32le();  // CreateOptions
      uint16_t off = b.u16le(), len = b.u16le();
      if (!b.ok()) break;
      tx.has_disposition = true;
      tx.directory = options & 0x1;            // FILE_DIRECTORY_FILE
      tx.delete_on_close = options & 0x1000;   // FILE_DELETE_ON_CLOSE
      utf16(slice(m, off, len), tx.filename);
      chain_name_.assign(tx.filename.view());
      break;
    }
    case cmd::kClose:  // MS-SMB2 2.2.15
    case cmd::kFlush: {
      b.skip(2 + 4);
      Bytes fid = b.bytes(16);
      if (!b.ok()) break;
      std::memcpy(tx.file_id, fid.data(), 16);
      tx.has_file_id = true;
      if (File* f = find_file(tx.file_id)) {
        tx.filename.assign(f->name.view());
        if (tx.command == cmd::kClose) close_file(*f, FileEnd::Complete, ctx);
      } else if (related_ && all_ff(tx.file_id)) {
        tx.filename.assign(chain_name_.view());
      }
      break;
    }
    case cmd::kRead:     // MS-SMB2 2.2.19
    case cmd::kWrite: {  // MS-SMB2 2.2.21
      uint16_t data_off = b.u16le();  // WRITE: DataOffset (READ: Padding, Flags)
      tx.length = b.u32le();
      tx.offset = b.u64le();
      Bytes fid = b.bytes(16);
      if (!b.ok()) break;
      std::memcpy(tx.file_id, fid.data(), 16);
      tx.has_file_id = true;
      File* f = find_file(tx.file_id);
      if (f) tx.filename.assign(f->name.view());
      else if (related_ && all_ff(tx.file_id)) tx.filename.assign(chain_name_.view());
      if (tx.command == cmd::kWrite && (!f || f->pipe))
        dce_request(slice_part(m, data_off, tx.length), tx);
      break;
    }
    case cmd::kIoctl: {  // MS-SMB2 2.2.31
      b.skip(2);
      uint32_t ctl = b.u32le();
      Bytes fid = b.bytes(16);
      uint32_t in_off = b.u32le(), in_len = b.u32le();
      if (!b.ok()) break;
      std::memcpy(tx.file_id, fid.data(), 16);
      tx.has_file_id = true;
      if (File* f = find_file(tx.file_id)) tx.filename.assign(f->name.view());
      if (ctl == 0x0011C017) dce_request(slice_part(m, in_off, in_len), tx);  // PIPE_TRANSCEIVE
      break;
    }
    case cmd::kQueryInfo:  // MS-SMB2 2.2.37
    case cmd::kSetInfo: {  // MS-SMB2 2.2.39
      tx.info_type = b.u8();
      tx.info_class = b.u8();
      uint32_t blen = b.u32le();
      uint16_t boff = b.u16le();
      b.skip(2 + 4);
      if (tx.command == cmd::kQueryInfo) {  // different layout: FileId at 24
        b = ByteReader(m.subspan(kHdr));
        b.skip(24);
      }
      Bytes fid = b.bytes(16);
      if (!b.ok()) break;
      std::memcpy(tx.file_id, fid.data(), 16);
      tx.has_file_id = true;
      if (File* f = find_file(tx.file_id)) tx.filename.assign(f->name.view());
      else if (related_ && all_ff(tx.file_id)) tx.filename.assign(chain_name_.view());
      if (tx.command != cmd::kSetInfo || tx.info_type != 1) break;  // SMB2_0_INFO_FILE
      Bytes buf = slice(m, boff, blen);
      ByteReader ib(buf);
      if (tx.info_class == 10) {  // MS-FSCC 2.4.37.2 FileRenameInformation (SMB2 layout)
        ib.skip(1 + 7 + 8);       // ReplaceIfExists, Reserved, RootDirectory
        uint32_t nlen = ib.u32le();
        Bytes name = ib.bytes(std::min<size_t>(nlen, ib.remaining()));
        if (ib.ok()) {
          tx.has_rename = true;
          utf16(name, tx.rename_to);
        }
      } else if (tx.info_class == 13) {  // MS-FSCC 2.4.11 FileDispositionInformation
        uint8_t del = ib.u8();
        if (ib.ok()) tx.delete_on_close = del != 0;
      }
      break;
    }
    default:
      break;
  }
}

void SmbParser::response(Bytes m, Tx& tx, ParseContext& ctx) noexcept {
  ByteReader b(m.subspan(kHdr));
  b.skip(2);  // StructureSize
  bool ok = tx.status == 0 ||
            (tx.command == cmd::kSessionSetup && tx.status == kStatusMoreProcessing) ||
            (tx.command == cmd::kIoctl && tx.status == kStatusBufferOverflow);
  if (!ok) return;  // MS-SMB2 2.2.2 ERROR response body
  switch (tx.command) {
    case cmd::kNegotiate:  // MS-SMB2 2.2.4
      negotiate_response(m, tx);
      if (tx.has_server_guid) dialect_ = tx.dialect;
      break;
    case cmd::kTreeConnect: {  // MS-SMB2 2.2.10
      uint8_t type = b.u8();
      if (!b.ok()) break;
      tx.share_type = type;
      if (type == 0x02) tx.named_pipe = true;  // SMB2_SHARE_TYPE_PIPE
      Tree* slot = find_tree(tx.tree_id);
      for (uint32_t i = 0; !slot && i < kMaxTrees; ++i)
        if (!trees_[i].used) slot = &trees_[i];
      if (!slot) slot = &trees_[tx.tree_id % kMaxTrees];  // full: replace one
      slot->used = true;
      slot->id = tx.tree_id;
      slot->pipe = tx.named_pipe;
      slot->share.assign(tx.share.view());
      break;
    }
    case cmd::kTreeDisconnect:
      if (Tree* t = find_tree(tx.tree_id)) t->used = false;
      break;
    case cmd::kCreate: {  // MS-SMB2 2.2.14
      b.skip(1 + 1 + 4);  // OplockLevel, Flags, CreateAction
      uint64_t t[4];
      for (uint64_t& v : t) v = b.u64le();  // Creation, LastAccess, LastWrite, Change
      b.skip(8);  // AllocationSize
      uint64_t eof = b.u64le();
      b.skip(4 + 4);  // FileAttributes, Reserved2
      Bytes fid = b.bytes(16);
      if (!b.ok()) break;
      set_times(tx, t, eof);
      std::memcpy(tx.file_id, fid.data(), 16);
      tx.has_file_id = true;
      add_file(tx.file_id, tx, ctx);
      break;
    }
    case cmd::kRead: {  // MS-SMB2 2.2.20
      b.skip(2);
      uint32_t len = b.u32le();
      if (b.ok()) tx.length = len;
      break;
    }
    case cmd::kIoctl: {  // MS-SMB2 2.2.32
      if (!tx.has_dce) break;
      b.skip(2 + 4 + 16 + 8);  // Reserved, CtlCode, FileId, InputOffset/Count
      uint32_t out_off = b.u32le(), out_len = b.u32le();
      DceHdr h;
      Bytes out = slice_part(m, out_off, out_len);
      if (b.ok() && dce_header(out, h) && h.call_id == tx.call_id) {
        dce_response(out, h, tx);
        bind_dce(tx);
      }
      break;
    }
    default:
      break;
  }
}

SmbParser::Pending* SmbParser::find_pending(uint64_t mid) noexcept {
  for (auto& p : pending_)
    if (p.used && p.tx.message_id == mid) return &p;
  return nullptr;
}

SmbParser::Pending& SmbParser::new_pending(ParseContext& ctx) noexcept {
  Pending* oldest = nullptr;
  for (auto& p : pending_) {
    if (!p.used) {
      p.used = true;
      p.seq = seq_++;
      return p;
    }
    if (!oldest || p.seq < oldest->seq) oldest = &p;
  }
  // Full: the oldest request is reported without its response.
  emit(oldest->tx, Direction::ToServer, ctx);
  oldest->seq = seq_++;
  return *oldest;
}

void SmbParser::emit(Tx& tx, Direction d, ParseContext& ctx) noexcept {
  if (tx.quiet) return;
  if (tx.has_dce) {
    tx.bound = dce_bound_;
    tx.n_bound = n_dce_bound_;
  } else if (d == Direction::ToClient && tx.has_request && tx.has_response && !tx.file_tx) {
    // Suricata inspects a transaction in both directions: keywords on the transaction itself
    // (smb.version) match to server too; its buffers stay with the reported direction.
    // (A DCE/RPC call had its to-server pass with its request: inspect_dce.)
    tx.keywords_only = true;
    ctx.on_inspect(&tx, tx.tx_id, Direction::ToServer);
    tx.keywords_only = false;
  }
  ctx.on_transaction(&tx, tx.tx_id, d);
  tx.dce_req_data = tx.dce_rsp_data = nullptr;  // they point into messages gone after this
  tx.dce_req_len = tx.dce_rsp_len = 0;
}

void SmbParser::inspect_dce(Tx& tx, ParseContext& ctx) noexcept {
  tx.bound = dce_bound_;
  tx.n_bound = n_dce_bound_;
  if (tx.dce_req == 0) {  // a REQUEST: the interface its context id refers to
    tx.n_ifaces = 0;
    for (uint8_t k = 0; k < n_dce_bound_; ++k)
      if (dce_bound_[k].ctxid == tx.ctxid) {
        tx.ifaces[0] = dce_bound_[k];
        tx.n_ifaces = 1;
      }
  }
  ctx.on_inspect(&tx, tx.tx_id, Direction::ToServer);
  tx.dce_req_data = nullptr;
  tx.dce_req_len = 0;
}

void SmbParser::bind_dce(const Tx& tx) noexcept {
  if (tx.dce_rsp != 12 && tx.dce_rsp != 15) return;  // BIND_ACK, ALTER_CONTEXT_RESP
  for (uint8_t i = 0; i < tx.n_ifaces; ++i) {
    const dcerpc::Iface& f = tx.ifaces[i];
    if (!f.acked || f.result != 0) continue;
    uint8_t at = n_dce_bound_;  // a context id bound again replaces the old binding
    for (uint8_t k = 0; k < n_dce_bound_; ++k)
      if (dce_bound_[k].ctxid == f.ctxid) at = k;
    if (at == n_dce_bound_) {
      if (n_dce_bound_ == dcerpc::kMaxBound) continue;
      ++n_dce_bound_;
    }
    dce_bound_[at] = f;
  }
}

void SmbParser::park_dce(Tx& tx, ParseContext& ctx) noexcept {
  uint32_t slot = kMaxDceWait;
  for (uint32_t i = 0; i < kMaxDceWait && slot == kMaxDceWait; ++i)
    if (!dce_wait_used_[i]) slot = i;
  if (slot == kMaxDceWait) {  // full: the oldest is reported without its answer
    slot = 0;
    for (uint32_t i = 1; i < kMaxDceWait; ++i)
      if (dce_wait_[i].tx_id < dce_wait_[slot].tx_id) slot = i;
    emit(dce_wait_[slot], Direction::ToServer, ctx);
  }
  dce_wait_[slot] = tx;
  dce_wait_used_[slot] = true;
}

void SmbParser::answer_dce(Bytes data, ParseContext& ctx) noexcept {
  DceHdr h;
  if (!dce_header(data, h)) return;
  for (uint32_t i = 0; i < kMaxDceWait; ++i) {
    if (!dce_wait_used_[i] || dce_wait_[i].call_id != h.call_id) continue;
    dce_response(data, h, dce_wait_[i]);
    bind_dce(dce_wait_[i]);
    dce_wait_used_[i] = false;
    emit(dce_wait_[i], Direction::ToClient, ctx);
    return;
  }
}

SmbParser::FileTx& SmbParser::open_file_tx(File& f, Direction d, uint16_t command,
                                           uint64_t session_id, uint32_t tree_id) noexcept {
  FileTx& ft = f.ftx[idx(d)];
  if (!ft.open) {
    ft = FileTx{};
    ft.open = true;
    ft.tx_id = next_tx_++;
    ft.command = command;
    ft.session_id = session_id;
    ft.tree_id = tree_id;
  }
  return ft;
}

void SmbParser::file_tx(const File& f, int dir, Tx& tx) const noexcept {
  const FileTx& ft = f.ftx[dir];
  tx.file_tx = true;
  tx.tx_id = ft.tx_id;
  tx.command = ft.command;
  tx.status = ft.status;
  tx.has_request = true;
  tx.has_response = ft.has_response;
  tx.session_id = ft.session_id;
  tx.tree_id = ft.tree_id;
  tx.dialect = dialect_;
  tx.filename.assign(f.name.view());
  tx.share.assign(f.share.view());
  tx.has_file_id = true;
  std::memcpy(tx.file_id, f.id, 16);
  tx.smb1 = f.smb1;
  if (f.smb1) tx.smb1_dialect.assign(smb1_dialect_.view());
  size_t slot = size_t(&f - files_);
  if (insp_[slot][dir] && f.insp_len[dir]) {
    tx.file_data = insp_[slot][dir];
    tx.file_data_len = f.insp_len[dir];
  }
}

void SmbParser::emit_file_tx(File& f, int dir, ParseContext& ctx) noexcept {
  FileTx& ft = f.ftx[dir];
  if (!ft.open) return;
  ft.open = false;
  Tx tx;
  file_tx(f, dir, tx);
  emit(tx, dir == 0 ? Direction::ToServer : Direction::ToClient, ctx);
}

SmbParser::File& SmbParser::add_file(const uint8_t* id, const Tx& tx, ParseContext& ctx) noexcept {
  File* slot = find_file(id);
  if (slot) close_file(*slot, FileEnd::Truncated, ctx);  // id reused: old one ended
  for (uint32_t i = 0; !slot && i < kMaxFiles; ++i)
    if (!files_[i].used) slot = &files_[i];
  if (!slot) {  // full: the oldest-looking slot gives way
    slot = &files_[tx.tx_id % kMaxFiles];
    close_file(*slot, FileEnd::Truncated, ctx);
  }
  slot->used = true;
  std::memcpy(slot->id, id, 16);
  slot->name.assign(tx.filename.view());
  slot->share.assign(tx.share.view());
  slot->pipe = tx.named_pipe;
  slot->kind_known = !tx.share.empty() || tx.named_pipe;
  slot->smb1 = tx.smb1;
  slot->ctx_file[0] = slot->ctx_file[1] = 0;
  slot->ftx[0] = slot->ftx[1] = FileTx{};
  slot->insp_len[0] = slot->insp_len[1] = 0;
  return *slot;
}

SmbParser::File* SmbParser::find_file(const uint8_t* id) noexcept {
  for (auto& f : files_)
    if (f.used && std::memcmp(f.id, id, 16) == 0) return &f;
  return nullptr;
}

SmbParser::Tree* SmbParser::find_tree(uint32_t id) noexcept {
  for (auto& t : trees_)
    if (t.used && t.id == id) return &t;
  return nullptr;
}

void SmbParser::close_file(File& f, FileEnd end, ParseContext& ctx) noexcept {
  for (int i = 0; i < 2; ++i) {
    // A file whose data is still streaming in a direction is ended by that direction.
    for (auto& s : dir_)
      if (s.file_slot == int8_t(&f - files_)) {
        s.file = 0;
        s.file_slot = -1;
      }
    if (f.ctx_file[i]) {
      if (f.ftx[i].open) {  // its fileinfo event carries the file Tx (Suricata's "smb")
        Tx tx;
        file_tx(f, i, tx);
        ctx.file_tx(f.ctx_file[i], &tx);
      }
      ctx.file_close(f.ctx_file[i], end);
    }
    f.ctx_file[i] = 0;
  }
  // The file's Txs end with it, in the order they were opened.
  int first = f.ftx[1].open && (!f.ftx[0].open || f.ftx[1].tx_id < f.ftx[0].tx_id) ? 1 : 0;
  emit_file_tx(f, first, ctx);
  emit_file_tx(f, 1 - first, ctx);
  f.used = false;
}

void SmbParser::gap(Direction d, uint64_t, ParseContext& ctx) noexcept {
  // Framing is lost: the direction stops (a resync by searching for the magic could follow).
  DirState& s = dir_[idx(d)];
  if (s.state != State::Encrypted) s.state = State::Dead;
  for (auto& f : files_)
    if (f.used && f.ctx_file[idx(d)]) {
      ctx.file_close(f.ctx_file[idx(d)], FileEnd::Gap);
      f.ctx_file[idx(d)] = 0;
    }
  s.file = 0;
  s.file_slot = -1;
}

void SmbParser::finish(Direction d, ParseContext& ctx) noexcept {
  // Pending requests and open files end with the flow: when both directions are done (a
  // direction that stopped on an error or went encrypted is never finished by the app layer).
  done_[idx(d)] = true;
  for (int i = 0; i < 2; ++i)
    if (!done_[i] && dir_[i].state != State::Dead && dir_[i].state != State::Encrypted) return;
  if (flushed_) return;
  flushed_ = true;
  for (auto& f : files_)
    if (f.used) close_file(f, FileEnd::Truncated, ctx);
  if (smb1_negotiate_) {
    smb1_negotiate_ = false;
    emit(smb1_neg_tx_, Direction::ToServer, ctx);
  }
  for (;;) {  // DCE/RPC calls never answered, in order
    uint32_t first = kMaxDceWait;
    for (uint32_t i = 0; i < kMaxDceWait; ++i)
      if (dce_wait_used_[i] &&
          (first == kMaxDceWait || dce_wait_[i].tx_id < dce_wait_[first].tx_id))
        first = i;
    if (first == kMaxDceWait) break;
    dce_wait_used_[first] = false;
    emit(dce_wait_[first], Direction::ToServer, ctx);
  }
  // Requests that never got a response, in request order.
  for (;;) {
    Pending* first = nullptr;
    for (auto& p : pending_)
      if (p.used && (!first || p.seq < first->seq)) first = &p;
    if (!first) break;
    emit(first->tx, Direction::ToServer, ctx);
    first->used = false;
  }
}

const ParserSpec kSpec = {Proto::Smb,     true,    false, {445, 139, 0, 0}, probe, create, "smb",
                          log_tx,         buffers, false, Proto::Unknown,   nullptr, check};

}  // namespace ww::app::smb
