// FHIR recognition and extraction from HTTP transactions; see parser.h.
#include "app/fhir/parser.h"

#include <rapidjson/reader.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "app/redact.h"

namespace ww::app::fhir {

namespace {

using http::Message;

// FHIR R4 resource types plus those R5 added (sorted: binary search).
constexpr std::string_view kResourceTypes[] = {
    "Account", "ActivityDefinition", "ActorDefinition", "AdministrableProductDefinition",
    "AdverseEvent", "AllergyIntolerance", "Appointment", "AppointmentResponse",
    "ArtifactAssessment", "AuditEvent", "Basic", "Binary", "BiologicallyDerivedProduct",
    "BiologicallyDerivedProductDispense", "BodyStructure", "Bundle", "CapabilityStatement",
    "CarePlan", "CareTeam", "CatalogEntry", "ChargeItem", "ChargeItemDefinition", "Citation",
    "Claim", "ClaimResponse", "ClinicalImpression", "ClinicalUseDefinition", "CodeSystem",
    "Communication", "CommunicationRequest", "CompartmentDefinition", "Composition",
    "ConceptMap", "Condition", "ConditionDefinition", "Consent", "Contract", "Coverage",
    "CoverageEligibilityRequest", "CoverageEligibilityResponse", "DetectedIssue", "Device",
    "DeviceAssociation", "DeviceDefinition", "DeviceDispense", "DeviceMetric", "DeviceRequest",
    "DeviceUsage", "DeviceUseStatement", "DiagnosticReport", "DocumentManifest",
    "DocumentReference", "EffectEvidenceSynthesis", "Encounter", "EncounterHistory", "Endpoint",
    "EnrollmentRequest", "EnrollmentResponse", "EpisodeOfCare", "EventDefinition", "Evidence",
    "EvidenceReport", "EvidenceVariable", "ExampleScenario", "ExplanationOfBenefit",
    "FamilyMemberHistory", "Flag", "FormularyItem", "GenomicStudy", "Goal", "GraphDefinition",
    "Group", "GuidanceResponse", "HealthcareService", "ImagingSelection", "ImagingStudy",
    "Immunization", "ImmunizationEvaluation", "ImmunizationRecommendation",
    "ImplementationGuide", "Ingredient", "InsurancePlan", "InventoryItem", "InventoryReport",
    "Invoice", "Library", "Linkage", "List", "Location", "ManufacturedItemDefinition", "Measure",
    "MeasureReport", "Media", "Medication", "MedicationAdministration", "MedicationDispense",
    "MedicationKnowledge", "MedicationRequest", "MedicationStatement", "MedicinalProduct",
    "MedicinalProductAuthorization", "MedicinalProductContraindication",
    "MedicinalProductDefinition", "MedicinalProductIndication", "MedicinalProductIngredient",
    "MedicinalProductInteraction", "MedicinalProductManufactured", "MedicinalProductPackaged",
    "MedicinalProductPharmaceutical", "MedicinalProductUndesirableEffect", "MessageDefinition",
    "MessageHeader", "MolecularSequence", "NamingSystem", "NutritionIntake", "NutritionOrder",
    "NutritionProduct", "Observation", "ObservationDefinition", "OperationDefinition",
    "OperationOutcome", "Organization", "OrganizationAffiliation", "PackagedProductDefinition",
    "Parameters", "Patient", "PaymentNotice", "PaymentReconciliation", "Permission", "Person",
    "PlanDefinition", "Practitioner", "PractitionerRole", "Procedure", "Provenance",
    "Questionnaire", "QuestionnaireResponse", "RegulatedAuthorization", "RelatedPerson",
    "RequestGroup", "RequestOrchestration", "Requirements", "ResearchDefinition",
    "ResearchElementDefinition", "ResearchStudy", "ResearchSubject", "RiskAssessment",
    "RiskEvidenceSynthesis", "Schedule", "SearchParameter", "ServiceRequest", "Slot",
    "Specimen", "SpecimenDefinition", "StructureDefinition", "StructureMap", "Subscription",
    "SubscriptionStatus", "SubscriptionTopic", "Substance", "SubstanceDefinition",
    "SubstanceNucleicAcid", "SubstancePolymer", "SubstanceProtein",
    "SubstanceReferenceInformation", "SubstanceSourceMaterial", "SubstanceSpecification",
    "SupplyDelivery", "SupplyRequest", "Task", "TerminologyCapabilities", "TestPlan",
    "TestReport", "TestScript", "Transport", "ValueSet", "VerificationResult",
    "VisionPrescription",
};
static_assert(std::is_sorted(std::begin(kResourceTypes), std::end(kResourceTypes)));

// Resources whose id identifies a person (their ids are PHI).
bool is_patient_resource(std::string_view t) noexcept {
  return t == "Patient" || t == "Person" || t == "RelatedPerson";
}

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; }

bool icontains(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

bool istarts(std::string_view s, std::string_view p) noexcept {
  if (s.size() < p.size()) return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (lower(s[i]) != p[i]) return false;
  return true;
}

// A FHIR server base segment: "fhir", "FHIR", "fhir-r4", "baseR4", "baseDstu3" ...
bool is_base_segment(std::string_view s) noexcept {
  if (icontains(s, "fhir")) return true;
  return istarts(s, "base") && s.size() > 4 &&
         (istarts(s.substr(4), "r") || istarts(s.substr(4), "dstu") || istarts(s.substr(4), "stu"));
}

bool is_special(std::string_view s) noexcept {
  return s == "metadata" || s == "_history" || s == "_search" || (!s.empty() && s[0] == '$');
}

constexpr size_t kMaxSegs = 16;

// The request target split into path segments and query.
struct Target {
  std::string_view prefix;  // scheme and authority of an absolute URL ("http://h:8080")
  std::string_view path, query;
  std::array<std::string_view, kMaxSegs> seg{};
  size_t nseg = 0;
  int base = -1;  // first FHIR base segment
  int rt = -1;    // first resource type segment after the base
};

void split(std::string_view url, Target& t) noexcept {
  size_t q = url.find_first_of("?#");
  std::string_view path = url.substr(0, q);
  if (q != std::string_view::npos && url[q] == '?') {
    t.query = url.substr(q + 1);
    t.query = t.query.substr(0, t.query.find('#'));
  }
  if (size_t s = path.find("://"); s != std::string_view::npos && s < 10) {
    size_t p = path.find('/', s + 3);
    t.prefix = path.substr(0, p == std::string_view::npos ? path.size() : p);
    path = p == std::string_view::npos ? std::string_view() : path.substr(p);
  }
  t.path = path;
  size_t i = 0;
  while (i < path.size() && t.nseg < kMaxSegs) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t e = path.find('/', i);
    if (e == std::string_view::npos) e = path.size();
    if (e > i) t.seg[t.nseg++] = path.substr(i, e - i);
    i = e;
  }
  for (size_t k = 0; k < t.nseg; ++k) {
    if (t.base < 0 && is_base_segment(t.seg[k]) && !is_resource_type(t.seg[k])) t.base = int(k);
  }
  for (size_t k = size_t(t.base + 1); k < t.nseg; ++k) {
    if (is_resource_type(t.seg[k])) {
      t.rt = int(k);
      break;
    }
  }
}

// Iterates "a=1&b=2" (also ';'-free form bodies); f(name, value).
template <class F>
void each_param(std::string_view q, F&& f) noexcept {
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view item = q.substr(0, amp);
    size_t eq = item.find('=');
    std::string_view name = item.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    if (!name.empty()) f(name, value);
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
}

bool format_is_fhir(std::string_view query) noexcept {
  bool yes = false;
  each_param(query, [&](std::string_view n, std::string_view v) {
    if (n == "_format" && (icontains(v, "json") || icontains(v, "xml") || icontains(v, "fhir")))
      yes = true;
  });
  return yes;
}

bool accept_has_fhir(std::string_view accept) noexcept {
  while (!accept.empty()) {
    size_t c = accept.find(',');
    std::string_view item = accept.substr(0, c);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    if (is_fhir_media_type(item)) return true;
    if (c == std::string_view::npos) break;
    accept.remove_prefix(c + 1);
  }
  return false;
}

// Whether the request URL alone makes the transaction FHIR, and how.
bool recognise_path(const Target& t, Via& via) noexcept {
  if (t.base >= 0) {
    size_t next = size_t(t.base) + 1;
    if (t.rt >= 0 || (next < t.nseg && is_special(t.seg[next]))) {
      via = Via::Path;
      return true;
    }
  }
  for (size_t k = 0; k < t.nseg; ++k) {
    if (t.seg[k].starts_with("$export")) {
      via = Via::Operation;
      return true;
    }
  }
  if (t.rt >= 0 && format_is_fhir(t.query)) {
    via = Via::Format;
    return true;
  }
  return false;
}

// The URL has something to redact: a query, or a segment after a patient resource type.
bool needs_redaction(const Target& t) noexcept {
  bool need = !t.query.empty();
  for (size_t k = 0; k + 1 < t.nseg && !need; ++k) need = is_patient_resource(t.seg[k]);
  return need;
}

// Message::fhir_seen: filled once per message (request: its media types and URL; response: its
// media type), so the URL is split once however many times the transaction is logged.
namespace seen {
constexpr uint8_t kKnown = 1;
constexpr uint8_t kMedia = 2;      // a FHIR media type (request Content-Type or Accept; response
                                   // Content-Type)
constexpr uint8_t kPath = 4;       // request: the URL is FHIR (via in bits 4-5)
constexpr uint8_t kRedact = 8;     // request: the URL has something to redact
constexpr unsigned kViaShift = 4;
}  // namespace seen

uint8_t seen_request(const Message& q) noexcept {
  if (q.fhir_seen & seen::kKnown) return q.fhir_seen;
  uint8_t s = seen::kKnown;
  if (is_fhir_media_type(q.header("Content-Type")) || accept_has_fhir(q.header("Accept")))
    s |= seen::kMedia;
  Target t;
  split(q.text(q.uri), t);
  Via via = Via::Path;
  if (recognise_path(t, via)) s |= uint8_t(seen::kPath | (unsigned(via) << seen::kViaShift));
  if (needs_redaction(t)) s |= seen::kRedact;
  q.fhir_seen = s;
  return s;
}

bool response_media(const Message* r) noexcept {
  if (!r) return false;
  if (!(r->fhir_seen & seen::kKnown))
    r->fhir_seen = uint8_t(seen::kKnown | (is_fhir_media_type(r->header("Content-Type")) ? seen::kMedia : 0));
  return r->fhir_seen & seen::kMedia;
}

// Whether the transaction is FHIR, and how it was recognised: by a media type (request
// Content-Type or Accept, response Content-Type), else by the request URL.
bool recognise(const Message* q, const Message* r, Via& via) noexcept {
  uint8_t s = seen_request(*q);
  if ((s & seen::kMedia) || response_media(r)) {
    via = Via::MediaType;
    return true;
  }
  if (s & seen::kPath) {
    via = Via(s >> seen::kViaShift);
    return true;
  }
  return false;
}

// ---- JSON bodies: RapidJSON SAX, in place, on a per-thread copy with a fixed stack ----

// The parser's stack: a bump allocator over a per-thread block, growing the last block in
// place (in-situ parsing needs it for little: strings are unescaped in place). RapidJSON's
// recursive parser is used (faster than its iterative one, same grammar and events): each
// nesting level takes one frame of the thread's stack (about 100 bytes), and the handler stops
// the parse past kMaxDepth levels, so at most some 50 KiB.
constexpr size_t kStackBlock = 16 * http::kBodyBytes + 1024;
constexpr uint32_t kMaxDepth = 512;

struct StackArena {
  alignas(16) uint8_t mem[kStackBlock];
  size_t used = 0;
  void* last = nullptr;
  size_t last_size = 0;
};
thread_local StackArena t_stack;
thread_local char t_body[http::kBodyBytes + 1];

class FixedAllocator {
 public:
  static const bool kNeedFree = false;
  void* Malloc(size_t size) noexcept {
    StackArena& a = t_stack;
    size = (size + 15) & ~size_t(15);
    if (size == 0) return nullptr;
    if (a.used + size > sizeof a.mem) return nullptr;
    void* p = a.mem + a.used;
    a.used += size;
    a.last = p;
    a.last_size = size;
    return p;
  }
  void* Realloc(void* old, size_t old_size, size_t new_size) noexcept {
    StackArena& a = t_stack;
    if (old == nullptr) return Malloc(new_size);
    if (old == a.last) {
      size_t ns = (new_size + 15) & ~size_t(15);
      size_t start = size_t(static_cast<uint8_t*>(old) - a.mem);
      if (start + ns > sizeof a.mem) return nullptr;
      a.used = start + ns;
      a.last_size = ns;
      return old;
    }
    void* p = Malloc(new_size);
    if (p) std::memcpy(p, old, std::min(old_size, new_size));
    return p;
  }
  static void Free(void*) noexcept {}
};

enum class K : uint8_t { Other, ResourceType, Type, Total, Entry, Resource };

struct Handler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Handler> {
  Body& b;
  uint32_t depth = 0;
  K key[5] = {};             // last key seen at depth 1..4
  bool in_entry = false;     // inside the top-level "entry" array (depth 2)
  bool in_resource = false;  // inside entry[].resource (depth 4)
  bool too_deep = false;
  explicit Handler(Body& body) : b(body) {}

