// Rule buffers of a DHCP message. Suricata has no sticky buffer for DHCP (its dhcp.leasetime,
// dhcp.renewal_time and dhcp.rebinding_time are integer keywords, not implemented by
// src/detect yet); the file name a BOOTP reply names for network boot (`file`) is not exposed
// either. DHCP transactions still reach detection (app-layer-protocol:dhcp, flow keywords).
#include "app/dhcp/parser.h"
#include "detect/match.h"

namespace ww::app::dhcp {

void buffers(const void*, Direction, detect::InspectBuffers&) noexcept {}

}  // namespace ww::app::dhcp
