// Rule buffers of a TLS transaction. One transaction carries both sides of the handshake, so
// every buffer that was seen is exposed whatever the direction asked for (the client-side
// buffers tls.sni/ja3/ja4 and the server-side certificate/ja3s buffers are distinct ids).
// Multi-buffers (one instance each): tls.certs (each DER certificate of the server's chain),
// tls.subjectaltname (each name of the leaf's subjectAltName), tls.alpn (each ALPN name the
// client offered, then the server's choice).
// The client's certificate (client authentication) is inspected on its own, to_server, when it
// comes (Tx::client_cert_pass): tls.cert_subject/issuer/serial/fingerprint and
// tls.subjectaltname are then the client's.
#include "app/tls/parser.h"
#include "core/byte_reader.h"
#include "detect/match.h"

namespace ww::app::tls {
namespace {

Bytes b(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

void cert_buffers(const CertInfo& c, detect::InspectBuffers& out) noexcept {
  using detect::BufferId;
  out.set(BufferId::TlsCertSubject, b(c.subject.view()));
  out.set(BufferId::TlsCertIssuer, b(c.issuer.view()));
  out.set(BufferId::TlsCertSerial, b(c.serial.view()));
  out.set(BufferId::TlsCertFingerprint, b(c.fingerprint.view()));
  for (size_t i = 0; i < c.sans.count; ++i) out.add(BufferId::TlsSubjectAltName, b(c.sans[i]));
}

}  // namespace

void buffers(const void* p, Direction d, detect::InspectBuffers& out) noexcept {
  using detect::BufferId;
  const Tx& tx = *static_cast<const Tx*>(p);
  if (tx.client_cert_pass) {
    if (d == Direction::ToServer) cert_buffers(tx.client_cert, out);
    return;
  }
  if (tx.client_hello) {
    if (!tx.sni.empty()) out.set(BufferId::TlsSni, b(tx.sni.view()));
    out.set(BufferId::Ja3String, b(tx.ja3()));
    out.set(BufferId::Ja3Hash, b(tx.ja3_hash.view()));
    out.set(BufferId::Ja4Hash, b(tx.ja4.view()));
  }
  for (size_t i = 0; i < tx.client_alpns.count; ++i)
    out.add(BufferId::TlsAlpn, b(tx.client_alpns[i]));
  for (size_t i = 0; i < tx.server_alpns.count; ++i)
    out.add(BufferId::TlsAlpn, b(tx.server_alpns[i]));
  if (tx.server_hello) {
    out.set(BufferId::Ja3sString, b(tx.ja3s_string.view()));
    out.set(BufferId::Ja3sHash, b(tx.ja3s_hash.view()));
  }
  if (tx.has_cert) cert_buffers(tx, out);
  // RFC 5246 7.4.2: ASN.1Cert <1..2^24-1>, back to back.
  ByteReader r(tx.chain, tx.chain ? tx.chain_len : 0);
  while (r.remaining() >= 3) {
    Bytes der = r.bytes(r.u24be());
    if (!r.ok()) break;
    out.add(BufferId::TlsCerts, der);
  }
}

}  // namespace ww::app::tls
