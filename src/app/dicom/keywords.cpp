// Rule buffers of a DICOM transaction:
//   dicom.calling_ae / dicom.called_ae  AE titles of the association (every transaction)
//   dicom.command    "C-STORE", "C-FIND", ... (DIMSE transactions)
//   dicom.sop_class  AffectedSOPClassUID / RequestedSOPClassUID (DIMSE transactions)
//   dicom.status     final response status, 4 upper-case hex digits: "0000", "A700", "C000"
#include "app/dicom/parser.h"
#include "detect/match.h"

namespace ww::app::dicom {

namespace {
Bytes sv_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
}  // namespace

void buffers(const void* p, Direction, detect::InspectBuffers& out) noexcept {
  const Tx& tx = *static_cast<const Tx*>(p);
  using detect::BufferId;
  if (tx.assoc) {
    if (!tx.assoc->calling_ae.empty())
      out.set(BufferId::DicomCallingAe, sv_bytes(tx.assoc->calling_ae));
    if (!tx.assoc->called_ae.empty())
      out.set(BufferId::DicomCalledAe, sv_bytes(tx.assoc->called_ae));
  }
  if (tx.kind != TxKind::Dimse || !tx.dimse) return;
  const Dimse& d = *tx.dimse;
  std::string_view name = command_name(d.command);
  if (!name.empty()) out.set(BufferId::DicomCommand, sv_bytes(name));
  if (!d.sop_class.empty()) out.set(BufferId::DicomSopClass, sv_bytes(d.sop_class.sv()));
  if (d.has_status) out.set(BufferId::DicomStatus, sv_bytes({d.status_hex, 4}));
}

}  // namespace ww::app::dicom
