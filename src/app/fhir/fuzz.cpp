// libFuzzer driver for FHIR over HTTP, through the real app layer (HTTP parser, then the FHIR
// derivation, EVE and rule buffers). Input: byte 0 = chunk size - 1 (bit 7 of byte 0 also
// turns PHI redaction off, so both EVE paths are fuzzed), then records [direction (bit 0),
// length (2, big endian), bytes] until the end; the flow is closed at the end.
// Seeds: fuzz/app_fhir/seeds (made by fuzz/app_fhir/make_seeds.py and from simulator captures
// with fuzz/make_tcp_seeds.py).
#include <cstddef>
#include <cstdint>

#include "app/fhir/parser.h"
#include "app/redact.h"
#include "app/test_harness.h"
#include "detect/match.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ww;
  if (size < 1) return 0;
  size_t step = size_t(data[0] & 0x7f) + 1;
  app::set_redact_phi(!(data[0] & 0x80));
  app::test::Harness h(ipproto::kTcp, 40000, 8080);
  h.on_tx = [](const app::ParserSpec& spec, const void* tx, uint64_t, Direction d) {
    detect::InspectBuffers b;
    spec.buffers(tx, d, b);
  };
  size_t i = 1;
  while (i + 3 <= size) {
    Direction d = (data[i] & 1) ? Direction::ToClient : Direction::ToServer;
    size_t len = size_t(data[i + 1]) << 8 | data[i + 2];
    i += 3;
    if (len > size - i) len = size - i;
    h.data_split(d, Bytes(data + i, len), step);
    i += len;
  }
  h.end();
  app::set_redact_phi(true);
  return 0;
}
