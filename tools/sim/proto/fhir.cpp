// FHIR R4 REST over HTTP (port 8080) or HTTPS (443): read Patient, search Observation
// (searchset Bundle), create Observation (201 with Location); application/fhir+json.
#include "proto.h"

namespace ww::sim {

namespace {
std::string dob_iso(const std::string& d) { return d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2); }

std::string observation_json(Rng& r, const std::string& pid, const std::string& id) {
  char val[16];
  std::snprintf(val, sizeof val, "%d", static_cast<int>(55 + r.below(60)));
  std::string s = "{\"resourceType\":\"Observation\"";
  if (!id.empty()) s += ",\"id\":\"" + id + "\"";
  s += ",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/"
       "CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],\"code\":{\"coding\":[{"
       "\"system\":\"http://loinc.org\",\"code\":\"8867-4\",\"display\":\"Heart rate\"}]},"
       "\"subject\":{\"reference\":\"Patient/" + pid + "\"},\"effectiveDateTime\":\"2024-03-04T08:" +
       r.digits(1) + "5:00Z\",\"valueQuantity\":{\"value\":" + val +
       ",\"unit\":\"beats/minute\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}";
  return s;
}
}  // namespace

std::string fhir_patient_json(Rng& r, const Patient& p) {
  std::string g = p.given, f = p.family;
  return "{\"resourceType\":\"Patient\",\"id\":\"" + p.mrn.substr(3) +
         "\",\"identifier\":[{\"system\":\"urn:oid:2.16.840.1.113883.2.1.4.1\",\"value\":\"" + p.mrn +
         "\"}],\"active\":true,\"name\":[{\"use\":\"official\",\"family\":\"" + f +
         "\",\"given\":[\"" + g + "\"]}],\"gender\":\"" + (p.sex == "F" ? "female" : "male") +
         "\",\"birthDate\":\"" + dob_iso(p.dob) + "\",\"telecom\":[{\"system\":\"phone\",\"value\":\"020" +
         r.digits(8) + "\"}],\"address\":[{\"line\":[\"" + std::to_string(1 + r.below(200)) +
         " High Street\"],\"city\":\"London\",\"country\":\"GB\"}]}";
}

void fhir_session(Sim& sim, Session& s, Host& client, Host& server, bool tls, int calls) {
  Rng& r = sim.rng;
  resolve(sim, s, client, server);
  Tcp tcp(sim, s, client, server, tls ? 443 : 8080);
  if (!tcp.connect()) return;
  if (tls) {
    TlsParams p;
    p.sni = server.fqdn;
    p.tls13 = true;
    p.exchanges = calls;
    p.up = 400 * static_cast<size_t>(calls);
    p.down = 3000 * static_cast<size_t>(calls);
    tls_session(sim, tcp, p);
    tcp.close(Dir::kC2S);
    return;
  }
  const std::string host = server.fqdn + ":8080";
  for (int i = 0; i < calls; ++i) {
    Patient p = random_patient(r);
    std::string pid = p.mrn.substr(3);
    HttpReq q;
    q.host = host;
    q.user_agent = "HAPI-FHIR/6.10.0 (FHIR Client; FHIR 4.0.1/R4; apache)";
    q.headers = {{"Accept", "application/fhir+json;q=1.0, application/json+fhir;q=0.9"},
                 {"Authorization", "Bearer " + r.alnum(40)}};
    HttpResp a;
    a.content_type = "application/fhir+json;charset=UTF-8";
    uint64_t kind = r.below(3);
    if (kind == 0) {
      q.uri = "/fhir/Patient/" + pid;
      a.body = fhir_patient_json(r, p);
    } else if (kind == 1) {
      q.uri = "/fhir/Observation?patient=" + pid + "&category=vital-signs&_count=10";
      int n = 1 + static_cast<int>(r.below(6));
      std::string entries;
      for (int k = 0; k < n; ++k) {
        std::string oid = r.digits(8);
        entries += std::string(k ? "," : "") + "{\"fullUrl\":\"http://" + host + "/fhir/Observation/" +
                   oid + "\",\"resource\":" + observation_json(r, pid, oid) +
                   ",\"search\":{\"mode\":\"match\"}}";
      }
      a.body = "{\"resourceType\":\"Bundle\",\"id\":\"" + r.hex(16) + "\",\"type\":\"searchset\",\"total\":" +
               std::to_string(n) + ",\"link\":[{\"relation\":\"self\",\"url\":\"http://" + host + q.uri +
               "\"}],\"entry\":[" + entries + "]}";
      a.gzip = r.chance(0.5);
    } else {
      q.method = "POST";
      q.uri = "/fhir/Observation";
      q.content_type = "application/fhir+json; charset=UTF-8";
      q.body = observation_json(r, pid, "");
      a.status = 201;
      std::string oid = r.digits(8);
      a.headers = {{"Location", "http://" + host + "/fhir/Observation/" + oid + "/_history/1"}};
      a.body = observation_json(r, pid, oid);
    }
    http_exchange(tcp, r, q, a, r.range(3 * kMs, 60 * kMs));
  }
  tcp.close(Dir::kC2S);
}

}  // namespace ww::sim
