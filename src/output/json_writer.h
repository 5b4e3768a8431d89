// output: the JSON writer every EVE event goes through (no third-party writer).
//
// JsonWriter appends compact JSON to a buffer of its own. Its API is the subset of a SAX-style
// writer that EVE uses (Key/String/Uint64/.../StartObject/EndObject/RawValue). The text is the
// usual compact form: no spaces, ',' between members/elements, ':' after keys; strings escape
// '"', '\\' and the control bytes (\b \f \n \r \t, else \u00XX with upper-case hex), keep
// 0x7F and '/' as they are; doubles are the shortest text that reads back as the same value
// (4.8723, 1.0, 1e21, 1e-7, 0.001).
//
// Separators need no level stack: one flag says whether the next member of the innermost open
// object or array needs a ',' before it (set by every value, cleared by Key() and by opening a
// container); Key() writes its ':' itself. Each call checks the buffer's capacity once for all
// it writes, and the buffer is kept between events: no allocation once warm.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// For the calls with a literal key: inlined, the key's length and its plain-text check are
// constants and `"key":` is a few immediate stores.
#if defined(__GNUC__)
#define WW_JSON_INLINE [[gnu::always_inline]] inline
#else
#define WW_JSON_INLINE inline
#endif

namespace ww::output {

// Plain-text check and copy of short JSON strings, inline: most keys and values are 3 to 16
// bytes of ASCII, written several dozen times an event.
// (GCC's -Warray-bounds sees the word loads of the longer cases inlined where the caller's
// buffer is shorter: those branches do not run for it.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
namespace json_text {
constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
inline uint64_t load8(const char* p) noexcept {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}
inline uint32_t load4(const char* p) noexcept {
  uint32_t x;
  std::memcpy(&x, p, 4);
  return x;
}
// Non-zero when one of the 8 bytes of `x` is below 0x20, above 0x7F, '"' or '\\'.
inline uint64_t needs_escape(uint64_t x) noexcept {
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  return (x & kHigh) | ((x - 0x20 * kOnes) & ~x & kHigh) | has_zero(x ^ ('"' * kOnes)) |
         has_zero(x ^ ('\\' * kOnes));
}
// memcpy without a call for up to 16 bytes.
inline void copy_short(char* d, const char* s, size_t n) noexcept {
  if (n >= 8 && n <= 16) {
    uint64_t a = load8(s), b = load8(s + n - 8);
    std::memcpy(d, &a, 8);
    std::memcpy(d + n - 8, &b, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t a = load4(s), b = load4(s + n - 4);
    std::memcpy(d, &a, 4);
    std::memcpy(d + n - 4, &b, 4);
  } else if (n > 0 && n < 4) {
    d[0] = s[0];
    d[n / 2] = s[n / 2];
    d[n - 1] = s[n - 1];
  } else if (n > 16) {
    std::memcpy(d, s, n);
  }
}

// True when none of the 16 bytes (two words) is below 0x20, above 0x7F, '"' or '\\'.
#if defined(__SSE2__)
inline __m128i bad16(__m128i x) noexcept {
  // A signed compare catches the control bytes and the non-ASCII ones (negative) at once.
  return _mm_or_si128(
      _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
      _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
}
inline bool plain16(__m128i x) noexcept { return _mm_movemask_epi8(bad16(x)) == 0; }
inline bool plain_words(uint64_t lo, uint64_t hi) noexcept {
  return plain16(_mm_set_epi64x(int64_t(hi), int64_t(lo)));
}
#else
inline bool plain_words(uint64_t lo, uint64_t hi) noexcept {
  return (needs_escape(lo) | needs_escape(hi)) == 0;
}
#endif
}  // namespace json_text

bool plain_json_long(const char* s, size_t n) noexcept;  // plain_json_text of over 32 bytes

// True when every byte of `s` is printable ASCII (0x20..0x7F) other than '"' and '\\': JSON
// text as it is, without escapes.
inline bool plain_json_text(const char* s, size_t n) noexcept {
  using namespace json_text;
  uint64_t lo, hi = 'a' * kOnes;  // short texts are padded with a plain byte
  if (n >= 8) {
    if (n > 16) {
#if defined(__SSE2__)
      if (n > 32) return plain_json_long(s, n);
      // Timestamps (31 bytes) and the like: two overlapping loads.
      auto load16 = [](const char* p) {
        return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      };
      return _mm_movemask_epi8(_mm_or_si128(bad16(load16(s)), bad16(load16(s + n - 16)))) == 0;
#else
      return plain_json_long(s, n);
#endif
    }
    lo = load8(s);
    hi = load8(s + n - 8);
  } else if (n >= 4) {
    lo = load4(s) | uint64_t(load4(s + n - 4)) << 32;
  } else {
    lo = hi;
    if (n > 0)
      lo = (lo & ~uint64_t(0xFFFFFF)) | uint8_t(s[0]) | uint64_t(uint8_t(s[n / 2])) << 8 |
           uint64_t(uint8_t(s[n - 1])) << 16;
  }
  return plain_words(lo, hi);
}

// True when `s` is valid UTF-8 (exposed for tests).
bool valid_utf8(std::string_view s) noexcept;

// Decimal digits of `v` into `p` (no NUL); returns the end.
char* write_u64(char* p, uint64_t v) noexcept;
// The shortest decimal text that reads back as `d` (finite), in the compact form described
// above, into `p` (32 bytes are enough, no NUL); returns the end.
char* write_double(char* p, double d) noexcept;

class JsonWriter {
 public:
  JsonWriter() = default;
  ~JsonWriter() { std::free(begin_); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // ---- the text written so far (all events since the last clear())
  const char* data() const { return begin_; }
  size_t size() const { return size_t(cur_ - begin_); }
  std::string_view text() const { return {begin_, size()}; }
  // Drops the text (keeps the capacity); the nesting state is Reset() separately.
  void clear() { cur_ = begin_; }
  // Raw bytes, outside the JSON state (a newline between events, whole lines).
  void append(std::string_view s) {
    char* p = reserve(s.size());
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    cur_ = p + s.size();
  }
  void put(char c) {
    *reserve(1) = c;
    ++cur_;
  }

  // ---- nesting state
  // Starts a new top-level value (the text so far is kept).
  void Reset() {
    comma_ = false;
    depth_ = 0;
  }
  // A top-level value has been written completely.
  bool IsComplete() const { return depth_ == 0 && comma_; }
  // True when the innermost open object or array has a member already.
  bool has_members() const { return comma_; }
  // Appends complete members to the innermost open object, which has members already: `text`
  // is what writing them wrote before (each member with its leading comma).
  void append_members(std::string_view text) {
    assert(comma_ && depth_ > 0);
    append(text);
  }

  // ---- values
  bool StartObject() { return open('{'); }
  bool EndObject(size_t = 0) { return close('}'); }
  bool StartArray() { return open('['); }
  bool EndArray(size_t = 0) { return close(']'); }
  bool Null() { return literal("null", 4); }
  bool Bool(bool b) { return b ? literal("true", 4) : literal("false", 5); }
  bool Uint64(uint64_t v) {
    char* p = value_start(21);
    cur_ = write_u64(p, v);
    return true;
  }
  bool Int64(int64_t v) {
    char* p = value_start(21);
    if (v < 0) {
      *p++ = '-';
      cur_ = write_u64(p, 0 - uint64_t(v));
    } else {
      cur_ = write_u64(p, uint64_t(v));
    }
    return true;
  }
  bool Uint(unsigned v) { return Uint64(v); }
  bool Int(int v) { return Int64(v); }
  // Finite: the shortest round-trip text (see above). NaN and infinities, which JSON has no
  // text for, are written as null so that the line stays valid JSON.
  bool Double(double d);
  // Text that is JSON already (`type` is ignored: any value).
  bool RawValue(const char* json, size_t len, int /*type*/ = 0) {
    char* p = value_start(len);
    if (len) std::memcpy(p, json, len);
    cur_ = p + len;
    return true;
  }
  // Protocol fields are bytes off the wire, not text: valid UTF-8 is kept as it is and every
  // byte that is not part of a valid UTF-8 sequence is written as the character of the same
  // value (U+0080..U+00FF, as Suricata does), so every line is valid JSON whatever the traffic
  // held.
  bool String(const char* s, size_t len, bool /*copy*/ = false) {
    // Most values (addresses, names, numbers as text) are plain ASCII: copied as they are.
    if (plain_json_text(s, len)) {
      put_plain(s, len);
      return true;
    }
    return string_slow(s, len);
  }
  bool String(const char* s) { return String(s, std::strlen(s)); }
  bool String(std::string_view s) { return String(s.data(), s.size()); }
  // Keys are escaped like strings but their bytes are kept (no UTF-8 repair); names that need
  // no escaping (all of the literal ones) are copied as they are, with the ':' in the same
  // write. A literal's length is a constant where the call is inlined.
  WW_JSON_INLINE bool Key(std::string_view k) { return Key(k.data(), k.size()); }
  WW_JSON_INLINE bool Key(const char* s, size_t n, bool /*copy*/ = false) {
    if (!plain_json_text(s, n)) return key_slow(s, n);
    char* p = reserve(n + 4);
    *p = ',';
    p += comma_;
    p[0] = '"';
    json_text::copy_short(p + 1, s, n);
    p[n + 1] = '"';
    p[n + 2] = ':';
    cur_ = p + n + 3;
    comma_ = false;
    return true;
  }

 private:
  // Room for `n` more bytes at cur_ (one check for all a call writes).
  char* reserve(size_t n) {
    if (size_t(end_ - cur_) < n) grow(n);
    return cur_;
  }
  void grow(size_t n);
  // The separator before a value, and room for `n` bytes after it; the caller sets cur_.
  char* value_start(size_t n) {
    char* p = reserve(n + 1);
    *p = ',';
    p += comma_;
    comma_ = true;
    return p;
  }
  bool literal(const char* s, size_t n) {
    char* p = value_start(5);
    std::memcpy(p, s, 5);  // "null"/"true" copy one byte past their end: room was reserved
    cur_ = p + n;
    return true;
  }
  bool open(char c) {
    char* p = value_start(1);
    *p = c;
    cur_ = p + 1;
    comma_ = false;
    ++depth_;
    return true;
  }
  bool close(char c) {
    assert(depth_ > 0);
    put(c);
    comma_ = true;
    --depth_;
    return true;
  }
  // `"s"` for text that plain_json_text() accepted.
  void put_plain(const char* s, size_t n) {
    char* p = value_start(n + 2);
    p[0] = '"';
    json_text::copy_short(p + 1, s, n);
    p[n + 1] = '"';
    cur_ = p + n + 2;
  }
  // String() of text that needs escapes or is not ASCII; Key() of text that needs escapes.
  bool string_slow(const char* s, size_t len);
  bool key_slow(const char* s, size_t len);
  // `"s"` with escapes, at p (room for 6 * len + 2 bytes); returns the end.
  static char* put_escaped(char* p, const char* s, size_t len) noexcept;

  char* begin_ = nullptr;
  char* cur_ = nullptr;
  char* end_ = nullptr;
  bool comma_ = false;  // the next value or key of the innermost level needs a ','
  int depth_ = 0;       // open objects and arrays
  std::string scratch_;
};

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace ww::output
