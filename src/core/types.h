// Small value types shared by every stage: timestamps, IP addresses, directions.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <string>

namespace ww {

// Microseconds since the Unix epoch (pcap resolution; nanosecond pcaps are truncated).
struct Timestamp {
  int64_t usec = 0;
  static constexpr Timestamp from_sec(int64_t s) { return {s * 1000000}; }
  constexpr int64_t sec() const { return usec / 1000000; }
  constexpr auto operator<=>(const Timestamp&) const = default;
};
// Suricata's EVE timestamp: 2024-03-01T10:00:00.123456+0000 (UTC).
std::string format_timestamp(Timestamp ts);
// The same into a caller's buffer, without allocating; returns the length written.
size_t format_timestamp(Timestamp ts, char (&out)[40]) noexcept;

// An IPv4 or IPv6 address. IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d) so
// hashing and comparison treat both families the same way.
struct IpAddr {
  std::array<uint8_t, 16> b{};

  static IpAddr v4(const uint8_t* p) noexcept {
    IpAddr a;
    a.b[10] = 0xff;
    a.b[11] = 0xff;
    std::memcpy(&a.b[12], p, 4);
    return a;
  }
  static IpAddr v4(uint32_t host_order) noexcept {
    uint8_t p[4] = {uint8_t(host_order >> 24), uint8_t(host_order >> 16), uint8_t(host_order >> 8),
                    uint8_t(host_order)};
    return v4(p);
  }
  static IpAddr v6(const uint8_t* p) noexcept {
    IpAddr a;
    std::memcpy(a.b.data(), p, 16);
    return a;
  }
  bool is_v4() const noexcept {
    static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(b.data(), kPrefix, 12) == 0;
  }
  uint32_t v4_host_order() const noexcept {
    return uint32_t(b[12]) << 24 | uint32_t(b[13]) << 16 | uint32_t(b[14]) << 8 | b[15];
  }
  std::string str() const;  // dotted quad or RFC 5952 text (logs, messages)
  // EVE text into a caller's buffer, without allocating; returns the length: dotted quad, or
  // IPv6 fully expanded (fe80:0000:0000:0000:020c:29ff:fef3:cf38) as Suricata 7 writes it.
  size_t format(char (&out)[48]) const noexcept;
  auto operator<=>(const IpAddr&) const = default;
};

// Direction of a packet or byte stream relative to the flow's initiator.
enum class Direction : uint8_t { ToServer = 0, ToClient = 1 };
constexpr Direction reverse(Direction d) {
  return d == Direction::ToServer ? Direction::ToClient : Direction::ToServer;
}
constexpr int idx(Direction d) { return static_cast<int>(d); }

// IP protocol numbers used across stages.
namespace ipproto {
inline constexpr uint8_t kHopOpts = 0, kIcmp = 1, kIpIp = 4, kTcp = 6, kUdp = 17, kIpv6 = 41,
                         kRouting = 43, kFragment = 44, kGre = 47, kEsp = 50, kAh = 51,
                         kIcmpv6 = 58, kNoNext = 59, kDstOpts = 60, kSctp = 132, kMobility = 135;
}

}  // namespace ww
