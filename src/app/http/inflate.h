// app/http: raw deflate (RFC 1951) decoder for compressed response bodies, fed as bytes come.
//
// What it does: stored, fixed and dynamic Huffman blocks, 32 KiB of history. Each run() is one
// zlib inflate() call with the same input and an output room of at most kChunk bytes, and it
// gives what zlib 1.2 gives for it: the same output, the same input bytes consumed (zlib pulls
// a byte only when the next step needs more bits; it decodes on until a byte must be written
// and there is no room, or the input is used up), the same end of stream, and each error found
// at the same bit (block type 3, stored length check, too many length or distance codes, code
// lengths over-subscribed or incomplete other than one code of one bit, a length repeat with
// nothing to repeat or past the end, no end-of-block code, invalid literal/length or distance
// codes, a distance further back than the output so far). So the parser's bomb limits and
// fallbacks behave as they did with zlib.
// Why: zlib's inflate copies each output byte into its window and copies matches a byte at a
// time; this one writes the output into its history buffer and copies matches 8 bytes at a time.
// Invariants: no allocation (the object, ~60 KiB, lives in the flow arena); every table index
// and history read is bounded (distances are checked against the output so far).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ww::app::http {

class Inflater {
 public:
  static constexpr uint32_t kWindow = 32768;  // distances reach at most 32 KiB back
  static constexpr uint32_t kChunk = 8192;    // output room per run() at most
  enum class Status : uint8_t { Ok, End, Error };

  Inflater() noexcept {}  // buffers are not cleared: reset() starts a stream
  void reset() noexcept;
  // Inflates from `in` (n bytes offered; `used` of them consumed) into at most `room` bytes
  // (room <= kChunk), written at `out` (`produced` bytes, valid until the next run()).
  Status run(const uint8_t* in, size_t n, size_t& used, uint32_t room, const uint8_t*& out,
             uint32_t& produced) noexcept;
  uint64_t total_in() const noexcept { return total_in_; }
  uint64_t total_out() const noexcept { return total_out_; }

 private:
  enum class Mode : uint8_t {
    Header, StoredLen, Stored, Counts, CodeLenLens, CodeLens, Len, LenExt, Dist, DistExt, Lit,
    Match, Done, Bad,
  };
  enum class Kind : uint8_t { Codes, Lens, Dists };
  // Table sizes: the root (2^9 literal/length, 2^6 distance entries) and a subtable of
  // 2^(longest - root) entries under each root index of longer codes. Each such subtable needs
  // at least (longest - root + 1) codes, so at most 40 of 64 entries (286 codes) and 3 of 512
  // (30 codes) fit.
  static constexpr uint32_t kLitSize = 512 + 40 * 64 + 32;
  static constexpr uint32_t kDistSize = 64 + 3 * 512;
  static constexpr uint32_t kBuf = kWindow + kChunk + 16;  // history, output, copy slack

  bool build(const uint8_t* lens, uint32_t n, Kind kind, uint32_t* table, uint32_t cap,
             uint32_t& root) noexcept;
  bool fixed_tables() noexcept;
  bool pull() noexcept;
  bool need(uint32_t n) noexcept;
  bool decode(const uint32_t* t, uint32_t root, uint32_t& e) noexcept;
  void fast(uint8_t*& out, uint8_t* out_end) noexcept;

  // The input of the current run().
  const uint8_t* in_ = nullptr;
  const uint8_t* in_end_ = nullptr;
  uint64_t hold_ = 0;  // bits pulled and not used, first bit lowest
  uint32_t bits_ = 0;
  uint64_t total_in_ = 0, total_out_ = 0;
  Mode mode_ = Mode::Header;
  bool last_ = false;        // the current block is the last one
  uint32_t length_ = 0;      // stored bytes left / match length / pending literal
  uint32_t dist_ = 0;        // match distance
  uint32_t extra_ = 0;       // extra bits of the length or distance being read
  uint32_t nlen_ = 0, ndist_ = 0, ncode_ = 0, have_ = 0;
  uint32_t lit_root_ = 0, dist_root_ = 0, code_root_ = 0;
  uint32_t wpos_ = 0;  // where the next output byte goes in buf_ (history before it)
  uint8_t lens_[320];
  uint32_t lit_[kLitSize];
  uint32_t dist_t_[kDistSize];
  uint32_t code_t_[128];
  uint8_t buf_[kBuf];
};

}  // namespace ww::app::http
