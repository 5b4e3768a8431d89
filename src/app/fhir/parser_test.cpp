// FHIR over HTTP through the real app layer: HTTP bytes in, `fhir` transactions, EVE events and
// rule buffers out. Requests follow the FHIR R4 RESTful API (http://hl7.org/fhir/R4/http.html).
#include "app/fhir/parser.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <string>
#include <vector>

#include "app/redact.h"
#include "app/test_harness.h"
#include "detect/buffers.h"
#include "detect/match.h"

namespace ww::app::fhir {
namespace {

using test::Harness;
constexpr Direction kTs = Direction::ToServer;
constexpr Direction kTc = Direction::ToClient;

std::string req(std::string_view method, std::string_view uri, std::string_view headers = "",
                std::string_view body = "") {
  std::string s = std::string(method) + " " + std::string(uri) + " HTTP/1.1\r\nHost: ehr01:8080\r\n";
  s += headers;
  if (!body.empty() || method == "POST" || method == "PUT")
    s += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  s += "\r\n";
  s += body;
  return s;
}

std::string rsp(int status, std::string_view ctype, std::string_view body,
                std::string_view headers = "") {
  std::string s = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  if (!ctype.empty()) s += "Content-Type: " + std::string(ctype) + "\r\n";
  s += headers;
  s += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  s += body;
  return s;
}

constexpr std::string_view kFhirJson = "application/fhir+json;charset=UTF-8";
constexpr std::string_view kAccept = "Accept: application/fhir+json\r\n";

struct Result {
  std::vector<std::string> fhir, http;  // EVE objects
  std::vector<std::map<std::string, std::string>> bufs;  // fhir rule buffers, to_server
  std::vector<std::string> anomalies;
  std::string eve;
};

// Runs one conversation (request bytes, then response bytes) fed in pieces of `step`.
Result run(const std::string& q, const std::string& r, size_t step = 0) {
  Harness h(ipproto::kTcp, 40000, 8080);
  Result out;
  h.on_tx = [&](const ParserSpec& spec, const void* tx, uint64_t, Direction d) {
    if (spec.proto != Proto::Fhir) return;
    for (Direction dd : {kTs, kTc}) {
      detect::InspectBuffers b;
      spec.buffers(tx, dd, b);
      std::map<std::string, std::string> m;
      for (const auto& bs : detect::buffer_specs())
        if (const Bytes* v = b.get(bs.id))
          m[std::string(bs.name)] = std::string(reinterpret_cast<const char*>(v->data()), v->size());
      if (dd == kTs) out.bufs.push_back(m);
      else EXPECT_TRUE(m.empty()) << "fhir buffers are request buffers";
    }
  };
  auto feed = [&](Direction d, const std::string& s) {
    if (step == 0) h.data(d, s);
    else h.data_split(d, Harness::b(s), step);
  };
  feed(kTs, q);
  if (!r.empty()) feed(kTc, r);
  h.end();
  out.eve = h.eve_all();
  for (const std::string& line : h.eve_lines()) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    EXPECT_FALSE(doc.HasParseError()) << line;
    std::string type = doc["event_type"].GetString();
    auto obj = [&](const char* k) {
      rapidjson::StringBuffer sb;
      rapidjson::Writer<rapidjson::StringBuffer> w(sb);
      doc[k].Accept(w);
      return std::string(sb.GetString());
    };
    if (type == "fhir") out.fhir.push_back(obj("fhir"));
    if (type == "http") out.http.push_back(obj("http"));
    if (type == "anomaly") out.anomalies.push_back(doc["anomaly"]["event"].GetString());
  }
  return out;
}

rapidjson::Document parse(const std::string& s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  return d;
}

struct RedactGuard {
  bool saved = redact_phi();
  explicit RedactGuard(bool on) { set_redact_phi(on); }
  ~RedactGuard() { set_redact_phi(saved); }
};

std::string bundle(std::string_view type, int total, int entries, std::string_view rtype) {
  std::string e;
  for (int i = 0; i < entries; ++i)
    e += std::string(i ? "," : "") + "{\"fullUrl\":\"http://ehr01/fhir/" + std::string(rtype) +
         "/" + std::to_string(100 + i) + "\",\"resource\":{\"resourceType\":\"" +
         std::string(rtype) + "\",\"id\":\"" + std::to_string(100 + i) +
         "\",\"status\":\"final\"},\"search\":{\"mode\":\"match\"}}";
  return "{\"resourceType\":\"Bundle\",\"id\":\"b1\",\"type\":\"" + std::string(type) +
         "\",\"total\":" + std::to_string(total) + ",\"link\":[{\"relation\":\"self\"}],\"entry\":[" +
         e + "]}";
}

TEST(Fhir, ReadPatientRedactsIdEverywhere) {
  RedactGuard g(true);
  auto r = run(req("GET", "/fhir/Patient/8812345", kAccept),
               rsp(200, kFhirJson, R"({"resourceType":"Patient","id":"8812345","name":[{"family":"OKAFOR"}]})"));
  ASSERT_EQ(r.fhir.size(), 1u);
  auto d = parse(r.fhir[0]);
  EXPECT_STREQ(d["interaction"].GetString(), "read");
  EXPECT_STREQ(d["level"].GetString(), "instance");
  EXPECT_STREQ(d["resource_type"].GetString(), "Patient");
  EXPECT_FALSE(d.HasMember("id"));
  EXPECT_TRUE(d["id_redacted"].GetBool());
  EXPECT_EQ(d["status"].GetUint(), 200u);
  EXPECT_STREQ(d["recognised_by"].GetString(), "media_type");
  EXPECT_STREQ(d["response_body"]["resource_type"].GetString(), "Patient");
  EXPECT_TRUE(d["response_body"]["complete"].GetBool());
  ASSERT_EQ(r.http.size(), 1u);
  EXPECT_STREQ(parse(r.http[0])["url"].GetString(), "/fhir/Patient/[redacted]");
  EXPECT_EQ(r.eve.find("8812345"), std::string::npos) << r.eve;
  EXPECT_EQ(r.eve.find("OKAFOR"), std::string::npos);
  ASSERT_EQ(r.bufs.size(), 1u);
  EXPECT_EQ(r.bufs[0]["fhir.resource_type"], "Patient");
  EXPECT_EQ(r.bufs[0]["fhir.interaction"], "read");
}

TEST(Fhir, RedactionOffLogsIdAndValues) {
  RedactGuard g(false);
  auto r = run(req("GET", "/fhir/Patient/8812345", kAccept), rsp(200, kFhirJson, "{}"));
  ASSERT_EQ(r.fhir.size(), 1u);
  EXPECT_STREQ(parse(r.fhir[0])["id"].GetString(), "8812345");
  EXPECT_STREQ(parse(r.http[0])["url"].GetString(), "/fhir/Patient/8812345");
  auto s = run(req("GET", "/fhir/Observation?patient=8812345&category=vital-signs", kAccept),
               rsp(200, kFhirJson, bundle("searchset", 0, 0, "Observation")));
  auto d = parse(s.fhir[0]);
  ASSERT_EQ(d["search_params"].Size(), 2u);
  EXPECT_STREQ(d["search_params"][0].GetString(), "patient=8812345");
  EXPECT_FALSE(d.HasMember("search_values_redacted"));
}

TEST(Fhir, SearchBundleCountsAndParamNamesOnly) {
  RedactGuard g(true);
  auto r = run(req("GET", "/fhir/Observation?patient=8812345&category=vital-signs&_count=10", kAccept),
               rsp(200, kFhirJson, bundle("searchset", 7, 3, "Observation")));
  ASSERT_EQ(r.fhir.size(), 1u);
  auto d = parse(r.fhir[0]);
  EXPECT_STREQ(d["interaction"].GetString(), "search");
  EXPECT_STREQ(d["level"].GetString(), "type");
  EXPECT_STREQ(d["resource_type"].GetString(), "Observation");
  ASSERT_EQ(d["search_params"].Size(), 3u);
  EXPECT_STREQ(d["search_params"][0].GetString(), "patient");
  EXPECT_STREQ(d["search_params"][1].GetString(), "category");
  EXPECT_STREQ(d["search_params"][2].GetString(), "_count");
  EXPECT_TRUE(d["search_values_redacted"].GetBool());
  const auto& b = d["response_body"];
  EXPECT_STREQ(b["bundle_type"].GetString(), "searchset");
  EXPECT_EQ(b["bundle_total"].GetUint(), 7u);
  EXPECT_EQ(b["entry_count"].GetUint(), 3u);
  EXPECT_EQ(b["entry_types"]["Observation"].GetUint(), 3u);
  EXPECT_TRUE(b["complete"].GetBool());
  EXPECT_EQ(r.eve.find("8812345"), std::string::npos);
  EXPECT_EQ(r.eve.find("vital-signs"), std::string::npos);
  EXPECT_STREQ(parse(r.http[0])["url"].GetString(),
               "/fhir/Observation?patient=[redacted]&category=[redacted]&_count=[redacted]");
}

TEST(Fhir, SameEventsWhateverTheSplit) {
  RedactGuard g(true);
  std::string q = req("GET", "/fhir/Observation?patient=1&_count=10", kAccept);
  std::string a = rsp(200, kFhirJson, bundle("searchset", 4, 4, "Observation"));
  auto whole = run(q, a);
  ASSERT_EQ(whole.fhir.size(), 1u);
  for (size_t step : {1, 2, 3, 7, 64, 500}) {
    auto r = run(q, a, step);
    ASSERT_EQ(r.fhir.size(), 1u) << step;
    EXPECT_EQ(r.fhir[0], whole.fhir[0]) << step;
  }
}

TEST(Fhir, Interactions) {
  RedactGuard g(true);
  struct Case {
    std::string method, uri, body, want, rtype, level;
  } cases[] = {
      {"GET", "/fhir/Observation/55", "", "read", "Observation", "instance"},
      {"GET", "/baseR4/Observation/55/_history/2", "", "vread", "Observation", "instance"},
      {"GET", "/fhir/Observation/55/_history", "", "history", "Observation", "instance"},
      {"GET", "/fhir/Observation/_history", "", "history", "Observation", "type"},
      {"GET", "/fhir/_history", "", "history", "", "system"},
      {"GET", "/fhir/metadata", "", "capabilities", "", "system"},
      {"POST", "/fhir/Observation", R"({"resourceType":"Observation"})", "create", "Observation", "type"},
      {"POST", "/fhir/Observation/_search", "", "search", "Observation", "type"},
      {"PUT", "/fhir/Observation/55", R"({"resourceType":"Observation","id":"55"})", "update", "Observation", "instance"},
      {"PATCH", "/fhir/Observation/55", "[]", "patch", "Observation", "instance"},
      {"DELETE", "/fhir/Observation/55", "", "delete", "Observation", "instance"},
      {"GET", "/fhir/Patient/9/Observation?code=x", "", "search", "Observation", "type"},
      {"GET", "/fhir/Patient/9/$everything", "", "$everything", "Patient", "instance"},
      {"GET", "/fhir/$export", "", "$export", "", "system"},
      {"GET", "/fhir/Patient/$export?_type=Patient,Observation", "", "$export", "Patient", "type"},
      {"GET", "/fhir/Group/cohort1/$export", "", "$export", "Group", "instance"},
      {"POST", "/fhir", R"({"resourceType":"Bundle","type":"transaction","entry":[{},{}]})", "transaction", "Bundle", "system"},
      {"POST", "/fhir/", R"({"resourceType":"Bundle","type":"batch","entry":[]})", "batch", "Bundle", "system"},
  };
  for (const auto& c : cases) {
    std::string h = std::string(kAccept);
    if (!c.body.empty()) h += "Content-Type: application/fhir+json\r\n";
    auto r = run(req(c.method, c.uri, h, c.body), rsp(200, kFhirJson, "{}"));
    ASSERT_EQ(r.fhir.size(), 1u) << c.uri;
    auto d = parse(r.fhir[0]);
    EXPECT_STREQ(d["interaction"].GetString(), c.want.c_str()) << c.method << " " << c.uri;
    EXPECT_STREQ(d["level"].GetString(), c.level.c_str()) << c.uri;
    if (c.rtype.empty()) EXPECT_FALSE(d.HasMember("resource_type")) << c.uri;
    else EXPECT_STREQ(d["resource_type"].GetString(), c.rtype.c_str()) << c.uri;
    EXPECT_EQ(r.bufs[0]["fhir.interaction"], c.want) << c.uri;
  }
}

TEST(Fhir, RecognisedByContentNotPort) {
  RedactGuard g(true);
  // No FHIR media type: the path (base + resource type), $export, or _format make it FHIR.
  auto p = run(req("GET", "/api/fhir/r4/Patient?name=x"), rsp(200, "application/json", "{}"));
  ASSERT_EQ(p.fhir.size(), 1u);
  EXPECT_STREQ(parse(p.fhir[0])["recognised_by"].GetString(), "path");
  auto e = run(req("GET", "/bulk/$export"), rsp(202, "", ""));
  ASSERT_EQ(e.fhir.size(), 1u);
  EXPECT_STREQ(parse(e.fhir[0])["recognised_by"].GetString(), "operation");
  auto f = run(req("GET", "/Patient/7?_format=json"), rsp(200, "application/json", "{}"));
  ASSERT_EQ(f.fhir.size(), 1u);
  EXPECT_STREQ(parse(f.fhir[0])["recognised_by"].GetString(), "format");
  // Not FHIR: plain web pages, JSON APIs, a resource-like word without a FHIR base.
  for (const char* uri : {"/index.html", "/api/Patient/7", "/fhir.css", "/Observation?x=1"}) {
    auto n = run(req("GET", uri, "Accept: application/json\r\n"), rsp(200, "application/json", "{}"));
    EXPECT_TRUE(n.fhir.empty()) << uri;
    ASSERT_EQ(n.http.size(), 1u);
    EXPECT_STREQ(parse(n.http[0])["url"].GetString(), uri) << "non-FHIR urls are logged as sent";
  }
}

TEST(Fhir, BodyBeyondKeptBytesCountsWhatItCanAndSaysSo) {
  RedactGuard g(true);
  std::string big = bundle("searchset", 60, 60, "Patient");
  ASSERT_GT(big.size(), http::kBodyBytes);
  auto r = run(req("GET", "/fhir/Patient?family=SMITH", kAccept), rsp(200, kFhirJson, big));
  ASSERT_EQ(r.fhir.size(), 1u);
  auto d = parse(r.fhir[0]);
  const auto& b = d["response_body"];
  EXPECT_FALSE(b["complete"].GetBool());
  EXPECT_FALSE(b.HasMember("malformed"));
  EXPECT_EQ(b["bundle_total"].GetUint(), 60u);
  EXPECT_GT(b["entry_count"].GetUint(), 0u);
  EXPECT_LT(b["entry_count"].GetUint(), 60u);
  // The last entry may be cut before its resourceType.
  EXPECT_LE(b["entry_types"]["Patient"].GetUint(), b["entry_count"].GetUint());
  EXPECT_GE(b["entry_types"]["Patient"].GetUint() + 1, b["entry_count"].GetUint());
  EXPECT_NE(std::find(r.anomalies.begin(), r.anomalies.end(), "fhir.body_truncated"),
            r.anomalies.end());
  EXPECT_EQ(r.eve.find("SMITH"), std::string::npos);
}

TEST(Fhir, MalformedJsonIsAnAnomalyNotACrash) {
  RedactGuard g(true);
  for (std::string body : {std::string("{\"resourceType\":\"Bundle\",\"entry\":[{]}"),
                           std::string("{\"a\":") + std::string(3000, '['),
                           std::string("{\"resourceType\":\"Bundle\",\"total\":-5,\"entry\":7}"),
                           std::string("{\"x\":\"\\ud800\"}"), std::string("{\0}", 3)}) {
    auto r = run(req("GET", "/fhir/Observation", kAccept), rsp(200, kFhirJson, body));
    ASSERT_EQ(r.fhir.size(), 1u);
  }
  auto r = run(req("GET", "/fhir/Observation", kAccept),
               rsp(200, kFhirJson, "{\"resourceType\":\"Bundle\",\"entry\":[{]}"));
  EXPECT_TRUE(parse(r.fhir[0])["response_body"]["malformed"].GetBool());
  EXPECT_NE(std::find(r.anomalies.begin(), r.anomalies.end(), "fhir.malformed_json"),
            r.anomalies.end());
}

// Bodies at the edges of the JSON grammar and of the nesting limit: what is read of them (and
// whether they are malformed) stays as the parser's first version read them.
TEST(Fhir, JsonEdgeCasesReadTheSame) {
  RedactGuard g(true);
  auto nest = [](int n, char open, char close) {
    return "{\"a\":" + std::string(size_t(n), open) + std::string(size_t(n), close) + "}";
  };
  const std::pair<std::string, std::string> cases[] = {
      {R"({"resourceType":"Bundle","type":"searchset","total":3,"entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Observation","x":[1,2,{"y":null}]}},{"fullUrl":"u"}]})", R"({"resource_type":"Bundle","bundle_type":"searchset","bundle_total":3,"entry_count":3,"entry_types":{"Patient":1,"Observation":1},"format":"json","complete":true})"},
      {nest(500, '[', ']'), R"({"format":"json","complete":true})"},
      {nest(520, '[', ']'), R"({"format":"json","complete":true,"malformed":true})"},
      {"{\"a\":" + std::string(600, '['), R"({"format":"json","complete":true,"malformed":true})"},
      {R"({"resourceType":"Bundle","total":1e400})", R"({"resource_type":"Bundle","entry_count":0,"format":"json","complete":true,"malformed":true})"},
      {R"({"resourceType":"Bundle","total":18446744073709551615})", R"({"resource_type":"Bundle","bundle_total":9223372036854775807,"entry_count":0,"format":"json","complete":true})"},
      {R"({"resourceType":"Bundle","total":-0,"entry":[]})", R"({"resource_type":"Bundle","bundle_total":0,"entry_count":0,"format":"json","complete":true})"},
      {R"({"resourceType":"Bundle","total":2.5,"entry":[{},{}]} trailing)", R"({"resource_type":"Bundle","entry_count":2,"format":"json","complete":true})"},
      {R"({"resourceType":"Bund\u006ce","type":"tr\"x"})", R"({"resource_type":"Bundle","bundle_type":"tr\"x","entry_count":0,"format":"json","complete":true})"},
      {R"({"resourceType":"Bundle","entry":[{"resource":{"resourceType":"A"}},{"resource":{"resourceType":"B"}},{"resource":{"resourceType":"C"}},{"resource":{"resourceType":"D"}},{"resource":{"resourceType":"E"}},{"resource":{"resourceType":"F"}},{"resource":{"resourceType":"G"}},{"resource":{"resourceType":"H"}},{"resource":{"resourceType":"I"}},{"resource":{"resourceType":"A"}}]})", R"({"resource_type":"Bundle","entry_count":10,"entry_types":{"A":2,"B":1,"C":1,"D":1,"E":1,"F":1,"G":1,"H":1},"entry_types_truncated":true,"format":"json","complete":true})"},
      {R"({"resourceType":"Bundle","entry":[01]})", R"({"resource_type":"Bundle","entry_count":0,"format":"json","complete":true,"malformed":true})"},
      {R"({"resourceType":"Bundle","entry":[1.]})", R"({"resource_type":"Bundle","entry_count":0,"format":"json","complete":true,"malformed":true})"},
      {"{\"resourceType\":\"Bun\x01dle\"}", R"({"format":"json","complete":true,"malformed":true})"},
  };
  for (const auto& [body, want] : cases) {
    auto r = run(req("GET", "/fhir/Observation", kAccept), rsp(200, kFhirJson, body));
    ASSERT_EQ(r.fhir.size(), 1u);
    auto d = parse(r.fhir[0]);
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    d["response_body"].Accept(w);
    EXPECT_EQ(std::string(sb.GetString()), want) << body.substr(0, 80);
  }
}

