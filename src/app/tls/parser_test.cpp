#include "app/tls/parser.h"
#include "detect/match.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>
#include <vector>

#include "app/tls/cert_cache.h"
#include "app/tls/test_util.h"
#include "output/eve.h"

namespace ww::app::tls {
namespace {

using Ctx = testing::FakeContext<Tx>;
using Vec = std::vector<uint8_t>;

// A TLS 1.2-style record carrying a TLS 1.3 ClientHello (RFC 8446 4.1.2), GREASE included.
// clang-format off
const Vec kClientHello = {
    // RFC 8446 5.1 TLSPlaintext: type handshake(22), legacy_record_version 0x0301, length 130
    0x16, 0x03, 0x01, 0x00, 0x82,
    // RFC 8446 4 Handshake: msg_type client_hello(1), length 126
    0x01, 0x00, 0x00, 0x7e,
    // 4.1.2 legacy_version 0x0303
    0x03, 0x03,
    // random (32 bytes)
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    // legacy_session_id: empty
    0x00,
    // cipher_suites: length 8: GREASE 0x0a0a (RFC 8701), TLS_AES_128_GCM_SHA256 0x1301,
    // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 0xc02f, TLS_EMPTY_RENEGOTIATION_INFO_SCSV 0x00ff
    0x00, 0x08, 0x0a, 0x0a, 0x13, 0x01, 0xc0, 0x2f, 0x00, 0xff,
    // legacy_compression_methods: length 1, null
    0x01, 0x00,
    // extensions: length 77
    0x00, 0x4d,
    // GREASE extension 0x1a1a, empty (RFC 8701)
    0x1a, 0x1a, 0x00, 0x00,
    // server_name(0), length 16: RFC 6066 3 list length 14, host_name(0), length 11 "example.com"
    0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
    'c', 'o', 'm',
    // supported_groups(10), length 6: RFC 8422 5.1.1 list length 4: GREASE 0x2a2a, x25519(29)
    0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x2a, 0x2a, 0x00, 0x1d,
    // ec_point_formats(11), length 2: RFC 8422 5.1.2 list length 1: uncompressed(0)
    0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
    // signature_algorithms(13), length 6: RFC 8446 4.2.3 list length 4: 0x0403, 0x0804
    0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x08, 0x04,
    // application_layer_protocol_negotiation(16), length 14: RFC 7301 3.1 list length 12:
    // "h2", "http/1.1"
    0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/', '1', '.',
    '1',
    // supported_versions(43), length 5: RFC 8446 4.2.1 list length 4: TLS 1.3, TLS 1.2
    0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,
};
// clang-format on

// A TLS 1.2 ServerHello (RFC 5246 7.4.1.3).
// clang-format off
const Vec kServerHello12 = {
    // RFC 5246 6.2.1 TLSPlaintext: handshake(22), version 0x0303, length 64
    0x16, 0x03, 0x03, 0x00, 0x40,
    // 7.4 Handshake: server_hello(2), length 60
    0x02, 0x00, 0x00, 0x3c,
    // server_version 0x0303
    0x03, 0x03,
    // random (32 bytes)
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    // session_id: empty
    0x00,
    // cipher_suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    0xc0, 0x2f,
    // compression_method null
    0x00,
    // extensions: length 20
    0x00, 0x14,
    // renegotiation_info(0xff01), length 1: RFC 5746 3.2 empty renegotiated_connection
    0xff, 0x01, 0x00, 0x01, 0x00,
    // ec_point_formats(11), length 2: list length 1: uncompressed
    0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
    // ALPN(16), length 5: list length 3: "h2"
    0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h', '2',
};
// clang-format on

// A TLS 1.3 ServerHello (RFC 8446 4.1.3) followed by ChangeCipherSpec and an encrypted record.
// clang-format off
const Vec kServerHello13 = {
    // 5.1 TLSPlaintext: handshake(22), legacy_record_version 0x0303, length 50
    0x16, 0x03, 0x03, 0x00, 0x32,
    // 4 Handshake: server_hello(2), length 46
    0x02, 0x00, 0x00, 0x2e,
    // legacy_version 0x0303
    0x03, 0x03,
    // random (32 bytes)
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    // legacy_session_id_echo: empty
    0x00,
    // cipher_suite TLS_AES_128_GCM_SHA256
    0x13, 0x01,
    // legacy_compression_method 0
    0x00,
    // extensions: length 6
    0x00, 0x06,
    // supported_versions(43), length 2: 4.2.1 selected_version TLS 1.3
    0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
    // D.4 middlebox compatibility: change_cipher_spec(20), length 1, value 1
    0x14, 0x03, 0x03, 0x00, 0x01, 0x01,
    // application_data(23) carrying the encrypted EncryptedExtensions..Finished: length 4
    0x17, 0x03, 0x03, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef,
};
// clang-format on

Vec record(uint8_t type, const Vec& body) {
  // RFC 5246 6.2.1: type, version 0x0303, length
  Vec r = {type, 0x03, 0x03, uint8_t(body.size() >> 8), uint8_t(body.size())};
  r.insert(r.end(), body.begin(), body.end());
  return r;
}

void put24(Vec& v, size_t n) {
  v.push_back(uint8_t(n >> 16));
  v.push_back(uint8_t(n >> 8));
  v.push_back(uint8_t(n));
}

// A self-signed certificate made with OpenSSL for the test (DER).
Vec make_cert(const char* email = nullptr) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 0x8a0b0c);
  ASN1_TIME_set(X509_getm_notBefore(x), 1700000000);  // 2023-11-14T22:13:20
  ASN1_TIME_set(X509_getm_notAfter(x), 1800000000);   // 2027-01-15T08:00:00
  X509_NAME* n = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char*)"US", -1, -1, 0);
  X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char*)"Example Hospital", -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char*)"example.com", -1, -1, 0);
  if (email)
    X509_NAME_add_entry_by_txt(n, "emailAddress", MBSTRING_ASC, (const unsigned char*)email, -1,
                               -1, 0);
  X509_set_issuer_name(x, n);
  X509_set_pubkey(x, key);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext =
      X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:example.com,IP:10.0.0.1");
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  X509_sign(x, key, EVP_sha256());
  unsigned char* der = nullptr;
  int len = i2d_X509(x, &der);
  Vec out(der, der + len);
  OPENSSL_free(der);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

