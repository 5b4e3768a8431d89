// libFuzzer driver for the SMTP parser, through the real app layer (port 25 hint).
//
// Input: records of [flags u8][len u16be][payload] (app::test::Harness::feed_records).
#include <cstddef>
#include <cstdint>

#include "app/smtp/parser.h"
#include "app/test_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ww::app::test::Harness h(ww::ipproto::kTcp, 40000, 25);
  h.feed_records(data, size);
  return 0;
}
