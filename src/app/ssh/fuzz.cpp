// libFuzzer driver for the SSH parser. The first input byte sets the chunk size and whether
// chunks alternate between directions; checks consumed counts, that an Error direction stays
// Error, and at most one transaction per session; logs it to exercise the EVE writer.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "app/ssh/parser.h"
#include "app/tls/test_util.h"
#include "output/eve.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ww;
  using namespace ww::app;
  if (size == 0) return 0;
  uint8_t mode = data[0];
  Bytes in(data + 1, size - 1);
  testing::FakeContext<ssh::Tx> ctx(mode & 0x80 ? 4096 : 256u << 10);
  Parser* p = ssh::create(ctx);
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
  if (ctx.txs.size() > 1) std::abort();
  for (auto& tx : ctx.txs) {
    output::EveWriter w(nullptr);
    ssh::log_tx(&tx, w);
  }
  return 0;
}
