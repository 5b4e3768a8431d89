// Rule buffers a DNS message exposes: dns.query, the first question's name of a query (as in
// Suricata 7, to-server only).
#include "app/dns/parser.h"
#include "detect/match.h"

namespace ww::app::dns {

void buffers(const void* p, Direction d, detect::InspectBuffers& out) noexcept {
  const auto& m = *static_cast<const Message*>(p);
  if (m.response || !m.has_question) return;
  std::string_view q = m.str(m.qname);
  out.set(detect::BufferId::DnsQuery, Bytes(reinterpret_cast<const uint8_t*>(q.data()), q.size()));
}

}  // namespace ww::app::dns
