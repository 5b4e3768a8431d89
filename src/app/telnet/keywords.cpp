// Rule buffers of a Telnet session: none (Suricata has no Telnet sticky buffer). Telnet
// sessions still reach detection (app-layer-protocol:telnet, flow and stream keywords), and
// the cleartext login is an anomaly event (telnet.cleartext_login).
#include "app/telnet/parser.h"
#include "detect/match.h"

namespace ww::app::telnet {

void buffers(const void*, Direction, detect::InspectBuffers&) noexcept {}

}  // namespace ww::app::telnet
