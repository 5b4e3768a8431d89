// Test helper: a ParseContext that records transactions (copied) and anomalies, with a real
// flow arena bound to a budget, for the TLS unit, corpus and fuzz drivers.
#pragma once

#include <string>
#include <vector>

#include "app/parser.h"
#include "core/stats.h"
#include "flow/arena.h"
#include "flow/flow.h"

namespace ww::app::testing {

template <typename TxT>
class FakeContext final : public ParseContext {
 public:
  explicit FakeContext(size_t flow_cap = 256u << 10)
      : budget_(stats_, 64u << 20), arena_(&budget_, flow_cap) {}
  flow::Flow& flow() noexcept override { return flow_; }
  flow::Arena& arena() noexcept override { return arena_; }
  void on_transaction(const void* tx, uint64_t tx_id, Direction d) noexcept override {
    txs.push_back(*static_cast<const TxT*>(tx));
    tx_dirs.push_back(d);
  }
  void on_anomaly(const char* event) noexcept override { anomalies.emplace_back(event); }
  bool has_anomaly(std::string_view a) const {
    for (auto& s : anomalies)
      if (s == a) return true;
    return false;
  }

  std::vector<TxT> txs;
  std::vector<Direction> tx_dirs;
  std::vector<std::string> anomalies;

 private:
  StatsBlock stats_;
  flow::ArenaBudget budget_;
  flow::Arena arena_;
  flow::Flow flow_{};
};

}  // namespace ww::app::testing