  K& cur() { return key[std::min<uint32_t>(depth, 4)]; }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    std::string_view k(s, n);
    K v = K::Other;
    if (k == "resourceType") v = K::ResourceType;
    else if (k == "type") v = K::Type;
    else if (k == "total") v = K::Total;
    else if (k == "entry") v = K::Entry;
    else if (k == "resource") v = K::Resource;
    cur() = v;
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    std::string_view v(s, n);
    if (depth == 1) {
      if (key[1] == K::ResourceType) b.resource_type.set(v);
      else if (key[1] == K::Type) b.bundle_type.set(v);
    } else if (depth == 4 && in_resource && key[4] == K::ResourceType) {
      b.add_entry_type(v);
    }
    return true;
  }
  bool Uint64(uint64_t u) {
    if (depth == 1 && key[1] == K::Total) b.total = int64_t(std::min<uint64_t>(u, INT64_MAX));
    return true;
  }
  bool Int64(int64_t i) { return i < 0 ? true : Uint64(uint64_t(i)); }
  bool Uint(unsigned u) { return Uint64(u); }
  bool Int(int i) { return Int64(i); }
  bool Default() { return true; }
  bool StartObject() {
    if (++depth > kMaxDepth) return too_deep = true, false;
    if (depth == 3 && in_entry) ++b.entries;
    if (depth == 4 && in_entry && key[3] == K::Resource) in_resource = true;
    if (depth <= 4) key[depth] = K::Other;
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    if (depth == 4) in_resource = false;
    --depth;
    return true;
  }
  bool StartArray() {
    if (++depth > kMaxDepth) return too_deep = true, false;
    if (depth == 2 && key[1] == K::Entry) in_entry = true;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    if (depth == 2) in_entry = false;
    --depth;
    return true;
  }
};

