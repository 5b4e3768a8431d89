// Rule buffers of an SMB transaction: smb.share (tree connect to a disk share: its path),
// smb.named_pipe (tree connect to a pipe share such as IPC$: its path), file.name (create,
// read, write, close, set info: the name the file was opened with; a rename's new name when
// the file has none), file.data (a file Tx: the file's first kFileInspect bytes in its
// direction), dcerpc.stub_data (a DCE/RPC call in a pipe: the request's stub to server, the
// answer's to client); dcerpc.iface and dcerpc.opnum (app/dcerpc/match.h) and smb.version (1:
// an SMB1 transaction, 2: SMB2/3) are answered by check(). SMB1 transactions expose the same buffers.
#include "app/smb/parser.h"
#include "detect/match.h"

namespace ww::app::smb {
namespace {

Bytes b(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

void buffers(const void* p, Direction d, detect::InspectBuffers& out) noexcept {
  using detect::BufferId;
  const Tx& tx = *static_cast<const Tx*>(p);
  if (tx.encrypted || tx.keywords_only) return;
  // As Suricata: smb.share and smb.named_pipe are the path of a TREE_CONNECT (SMB1's
  // TREE_CONNECT_ANDX, 0x75), by share type.
  bool tree_connect = tx.smb1 ? tx.command == 0x75 : tx.command == cmd::kTreeConnect;
  if (tree_connect && !tx.share.empty())
    out.set(tx.named_pipe ? BufferId::SmbNamedPipe : BufferId::SmbShare, b(tx.share.view()));
  if (!tx.named_pipe && !tx.filename.empty()) out.set(BufferId::FileName, b(tx.filename.view()));
  if (tx.file_data_len) out.set(BufferId::FileData, Bytes(tx.file_data, tx.file_data_len));
  if (d == Direction::ToServer && tx.dce_req_data)
    out.set(BufferId::DceStubData, Bytes(tx.dce_req_data, tx.dce_req_len));
  else if (d == Direction::ToClient && tx.dce_rsp_data)
    out.set(BufferId::DceStubData, Bytes(tx.dce_rsp_data, tx.dce_rsp_len));
}

bool check(const void* p, Direction, std::string_view keyword, std::string_view value) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  if (keyword == "smb.version") return value == (tx.smb1 ? "1" : "2");
  if (!tx.has_dce) return false;
  dcerpc::Call c;
  c.request = tx.dce_req == 0;
  c.first_frag = tx.dce_first_frag;
  c.opnum = tx.opnum;
  c.ctxid = tx.ctxid;
  c.bound = tx.bound;
  c.n_bound = tx.n_bound;
  return dcerpc::keyword_match(c, keyword, value);
}

}  // namespace ww::app::smb
