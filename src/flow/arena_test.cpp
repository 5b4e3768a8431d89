#include "flow/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ww::flow {
namespace {

TEST(Arena, BumpAllocatesAlignedAndAccounts) {
  StatsBlock stats;
  ArenaBudget budget(stats, 1 << 20);
  {
    Arena a(&budget, 64 << 10);
    EXPECT_EQ(a.reserved(), 0u);  // lazy
    auto* p1 = static_cast<uint8_t*>(a.alloc(3, 1));
    auto* p2 = a.alloc(8, 8);
    ASSERT_NE(p1, nullptr);
    ASSERT_NE(p2, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p2) % 8, 0u);
    EXPECT_GE(static_cast<uint8_t*>(p2), p1 + 3);
    EXPECT_GT(a.reserved(), 0u);
    EXPECT_EQ(budget.used(), a.reserved());
    EXPECT_EQ(stats.value("flow.arena.memuse"), a.reserved());
    // Many allocations grow blocks; a big one gets its own block.
    for (int i = 0; i < 1000; ++i) ASSERT_NE(a.alloc(16), nullptr);
    void* big = a.alloc(20000);
    ASSERT_NE(big, nullptr);
    std::memset(big, 0xab, 20000);
    EXPECT_EQ(budget.used(), a.reserved());
  }
  EXPECT_EQ(budget.used(), 0u);  // freed at once
  EXPECT_EQ(stats.value("flow.arena.memuse"), 0u);
}

TEST(Arena, PerFlowCap) {
  StatsBlock stats;
  ArenaBudget budget(stats, 1 << 20);
  Arena a(&budget, 4096);
  size_t got = 0;
  while (a.alloc(100)) got += 100;
  EXPECT_GT(got, 3000u);
  EXPECT_LE(a.reserved(), 4096u);
  EXPECT_GE(stats.value("flow.arena.flowcap_hit"), 1u);
  EXPECT_EQ(a.alloc(5000), nullptr);
  a.reset();
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_NE(a.alloc(100), nullptr);  // usable again after reset
}

TEST(Arena, GlobalMemcapSharedByArenas) {
  StatsBlock stats;
  ArenaBudget budget(stats, 3000);
  Arena a(&budget, 1 << 20), b(&budget, 1 << 20);
  ASSERT_NE(a.alloc(1500), nullptr);
  EXPECT_EQ(b.alloc(1500), nullptr);
  EXPECT_EQ(stats.value("flow.arena.memcap_hit"), 1u);
  a.reset();
  EXPECT_NE(b.alloc(1500), nullptr);
}

TEST(Arena, UnboundRefuses) {
  Arena a;
  EXPECT_EQ(a.alloc(1), nullptr);
  EXPECT_FALSE(a.bound());
}

struct Tracked {
  int* counter;
  std::string s;  // non-trivial destructor
  explicit Tracked(int* c) noexcept : counter(c), s(40, 'x') {}
  ~Tracked() { ++*counter; }
};

TEST(Arena, MakeRunsDestructorsAtReset) {
  StatsBlock stats;
  ArenaBudget budget(stats, 1 << 20);
  int destroyed = 0;
  Arena a(&budget, 1 << 16);
  for (int i = 0; i < 10; ++i) ASSERT_NE(a.make<Tracked>(&destroyed), nullptr);
  auto* v = a.make<uint64_t>(42u);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(*v, 42u);
  EXPECT_EQ(destroyed, 0);
  a.reset();
  EXPECT_EQ(destroyed, 10);
}

TEST(Arena, CopyAndArrays) {
  StatsBlock stats;
  ArenaBudget budget(stats, 1 << 20);
  Arena a(&budget, 1 << 16);
  const uint8_t src[] = {1, 2, 3, 4};
  auto c = a.copy(src);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[3], 4);
  auto* arr = a.alloc_array<uint32_t>(100);
  ASSERT_NE(arr, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(arr) % alignof(uint32_t), 0u);
  EXPECT_EQ(a.alloc_array<uint64_t>(SIZE_MAX / 4), nullptr);
}


// Blocks freed by reset() are kept by the budget (per worker) and reused by the next flows;
// the cache is bounded and outside the reserved figure.
TEST(Arena, FreedBlocksAreReusedByTheNextFlow) {
  StatsBlock stats;
  ArenaBudget budget(stats, 1 << 20);
  {
    Arena a(&budget, 64 << 10);
    for (int i = 0; i < 200; ++i) ASSERT_NE(a.alloc(16), nullptr);  // 1 KiB, 2 KiB, 4 KiB blocks
    EXPECT_EQ(stats.value("flow.arena.blocks_allocated"), 3u);
    EXPECT_EQ(stats.value("flow.arena.blocks_reused"), 0u);
  }
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_EQ(budget.cached_bytes(), 7u * 1024);
  {
    Arena b(&budget, 64 << 10);
    auto* p = static_cast<uint8_t*>(b.alloc(100));
    ASSERT_NE(p, nullptr);
    std::memset(p, 0x5a, 100);
    EXPECT_EQ(stats.value("flow.arena.blocks_reused"), 1u);  // the 1 KiB block
    EXPECT_EQ(budget.cached_bytes(), 6u * 1024);
    EXPECT_EQ(budget.used(), b.reserved());
    void* odd = b.alloc(5000);  // a block of its own, not of the series' sizes: not cached
    ASSERT_NE(odd, nullptr);
  }
  EXPECT_EQ(budget.cached_bytes(), 7u * 1024);
  // Bounded: many flows' blocks at once keep at most kBlockCacheBytes.
  {
    std::vector<std::unique_ptr<Arena>> flows;
    for (int i = 0; i < 100; ++i) {
      flows.push_back(std::make_unique<Arena>(&budget, 64 << 10));
      for (int k = 0; k < 200; ++k) ASSERT_NE(flows.back()->alloc(16), nullptr);
    }
  }
  EXPECT_LE(budget.cached_bytes(), ArenaBudget::kBlockCacheBytes);
  EXPECT_GT(budget.cached_bytes(), ArenaBudget::kBlockCacheBytes - 16 * 1024);
  EXPECT_EQ(budget.used(), 0u);
}
// Per-worker state of later stages: one slot per tag, the same slot for the same tag, deleted
// with the budget; past kExtensionSlots tags, none.
TEST(ArenaBudget, ExtensionSlotsByTag) {
  struct State : ArenaBudget::Extension {
    explicit State(int* deleted) : deleted(deleted) {}
    ~State() override { ++*deleted; }
    int* deleted;
  };
  int deleted = 0;
  static const char kTags[ArenaBudget::kExtensionSlots + 1] = {};
  {
    StatsBlock stats;
    ArenaBudget budget(stats, 1 << 20);
    auto* a = budget.extension(&kTags[0]);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(*a, nullptr);
    *a = std::make_unique<State>(&deleted);
    EXPECT_EQ(budget.extension(&kTags[0]), a);
    for (size_t i = 1; i < ArenaBudget::kExtensionSlots; ++i) {
      auto* other = budget.extension(&kTags[i]);
      ASSERT_NE(other, nullptr);
      EXPECT_NE(other, a);
      EXPECT_EQ(*other, nullptr);
    }
    EXPECT_EQ(budget.extension(&kTags[ArenaBudget::kExtensionSlots]), nullptr);
    EXPECT_EQ(budget.extension(&kTags[0])->get(), a->get());
    EXPECT_EQ(deleted, 0);
  }
  EXPECT_EQ(deleted, 1);
}

}  // namespace
}  // namespace ww::flow
