// libFuzzer driver for the Telnet parser, through the real app layer (port 23 hint).
//
// Input: records of [flags u8][len u16be][payload]:
//   flags bit 0: direction (1 = to client); bit 1: a gap of `len` bytes instead of data;
//   bit 3: feed one byte at a time.
#include <cstddef>
#include <cstdint>

#include "app/telnet/parser.h"
#include "app/test_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ww;
  app::test::Harness h(ipproto::kTcp, 40000, 23);
  ByteReader r(data, size);
  while (r.remaining() >= 3) {
    uint8_t flags = r.u8();
    uint16_t len = r.u16be();
    Direction d = (flags & 1) ? Direction::ToClient : Direction::ToServer;
    if (flags & 2) {
      h.app->on_gap(h.f, d, len);
      continue;
    }
    Bytes b = r.bytes(std::min<size_t>(len, r.remaining()));
    if (flags & 8)
      h.data_split(d, b, 1);
    else
      h.data(d, b);
  }
  h.end();
  return 0;
}
