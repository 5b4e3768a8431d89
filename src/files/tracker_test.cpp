#include "files/tracker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "app/test_harness.h"
#include "flow/flow.h"
#include "output/eve.h"

namespace ww::files {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The 68-byte EICAR anti-virus test file (eicar.org).
constexpr std::string_view kEicar =
    "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
constexpr std::string_view kEicarMd5 = "44d88612fea8a8f36de82e1278abb02f";
constexpr std::string_view kEicarSha1 = "3395856ce81f2b7382dee72602f798b642f14140";
constexpr std::string_view kEicarSha256 =
    "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

Bytes b(std::string_view s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

std::string hex(const uint8_t* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += kHex[p[i] >> 4];
    s += kHex[p[i] & 15];
  }
  return s;
}

struct Seen {
  std::string name, magic, md5, sha1, sha256;
  uint64_t size = 0, tx_id = 0;
  double entropy = 0;
  bool truncated = false, gaps = false, dicom = false, dicom_exec = false;
};

struct Fixture {
  StatsBlock stats;
  std::string eve_text;
  std::unique_ptr<output::EveOutput> out;
  std::unique_ptr<output::EveWriter> eve;
  std::unique_ptr<FileTracker> t;
  flow::Flow f;
  FlowFiles ff;
  std::vector<Seen> seen;

