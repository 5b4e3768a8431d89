// libFuzzer driver for the dicom parser. Input: byte 0 = chunk size - 1 (bytes are fed in chunks
// of that size: split points vary), then records [direction (bit 0), length (2, big endian),
// bytes] until the end; finish() on both directions at the end. Seeds: fuzz/app_dicom/seeds
// (conversations from the corpus captures, made by fuzz/make_tcp_seeds.py).
#include <cstddef>
#include <cstdint>

#include "app/dicom/parser.h"
#include "app/test_ctx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ww;
  if (size < 1) return 0;
  size_t step = size_t(data[0]) + 1;
  app::testing::FakeCtx ctx(app::dicom::kSpec);
  if (!ctx.parser()) return 0;
  size_t i = 1;
  while (i + 3 <= size) {
    Direction d = (data[i] & 1) ? Direction::ToClient : Direction::ToServer;
    size_t len = size_t(data[i + 1]) << 8 | data[i + 2];
    i += 3;
    if (len > size - i) len = size - i;
    ctx.feed(d, Bytes(data + i, len), step);
    i += len;
  }
  ctx.parser()->finish(Direction::ToServer, ctx);
  ctx.parser()->finish(Direction::ToClient, ctx);
  return 0;
}