TEST(Fhir, XmlRootElement) {
  RedactGuard g(true);
  auto r = run(req("GET", "/fhir/Patient?_format=xml", "Accept: application/fhir+xml\r\n"),
               rsp(200, "application/fhir+xml",
                   "<?xml version=\"1.0\"?><!-- c --><Bundle xmlns=\"http://hl7.org/fhir\">"
                   "<type value=\"searchset\"/></Bundle>"));
  ASSERT_EQ(r.fhir.size(), 1u);
  auto d = parse(r.fhir[0]);
  EXPECT_STREQ(d["response_body"]["resource_type"].GetString(), "Bundle");
  EXPECT_STREQ(d["response_body"]["format"].GetString(), "xml");
}

TEST(Fhir, LocationAndFileNamesRedacted) {
  RedactGuard g(true);
  auto r = run(req("POST", "/fhir/Patient", "Content-Type: application/fhir+json\r\n",
                   R"({"resourceType":"Patient"})"),
               rsp(201, kFhirJson, R"({"resourceType":"Patient","id":"4455667"})",
                   "Location: http://ehr01:8080/fhir/Patient/4455667/_history/1\r\n"));
  ASSERT_EQ(r.http.size(), 1u);
  EXPECT_STREQ(parse(r.http[0])["redirect"].GetString(),
               "http://ehr01:8080/fhir/Patient/[redacted]/_history/1");
  EXPECT_EQ(r.eve.find("4455667"), std::string::npos) << r.eve;
  auto f = run(req("GET", "/fhir/Patient/4455667", kAccept), rsp(200, kFhirJson, "{\"a\":1}"));
  EXPECT_EQ(f.eve.find("4455667"), std::string::npos) << f.eve;
}

