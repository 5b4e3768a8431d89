// Compiled PCRE2 pattern owned by a Pcre match item.
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <atomic>
#include <memory>
#include <string_view>

#include "core/result.h"
#include "detect/rule.h"

namespace ww::detect {

struct PcreCode {
  pcre2_code* code = nullptr;
  mutable std::atomic<bool> jit_tried{false};
  ~PcreCode() {
    if (code) pcre2_code_free(code);
  }
  // JIT-compiles on first use when the loader did not (thread safe, idempotent).
  void ensure_jit() const;
};

// Compiles `pattern` with PCRE2 options; JIT now when `jit`.
Result<std::shared_ptr<const PcreCode>> compile_pcre(std::string_view pattern, uint32_t options,
                                                     bool jit);

}  // namespace ww::detect
