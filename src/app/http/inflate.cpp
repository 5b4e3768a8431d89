// Raw deflate decoder; see inflate.h. Written from RFC 1951; where the RFC leaves a choice
// (which malformed streams fail, and when), it follows what zlib 1.2 does, as observed.
#include "app/http/inflate.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace ww::app::http {

namespace {

// Table entry: code length (bits 0-4: bits to consume; a link: the root bits), one flag bit
// per kind (literal 5, length/distance base 6, subtable link 7, end of block 12, invalid 13),
// extra bits of a base or index bits of a subtable (8-11), value (16-31).
enum : uint32_t { kLit = 0, kBase = 1, kEob = 2, kLink = 3, kInvalid = 4 };
constexpr uint32_t kKindFlag[5] = {1u << 5, 1u << 6, 1u << 12, 1u << 7, 1u << 13};
constexpr uint32_t kLitF = 1u << 5, kBaseF = 1u << 6, kLinkF = 1u << 7;
constexpr uint32_t entry(uint32_t len, uint32_t kind, uint32_t extra, uint32_t val) {
  return len | kKindFlag[kind] | (extra << 8) | (val << 16);
}
inline uint32_t e_len(uint32_t e) { return e & 31; }
inline uint32_t e_kind(uint32_t e) {
  return (e & kLitF) ? kLit : (e & kBaseF) ? kBase : (e & kLinkF) ? kLink : (e & (1u << 12)) ? kEob : kInvalid;
}
inline uint32_t e_extra(uint32_t e) { return (e >> 8) & 15; }
inline uint32_t e_val(uint32_t e) { return e >> 16; }
inline uint64_t mask(uint32_t n) { return (uint64_t(1) << n) - 1; }
constexpr uint32_t kMask[16] = {0,     1,     3,     7,     15,    31,    63,    127,
                                255,   511,   1023,  2047,  4095,  8191,  16383, 32767};

// RFC 1951 3.2.5.
constexpr uint16_t kLenBase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                   31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr uint8_t kLenExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                   2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr uint16_t kDistBase[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                    33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                    1025, 1537, 2049, 3073, 4097, 6145,  8193,  12289, 16385,
                                    24577};
constexpr uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                    6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
// RFC 1951 3.2.7: the order code length code lengths are sent in.
constexpr uint8_t kCodeOrder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

constexpr std::array<uint8_t, 256> make_rev8() {
  std::array<uint8_t, 256> r{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t v = 0;
    for (uint32_t b = 0; b < 8; ++b)
      if (i & (1u << b)) v |= 1u << (7 - b);
    r[i] = uint8_t(v);
  }
  return r;
}
constexpr std::array<uint8_t, 256> kRev8 = make_rev8();
// The `len` low bits of `code` reversed: a Huffman code is sent first bit first (RFC 1951 3.1.1).
inline uint32_t rev(uint32_t code, uint32_t len) {
  uint32_t r = (uint32_t(kRev8[code & 255]) << 8) | kRev8[(code >> 8) & 255];
  return r >> (16 - len);
}

// The symbol entry of a code of `len` bits.
inline uint32_t sym_entry(Inflater* /*unused*/, uint32_t sym, uint32_t len, int kind) {
  if (kind == 0) return entry(len, kLit, 0, sym);  // code length codes: the value itself
  if (kind == 1) {                                  // literal/length
    if (sym < 256) return entry(len, kLit, 0, sym);
    if (sym == 256) return entry(len, kEob, 0, 0);
    if (sym < 286) return entry(len, kBase, kLenExtra[sym - 257], kLenBase[sym - 257]);
    return entry(len, kInvalid, 0, 0);
  }
  if (sym < 30) return entry(len, kBase, kDistExtra[sym], kDistBase[sym]);
  return entry(len, kInvalid, 0, 0);
}

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian hosts (x86-64, arm64)
}

}  // namespace

void Inflater::reset() noexcept {
  hold_ = 0;
  bits_ = 0;
  total_in_ = total_out_ = 0;
  mode_ = Mode::Header;
  last_ = false;
  length_ = dist_ = extra_ = 0;
  have_ = 0;
  wpos_ = 0;
}

