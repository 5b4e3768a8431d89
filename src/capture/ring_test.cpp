#include "capture/ring.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace ww::capture {
namespace {

struct Entry {
  SpscRing::EntryHeader h;
  uint64_t seq;
  uint32_t payload_len;
};

// Writes entries of varying sizes (forcing wrap-arounds) from one thread and checks, in
// another, that every entry arrives once, in order, with its payload intact.
TEST(SpscRing, TransfersVariableEntriesInOrderAcrossThreads) {
  SpscRing ring(16 * 1024);
  constexpr uint64_t kCount = 200000;
  std::thread consumer([&] {
    uint64_t expect = 0;
    while (expect < kCount) {
      auto* h = ring.peek();
      if (!h) {
        ring.release();
        std::this_thread::yield();
        continue;
      }
      auto* e = reinterpret_cast<const Entry*>(h);
      ASSERT_EQ(e->seq, expect);
      const uint8_t* payload = reinterpret_cast<const uint8_t*>(e + 1);
      for (uint32_t i = 0; i < e->payload_len; ++i) ASSERT_EQ(payload[i], uint8_t(expect + i));
      ring.pop(h);
      ++expect;
    }
    ring.release();
  });
  for (uint64_t i = 0; i < kCount; ++i) {
    uint32_t len = static_cast<uint32_t>((i * 7919) % 1500);
    uint8_t* p;
    while (!(p = ring.reserve(sizeof(Entry) + len))) {
      ring.publish();
      std::this_thread::yield();
    }
    auto* e = reinterpret_cast<Entry*>(p);
    e->h.kind = 1;
    e->seq = i;
    e->payload_len = len;
    auto* payload = reinterpret_cast<uint8_t*>(e + 1);
    for (uint32_t k = 0; k < len; ++k) payload[k] = uint8_t(i + k);
    ring.commit();
  }
  ring.publish();
  consumer.join();
}

TEST(SpscRing, ReportsFullInsteadOfOverwriting) {
  SpscRing ring(4096);
  int written = 0;
  while (ring.reserve(1000)) {
    ring.commit();
    ++written;
  }
  EXPECT_EQ(written, 4);  // 4 x 1024 aligned bytes fill 4096
  ring.publish();
  auto* h = ring.peek();
  ASSERT_NE(h, nullptr);
  ring.pop(h);
  ring.release();
  EXPECT_NE(ring.reserve(1000), nullptr);
}

}  // namespace
}  // namespace ww::capture