// Recognition is read once per message: each transaction of a flow (its request slot and the
// response reused) is judged on its own URL and media types, and a response's FHIR media type
// makes its request's URL redacted.
TEST(Fhir, EachTransactionRecognisedOnItsOwn) {
  RedactGuard g(true);
  Harness h(ipproto::kTcp, 40000, 8080);
  for (int i = 0; i < 6; ++i) {
    std::string id = std::to_string(9000 + i);
    if (i % 3 == 0) {
      h.data(kTs, req("GET", "/fhir/Patient/" + id, kAccept));
      h.data(kTc, rsp(200, kFhirJson, "{}"));
    } else if (i % 3 == 1) {
      h.data(kTs, req("GET", "/api/Patient/" + id));
      h.data(kTc, rsp(200, "text/plain", "x"));
    } else {
      h.data(kTs, req("GET", "/api/Patient/" + id));
      h.data(kTc, rsp(200, kFhirJson, "{}"));
    }
  }
  h.end();
  std::vector<std::string> urls;
  for (const std::string& line : h.eve_lines())
    if (line.find("\"event_type\":\"http\"") != std::string::npos)
      urls.push_back(parse(line)["http"]["url"].GetString());
  ASSERT_EQ(urls.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    std::string id = std::to_string(9000 + i);
    if (i % 3 == 0) EXPECT_EQ(urls[i], "/fhir/Patient/[redacted]") << i;
    else if (i % 3 == 1) EXPECT_EQ(urls[i], "/api/Patient/" + id) << i;
    else EXPECT_EQ(urls[i], "/api/Patient/[redacted]") << i;
  }
}

