// libFuzzer driver for the DCE/RPC over TCP parser, through the real app layer (port 135 hint).
//
// Input: records of [flags u8][len u16be][payload] (app::test::Harness::feed_records).
#include <cstddef>
#include <cstdint>

#include "app/dcerpc/parser.h"
#include "app/test_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ww::app::test::Harness h(ww::ipproto::kTcp, 40000, 135);
  h.feed_records(data, size);
  return 0;
}
