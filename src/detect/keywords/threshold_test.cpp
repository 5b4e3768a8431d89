#include "detect/keywords/test_util.h"

namespace ww::detect {
namespace {
using namespace test;

TEST(ThresholdTest, Threshold) {
  Rule r = loaded(R"(threshold: type limit, track by_src, seconds 60, count 1; sid:1;)");
  EXPECT_EQ(r.threshold->type, Threshold::Type::Limit);
  EXPECT_EQ(r.threshold->track, Track::BySrc);
  EXPECT_EQ(r.threshold->count, 1u);
  EXPECT_EQ(r.threshold->seconds, 60u);
  Rule b = loaded(R"(threshold:type backoff, track by_flow, count 1, multiplier 10; sid:1;)");
  EXPECT_EQ(b.threshold->multiplier, 10u);
  Rule d = loaded(R"(detection_filter:track by_dst, count 10, seconds 60; sid:1;)");
  EXPECT_EQ(d.detection_filter->track, Track::ByDst);
}

TEST(ThresholdTest, Errors) {
  invalid(R"(threshold:type limit, track by_src, count 1; sid:1;)", "threshold", "missing seconds");
  invalid(R"(threshold:type sometimes, track by_src, count 1, seconds 1; sid:1;)", "threshold",
          "invalid type");
  invalid(R"(threshold:type limit, track by_ip, count 1, seconds 1; sid:1;)", "threshold",
          "invalid track");
  invalid(R"(threshold:type backoff, track by_src, count 1, multiplier 2; sid:1;)", "threshold",
          "by_flow");
  invalid(
      R"(detection_filter:track by_src, count 1, seconds 1; threshold:type limit, track by_src, count 1, seconds 1; sid:1;)",
      "threshold", "cannot be combined");
}

}  // namespace
}  // namespace ww::detect
