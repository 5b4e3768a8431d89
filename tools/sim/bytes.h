// Byte builder used by the protocol generators: appends integers in either byte order, strings,
// UTF-16LE strings, and lets a length field be patched once the body is known.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ww::sim {

class Buf {
 public:
  std::vector<uint8_t> v;

  size_t size() const { return v.size(); }
  const uint8_t* data() const { return v.data(); }
  std::span<const uint8_t> span() const { return {v.data(), v.size()}; }
  void clear() { v.clear(); }

  Buf& u8(uint32_t x) {
    v.push_back(static_cast<uint8_t>(x));
    return *this;
  }
  Buf& u16be(uint32_t x) { return u8(x >> 8).u8(x); }
  Buf& u24be(uint32_t x) { return u8(x >> 16).u8(x >> 8).u8(x); }
  Buf& u32be(uint32_t x) { return u16be(x >> 16).u16be(x); }
  Buf& u64be(uint64_t x) { return u32be(static_cast<uint32_t>(x >> 32)).u32be(static_cast<uint32_t>(x)); }
  Buf& u16le(uint32_t x) { return u8(x).u8(x >> 8); }
  Buf& u32le(uint32_t x) { return u16le(x).u16le(x >> 16); }
  Buf& u64le(uint64_t x) { return u32le(static_cast<uint32_t>(x)).u32le(static_cast<uint32_t>(x >> 32)); }
  Buf& str(std::string_view s) {
    v.insert(v.end(), s.begin(), s.end());
    return *this;
  }
  Buf& bytes(std::span<const uint8_t> b) {
    v.insert(v.end(), b.begin(), b.end());
    return *this;
  }
  Buf& bytes(const uint8_t* p, size_t n) {
    v.insert(v.end(), p, p + n);
    return *this;
  }
  Buf& zeros(size_t n) {
    v.insert(v.end(), n, 0);
    return *this;
  }
  Buf& fill(size_t n, uint8_t b) {
    v.insert(v.end(), n, b);
    return *this;
  }
  // ASCII to UTF-16LE (the simulator only writes ASCII names).
  Buf& utf16(std::string_view s) {
    for (char c : s) u16le(static_cast<uint8_t>(c));
    return *this;
  }
  // Fixed-width field, padded with `pad`.
  Buf& padded(std::string_view s, size_t n, char pad = ' ') {
    for (size_t i = 0; i < n; ++i) u8(i < s.size() ? s[i] : pad);
    return *this;
  }
  void put_u16be(size_t at, uint32_t x) {
    v[at] = static_cast<uint8_t>(x >> 8);
    v[at + 1] = static_cast<uint8_t>(x);
  }
  void put_u24be(size_t at, uint32_t x) {
    v[at] = static_cast<uint8_t>(x >> 16);
    put_u16be(at + 1, x);
  }
  void put_u32be(size_t at, uint32_t x) {
    put_u16be(at, x >> 16);
    put_u16be(at + 2, x);
  }
  void put_u16le(size_t at, uint32_t x) {
    v[at] = static_cast<uint8_t>(x);
    v[at + 1] = static_cast<uint8_t>(x >> 8);
  }
  void put_u32le(size_t at, uint32_t x) {
    put_u16le(at, x);
    put_u16le(at + 2, x >> 16);
  }
};

inline std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace ww::sim