// True when the kept body is all of the message body.
bool body_whole(const Message& m) noexcept {
  using namespace http::flag;
  if (m.flags & (kBodyWindowFull | kTruncated | kGap | kDecompressError | kDecompressBomb))
    return false;
  if (m.flags & kBodyGzip) return m.body_len < http::kBodyBytes;
  return m.body_bytes <= m.body_len;
}

void read_xml_root(std::string_view s, Body& b) noexcept {
  // Skip the XML declaration, processing instructions and comments; the root element's name.
  size_t i = 0;
  while (i < s.size()) {
    size_t lt = s.find('<', i);
    if (lt == std::string_view::npos || lt + 1 >= s.size()) return;
    char c = s[lt + 1];
    if (c == '?' || c == '!') {
      size_t gt = s.find('>', lt);
      if (gt == std::string_view::npos) return;
      i = gt + 1;
      continue;
    }
    size_t e = lt + 1;
    while (e < s.size() && (std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == ':')) ++e;
    std::string_view name = s.substr(lt + 1, e - lt - 1);
    if (size_t colon = name.find(':'); colon != std::string_view::npos)
      name = name.substr(colon + 1);
    b.xml = true;
    b.resource_type.set(name);
    return;
  }
}

void read_body(const Message& m, Body& b, ParseContext* ctx) noexcept {
  if (m.body_bytes == 0 && m.body_len == 0) return;
  b.present = true;
  b.complete = body_whole(m);
  if (m.body_len == 0) return;
  std::string_view raw(reinterpret_cast<const char*>(m.body), m.body_len);
  size_t i = 0;
  while (i < raw.size() && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n'))
    ++i;
  if (i < raw.size() && raw[i] == '<') {
    read_xml_root(raw.substr(i), b);
  } else if (i < raw.size() && raw[i] == '{') {
    b.json = true;
    size_t n = std::min<size_t>(raw.size(), http::kBodyBytes);
    std::memcpy(t_body, raw.data(), n);
    t_body[n] = '\0';
    t_stack.used = 0;
    t_stack.last = nullptr;
    FixedAllocator alloc;
    rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>, FixedAllocator> reader(&alloc,
                                                                                         256);
    rapidjson::InsituStringStream ss(t_body);
    Handler h(b);
    constexpr unsigned kFlags = rapidjson::kParseInsituFlag |
                                rapidjson::kParseStopWhenDoneFlag;
    rapidjson::ParseResult ok = reader.Parse<kFlags>(ss, h);
    if (!ok && b.complete) {
      b.malformed = true;
      if (ctx) ctx->on_anomaly("fhir.malformed_json");
    }
  }
  if (!b.complete && ctx) ctx->on_anomaly("fhir.body_truncated");
}

void add_param(Tx& t, std::string_view name, std::string_view value, bool redact) noexcept {
  if (t.param_count >= kMaxParams) {
    t.params_truncated = true;
    return;
  }
  size_t used = t.param_count ? size_t(t.param_off[t.param_count - 1]) +
                                    t.param_len[t.param_count - 1]
                              : 0;
  size_t need = name.size() + (redact ? 0 : 1 + value.size());
  if (used + need > kParamBytes) {
    t.params_truncated = true;
    return;
  }
  // Names only by default; a parameter repeated (given=a&given=b) is listed once.
  if (redact) {
    for (uint32_t i = 0; i < t.param_count; ++i)
      if (t.param(i) == name) return;
    if (!value.empty()) t.values_redacted = true;
  }
  char* p = t.params + used;
  std::memcpy(p, name.data(), name.size());
  size_t n = name.size();
  if (!redact) {
    p[n++] = '=';
    if (!value.empty()) std::memcpy(p + n, value.data(), value.size());
    n += value.size();
  }
  t.param_off[t.param_count] = uint16_t(used);
  t.param_len[t.param_count] = uint16_t(n);
  ++t.param_count;
}

Interaction by_method(std::string_view m, Interaction get, Interaction post) noexcept {
  if (m == "GET" || m == "HEAD") return get;
  if (m == "POST") return post;
  if (m == "PUT") return Interaction::Update;
  if (m == "PATCH") return Interaction::Patch;
  if (m == "DELETE") return Interaction::Delete;
  return Interaction::Unknown;
}

}  // namespace

