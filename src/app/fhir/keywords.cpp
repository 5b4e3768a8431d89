// Rule buffers of a FHIR interaction (inspected to_server: they describe the request):
//   fhir.resource_type  "Patient" (path; for create/batch the request body's resourceType)
//   fhir.interaction    read, vread, search, create, update, patch, delete, history,
//                       capabilities, batch, transaction, unknown, or the operation's name
//                       with its '$' ("$export", "$everything")
#include "app/fhir/parser.h"
#include "detect/match.h"

namespace ww::app::fhir {

void buffers(const void* p, Direction d, detect::InspectBuffers& out) noexcept {
  if (d != Direction::ToServer) return;
  const Tx& t = *static_cast<const Tx*>(p);
  using detect::BufferId;
  auto bytes = [](std::string_view s) {
    return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  if (!t.resource_type.empty()) out.set(BufferId::FhirResourceType, bytes(t.resource_type.sv()));
  out.set(BufferId::FhirInteraction,
          bytes(t.interaction == Interaction::Operation ? t.operation.sv()
                                                        : interaction_name(t.interaction)));
}

}  // namespace ww::app::fhir
