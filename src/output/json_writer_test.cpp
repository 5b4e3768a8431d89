#include "output/json_writer.h"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace ww::output {
namespace {

// The reference: RapidJSON's writer, which EVE used before JsonWriter; for text that is valid
// UTF-8 (and for keys, whatever their bytes) both must write the same bytes.
struct Both {
  JsonWriter ours;
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> ref{sb};
  std::string reference() const { return {sb.GetString(), sb.GetSize()}; }
  std::string text() const { return std::string(ours.text()); }
};

std::string ours_double(double d) {
  char buf[40];
  return std::string(buf, write_double(buf, d));
}
std::string ref_double(double d) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.Double(d);
  return {sb.GetString(), sb.GetSize()};
}

TEST(JsonWriter, EveryByteEscapedAsBefore) {
  // Each byte value alone, and inside plain text of the lengths of the fast paths.
  for (int c = 0; c < 0x80; ++c) {
    for (size_t len : {1, 3, 7, 8, 15, 16, 17, 40}) {
      std::string t(len, 'x');
      t[len / 2] = char(c);
      Both b;
      for (auto* w : {&b.ours}) {
        w->StartObject();
        w->Key(t.data(), t.size());
        w->String(t.data(), t.size());
        w->EndObject();
      }
      b.ref.StartObject();
      b.ref.Key(t.data(), rapidjson::SizeType(t.size()));
      b.ref.String(t.data(), rapidjson::SizeType(t.size()));
      b.ref.EndObject();
      EXPECT_EQ(b.text(), b.reference()) << c << " len " << len;
    }
  }
  // Keys keep every byte as it is (non-ASCII included); so do strings that are valid UTF-8.
  std::string high;
  for (int c = 0x80; c < 0x100; ++c) high += char(c);
  Both b;
  b.ours.StartArray();
  b.ours.String("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  b.ours.StartObject();
  b.ours.Key(high);
  b.ours.Null();
  b.ours.EndObject();
  b.ours.EndArray();
  b.ref.StartArray();
  b.ref.String("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  b.ref.StartObject();
  b.ref.Key(high.data(), rapidjson::SizeType(high.size()));
  b.ref.Null();
  b.ref.EndObject();
  b.ref.EndArray();
  EXPECT_EQ(b.text(), b.reference());
  EXPECT_EQ(b.text().substr(0, 21),
            std::string("[\"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",{\"\x80"));
}

TEST(JsonWriter, StrayBytesBecomeCharacters) {
  JsonWriter w;
  // a stray 0xE4, a valid "é", an escape, a truncated 3-byte sequence at the end
  w.String(
      std::string_view("a\xe4"
                       "b\xc3\xa9\"c\xe2\x82",
                       9));
  EXPECT_EQ(w.text(),
            "\"a\xc3\xa4"
            "b\xc3\xa9\\\"c\xc3\xa2\xc2\x82\"");
  EXPECT_TRUE(valid_utf8(w.text()));
}

TEST(JsonWriter, EmptyContainersAndNesting) {
  JsonWriter w;
  w.StartObject();
  w.EndObject();
  EXPECT_EQ(w.text(), "{}");
  EXPECT_TRUE(w.IsComplete());
  w.clear();
  w.Reset();
  EXPECT_FALSE(w.IsComplete());
  w.StartArray();
  w.EndArray();
  EXPECT_EQ(w.text(), "[]");
  w.clear();
  w.Reset();
  w.StartObject();
  w.Key("a");
  w.StartArray();
  w.StartArray();
  w.EndArray();
  w.StartObject();
  w.EndObject();
  w.Uint(1);
  w.StartArray();
  EXPECT_FALSE(w.has_members());
  w.Int(-2);
  EXPECT_TRUE(w.has_members());
  w.EndArray();
  w.EndArray();
  w.Key("");
  w.String("");
  EXPECT_FALSE(w.IsComplete());
  w.EndObject();
  EXPECT_TRUE(w.IsComplete());
  EXPECT_EQ(w.text(), R"({"a":[[],{},1,[-2]],"":""})");
}

// Random sequences of every kind of call, on both writers: commas, colons, nesting.
TEST(JsonWriter, RandomDocumentsMatchReference) {
  std::mt19937_64 rng(12345);
  const std::vector<std::string> texts = {
      "", "a", "flow_id", "0123456789abcdefXYZ", "tab\there", std::string(300, 'z'), "q\"b\\"};
  for (int doc = 0; doc < 2000; ++doc) {
    Both b;
    // bit i of `arrays`: level i+1 is an array; `key` when an object's next call is a key
    uint64_t arrays = 0;
    int depth = 0;
    bool key = false;
    // The same call on both writers (their signatures agree for these).
    auto both = [&](auto call) {
      call(b.ours);
      call(b.ref);
    };
    auto value = [&](int kind) {
      uint64_t r = rng();
      const std::string& t = texts[r % texts.size()];
      switch (kind) {
        case 0:
          both([&](auto& w) { w.Uint64(r); });
          break;
        case 1:
          both([&](auto& w) { w.Int64(int64_t(r) >> (r & 63)); });
          break;
        case 2:
          both([&](auto& w) { w.Uint(unsigned(r >> 40)); });
          break;
        case 3:
          both([&](auto& w) { w.Int(int(r)); });
          break;
        case 4:
          both([&](auto& w) { w.Bool(r & 1); });
          break;
        case 5:
          both([&](auto& w) { w.Null(); });
          break;
        case 6:
          both([&](auto& w) { w.String(t.data(), rapidjson::SizeType(t.size())); });
          break;
        case 7:
          both([&](auto& w) { w.RawValue("{\"x\":1}", 7, rapidjson::kObjectType); });
          break;
        default: {
          double d = double(int64_t(r % 2000001) - 1000000) / 1000.0;
          both([&](auto& w) { w.Double(d); });
        }
      }
    };
    auto close = [&](bool array) {
      if (array)
        both([](auto& w) { w.EndArray(); });
      else
        both([](auto& w) { w.EndObject(); });
      --depth;
    };
    both([](auto& w) { w.StartObject(); });
    depth = 1;
    key = true;
    for (int step = 0; step < 60 && depth > 0; ++step) {
      bool in_array = (arrays >> (depth - 1)) & 1;
      if (!in_array && key && rng() % 6 == 0) {
        close(false);
        continue;
      }
      if (!in_array && key) {
        const std::string& t = texts[rng() % texts.size()];
        both([&](auto& w) { w.Key(t.data(), rapidjson::SizeType(t.size())); });
        key = false;
        continue;
      }
      unsigned op = unsigned(rng() % (in_array ? 12 : 10));
      if (op == 9 && depth < 60) {
        bool arr = rng() & 1;
        if (arr) {
          both([](auto& w) { w.StartArray(); });
          arrays |= uint64_t(1) << depth;
        } else {
          both([](auto& w) { w.StartObject(); });
          arrays &= ~(uint64_t(1) << depth);
        }
        ++depth;
        key = !arr;
        continue;
      }
      if (op < 10)
        value(int(op % 9));
      else
        close(true);
      key = true;
    }
    while (depth > 0) {
      bool in_array = (arrays >> (depth - 1)) & 1;
      if (!in_array && !key) both([](auto& w) { w.Null(); });
      close(in_array);
      key = true;
    }
    EXPECT_TRUE(b.ours.IsComplete());
    ASSERT_EQ(b.text(), b.reference()) << "document " << doc;
  }
}

TEST(JsonWriter, IntegersAtTheirLimits) {
  std::vector<uint64_t> u = {0,
                             9,
                             10,
                             99,
                             100,
                             999,
                             1000,
                             9999,
                             10000,
                             99999,
                             100000,
                             4294967295u,
                             4294967296u,
                             999999999999999999u,
                             1000000000000000000u,
                             9999999999999999999u,
                             10000000000000000000u,
                             std::numeric_limits<uint64_t>::max()};
  for (uint64_t v = 1; v && v < (uint64_t(1) << 63); v *= 3) u.push_back(v);
  for (int d = 1; d < 20; ++d) {  // 10^d - 1 and 10^d: where the digit count changes
    uint64_t p = 1;
    for (int i = 0; i < d; ++i) p *= 10;
    u.push_back(p - 1);
    u.push_back(p);
  }
  std::mt19937_64 rng(99);
  for (int i = 0; i < 100000; ++i) u.push_back(rng() >> (rng() & 63));
  for (uint64_t v : u) {
    Both b;
    b.ours.Uint64(v);
    b.ref.Uint64(v);
    EXPECT_EQ(b.text(), b.reference());
    EXPECT_EQ(b.text(), std::to_string(v));
  }
  for (int64_t v : {int64_t(0), int64_t(-1), int64_t(-10), std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    Both b;
    b.ours.Int64(v);
    b.ref.Int64(v);
    EXPECT_EQ(b.text(), b.reference());
  }
}

// EVE writes one double: a file's entropy rounded to 4 decimal places (0 to 8). Every such value
// is written as before.
TEST(JsonWriter, EntropyValuesAsBefore) {
  for (int k = 0; k <= 80000; ++k) {
    double d = std::round(k / 10000.0 * 10000) / 10000;
    ASSERT_EQ(ours_double(d), ref_double(d)) << k;
  }
  EXPECT_EQ(ours_double(4.8723), "4.8723");
  EXPECT_EQ(ours_double(1.0), "1.0");
  EXPECT_EQ(ours_double(0.0), "0.0");
  EXPECT_EQ(ours_double(-0.0), "-0.0");
}

// The formats of the other ranges (exponents, small fractions, large integers).
TEST(JsonWriter, DoubleFormats) {
  const std::vector<std::pair<double, const char*>> cases = {
      {1e21, "1e21"},
      {1e22, "1e22"},
      {1e20, "100000000000000000000.0"},
      {1.5e21, "1.5e21"},
      {123456789012.5, "123456789012.5"},
      {1e-7, "1e-7"},
      {1.5e-7, "1.5e-7"},
      {1e-6, "0.000001"},
      {0.000001234, "0.000001234"},
      {0.001, "0.001"},
      {0.1, "0.1"},
      {0.5, "0.5"},
      {100.0, "100.0"},
      {1e100, "1e100"},
      {1.7976931348623157e308, "1.7976931348623157e308"},
      {5e-324, "5e-324"},
      {3.14159, "3.14159"},
      {12345.678, "12345.678"},
      {1e15, "1000000000000000.0"},
      {9007199254740993.0, "9007199254740992.0"}};
  for (auto [d, text] : cases) {
    EXPECT_EQ(ours_double(d), text);
    EXPECT_EQ(ours_double(d), ref_double(d)) << text;
    EXPECT_EQ(ours_double(-d), "-" + std::string(text));
  }
}

// Random doubles of every magnitude: the text reads back as the value. RapidJSON's Grisu2 does
// not always find the shortest or the closest digits (1.2499999999999999e22 for 1.25e22): ours
// are never longer than its, and the same for most values.
TEST(JsonWriter, DoublesRoundTrip) {
  std::vector<double> ds;
  for (int e = -30; e <= 30; ++e) {
    ds.push_back(std::pow(10.0, e));
    ds.push_back(1.25 * std::pow(10.0, e));
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, 8);
    if (std::isfinite(d)) ds.push_back(d);
    ds.push_back(double(int64_t(bits % 100000000)) / 1000.0);
  }
  size_t same = 0;
  for (double d : ds) {
    std::string a = ours_double(d), r = ref_double(d);
    ASSERT_EQ(std::strtod(a.c_str(), nullptr), d) << a;
    ASSERT_LE(a.size(), r.size()) << a << " vs " << r;
    same += a == r;
  }
  EXPECT_GT(same, ds.size() / 2);
}

TEST(JsonWriter, NonFiniteDoubleIsNull) {
  JsonWriter w;
  w.StartArray();
  w.Double(std::numeric_limits<double>::quiet_NaN());
  w.Double(std::numeric_limits<double>::infinity());
  w.Double(2.0);
  w.EndArray();
  EXPECT_EQ(w.text(), "[null,null,2.0]");
}

TEST(JsonWriter, AppendMembersAndRawText) {
  JsonWriter w;
  w.StartObject();
  w.Key("a");
  w.Uint(1);
  size_t from = w.size();
  ASSERT_TRUE(w.has_members());
  w.Key("b");
  w.String("x");
  w.Key("c");
  w.StartArray();
  w.EndArray();
  std::string kept(w.text().substr(from));
  EXPECT_EQ(kept, R"(,"b":"x","c":[])");
  w.EndObject();
  w.put('\n');
  w.Reset();
  w.StartObject();
  w.Key("a");
  w.Uint(2);
  w.append_members(kept);
  w.Key("d");  // a comma after the appended members
  w.RawValue("{\"y\":[1]}", 9);
  w.EndObject();
  w.append("\n");
  EXPECT_EQ(w.text(),
            "{\"a\":1,\"b\":\"x\",\"c\":[]}\n{\"a\":2,\"b\":\"x\",\"c\":[],\"d\":{\"y\":[1]}}\n");
}

TEST(JsonWriter, BufferGrowsAndIsKept) {
  JsonWriter w;
  std::string big(100000, 'q');
  w.StartArray();
  for (int i = 0; i < 10; ++i) w.String(big);
  w.EndArray();
  EXPECT_EQ(w.size(), 10 * (big.size() + 3) + 1);
  const char* before = w.data();
  w.clear();
  w.Reset();
  w.String(big);
  EXPECT_EQ(w.data(), before);  // no new allocation once warm
  EXPECT_EQ(w.size(), big.size() + 2);
}

}  // namespace
}  // namespace ww::output