void Text::set(std::string_view v) noexcept {
  truncated = v.size() > kTextCap;
  len = uint8_t(std::min(v.size(), kTextCap));
  if (len) std::memcpy(buf, v.data(), len);
}

void Body::add_entry_type(std::string_view t) noexcept {
  for (uint8_t i = 0; i < entry_type_count; ++i) {
    if (entry_types[i].type.sv() == t) {
      ++entry_types[i].count;
      return;
    }
  }
  if (entry_type_count >= kMaxEntryTypes) {
    entry_types_truncated = true;
    return;
  }
  entry_types[entry_type_count].type.set(t);
  entry_types[entry_type_count].count = 1;
  ++entry_type_count;
}

std::string_view interaction_name(Interaction i) noexcept {
  switch (i) {
    case Interaction::Read: return "read";
    case Interaction::Vread: return "vread";
    case Interaction::Search: return "search";
    case Interaction::Create: return "create";
    case Interaction::Update: return "update";
    case Interaction::Patch: return "patch";
    case Interaction::Delete: return "delete";
    case Interaction::History: return "history";
    case Interaction::Capabilities: return "capabilities";
    case Interaction::Batch: return "batch";
    case Interaction::Transaction: return "transaction";
    case Interaction::Operation: return "operation";
    case Interaction::Unknown: break;
  }
  return "unknown";
}

