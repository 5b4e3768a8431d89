// Agreement with tshark on the shared corpus (../shared/corpus): the SSH version lines
// ("SSH-<proto>-<software>", comments left out) and HASSH / HASSH-server values we parse
// against tshark's ssh.protocol, ssh.kex.hassh and ssh.kex.hasshserver. TCP is reassembled
// naively (app/tls/pcap_streams.h) until the app layer feeds parsers from the worker.
// Skipped when the corpus or tshark is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "app/ssh/parser.h"
#include "app/tls/pcap_streams.h"
#include "app/tls/test_util.h"

namespace ww::app::ssh {
namespace {

namespace fs = std::filesystem;
using Ctx = testing::FakeContext<Tx>;

fs::path corpus_dir() { return fs::path(WW_SOURCE_DIR) / ".." / "shared" / "corpus"; }

bool has_ssh(const std::vector<uint8_t>& v) {
  static constexpr char kTag[] = "SSH-";
  return std::search(v.begin(), v.end(), kTag, kTag + 4) != v.end();
}

size_t match(std::vector<std::string> ours, const std::vector<std::string>& theirs) {
  size_t m = 0;
  for (auto& t : theirs) {
    auto it = std::find(ours.begin(), ours.end(), t);
    if (it != ours.end()) {
      ++m;
      ours.erase(it);
    }
  }
  return m;
}

TEST(CorpusSsh, BannersAndHasshAgreeWithTshark) {
  if (!fs::exists(corpus_dir())) GTEST_SKIP() << "no corpus at " << corpus_dir();
  if (std::system("tshark -v >/dev/null 2>&1") != 0) GTEST_SKIP() << "no tshark";
  size_t b_theirs = 0, b_ours = 0, b_match = 0, h_theirs = 0, h_ours = 0, h_match = 0, files = 0;
  for (const char* sub : {"generated", "pcaps"}) {
    for (const auto& e : fs::recursive_directory_iterator(corpus_dir() / sub)) {
      auto ext = e.path().extension();
      if (ext != ".pcap" && ext != ".pcapng" && ext != ".cap") continue;
      auto conns = testing::read_tcp_conns(e.path());
      bool pattern = false;
      std::vector<std::string> banners, hassh;
      for (auto& c : conns) {
        pattern = pattern || has_ssh(c.data[0]) || has_ssh(c.data[1]);
        bool ssh = false;
        for (int i = 0; i < 2; ++i)
          ssh = ssh ||
                probe(Direction(i), {c.data[i].data(), c.data[i].size()}) == ProbeResult::Match;
        if (!ssh) continue;
        Ctx ctx;
        auto* p = static_cast<SshParser*>(create(ctx));
        for (auto& ch : c.order) p->parse(ch.d, {c.data[idx(ch.d)].data() + ch.off, ch.len}, ctx);
        p->finish(Direction::ToServer, ctx);
        for (auto& tx : ctx.txs) {
          for (const Side* s : {&tx.client, &tx.server}) {
            if (s->banner)
              banners.push_back("SSH-" + std::string(s->proto_version.view()) + "-" +
                                std::string(s->software_version.view()));
            if (s->kexinit) hassh.push_back(std::string(s->hassh.view()));
          }
        }
      }
      if (!pattern) continue;
      ++files;
      std::string q = "tshark -r '" + e.path().string() + "' -Y ssh -T fields ";
      auto tb = testing::command_lines(q + "-e ssh.protocol 2>/dev/null");
      auto th = testing::command_lines(q + "-e ssh.kex.hassh -e ssh.kex.hasshserver 2>/dev/null");
      std::vector<std::string> theirs_b, theirs_h;
      for (auto& l : tb) {
        if (l.empty()) continue;
        std::string v = l.substr(0, l.find(' '));
        if (v.substr(0, 4) == "SSH-") theirs_b.push_back(v);
      }
      for (auto& l : th) {
        for (std::string_view part :
             {std::string_view(l).substr(0, l.find('\t')),
              l.find('\t') == std::string::npos ? std::string_view()
                                                : std::string_view(l).substr(l.find('\t') + 1)})
          if (!part.empty()) theirs_h.emplace_back(part);
      }
      size_t bm = match(banners, theirs_b), hm = match(hassh, theirs_h);
      b_theirs += theirs_b.size();
      b_ours += banners.size();
      b_match += bm;
      h_theirs += theirs_h.size();
      h_ours += hassh.size();
      h_match += hm;
      if (bm != theirs_b.size() || hm != theirs_h.size() || banners.size() != theirs_b.size())
        std::printf(
            "  %-70s banners tshark %zu ours %zu matched %zu; hassh tshark %zu ours %zu "
            "matched %zu\n",
            fs::relative(e.path(), corpus_dir()).c_str(), theirs_b.size(), banners.size(), bm,
            theirs_h.size(), hassh.size(), hm);
    }
  }
  std::printf(
      "SSH banner agreement with tshark: %zu/%zu (%zu of ours); HASSH: %zu/%zu (%zu of "
      "ours); %zu captures\n",
      b_match, b_theirs, b_ours, h_match, h_theirs, h_ours, files);
  ASSERT_GT(b_theirs, 0u);
  EXPECT_GE(double(b_match), 0.9 * double(b_theirs));
  EXPECT_GE(double(h_match), 0.9 * double(h_theirs));
}

}  // namespace
}  // namespace ww::app::ssh