// A canonical Huffman code from its code lengths (RFC 1951 3.2.2) as a table read with `root`
// bits, longer codes through subtables. Accepts what zlib accepts: a complete code, no code at
// all (every entry invalid, 1 bit), or (literal/length and distance codes) a single 1-bit code.
bool Inflater::build(const uint8_t* lens, uint32_t n, Kind kind, uint32_t* t, uint32_t cap,
                     uint32_t& root) noexcept {
  uint32_t count[16] = {};
  for (uint32_t s = 0; s < n; ++s) ++count[lens[s]];
  uint32_t max = 15;
  while (max >= 1 && count[max] == 0) --max;
  if (root > max) root = max;
  if (max == 0) {
    root = 1;
    t[0] = t[1] = entry(1, kInvalid, 0, 0);
    return true;
  }
  uint32_t min = 1;
  while (min < max && count[min] == 0) ++min;
  if (root < min) root = min;
  int left = 1;
  for (uint32_t len = 1; len <= 15; ++len) {
    left <<= 1;
    left -= int(count[len]);
    if (left < 0) return false;  // over-subscribed
  }
  if (left > 0 && (kind == Kind::Codes || max != 1)) return false;  // incomplete
  uint32_t next[16];
  uint32_t code = 0;
  count[0] = 0;
  for (uint32_t len = 1; len <= 15; ++len) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  const uint32_t rsize = 1u << root;
  if (rsize > cap || rsize > 512) return false;  // a complete code over <= 288 symbols: root <= 9
  const int k = kind == Kind::Codes ? 0 : kind == Kind::Lens ? 1 : 2;
  uint8_t gmax[512];  // longest code under each root index (longer than root)
  uint16_t codes[320];
  bool sub = max > root;
  if (sub) std::memset(gmax, 0, rsize);
  for (uint32_t s = 0; s < n; ++s) {
    uint32_t len = lens[s];
    if (!len) continue;
    codes[s] = uint16_t(next[len]++);
    if (len > root) {
      uint32_t p = rev(codes[s], len) & (rsize - 1);
      if (len > gmax[p]) gmax[p] = uint8_t(len);
    }
  }
  // A complete code fills every root entry; the one incomplete code allowed (a single 1-bit
  // code, root 1) leaves the other entry invalid.
  if (left > 0)
    for (uint32_t i = 0; i < rsize; ++i) t[i] = entry(root, kInvalid, 0, 0);
  uint32_t used = rsize;
  if (sub) {
    for (uint32_t p = 0; p < rsize; ++p) {
      if (!gmax[p]) continue;
      uint32_t sb = gmax[p] - root;
      if (used + (1u << sb) > cap) return false;
      t[p] = entry(root, kLink, sb, used);
      used += 1u << sb;
    }
  }
  for (uint32_t s = 0; s < n; ++s) {
    uint32_t len = lens[s];
    if (!len) continue;
    uint32_t r = rev(codes[s], len);
    uint32_t e = sym_entry(nullptr, s, len, k);
    if (len <= root) {
      for (uint32_t i = r; i < rsize; i += 1u << len) t[i] = e;
    } else {
      uint32_t link = t[r & (rsize - 1)];
      uint32_t size = 1u << e_extra(link);
      uint32_t* st = t + e_val(link);
      for (uint32_t i = r >> root; i < size; i += 1u << (len - root)) st[i] = e;
    }
  }
  return true;
}

bool Inflater::fixed_tables() noexcept {
  uint32_t s = 0;
  while (s < 144) lens_[s++] = 8;
  while (s < 256) lens_[s++] = 9;
  while (s < 280) lens_[s++] = 7;
  while (s < 288) lens_[s++] = 8;
  lit_root_ = 9;
  if (!build(lens_, 288, Kind::Lens, lit_, kLitSize, lit_root_)) return false;
  for (s = 0; s < 32; ++s) lens_[s] = 5;
  dist_root_ = 5;
  return build(lens_, 32, Kind::Dists, dist_t_, kDistSize, dist_root_);
}

inline bool Inflater::pull() noexcept {
  if (in_ == in_end_) return false;
  hold_ |= uint64_t(*in_++) << bits_;
  bits_ += 8;
  return true;
}

inline bool Inflater::need(uint32_t n) noexcept {
  while (bits_ < n)
    if (!pull()) return false;
  return true;
}

