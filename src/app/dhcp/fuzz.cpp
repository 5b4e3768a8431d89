// libFuzzer driver for the DHCP parser, through the real app layer (UDP, port 67 hint).
//
// Input: records of [flags u8][len u16be][payload]: each payload is one datagram;
//   flags bit 0: direction (1 = to client).
#include <cstddef>
#include <cstdint>

#include "app/dhcp/parser.h"
#include "app/test_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ww;
  app::test::Harness h(ipproto::kUdp, 68, 67);
  ByteReader r(data, size);
  while (r.remaining() >= 3) {
    uint8_t flags = r.u8();
    uint16_t len = r.u16be();
    Direction d = (flags & 1) ? Direction::ToClient : Direction::ToServer;
    h.datagram(d, r.bytes(std::min<size_t>(len, r.remaining())));
  }
  h.end();
  return 0;
}
