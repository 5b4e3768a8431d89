// libFuzzer driver for the HTTP parser, through the real app layer (detection, replay,
// pending bytes, EVE serialisation into a sink-less output).
//
// Input: records of [flags u8][len u16be][payload]:
//   flags bit 0: direction (1 = to client); bit 1: a gap of `len` bytes instead of data;
//   bit 2: close that direction after this record; bit 3: feed the payload one byte at a time.
// The flow ends (both directions closed, state released) after the last record.
// The first byte of the input also selects options: bit 7 logs header arrays; bit 6 makes the
// flow UDP (SSDP), each record one datagram.
#include <cstdint>
#include <cstddef>

#include "app/http/parser.h"
#include "app/test_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ww;
  bool udp = size > 0 && (data[0] & 0x40);
  app::test::Harness h(udp ? ipproto::kUdp : ipproto::kTcp, 40000, udp ? 1900 : 80);
  app::http::set_log_headers(size > 0 && (data[0] & 0x80));
  ByteReader r(data, size);
  while (r.remaining() >= 3) {
    uint8_t flags = r.u8();
    uint16_t len = r.u16be();
    Direction d = (flags & 1) ? Direction::ToClient : Direction::ToServer;
    if (udp) {
      h.datagram(d, r.bytes(std::min<size_t>(len, r.remaining())));
      continue;
    }
    if (flags & 2) {
      h.app->on_gap(h.f, d, len);
    } else {
      Bytes b = r.bytes(std::min<size_t>(len, r.remaining()));
      if (flags & 8)
        h.data_split(d, b, 1);
      else
        h.data(d, b);
    }
    if (flags & 4) h.app->on_close(h.f, d);
  }
  h.end();
  return 0;
}
