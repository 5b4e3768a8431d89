// Detection on files: hash lists, YARA (compile reports, the scan pool through the tracker,
// chunked content, limits) and file rules (filemd5/filesha256 lists, filesize, filemagic).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/test_harness.h"
#include "detect/engine.h"
#include "detect/loader.h"
#include "files/file_rules.h"
#include "files/hash_list.h"
#include "files/tracker.h"
#include "files/yara.h"
#include "flow/flow.h"
#include "output/eve.h"

namespace ww::files {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kEicar =
    "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
constexpr std::string_view kEicarMd5 = "44d88612fea8a8f36de82e1278abb02f";
constexpr std::string_view kEicarSha256 =
    "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

Bytes b(std::string_view s) { return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

std::string tmpdir(const std::string& name) {
  auto d = std::filesystem::path(::testing::TempDir()) / ("ww_files_" + name);
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

void write(const std::string& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

// --- hash lists -------------------------------------------------------------------------------

TEST(HashList, KindsCommentsAndLookups) {
  auto l = HashList::parse(std::string("# known bad\n\n") + std::string(kEicarMd5) +
                               "  eicar md5\n" + std::string(kEicarSha256) +
                               ",eicar\n3395856CE81F2B7382DEE72602F798B642F14140\n",
                           "bad.txt");
  ASSERT_TRUE(l) << l.error().str();
  EXPECT_EQ((*l)->md5_count(), 1u);
  EXPECT_EQ((*l)->sha1_count(), 1u);
  EXPECT_EQ((*l)->sha256_count(), 1u);
  uint8_t md5[16] = {0x44, 0xd8, 0x86, 0x12, 0xfe, 0xa8, 0xa8, 0xf3,
                     0x6d, 0xe8, 0x2e, 0x12, 0x78, 0xab, 0xb0, 0x2f};
  EXPECT_TRUE((*l)->has_md5(md5));
  md5[15] ^= 1;
  EXPECT_FALSE((*l)->has_md5(md5));
}

TEST(HashList, BadLineNamesFileAndLine) {
  auto l = HashList::parse("44d88612fea8a8f36de82e1278abb02f\nnot-a-hash\n", "bad.txt");
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().file, "bad.txt");
  EXPECT_EQ(l.error().line, 2);
  // 31 hex digits: no hash has that length.
  EXPECT_FALSE(HashList::parse("44d88612fea8a8f36de82e1278abb02\n", "x"));
  EXPECT_FALSE(HashList::load("/nonexistent/list.txt"));
}

// --- YARA compile -------------------------------------------------------------------------------

constexpr std::string_view kEicarRule = R"(
rule eicar_test {
  meta:
    description = "EICAR test string"
    score = 40
  strings:
    $a = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
  condition:
    $a
}
rule far_marker {
  strings:
    $m = "FAR-AWAY-MARKER"
  condition:
    $m
}
rule by_name {
  condition:
    extension == ".scr"
}
)";

TEST(YaraRules, CompilesGoodFilesAndReportsBadOnes) {
  std::string d = tmpdir("compile");
  write(d + "/good.yar", kEicarRule);
  std::filesystem::create_directories(d + "/sub");
  write(d + "/sub/broken.yara", "rule broken {\n  condition:\n    $missing\n}\n");
  write(d + "/notes.txt", "not a rule file");
  YaraCompileReport rep;
  auto r = YaraRules::compile({d}, rep);
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_EQ(rep.files, 2u);
  EXPECT_EQ(rep.compiled, 1u);
  EXPECT_EQ(rep.failed, 1u);
  EXPECT_EQ(rep.rules, 3u);
  EXPECT_EQ((*r)->rule_count(), 3u);
  ASSERT_FALSE(rep.errors.empty());
  EXPECT_THAT(rep.errors[0], HasSubstr("broken.yara:"));
  EXPECT_THAT(rep.errors[0], HasSubstr("undefined string"));

  YaraCompileReport none;
  EXPECT_FALSE(YaraRules::compile({d + "/sub"}, none));  // nothing compiles
  YaraCompileReport missing;
  auto m = YaraRules::compile({d + "/nope"}, missing);
  ASSERT_FALSE(m);
  EXPECT_THAT(m.error().message, HasSubstr("no such"));
  std::ostringstream out;
  EXPECT_EQ(yara_check({d}, out), 1);
  EXPECT_THAT(out.str(), HasSubstr("1 YARA files compiled, 1 failed, 3 rules"));
  std::ostringstream ok;
  EXPECT_EQ(yara_check({d + "/good.yar"}, ok), 0);
}

// --- the tracker with a scan pool ---------------------------------------------------------------

struct Hit {
  std::string file;
  std::vector<std::string> rules;
};

struct Fixture {
  StatsBlock stats;
  std::string eve_text;
  std::unique_ptr<output::EveOutput> out;
  std::unique_ptr<output::EveWriter> eve;
  std::shared_ptr<ScanPool> pool;
  std::unique_ptr<FileTracker> t;
  flow::Flow f;
  FlowFiles ff;
  std::vector<Hit> hits;

  explicit Fixture(FileTrackerConfig cfg, YaraConfig yc = {}, bool with_yara = true) {
    if (with_yara) {
      std::string d = tmpdir("rules");
      write(d + "/t.yar", kEicarRule);
      YaraCompileReport rep;
      auto r = YaraRules::compile({d}, rep);
      EXPECT_TRUE(r);
      pool = std::make_shared<ScanPool>(std::move(*r), yc);
      cfg.yara = pool;
    }
    out = std::make_unique<output::EveOutput>(EveOutputConfig{});
    out->add_sink(std::make_unique<app::test::MemorySink>(&eve_text));
    eve = std::make_unique<output::EveWriter>(out.get());
    t = std::make_unique<FileTracker>(stats, eve.get(), "eth0", cfg);
    t->set_yara_observer(
        [](const FileResult& r, const std::vector<YaraMatch>& m, void* arg) {
          Hit h;
          h.file = r.name;
          for (const auto& x : m) h.rules.push_back(x.ns + ":" + x.rule);
          static_cast<Fixture*>(arg)->hits.push_back(h);
        },
        this);
    f.flow_id = 7;
    f.src = IpAddr::v4(0x0a000001);
    f.dst = IpAddr::v4(0x0a000002);
    f.sp = 40000;
    f.dp = 80;
    f.proto = ipproto::kTcp;
    f.app_proto = uint16_t(app::Proto::Http);
  }
  uint32_t open(std::string_view name) {
    return t->open(f, ff, Direction::ToClient, name, 0, app::Proto::Http);
  }
  void whole(std::string_view content, std::string_view name, size_t piece = 0) {
    uint32_t id = open(name);
    if (piece == 0) piece = content.size();
    for (size_t o = 0; o < content.size(); o += piece)
      t->data(id, b(content.substr(o, piece)));
    t->close(id, app::FileEnd::Complete);
  }
  const Hit* hit(std::string_view file) const {
    for (const auto& h : hits)
      if (h.file == file) return &h;
    return nullptr;
  }
  std::string events() {
    eve->flush();
    return eve_text;
  }
};

TEST(YaraScan, EicarMatchesBecomeAlertsAndFileinfo) {
  Fixture x({});
  x.whole(kEicar, "/dl/eicar.com");
  x.whole("nothing to see here", "/dl/clean.txt");
  // The fileinfo event of a scanned file waits for its scan.
  x.t->drain();
  EXPECT_EQ(x.t->scans_in_flight(), 0u);
  ASSERT_NE(x.hit("/dl/eicar.com"), nullptr);
  EXPECT_THAT(x.hit("/dl/eicar.com")->rules, ::testing::ElementsAre("t:eicar_test"));
  ASSERT_NE(x.hit("/dl/clean.txt"), nullptr);
  EXPECT_TRUE(x.hit("/dl/clean.txt")->rules.empty());
  std::string e = x.events();
  EXPECT_THAT(e, HasSubstr("\"signature\":\"YARA t:eicar_test\""));
  EXPECT_THAT(e, HasSubstr("\"description\":[\"EICAR test string\"]"));
  EXPECT_THAT(e, HasSubstr("\"score\":[\"40\"]"));
  EXPECT_THAT(e, HasSubstr("\"yara\":[{\"rule\":\"eicar_test\",\"namespace\":\"t\"}]"));
  EXPECT_THAT(e, HasSubstr("\"yara_scan\":\"complete\""));
  EXPECT_EQ(x.stats.value("files.yara.scanned"), 2u);
  EXPECT_EQ(x.stats.value("files.yara.matches"), 1u);
}

TEST(YaraScan, ExternalVariablesFromTheName) {
  Fixture x({});
  x.whole("MZ....", "C:\\share\\invoice.pdf.scr");
  x.whole("MZ....", "C:\\share\\invoice.pdf");
  x.t->drain();
  EXPECT_THAT(x.hit("C:\\share\\invoice.pdf.scr")->rules, ::testing::ElementsAre("t:by_name"));
  EXPECT_TRUE(x.hit("C:\\share\\invoice.pdf")->rules.empty());
}

TEST(YaraScan, ContentBeyondThePrefixInChunksUpToMaxScan) {
  YaraConfig yc;
  yc.max_scan_bytes = 300 * 1024;
  Fixture x({}, yc);
  // The marker at 200 KiB lies in the fourth chunk; split in odd pieces across chunk edges.
  std::string big(250 * 1024, 'a');
  big.replace(200 * 1024 - 5, 15, "FAR-AWAY-MARKER");
  x.whole(big, "near", 4999);
  // Beyond max_scan_bytes: not scanned, reported as a prefix scan.
  std::string huge(400 * 1024, 'b');
  huge.replace(350 * 1024, 15, "FAR-AWAY-MARKER");
  x.whole(huge, "far", 65536);
  x.t->drain();
  EXPECT_THAT(x.hit("near")->rules, ::testing::ElementsAre("t:far_marker"));
  EXPECT_TRUE(x.hit("far")->rules.empty());
  EXPECT_EQ(x.stats.value("files.yara.prefix_only"), 1u);
  EXPECT_THAT(x.events(), HasSubstr("\"yara_scan\":\"prefix\""));
}

TEST(YaraScan, QueueOfOneWaitsAndScansEveryFile) {
  YaraConfig yc;
  yc.queue = 1;
  yc.threads = 1;
  yc.wait_when_full = true;
  Fixture x({}, yc);
  for (int i = 0; i < 50; ++i) x.whole(kEicar, "e" + std::to_string(i));
  x.t->drain();
  EXPECT_EQ(x.hits.size(), 50u);
  for (const auto& h : x.hits) EXPECT_EQ(h.rules.size(), 1u) << h.file;
  EXPECT_EQ(x.stats.value("files.yara.skipped_queue_full"), 0u);
}

TEST(YaraScan, DropModeNeverWaitsAndCountsSkips) {
  YaraConfig yc;
  yc.queue = 1;
  yc.threads = 1;
  yc.wait_when_full = false;
  Fixture x({}, yc);
  std::string big(1 << 20, 'x');
  for (int i = 0; i < 20; ++i) x.whole(big, "f" + std::to_string(i), 65536);
  x.t->drain();
  // Every file is either scanned or counted as skipped; each gets its fileinfo event.
  EXPECT_EQ(x.stats.value("files.yara.scanned") + x.stats.value("files.yara.skipped_queue_full"),
            20u);
  std::string e = x.events();
  size_t n = 0;
  for (size_t p = 0; (p = e.find("\"event_type\":\"fileinfo\"", p)) != std::string::npos; ++p) ++n;
  EXPECT_EQ(n, 20u);
}

TEST(YaraScan, MemcapBoundsKeptBytesWithThousandsOfOpenFiles) {
  YaraConfig yc;
  yc.memcap = 8 * kChunkBytes;  // eight chunks for the whole worker
  FileTrackerConfig fc;
  fc.max_open_files = 4096;
  fc.max_files_per_flow = 4096;
  Fixture x(fc, yc);
  std::vector<uint32_t> ids;
  std::string part(5000, 'z');  // beyond the 4 KiB prefix: each open file wants a chunk
  for (int i = 0; i < 3000; ++i) {
    ids.push_back(x.open("p" + std::to_string(i)));
    x.t->data(ids.back(), b(part));
  }
  EXPECT_EQ(x.t->open_files(), 3000u);
  EXPECT_LE(x.stats.value("files.yara.chunks_max"), 8u);
  EXPECT_EQ(x.stats.value("files.yara.memcap_cut"), 3000u - 8u);
  x.t->close_flow(x.ff);  // the flow ends: all TRUNCATED, all scanned on what was kept
  x.t->drain();
  EXPECT_EQ(x.stats.value("files.truncated"), 3000u);
  EXPECT_EQ(x.stats.value("files.yara.scanned"), 3000u);
  std::string e = x.events();
  EXPECT_THAT(e, HasSubstr("\"yara_scan\":\"memcap\""));
}

// --- known-bad list and file rules ---------------------------------------------------------------

TEST(FileDetect, KnownBadHashListAlerts) {
  FileTrackerConfig fc;
  fc.known_bad = *HashList::parse(std::string(kEicarSha256) + "\n", "bad");
  Fixture x(fc, {}, false);
  x.whole(kEicar, "eicar.com");
  x.whole("fine", "ok.txt");
  std::string e = x.events();
  EXPECT_THAT(e, HasSubstr("\"signature\":\"WARDWATCH FILES known-bad file hash\""));
  EXPECT_THAT(e, HasSubstr("\"known_bad\":true"));
  EXPECT_EQ(x.stats.value("files.known_bad"), 1u);
}

TEST(FileDetect, ReloadedHashListAppliesToFilesOpenedAfterIt) {
  // Start without a list; a reload brings an MD5 list (MD5 is off by default, so the reload
  // also turns it on). A file already open when the list arrives keeps the hashes it started
  // with (no MD5: not flagged, no bogus hash); the next file is hashed and flagged.
  FileTrackerConfig fc;
  Fixture x(fc, {}, false);
  x.whole(kEicar, "before.com");
  uint32_t open_during = x.open("during.com");
  x.t->data(open_during, b(kEicar));
  x.t->set_detection(nullptr, *HashList::parse(std::string(kEicarMd5) + "\n", "bad"));
  x.t->close(open_during, app::FileEnd::Complete);
  x.whole(kEicar, "after.com");
  EXPECT_EQ(x.stats.value("files.known_bad"), 1u);
  std::string e = x.events();
  EXPECT_THAT(e, HasSubstr("\"md5\":\"" + std::string(kEicarMd5) + "\""));
  EXPECT_THAT(e, Not(HasSubstr("\"md5\":\"00000000000000000000000000000000\"")));
  // The list is replaced by an empty one: nothing more is flagged.
  x.t->set_detection(nullptr, nullptr);
  x.whole(kEicar, "later.com");
  EXPECT_EQ(x.stats.value("files.known_bad"), 1u);
}

TEST(MagicOffload, TypedOnAScanThreadWithoutYara) {
  // A pool without YARA rules types files off the packet path: the fileinfo event waits for
  // the scan thread (none before drain), then carries the libmagic type; no YARA fields or
  // counters.
  FileTrackerConfig fc;
  fc.yara = std::make_shared<ScanPool>(nullptr, YaraConfig{});
  Fixture x(fc, {}, false);
  x.whole(kEicar, "eicar.com");
  x.whole("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "doc.pdf");
  EXPECT_THAT(x.events(), Not(HasSubstr("\"fileinfo\"")));
  x.t->drain();
  std::string e = x.events();
  EXPECT_THAT(e, HasSubstr("\"filename\":\"eicar.com\",\"magic\":\"EICAR"));
  EXPECT_THAT(e, HasSubstr("\"magic\":\"PDF document"));
  EXPECT_THAT(e, Not(HasSubstr("yara")));
  EXPECT_EQ(x.stats.value("files.yara.scanned"), 0u);
  EXPECT_EQ(x.stats.value("files.magic_errors"), 0u);
  // Without a pool (main makes none with magic-offload off and no YARA): typed at close, the
  // event is written at once.
  Fixture y(FileTrackerConfig{}, {}, false);
  y.whole(kEicar, "eicar.com");
  EXPECT_THAT(y.events(), HasSubstr("\"magic\":\"EICAR"));
}

TEST(YaraScan, ReloadedRulesScanTheNextFiles) {
  Fixture x({});
  x.whole(kEicar, "one.com");
  x.t->drain();
  ASSERT_NE(x.hit("one.com"), nullptr);
  EXPECT_EQ(x.hit("one.com")->rules.size(), 1u);
  // New rules: the EICAR rule is gone, a rule on another string comes in.
  std::string d = tmpdir("reload");
  write(d + "/new.yar", "rule reloaded_marker { strings: $a = \"STANDARD-ANTIVIRUS\" condition: $a }\n");
  YaraCompileReport rep;
  auto r = YaraRules::compile({d}, rep);
  ASSERT_TRUE(r) << r.error().str();
  x.pool->set_rules(std::move(*r));
  x.whole(kEicar, "two.com");
  x.t->drain();
  ASSERT_NE(x.hit("two.com"), nullptr);
  ASSERT_EQ(x.hit("two.com")->rules.size(), 1u);
  EXPECT_THAT(x.hit("two.com")->rules[0], HasSubstr("reloaded_marker"));
  EXPECT_EQ(x.pool->rules()->rule_count(), 1u);
}

std::shared_ptr<const FileRules> file_rules(const std::string& dir, const std::string& text) {
  write(dir + "/t.rules", text);
  auto rs = detect::load_rules({dir + "/t.rules"}, detect::RuleVars::suricata_defaults());
  EXPECT_TRUE(rs);
  for (const auto& p : rs->problems) ADD_FAILURE() << p.diag.str();
  auto e = detect::DetectEngine::build(std::make_shared<const detect::RuleSet>(std::move(*rs)));
  EXPECT_TRUE(e);
  auto fr = FileRules::build(*e);
  EXPECT_TRUE(fr) << fr.error().str();
  return fr ? *fr : nullptr;
}

TEST(FileDetect, HashListKeywordsSizeAndMagic) {
  std::string d = tmpdir("filerules");
  write(d + "/md5.txt", std::string(kEicarMd5) + "\n");
  write(d + "/sha256.txt", std::string(kEicarSha256) + "\n");
  FileTrackerConfig fc;
  fc.rules = file_rules(
      d,
      "alert http any any -> any any (msg:\"md5 list\"; filemd5:md5.txt; sid:1;)\n"
      "alert http any any -> any any (msg:\"sha256 list\"; filesha256:sha256.txt; sid:2;)\n"
      "alert http any any -> any any (msg:\"not in list\"; filesha256:!sha256.txt; sid:3;)\n"
      "alert http any any -> any any (msg:\"small\"; filesize:<100; sid:4;)\n"
      "alert http any any -> any any (msg:\"pdf\"; filemagic:\"PDF document\"; sid:5;)\n"
      "alert smb any any -> any any (msg:\"smb only\"; filemd5:md5.txt; sid:6;)\n"
      "alert http any any -> any any (msg:\"exe name\"; filemd5:md5.txt; fileext:\"exe\"; "
      "sid:7;)\n"
      "alert http any any -> any any (msg:\"uri\"; http.uri; content:\"x\"; sid:8;)\n"
      "alert http any any -> any any (msg:\"download\"; filesize:to_client,<100; sid:9;)\n"
      "alert http any any -> any any (msg:\"upload\"; filesize:to_server,<100; sid:10;)\n");
  ASSERT_NE(fc.rules, nullptr);
  EXPECT_EQ(fc.rules->rules().size(), 9u);  // sid 8 is a transaction rule
  EXPECT_EQ(fc.rules->hash_lists(), 2u);
  Fixture x(fc, {}, false);
  x.whole(kEicar, "eicar.com");
  std::string e = x.events();
  EXPECT_THAT(e, HasSubstr("\"signature_id\":1,"));
  EXPECT_THAT(e, HasSubstr("\"signature_id\":2,"));
  EXPECT_THAT(e, Not(HasSubstr("\"signature_id\":3,")));
  EXPECT_THAT(e, HasSubstr("\"signature_id\":4,"));
  EXPECT_THAT(e, Not(HasSubstr("\"signature_id\":5,")));
  EXPECT_THAT(e, Not(HasSubstr("\"signature_id\":6,")));
  EXPECT_THAT(e, Not(HasSubstr("\"signature_id\":7,")));
  EXPECT_THAT(e, HasSubstr("\"signature_id\":9,"));  // the file's direction (a download)
  EXPECT_THAT(e, Not(HasSubstr("\"signature_id\":10,")));
  x.eve_text.clear();
  x.whole("%PDF-1.4\n%....\n1 0 obj\n<<>>\nendobj\n" + std::string(200, ' '), "doc.pdf");
  e = x.events();
  EXPECT_THAT(e, HasSubstr("\"signature_id\":3,"));
  EXPECT_THAT(e, HasSubstr("\"signature_id\":5,"));
  EXPECT_THAT(e, Not(HasSubstr("\"signature_id\":4,")));  // 236 bytes
  EXPECT_THAT(e, Not(HasSubstr("\"signature_id\":1,")));
  x.eve_text.clear();
  x.whole(kEicar, "setup.exe");
  EXPECT_THAT(x.events(), HasSubstr("\"signature_id\":7,"));
}

TEST(FileDetect, MissingOrBadHashListIsAnError) {
  std::string d = tmpdir("badlist");
  write(d + "/bad.txt", "zzzz\n");
  for (std::string opt : {"filemd5:missing.txt;", "filesha256:bad.txt;"}) {
    write(d + "/t.rules", "alert http any any -> any any (msg:\"x\"; " + opt + " sid:9;)\n");
    auto rs = detect::load_rules({d + "/t.rules"}, detect::RuleVars::suricata_defaults());
    ASSERT_TRUE(rs);
    auto e = detect::DetectEngine::build(std::make_shared<const detect::RuleSet>(std::move(*rs)));
    ASSERT_TRUE(e);
    auto fr = FileRules::build(*e);
    ASSERT_FALSE(fr) << opt;
    EXPECT_THAT(fr.error().str(), HasSubstr("sid 9"));
  }
}

}  // namespace
}  // namespace ww::files

// --- filestore -----------------------------------------------------------------------------------

namespace ww::files {
namespace {

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

size_t count_files(const std::string& dir, std::string_view suffix) {
  size_t n = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    std::string s = e.path().filename().string();
    if (e.is_regular_file() && s.size() >= suffix.size() &&
        s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0)
      ++n;
  }
  return n;
}

TEST(Filestore, AllFilesContentAddressedWithSidecarsAndDedup) {
  FilestoreConfig sc;
  sc.enabled = true;
  sc.all = true;
  sc.dir = tmpdir("store_all");
  FileTrackerConfig fc;
  fc.filestore = *FileStore::open(sc);
  Fixture x(fc, {}, false);
  x.whole(kEicar, "/dl/eicar.com", 7);
  x.whole(kEicar, "/dl/again.com");
  std::string stored = sc.dir + "/27/" + std::string(kEicarSha256);
  EXPECT_EQ(slurp(stored), kEicar);
  EXPECT_EQ(count_files(sc.dir, ".json"), 2u);  // one sidecar per copy seen, one file
  EXPECT_EQ(fc.filestore->total_bytes(), 68u);
  std::string e = x.events();
  EXPECT_THAT(e, HasSubstr("\"stored\":true"));
  EXPECT_THAT(e, Not(HasSubstr("\"stored\":false")));
  EXPECT_EQ(x.stats.value("files.filestore.stored"), 2u);
  // Nothing is left in tmp/.
  EXPECT_TRUE(std::filesystem::is_empty(sc.dir + "/tmp"));
  bool sidecar_ok = false;
  for (auto& p : std::filesystem::recursive_directory_iterator(sc.dir))
    if (p.path().extension() == ".json")
      sidecar_ok |= slurp(p.path().string()).find("\"filename\":\"/dl/eicar.com\"") !=
                    std::string::npos;
  EXPECT_TRUE(sidecar_ok);
}

TEST(Filestore, RetentionRemovesOldestAndTooBigIsNotStored) {
  FilestoreConfig sc;
  sc.enabled = true;
  sc.all = true;
  sc.dir = tmpdir("store_ret");
  sc.max_total_bytes = 250;
  sc.max_file_bytes = 150;
  FileTrackerConfig fc;
  fc.filestore = *FileStore::open(sc);
  Fixture x(fc, {}, false);
  for (char c : std::string("abcd")) x.whole(std::string(100, c), std::string(1, c));
  x.whole(std::string(200, 'z'), "big");
  EXPECT_EQ(x.stats.value("files.filestore.stored"), 4u);
  EXPECT_EQ(x.stats.value("files.filestore.evicted"), 2u);
  EXPECT_EQ(x.stats.value("files.filestore.too_big"), 1u);
  EXPECT_LE(fc.filestore->total_bytes(), 250u);
  EXPECT_EQ(count_files(sc.dir, ".json"), 2u);  // sidecars of evicted files go with them
  // A new store over the same folder counts what is there.
  auto again = FileStore::open(sc);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->total_bytes(), 200u);
}

TEST(Filestore, OnlyFilesOfFilestoreRules) {
  std::string d = tmpdir("store_rules");
  FilestoreConfig sc;
  sc.enabled = true;
  sc.dir = d + "/store";
  FileTrackerConfig fc;
  fc.filestore = *FileStore::open(sc);
  fc.rules = file_rules(d, "alert http any any -> any any (msg:\"store com\"; fileext:\"com\"; "
                           "filestore; sid:20;)\n");
  ASSERT_NE(fc.rules, nullptr);
  ASSERT_EQ(fc.rules->rules().size(), 1u);
  EXPECT_FALSE(fc.rules->rules()[0].alert);  // the transaction matcher alerts on it
  Fixture x(fc, {}, false);
  x.whole(kEicar, "/x/eicar.com");
  x.whole("plain text", "/x/readme.txt");
  EXPECT_EQ(x.stats.value("files.filestore.stored"), 1u);
  EXPECT_EQ(count_files(sc.dir, ".json"), 1u);
  EXPECT_THAT(x.events(), Not(HasSubstr("\"event_type\":\"alert\"")));
}

}  // namespace
}  // namespace ww::files
