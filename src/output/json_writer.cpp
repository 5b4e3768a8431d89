#include "output/json_writer.h"
#include "core/hex.h"

#include <charconv>
#include <cmath>

namespace ww::output {

bool valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      min = 0x10000;
    } else {
      return false;
    }
    if (n - i < len) return false;
    uint32_t cp = c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

bool plain_json_long(const char* s, size_t n) noexcept {
  using namespace json_text;
#if defined(__SSE2__)
  // Sixteen bytes at a time; the last block overlaps the previous one.
  auto load16 = [](const char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); };
  for (size_t i = 0; i + 16 < n; i += 16)
    if (!plain16(load16(s + i))) return false;
  return plain16(load16(s + n - 16));
#else
  // Eight bytes at a time; the last word overlaps the previous one.
  for (size_t i = 0; i + 8 < n; i += 8)
    if (needs_escape(load8(s + i))) return false;
  return !needs_escape(load8(s + n - 8));
#endif
}

namespace {

// "00" "01" ... "99": two digits per division.
struct DigitPairs {
  char d[200];
  constexpr DigitPairs() : d() {
    for (int i = 0; i < 100; ++i) {
      d[2 * i] = char('0' + i / 10);
      d[2 * i + 1] = char('0' + i % 10);
    }
  }
};
constexpr DigitPairs kPairs;

unsigned decimal_digits(uint64_t v) noexcept {
  unsigned n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000;
    n += 4;
  }
}

// `e` as JSON writes an exponent: '-' when negative, no '+', no leading zeros.
char* write_exponent(char* p, int e) noexcept {
  if (e < 0) {
    *p++ = '-';
    e = -e;
  }
  return write_u64(p, unsigned(e));
}

}  // namespace

char* write_u64(char* p, uint64_t v) noexcept {
  char* end = p + decimal_digits(v);
  char* q = end;
  while (v >= 100) {
    unsigned r = unsigned(v % 100);
    v /= 100;
    q -= 2;
    std::memcpy(q, kPairs.d + 2 * r, 2);
  }
  if (v >= 10) {
    q -= 2;
    std::memcpy(q, kPairs.d + 2 * v, 2);
  } else {
    *--q = char('0' + v);
  }
  return end;
}

char* write_double(char* p, double d) noexcept {
  if (std::signbit(d)) {
    *p++ = '-';
    d = -d;
  }
  // The shortest round-trip digits and their exponent: "D.DDDDe+XX" or "De-XX".
  char sci[32];
  auto r = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  char digits[20];
  int n = 0;
  const char* s = sci;
  for (; s < r.ptr && *s != 'e'; ++s)
    if (*s != '.') digits[n++] = *s;
  int exp = 0;
  bool neg = s + 1 < r.ptr && s[1] == '-';
  for (const char* e = s + 2; e < r.ptr; ++e) exp = exp * 10 + (*e - '0');
  if (neg) exp = -exp;
  // The value is 0.DIGITS x 10^point.
  const int point = exp + 1;
  if (n <= point && point <= 21) {
    // An integer: its digits, the zeros up to the point, ".0".
    std::memcpy(p, digits, size_t(n));
    p += n;
    for (int i = n; i < point; ++i) *p++ = '0';
    *p++ = '.';
    *p++ = '0';
  } else if (0 < point && point <= 21) {
    // A fraction with an integer part: the point inside the digits.
    std::memcpy(p, digits, size_t(point));
    p += point;
    *p++ = '.';
    std::memcpy(p, digits + point, size_t(n - point));
    p += n - point;
  } else if (-6 < point && point <= 0) {
    // Small: "0.", the zeros after the point, the digits.
    *p++ = '0';
    *p++ = '.';
    for (int i = point; i < 0; ++i) *p++ = '0';
    std::memcpy(p, digits, size_t(n));
    p += n;
  } else {
    // Exponent form: "De-7", "D.DDDe21".
    *p++ = digits[0];
    if (n > 1) {
      *p++ = '.';
      std::memcpy(p, digits + 1, size_t(n - 1));
      p += n - 1;
    }
    *p++ = 'e';
    p = write_exponent(p, point - 1);
  }
  return p;
}

void JsonWriter::grow(size_t n) {
  size_t used = size(), cap = size_t(end_ - begin_);
  size_t want = cap ? cap * 2 : 4096;
  while (want - used < n) want *= 2;
  char* b = static_cast<char*>(std::realloc(begin_, want));
  if (!b) std::abort();  // as an allocator that throws, without exceptions
  begin_ = b;
  cur_ = b + used;
  end_ = b + want;
}

bool JsonWriter::Double(double d) {
  if (!std::isfinite(d)) return Null();
  char* p = value_start(32);
  cur_ = write_double(p, d);
  return true;
}

char* JsonWriter::put_escaped(char* p, const char* s, size_t len) noexcept {
  const char* kHex = hex::kUpper;
  *p++ = '"';
  for (size_t i = 0; i < len; ++i) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      *p++ = char(c);
      continue;
    }
    *p++ = '\\';
    switch (c) {
      case '"':
        *p++ = '"';
        break;
      case '\\':
        *p++ = '\\';
        break;
      case '\b':
        *p++ = 'b';
        break;
      case '\f':
        *p++ = 'f';
        break;
      case '\n':
        *p++ = 'n';
        break;
      case '\r':
        *p++ = 'r';
        break;
      case '\t':
        *p++ = 't';
        break;
      default:
        p[0] = 'u';
        p[1] = '0';
        p[2] = '0';
        p[3] = kHex[c >> 4];
        p[4] = kHex[c & 15];
        p += 5;
    }
  }
  *p++ = '"';
  return p;
}

bool JsonWriter::key_slow(const char* s, size_t len) {
  char* p = reserve(6 * len + 4);
  *p = ',';
  p += comma_;
  p = put_escaped(p, s, len);
  *p++ = ':';
  cur_ = p;
  comma_ = false;
  return true;
}

bool JsonWriter::string_slow(const char* s, size_t len) {
  std::string_view v(s, len);
  if (!valid_utf8(v)) {
    // Rewrite: keep valid sequences, map each stray byte to U+0080..U+00FF (or itself if ASCII).
    scratch_.clear();
    const auto* b = reinterpret_cast<const uint8_t*>(s);
    size_t i = 0;
    while (i < len) {
      if (b[i] >= 0x80) {
        // Longest valid sequence starting here, if any.
        size_t want = (b[i] & 0xE0) == 0xC0   ? 2
                      : (b[i] & 0xF0) == 0xE0 ? 3
                      : (b[i] & 0xF8) == 0xF0 ? 4
                                              : 0;
        if (want && i + want <= len && valid_utf8(v.substr(i, want))) {
          scratch_.append(s + i, want);
          i += want;
          continue;
        }
        scratch_.push_back(char(0xC0 | (b[i] >> 6)));
        scratch_.push_back(char(0x80 | (b[i] & 0x3F)));
      } else {
        scratch_.push_back(char(b[i]));
      }
      ++i;
    }
    s = scratch_.data();
    len = scratch_.size();
  }
  char* p = value_start(6 * len + 2);
  cur_ = put_escaped(p, s, len);
  return true;
}

}  // namespace ww::output
