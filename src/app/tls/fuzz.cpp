// libFuzzer driver for the TLS parser. The first input byte sets how the rest is cut into
// chunks and which direction each chunk goes to, so splits, interleaving and both directions
// are exercised; a small per-flow arena cap exercises the memcap paths. Checks that each
// parse() reports a consumed count within its input and that an Error direction stays Error.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "app/tls/parser.h"
#include "app/tls/test_util.h"
#include "output/eve.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ww;
  using namespace ww::app;
  if (size == 0) return 0;
  uint8_t mode = data[0];
  Bytes in(data + 1, size - 1);
  testing::FakeContext<tls::Tx> ctx(mode & 0x80 ? 4096 : 256u << 10);
  Parser* p = tls::create(ctx);
  if (!p) return 0;
  size_t chunk = (mode & 0x0f) + 1;
  bool dead[2] = {false, false};
  for (size_t off = 0; off < in.size(); off += chunk) {
    Bytes b = in.subspan(off, std::min(chunk, in.size() - off));
    // 0x20: all to the client; 0x40: chunks alternate between directions.
    bool to_client = (mode & 0x20) || ((mode & 0x40) && ((off / chunk) & 1));
    Direction d = to_client ? Direction::ToClient : Direction::ToServer;
    ParseResult r = p->parse(d, b, ctx);
    if (r.consumed > b.size()) std::abort();
    if (dead[idx(d)] && r.status != ParseStatus::Error && !b.empty()) std::abort();
    if (r.status == ParseStatus::Error) dead[idx(d)] = true;
  }
  p->finish(Direction::ToServer, ctx);
  p->finish(Direction::ToClient, ctx);
  if (ctx.txs.size() > 1) std::abort();  // one transaction per session
  for (auto& tx : ctx.txs) {
    output::EveWriter w(nullptr);
    tls::log_tx(&tx, w);
  }
  return 0;
}
