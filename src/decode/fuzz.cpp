// libFuzzer driver for decode: the first input byte picks the link type, the rest is the frame.
// Fragments go to a Defragmenter that lives across inputs (small memcap, so eviction and
// timeouts are exercised too). Checks the invariants later stages rely on: every offset and
// length the decoder reports stays inside the frame, and the defragmenter's memory stays under
// its cap.
#include <cstdint>
#include <cstdlib>

#include "core/packet.h"
#include "core/stats.h"
#include "decode/decoder.h"
#include "decode/defrag.h"

namespace {

constexpr uint32_t kLinktypes[] = {
    ww::linktype::kEthernet, ww::linktype::kRaw,      ww::linktype::kNull,
    ww::linktype::kLoop,     ww::linktype::kLinuxSll, ww::linktype::kLinuxSll2,
    ww::linktype::kIpv4,     ww::linktype::kIpv6,     ww::linktype::kRaw101,
};

void check(const ww::Packet& p) {
  size_t n = p.caplen;
  if (p.l3_off > n || size_t(p.payload_off) + p.payload_len > n ||
      size_t(p.l4_off) + p.l4_hdr_len > n || p.vlan_count > 2)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ww::StatsBlock stats("fuzz");
  static ww::decode::Decoder decoder(stats, ww::decode::DecodeConfig{.l4_checksum = true});
  static ww::decode::DefragConfig cfg{
      .memcap = 256 * 1024, .max_datagrams = 64, .timeout_usec = 5'000'000};
  static ww::decode::Defragmenter defrag(decoder, stats, cfg);
  static int64_t now = 0;
  if (size == 0) return 0;
  now += 100'000;  // 0.1 s per input

  ww::Packet p;
  p.linktype = kLinktypes[data[0] % (sizeof kLinktypes / sizeof kLinktypes[0])];
  p.data = data + 1;
  p.caplen = p.wirelen = static_cast<uint32_t>(size - 1);
  p.ts = ww::Timestamp{now};
  auto st = decoder.decode(p);
  check(p);
  if (st == ww::decode::DecodeStatus::Fragment) {
    if (!p.is_fragment) std::abort();
    if (const ww::Packet* r = defrag.add(p)) {
      check(*r);
      if (!r->reassembled || r->is_fragment) std::abort();
    }
  }
  if (defrag.memuse() > cfg.memcap) std::abort();
  if ((now / 100'000) % 64 == 0) defrag.expire(ww::Timestamp{now});
  return 0;
}
