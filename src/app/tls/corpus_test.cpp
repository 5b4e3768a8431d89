// Agreement with tshark on the shared corpus (../shared/corpus): for every capture with a TLS
// handshake byte pattern, the (SNI, JA3) pairs of our ClientHellos against tshark's
// `tls.handshake.type==1` records. Until the app layer feeds parsers from the worker, TCP is
// reassembled naively here (app/tls/pcap_streams.h) and the parser runs on every connection
// whose first bytes in either direction probe as TLS. STARTTLS-style upgrades (SMTP, FTP AUTH
// TLS, HTTP CONNECT, MySQL) are not probed at the start of the stream: they count as misses.
// Skipped when the corpus or tshark is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "app/tls/parser.h"
#include "app/tls/pcap_streams.h"
#include "app/tls/test_util.h"

namespace ww::app::tls {
namespace {

namespace fs = std::filesystem;
using Ctx = testing::FakeContext<Tx>;

fs::path corpus_dir() { return fs::path(WW_SOURCE_DIR) / ".." / "shared" / "corpus"; }

// A TLS handshake record carrying a ClientHello somewhere in the bytes.
bool has_hello_pattern(const std::vector<uint8_t>& v) {
  for (size_t i = 0; i + 6 <= v.size(); ++i)
    if (v[i] == 0x16 && v[i + 1] == 3 && v[i + 2] <= 4 && v[i + 5] == 1) return true;
  return false;
}

struct FileResult {
  std::vector<std::string> ours, theirs;  // "sni\tja3"
  size_t matched = 0;
};

FileResult compare_file(const fs::path& f, bool& ran_tshark) {
  FileResult r;
  auto conns = testing::read_tcp_conns(f);
  bool pattern = false;
  for (auto& c : conns) {
    pattern = pattern || has_hello_pattern(c.data[0]) || has_hello_pattern(c.data[1]);
    bool tls = false;
    for (int i = 0; i < 2; ++i)
      tls = tls || probe(Direction(i), {c.data[i].data(), c.data[i].size()}) == ProbeResult::Match;
    if (!tls) continue;
    Ctx ctx;
    TlsParser* p = static_cast<TlsParser*>(create(ctx));
    for (auto& ch : c.order) p->parse(ch.d, {c.data[idx(ch.d)].data() + ch.off, ch.len}, ctx);
    p->finish(Direction::ToServer, ctx);
    p->finish(Direction::ToClient, ctx);
    for (auto& tx : ctx.txs)
      if (tx.client_hello)
        r.ours.push_back(std::string(tx.sni.view()) + "\t" + std::string(tx.ja3_hash.view()));
  }
  ran_tshark = pattern;
  if (!pattern) return r;
  r.theirs = testing::command_lines(
      "tshark -r '" + f.string() +
      "' -Y 'tls.handshake.type==1 && tcp' -T fields -e tls.handshake.extensions_server_name"
      " -e tls.handshake.ja3 2>/dev/null");
  std::vector<std::string> left = r.ours;
  for (auto& t : r.theirs) {
    auto it = std::find(left.begin(), left.end(), t);
    if (it != left.end()) {
      ++r.matched;
      left.erase(it);
    }
  }
  return r;
}

TEST(CorpusTls, SniAndJa3AgreeWithTshark) {
  if (!fs::exists(corpus_dir())) GTEST_SKIP() << "no corpus at " << corpus_dir();
  if (std::system("tshark -v >/dev/null 2>&1") != 0) GTEST_SKIP() << "no tshark";
  size_t files = 0, theirs = 0, ours = 0, matched = 0;
  std::map<std::string, FileResult> by_file;
  for (const char* sub : {"generated", "pcaps"}) {
    for (const auto& e : fs::recursive_directory_iterator(corpus_dir() / sub)) {
      auto ext = e.path().extension();
      if (ext != ".pcap" && ext != ".pcapng" && ext != ".cap") continue;
      bool ran = false;
      FileResult r = compare_file(e.path(), ran);
      if (!ran && r.ours.empty()) continue;
      ++files;
      theirs += r.theirs.size();
      ours += r.ours.size();
      matched += r.matched;
      std::string name = fs::relative(e.path(), corpus_dir()).string();
      if (r.matched != r.theirs.size() || r.ours.size() != r.theirs.size())
        std::printf("  %-80s tshark %zu ours %zu matched %zu\n", name.c_str(), r.theirs.size(),
                    r.ours.size(), r.matched);
      by_file[name] = std::move(r);
    }
  }
  double pct = theirs ? 100.0 * double(matched) / double(theirs) : 100.0;
  std::printf(
      "TLS (SNI, JA3) agreement with tshark: %zu/%zu tshark ClientHellos (%.1f%%), "
      "%zu of ours, %zu captures\n",
      matched, theirs, pct, ours, files);
  // The project's own captures must agree exactly.
  for (const char* f : {"generated/tls_openssl.pcap", "generated/https_nginx.pcap"}) {
    ASSERT_TRUE(by_file.count(f)) << f;
    EXPECT_EQ(by_file[f].matched, by_file[f].theirs.size()) << f;
    EXPECT_GT(by_file[f].theirs.size(), 0u) << f;
  }
  EXPECT_GE(pct, 90.0);
}

}  // namespace
}  // namespace ww::app::tls
