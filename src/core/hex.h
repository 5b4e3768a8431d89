// Hex digits, shared by every formatter that writes them (EVE fields, fingerprints, file
// hashes, MAC and IPv6 addresses, DNS and JSON escapes, SMB dialects, DICOM status).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ww::hex {

inline constexpr char kLower[] = "0123456789abcdef";
inline constexpr char kUpper[] = "0123456789ABCDEF";

// The value of a hex digit (either case); -1 for any other character.
constexpr int value(unsigned char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The two hex digits of a byte (no NUL).
inline void byte(uint8_t v, char* out, bool upper = false) noexcept {
  const char* d = upper ? kUpper : kLower;
  out[0] = d[v >> 4];
  out[1] = d[v & 15];
}

// The hex of `n` bytes: 2n characters into `out` (no NUL).
inline void bytes(const uint8_t* p, size_t n, char* out, bool upper = false) noexcept {
  const char* d = upper ? kUpper : kLower;
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = d[p[i] >> 4];
    out[2 * i + 1] = d[p[i] & 15];
  }
}

}  // namespace ww::hex
