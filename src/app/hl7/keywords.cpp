// Rule buffers of an HL7 message:
//   hl7.msg_type     "ADT^A01" (MSH-9.1 ^ MSH-9.2, '^' whatever separator the message declared)
//   hl7.sending_app  MSH-3.1
//   hl7.segment      segment names in order of first appearance, comma separated: "MSH,EVN,PID"
//   hl7.field        the message itself (first kRawCap bytes, segments ending in CR as sent):
//                    select a field by anchoring on the segment, e.g. PID-5 with
//                    `hl7.field; pcre:"/(?:^|\r)PID(?:\|[^|\r]*){4}\|JOHN/";` (path selection
//                    like "PID.5" is a later keyword option)
//   hl7.ack_code     MSA-1 (ACK messages only)
#include "app/hl7/parser.h"
#include "detect/match.h"

namespace ww::app::hl7 {

namespace {
Bytes bytes_of(const Field& f) noexcept {
  return {reinterpret_cast<const uint8_t*>(f.buf), f.len};
}
}  // namespace

void buffers(const void* p, Direction, detect::InspectBuffers& out) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  using detect::BufferId;
  if (!tx.msg_type.empty()) out.set(BufferId::Hl7MsgType, bytes_of(tx.msg_type));
  if (!tx.sending_application.empty())
    out.set(BufferId::Hl7SendingApp, bytes_of(tx.sending_application));
  out.set(BufferId::Hl7Segment, {reinterpret_cast<const uint8_t*>(tx.segment_list.data()),
                                 tx.segment_list.size()});
  out.set(BufferId::Hl7Field, tx.raw);
  if (!tx.ack_code.empty()) out.set(BufferId::Hl7AckCode, bytes_of(tx.ack_code));
}

}  // namespace ww::app::hl7
