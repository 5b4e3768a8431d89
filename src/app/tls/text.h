// Bounded text and digests shared by the TLS and SSH parsers.
//
// BoundedStr<N> is an inline, fixed-capacity string (no allocation): appends past N are cut and
// remembered in `truncated`. Digests use OpenSSL's one-shot digest functions (EVP where the
// library lacks them) and a per-thread memo of recent short inputs (text.cpp); hashing a
// handshake allocates nothing on the packet path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/byte_reader.h"

namespace ww::app::tls {

template <size_t N>
struct BoundedStr {
  static_assert(N < 65536);
  char buf[N];
  uint16_t len = 0;
  bool truncated = false;

  std::string_view view() const noexcept { return {buf, len}; }
  bool empty() const noexcept { return len == 0; }
  void clear() noexcept {
    len = 0;
    truncated = false;
  }
  void push(char c) noexcept {
    if (len < N)
      buf[len++] = c;
    else
      truncated = true;
  }
  void append(std::string_view s) noexcept {
    size_t n = s.size() <= N - len ? s.size() : N - len;
    if (n) std::memcpy(buf + len, s.data(), n);
    len = uint16_t(len + n);
    if (n < s.size()) truncated = true;
  }
  void assign(std::string_view s) noexcept {
    clear();
    append(s);
  }
};

// A bounded list of short byte strings (ALPN names, SANs) stored back to back.
template <size_t Bytes_, size_t Items>
struct BoundedList {
  char data[Bytes_];
  uint16_t off[Items];
  uint16_t size[Items];
  uint16_t count = 0;
  uint16_t used = 0;
  bool truncated = false;

  void add(std::string_view s) noexcept {
    if (count == Items || s.size() > Bytes_ - used) {
      truncated = true;
      return;
    }
    if (!s.empty()) std::memcpy(data + used, s.data(), s.size());  // empty views may be null
    off[count] = used;
    size[count] = uint16_t(s.size());
    used = uint16_t(used + s.size());
    ++count;
  }
  std::string_view operator[](size_t i) const noexcept { return {data + off[i], size[i]}; }
};

enum class Digest : uint8_t { Md5, Sha1, Sha256 };

// Writes the digest of `data` as lowercase hex into `out` (2 * digest size chars, no NUL) and
// returns the number of chars written (0 on failure). With `colon`, bytes are separated by ':'
// and `upper` picks uppercase (certificate fingerprints as Suricata prints them).
size_t hex_digest(Digest kind, Bytes data, char* out, size_t cap, bool colon = false,
                  bool upper = false) noexcept;

// Lowercase (or uppercase) hex of `data`, optionally colon-separated; returns chars written.
size_t to_hex(Bytes data, char* out, size_t cap, bool colon = false, bool upper = false) noexcept;

}  // namespace ww::app::tls
