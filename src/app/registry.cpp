// The parser registry: one line per protocol. Earlier entries are probed first when no port
// hint applies. Each protocol's parser.h declares `extern const ParserSpec kSpec;`.
#include <iterator>

#include "app/dcerpc/parser.h"
#include "app/dhcp/parser.h"
#include "app/dns/parser.h"
#include "app/fhir/parser.h"
#include "app/ftp/data.h"
#include "app/ftp/parser.h"
#include "app/http/parser.h"
#include "app/dicom/parser.h"
#include "app/hl7/parser.h"
#include "app/parser.h"
#include "app/smb/parser.h"
#include "app/smtp/parser.h"
#include "app/ssh/parser.h"
#include "app/telnet/parser.h"
#include "app/tls/parser.h"

namespace ww::app {
namespace {

// A null entry ends the list (and keeps the array non-empty while it has no protocol).
const ParserSpec* const kSpecs[] = {
    &http::kSpec,
    &dns::kSpec,
    &tls::kSpec,
    &ssh::kSpec,
    &hl7::kSpec,
    &dicom::kSpec,
    &smb::kSpec,
    &dcerpc::kSpec,
    &smtp::kSpec,
    &ftp::kSpec,
    &fhir::kSpec,
    &dhcp::kSpec,
    &telnet::kSpec,
    &ftp::kDataSpec,
    nullptr,
};

}  // namespace

std::span<const ParserSpec* const> parser_specs() noexcept {
  return {kSpecs, std::size(kSpecs) - 1};
}

const ParserSpec* parser_spec(Proto p) noexcept {
  for (const ParserSpec* s : parser_specs())
    if (s->proto == p) return s;
  return nullptr;
}

}  // namespace ww::app
