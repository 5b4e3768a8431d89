#include "app/http/inflate.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace ww::app::http {

// zlib's deflate of `in` (windowBits as deflateInit2 takes them: negative raw, 8-15 zlib, 16+
// gzip, with `header` when given); also used by parser_test.cpp.
std::string zlib_compress(const std::string& in, int level, int window_bits, int strategy,
                          gz_header* header) {
  z_stream z{};
  deflateInit2(&z, level, Z_DEFLATED, window_bits, 8, strategy);
  if (header) deflateSetHeader(&z, header);
  std::string out(deflateBound(&z, uLong(in.size())) + 256, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

namespace {

std::string deflate_raw(const std::string& in, int level, int strategy, int wbits) {
  return zlib_compress(in, level, -wbits, strategy, nullptr);
}

// Feeds `in` cut at the given sizes to zlib's inflate() (raw, output room `room` a call) and to
// Inflater the way the HTTP parser calls them, and checks every call gives the same: status,
// output, bytes consumed. Returns a short description of the first difference ("" if none).
std::string differential(const std::string& in, const std::vector<size_t>& cuts, uint32_t room) {
  z_stream z{};
  inflateInit2(&z, -15);
  auto inf = std::make_unique<Inflater>();
  inf->reset();
  std::vector<uint8_t> zout(room);
  size_t pos = 0, cut = 0, calls = 0;
  std::string why;
  bool over = false;
  while (pos < in.size() && !over) {
    size_t n = std::min(in.size() - pos, cuts.empty() ? in.size() : cuts[cut++ % cuts.size()]);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(in.data()) + pos;
    size_t left = n;
    z.next_in = const_cast<Bytef*>(p);
    z.avail_in = uInt(n);
    for (;;) {
      ++calls;
      z.next_out = zout.data();
      z.avail_out = room;
      uInt before_in = z.avail_in;
      int rc = inflate(&z, Z_NO_FLUSH);
      size_t zgot = room - z.avail_out, zused = before_in - z.avail_in;
      size_t used;
      const uint8_t* out;
      uint32_t got;
      Inflater::Status st = inf->run(p + (n - left), left, used, room, out, got);
      left -= used;
      int zst = rc == Z_STREAM_END ? 1 : rc == Z_DATA_ERROR ? 2 : (rc == Z_OK || rc == Z_BUF_ERROR) ? 0 : 3;
      int ist = st == Inflater::Status::End ? 1 : st == Inflater::Status::Error ? 2 : 0;
      std::string at = " at call " + std::to_string(calls) + " offset " + std::to_string(pos);
      if (zst != ist) return "status zlib " + std::to_string(zst) + " ours " + std::to_string(ist) + at;
      if (zgot != got) return "output zlib " + std::to_string(zgot) + " ours " + std::to_string(got) + at;
      if (got && std::memcmp(zout.data(), out, got) != 0) return "output bytes differ" + at;
      if (zused != used) return "used zlib " + std::to_string(zused) + " ours " + std::to_string(used) + at;
      if (z.total_in != inf->total_in() || z.total_out != inf->total_out()) return "totals differ" + at;
      if (zst != 0) {
        over = true;
        break;
      }
      if (z.avail_in == 0 && z.avail_out != 0) break;
      if (zgot == 0 && rc == Z_BUF_ERROR) break;
    }
    pos += n;
  }
  inflateEnd(&z);
  return why;
}

std::string sample_text(std::mt19937& rng, size_t n) {
  static const char* kWords[] = {"patient", "ward", "report", "imaging", "doctor", "the", "and",
                                 "blood", "pressure", "appointment", "<p>", "</p>\n", "results"};
  std::string s;
  while (s.size() < n) {
    s += kWords[rng() % 13];
    s += rng() % 7 ? ' ' : '\n';
    if (rng() % 50 == 0)
      for (int i = 0; i < 20; ++i) s += char(rng());
  }
  s.resize(n);
  return s;
}

TEST(Inflater, SameAsZlibOnValidStreams) {
  std::mt19937 rng(7);
  const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED};
  for (int round = 0; round < 120; ++round) {
    size_t n = rng() % 3 == 0 ? rng() % 300 : rng() % 120000;
    std::string plain;
    switch (round % 4) {
      case 0: plain = sample_text(rng, n); break;
      case 1: for (size_t i = 0; i < n; ++i) plain += char(rng()); break;
      case 2: plain = std::string(n, char('a' + round % 26)); break;
      default:
        plain = sample_text(rng, n / 2);
        for (size_t i = 0; i < n / 2; ++i) plain += char(rng() % 4);
    }
    int level = int(rng() % 10), strategy = strategies[rng() % 5], wbits = 9 + int(rng() % 7);
    std::string z = deflate_raw(plain, level, strategy, wbits);
    std::vector<size_t> cuts;
    int how = int(rng() % 4);
    for (int i = 0; i < 16; ++i)
      cuts.push_back(how == 0 ? 1 : how == 1 ? 1 + rng() % 16 : how == 2 ? 1 + rng() % 3000 : 1448);
    uint32_t room = rng() % 4 == 0 ? 1 + rng() % Inflater::kChunk : Inflater::kChunk;
    EXPECT_EQ(differential(z, cuts, room), "") << "round " << round << " level " << level;
  }
}

TEST(Inflater, SameAsZlibOnDamagedStreams) {
  std::mt19937 rng(11);
  for (int round = 0; round < 1500; ++round) {
    std::string plain = sample_text(rng, rng() % 20000);
    std::string z = deflate_raw(plain, int(rng() % 10), rng() % 5 == 0 ? Z_FIXED : Z_DEFAULT_STRATEGY, 15);
    switch (round % 5) {
      case 0:  // a few flipped bits
        for (int i = 0, k = 1 + int(rng() % 3); i < k && !z.empty(); ++i) z[rng() % z.size()] ^= char(1 << (rng() % 8));
        break;
      case 1:  // a flipped bit near the start (block headers, code lengths)
        if (!z.empty()) z[rng() % std::min<size_t>(z.size(), 80)] ^= char(1 << (rng() % 8));
        break;
      case 2:  // cut short
        z.resize(rng() % (z.size() + 1));
        break;
      case 3:  // random bytes
        for (auto& c : z) c = char(rng());
        break;
      default:  // a random byte replaced
        if (!z.empty()) z[rng() % z.size()] = char(rng());
    }
    std::vector<size_t> cuts = {1 + rng() % 2000, 1 + rng() % 7, 1448};
    uint32_t room = rng() % 3 == 0 ? 1 + rng() % 600 : Inflater::kChunk;
    EXPECT_EQ(differential(z, cuts, room), "") << "round " << round;
  }
}

// Hand-made streams at the edges zlib decides on: an empty stored block, a stored length that
// does not check, block type 3, a distance before the start, a code of a single bit.
TEST(Inflater, SameAsZlibOnEdgeStreams) {
  const std::vector<std::string> streams = {
      std::string("\x01\x00\x00\xff\xff", 5),             // final empty stored block
      std::string("\x01\x03\x00\xfc\xff", 5) + "abc",          // stored "abc"
      std::string("\x01\x03\x00\xfc\xfe", 5) + "abc",          // stored, NLEN wrong
      std::string("\x07\x00", 2),                          // block type 3
      std::string("\x03\x00", 2),                          // fixed, end of block
      std::string("\x63\x00\x02\x00", 4),                  // fixed: literal then a far distance
      std::string("\x05\xc0\x21\x01\x00\x00\x00\x80\xa0\xfd\xa9\x17\x00", 13),
      std::string("\xed\xbd", 2), std::string(""),
  };
  for (const std::string& s : streams)
    for (uint32_t room : {1u, 3u, Inflater::kChunk})
      EXPECT_EQ(differential(s, {1}, room), "") << s.size();
}

}  // namespace
}  // namespace ww::app::http
