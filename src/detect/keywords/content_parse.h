// Content pattern decoding, shared by content and the matcher tests.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace ww::detect::kw {
// `[!]"text|0d 0a|"` -> bytes; sets *negated for a leading '!'.
Result<std::string> decode_content(std::string_view arg, bool* negated);
}  // namespace ww::detect::kw
