// Internet checksum (RFC 1071) helpers shared by the decoder, the defragmenter and tests.
//
// The one's complement sum is byte-order independent (RFC 1071 section 2.B), so data is summed
// in native order 32 bits at a time and swapped once at the end.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ww::decode::detail {

inline uint32_t fold16(uint64_t acc) noexcept {
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffu) + (acc >> 16);
  acc = (acc & 0xffffu) + (acc >> 16);
  acc = (acc & 0xffffu) + (acc >> 16);
  return static_cast<uint32_t>(acc);
}

// One's complement sum of p[0, n) as big-endian 16-bit words, folded to 16 bits (not inverted).
inline uint32_t csum_sum(const uint8_t* p, size_t n) noexcept {
  uint64_t acc = 0;
  while (n >= 8) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + 4, 4);
    acc += a;
    acc += b;
    p += 8;
    n -= 8;
  }
  if (n >= 4) {
    uint32_t a;
    std::memcpy(&a, p, 4);
    acc += a;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    uint16_t a;
    std::memcpy(&a, p, 2);
    acc += a;
    p += 2;
    n -= 2;
  }
  if (n) acc += std::endian::native == std::endian::little ? p[0] : uint32_t(p[0]) << 8;
  uint32_t s = fold16(acc);
  if constexpr (std::endian::native == std::endian::little) s = ((s & 0xff) << 8) | (s >> 8);
  return s;
}

// Adds two folded sums.
inline uint32_t csum_add(uint32_t a, uint32_t b) noexcept { return fold16(uint64_t(a) + b); }

// The checksum field value for data whose folded sum (checksum field zeroed) is `sum`.
inline uint16_t csum_finish(uint32_t sum) noexcept { return static_cast<uint16_t>(~sum & 0xffff); }

// Pseudo-header sums (RFC 793 section 3.1, RFC 768; RFC 8200 section 8.1).
inline uint32_t pseudo_v4(const uint8_t* src, const uint8_t* dst, uint8_t proto,
                          uint32_t len) noexcept {
  uint64_t acc = uint32_t(src[0] << 8 | src[1]) + uint32_t(src[2] << 8 | src[3]) +
                 uint32_t(dst[0] << 8 | dst[1]) + uint32_t(dst[2] << 8 | dst[3]) + proto + len;
  return fold16(acc);
}
inline uint32_t pseudo_v6(const uint8_t* src, const uint8_t* dst, uint8_t proto,
                          uint32_t len) noexcept {
  uint64_t acc =
      uint64_t(csum_sum(src, 16)) + csum_sum(dst, 16) + proto + (len >> 16) + (len & 0xffff);
  return fold16(acc);
}

}  // namespace ww::decode::detail
