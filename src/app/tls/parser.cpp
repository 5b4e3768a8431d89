// TLS handshake parser (see parser.h for the invariants and limits).
#include "app/tls/parser.h"
#include "core/hex.h"

#include <arpa/inet.h>
#include <openssl/asn1t.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>

#include "app/tls/cert_cache.h"
#include "flow/arena.h"

namespace ww::app::tls {

std::string_view version_name(uint16_t v) noexcept {
  switch (v) {
    case 0x0002:
      return "SSLv2";
    case kSsl3:
      return "SSLv3";
    case kTls10:
      return "TLSv1";
    case kTls11:
      return "TLS 1.1";
    case kTls12:
      return "TLS 1.2";
    case kTls13:
      return "TLS 1.3";
    default:
      break;
  }
  if ((v >> 8) != 0x7f) return "UNDETERMINED";
  // 0x7fNN: draft NN of TLS 1.3 (RFC 8446 appendix D); Suricata names drafts before 16
  // "draft-<16" and the others by number.
  unsigned n = v & 0xff;
  if (n < 16) return "TLS 1.3 draft-<16";
  static const auto kDrafts = [] {
    std::array<std::array<char, 20>, 256> t{};
    for (unsigned i = 16; i < 256; ++i)
      std::snprintf(t[i].data(), t[i].size(), "TLS 1.3 draft-%u", i);
    return t;
  }();
  return kDrafts[n].data();
}

namespace {

// X.690 8.1: true when, walking the constructed TLVs of `der` within their parents, a TLV's
// identifier and length octets do not fit in its parent (the DER is cut inside a header:
// Suricata's certificate_invalid_length); a TLV whose content is longer than its parent is
// not this case. Bounded depth.
bool der_header_cut(const uint8_t* d, size_t n, int depth = 0) noexcept {
  size_t pos = 0;
  while (pos < n) {
    if (n - pos < 2) return true;
    uint8_t tag = d[pos];
    size_t len = d[pos + 1], hdr = 2;
    if (len & 0x80) {
      size_t k = len & 0x7f;
      if (k == 0 || k > 4) return false;  // indefinite or huge: not a cut header
      if (n - pos < 2 + k) return true;
      len = 0;
      for (size_t i = 0; i < k; ++i) len = len << 8 | d[pos + 2 + i];
      hdr = 2 + k;
    }
    if (len > n - pos - hdr) return false;  // content cut, not the header
    if ((tag & 0x20) && depth < 8 && der_header_cut(d + pos + hdr, len, depth + 1)) return true;
    if (depth == 0) break;  // the certificate: what follows it is not part of it
    pos += hdr + len;
  }
  return false;
}

// Handshake message types (RFC 8446 4, RFC 5246 7.4).
constexpr uint8_t kClientHello = 1, kServerHello = 2, kCertificate = 11, kServerHelloDone = 14;
// Record content types (RFC 8446 5.1).
constexpr uint8_t kChangeCipherSpec = 20, kAlert = 21, kHandshake = 22, kApplicationData = 23,
                  kHeartbeat = 24;
// Extensions (RFC 6066, 7301, 8422, 8446).
constexpr uint16_t kExtServerName = 0, kExtSupportedGroups = 10, kExtEcPointFormats = 11,
                   kExtSignatureAlgorithms = 13, kExtAlpn = 16, kExtSupportedVersions = 43;

// RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest.
constexpr uint8_t kHrrRandom[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

bool is_tls13(uint16_t v) noexcept { return v == kTls13 || (v >> 8) == 0x7f; }

// Scratch for building fingerprint strings: a ClientHello of kMaxHandshake bytes holds at most
// 32 Ki two-byte values, each at most 6 chars ("65535-") in JA3 and 5 in JA4 ("abcd,").
constexpr size_t kScratch = 6 * (kMaxHandshake / 2) + 64;
struct Scratch {
  char text[kScratch];
  uint16_t vals[kMaxHandshake / 2];
};
Scratch& scratch() noexcept {
  thread_local Scratch s;
  return s;
}

// Appends to a bounded char buffer; the scratch is sized so that it never overflows for a
// message within kMaxHandshake, but the bound is checked anyway.
struct Out {
  char* p;
  size_t cap;
  size_t n = 0;
  void ch(char c) noexcept {
    if (n < cap) p[n++] = c;
  }
  void str(std::string_view s) noexcept {
    for (char c : s) ch(c);
  }
  void dec(unsigned v) noexcept {
    char tmp[10];
    size_t k = 0;
    do {
      tmp[k++] = char('0' + v % 10);
      v /= 10;
    } while (v);
    if (cap - n >= k) {  // room for every digit: no check per char
      do p[n++] = tmp[--k];
      while (k);
      return;
    }
    while (k) ch(tmp[--k]);
  }
  void hex4(uint16_t v) noexcept {
    ch(hex::kLower[v >> 12]);
    ch(hex::kLower[(v >> 8) & 15]);
    ch(hex::kLower[(v >> 4) & 15]);
    ch(hex::kLower[v & 15]);
  }
  std::string_view view() const noexcept { return {p, n}; }
};

// Decimal list of the non-GREASE u16 values of `list` joined by '-' (JA3).
void ja3_list16(Out& o, Bytes list) noexcept {
  ByteReader r(list);
  bool first = true;
  while (r.remaining() >= 2) {
    uint16_t v = r.u16be();
    if (is_grease(v)) continue;
    if (!first) o.ch('-');
    o.dec(v);
    first = false;
  }
}

// The first 12 hex chars of SHA-256 of `s` (JA4 b and c parts); "000000000000" when empty.
void ja4_hash12(std::string_view s, BoundedStr<40>& out) noexcept {
  if (s.empty()) {
    out.append("000000000000");
    return;
  }
  char hex[64];
  size_t n = hex_digest(Digest::Sha256, {reinterpret_cast<const uint8_t*>(s.data()), s.size()}, hex,
                        sizeof hex);
  out.append({hex, std::min<size_t>(n, 12)});
}

// Sorted, comma-separated 4-hex-digit list of `n` values in `vals` (sorted in place).
void sorted_hex(Out& o, uint16_t* vals, size_t n) noexcept {
  std::sort(vals, vals + n);
  for (size_t i = 0; i < n; ++i) {
    if (i) o.ch(',');
    o.hex4(vals[i]);
  }
}

bool is_alnum(uint8_t c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The Certificate structure of RFC 5280 4.1 as OpenSSL's own X509 template reads it (same
// fields, tags and optionality, the same sub-items for names, validity, serial, algorithms and
// extensions), except that SubjectPublicKeyInfo is read as its two fields only: d2i_X509 of
// OpenSSL 3 also decodes the public key into an EVP_PKEY through the provider decoders
// (~0.7M instructions a certificate, most of a miss of the certificate cache), which we never
// use. The key's own decoding cannot make d2i_X509 fail (only a malloc failure does), so a
// certificate decodes here exactly when d2i_X509 accepts it, with the same field values.
struct LiteSpki {
  X509_ALGOR* algorithm;
  ASN1_BIT_STRING* key;
};
struct LiteTbs {
  ASN1_INTEGER* version;
  ASN1_INTEGER* serial;
  X509_ALGOR* signature;
  X509_NAME* issuer;
  X509_VAL* validity;
  X509_NAME* subject;
  LiteSpki* spki;
  ASN1_BIT_STRING* issuer_uid;
  ASN1_BIT_STRING* subject_uid;
  STACK_OF(X509_EXTENSION) * extensions;
};
struct LiteCert {
  LiteTbs* tbs;
  X509_ALGOR* sig_alg;
  ASN1_BIT_STRING* signature;
};

ASN1_SEQUENCE(LiteSpki) = {
    ASN1_SIMPLE(LiteSpki, algorithm, X509_ALGOR),
    ASN1_SIMPLE(LiteSpki, key, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(LiteSpki)

ASN1_SEQUENCE(LiteTbs) = {
    ASN1_EXP_OPT(LiteTbs, version, ASN1_INTEGER, 0),
    ASN1_SIMPLE(LiteTbs, serial, ASN1_INTEGER),
    ASN1_SIMPLE(LiteTbs, signature, X509_ALGOR),
    ASN1_SIMPLE(LiteTbs, issuer, X509_NAME),
    ASN1_SIMPLE(LiteTbs, validity, X509_VAL),
    ASN1_SIMPLE(LiteTbs, subject, X509_NAME),
    ASN1_SIMPLE(LiteTbs, spki, LiteSpki),
    ASN1_IMP_OPT(LiteTbs, issuer_uid, ASN1_BIT_STRING, 1),
    ASN1_IMP_OPT(LiteTbs, subject_uid, ASN1_BIT_STRING, 2),
    ASN1_EXP_SEQUENCE_OF_OPT(LiteTbs, extensions, X509_EXTENSION, 3),
} static_ASN1_SEQUENCE_END(LiteTbs)

ASN1_SEQUENCE(LiteCert) = {
    ASN1_SIMPLE(LiteCert, tbs, LiteTbs),
    ASN1_SIMPLE(LiteCert, sig_alg, X509_ALGOR),
    ASN1_SIMPLE(LiteCert, signature, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(LiteCert)

struct LiteCertFree {
  void operator()(LiteCert* c) const noexcept {
    ASN1_item_free(reinterpret_cast<ASN1_VALUE*>(c), ASN1_ITEM_rptr(LiteCert));
  }
};

// "C=US, O=Example, CN=example.com": RDNs in certificate order, ", " between RDNs and " + "
// inside a multi-valued RDN, values converted to UTF-8 (the one-line form Suricata prints).
void format_name(const X509_NAME* name, BoundedStr<512>& out) noexcept {
  int prev_set = -1;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    int set = X509_NAME_ENTRY_set(e);
    if (i) out.append(set == prev_set ? " + " : ", ");
    prev_set = set;
    const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
    int nid = OBJ_obj2nid(obj);
    const char* sn = nid != NID_undef ? OBJ_nid2sn(nid) : nullptr;
    if (nid == NID_pkcs9_emailAddress) sn = "Email";  // as Suricata names it (not emailAddress)
    if (sn) {
      out.append(sn);
    } else {
      char oid[80];
      int n = OBJ_obj2txt(oid, sizeof oid, obj, 1);
      if (n > 0) out.append({oid, std::min<size_t>(size_t(n), sizeof oid - 1)});
    }
    out.push('=');
    const ASN1_STRING* v = X509_NAME_ENTRY_get_data(e);
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, v);
    if (n >= 0 && utf8) {
      out.append({reinterpret_cast<const char*>(utf8), size_t(n)});
      OPENSSL_free(utf8);
    } else {
      out.append({reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)),
                  size_t(std::max(0, ASN1_STRING_length(v)))});
    }
  }
}

void format_time(const ASN1_TIME* t, BoundedStr<19>& out) noexcept {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return;
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (n > 0) out.append({buf, std::min<size_t>(size_t(n), sizeof buf - 1)});
}

}  // namespace

ParseResult TlsParser::parse(Direction d, Bytes data, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  size_t pos = 0;
  while (pos < data.size()) {
    if (s.state == State::Dead) return {ParseStatus::Error, pos, 0};
    if (s.state == State::RecHdr) {
      if (s.rec_have == 0 && data.size() - pos >= 5) {  // a whole header: taken at once
        std::memcpy(s.rec_hdr, data.data() + pos, 5);
        pos += 5;
      } else {
        s.rec_hdr[s.rec_have++] = data[pos++];
        if (s.rec_have < 5) continue;
      }
      s.rec_have = 0;
      // RFC 8446 5.1 TLSPlaintext: type(1) legacy_record_version(2) length(2).
      uint8_t type = s.rec_hdr[0];
      uint32_t len = uint32_t(s.rec_hdr[3]) << 8 | s.rec_hdr[4];
      if (type < kChangeCipherSpec || type > kHeartbeat || s.rec_hdr[1] != 3 || s.rec_hdr[2] > 4 ||
          len > kMaxRecord) {
        ctx.on_anomaly("tls.invalid_record");
        s.state = State::Dead;
        return {ParseStatus::Error, pos, 0};
      }
      s.rec_type = type;
      s.rec_left = len;
      if (len == 0)
        end_of_record(d, ctx);
      else
        s.state = State::RecBody;
      continue;
    }
    size_t n = std::min<size_t>(s.rec_left, data.size() - pos);
    Bytes chunk = data.subspan(pos, n);
    pos += n;
    s.rec_left -= uint32_t(n);
    if (s.rec_type == kHandshake && !s.encrypted) handshake_bytes(d, chunk, ctx);
    if (s.rec_left == 0) {
      s.state = State::RecHdr;
      end_of_record(d, ctx);
    }
  }
  size_t needed = s.state == State::RecHdr ? 5u - s.rec_have : s.rec_left;
  return {ParseStatus::Ok, data.size(), needed};
}

void TlsParser::end_of_record(Direction d, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  switch (s.rec_type) {
    case kChangeCipherSpec:
      // RFC 8446 D.4: after a HelloRetryRequest the server may send a dummy ChangeCipherSpec
      // (middlebox compatibility) before its real, plaintext ServerHello.
      if (hrr_) break;
      [[fallthrough]];
    case kApplicationData:
      // From here on this direction's handshake records are encrypted: skip them by length.
      s.encrypted = true;
      s.hs_have = 0;
      if (d == Direction::ToClient || s.rec_type == kApplicationData) report(d, ctx);
      break;
    case kAlert:
    case kHandshake:
    case kHeartbeat:
    default:
      break;
  }
}

void TlsParser::handshake_bytes(Direction d, Bytes b, ParseContext& ctx) noexcept {
  DirState& s = dir_[idx(d)];
  while (!b.empty() && !s.encrypted) {
    if (s.hs_have < 4) {
      s.hs_hdr[s.hs_have++] = b[0];
      b = b.subspan(1);
      if (s.hs_have < 4) continue;
      // RFC 8446 4 Handshake: msg_type(1) length(3).
      uint8_t type = s.hs_hdr[0];
      s.hs_len = uint32_t(s.hs_hdr[1]) << 16 | uint32_t(s.hs_hdr[2]) << 8 | s.hs_hdr[3];
      s.hs_got = 0;
      s.hs_keep = false;
      bool wanted = type == kClientHello || type == kServerHello || type == kCertificate;
      bool notify = !wanted;
      if (s.hs_len > kMaxHandshake) {
        ctx.on_anomaly("tls.handshake_too_large");
        notify = false;
      } else if (wanted) {
        if (s.buf_cap < s.hs_len) {
          // Grow to the next KiB; the old buffer stays in the arena until the flow ends.
          uint32_t cap = (s.hs_len + 1023) & ~uint32_t(1023);
          auto* p = ctx.arena().alloc_array<uint8_t>(cap);
          if (p) {
            s.buf = p;
            s.buf_cap = cap;
          }
        }
        if (s.buf_cap >= s.hs_len) {
          s.hs_keep = true;
          notify = true;
        } else {
          ctx.on_anomaly("tls.handshake_too_large");  // the flow arena cap was hit
        }
      }
      s.hs_hdr[0] = notify ? type : 0;  // 0 (HelloRequest) = nothing to report at the end
      if (s.hs_len == 0) {
        s.hs_have = 0;
        if (notify) message(d, type, {}, ctx);
      }
      continue;
    }
    size_t n = std::min<size_t>(s.hs_len - s.hs_got, b.size());
    if (s.hs_keep) std::memcpy(s.buf + s.hs_got, b.data(), n);
    s.hs_got += uint32_t(n);
    b = b.subspan(n);
    if (s.hs_got == s.hs_len) {
      s.hs_have = 0;
      if (s.hs_hdr[0]) message(d, s.hs_hdr[0], s.hs_keep ? Bytes{s.buf, s.hs_len} : Bytes{}, ctx);
    }
  }
}

void TlsParser::message(Direction d, uint8_t type, Bytes body, ParseContext& ctx) noexcept {
  switch (type) {
    case kClientHello:
      if (!tx_.client_hello) client_hello(body, ctx);
      break;
    case kServerHello:
      if (!tx_.server_hello) server_hello(d, body, ctx);
      break;
    case kCertificate:
      // The server's chain (a client certificate comes from the ClientHello side).
      if (d == Direction::ToServer && tx_.server_hello) {
        // The client's (a CertificateRequest asked for it): inspected to_server on its own.
        if (!tx_.has_client_cert && !tx_.tls13 &&
            certificate(body, ctx, tx_.client_cert)) {
          tx_.has_client_cert = true;
          tx_.client_cert_pass = true;
          ctx.on_inspect(&tx_, 0, Direction::ToServer);
          tx_.client_cert_pass = false;
        }
      } else if (!tx_.has_cert && !tx_.tls13 && (tx_.server_hello || !tx_.client_hello)) {
        tx_.has_cert = certificate(body, ctx, tx_);
        if (tx_.has_cert) {
          // The list (after its 3-byte length) stays in this direction's message buffer: the
          // Certificate is the last message of the server's kept before the session is logged.
          tx_.chain = body.data() + 3;
          tx_.chain_len = uint32_t(body.size() - 3);
        }
        report(d, ctx);
      }
      break;
    case kServerHelloDone:
      report(d, ctx);
      break;
    default:
      break;
  }
}

// RFC 8446 4.1.2 / RFC 5246 7.4.1.2 ClientHello.
void TlsParser::client_hello(Bytes body, ParseContext& ctx) noexcept {
  ByteReader r(body);
  uint16_t legacy_version = r.u16be();
  r.skip(32);                          // random
  Bytes sid = r.bytes(r.u8());         // legacy_session_id <0..32>
  Bytes ciphers = r.bytes(r.u16be());  // cipher_suites <2..2^16-2>
  r.skip(r.u8());                      // legacy_compression_methods <1..2^8-1>
  Bytes exts;
  if (r.ok() && !r.empty()) exts = r.bytes(r.u16be());  // extensions (absent before TLS 1.0)
  if (!r.ok() || ciphers.size() % 2) {
    ctx.on_anomaly("tls.invalid_handshake");
    return;
  }
  session_id_len_ = uint8_t(std::min<size_t>(sid.size(), sizeof session_id_));
  if (session_id_len_) std::memcpy(session_id_, sid.data(), session_id_len_);

  // Walk the extensions once: remember the lists the fingerprints need.
  Bytes groups, point_formats, sig_algs, versions, alpn;
  bool has_sni = false;
  ByteReader er(exts);
  while (er.remaining() >= 4) {
    uint16_t type = er.u16be();
    Bytes ext = er.bytes(er.u16be());
    if (!er.ok()) break;
    ByteReader x(ext);
    switch (type) {
      case kExtServerName: {  // RFC 6066 3: ServerNameList
        has_sni = true;
        ByteReader list(x.bytes(x.u16be()));
        while (list.remaining() >= 3) {
          uint8_t name_type = list.u8();
          Bytes name = list.bytes(list.u16be());
          if (list.ok() && name_type == 0 && tx_.sni.empty()) tx_.sni.assign(as_sv(name));
        }
        break;
      }
      case kExtSupportedGroups:
        groups = x.bytes(x.u16be());
        break;  // RFC 8422 5.1.1
      case kExtEcPointFormats:
        point_formats = x.bytes(x.u8());
        break;  // RFC 8422 5.1.2
      case kExtSignatureAlgorithms:
        sig_algs = x.bytes(x.u16be());
        break;          // RFC 8446 4.2.3
      case kExtAlpn: {  // RFC 7301 3.1: ProtocolNameList
        alpn = x.bytes(x.u16be());
        ByteReader list(alpn);
        while (list.remaining() >= 1) {
          Bytes name = list.bytes(list.u8());
          if (list.ok()) tx_.client_alpns.add(as_sv(name));
        }
        break;
      }
      case kExtSupportedVersions:
        versions = x.bytes(x.u8());
        break;  // RFC 8446 4.2.1
      default:
        break;
    }
  }
  if (!er.ok() || er.remaining()) ctx.on_anomaly("tls.invalid_handshake");

  tx_.client_hello = true;
  // RFC 8446 keeps 0x0303 here; 0x0304 in the version field itself is a TLS 1.3 draft before
  // 16 (supported_versions came with draft 16): named "TLS 1.3 draft-<16" as Suricata does.
  tx_.client_version = legacy_version == kTls13 ? kTls13PreDraft16 : legacy_version;

  Scratch& sc = scratch();
  // JA3: SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats (GREASE out).
  Out o{sc.text, kScratch};
  o.dec(legacy_version);
  o.ch(',');
  ja3_list16(o, ciphers);
  o.ch(',');
  {
    ByteReader e2(exts);
    bool first = true;
    while (e2.remaining() >= 4) {
      uint16_t type = e2.u16be();
      e2.skip(e2.u16be());
      if (!e2.ok()) break;
      if (is_grease(type)) continue;
      if (!first) o.ch('-');
      o.dec(type);
      first = false;
    }
  }
  o.ch(',');
  ja3_list16(o, groups);
  o.ch(',');
  for (size_t i = 0; i < point_formats.size(); ++i) {
    if (i) o.ch('-');
    o.dec(point_formats[i]);
  }
  char hash[64];
  size_t hn =
      hex_digest(Digest::Md5, {reinterpret_cast<const uint8_t*>(o.p), o.n}, hash, sizeof hash);
  tx_.ja3_hash.assign({hash, hn});
  size_t keep = std::min(o.n, kMaxJa3);
  if (char* p = ctx.arena().alloc_array<char>(keep)) {
    std::memcpy(p, o.p, keep);
    tx_.ja3_string = p;
    tx_.ja3_len = uint32_t(keep);
    tx_.ja3_truncated = keep < o.n;
  }

  // JA4 (FoxIO): t<ver><d|i><nciphers><nexts><alpn>_<sha256(sorted ciphers)[:12]>_
  //              <sha256(sorted exts minus SNI/ALPN "_" sig algs in order)[:12]>.
  uint16_t ja4_version = legacy_version;
  {
    ByteReader vr(versions);
    uint16_t best = 0;
    while (vr.remaining() >= 2) {
      uint16_t v = vr.u16be();
      if (!is_grease(v) && v > best) best = v;
    }
    if (best) ja4_version = best;
  }
  std::string_view vtxt = "00";
  switch (ja4_version) {
    case kTls13:
      vtxt = "13";
      break;
    case kTls12:
      vtxt = "12";
      break;
    case kTls11:
      vtxt = "11";
      break;
    case kTls10:
      vtxt = "10";
      break;
    case kSsl3:
      vtxt = "s3";
      break;
    case 0x0002:
      vtxt = "s2";
      break;
    default:
      break;
  }
  size_t ncipher = 0;
  for (ByteReader cr(ciphers); cr.remaining() >= 2;) {
    uint16_t v = cr.u16be();
    if (!is_grease(v)) sc.vals[ncipher++] = v;
  }
  size_t next_all = 0;
  for (ByteReader e2(exts); e2.remaining() >= 4;) {
    uint16_t type = e2.u16be();
    e2.skip(e2.u16be());
    if (!e2.ok()) break;
    if (!is_grease(type)) ++next_all;
  }
  BoundedStr<40>& j = tx_.ja4;
  j.clear();
  j.push('t');
  j.append(vtxt);
  j.push(has_sni ? 'd' : 'i');
  auto two = [&](size_t n) {
    n = std::min<size_t>(n, 99);
    j.push(char('0' + n / 10));
    j.push(char('0' + n % 10));
  };
  two(ncipher);
  two(next_all);
  {
    ByteReader ar(alpn);
    Bytes first = ar.bytes(ar.u8());
    if (!ar.ok() || first.empty()) {
      j.append("00");
    } else if (is_alnum(first.front()) && is_alnum(first.back())) {
      j.push(char(first.front()));
      j.push(char(first.back()));
    } else {
      j.push(hex::kLower[first.front() >> 4]);
      j.push(hex::kLower[first.back() & 15]);
    }
  }
  j.push('_');
  Out co{sc.text, kScratch};
  sorted_hex(co, sc.vals, ncipher);
  ja4_hash12(co.view(), j);
  j.push('_');
  size_t next = 0;
  for (ByteReader e2(exts); e2.remaining() >= 4;) {
    uint16_t type = e2.u16be();
    e2.skip(e2.u16be());
    if (!e2.ok()) break;
    if (!is_grease(type) && type != kExtServerName && type != kExtAlpn) sc.vals[next++] = type;
  }
  Out eo{sc.text, kScratch};
  sorted_hex(eo, sc.vals, next);
  if (next) {
    bool first = true;
    for (ByteReader sr(sig_algs); sr.remaining() >= 2;) {
      uint16_t v = sr.u16be();
      if (is_grease(v)) continue;
      eo.ch(first ? '_' : ',');
      eo.hex4(v);
      first = false;
    }
  }
  ja4_hash12(eo.view(), j);
}

// RFC 8446 4.1.3 / RFC 5246 7.4.1.3 ServerHello.
void TlsParser::server_hello(Direction d, Bytes body, ParseContext& ctx) noexcept {
  ByteReader r(body);
  uint16_t legacy_version = r.u16be();
  Bytes random = r.bytes(32);
  // TLS 1.3 drafts before 22 put their version (0x7fNN) here and had no session id echo and
  // no compression method (draft-ietf-tls-tls13-21 4.1.3); later ones are shaped as RFC 8446.
  bool early_draft = (legacy_version >> 8) == 0x7f || legacy_version == kTls13;
  Bytes sid;
  if (!early_draft) sid = r.bytes(r.u8());  // legacy_session_id_echo
  uint16_t cipher = r.u16be();
  if (!early_draft) r.skip(1);  // legacy_compression_method
  Bytes exts;
  if (r.ok() && !r.empty()) exts = r.bytes(r.u16be());
  if (!r.ok()) {
    ctx.on_anomaly("tls.invalid_handshake");
    return;
  }
  // A HelloRetryRequest is followed by a second ClientHello/ServerHello pair: wait for it.
  if (std::memcmp(random.data(), kHrrRandom, 32) == 0) {
    hrr_ = true;
    return;
  }
  hrr_ = false;

  // 0x0304 in the version field: a draft before 16 (see client_hello).
  uint16_t version = legacy_version == kTls13 ? kTls13PreDraft16 : legacy_version;
  Out o{scratch().text, kScratch};
  o.dec(legacy_version);
  o.ch(',');
  o.dec(cipher);
  o.ch(',');
  bool first = true;
  ByteReader er(exts);
  while (er.remaining() >= 4) {
    uint16_t type = er.u16be();
    Bytes ext = er.bytes(er.u16be());
    if (!er.ok()) break;
    ByteReader x(ext);
    if (type == kExtSupportedVersions) {
      uint16_t v = x.u16be();  // RFC 8446 4.2.1: selected_version
      if (x.ok()) version = v;
    } else if (type == kExtAlpn) {
      ByteReader list(x.bytes(x.u16be()));
      while (list.remaining() >= 1) {
        Bytes name = list.bytes(list.u8());
        if (list.ok()) tx_.server_alpns.add(as_sv(name));
      }
    }
    if (is_grease(type)) continue;
    if (!first) o.ch('-');
    o.dec(type);
    first = false;
  }
  if (!er.ok() || er.remaining()) ctx.on_anomaly("tls.invalid_handshake");

  tx_.server_hello = true;
  tx_.version = version;
  tx_.cipher = cipher;
  tx_.tls13 = is_tls13(version);
  // RFC 5246 7.4.1.3: the server echoing the client's non-empty session id resumes that
  // session (abbreviated handshake). TLS 1.3 echoes it always (RFC 8446 4.1.3): not there.
  tx_.session_resumed = !tx_.tls13 && session_id_len_ && sid.size() == session_id_len_ &&
                        std::memcmp(sid.data(), session_id_, session_id_len_) == 0;
  tx_.ja3s_string.assign(o.view());
  char hash[64];
  size_t hn =
      hex_digest(Digest::Md5, {reinterpret_cast<const uint8_t*>(o.p), o.n}, hash, sizeof hash);
  tx_.ja3s_hash.assign({hash, hn});
  if (tx_.tls13) {
    // Everything the server sends after its ServerHello is encrypted (RFC 8446 2).
    dir_[idx(d)].encrypted = true;
    report(d, ctx);
  }
}

// RFC 5246 7.4.2 Certificate: certificate_list <0..2^24-1> of ASN.1Cert <1..2^24-1>; the
// first one is the sender's (leaf) certificate.
bool TlsParser::certificate(Bytes body, ParseContext& ctx, CertInfo& out) noexcept {
  ByteReader r(body);
  uint32_t total = r.u24be();
  if (r.ok() && total == 0) return false;  // empty chain
  Bytes der = r.bytes(r.u24be());
  if (!r.ok() || der.empty() || total > body.size() - 3) {
    ctx.on_anomaly("tls.certificate_invalid_length");  // Suricata's name
    return false;
  }
  // A certificate this worker parsed before (the same server's, on another connection): its
  // fields come from the cache (cert_cache.h), byte-identical DER only.
  flow::ArenaBudget* budget = ctx.arena().budget();
  CertCache* cache = budget ? CertCache::of(*budget) : nullptr;
  if (const CertInfo* known = cache ? cache->find(der) : nullptr) {
    out = *known;
    return true;
  }
  const unsigned char* p = der.data();
  std::unique_ptr<LiteCert, LiteCertFree> x(reinterpret_cast<LiteCert*>(
      ASN1_item_d2i(nullptr, &p, long(der.size()), ASN1_ITEM_rptr(LiteCert))));
  if (!x) {
    ctx.on_anomaly(der_header_cut(der.data(), der.size()) ? "tls.certificate_invalid_length"
                                                           : "tls.certificate_invalid");
    return false;
  }
  format_name(x->tbs->subject, out.subject);
  format_name(x->tbs->issuer, out.issuer);

  // Serial as the DER INTEGER's content bytes (a leading 00 kept for a positive value whose
  // top bit is set), uppercase hex with colons, as Suricata prints it.
  if (const ASN1_INTEGER* serial = x->tbs->serial) {
    const unsigned char* sd = ASN1_STRING_get0_data(serial);
    int sn = ASN1_STRING_length(serial);
    char hex[128];
    size_t n = 0;
    if (sn > 0 && (sd[0] & 0x80) && ASN1_STRING_type(serial) == V_ASN1_INTEGER) {
      static constexpr uint8_t kZero[1] = {0};
      n = to_hex({kZero, 1}, hex, sizeof hex, true, true);
      if (n < sizeof hex) hex[n++] = ':';
    }
    if (sn > 0) n += to_hex({sd, size_t(sn)}, hex + n, sizeof hex - n, true, true);
    out.serial.assign({hex, n});
  }

  char fp[64];
  size_t fn = hex_digest(Digest::Sha1, der, fp, sizeof fp, true, false);
  out.fingerprint.assign({fp, fn});

  format_time(x->tbs->validity->notBefore, out.not_before);
  format_time(x->tbs->validity->notAfter, out.not_after);

  auto* gens = static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(x->tbs->extensions, NID_subject_alt_name, nullptr, nullptr));
  if (gens) {
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(gens, i);
      if (g->type == GEN_DNS) {
        const ASN1_IA5STRING* s = g->d.dNSName;
        out.sans.add({reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                      size_t(std::max(0, ASN1_STRING_length(s)))});
      } else if (g->type == GEN_IPADD) {
        const ASN1_OCTET_STRING* s = g->d.iPAddress;
        char ip[INET6_ADDRSTRLEN] = {};
        int len = ASN1_STRING_length(s);
        int af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
        if (af && inet_ntop(af, ASN1_STRING_get0_data(s), ip, sizeof ip)) out.sans.add(ip);
      }
    }
    GENERAL_NAMES_free(gens);
  }
  if (cache) cache->put(der, out);
  return true;
}

void TlsParser::report(Direction d, ParseContext& ctx) noexcept {
  if (logged_ || !(tx_.client_hello || tx_.server_hello)) return;
  logged_ = true;
  ctx.on_transaction(&tx_, 0, d);
}

void TlsParser::gap(Direction d, uint64_t len, ParseContext& ctx) noexcept {
  // Record framing cannot be recovered after lost bytes: this direction stops.
  dir_[idx(d)].state = State::Dead;
}

void TlsParser::finish(Direction d, ParseContext& ctx) noexcept { report(d, ctx); }

// Probe: a handshake record header (RFC 8446 5.1) carrying a ClientHello or ServerHello.
ProbeResult probe(Direction d, Bytes b) noexcept {
  if (b.empty()) return ProbeResult::NeedMore;
  if (b[0] != kHandshake) return ProbeResult::NoMatch;
  if (b.size() < 2) return ProbeResult::NeedMore;
  if (b[1] != 3) return ProbeResult::NoMatch;
  if (b.size() < 3) return ProbeResult::NeedMore;
  if (b[2] > 4) return ProbeResult::NoMatch;
  if (b.size() < 5) return ProbeResult::NeedMore;
  size_t len = size_t(b[3]) << 8 | b[4];
  if (len < 4 || len > kMaxRecord) return ProbeResult::NoMatch;
  if (b.size() < 6) return ProbeResult::NeedMore;
  return b[5] == kClientHello || b[5] == kServerHello ? ProbeResult::Match : ProbeResult::NoMatch;
}

Parser* create(ParseContext& ctx) noexcept { return ctx.arena().make<TlsParser>(); }

// One transaction holds both hellos (tx_both_dirs): the client's side is inspected to_server
// and the server's to_client, so flow:to_server rules on ja3/sni see the ClientHello even
// when the session is reported on a server packet. The client-certificate pass
// (on_inspect) is to_server only.
uint8_t inspect_dirs(const void* p) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  if (tx.client_cert_pass) return 1u << int(Direction::ToServer);
  uint8_t dirs = 0;
  if (tx.client_hello) dirs |= 1u << int(Direction::ToServer);
  if (tx.server_hello || tx.has_cert) dirs |= 1u << int(Direction::ToClient);
  return dirs;
}

const ParserSpec kSpec = {
    .proto = Proto::Tls,
    .tcp = true,
    .udp = false,
    .ports = {443, 8443, 993, 465},  // 995 and 636 are found by probing
    .probe = probe,
    .create = create,
    .event_type = "tls",
    .log_tx = log_tx,
    .buffers = buffers,
    .tx_both_dirs = true,
    .inspect_dirs = inspect_dirs,
};

}  // namespace ww::app::tls