namespace {
// kResourceTypes[kFirst[c - 'A'] .. kFirst[c - 'A' + 1]) start with the letter c.
constexpr std::array<uint8_t, 27> first_letter_index() {
  std::array<uint8_t, 27> f{};
  size_t k = 0;
  for (int c = 0; c <= 26; ++c) {
    while (k < std::size(kResourceTypes) && kResourceTypes[k][0] - 'A' < c) ++k;
    f[size_t(c)] = uint8_t(k);
  }
  return f;
}
constexpr std::array<uint8_t, 27> kFirst = first_letter_index();
static_assert(std::size(kResourceTypes) < 256);
}  // namespace

bool is_resource_type(std::string_view name) noexcept {
  // Every type starts with a capital letter: a URL segment that does not is rejected at once.
  if (name.empty() || name[0] < 'A' || name[0] > 'Z') return false;
  const std::string_view* b = kResourceTypes + kFirst[size_t(name[0] - 'A')];
  const std::string_view* e = kResourceTypes + kFirst[size_t(name[0] - 'A') + 1];
  return std::binary_search(b, e, name);
}

bool is_fhir_media_type(std::string_view ct) noexcept {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  auto eq = [&](std::string_view w) {
    if (ct.size() != w.size()) return false;
    for (size_t i = 0; i < w.size(); ++i)
      if (lower(ct[i]) != w[i]) return false;
    return true;
  };
  return eq("application/fhir+json") || eq("application/fhir+xml") ||
         eq("application/json+fhir") || eq("application/xml+fhir") ||
         eq("application/fhir+ndjson");
}