// One symbol (its code's bits dropped), pulling input a byte at a time only while the code is
// longer than the bits held (a link needs its root bits first). False when the input ran out
// first (nothing dropped).
inline bool Inflater::decode(const uint32_t* t, uint32_t root, uint32_t& e) noexcept {
  for (;;) {
    e = t[hold_ & mask(root)];
    if (e_len(e) <= bits_) break;
    if (!pull()) return false;
  }
  if (e_kind(e) == kLink) {
    const uint32_t link = e;
    for (;;) {
      e = t[e_val(link) + ((hold_ >> root) & mask(e_extra(link)))];
      if (e_len(e) <= bits_) break;
      if (!pull()) return false;
    }
  }
  hold_ >>= e_len(e);
  bits_ -= e_len(e);
  return true;
}

// Literals and matches while at least 8 input bytes and 258 bytes of room are left: 64 bits
// loaded at once (a symbol with its extra bits takes at most 48); the whole bytes not used are
// given back at the end, so the input consumed is what the byte-at-a-time path consumes.
void Inflater::fast(uint8_t*& out_ref, uint8_t* out_end) noexcept {
  uint8_t* out = out_ref;
  uint8_t* const out_start = out;
  const uint8_t* in = in_;
  uint64_t hold = hold_;
  uint32_t bits = bits_;
  const uint32_t lmask = uint32_t(mask(lit_root_)), dmask = uint32_t(mask(dist_root_));
  // A match may reach back to the first byte of the stream: `lo` is where that byte is, as a
  // number (0 once 32 KiB are out: any distance, at most 32768, is then within the output).
  const uintptr_t lo = total_out_ < kWindow ? uintptr_t(out) - uintptr_t(total_out_) : 0;
  const uint8_t* const in_last = in_end_ - 8;
  const uint8_t* const out_last = out_end - 258;
  while (in <= in_last && out <= out_last) {
    hold |= load64(in) << bits;
    in += (63 - bits) >> 3;
    bits |= 56;
    uint32_t e = lit_[hold & lmask];
    if (e & kLinkF) [[unlikely]]
      e = lit_[(e >> 16) + ((uint32_t(hold) >> lit_root_) & kMask[(e >> 8) & 15])];
    uint32_t n = e & 31;
    hold >>= n;
    bits -= n;
    if (e & kLitF) {
      *out++ = uint8_t(e >> 16);
      // A second literal without reloading: 41 bits or more are left.
      e = lit_[hold & lmask];
      if (e & kLitF) {
        n = e & 31;
        hold >>= n;
        bits -= n;
        *out++ = uint8_t(e >> 16);
      }
      continue;
    }
    if (!(e & kBaseF)) [[unlikely]] {
      mode_ = e_kind(e) == kEob ? Mode::Header : Mode::Bad;
      break;
    }
    n = (e >> 8) & 15;
    const uint32_t len = (e >> 16) + (uint32_t(hold) & kMask[n]);
    hold >>= n;
    bits -= n;
    uint32_t d = dist_t_[hold & dmask];
    if (d & kLinkF) [[unlikely]]
      d = dist_t_[(d >> 16) + ((uint32_t(hold) >> dist_root_) & kMask[(d >> 8) & 15])];
    n = d & 31;
    hold >>= n;
    bits -= n;
    if (!(d & kBaseF)) [[unlikely]] {
      mode_ = Mode::Bad;  // invalid distance code
      break;
    }
    n = (d >> 8) & 15;
    const uint32_t dist = (d >> 16) + (uint32_t(hold) & kMask[n]);
    hold >>= n;
    bits -= n;
    if (uintptr_t(out) - dist < lo) [[unlikely]] {
      mode_ = Mode::Bad;  // distance too far back
      break;
    }
    const uint8_t* from = out - dist;
    uint8_t* const end = out + len;
    if (dist >= 16) {
      // 16 bytes at a time (up to 15 written past the end: buf_ has room); a chunk's source
      // lies wholly before it.
      do {
        std::memcpy(out, from, 16);
        out += 16;
        from += 16;
      } while (out < end);
    } else if (dist >= 8) {
      do {
        std::memcpy(out, from, 8);
        out += 8;
        from += 8;
      } while (out < end);
    } else {
      for (uint32_t i = 0; i < len; ++i) out[i] = from[i];
    }
    out = end;
  }
  uint32_t back = bits >> 3;
  in -= back;
  bits -= back * 8;
  hold &= mask(bits);
  in_ = in;
  hold_ = hold;
  bits_ = bits;
  total_out_ += uint64_t(out - out_start);
  out_ref = out;
}

