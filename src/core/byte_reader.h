// ByteReader: the one way wardwatch reads bytes off the wire.
//
// A span with a cursor and a sticky failure flag: every read past the end returns 0 (or an
// empty span) and sets the flag, so a decoder reads a whole header and checks ok() once.
// No casts of packed structs anywhere; multi-byte reads are explicit about byte order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace ww {

using Bytes = std::span<const uint8_t>;

// memcpy that accepts an empty source: an empty span or string_view may hold a null pointer,
// which memcpy must not be given even for zero bytes.
inline void copy_bytes(void* dst, const void* src, size_t n) noexcept {
  if (n) std::memcpy(dst, src, n);
}

inline std::string_view as_sv(Bytes b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

class ByteReader {
 public:
  constexpr ByteReader() noexcept = default;
  constexpr explicit ByteReader(Bytes b) noexcept : data_(b) {}
  constexpr ByteReader(const uint8_t* p, size_t n) noexcept : data_(p, n) {}

  constexpr bool ok() const noexcept { return ok_; }
  constexpr size_t pos() const noexcept { return pos_; }
  constexpr size_t size() const noexcept { return data_.size(); }
  constexpr size_t remaining() const noexcept { return ok_ ? data_.size() - pos_ : 0; }
  constexpr bool empty() const noexcept { return remaining() == 0; }
  constexpr Bytes rest() const noexcept { return ok_ ? data_.subspan(pos_) : Bytes{}; }
  constexpr Bytes all() const noexcept { return data_; }

  constexpr bool has(size_t n) const noexcept { return ok_ && data_.size() - pos_ >= n; }

  constexpr uint8_t u8() noexcept {
    if (!has(1)) return fail();
    return data_[pos_++];
  }
  constexpr uint16_t u16be() noexcept {
    if (!has(2)) return fail();
    uint16_t v = uint16_t(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  constexpr uint16_t u16le() noexcept {
    if (!has(2)) return fail();
    uint16_t v = uint16_t(data_[pos_] | data_[pos_ + 1] << 8);
    pos_ += 2;
    return v;
  }
  constexpr uint32_t u24be() noexcept {
    if (!has(3)) return fail();
    uint32_t v = uint32_t(data_[pos_]) << 16 | uint32_t(data_[pos_ + 1]) << 8 | data_[pos_ + 2];
    pos_ += 3;
    return v;
  }
  constexpr uint32_t u32be() noexcept {
    if (!has(4)) return fail();
    uint32_t v = uint32_t(data_[pos_]) << 24 | uint32_t(data_[pos_ + 1]) << 16 |
                 uint32_t(data_[pos_ + 2]) << 8 | data_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  constexpr uint32_t u32le() noexcept {
    if (!has(4)) return fail();
    uint32_t v = uint32_t(data_[pos_]) | uint32_t(data_[pos_ + 1]) << 8 |
                 uint32_t(data_[pos_ + 2]) << 16 | uint32_t(data_[pos_ + 3]) << 24;
    pos_ += 4;
    return v;
  }
  constexpr uint64_t u64be() noexcept {
    uint64_t hi = u32be();
    return hi << 32 | u32be();
  }
  constexpr uint64_t u64le() noexcept {
    uint64_t lo = u32le();
    return lo | uint64_t(u32le()) << 32;
  }
  constexpr Bytes bytes(size_t n) noexcept {
    if (!has(n)) {
      fail();
      return {};
    }
    Bytes b = data_.subspan(pos_, n);
    pos_ += n;
    return b;
  }
  constexpr void skip(size_t n) noexcept {
    if (!has(n)) {
      fail();
      return;
    }
    pos_ += n;
  }
  constexpr uint8_t peek_u8(size_t at = 0) const noexcept {
    return has(at + 1) ? data_[pos_ + at] : 0;
  }
  // Repositions absolutely; past the end fails.
  constexpr void seek(size_t pos) noexcept {
    if (!ok_ || pos > data_.size()) {
      fail();
      return;
    }
    pos_ = pos;
  }

 private:
  constexpr uint8_t fail() noexcept {
    ok_ = false;
    return 0;
  }
  Bytes data_{};
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace ww