bool analyse(const http::Transaction& h, Tx& t, ParseContext* ctx) noexcept {
  const Message* q = h.request;
  const Message* r = h.response;
  if (!q || !q->uri.len) return false;
  if (!recognise(q, r, t.via)) return false;
  Target tg;
  split(q->text(q->uri), tg);

  const bool redact = redact_phi();
  std::string_view method = q->text(q->method);
  t.method.set(method);
  if (r) t.status = r->status;
  read_body(*q, t.request_body, ctx);
  if (r) read_body(*r, t.response_body, ctx);

  if (tg.rt < 0) {
    // System level: [base], [base]/metadata, [base]/_history, [base]/$op, [base]/_search.
    t.level = Level::System;
    size_t k = tg.base >= 0 ? size_t(tg.base) + 1 : tg.nseg;
    if (tg.base < 0) {
      for (size_t i = 0; i < tg.nseg; ++i)
        if (is_special(tg.seg[i])) {
          k = i;
          break;
        }
    }
    if (k >= tg.nseg) {
      std::string_view bt = t.request_body.bundle_type.sv();
      if (tg.base < 0 && tg.nseg > 0) {
        t.interaction = Interaction::Unknown;  // FHIR media type on a path we cannot read
      } else if (method == "POST" && bt == "batch") {
        t.interaction = Interaction::Batch;
      } else if (method == "POST" && bt == "transaction") {
        t.interaction = Interaction::Transaction;
      } else {
        t.interaction = by_method(method, Interaction::Search, Interaction::Create);
      }
    } else {
      std::string_view s = tg.seg[k];
      if (s == "metadata") t.interaction = Interaction::Capabilities;
      else if (s == "_history") t.interaction = Interaction::History;
      else if (s == "_search") t.interaction = Interaction::Search;
      else if (s[0] == '$') t.interaction = Interaction::Operation, t.operation.set(s);
    }
  } else {
    size_t k = size_t(tg.rt);
    std::string_view type = tg.seg[k];
    t.resource_type.set(type);
    t.level = Level::Type;
    size_t rest = tg.nseg - k - 1;
    std::string_view r0 = rest > 0 ? tg.seg[k + 1] : std::string_view();
    std::string_view r1 = rest > 1 ? tg.seg[k + 2] : std::string_view();
    if (rest == 0) {
      t.interaction = by_method(method, Interaction::Search, Interaction::Create);
    } else if (r0 == "_search") {
      t.interaction = Interaction::Search;
    } else if (r0 == "_history") {
      t.interaction = Interaction::History;
    } else if (r0[0] == '$') {
      t.interaction = Interaction::Operation;
      t.operation.set(r0);
    } else {
      t.level = Level::Instance;
      bool phi = is_patient_resource(type);
      if (phi && redact) t.id_redacted = true;
      else t.id.set(r0);
      if (rest == 1) {
        t.interaction = by_method(method, Interaction::Read, Interaction::Unknown);
      } else if (r1 == "_history") {
        if (rest == 2) {
          t.interaction = Interaction::History;
        } else {
          t.interaction = Interaction::Vread;
          t.version_id.set(tg.seg[k + 3]);
        }
      } else if (r1[0] == '$') {
        t.interaction = Interaction::Operation;
        t.operation.set(r1);
      } else if (is_resource_type(r1) || r1 == "*") {
        // Compartment search: GET [base]/Patient/[id]/Observation
        t.compartment.set(type);
        t.resource_type.set(r1 == "*" ? std::string_view() : r1);
        t.level = Level::Type;
        t.interaction = Interaction::Search;
      }
    }
  }
  if (t.resource_type.empty()) {
    // Create and batch name their resource in the body; else what the server answered.
    if (!t.request_body.resource_type.empty() && t.interaction == Interaction::Create)
      t.resource_type = t.request_body.resource_type;
    else if (t.interaction == Interaction::Batch || t.interaction == Interaction::Transaction)
      t.resource_type.set("Bundle");
  }

  each_param(tg.query, [&](std::string_view n, std::string_view v) { add_param(t, n, v, redact); });
  if (t.interaction == Interaction::Search && method == "POST" &&
      icontains(q->header("Content-Type"), "x-www-form-urlencoded") && q->body_len) {
    std::string_view form(reinterpret_cast<const char*>(q->body), q->body_len);
    each_param(form, [&](std::string_view n, std::string_view v) { add_param(t, n, v, redact); });
  }
  return true;
}