Inflater::Status Inflater::run(const uint8_t* in, size_t n, size_t& used, uint32_t room,
                               const uint8_t*& out_ptr, uint32_t& produced) noexcept {
  if (room > kChunk) room = kChunk;
  if (wpos_ + kChunk > kBuf - 16) {
    // Keep the last 32 KiB of history in front of the output.
    std::memmove(buf_, buf_ + wpos_ - kWindow, kWindow);
    wpos_ = kWindow;
  }
  in_ = in;
  in_end_ = in + n;
  uint8_t* const start = buf_ + wpos_;
  uint8_t* out = start;
  uint8_t* const out_end = start + room;
  Status st = Status::Ok;
  bool stop = false;
  // total_out_ counts what was written before this run(); `out - start` what was written since.
  auto written = [&] { return total_out_ + uint64_t(out - start); };
  while (!stop) {
    switch (mode_) {
      case Mode::Header:
        if (last_) {
          hold_ >>= bits_ & 7;  // to a byte boundary, as zlib leaves it
          bits_ -= bits_ & 7;
          mode_ = Mode::Done;
          break;
        }
        if (!need(3)) {
          stop = true;
          break;
        }
        last_ = hold_ & 1;
        switch ((hold_ >> 1) & 3) {
          case 0: mode_ = Mode::StoredLen; break;
          case 1:
            mode_ = fixed_tables() ? Mode::Len : Mode::Bad;
            break;
          case 2: mode_ = Mode::Counts; break;
          default: mode_ = Mode::Bad; break;  // invalid block type
        }
        hold_ >>= 3;
        bits_ -= 3;
        break;
      case Mode::StoredLen:
        hold_ >>= bits_ & 7;
        bits_ -= bits_ & 7;
        if (!need(32)) {
          stop = true;
          break;
        }
        if ((hold_ & 0xffff) != ((hold_ >> 16) ^ 0xffff)) {
          mode_ = Mode::Bad;  // invalid stored block lengths
          break;
        }
        length_ = uint32_t(hold_ & 0xffff);
        hold_ = 0;
        bits_ = 0;
        mode_ = length_ ? Mode::Stored : Mode::Header;
        break;
      case Mode::Stored: {
        size_t c = length_;
        c = std::min<size_t>(c, size_t(in_end_ - in_));
        c = std::min<size_t>(c, size_t(out_end - out));
        if (c == 0) {
          stop = true;
          break;
        }
        std::memcpy(out, in_, c);
        out += c;
        in_ += c;
        length_ -= uint32_t(c);
        if (length_ == 0) mode_ = Mode::Header;
        break;
      }
      case Mode::Counts:
        if (!need(14)) {
          stop = true;
          break;
        }
        nlen_ = uint32_t(hold_ & 31) + 257;
        ndist_ = uint32_t((hold_ >> 5) & 31) + 1;
        ncode_ = uint32_t((hold_ >> 10) & 15) + 4;
        hold_ >>= 14;
        bits_ -= 14;
        if (nlen_ > 286 || ndist_ > 30) {
          mode_ = Mode::Bad;  // too many length or distance symbols
          break;
        }
        have_ = 0;
        mode_ = Mode::CodeLenLens;
        break;
      case Mode::CodeLenLens:
        while (have_ < ncode_) {
          if (!need(3)) break;
          lens_[kCodeOrder[have_++]] = uint8_t(hold_ & 7);
          hold_ >>= 3;
          bits_ -= 3;
        }
        if (have_ < ncode_) {
          stop = true;
          break;
        }
        while (have_ < 19) lens_[kCodeOrder[have_++]] = 0;
        code_root_ = 7;
        if (!build(lens_, 19, Kind::Codes, code_t_, 128, code_root_)) {
          mode_ = Mode::Bad;  // invalid code lengths set
          break;
        }
        have_ = 0;
        mode_ = Mode::CodeLens;
        break;
      case Mode::CodeLens: {
        const uint32_t total = nlen_ + ndist_;
        bool bad = false, wait = false;
        while (have_ < total) {
          uint32_t e;
          // As zlib: the code length code's value is used whatever the entry says.
          for (;;) {
            e = code_t_[hold_ & mask(code_root_)];
            if (e_len(e) <= bits_) break;
            if (!pull()) {
              wait = true;
              break;
            }
          }
          if (wait) break;
          uint32_t v = e_val(e), l = e_len(e);
          if (v < 16) {
            hold_ >>= l;
            bits_ -= l;
            lens_[have_++] = uint8_t(v);
            continue;
          }
          uint32_t xb = v == 16 ? 2 : v == 17 ? 3 : 7;
          if (!need(l + xb)) {
            wait = true;
            break;
          }
          hold_ >>= l;
          bits_ -= l;
          uint32_t fill, rep;
          if (v == 16) {
            if (have_ == 0) {
              bad = true;  // invalid bit length repeat
              break;
            }
            fill = lens_[have_ - 1];
            rep = 3 + uint32_t(hold_ & 3);
          } else if (v == 17) {
            fill = 0;
            rep = 3 + uint32_t(hold_ & 7);
          } else {
            fill = 0;
            rep = 11 + uint32_t(hold_ & 127);
          }
          hold_ >>= xb;
          bits_ -= xb;
          if (have_ + rep > total) {
            bad = true;  // invalid bit length repeat
            break;
          }
          while (rep--) lens_[have_++] = uint8_t(fill);
        }
        if (bad) {
          mode_ = Mode::Bad;
          break;
        }
        if (wait) {
          stop = true;
          break;
        }
        lit_root_ = 9;
        dist_root_ = 6;
        if (lens_[256] == 0 || !build(lens_, nlen_, Kind::Lens, lit_, kLitSize, lit_root_) ||
            !build(lens_ + nlen_, ndist_, Kind::Dists, dist_t_, kDistSize, dist_root_)) {
          mode_ = Mode::Bad;  // no end-of-block code, invalid literal/length or distance set
          break;
        }
        mode_ = Mode::Len;
        break;
      }
      case Mode::Len: {
        if (in_end_ - in_ >= 8 && out_end - out >= 258) {
          uint64_t before = total_out_;
          total_out_ = written();
          fast(out, out_end);
          total_out_ = before;  // written() counts from `start` again
          break;
        }
        uint32_t e;
        if (!decode(lit_, lit_root_, e)) {
          stop = true;
          break;
        }
        switch (e_kind(e)) {
          case kLit:
            length_ = e_val(e);
            mode_ = Mode::Lit;
            break;
          case kEob: mode_ = Mode::Header; break;
          case kBase:
            length_ = e_val(e);
            extra_ = e_extra(e);
            mode_ = Mode::LenExt;
            break;
          default: mode_ = Mode::Bad; break;  // invalid literal/length code
        }
        break;
      }
      case Mode::LenExt:
      case Mode::DistExt: {  // the extra bits of a length or of a distance
        if (!need(extra_)) {
          stop = true;
          break;
        }
        const bool len = mode_ == Mode::LenExt;
        (len ? length_ : dist_) += uint32_t(hold_ & mask(extra_));
        hold_ >>= extra_;
        bits_ -= extra_;
        mode_ = len ? Mode::Dist : Mode::Match;
        break;
      }
      case Mode::Dist: {
        uint32_t e;
        if (!decode(dist_t_, dist_root_, e)) {
          stop = true;
          break;
        }
        if (e_kind(e) != kBase) {
          mode_ = Mode::Bad;  // invalid distance code
          break;
        }
        dist_ = e_val(e);
        extra_ = e_extra(e);
        mode_ = Mode::DistExt;
        break;
      }
      case Mode::Match: {
        if (out == out_end) {
          stop = true;
          break;
        }
        if (dist_ > written()) {
          mode_ = Mode::Bad;  // distance too far back
          break;
        }
        uint32_t c = std::min<uint32_t>(length_, uint32_t(out_end - out));
        const uint8_t* from = out - dist_;
        for (uint32_t i = 0; i < c; ++i) out[i] = from[i];
        out += c;
        length_ -= c;
        if (length_ == 0) mode_ = Mode::Len;
        break;
      }
      case Mode::Lit:
        if (out == out_end) {
          stop = true;
          break;
        }
        *out++ = uint8_t(length_);
        mode_ = Mode::Len;
        break;
      case Mode::Done:
        st = Status::End;
        stop = true;
        break;
      case Mode::Bad:
        st = Status::Error;
        stop = true;
        break;
    }
  }
  produced = uint32_t(out - start);
  total_out_ += produced;
  wpos_ += produced;
  used = size_t(in_ - in);
  total_in_ += used;
  out_ptr = start;
  return st;
}

}  // namespace ww::app::http
