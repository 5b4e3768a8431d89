// Rule buffers and keywords of a DCE/RPC call: dcerpc.stub_data (dce_stub_data) is the
// request's stub data to server and the response's to client (the first kMaxStub bytes of all
// fragments); dcerpc.iface and dcerpc.opnum are answered by check() (match.h).
#include "app/dcerpc/parser.h"
#include "detect/match.h"

namespace ww::app::dcerpc {

void buffers(const void* p, Direction d, detect::InspectBuffers& out) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  if (d == Direction::ToServer && tx.req_data)
    out.set(detect::BufferId::DceStubData, Bytes(tx.req_data, tx.req_len));
  else if (d == Direction::ToClient && tx.rsp_data)
    out.set(detect::BufferId::DceStubData, Bytes(tx.rsp_data, tx.rsp_len));
}

bool check(const void* p, Direction, std::string_view keyword, std::string_view value) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  Call c;
  c.request = tx.req_seen && tx.req_type == ptype::kRequest;
  c.first_frag = tx.first_frag;
  c.opnum = tx.opnum;
  c.ctxid = tx.ctxid;
  c.bound = tx.bound;
  c.n_bound = tx.n_bound;
  return keyword_match(c, keyword, value);
}

}  // namespace ww::app::dcerpc