TEST(Fhir, ManyParamsAreBounded) {
  RedactGuard g(true);
  std::string q = "/fhir/Observation?";
  for (int i = 0; i < 40; ++i) q += "p" + std::to_string(i) + "=v&";
  auto r = run(req("GET", q, kAccept), rsp(200, kFhirJson, "{}"));
  auto d = parse(r.fhir[0]);
  EXPECT_EQ(d["search_params"].Size(), kMaxParams);
  EXPECT_TRUE(d["search_params_truncated"].GetBool());
}

TEST(Fhir, ResourceTypeTableSortedAndCaseSensitive) {
  EXPECT_TRUE(is_resource_type("Patient"));
  EXPECT_TRUE(is_resource_type("VisionPrescription"));
  EXPECT_TRUE(is_resource_type("Account"));
  EXPECT_FALSE(is_resource_type("patient"));
  EXPECT_FALSE(is_resource_type("fhir"));
  for (std::string_view t : {"Bundle", "Observation", "ValueSet", "Practitioner", "Task"})
    EXPECT_TRUE(is_resource_type(t)) << t;
  for (std::string_view t : {"", "A", "Z", "Zebra", "[", "@Patient", "Patients", "Patien"})
    EXPECT_FALSE(is_resource_type(t)) << t;
  EXPECT_TRUE(is_fhir_media_type(" application/FHIR+json; fhirVersion=4.0"));
  EXPECT_FALSE(is_fhir_media_type("application/json"));
}

}  // namespace
}  // namespace ww::app::fhir
