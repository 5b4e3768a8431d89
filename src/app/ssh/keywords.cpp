// Rule buffers of an SSH transaction: ssh.proto and ssh.software are the side of the
// direction inspected (client to_server, server to_client, as Suricata); the HASSH buffers
// name their side and are exposed whenever that side's KEXINIT was seen.
#include "app/ssh/parser.h"
#include "detect/match.h"

namespace ww::app::ssh {
namespace {

Bytes b(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

void buffers(const void* p, Direction d, detect::InspectBuffers& out) noexcept {
  using detect::BufferId;
  const Tx& tx = *static_cast<const Tx*>(p);
  const Side& s = d == Direction::ToServer ? tx.client : tx.server;
  if (s.banner) {
    out.set(BufferId::SshProto, b(s.proto_version.view()));
    out.set(BufferId::SshSoftware, b(s.software_version.view()));
  }
  if (tx.client.kexinit) {
    out.set(BufferId::SshHassh, b(tx.client.hassh.view()));
    out.set(BufferId::SshHasshString, b(tx.client.hassh_str()));
  }
  if (tx.server.kexinit) {
    out.set(BufferId::SshHasshServer, b(tx.server.hassh.view()));
    out.set(BufferId::SshHasshServerString, b(tx.server.hassh_str()));
  }
}

}  // namespace ww::app::ssh
