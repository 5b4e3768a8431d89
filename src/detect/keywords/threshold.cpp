// threshold and detection_filter: alert rate control (enforced by the detect thresholds stage).
#include "detect/keywords/keywords.h"
#include "detect/keywords/threshold_parse.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {

Result<Threshold> parse_threshold_args(std::string_view arg, bool is_detection_filter) {
  Threshold t;
  bool have_type = is_detection_filter, have_track = false, have_count = false,
       have_seconds = false, have_mult = false;
  for (std::string_view it : split(arg, ',')) {
    size_t sp = it.find(' ');
    if (sp == std::string_view::npos)
      return fail(fmt::format("expected 'name value', got '{}'", it));
    std::string_view word = it.substr(0, sp), val = trim(it.substr(sp + 1));
    if (word == "type" && !is_detection_filter) {
      have_type = true;
      if (val == "limit")
        t.type = Threshold::Type::Limit;
      else if (val == "threshold")
        t.type = Threshold::Type::Threshold;
      else if (val == "both")
        t.type = Threshold::Type::Both;
      else if (val == "backoff")
        t.type = Threshold::Type::Backoff;
      else
        return fail(fmt::format("invalid type '{}' (limit, threshold, both, backoff)", val));
    } else if (word == "track") {
      auto tr = parse_track(val);
      if (!tr) return Unexpected{tr.error()};
      t.track = *tr;
      have_track = true;
    } else if (word == "count") {
      if (!parse_int(val, t.count) || t.count == 0)
        return fail(fmt::format("invalid count '{}'", val));
      have_count = true;
    } else if (word == "seconds") {
      if (!parse_int(val, t.seconds) || t.seconds == 0)
        return fail(fmt::format("invalid seconds '{}'", val));
      have_seconds = true;
    } else if (word == "multiplier" && !is_detection_filter) {
      if (!parse_int(val, t.multiplier) || t.multiplier < 2)
        return fail(fmt::format("invalid multiplier '{}'", val));
      have_mult = true;
    } else {
      return fail(fmt::format("unknown option '{}'", word));
    }
  }
  if (!have_type) return fail("missing type");
  if (!have_track) return fail("missing track");
  if (!have_count) return fail("missing count");
  if (t.type == Threshold::Type::Backoff) {
    if (!have_mult) return fail("type backoff needs multiplier");
    if (t.track != Track::ByFlow) return fail("type backoff needs track by_flow");
  } else if (!have_seconds) {
    return fail("missing seconds");
  }
  return t;
}

Result<void> threshold(RuleBuilder& b, std::string_view arg) {
  if (b.rule.threshold) return fail("threshold given twice");
  if (b.rule.detection_filter) return fail("threshold cannot be combined with detection_filter");
  auto t = parse_threshold_args(arg, false);
  if (!t) return Unexpected{t.error()};
  b.rule.threshold = *t;
  return {};
}

Result<void> detection_filter(RuleBuilder& b, std::string_view arg) {
  if (b.rule.detection_filter) return fail("detection_filter given twice");
  if (b.rule.threshold) return fail("detection_filter cannot be combined with threshold");
  auto t = parse_threshold_args(arg, true);
  if (!t) return Unexpected{t.error()};
  b.rule.detection_filter = DetectionFilter{t->track, t->count, t->seconds};
  return {};
}

}  // namespace ww::detect::kw
