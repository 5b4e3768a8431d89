// Rule buffers of a TLS transaction. One transaction carries both sides of the handshake, so
// every buffer that was seen is exposed whatever the direction asked for (the client-side
// buffers tls.sni/ja3/ja4 and the server-side certificate/ja3s buffers are distinct ids).
#include "app/tls/parser.h"
#include "detect/match.h"

namespace ww::app::tls {
namespace {

Bytes b(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

void buffers(const void* p, Direction d, detect::InspectBuffers& out) noexcept {
  using detect::BufferId;
  const Tx& tx = *static_cast<const Tx*>(p);
  if (tx.client_hello) {
    if (!tx.sni.empty()) out.set(BufferId::TlsSni, b(tx.sni.view()));
    out.set(BufferId::Ja3String, b(tx.ja3()));
    out.set(BufferId::Ja3Hash, b(tx.ja3_hash.view()));
    out.set(BufferId::Ja4Hash, b(tx.ja4.view()));
  }
  if (tx.server_hello) {
    out.set(BufferId::Ja3sString, b(tx.ja3s_string.view()));
    out.set(BufferId::Ja3sHash, b(tx.ja3s_hash.view()));
  }
  if (tx.has_cert) {
    out.set(BufferId::TlsCertSubject, b(tx.subject.view()));
    out.set(BufferId::TlsCertIssuer, b(tx.issuer.view()));
    out.set(BufferId::TlsCertSerial, b(tx.serial.view()));
    out.set(BufferId::TlsCertFingerprint, b(tx.fingerprint.view()));
  }
}

}  // namespace ww::app::tls
