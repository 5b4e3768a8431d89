// Rule buffers and keywords of a DNS message (each message is its transaction, in its own
// direction), as Suricata 8 has them:
//   dns.query               the questions' names of a query (to server only)
//   dns.queries.rrname      the questions' names, queries and responses (multi-buffer)
//   dns.answers.rrname      the answer records' names (a query may carry answers too)
//   dns.authorities.rrname  the authority records' names
//   dns.additionals.rrname  the additional records' names
//   dns.response.rrname     in a response: the questions' names, every record's name and the
//                           names its rdata holds (CNAME, PTR, NS, MX, SRV targets, SOA names)
//   dns.opcode, dns.rcode, dns.rrtype  header and type values (check(): Suricata's integer
//                           syntax; dns.rrtype tests the questions, and a response's records)
#include <string_view>

#include "app/dns/parser.h"
#include "detect/keywords/util.h"
#include "detect/match.h"

namespace ww::app::dns {

namespace {

Bytes as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// True for types whose rdata decodes to a name (Record::rdata, and rdata2 for SOA).
bool rdata_is_name(uint16_t t) noexcept {
  switch (t) {
    case rrtype::kCname:
    case rrtype::kNs:
    case rrtype::kPtr:
    case rrtype::kDname:
    case rrtype::kMx:
    case rrtype::kSrv:
    case rrtype::kSoa:
    case rrtype::kSvcb:
    case rrtype::kHttps: return true;
    default: return false;
  }
}

}  // namespace

void buffers(const void* p, Direction d, detect::InspectBuffers& out) noexcept {
  using detect::BufferId;
  const auto& m = *static_cast<const Message*>(p);
  for (uint32_t i = 0; i < m.query_count; ++i) {
    Bytes q = as_bytes(m.str(m.queries[i].name));
    if (!m.response && d == Direction::ToServer) out.add(BufferId::DnsQuery, q);
    out.add(BufferId::DnsQueriesRrname, q);
    if (m.response) out.add(BufferId::DnsResponseRrname, q);
  }
  for (uint32_t i = 0; i < m.record_count; ++i) {
    const Record& r = m.records[i];
    Bytes name = as_bytes(m.str(r.name));
    BufferId id = r.section == Section::Answer      ? BufferId::DnsAnswersRrname
                  : r.section == Section::Authority ? BufferId::DnsAuthoritiesRrname
                                                    : BufferId::DnsAdditionalsRrname;
    out.add(id, name);
    if (!m.response) continue;
    out.add(BufferId::DnsResponseRrname, name);
    if (r.has_rdata && rdata_is_name(r.type)) {
      out.add(BufferId::DnsResponseRrname, as_bytes(m.str(r.rdata)));
      if (r.type == rrtype::kSoa) out.add(BufferId::DnsResponseRrname, as_bytes(m.str(r.rdata2)));
    }
  }
}

bool check(const void* p, Direction, std::string_view keyword, std::string_view value) noexcept {
  const auto& m = *static_cast<const Message*>(p);
  auto cmp = detect::kw::parse_num_cmp(value, 65535);  // validated when the rule loaded
  if (!cmp) return false;
  if (keyword == "dns.opcode") return cmp->match(m.opcode);
  if (keyword == "dns.rcode") return cmp->match(m.rcode);
  if (keyword == "dns.rrtype") {
    for (uint32_t i = 0; i < m.query_count; ++i)
      if (cmp->match(m.queries[i].type)) return true;
    if (m.response)
      for (uint32_t i = 0; i < m.record_count; ++i)
        if (cmp->match(m.records[i].type)) return true;
    return false;
  }
  return false;
}

}  // namespace ww::app::dns
