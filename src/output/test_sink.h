// Test helper: an EVE output whose only sink keeps what it is given in memory.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "output/eve.h"

namespace ww::output::test {

class MemorySink final : public Sink {
 public:
  void write(std::string_view lines) noexcept override { data.append(lines); }
  std::string data;
};

// `out` writes to `mem` (owned by `out`).
struct MemoryOutput {
  explicit MemoryOutput(const EveOutputConfig& cfg = {}) : out(cfg) {
    auto s = std::make_unique<MemorySink>();
    mem = s.get();
    out.add_sink(std::move(s));
  }
  EveOutput out;
  MemorySink* mem = nullptr;
};

}  // namespace ww::output::test