// The server's TLS 1.2 flight: ServerHello, Certificate (split over two records, RFC 5246
// 6.2.1 allows a handshake message to span records), ServerHelloDone.
Vec server_flight(const Vec& cert) {
  Vec out = kServerHello12;
  // 7.4.2 Certificate: msg_type 11, length, certificate_list length, one ASN.1Cert
  Vec msg = {11};
  put24(msg, cert.size() + 6);
  put24(msg, cert.size() + 3);
  put24(msg, cert.size());
  msg.insert(msg.end(), cert.begin(), cert.end());
  // 7.4.5 ServerHelloDone: msg_type 14, length 0
  msg.insert(msg.end(), {14, 0, 0, 0});
  size_t half = msg.size() / 2;
  Vec a = record(22, Vec(msg.begin(), msg.begin() + half));
  Vec b = record(22, Vec(msg.begin() + half, msg.end()));
  out.insert(out.end(), a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  // Client's key exchange would follow; then the server's ChangeCipherSpec + encrypted Finished.
  Vec ccs = record(20, {1});
  Vec fin = record(22, Vec(40, 0x5a));  // encrypted Finished: never parsed
  out.insert(out.end(), ccs.begin(), ccs.end());
  out.insert(out.end(), fin.begin(), fin.end());
  return out;
}

std::string eve(const Tx& tx) {
  output::EveWriter w(nullptr);
  log_tx(&tx, w);
  return std::string(w.pending());
}

Bytes bytes(const Vec& v) { return {v.data(), v.size()}; }

// Feeds client bytes then server bytes, each split at `cut` (0 = whole).
std::string run(const Vec& c, const Vec& s, size_t cut_c, size_t cut_s, Ctx& ctx) {
  TlsParser p;
  auto feed = [&](Direction d, const Vec& v, size_t cut) {
    if (cut == 0 || cut >= v.size()) {
      EXPECT_EQ(p.parse(d, bytes(v), ctx).status, ParseStatus::Ok);
      return;
    }
    EXPECT_EQ(p.parse(d, Bytes(v.data(), cut), ctx).status, ParseStatus::Ok);
    EXPECT_EQ(p.parse(d, Bytes(v.data() + cut, v.size() - cut), ctx).status, ParseStatus::Ok);
  };
  feed(Direction::ToServer, c, cut_c);
  feed(Direction::ToClient, s, cut_s);
  p.finish(Direction::ToServer, ctx);
  p.finish(Direction::ToClient, ctx);
  return ctx.txs.size() == 1 ? eve(ctx.txs[0]) : "txs=" + std::to_string(ctx.txs.size());
}

// hex_digest gives the standard digests (FIPS 180-4 and RFC 1321 "abc" vectors) and formats
// them as asked, over data of several blocks too.
TEST(TlsText, HexDigest) {
  auto hex = [](Digest k, std::string_view s, bool colon = false, bool upper = false) {
    char out[128];
    size_t n = hex_digest(k, {reinterpret_cast<const uint8_t*>(s.data()), s.size()}, out,
                          sizeof out, colon, upper);
    return std::string(out, n);
  };
  EXPECT_EQ(hex(Digest::Md5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex(Digest::Sha1, "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(Digest::Sha256, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(Digest::Md5, ""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex(Digest::Sha1, "abc", true, true),
            "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D");
  std::string million(1000000, 'a');
  EXPECT_EQ(hex(Digest::Sha256, million),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(hex(Digest::Sha1, million), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  char small[5];
  EXPECT_EQ(hex_digest(Digest::Md5, {}, small, sizeof small), 4u);  // cut at the capacity
}

// to_hex: whole pairs only, within the capacity; colons between bytes when asked.
TEST(TlsText, ToHex) {
  const uint8_t d[] = {0x00, 0xab, 0x7f, 0xff};
  char out[16];
  auto hex = [&](size_t cap, bool colon, bool upper) {
    return std::string(out, to_hex({d, sizeof d}, out, cap, colon, upper));
  };
  EXPECT_EQ(hex(16, false, false), "00ab7fff");
  EXPECT_EQ(hex(16, false, true), "00AB7FFF");
  EXPECT_EQ(hex(5, false, false), "00ab");
  EXPECT_EQ(hex(1, false, false), "");
  EXPECT_EQ(hex(16, true, true), "00:AB:7F:FF");
  EXPECT_EQ(hex(7, true, false), "00:ab");
  EXPECT_EQ(to_hex({}, out, sizeof out), 0u);
}

// Digests of recent short inputs are remembered per thread (text.cpp): repeated inputs, inputs
// that share a memo slot, inputs that differ in one byte or only in length, and the same input
// under another digest all give what EVP computes.
TEST(TlsText, RememberedDigestsAreExact) {
  auto evp_hex = [](Digest k, const std::string& s) {
    const EVP_MD* md = k == Digest::Md5 ? EVP_md5() : k == Digest::Sha1 ? EVP_sha1() : EVP_sha256();
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_Digest(s.data(), s.size(), d, &n, md, nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < n; ++i) {
      out.push_back(kHex[d[i] >> 4]);
      out.push_back(kHex[d[i] & 15]);
    }
    return out;
  };
  auto hex = [](Digest k, const std::string& s) {
    char out[128];
    return std::string(
        out, hex_digest(k, {reinterpret_cast<const uint8_t*>(s.data()), s.size()}, out, sizeof out));
  };
  std::vector<std::string> inputs;
  for (size_t i = 0; i < 300; ++i) {
    std::string s = "771,4865-4866-" + std::to_string(i * 7919 % 1000) + ",0-23-65281";
    s.resize(i * 2, 'x');  // lengths 0..598: over the memo's input bound too
    inputs.push_back(s);
  }
  inputs.push_back(inputs[250] + "x");  // same bytes, one longer
  std::string flipped = inputs[120];
  flipped[60] ^= 1;
  inputs.push_back(flipped);
  for (int round = 0; round < 3; ++round)
    for (size_t i = 0; i < inputs.size(); ++i) {
      const std::string& s = inputs[(i * 37 + round * 11) % inputs.size()];
      for (Digest k : {Digest::Md5, Digest::Sha1, Digest::Sha256})
        ASSERT_EQ(hex(k, s), evp_hex(k, s)) << s.size();
    }
}

TEST(TlsParser, ClientHelloFingerprints) {
  Ctx ctx;
  TlsParser p;
  auto r = p.parse(Direction::ToServer, bytes(kClientHello), ctx);
  EXPECT_EQ(r.status, ParseStatus::Ok);
  EXPECT_EQ(r.consumed, kClientHello.size());
  EXPECT_TRUE(ctx.txs.empty());  // waits for the server
  p.finish(Direction::ToServer, ctx);
  ASSERT_EQ(ctx.txs.size(), 1u);
  const Tx& tx = ctx.txs[0];
  EXPECT_EQ(tx.sni.view(), "example.com");
  EXPECT_EQ(tx.ja3(), "771,4865-49199-255,0-10-11-13-16-43,29,0");  // GREASE removed
  EXPECT_EQ(tx.ja3_hash.view(), "3785d561c83963aa014a2d3ebc95e40e");
  // 3 ciphers and 6 extensions without GREASE, ALPN "h2"; sha256("00ff,1301,c02f") and
  // sha256("000a,000b,000d,002b_0403,0804") (SNI and ALPN left out of the sorted list).
  EXPECT_EQ(tx.ja4.view(), "t13d0306h2_938715873a05_fb71836bce29");
  ASSERT_EQ(tx.client_alpns.count, 2);
  EXPECT_EQ(tx.client_alpns[1], "http/1.1");
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(TlsParser, Tls12HandshakeWithCertificate) {
  Ctx ctx;
  Vec cert = make_cert();
  std::string json = run(kClientHello, server_flight(cert), 0, 0, ctx);
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_EQ(ctx.tx_dirs[0], Direction::ToClient);  // reported on the server's Certificate
  const Tx& tx = ctx.txs[0];
  EXPECT_EQ(tx.version, kTls12);
  EXPECT_EQ(tx.ja3s_string.view(), "771,49199,65281-11-16");
  EXPECT_EQ(tx.ja3s_hash.view(), "1089ea6f0461a29006cc96dfe7a11d80");
  EXPECT_EQ(tx.subject.view(), "C=US, O=Example Hospital, CN=example.com");
  EXPECT_EQ(tx.issuer.view(), "C=US, O=Example Hospital, CN=example.com");
  EXPECT_EQ(tx.serial.view(), "00:8A:0B:0C");  // DER INTEGER keeps the sign byte
  EXPECT_EQ(tx.not_before.view(), "2023-11-14T22:13:20");
  EXPECT_EQ(tx.not_after.view(), "2027-01-15T08:00:00");
  EXPECT_EQ(tx.fingerprint.len, 59);
  ASSERT_EQ(tx.sans.count, 2);
  EXPECT_EQ(tx.sans[0], "example.com");
  EXPECT_EQ(tx.sans[1], "10.0.0.1");
  ASSERT_EQ(tx.server_alpns.count, 1);
  EXPECT_EQ(tx.server_alpns[0], "h2");
  EXPECT_TRUE(ctx.anomalies.empty());
  EXPECT_NE(json.find("\"version\":\"TLS 1.2\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"issuerdn\":\"C=US, O=Example Hospital, CN=example.com\""),
            std::string::npos);
  EXPECT_NE(json.find("\"ja3\":{\"hash\":\"3785d561c83963aa014a2d3ebc95e40e\""), std::string::npos);
  EXPECT_NE(json.find("\"ja4\":\"t13d0306h2_938715873a05_fb71836bce29\""), std::string::npos);
}

// Rule buffers: the multi-buffers tls.certs (each DER of the chain), tls.subjectaltname and
// tls.alpn (client offers, then the server's choice).
TEST(TlsParser, MultiBuffers) {
  Ctx ctx;
  Vec cert = make_cert();
  run(kClientHello, server_flight(cert), 0, 0, ctx);
  ASSERT_EQ(ctx.txs.size(), 1u);
  detect::InspectBuffers b;
  buffers(&ctx.txs[0], Direction::ToClient, b);
  const Bytes* c = b.get(detect::BufferId::TlsCerts);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Vec(c->begin(), c->end()), cert);
  EXPECT_EQ(b.next(detect::BufferId::TlsCerts, *c), nullptr);  // a chain of one
  auto all = [&](detect::BufferId id) {
    std::vector<std::string> v;
    for (const Bytes* x = b.get(id); x; x = b.next(id, *x)) v.emplace_back(as_sv(*x));
    return v;
  };
  EXPECT_EQ(all(detect::BufferId::TlsSubjectAltName),
            (std::vector<std::string>{"example.com", "10.0.0.1"}));
  EXPECT_EQ(all(detect::BufferId::TlsAlpn), (std::vector<std::string>{"h2", "http/1.1", "h2"}));
}

// A client certificate (after the server's flight) is parsed into client_cert and inspected
// to_server on its own: only its certificate buffers then.
TEST(TlsParser, ClientCertificate) {
  Ctx ctx;
  TlsParser p;
  Vec cert = make_cert();
  EXPECT_EQ(p.parse(Direction::ToServer, bytes(kClientHello), ctx).status, ParseStatus::Ok);
  Vec sf = server_flight(cert);
  EXPECT_EQ(p.parse(Direction::ToClient, bytes(sf), ctx).status, ParseStatus::Ok);
  Vec msg = {11};  // RFC 5246 7.4.6 client Certificate
  put24(msg, cert.size() + 6);
  put24(msg, cert.size() + 3);
  put24(msg, cert.size());
  msg.insert(msg.end(), cert.begin(), cert.end());
  EXPECT_EQ(p.parse(Direction::ToServer, bytes(record(22, msg)), ctx).status, ParseStatus::Ok);
  ASSERT_TRUE(p.tx().has_client_cert);
  EXPECT_EQ(p.tx().client_cert.subject.view(), "C=US, O=Example Hospital, CN=example.com");
  EXPECT_FALSE(p.tx().client_cert_pass);  // only while it is inspected
  Tx tx = p.tx();
  tx.client_cert_pass = true;
  detect::InspectBuffers b;
  buffers(&tx, Direction::ToServer, b);
  EXPECT_NE(b.get(detect::BufferId::TlsCertSubject), nullptr);
  EXPECT_EQ(b.get(detect::BufferId::TlsSni), nullptr);
  EXPECT_EQ(b.get(detect::BufferId::TlsCerts), nullptr);
}

// One transaction holds both hellos: detection inspects the client's side to_server and the
// server's to_client (flow:to_server rules on ja3.hash match when the session is reported on a
// server packet); the client-certificate pass is to_server only.
TEST(TlsParser, InspectedInTheDirectionsOfItsHellos) {
  ASSERT_TRUE(kSpec.tx_both_dirs);
  ASSERT_NE(kSpec.inspect_dirs, nullptr);
  const uint8_t ts = 1u << int(Direction::ToServer), tc = 1u << int(Direction::ToClient);
  Ctx ctx;
  TlsParser p;
  EXPECT_EQ(p.parse(Direction::ToServer, bytes(kClientHello), ctx).status, ParseStatus::Ok);
  EXPECT_EQ(kSpec.inspect_dirs(&p.tx()), ts);  // no server answer yet
  Vec sf = server_flight(make_cert());
  EXPECT_EQ(p.parse(Direction::ToClient, bytes(sf), ctx).status, ParseStatus::Ok);
  EXPECT_EQ(kSpec.inspect_dirs(&p.tx()), ts | tc);
  Tx tx = p.tx();
  tx.client_cert_pass = true;
  EXPECT_EQ(kSpec.inspect_dirs(&tx), ts);
}

TEST(TlsParser, SplitAtEveryOffsetGivesSameTransaction) {
  Vec cert = make_cert();
  Vec server = server_flight(cert);
  Ctx whole_ctx;
  std::string whole = run(kClientHello, server, 0, 0, whole_ctx);
  for (size_t cut = 1; cut < kClientHello.size(); ++cut) {
    Ctx ctx;
    ASSERT_EQ(run(kClientHello, server, cut, 0, ctx), whole) << "client cut " << cut;
  }
  for (size_t cut = 1; cut < server.size(); ++cut) {
    Ctx ctx;
    ASSERT_EQ(run(kClientHello, server, 0, cut, ctx), whole) << "server cut " << cut;
  }
  // And one byte at a time.
  Ctx ctx;
  TlsParser p;
  for (uint8_t b : kClientHello) p.parse(Direction::ToServer, {&b, 1}, ctx);
  for (uint8_t b : server) p.parse(Direction::ToClient, {&b, 1}, ctx);
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_EQ(eve(ctx.txs[0]), whole);
  EXPECT_TRUE(p.encrypted(Direction::ToClient));
}

TEST(TlsParser, Tls13ServerHelloThenEncrypted) {
  Ctx ctx;
  TlsParser p;
  p.parse(Direction::ToServer, bytes(kClientHello), ctx);
  auto r = p.parse(Direction::ToClient, bytes(kServerHello13), ctx);
  EXPECT_EQ(r.status, ParseStatus::Ok);
  ASSERT_EQ(ctx.txs.size(), 1u);  // reported on the ServerHello: the rest is encrypted
  const Tx& tx = ctx.txs[0];
  EXPECT_TRUE(tx.tls13);
  EXPECT_EQ(tx.version, kTls13);
  EXPECT_EQ(tx.ja3s_string.view(), "771,4865,43");
  EXPECT_FALSE(tx.has_cert);
  EXPECT_NE(eve(tx).find("\"version\":\"TLS 1.3\""), std::string::npos);
  // More encrypted records are skipped by length; nothing else is reported.
  Vec app = record(23, Vec(1000, 0x77));
  EXPECT_EQ(p.parse(Direction::ToClient, bytes(app), ctx).status, ParseStatus::Ok);
  p.finish(Direction::ToClient, ctx);
  EXPECT_EQ(ctx.txs.size(), 1u);
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(TlsParser, TruncatedAtEveryLength) {
  Vec cert = make_cert();
  Vec server = server_flight(cert);
  for (size_t n = 0; n < kClientHello.size(); ++n) {
    Ctx ctx;
    TlsParser p;
    EXPECT_EQ(p.parse(Direction::ToServer, Bytes(kClientHello.data(), n), ctx).status,
              ParseStatus::Ok);
    p.finish(Direction::ToServer, ctx);
    EXPECT_TRUE(ctx.txs.empty()) << n;  // no complete ClientHello: nothing to log
    EXPECT_TRUE(ctx.anomalies.empty());
  }
  for (size_t n = 0; n < server.size(); n += 7) {
    Ctx ctx;
    TlsParser p;
    p.parse(Direction::ToServer, bytes(kClientHello), ctx);
    p.parse(Direction::ToClient, Bytes(server.data(), n), ctx);
    p.finish(Direction::ToClient, ctx);
    ASSERT_EQ(ctx.txs.size(), 1u);
    EXPECT_EQ(ctx.txs[0].sni.view(), "example.com");
  }
}

TEST(TlsParser, GarbageIsAnInvalidRecord) {
  Ctx ctx;
  TlsParser p;
  const char* g = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  auto r = p.parse(Direction::ToServer, {reinterpret_cast<const uint8_t*>(g), strlen(g)}, ctx);
  EXPECT_EQ(r.status, ParseStatus::Error);
  EXPECT_TRUE(ctx.has_anomaly("tls.invalid_record"));
  EXPECT_EQ(p.parse(Direction::ToServer, bytes(kClientHello), ctx).status, ParseStatus::Error);
  // The other direction is independent.
  EXPECT_EQ(p.parse(Direction::ToClient, bytes(kServerHello12), ctx).status, ParseStatus::Ok);
  // A record longer than 2^14 + 2048 (RFC 5246 6.2.3) is invalid too.
  Ctx ctx2;
  TlsParser p2;
  Vec big = {0x16, 0x03, 0x03, 0x48, 0x01};
  EXPECT_EQ(p2.parse(Direction::ToServer, bytes(big), ctx2).status, ParseStatus::Error);
  EXPECT_TRUE(ctx2.has_anomaly("tls.invalid_record"));
}

// A record header is read whole when it is all in the data, byte by byte otherwise: the same
// records, the same consumed count at an invalid header, either way.
TEST(TlsParser, RecordHeaderWholeOrByByte) {
  Vec stream = kClientHello;
  Vec bad = {0x16, 0x03, 0x03, 0x48, 0x01, 0xaa};  // over the record bound
  stream.insert(stream.end(), bad.begin(), bad.end());
  Ctx whole, bytewise;
  TlsParser a, b;
  ParseResult ra = a.parse(Direction::ToServer, bytes(stream), whole);
  EXPECT_EQ(ra.status, ParseStatus::Error);
  EXPECT_EQ(ra.consumed, kClientHello.size() + 5);
  ParseResult rb{};
  for (size_t i = 0; i < stream.size(); ++i) {
    rb = b.parse(Direction::ToServer, Bytes(&stream[i], 1), bytewise);
    if (rb.status == ParseStatus::Error) {
      EXPECT_EQ(i, kClientHello.size() + 4);  // the header's last byte
      EXPECT_EQ(rb.consumed, 1u);
      break;
    }
  }
  EXPECT_EQ(rb.status, ParseStatus::Error);
  EXPECT_EQ(whole.anomalies, bytewise.anomalies);
  EXPECT_EQ(a.tx().ja3_hash.view(), b.tx().ja3_hash.view());
  EXPECT_FALSE(a.tx().ja3_hash.empty());
}

TEST(TlsParser, MalformedHelloIsAnInvalidHandshake) {
  // A ClientHello whose cipher_suites length runs past the message.
  // 4 Handshake: client_hello(1), length 37; legacy_version 0x0303, random, empty session id,
  // cipher_suites length 0xffff with no suites behind it.
  Vec hello = {0x01, 0x00, 0x00, 0x25, 0x03, 0x03};
  hello.insert(hello.end(), 32, 0);
  hello.insert(hello.end(), {0x00, 0xff, 0xff});
  Ctx ctx;
  TlsParser p;
  EXPECT_EQ(p.parse(Direction::ToServer, bytes(record(22, hello)), ctx).status, ParseStatus::Ok);
  EXPECT_TRUE(ctx.has_anomaly("tls.invalid_handshake"));
  // Record framing is intact: the next valid ClientHello is still read.
  p.parse(Direction::ToServer, bytes(kClientHello), ctx);
  p.finish(Direction::ToServer, ctx);
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_EQ(ctx.txs[0].sni.view(), "example.com");
}

// The ClientHello, then the TLS 1.2 ServerHello followed by the handshake message `msg` (in a
// record of its own) from the server.
void hello_then_server_handshake(Ctx& ctx, const Vec& msg) {
  Vec server = kServerHello12;
  Vec rec = record(22, msg);
  server.insert(server.end(), rec.begin(), rec.end());
  TlsParser p;
  p.parse(Direction::ToServer, bytes(kClientHello), ctx);
  p.parse(Direction::ToClient, bytes(server), ctx);
}

TEST(TlsParser, InvalidCertificate) {
  Vec msg = {11};  // Certificate with a 10-byte "certificate" that is not DER
  put24(msg, 16);
  put24(msg, 13);
  msg.insert(msg.end(), {0, 0, 10});
  msg.insert(msg.end(), 10, 0xee);
  Ctx ctx;
  hello_then_server_handshake(ctx, msg);
  EXPECT_TRUE(ctx.has_anomaly("tls.certificate_invalid"));
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_FALSE(ctx.txs[0].has_cert);
}

TEST(TlsParser, CertificateListLengthBeyondTheMessage) {
  Vec msg = {11};  // Certificate: the list claims 200 bytes, the message holds 16
  put24(msg, 16);
  put24(msg, 200);
  msg.insert(msg.end(), {0, 0, 10});
  msg.insert(msg.end(), 10, 0xee);
  Ctx ctx;
  hello_then_server_handshake(ctx, msg);
  EXPECT_TRUE(ctx.has_anomaly("tls.certificate_invalid_length"));
  EXPECT_FALSE(ctx.has_anomaly("tls.certificate_invalid"));
}

// A DER certificate cut inside a TLV header is an invalid length; cut inside a content, an
// invalid certificate (Suricata's two events).
TEST(TlsParser, DerCutInHeaderOrContent) {
  auto run = [](std::initializer_list<uint8_t> der, std::string_view want) {
    Vec msg = {11};
    put24(msg, uint32_t(6 + der.size()));
    put24(msg, uint32_t(3 + der.size()));
    put24(msg, uint32_t(der.size()));
    msg.insert(msg.end(), der);
    Ctx ctx;
    hello_then_server_handshake(ctx, msg);
    EXPECT_TRUE(ctx.has_anomaly(std::string(want))) << want;
    EXPECT_EQ(ctx.anomalies.size(), 1u);
  };
  // SEQUENCE(5) { SEQUENCE with a 4-byte length of which 3 bytes fit }
  run({0x30, 0x05, 0x30, 0x84, 0xff, 0xff, 0xff, 0xfa, 0x04}, "tls.certificate_invalid_length");
  // SEQUENCE(6) { SEQUENCE of length 0xfffffffa: the header fits, the content does not }
  run({0x30, 0x06, 0x30, 0x84, 0xff, 0xff, 0xff, 0xfa, 0x04}, "tls.certificate_invalid");
}

// The certificate is read with a template that skips decoding the public key (parser.cpp
// LiteCert): it accepts exactly what d2i_X509 accepts. Every truncation and every one-byte
// change of a real certificate (its key's bytes included, which d2i_X509 only decodes
// opportunistically) is taken or refused by both alike, and refused ones raise the same anomaly.
TEST(TlsParser, CertificateAcceptedExactlyWhenD2iX509AcceptsIt) {
  Vec cert = make_cert("same@example.com");
  auto check = [](const Vec& der) {
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, long(der.size()));
    bool want = x != nullptr;
    X509_free(x);
    Ctx ctx;
    Vec msg = {11};
    put24(msg, der.size() + 6);
    put24(msg, der.size() + 3);
    put24(msg, der.size());
    msg.insert(msg.end(), der.begin(), der.end());
    hello_then_server_handshake(ctx, msg);
    if (der.empty()) return;  // an empty certificate is a length anomaly before any decoding
    ASSERT_EQ(ctx.txs.size(), 1u);
    EXPECT_EQ(ctx.txs[0].has_cert, want) << der.size();
    EXPECT_EQ(ctx.anomalies.empty(), want) << der.size();
  };
  for (size_t n = 0; n <= cert.size(); ++n) check(Vec(cert.begin(), cert.begin() + n));
  for (size_t i = 0; i < cert.size(); ++i)
    for (uint8_t flip : {0x01, 0x80, 0xff}) {
      Vec v = cert;
      v[i] ^= flip;
      SCOPED_TRACE(i);
      check(v);
    }
}

TEST(TlsParser, OverLimitHandshakeIsSkipped) {
  // A Certificate claiming 70000 bytes (over kMaxHandshake) over five records, then a
  // ServerHelloDone that must still be seen.
  Vec server = kServerHello12;
  Vec msg = {11};
  put24(msg, 70000);
  msg.insert(msg.end(), 70000, 0x30);
  msg.insert(msg.end(), {14, 0, 0, 0});
  for (size_t off = 0; off < msg.size(); off += 16384) {
    Vec part(msg.begin() + off, msg.begin() + std::min(msg.size(), off + 16384));
    Vec rec = record(22, part);
    server.insert(server.end(), rec.begin(), rec.end());
  }
  Ctx ctx;
  TlsParser p;
  p.parse(Direction::ToServer, bytes(kClientHello), ctx);
  EXPECT_EQ(p.parse(Direction::ToClient, bytes(server), ctx).status, ParseStatus::Ok);
  EXPECT_TRUE(ctx.has_anomaly("tls.handshake_too_large"));
  ASSERT_EQ(ctx.txs.size(), 1u);  // reported on ServerHelloDone
  EXPECT_FALSE(ctx.txs[0].has_cert);
  // A flow arena too small for a message buffer: the message is skipped, not a crash.
  Ctx small(256);
  TlsParser p2;
  p2.parse(Direction::ToServer, bytes(kClientHello), small);
  EXPECT_TRUE(small.has_anomaly("tls.handshake_too_large"));
}

TEST(TlsParser, Probe) {
  EXPECT_EQ(probe(Direction::ToServer, bytes(kClientHello)), ProbeResult::Match);
  EXPECT_EQ(probe(Direction::ToClient, bytes(kServerHello12)), ProbeResult::Match);
  for (size_t n = 0; n < 6; ++n)
    EXPECT_EQ(probe(Direction::ToServer, Bytes(kClientHello.data(), n)), ProbeResult::NeedMore);
  const uint8_t http[] = {'G', 'E', 'T', ' '};
  EXPECT_EQ(probe(Direction::ToServer, http), ProbeResult::NoMatch);
  const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02};
  EXPECT_EQ(probe(Direction::ToServer, alert), ProbeResult::NoMatch);
  const uint8_t ssh[] = {'S', 'S', 'H', '-'};
  EXPECT_EQ(probe(Direction::ToServer, ssh), ProbeResult::NoMatch);
}

TEST(TlsParser, CreatedInTheFlowArena) {
  Ctx ctx;
  Parser* p = create(ctx);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->parse(Direction::ToServer, bytes(kClientHello), ctx).status, ParseStatus::Ok);
  EXPECT_EQ(kSpec.proto, Proto::Tls);
  EXPECT_STREQ(kSpec.event_type, "tls");
}


TEST(TlsParser, VersionNamesOfTls13Drafts) {
  // RFC 8446 appendix D: drafts were 0x7f00 + draft number; Suricata's names.
  EXPECT_EQ(version_name(0x7f0e), "TLS 1.3 draft-<16");
  EXPECT_EQ(version_name(0x7f12), "TLS 1.3 draft-18");
  EXPECT_EQ(version_name(0x7f1c), "TLS 1.3 draft-28");
  EXPECT_EQ(version_name(kTls13), "TLS 1.3");
  EXPECT_EQ(version_name(kTls12), "TLS 1.2");
  EXPECT_EQ(version_name(0x1234), "UNDETERMINED");
}

// draft-ietf-tls-tls13-18 4.1.3: ServerHello { version 0x7f12, random, cipher_suite,
// extensions } (no session id echo, no compression method): the draft is the version.
TEST(TlsParser, EarlyDraftServerHello) {
  Vec hello = {0x7f, 0x12};                       // version: draft 18
  for (int i = 0; i < 32; ++i) hello.push_back(uint8_t(i));  // random
  hello.insert(hello.end(), {0x13, 0x01});        // cipher_suite TLS_AES_128_GCM_SHA256
  hello.insert(hello.end(), {0x00, 0x00});        // extensions: none
  Vec hs = {2};                                   // server_hello
  put24(hs, hello.size());
  hs.insert(hs.end(), hello.begin(), hello.end());
  Ctx ctx;
  TlsParser p;
  p.parse(Direction::ToServer, bytes(kClientHello), ctx);
  p.parse(Direction::ToClient, bytes(record(22, hs)), ctx);
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_TRUE(ctx.anomalies.empty());
  EXPECT_EQ(ctx.txs[0].version, 0x7f12);
  EXPECT_EQ(ctx.txs[0].cipher, 0x1301);
  EXPECT_NE(eve(ctx.txs[0]).find("\"version\":\"TLS 1.3 draft-18\""), std::string::npos);
}

// RFC 5246 7.4.1.3: a ServerHello echoing the client's session id resumes the session (no
// Certificate follows): session_resumed, as Suricata logs it.
TEST(TlsParser, SessionResumedWhenTheServerEchoesTheSessionId) {
  Vec ch = kClientHello;
  const uint8_t sid[4] = {0xde, 0xad, 0xbe, 0xef};
  ch[43] = 4;  // legacy_session_id length (5 record + 4 handshake + 2 version + 32 random)
  ch.insert(ch.begin() + 44, std::begin(sid), std::end(sid));
  ch[4] = uint8_t(ch[4] + 4);  // record length (fits in its low byte)
  ch[8] = uint8_t(ch[8] + 4);  // handshake length
  auto server = [&](const uint8_t* echo) {
    Vec hello = {0x03, 0x03};                                   // server_version TLS 1.2
    for (int i = 0; i < 32; ++i) hello.push_back(uint8_t(i));  // random
    hello.push_back(4);
    hello.insert(hello.end(), echo, echo + 4);  // session_id
    hello.insert(hello.end(), {0xc0, 0x2f, 0x00});  // cipher_suite, compression_method
    Vec hs = {2};
    put24(hs, hello.size());
    hs.insert(hs.end(), hello.begin(), hello.end());
    Vec out = record(22, hs);
    Vec ccs = record(20, {1});
    out.insert(out.end(), ccs.begin(), ccs.end());
    return out;
  };
  const uint8_t other[4] = {1, 2, 3, 4};
  for (const uint8_t* echo : {sid, other}) {
    Ctx ctx;
    TlsParser p;
    p.parse(Direction::ToServer, bytes(ch), ctx);
    p.parse(Direction::ToClient, bytes(server(echo)), ctx);
    p.finish(Direction::ToClient, ctx);
    ASSERT_EQ(ctx.txs.size(), 1u);
    EXPECT_TRUE(ctx.anomalies.empty());
    bool resumed = echo == sid;
    EXPECT_EQ(ctx.txs[0].session_resumed, resumed);
    EXPECT_EQ(eve(ctx.txs[0]).find("\"session_resumed\":true") != std::string::npos, resumed);
  }
}

// RFC 8446 4.1.4 / D.4: a HelloRetryRequest, the dummy ChangeCipherSpec after it, then the
// real ServerHello: the session is reported with the ServerHello, not at that CCS.
TEST(TlsParser, HelloRetryRequestThenCcsThenServerHello) {
  static const uint8_t kHrr[32] = {0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
                                   0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
                                   0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
  Vec hrr(kServerHello13.begin(), kServerHello13.begin() + 55);  // the ServerHello record
  std::copy(std::begin(kHrr), std::end(kHrr), hrr.begin() + 11);  // its random
  Vec ccs = record(20, {1});
  hrr.insert(hrr.end(), ccs.begin(), ccs.end());
  Ctx ctx;
  TlsParser p;
  p.parse(Direction::ToServer, bytes(kClientHello), ctx);
  p.parse(Direction::ToClient, bytes(hrr), ctx);
  EXPECT_TRUE(ctx.txs.empty());
  p.parse(Direction::ToClient, bytes(kServerHello13), ctx);
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_TRUE(ctx.txs[0].server_hello);
  EXPECT_EQ(ctx.txs[0].version, kTls13);
  EXPECT_TRUE(ctx.anomalies.empty());
}

// PKCS#9 emailAddress in a DN is "Email" as Suricata prints it.
TEST(TlsParser, EmailAddressInDnIsEmail) {
  Ctx ctx;
  run(kClientHello, server_flight(make_cert("it@example.com")), 0, 0, ctx);
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_EQ(ctx.txs[0].subject.view(),
            "C=US, O=Example Hospital, CN=example.com, Email=it@example.com");
}

// Drafts before 16 put 0x0304 in the ClientHello and ServerHello version fields, and the
// ServerHello had no session id echo nor compression method: "TLS 1.3 draft-<16".
TEST(TlsParser, PreDraft16VersionField) {
  Vec ch = kClientHello;
  ch[9] = 0x03;
  ch[10] = 0x04;  // legacy_version 0x0304
  Vec hello = {0x03, 0x04};
  for (int i = 0; i < 32; ++i) hello.push_back(uint8_t(i));
  hello.insert(hello.end(), {0x13, 0x01, 0x00, 0x00});  // cipher_suite, no extensions
  Vec hs = {2};
  put24(hs, hello.size());
  hs.insert(hs.end(), hello.begin(), hello.end());
  Ctx ctx;
  TlsParser p;
  p.parse(Direction::ToServer, bytes(ch), ctx);
  p.parse(Direction::ToClient, bytes(record(22, hs)), ctx);
  ASSERT_EQ(ctx.txs.size(), 1u);
  EXPECT_TRUE(ctx.anomalies.empty());
  EXPECT_EQ(ctx.txs[0].version, kTls13PreDraft16);
  EXPECT_EQ(ctx.txs[0].cipher, 0x1301);
  EXPECT_NE(eve(ctx.txs[0]).find("\"version\":\"TLS 1.3 draft-<16\""), std::string::npos);
  EXPECT_EQ(ctx.txs[0].ja3s_string.view().substr(0, 4), "772,");  // the field as sent
}


uint64_t stat(Ctx& ctx, std::string_view name) { return ctx.arena().budget()->stats().value(name); }

// The same certificate on a second connection of the same worker (the same arena budget) comes
// from the certificate cache: the same fields and EVE object as when it was parsed, counted
// as a hit; another worker has its own cache.
TEST(TlsCertCache, RepeatedCertificateGivesTheSameTransaction) {
  Vec cert = make_cert("cache@example.com");
  Vec flight = server_flight(cert);
  Ctx ctx;
  for (int conn = 0; conn < 2; ++conn) {
    TlsParser p;
    EXPECT_EQ(p.parse(Direction::ToServer, bytes(kClientHello), ctx).status, ParseStatus::Ok);
    EXPECT_EQ(p.parse(Direction::ToClient, bytes(flight), ctx).status, ParseStatus::Ok);
  }
  ASSERT_EQ(ctx.txs.size(), 2u);
  EXPECT_EQ(stat(ctx, "tls.cert_cache.miss"), 1u);
  EXPECT_EQ(stat(ctx, "tls.cert_cache.hit"), 1u);
  EXPECT_EQ(eve(ctx.txs[1]), eve(ctx.txs[0]));
  EXPECT_EQ(ctx.txs[1].subject.view(),
            "C=US, O=Example Hospital, CN=example.com, Email=cache@example.com");
  EXPECT_EQ(ctx.txs[1].sans.count, 2);
  // Another certificate is parsed, not taken for the cached one.
  TlsParser p;
  Vec other = server_flight(make_cert());
  p.parse(Direction::ToServer, bytes(kClientHello), ctx);
  p.parse(Direction::ToClient, bytes(other), ctx);
  ASSERT_EQ(ctx.txs.size(), 3u);
  EXPECT_NE(eve(ctx.txs[2]), eve(ctx.txs[0]));
  EXPECT_EQ(stat(ctx, "tls.cert_cache.miss"), 2u);
  // Another worker.
  Ctx worker2;
  run(kClientHello, flight, 0, 0, worker2);
  EXPECT_EQ(stat(worker2, "tls.cert_cache.miss"), 1u);
  EXPECT_EQ(stat(worker2, "tls.cert_cache.hit"), 0u);
  ASSERT_EQ(worker2.txs.size(), 1u);
  EXPECT_EQ(eve(worker2.txs[0]), eve(ctx.txs[0]));
}

// A certificate that does not parse is not cached: its anomaly comes every time.
TEST(TlsCertCache, InvalidCertificateIsNotCached) {
  Vec bad = make_cert();
  bad[bad.size() / 2] ^= 0xff;
  bad.resize(bad.size() - 10);
  Ctx ctx;
  for (int i = 0; i < 2; ++i) {
    TlsParser p;
    p.parse(Direction::ToServer, bytes(kClientHello), ctx);
    p.parse(Direction::ToClient, bytes(server_flight(bad)), ctx);
    EXPECT_EQ(ctx.anomalies.size(), size_t(i + 1));
  }
  EXPECT_EQ(stat(ctx, "tls.cert_cache.hit"), 0u);
}

// Bounded: kEntries entries, the least recently used replaced; DER over kMaxDer not kept.
TEST(TlsCertCache, LeastRecentlyUsedIsReplaced) {
  StatsBlock stats;
  CertCache c(stats);
  auto der = [](size_t i, size_t n = 100) {
    Vec v(n, uint8_t(i));
    v[0] = uint8_t(i >> 8);
    return v;
  };
  CertInfo info;
  std::vector<Vec> ders;
  for (size_t i = 0; i < CertCache::kEntries; ++i) ders.push_back(der(i));
  for (size_t i = 0; i < ders.size(); ++i) {
    EXPECT_EQ(c.find(bytes(ders[i])), nullptr);
    info.subject.assign("CN=" + std::to_string(i));
    c.put(bytes(ders[i]), info);
  }
  EXPECT_EQ(c.evictions(), 0u);
  ASSERT_NE(c.find(bytes(ders[0])), nullptr);  // 0 is now the most recently used; 1 the least
  EXPECT_EQ(c.find(bytes(ders[0]))->subject.view(), "CN=0");
  Vec extra = der(1000);
  c.put(bytes(extra), info);
  EXPECT_EQ(c.evictions(), 1u);
  EXPECT_EQ(c.find(bytes(ders[1])), nullptr);
  EXPECT_NE(c.find(bytes(ders[0])), nullptr);
  EXPECT_NE(c.find(bytes(ders[2])), nullptr);
  // Same length, one byte different: not the cached entry.
  Vec near = ders[2];
  near.back() ^= 1;
  EXPECT_EQ(c.find(bytes(near)), nullptr);
  Vec big = der(7, CertCache::kMaxDer + 1);
  c.put(bytes(big), info);
  EXPECT_EQ(c.find(bytes(big)), nullptr);
  EXPECT_EQ(c.evictions(), 1u);
  EXPECT_EQ(stats.value("tls.cert_cache.evicted"), 1u);
}

}  // namespace
}  // namespace ww::app::tls
