// libFuzzer driver for the DNS parser, through the real app layer.
//
// Input: [mode u8] then records of [flags u8][len u16be][payload]:
//   mode bit 0: TCP (stream with 2-byte length framing) instead of UDP (one datagram each);
//   mode bit 1: EVE dns version 3 instead of 2;
//   flags bit 0: direction (1 = to client); bit 1 (TCP): a gap of `len` bytes instead of data;
//   bit 3 (TCP): feed one byte at a time.
#include <cstddef>
#include <cstdint>

#include "app/dns/parser.h"
#include "app/test_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ww;
  if (size < 1) return 0;
  bool tcp = data[0] & 1;
  app::dns::set_eve_version(data[0] & 2 ? 3 : 2);
  app::test::Harness h(tcp ? ipproto::kTcp : ipproto::kUdp, 40000, 53);
  ByteReader r(data + 1, size - 1);
  while (r.remaining() >= 3) {
    uint8_t flags = r.u8();
    uint16_t len = r.u16be();
    Direction d = (flags & 1) ? Direction::ToClient : Direction::ToServer;
    if (tcp && (flags & 2)) {
      h.app->on_gap(h.f, d, len);
      continue;
    }
    Bytes b = r.bytes(std::min<size_t>(len, r.remaining()));
    if (!tcp)
      h.datagram(d, b);
    else if (flags & 8)
      h.data_split(d, b, 1);
    else
      h.data(d, b);
  }
  h.end();
  return 0;
}
