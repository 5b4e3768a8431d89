// TLS 1.2 and 1.3 (RFC 5246, RFC 8446) handshakes as seen on the wire: ClientHello with SNI,
// ALPN, groups, signature algorithms (and supported_versions/key_share for 1.3); ServerHello;
// for 1.2 a Certificate message carrying a real X.509 certificate, ServerKeyExchange (x25519),
// ServerHelloDone, ClientKeyExchange, ChangeCipherSpec and encrypted Finished; for 1.3 the
// encrypted flight as application-data records. Then application data of random bytes.
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "proto.h"

namespace ww::sim {

const Bytes& tls_certificate(Sim& sim, const std::string& cn) {
  auto it = sim.certs.find(cn);
  if (it != sim.certs.end()) return it->second;
  // Ed25519 signatures are deterministic, and the key comes from the name: the same bytes on
  // every run.
  Rng r(fnv1a(cn) ^ 0x5eedce47ULL);
  uint8_t priv[32];
  r.fill(priv, sizeof priv);
  Bytes der;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, priv, sizeof priv), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  if (key && x) {
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set_uint64(X509_get_serialNumber(x.get()), r.next() >> 1);
    time_t t0 = static_cast<time_t>(sim.start / kSec);
    ASN1_TIME_set(X509_getm_notBefore(x.get()), t0 - 40 * 86400);
    ASN1_TIME_set(X509_getm_notAfter(x.get()), t0 + 325 * 86400);
    X509_set_pubkey(x.get(), key.get());
    X509_NAME* subj = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_NAME* iss = X509_NAME_new();
    X509_NAME_add_entry_by_txt(iss, "C", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("US"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(iss, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("Example Trust Services"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(iss, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("Example TLS Issuing CA E1"), -1, -1, 0);
    X509_set_issuer_name(x.get(), iss);
    X509_NAME_free(iss);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
    std::string san = "DNS:" + cn;
    if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str())) {
      X509_add_ext(x.get(), ext, -1);
      X509_EXTENSION_free(ext);
    }
    if (X509_sign(x.get(), key.get(), nullptr) > 0) {
      int n = i2d_X509(x.get(), nullptr);
      if (n > 0) {
        der.resize(static_cast<size_t>(n));
        unsigned char* p = der.data();
        i2d_X509(x.get(), &p);
      }
    }
  }
  return sim.certs.emplace(cn, std::move(der)).first->second;
}

namespace {

void record(Buf& out, uint8_t type, uint16_t version, const Buf& body) {
  out.u8(type).u16be(version).u16be(static_cast<uint32_t>(body.size())).bytes(body.span());
}

void handshake(Buf& out, uint8_t type, const Buf& body) {
  out.u8(type).u24be(static_cast<uint32_t>(body.size())).bytes(body.span());
}

void ext(Buf& b, uint16_t type, const Buf& body) {
  b.u16be(type).u16be(static_cast<uint32_t>(body.size())).bytes(body.span());
}

void random_bytes(Rng& r, Buf& b, size_t n) {
  size_t at = b.size();
  b.zeros(n);
  r.fill(b.v.data() + at, n);
}

void app_data(Rng& r, Buf& out, size_t n, uint8_t type = 23) {
  while (n > 0) {
    size_t chunk = std::min<size_t>(n, 16384);
    out.u8(type).u16be(0x0303).u16be(static_cast<uint32_t>(chunk + 24));
    random_bytes(r, out, chunk + 24);  // nonce/tag overhead included
    n -= chunk;
  }
}

Buf client_hello(Rng& r, const std::string& sni, bool offer13) {
  Buf ch;
  ch.u16be(0x0303);
  random_bytes(r, ch, 32);
  ch.u8(32);
  random_bytes(r, ch, 32);
  static const uint16_t kSuites13[] = {0x1301, 0x1302, 0x1303};
  static const uint16_t kSuites12[] = {0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
                                       0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  size_t n = (offer13 ? 3 : 0) + std::size(kSuites12);
  ch.u16be(static_cast<uint32_t>(n * 2));
  if (offer13)
    for (auto s : kSuites13) ch.u16be(s);
  for (auto s : kSuites12) ch.u16be(s);
  ch.u8(1).u8(0);
  Buf exts, e;
  if (!sni.empty()) {
    e.u16be(static_cast<uint32_t>(sni.size() + 3)).u8(0).u16be(static_cast<uint32_t>(sni.size())).str(sni);
    ext(exts, 0, e);
  }
  e.clear();
  ext(exts, 23, e);  // extended_master_secret
  e.clear();
  e.u8(0);
  ext(exts, 0xff01, e);  // renegotiation_info
  e.clear();
  e.u16be(6).u16be(0x001d).u16be(0x0017).u16be(0x0018);
  ext(exts, 10, e);  // supported_groups
  e.clear();
  e.u8(1).u8(0);
  ext(exts, 11, e);  // ec_point_formats
  e.clear();
  ext(exts, 35, e);  // session_ticket
  e.clear();
  e.u16be(12).u8(2).str("h2").u8(8).str("http/1.1");
  ext(exts, 16, e);  // ALPN
  e.clear();
  e.u8(1).u16be(0).u16be(0);
  ext(exts, 5, e);  // status_request
  e.clear();
  static const uint16_t kSig[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0807};
  e.u16be(static_cast<uint32_t>(std::size(kSig) * 2));
  for (auto s : kSig) e.u16be(s);
  ext(exts, 13, e);  // signature_algorithms
  if (offer13) {
    e.clear();
    e.u8(4).u16be(0x0304).u16be(0x0303);
    ext(exts, 43, e);  // supported_versions
    e.clear();
    e.u8(1).u8(1);
    ext(exts, 45, e);  // psk_key_exchange_modes
    e.clear();
    e.u16be(36).u16be(0x001d).u16be(32);
    random_bytes(r, e, 32);
    ext(exts, 51, e);  // key_share
  }
  ch.u16be(static_cast<uint32_t>(exts.size())).bytes(exts.span());
  Buf hs;
  handshake(hs, 1, ch);
  Buf out;
  record(out, 22, 0x0301, hs);
  return out;
}

}  // namespace

void tls_session(Sim& sim, Tcp& tcp, const TlsParams& p) {
  Rng& r = sim.rng;
  tcp.send(Dir::kC2S, client_hello(r, p.sni, p.tls13).span(), r.range(100, 2000));
  Buf sh;
  sh.u16be(0x0303);
  random_bytes(r, sh, 32);
  sh.u8(32);
  random_bytes(r, sh, 32);
  Buf exts, e;
  Buf flight;
  if (p.tls13) {
    sh.u16be(r.chance(0.7) ? 0x1301 : 0x1302).u8(0);
    e.u16be(0x0304);
    ext(exts, 43, e);
    e.clear();
    e.u16be(0x001d).u16be(32);
    random_bytes(r, e, 32);
    ext(exts, 51, e);
    sh.u16be(static_cast<uint32_t>(exts.size())).bytes(exts.span());
    Buf hs;
    handshake(hs, 2, sh);
    record(flight, 22, 0x0303, hs);
    flight.u8(20).u16be(0x0303).u16be(1).u8(1);  // middlebox-compatibility CCS
    // EncryptedExtensions, Certificate, CertificateVerify, Finished (encrypted).
    app_data(r, flight, 2400 + r.below(2400));
    tcp.send(Dir::kS2C, flight.span(), r.range(300, 3000));
    Buf fin;
    fin.u8(20).u16be(0x0303).u16be(1).u8(1);
    app_data(r, fin, 29);
    tcp.send(Dir::kC2S, fin.span(), r.range(200, 1500));
  } else {
    sh.u16be(0xc02b).u8(0);
    e.u8(0);
    ext(exts, 0xff01, e);
    e.clear();
    e.u8(1).u8(0);
    ext(exts, 11, e);
    e.clear();
    ext(exts, 23, e);
    e.clear();
    e.u16be(9).u8(8).str("http/1.1");
    ext(exts, 16, e);
    sh.u16be(static_cast<uint32_t>(exts.size())).bytes(exts.span());
    Buf hs;
    handshake(hs, 2, sh);
    const Bytes& der = tls_certificate(sim, p.sni.empty() ? "server.example" : p.sni);
    Buf cert;
    cert.u24be(static_cast<uint32_t>(der.size() + 3)).u24be(static_cast<uint32_t>(der.size())).bytes(der);
    handshake(hs, 11, cert);
    Buf ske;
    ske.u8(3).u16be(0x001d).u8(32);
    random_bytes(r, ske, 32);
    ske.u16be(0x0807).u16be(64);
    random_bytes(r, ske, 64);
    handshake(hs, 12, ske);
    Buf done;
    handshake(hs, 14, done);
    record(flight, 22, 0x0303, hs);
    tcp.send(Dir::kS2C, flight.span(), r.range(300, 3000));
    Buf cke, chs, cflight;
    cke.u8(32);
    random_bytes(r, cke, 32);
    handshake(chs, 16, cke);
    record(cflight, 22, 0x0303, chs);
    cflight.u8(20).u16be(0x0303).u16be(1).u8(1);
    Buf encfin;
    random_bytes(r, encfin, 40);
    record(cflight, 22, 0x0303, encfin);
    tcp.send(Dir::kC2S, cflight.span(), r.range(200, 1500));
    Buf sfin;
    sfin.u8(20).u16be(0x0303).u16be(1).u8(1);
    Buf encfin2;
    random_bytes(r, encfin2, 40);
    record(sfin, 22, 0x0303, encfin2);
    tcp.send(Dir::kS2C, sfin.span(), r.range(200, 1500));
  }
  for (int i = 0; i < std::max(1, p.exchanges); ++i) {
    Buf up, down;
    app_data(r, up, std::max<size_t>(1, p.up / std::max(1, p.exchanges)));
    tcp.send(Dir::kC2S, up.span(), i == 0 ? r.range(100, 800) : r.range(20 * kMs, 2 * kSec));
    app_data(r, down, std::max<size_t>(1, p.down / std::max(1, p.exchanges)));
    tcp.send(Dir::kS2C, down.span(), r.range(2 * kMs, 80 * kMs));
  }
  // close_notify alert
  Buf alert;
  app_data(r, alert, 2, 21);
  tcp.send(Dir::kC2S, alert.span(), r.range(50 * kMs, 500 * kMs));
}

}  // namespace ww::sim