std::string_view redact_url(const Message* q, const Message* r, std::string_view url, char* buf,
                            size_t cap) noexcept {
  if (!redact_phi() || !q || !q->uri.len || cap == 0) return url;
  Via via;
  if (!recognise(q, r, via)) return url;
  std::string_view uri = q->text(q->uri);
  if (url.data() == uri.data() && url.size() == uri.size() && !(q->fhir_seen & seen::kRedact))
    return url;  // the request URL, known to hold nothing to redact
  Target t;
  split(url, t);
  if (!needs_redaction(t)) return url;
  size_t n = 0;
  auto put = [&](std::string_view s) {
    size_t c = std::min(s.size(), cap - n);
    if (c) std::memcpy(buf + n, s.data(), c);
    n += c;
  };
  put(t.prefix);
  // Path: each segment as sent, except the one after a patient resource type (its id).
  std::string_view path = t.path;
  size_t i = 0;
  bool after_patient = false;
  while (i < path.size()) {
    if (path[i] == '/') {
      put("/");
      ++i;
      continue;
    }
    size_t e = path.find('/', i);
    if (e == std::string_view::npos) e = path.size();
    std::string_view s = path.substr(i, e - i);
    bool id = after_patient && !s.empty() && s[0] != '_' && s[0] != '$';
    put(id ? kRedacted : s);
    after_patient = is_patient_resource(s);
    i = e;
  }
  if (!t.query.empty() || url.find('?') != std::string_view::npos) {
    put("?");
    bool first = true;
    each_param(t.query, [&](std::string_view name, std::string_view value) {
      if (!first) put("&");
      first = false;
      put(name);
      if (!value.empty()) {
        put("=");
        put(kRedacted);
      }
    });
  }
  return {buf, n};
}

void derive(const void* http_tx, uint64_t tx_id, Direction d, ParseContext& ctx) noexcept {
  Tx t;
  if (!analyse(*static_cast<const http::Transaction*>(http_tx), t, &ctx)) return;
  ctx.on_derived_transaction(kSpec, &t, tx_id, d);
}

const ParserSpec kSpec = {
    Proto::Fhir, true,  false,    {0, 0, 0, 0}, nullptr,       nullptr, "fhir", &log_tx,
    &buffers,    true,  Proto::Http, &derive,
};

}  // namespace ww::app::fhir