  // The tests check every hash, including MD5 and SHA-1 (off by default).
  static FileTrackerConfig all_hashes() {
    FileTrackerConfig c;
    c.md5 = true;
    c.sha1 = true;
    return c;
  }
  explicit Fixture(FileTrackerConfig cfg = all_hashes()) {
    out = std::make_unique<output::EveOutput>(EveOutputConfig{});
    out->add_sink(std::make_unique<app::test::MemorySink>(&eve_text));
    eve = std::make_unique<output::EveWriter>(out.get());
    t = std::make_unique<FileTracker>(stats, eve.get(), "eth0", cfg);
    t->set_observer(
        [](const FileResult& r, void* arg) {
          Seen s;
          s.name = r.name;
          s.magic = r.magic;
          s.md5 = hex(r.md5, 16);
          s.sha1 = hex(r.sha1, 20);
          s.sha256 = hex(r.sha256, 32);
          s.size = r.size;
          s.tx_id = r.tx_id;
          s.entropy = r.entropy;
          s.truncated = r.truncated;
          s.gaps = r.gaps;
          s.dicom = r.dicom;
          s.dicom_exec = r.dicom_preamble_executable;
          static_cast<Fixture*>(arg)->seen.push_back(s);
        },
        this);
    f.flow_id = 7;
    f.src = IpAddr::v4(0x0a000001);
    f.dst = IpAddr::v4(0x0a000002);
    f.sp = 40000;
    f.dp = 80;
    f.proto = ipproto::kTcp;
  }
  uint32_t open(std::string_view name = "f", uint64_t tx = 0) {
    return t->open(f, ff, Direction::ToClient, name, tx, app::Proto::Http);
  }
  // A whole file in one call, closed Complete.
  Seen whole(std::string_view content, std::string_view name = "f") {
    uint32_t id = open(name);
    t->data(id, b(content));
    t->close(id, app::FileEnd::Complete);
    return seen.back();
  }
  std::string events() {
    eve->flush();
    return eve_text;
  }
};

TEST(FileTracker, DefaultConfigHashesSha256Only) {
  Fixture x{FileTrackerConfig{}};
  Seen s = x.whole(kEicar, "eicar.com");
  EXPECT_EQ(s.sha256, kEicarSha256);
  std::string e = x.events();
  EXPECT_THAT(e, HasSubstr("\"sha256\":\"" + std::string(kEicarSha256) + "\""));
  EXPECT_THAT(e, Not(HasSubstr("\"md5\"")));
  EXPECT_THAT(e, Not(HasSubstr("\"sha1\"")));
}

TEST(FileTracker, EicarHashesAndEvent) {
  Fixture x;
  Seen s = x.whole(kEicar, "eicar.com");
  EXPECT_EQ(s.md5, kEicarMd5);
  EXPECT_EQ(s.sha1, kEicarSha1);
  EXPECT_EQ(s.sha256, kEicarSha256);
  EXPECT_EQ(s.size, 68u);
  EXPECT_FALSE(s.truncated);
  std::string e = x.events();
  EXPECT_THAT(e, HasSubstr("\"event_type\":\"fileinfo\""));
  EXPECT_THAT(e, HasSubstr("\"app_proto\":\"http\""));
  EXPECT_THAT(e, HasSubstr("\"filename\":\"eicar.com\""));
  EXPECT_THAT(e, HasSubstr("\"sha256\":\"" + std::string(kEicarSha256) + "\""));
  EXPECT_THAT(e, HasSubstr("\"md5\":\"" + std::string(kEicarMd5) + "\""));
  EXPECT_THAT(e, HasSubstr("\"state\":\"CLOSED\""));
  EXPECT_THAT(e, HasSubstr("\"stored\":false"));
  EXPECT_THAT(e, HasSubstr("\"size\":68"));
  EXPECT_THAT(e, HasSubstr("\"gaps\":false"));
  EXPECT_THAT(e, HasSubstr("\"entropy\":"));
  EXPECT_THAT(e, Not(HasSubstr("dicom_preamble_executable")));
  EXPECT_EQ(x.stats.value("files.opened"), 1u);
  EXPECT_EQ(x.stats.value("files.closed"), 1u);
  EXPECT_EQ(x.stats.value("files.bytes"), 68u);
  EXPECT_EQ(x.t->open_files(), 0u);
}

// As Suricata, fileinfo's src is the file's sender: the server for a download (to_client),
// the client for an upload.
TEST(FileTracker, EntropyOffWritesNoEntropyAndKeepsTheRest) {
  FileTrackerConfig c;
  c.entropy = false;  // files.entropy: no
  Fixture x{c};
  Seen s = x.whole(kEicar, "eicar.com");
  EXPECT_EQ(s.sha256, kEicarSha256);
  EXPECT_EQ(s.size, 68u);
  EXPECT_EQ(s.entropy, 0.0);
  std::string e = x.events();
  EXPECT_THAT(e, HasSubstr("\"size\":68"));
  EXPECT_THAT(e, Not(HasSubstr("\"entropy\"")));
  // On (the default), the same file has its entropy.
  Fixture on{FileTrackerConfig{}};
  EXPECT_GT(on.whole(kEicar, "eicar.com").entropy, 4.0);
  EXPECT_THAT(on.events(), HasSubstr("\"entropy\":"));
}

TEST(FileTracker, FileinfoSrcIsTheSender) {
  Fixture x;
  x.whole(kEicar, "download");
  uint32_t id = x.t->open(x.f, x.ff, Direction::ToServer, "upload", 1, app::Proto::Http);
  x.t->data(id, b(kEicar));
  x.t->close(id, app::FileEnd::Complete);
  std::string e = x.events();
  size_t nl = e.find('\n');
  ASSERT_NE(nl, std::string::npos);
  EXPECT_THAT(e.substr(0, nl), HasSubstr(R"("src_ip":"10.0.0.2","src_port":80,"dest_ip":"10.0.0.1")"));
  EXPECT_THAT(e.substr(nl), HasSubstr(R"("src_ip":"10.0.0.1","src_port":40000,"dest_ip":"10.0.0.2")"));
}

// The transaction's object (set_app_record) is written into the fileinfo event.
TEST(FileTracker, AppRecordInFileinfo) {
  Fixture x;
  uint32_t id = x.open("eicar.txt");
  x.t->set_app_record(id, "http", R"({"hostname":"h.example","http_method":"GET"})");
  x.t->data(id, b(kEicar));
  x.t->close(id, app::FileEnd::Complete);
  Seen s2 = x.whole(kEicar, "second");  // a reused slot starts without one
  (void)s2;
  std::string e = x.events();
  EXPECT_THAT(e, HasSubstr(R"("http":{"hostname":"h.example","http_method":"GET"},"app_proto":"http","fileinfo":{"filename":"eicar.txt")"));
  EXPECT_THAT(e, HasSubstr(R"("app_proto":"http","fileinfo":{"filename":"second")"));
  EXPECT_EQ(e.find("\"http\":{"), e.rfind("\"http\":{"));
}

TEST(FileTracker, EmptyFileHashes) {
  Fixture x;
  Seen s = x.whole("");
  EXPECT_EQ(s.md5, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(s.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.size, 0u);
  EXPECT_EQ(s.entropy, 0);
}

// Split in two at every offset, and byte by byte: the same hashes.
TEST(FileTracker, SplitAtEveryOffset) {
  Fixture x;
  for (size_t cut = 0; cut <= kEicar.size(); ++cut) {
    uint32_t id = x.open();
    x.t->data(id, b(kEicar.substr(0, cut)));
    x.t->data(id, b(kEicar.substr(cut)));
    x.t->close(id, app::FileEnd::Complete);
    ASSERT_EQ(x.seen.back().sha256, kEicarSha256) << "cut at " << cut;
    ASSERT_EQ(x.seen.back().md5, kEicarMd5) << "cut at " << cut;
    ASSERT_EQ(x.seen.back().sha1, kEicarSha1) << "cut at " << cut;
  }
  uint32_t id = x.open();
  for (char c : kEicar) x.t->data(id, b(std::string_view(&c, 1)));
  x.t->close(id, app::FileEnd::Complete);
  EXPECT_EQ(x.seen.back().sha256, kEicarSha256);
  EXPECT_EQ(x.seen.back().size, 68u);
}

TEST(FileTracker, Entropy) {
  Fixture x;
  EXPECT_DOUBLE_EQ(x.whole(std::string(1000, 'A')).entropy, 0.0);
  std::string all;
  for (int r = 0; r < 4; ++r)
    for (int i = 0; i < 256; ++i) all += char(i);
  EXPECT_NEAR(x.whole(all).entropy, 8.0, 1e-9);
  EXPECT_NEAR(x.whole("ABAB").entropy, 1.0, 1e-9);
}

TEST(ByteHistogram, EntropyAsThePerBinSumToFourDecimals) {
  // shannon_entropy (log2 of the total, c*log2(c) per bin) against -sum p*log2(p), and
  // ByteHistogram::entropy (read from its four tables) against shannon_entropy of its totals,
  // over skewed and flat contents of many sizes.
  auto reference = [](const uint64_t (&h)[256], uint64_t t) {
    double e = 0;
    for (uint64_t c : h)
      if (c) e -= double(c) / double(t) * std::log2(double(c) / double(t));
    return e;
  };
  uint32_t x = 99;
  for (int round = 0; round < 400; ++round) {
    size_t n = 1 + size_t(round) * 997 % 90000;
    int alphabet = 1 + round % 256;
    std::vector<uint8_t> data(n);
    for (auto& b : data) {
      x = x * 1103515245u + 12345u;
      uint32_t r = x >> 8;
      b = uint8_t(round % 3 ? (r % alphabet) : (r % 7 ? 0 : r % alphabet));  // flat or mostly 0
    }
    ww::files::ByteHistogram h;
    h.clear();
    h.add(data.data(), data.size());
    double e = h.entropy();
    uint64_t want[256] = {};
    for (uint8_t c : data) ++want[c];
    EXPECT_EQ(e, ww::files::shannon_entropy(h.totals(), h.counted())) << round;
    EXPECT_EQ(std::round(e * 10000), std::round(reference(want, n) * 10000)) << round;
    EXPECT_NEAR(e, reference(want, n), 1e-12) << round;
  }
  ww::files::ByteHistogram one;  // a single byte value: exactly 0, not a rounding residue
  one.clear();
  std::vector<uint8_t> same(70000, 0x41);
  one.add(same.data(), same.size());
  EXPECT_EQ(one.entropy(), 0.0);
  EXPECT_FALSE(std::signbit(one.entropy()));
  one.clear();
  EXPECT_EQ(one.entropy(), 0.0);
}

TEST(ByteHistogram, CountsEveryByteWhateverTheChunking) {
  // Pseudo-random bytes with long runs, fed in chunks of 1..149 bytes (so the four tables, the
  // 64-byte loop, the 16-byte loop and the tail loop all take part): the totals equal a plain
  // count.
  std::vector<uint8_t> data(100003);
  uint32_t x = 12345;
  for (size_t i = 0; i < data.size(); ++i) {
    x = x * 1103515245u + 12345u;
    data[i] = (i / 700) % 3 == 0 ? 0 : uint8_t(x >> 24);
  }
  uint64_t want[256] = {};
  for (uint8_t c : data) ++want[c];
  ww::files::ByteHistogram h;
  h.clear();
  size_t off = 0, step = 1;
  while (off < data.size()) {
    size_t n = std::min(step, data.size() - off);
    h.add(data.data() + off, n);
    off += n;
    step = step % 149 + 1;
  }
  for (int v = 0; v < 256; ++v) EXPECT_EQ(h.totals()[v], want[v]) << v;
  h.add(data.data(), 3);  // counting goes on after a fold
  EXPECT_EQ(h.totals()[data[0]], want[data[0]] + (data[0] == data[1]) + (data[0] == data[2]) + 1);
  h.clear();
  for (int v = 0; v < 256; ++v) EXPECT_EQ(h.totals()[v], 0u);
}

TEST(ByteHistogram, SamplesBigFilesByOffsetWhateverTheChunking) {
  // 1 MiB: the first 64 KiB are counted whole, then 256 bytes of every 4 KiB. The offsets
  // decide which bytes count, so two different cuttings give the same histogram, equal to a
  // count of the selected offsets.
  std::vector<uint8_t> data(1024 * 1024);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t((i * 7919) >> 5);
  uint64_t want[256] = {};
  uint64_t want_n = 0;
  for (size_t i = 0; i < data.size(); ++i)
    if (i < ByteHistogram::kExactBytes || i % ByteHistogram::kSampleEvery < ByteHistogram::kSampleBytes) {
      ++want[data[i]];
      ++want_n;
    }
  for (size_t step : {size_t(1460), size_t(4096), size_t(99)}) {
    ByteHistogram h;
    h.clear();
    for (size_t off = 0; off < data.size(); off += step)
      h.sample(off, data.data() + off, std::min(step, data.size() - off));
    EXPECT_EQ(h.counted(), want_n) << step;
    for (int v = 0; v < 256; ++v) ASSERT_EQ(h.totals()[v], want[v]) << step << " " << v;
  }
  EXPECT_LT(want_n, data.size() / 4);  // the sampling does cut the work on big files
}

TEST(FileTracker, MagicPngElfPdf) {
  Fixture x;
  // PNG: signature, then an IHDR chunk (length 13, "IHDR", 1x1, depth 8, colour type 6 RGBA,
  // compression 0, filter 0, interlace 0, CRC).
  std::string png("\x89PNG\r\n\x1a\n"
                  "\x00\x00\x00\x0dIHDR"
                  "\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
                  "\x1f\x15\xc4\x89",
                  33);
  EXPECT_THAT(x.whole(png).magic, HasSubstr("PNG image data"));
  // ELF64 header: e_ident (magic, class 2 = 64-bit, data 1 = LSB, version 1, OS ABI 0), then
  // e_type 2 (EXEC), e_machine 0x3e (x86-64), e_version 1; the rest zero.
  std::string elf(64, '\0');
  const char ident[] = "\x7f" "ELF\x02\x01\x01";
  elf.replace(0, 7, ident, 7);
  elf[16] = 2;     // e_type
  elf[18] = 0x3e;  // e_machine
  elf[20] = 1;     // e_version
  elf[52] = 64;    // e_ehsize
  EXPECT_THAT(x.whole(elf).magic, HasSubstr("ELF 64-bit LSB"));
  std::string pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
  EXPECT_THAT(x.whole(pdf).magic, HasSubstr("PDF document"));
  EXPECT_THAT(x.events(), HasSubstr("\"magic\":\"PDF document"));
}

// Only the first kPrefixBytes go to libmagic: what comes later cannot change the type.
TEST(FileTracker, MagicOnPrefixOnly) {
  Fixture x;
  std::string pdf = "%PDF-1.4\n" + std::string(2 * kPrefixBytes, ' ');
  uint32_t id = x.open();
  for (size_t i = 0; i < pdf.size(); i += 1000) x.t->data(id, b(std::string_view(pdf).substr(i, 1000)));
  x.t->close(id, app::FileEnd::Complete);
  EXPECT_THAT(x.seen.back().magic, HasSubstr("PDF document"));
  EXPECT_EQ(x.seen.back().size, pdf.size());
}

std::string dicom_file(std::string_view preamble) {
  std::string d(128, '\0');
  d.replace(0, preamble.size(), preamble);
  d += "DICM";
  // (0002,0010) Transfer Syntax UID, explicit VR "UI": a minimal meta element.
  d += std::string("\x02\x00\x10\x00UI\x14\x00", 8) + "1.2.840.10008.1.2.1\0";
  return d;
}

TEST(FileTracker, DicomPreambleExecutable) {
  Fixture x;
  Seen plain = x.whole(dicom_file(""));
  EXPECT_TRUE(plain.dicom);
  EXPECT_FALSE(plain.dicom_exec);
  EXPECT_THAT(x.events(), Not(HasSubstr("dicom_preamble_executable")));

  Seen pe = x.whole(dicom_file("MZ\x90\x00\x03"));  // DOS header in the preamble
  EXPECT_TRUE(pe.dicom);
  EXPECT_TRUE(pe.dicom_exec);
  EXPECT_THAT(x.events(), HasSubstr("\"dicom_preamble_executable\":true"));

  Seen elf = x.whole(dicom_file("\x7f" "ELF\x02\x01\x01"));
  EXPECT_TRUE(elf.dicom_exec);

  // MZ without DICM at 128 is a plain PE, not a polyglot; DICM elsewhere is not DICOM.
  Seen exe = x.whole("MZ" + std::string(200, 'x'));
  EXPECT_FALSE(exe.dicom);
  EXPECT_FALSE(exe.dicom_exec);
  Seen shifted = x.whole("MZ" + std::string(127, '\0') + "DICM");
  EXPECT_FALSE(shifted.dicom_exec);

  // Split across chunks: the flag comes from the kept prefix.
  uint32_t id = x.open();
  std::string d = dicom_file("MZ");
  for (char c : d) x.t->data(id, b(std::string_view(&c, 1)));
  x.t->close(id, app::FileEnd::Complete);
  EXPECT_TRUE(x.seen.back().dicom_exec);
}

TEST(FileTracker, TruncatedAndGap) {
  Fixture x;
  uint32_t a = x.open("a");
  x.t->data(a, b("abc"));
  x.t->close(a, app::FileEnd::Truncated);
  EXPECT_TRUE(x.seen.back().truncated);
  EXPECT_FALSE(x.seen.back().gaps);
  uint32_t g = x.open("g");
  x.t->data(g, b("abc"));
  x.t->close(g, app::FileEnd::Gap);
  EXPECT_TRUE(x.seen.back().truncated);
  EXPECT_TRUE(x.seen.back().gaps);
  std::string e = x.events();
  EXPECT_THAT(e, HasSubstr("\"state\":\"TRUNCATED\""));
  EXPECT_THAT(e, HasSubstr("\"gaps\":true"));
  EXPECT_EQ(x.stats.value("files.truncated"), 2u);
}

// Files still open when the flow ends are closed as TRUNCATED, each once.
TEST(FileTracker, CloseFlow) {
  Fixture x;
  uint32_t a = x.open("a");
  uint32_t b1 = x.open("b");
  uint32_t c = x.open("c");
  x.t->data(a, b("1"));
  x.t->close(b1, app::FileEnd::Complete);  // unlinks from the middle of the flow's list
  EXPECT_EQ(x.ff.open, 2u);
  x.t->close_flow(x.ff);
  EXPECT_EQ(x.ff.open, 0u);
  EXPECT_EQ(x.ff.head, 0u);
  EXPECT_EQ(x.t->open_files(), 0u);
  ASSERT_EQ(x.seen.size(), 3u);
  EXPECT_EQ(x.seen[0].name, "b");
  EXPECT_TRUE(x.seen[1].truncated);
  EXPECT_TRUE(x.seen[2].truncated);
  EXPECT_EQ(x.stats.value("files.truncated"), 2u);
  // Stale ids are ignored, also after their slots are reused.
  x.t->data(a, b("x"));
  x.t->close(c, app::FileEnd::Complete);
  EXPECT_EQ(x.seen.size(), 3u);
  uint32_t d = x.open("d");
  EXPECT_NE(d, a);
  EXPECT_NE(d, c);
  x.t->close(a, app::FileEnd::Complete);
  EXPECT_EQ(x.seen.size(), 3u);
  x.t->close(d, app::FileEnd::Complete);
  EXPECT_EQ(x.seen.back().name, "d");
  x.t->close(0, app::FileEnd::Complete);
  x.t->data(0, b("x"));
}

TEST(FileTracker, PerFlowLimit) {
  FileTrackerConfig cfg = Fixture::all_hashes();
  cfg.max_files_per_flow = 3;
  Fixture x(cfg);
  std::vector<uint32_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(x.open());
  EXPECT_NE(ids[2], 0u);
  EXPECT_EQ(ids[3], 0u);
  EXPECT_EQ(ids[4], 0u);
  EXPECT_EQ(x.stats.value("files.open_limit_drop"), 2u);
  // Another flow is not affected.
  FlowFiles other;
  EXPECT_NE(x.t->open(x.f, other, Direction::ToServer, "o", 0, app::Proto::Smb), 0u);
  x.t->close(ids[0], app::FileEnd::Complete);
  EXPECT_NE(x.open(), 0u);  // room again
  x.t->close_flow(x.ff);
  x.t->close_flow(other);
  EXPECT_EQ(x.t->open_files(), 0u);
}

// Thousands of concurrent partial files: capped by the worker limit, slots reused.
TEST(FileTracker, WorkerLimitAndReuse) {
  FileTrackerConfig cfg = Fixture::all_hashes();
  cfg.max_open_files = 1000;
  cfg.max_files_per_flow = 64;
  cfg.magic = false;
  Fixture x(cfg);
  std::vector<FlowFiles> flows(100);
  int ok = 0;
  for (int round = 0; round < 3; ++round) {
    for (auto& ff : flows)
      for (int i = 0; i < 20; ++i) {
        uint32_t id = x.t->open(x.f, ff, Direction::ToClient, "p", 0, app::Proto::Http);
        if (id) {
          ++ok;
          x.t->data(id, b("partial"));
        }
      }
    EXPECT_EQ(x.t->open_files(), 1000u);
    for (auto& ff : flows) x.t->close_flow(ff);
    EXPECT_EQ(x.t->open_files(), 0u);
  }
  EXPECT_EQ(ok, 3000);
  EXPECT_EQ(x.stats.value("files.open_limit_drop"), 3u * 1000);
  EXPECT_EQ(x.stats.value("files.truncated"), 3000u);
  EXPECT_EQ(x.stats.value("files.open_max"), 1000u);
  EXPECT_THAT(x.events(), Not(HasSubstr("\"magic\"")));
}

// Through the app layer: an HTTP download of EICAR gives one fileinfo event.
TEST(FileTrackerAppLayer, HttpEicar) {
  app::test::Harness h;
  h.data(Direction::ToServer, "GET /downloads/eicar.com HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                     "Content-Length: 68\r\n\r\n" +
                     std::string(kEicar);
  h.data_split(Direction::ToClient, b(resp), 7);
  h.end();
  EXPECT_THAT(h.eve_text, HasSubstr("\"event_type\":\"fileinfo\""));
  EXPECT_THAT(h.eve_text, HasSubstr("\"sha256\":\"" + std::string(kEicarSha256) + "\""));
  EXPECT_THAT(h.eve_text, HasSubstr("\"filename\":\"/downloads/eicar.com\""));
  EXPECT_EQ(h.stats.value("files.closed"), 1u);
}

// A body cut by the end of the flow: closed TRUNCATED by the app layer's release.
TEST(FileTrackerAppLayer, HttpTruncatedAtFlowEnd) {
  app::test::Harness h;
  h.data(Direction::ToServer, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
  h.data(Direction::ToClient, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a part");
  h.end();
  EXPECT_THAT(h.eve_text, HasSubstr("\"state\":\"TRUNCATED\""));
  EXPECT_EQ(h.stats.value("files.truncated"), 1u);
  EXPECT_EQ(h.app->files().open_files(), 0u);
}

}  // namespace
}  // namespace ww::files
