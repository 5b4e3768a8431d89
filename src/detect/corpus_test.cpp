// Corpus tests: load the public rule sets in ../shared/corpus/rules when they are present.
// Prints loaded/unsupported/invalid, the top missing keywords, and the load time.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "detect/loader.h"
#include "detect/match.h"
#include "detect/prefilter.h"

namespace ww::detect {
namespace {

namespace fs = std::filesystem;

std::string corpus_dir() {
  if (const char* e = std::getenv("WW_CORPUS")) return e;
  return std::string(WW_SOURCE_DIR) + "/../shared/corpus";
}

std::vector<std::string> rule_files(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".rules") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

void report(const char* name, const RuleSet& rs, double secs) {
  std::cout << fmt::format(
      "[corpus] {}: {} loaded, {} unsupported, {} invalid, {} disabled; "
      "{:.2f} s\n",
      name, rs.loaded, rs.unsupported, rs.invalid, rs.disabled, secs);
  std::vector<std::pair<std::string, size_t>> v(rs.unsupported_by_keyword.begin(),
                                                rs.unsupported_by_keyword.end());
  std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
  for (size_t i = 0; i < v.size() && i < 15; ++i)
    std::cout << fmt::format("[corpus]   unsupported {}: {}\n", v[i].first, v[i].second);
  size_t shown = 0;
  for (const auto& p : rs.problems)
    if (p.status == RuleStatus::Invalid && shown++ < 25)
      std::cout << "[corpus]   invalid " << p.diag.str() << "\n";
}

TEST(CorpusTest, EtOpenLoads) {
  fs::path dir = fs::path(corpus_dir()) / "rules" / "et-open";
  auto files = rule_files(dir);
  if (files.empty()) GTEST_SKIP() << "ET Open not found under " << dir;
  LoadOptions opts;
  opts.classification_file = (dir / "classification.config").string();
  auto t0 = std::chrono::steady_clock::now();
  auto rs = load_rules(files, RuleVars::suricata_defaults(), opts);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(rs) << rs.error().str();
  report("et-open", *rs, secs);
  size_t total = rs->loaded + rs->unsupported + rs->invalid;
  std::cout << fmt::format("[corpus] et-open: {:.2f}% loaded; prefilter {:.2f} s, {} KiB\n",
                           100.0 * rs->loaded / total, rs->prefilter->compile_seconds(),
                           rs->prefilter->database_bytes() / 1024);
  // Every loaded rule runs through the verifier on sample buffers: no crash, no hang.
  std::string sample =
      "GET /index.php?id=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0\r\n\r\n"
      "\x00\x01\x02\x03MZ\x90\x00";
  InspectBuffers bufs;
  for (size_t b = 0; b < kBufferCount; ++b)
    bufs.set(BufferId(b), Bytes(reinterpret_cast<const uint8_t*>(sample.data()), sample.size()));
  auto m0 = std::chrono::steady_clock::now();
  size_t matched = 0;
  for (const auto& r : rs->rules) matched += match_buffers(r, bufs);
  std::cout << fmt::format(
      "[corpus] et-open: verifier ran all {} rules on sample buffers in "
      "{:.2f} s ({} matched)\n",
      rs->rules.size(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m0).count(), matched);
  EXPECT_GE(total, 24000u);
  EXPECT_GE(double(rs->loaded), 0.97 * double(total));
  // The load time is printed, not asserted: speed is measured by benchmarks, never by a timed
  // test (a loaded CI machine would make it flaky).
}

// Where the load time goes: parse only, parse + PCRE2 JIT, parse + JIT + Vectorscan.
TEST(CorpusTest, EtOpenLoadBreakdown) {
  fs::path dir = fs::path(corpus_dir()) / "rules" / "et-open";
  auto files = rule_files(dir);
  if (files.empty()) GTEST_SKIP() << "ET Open not found under " << dir;
  for (auto [jit, pf] : {std::pair{false, false}, {true, false}, {true, true}}) {
    LoadOptions opts;
    opts.pcre_jit = jit;
    opts.build_prefilter = pf;
    auto t0 = std::chrono::steady_clock::now();
    auto rs = load_rules(files, RuleVars::suricata_defaults(), opts);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(rs);
    std::cout << fmt::format("[corpus] et-open load: jit={} prefilter={}: {:.2f} s\n", jit, pf,
                             secs);
  }
}

TEST(CorpusTest, SnortCommunityAndSuricataEvents) {
  fs::path root = fs::path(corpus_dir()) / "rules";
  auto snort = rule_files(root / "snort-community");
  auto events = rule_files(root / "suricata-builtin");
  if (snort.empty() && events.empty()) GTEST_SKIP() << "rule corpus not found under " << root;
  for (auto [name, files] : {std::pair{"snort-community", snort}, {"suricata-builtin", events}}) {
    if (files.empty()) continue;
    auto t0 = std::chrono::steady_clock::now();
    auto rs = load_rules(files, RuleVars::suricata_defaults());
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(rs) << rs.error().str();
    report(name, *rs, secs);
  }
}

}  // namespace
}  // namespace ww::detect
