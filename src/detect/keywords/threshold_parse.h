// "type limit, track by_src, count 1, seconds 60": shared by the threshold keyword and
// threshold.config.
#pragma once

#include <string_view>

#include "core/result.h"
#include "detect/rule.h"

namespace ww::detect::kw {
Result<Threshold> parse_threshold_args(std::string_view arg, bool is_detection_filter);
}
