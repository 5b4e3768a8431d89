#include "app/dicom/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "app/redact.h"
#include "app/test_ctx.h"

namespace ww::app::dicom {
namespace {

using testing::bytes;
using testing::FakeCtx;

std::string u16be(uint16_t v) { return {char(v >> 8), char(v)}; }
std::string u32be(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }
std::string u16le(uint16_t v) { return {char(v), char(v >> 8)}; }
std::string u32le(uint32_t v) { return {char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }

// PDU (PS3.8 9.3.1): type (1), reserved (1), length (4, big endian), body.
std::string pdu(uint8_t type, const std::string& body) {
  return std::string(1, char(type)) + '\0' + u32be(uint32_t(body.size())) + body;
}
// Item / sub-item (9.3.2.x): type (1), reserved (1), length (2), value.
std::string item(uint8_t type, const std::string& v) {
  return std::string(1, char(type)) + '\0' + u16be(uint16_t(v.size())) + v;
}
// AE title: 16 bytes padded with spaces (9.3.2, table 9-11).
std::string ae(std::string s) { return s.resize(16, ' '), s; }
// UI value: padded with NUL to even length (PS3.5 6.2).
std::string ui(std::string s) { return (s.size() & 1) ? s + '\0' : s; }

const std::string kVerification = "1.2.840.10008.1.1";
const std::string kCtStorage = "1.2.840.10008.5.1.4.1.1.2";
const std::string kStudyFind = "1.2.840.10008.5.1.4.1.2.2.1";
const std::string kImplicit = "1.2.840.10008.1.2";
const std::string kExplicit = "1.2.840.10008.1.2.1";

// User information (9.3.2.3): 0x51 max length (PS3.8 D.1), 0x52 implementation class UID,
// 0x55 implementation version name (PS3.7 D.3.3.2).
std::string user_info(uint32_t max_pdu) {
  return item(0x50, item(0x51, u32be(max_pdu)) + item(0x52, "1.2.276.0.7230010.3.0.3.6.7") +
                        item(0x55, "OFFIS_DCMTK_367"));
}

// A-ASSOCIATE-RQ (9.3.2): protocol version 0x0001, reserved (2), called AE, calling AE,
// reserved (32), application context item 0x10, presentation contexts 0x20 (id, 3 reserved,
// abstract syntax 0x30, transfer syntaxes 0x40), user information 0x50.
std::string assoc_rq(const std::string& called, const std::string& calling,
                     const std::vector<std::pair<uint8_t, std::string>>& pcs,
                     const std::vector<std::string>& ts = {kExplicit, kImplicit}) {
  std::string b = u16be(1) + u16be(0) + ae(called) + ae(calling) + std::string(32, '\0');
  b += item(0x10, "1.2.840.10008.3.1.1.1");
  for (auto& [id, as] : pcs) {
    std::string v = std::string(1, char(id)) + std::string(3, '\0') + item(0x30, as);
    for (auto& t : ts) v += item(0x40, t);
    b += item(0x20, v);
  }
  return pdu(0x01, b + user_info(16384));
}

// A-ASSOCIATE-AC (9.3.3): same fixed part; presentation contexts 0x21 (id, reserved,
// result, reserved, one transfer syntax 0x40).
std::string assoc_ac(const std::string& called, const std::string& calling,
                     const std::vector<std::pair<uint8_t, std::string>>& pcs) {
  std::string b = u16be(1) + u16be(0) + ae(called) + ae(calling) + std::string(32, '\0');
  b += item(0x10, "1.2.840.10008.3.1.1.1");
  for (auto& [id, ts] : pcs)
    b += item(0x21, std::string(1, char(id)) + '\0' + '\0' + '\0' + item(0x40, ts));
  return pdu(0x02, b + user_info(32768));
}

// Command element, implicit VR little endian (PS3.5 7.1.3): group, element, length (4), value.
std::string el(uint16_t g, uint16_t e, const std::string& v) {
  return u16le(g) + u16le(e) + u32le(uint32_t(v.size())) + v;
}
// Command set (PS3.7 9.3): CommandGroupLength (0000,0000) first.
std::string command(const std::string& elems) { return el(0, 0, u32le(uint32_t(elems.size()))) + elems; }
// PDV item (9.3.5.1): item length (4), presentation context id, message control header
// (bit 0: command, bit 1: last fragment), fragment.
std::string pdv(uint8_t pc, uint8_t mch, const std::string& frag) {
  return u32be(uint32_t(frag.size() + 2)) + char(pc) + char(mch) + frag;
}

// C-ECHO-RQ (PS3.7 9.3.5.1): AffectedSOPClassUID, CommandField 0x0030, MessageID,
// CommandDataSetType 0x0101 (no dataset).
std::string echo_rq(uint16_t id) {
  return command(el(0, 0x0002, ui(kVerification)) + el(0, 0x0100, u16le(0x0030)) +
                 el(0, 0x0110, u16le(id)) + el(0, 0x0800, u16le(0x0101)));
}
// C-ECHO-RSP (9.3.5.2): CommandField 0x8030, MessageIDBeingRespondedTo, Status.
std::string echo_rsp(uint16_t id, uint16_t status) {
  return command(el(0, 0x0002, ui(kVerification)) + el(0, 0x0100, u16le(0x8030)) +
                 el(0, 0x0120, u16le(id)) + el(0, 0x0800, u16le(0x0101)) +
                 el(0, 0x0900, u16le(status)));
}

using Script = std::vector<std::pair<Direction, std::string>>;
constexpr Direction kTs = Direction::ToServer, kTc = Direction::ToClient;

Script echo_script() {
  return {
      {kTs, assoc_rq("PACS_QR", "MODALITY1", {{1, kVerification}})},
      {kTc, assoc_ac("PACS_QR", "MODALITY1", {{1, kImplicit}})},
      {kTs, pdu(0x04, pdv(1, 0x03, echo_rq(1)))},
      {kTc, pdu(0x04, pdv(1, 0x03, echo_rsp(1, 0x0000)))},
      {kTs, pdu(0x05, std::string(4, '\0'))},  // A-RELEASE-RQ (9.3.6): 4 reserved bytes
      {kTc, pdu(0x06, std::string(4, '\0'))},  // A-RELEASE-RP (9.3.7)
  };
}

void run(FakeCtx& c, const Script& s, size_t step = 0) {
  for (auto& [d, b] : s) c.feed(d, bytes(b), step);
}

TEST(DicomProbe, AssociateRq) {
  std::string rq = assoc_rq("PACS_QR", "MODALITY1", {{1, kVerification}});
  EXPECT_EQ(probe(kTs, bytes(rq)), ProbeResult::Match);
  EXPECT_EQ(probe(kTs, bytes(rq).first(20)), ProbeResult::NeedMore);
  std::string bad = rq;
  bad[7] = 2;  // protocol version without bit 0
  EXPECT_EQ(probe(kTs, bytes(bad)), ProbeResult::NoMatch);
  bad = rq;
  bad[12] = '\x01';  // non-printable AE title
  EXPECT_EQ(probe(kTs, bytes(bad)), ProbeResult::NoMatch);
  EXPECT_EQ(probe(kTs, bytes(std::string("GET / HTTP/1.1\r\n"))), ProbeResult::NoMatch);
  EXPECT_EQ(probe(kTc, bytes(assoc_ac("PACS_QR", "MODALITY1", {{1, kImplicit}}))),
            ProbeResult::Match);
}

TEST(DicomParser, EchoAssociation) {
  FakeCtx c(kSpec);
  run(c, echo_script());
  ASSERT_EQ(c.txs.size(), 2u);
  EXPECT_EQ(c.txs[0],
            R"({"type":"association","calling_ae":"MODALITY1","called_ae":"PACS_QR",)"
            R"("result":"accepted","protocol_version":1,"application_context":"1.2.840.10008.3.1.1.1",)"
            R"("implementation_class_uid":"1.2.276.0.7230010.3.0.3.6.7",)"
            R"("implementation_version":"OFFIS_DCMTK_367","max_pdu_length":16384,)"
            R"("acceptor":{"implementation_class_uid":"1.2.276.0.7230010.3.0.3.6.7",)"
            R"("implementation_version":"OFFIS_DCMTK_367","max_pdu_length":32768},)"
            R"("presentation_contexts":[{"id":1,"abstract_syntax":"1.2.840.10008.1.1",)"
            R"("transfer_syntaxes":["1.2.840.10008.1.2.1","1.2.840.10008.1.2"],)"
            R"("result":"acceptance","transfer_syntax":"1.2.840.10008.1.2"}],)"
            R"("direction":"to_server"})");
  EXPECT_EQ(c.txs[1],
            R"({"type":"dimse","calling_ae":"MODALITY1","called_ae":"PACS_QR","command":"C-ECHO",)"
            R"("message_id":1,"presentation_context_id":1,"sop_class":"1.2.840.10008.1.1",)"
            R"("responded":true,"status":"0000","status_class":"success","direction":"to_server"})");
  EXPECT_EQ(c.tx_ids, (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(c.bufs[0]["dicom.calling_ae"], "MODALITY1");
  EXPECT_EQ(c.bufs[0]["dicom.called_ae"], "PACS_QR");
  EXPECT_EQ(c.bufs[0].count("dicom.command"), 0u);
  EXPECT_EQ(c.bufs[1]["dicom.command"], "C-ECHO");
  EXPECT_EQ(c.bufs[1]["dicom.sop_class"], kVerification);
  EXPECT_EQ(c.bufs[1]["dicom.status"], "0000");
  EXPECT_TRUE(c.anomalies.empty());
}

// C-STORE of a CT dataset in explicit VR little endian, split into several PDVs and PDUs.
Script store_script(std::string* dataset_out = nullptr) {
  // Dataset elements, explicit VR LE (PS3.5 7.1.2): tag, VR, 2-byte length (short VRs).
  auto ex = [](uint16_t g, uint16_t e, const char* vr, std::string v) {
    if (v.size() & 1) v += (std::string(vr) == "UI" ? '\0' : ' ');
    return u16le(g) + u16le(e) + vr + u16le(uint16_t(v.size())) + v;
  };
  std::string ds = ex(0x0008, 0x0016, "UI", kCtStorage) +        // SOPClassUID
                   ex(0x0008, 0x0018, "UI", "2.25.101") +        // SOPInstanceUID
                   ex(0x0008, 0x0060, "CS", "CT") +              // Modality
                   ex(0x0008, 0x0070, "LO", "ACME Medical Systems") +  // Manufacturer
                   // ReferencedImageSequence, undefined length (7.5.2): an item holding a
                   // Modality that must not be taken (nested)
                   u16le(0x0008) + u16le(0x1140) + "SQ" + std::string(2, '\0') +
                   u32le(0xFFFFFFFF) + u16le(0xFFFE) + u16le(0xE000) + u32le(0xFFFFFFFF) +
                   ex(0x0008, 0x0060, "CS", "MR") + u16le(0xFFFE) + u16le(0xE00D) + u32le(0) +
                   u16le(0xFFFE) + u16le(0xE0DD) + u32le(0) +
                   ex(0x0008, 0x1010, "SH", "CT01_ROOM3") +      // StationName
                   ex(0x0008, 0x1090, "LO", "ACME CT-9000") +    // ManufacturerModelName
                   ex(0x0010, 0x0010, "PN", "DOE^JOHN") +        // PatientName (redacted)
                   ex(0x0010, 0x0020, "LO", "MRN123456") +       // PatientID (redacted)
                   ex(0x0020, 0x000D, "UI", "2.25.3012") +       // StudyInstanceUID
                   // PixelData OW, 4-byte length (7.1.2 table 7.1-1)
                   u16le(0x7FE0) + u16le(0x0010) + "OW" + std::string(2, '\0') + u32le(64) +
                   std::string(64, '\x55');
  if (dataset_out) *dataset_out = ds;
  // C-STORE-RQ (PS3.7 9.3.1.1): AffectedSOPClassUID, CommandField 0x0001, MessageID,
  // Priority, CommandDataSetType 0x0000 (dataset follows), AffectedSOPInstanceUID.
  std::string rq = command(el(0, 0x0002, ui(kCtStorage)) + el(0, 0x0100, u16le(0x0001)) +
                           el(0, 0x0110, u16le(7)) + el(0, 0x0700, u16le(0)) +
                           el(0, 0x0800, u16le(0x0000)) + el(0, 0x1000, ui("2.25.101")));
  // C-STORE-RSP (9.3.1.2): CommandField 0x8001, MessageIDBeingRespondedTo, Status.
  std::string rsp = command(el(0, 0x0002, ui(kCtStorage)) + el(0, 0x0100, u16le(0x8001)) +
                            el(0, 0x0120, u16le(7)) + el(0, 0x0800, u16le(0x0101)) +
                            el(0, 0x0900, u16le(0x0000)) + el(0, 0x1000, ui("2.25.101")));
  size_t third = ds.size() / 3;
  return {
      {kTs, assoc_rq("PACS_QR", "MODALITY1", {{1, kCtStorage}, {3, kVerification}})},
      {kTc, assoc_ac("PACS_QR", "MODALITY1", {{1, kExplicit}, {3, kImplicit}})},
      // Command in two fragments (mch 0x01 then 0x03), in one PDU.
      {kTs, pdu(0x04, pdv(1, 0x01, rq.substr(0, 20)) + pdv(1, 0x03, rq.substr(20)))},
      // Dataset in three fragments (mch 0x00, 0x00, 0x02) over two PDUs.
      {kTs, pdu(0x04, pdv(1, 0x00, ds.substr(0, third)) + pdv(1, 0x00, ds.substr(third, third)))},
      {kTs, pdu(0x04, pdv(1, 0x02, ds.substr(2 * third)))},
      {kTc, pdu(0x04, pdv(1, 0x03, rsp))},
      {kTs, pdu(0x05, std::string(4, '\0'))},
      {kTc, pdu(0x06, std::string(4, '\0'))},
  };
}

TEST(DicomParser, StoreWithFragmentedDatasetAndFile) {
  FakeCtx c(kSpec);
  std::string ds;
  run(c, store_script(&ds));
  ASSERT_EQ(c.txs.size(), 2u);
  const std::string& t = c.txs[1];
  EXPECT_NE(t.find(R"("command":"C-STORE","message_id":7)"), std::string::npos) << t;
  EXPECT_NE(t.find(R"("sop_instance":"2.25.101")"), std::string::npos) << t;
  EXPECT_NE(t.find(R"("dataset":{"modality":"CT","manufacturer":"ACME Medical Systems",)"
                   R"("manufacturer_model_name":"ACME CT-9000","station_name":"CT01_ROOM3",)"
                   R"("sop_class_uid":"1.2.840.10008.5.1.4.1.1.2","study_instance_uid":"2.25.3012",)"
                   R"("patient_present":true,"count":1,"bytes":)" +
                   std::to_string(ds.size()) + "}"),
            std::string::npos)
      << t;
  for (auto& line : c.txs) {  // PHI never in EVE
    EXPECT_EQ(line.find("DOE"), std::string::npos);
    EXPECT_EQ(line.find("MRN"), std::string::npos);
  }
  ASSERT_EQ(c.files.size(), 1u);
  const auto& f = c.files[0];
  EXPECT_EQ(f.name, "2.25.101");
  EXPECT_TRUE(f.closed);
  EXPECT_EQ(f.end, FileEnd::Complete);
  EXPECT_EQ(f.tx_id, 1u);
  // Part 10: preamble, DICM, meta group with the transfer syntax, then the dataset as sent.
  ASSERT_GT(f.data.size(), 132 + ds.size());
  EXPECT_EQ(f.data.substr(128, 4), "DICM");
  EXPECT_NE(f.data.find(ui(kExplicit)), std::string::npos);
  EXPECT_EQ(f.data.substr(f.data.size() - ds.size()), ds);
  EXPECT_TRUE(c.anomalies.empty()) << c.anomalies[0];
}

// app-layer.redact-phi: no (a lab): PatientName and PatientID are logged with the dataset.
TEST(DicomParser, RedactionOffLogsPatientElements) {
  set_redact_phi(false);
  FakeCtx c(kSpec);
  run(c, store_script());
  set_redact_phi(true);
  ASSERT_EQ(c.txs.size(), 2u);
  EXPECT_NE(c.txs[1].find(R"("patient_present":true,"patient_name":"DOE^JOHN","patient_id":"MRN123456")"),
            std::string::npos)
      << c.txs[1];
}

// The same transactions whatever the chunking: each message split at every offset.
TEST(DicomParser, SplitAtEveryOffset) {
  for (const Script& s : {echo_script(), store_script()}) {
    FakeCtx whole(kSpec);
    run(whole, s);
    ASSERT_FALSE(whole.txs.empty());
    for (size_t m = 0; m < s.size(); ++m) {
      for (size_t cut = 1; cut < s[m].second.size(); ++cut) {
        FakeCtx c(kSpec);
        for (size_t k = 0; k < s.size(); ++k) {
          Bytes b = bytes(s[k].second);
          if (k == m) {
            c.feed(s[k].first, b.first(cut));
            c.feed(s[k].first, b.subspan(cut));
          } else {
            c.feed(s[k].first, b);
          }
        }
        ASSERT_EQ(c.txs, whole.txs) << "message " << m << " cut at " << cut;
        ASSERT_EQ(c.anomalies, whole.anomalies);
      }
    }
    FakeCtx one(kSpec);
    run(one, s, 1);
    EXPECT_EQ(one.txs, whole.txs);
    EXPECT_EQ(one.files.size(), whole.files.size());
    if (!one.files.empty()) {
      EXPECT_EQ(one.files[0].data, whole.files[0].data);
    }
  }
}

TEST(DicomParser, FindWithPendingResponses) {
  // C-FIND-RQ (9.3.2.1) with an identifier in implicit VR LE: QueryRetrieveLevel STUDY,
  // PatientName DOE* (redacted).
  std::string ident = el(0x0008, 0x0052, "STUDY ") + el(0x0010, 0x0010, "DOE*");
  std::string rq = command(el(0, 0x0002, ui(kStudyFind)) + el(0, 0x0100, u16le(0x0020)) +
                           el(0, 0x0110, u16le(3)) + el(0, 0x0800, u16le(0x0000)));
  auto rsp = [&](uint16_t status, bool with_ds) {
    return command(el(0, 0x0002, ui(kStudyFind)) + el(0, 0x0100, u16le(0x8020)) +
                   el(0, 0x0120, u16le(3)) + el(0, 0x0800, u16le(with_ds ? 0 : 0x0101)) +
                   el(0, 0x0900, u16le(status)));
  };
  std::string match = el(0x0008, 0x0052, "STUDY ") + el(0x0008, 0x0060, "CT") +
                      el(0x0010, 0x0010, "DOE^JOHN");
  Script s = {
      {kTs, assoc_rq("PACS_QR", "VIEWER1", {{1, kStudyFind}}, {kImplicit})},
      {kTc, assoc_ac("PACS_QR", "VIEWER1", {{1, kImplicit}})},
      {kTs, pdu(0x04, pdv(1, 0x03, rq) + pdv(1, 0x02, ident))},
      {kTc, pdu(0x04, pdv(1, 0x03, rsp(0xFF00, true)) + pdv(1, 0x02, match))},
      {kTc, pdu(0x04, pdv(1, 0x03, rsp(0xFF00, true)) + pdv(1, 0x02, match))},
      {kTc, pdu(0x04, pdv(1, 0x03, rsp(0x0000, false)))},
  };
  FakeCtx c(kSpec);
  run(c, s);
  ASSERT_EQ(c.txs.size(), 2u);
  EXPECT_NE(c.txs[1].find(R"("command":"C-FIND")"), std::string::npos);
  EXPECT_NE(c.txs[1].find(R"("status":"0000","status_class":"success","pending_responses":2)"),
            std::string::npos)
      << c.txs[1];
  EXPECT_NE(c.txs[1].find(R"("modality":"CT")"), std::string::npos) << c.txs[1];
  EXPECT_NE(c.txs[1].find(R"("query_retrieve_level":"STUDY")"), std::string::npos);
  EXPECT_NE(c.txs[1].find(R"("patient_present":true,"count":3)"), std::string::npos);
  EXPECT_EQ(c.txs[1].find("DOE"), std::string::npos);
  EXPECT_TRUE(c.files.empty());
}

TEST(DicomParser, RejectAndAbort) {
  // A-ASSOCIATE-RJ (9.3.4): reserved, result 1 (rejected-permanent), source 1 (service-user),
  // reason 7 (called-AE-title-not-recognized).
  FakeCtx c(kSpec);
  c.feed(kTs, bytes(assoc_rq("ARCHIVE", "MODALITY1", {{1, kVerification}})));
  c.feed(kTc, bytes(pdu(0x03, std::string("\0\x01\x01\x07", 4))));
  ASSERT_EQ(c.txs.size(), 1u);
  EXPECT_NE(c.txs[0].find(R"("result":"rejected","reject":{"result":1,"source":1,"reason":7})"),
            std::string::npos)
      << c.txs[0];
  // A-ABORT (9.3.8) after an unanswered C-ECHO: the request is logged unanswered, then the
  // abort.
  FakeCtx a(kSpec);
  auto s = echo_script();
  run(a, {s[0], s[1], s[2]});
  a.feed(kTs, bytes(pdu(0x07, std::string("\0\0\0\0", 4))));
  ASSERT_EQ(a.txs.size(), 3u);
  EXPECT_NE(a.txs[1].find(R"("command":"C-ECHO")"), std::string::npos);
  EXPECT_NE(a.txs[1].find(R"("responded":false)"), std::string::npos);
  EXPECT_NE(a.txs[2].find(R"("type":"abort","calling_ae":"MODALITY1")"), std::string::npos);
}

TEST(DicomParser, UnansweredAtEndOfStream) {
  FakeCtx c(kSpec);
  auto s = echo_script();
  c.feed(kTs, bytes(s[0].second));
  c.parser()->finish(kTs, c);
  c.parser()->finish(kTc, c);
  ASSERT_EQ(c.txs.size(), 1u);
  EXPECT_NE(c.txs[0].find(R"("result":"none")"), std::string::npos);
}

TEST(DicomParser, MalformedAndUnexpected) {
  {  // unknown PDU type: the direction stops
    FakeCtx c(kSpec);
    Parser* p = c.parser();
    auto r = p->parse(kTs, bytes(pdu(0x09, "abcd")), c);
    EXPECT_EQ(r.status, ParseStatus::Error);
    EXPECT_EQ(c.count("dicom.malformed_pdu"), 1u);
  }
  {  // P-DATA before any association; PDV longer than its PDU
    FakeCtx c(kSpec);
    std::string bad = pdu(0x04, u32be(100) + "\x01\x03" + "xx");
    c.feed(kTs, bytes(bad));
    EXPECT_EQ(c.count("dicom.unexpected_pdu"), 1u);
    EXPECT_EQ(c.count("dicom.malformed_pdu"), 1u);
  }
  {  // A-ASSOCIATE-AC sent by the client
    FakeCtx c(kSpec);
    c.feed(kTs, bytes(assoc_ac("A", "B", {{1, kImplicit}})));
    EXPECT_EQ(c.count("dicom.unexpected_pdu"), 1u);
  }
  {  // truncated A-ASSOCIATE-RQ fixed part, item length past the end
    FakeCtx c(kSpec);
    c.feed(kTs, bytes(pdu(0x01, u16be(1) + "short")));
    EXPECT_EQ(c.count("dicom.malformed_pdu"), 1u);
    FakeCtx c2(kSpec);
    std::string rq = assoc_rq("PACS", "MOD", {{1, kVerification}});
    rq += item(0x50, "");  // fine
    std::string body = rq.substr(6) + std::string("\x20\x00\x01\x00", 4);  // item len 256
    c2.feed(kTs, bytes(pdu(0x01, body)));
    EXPECT_EQ(c2.count("dicom.malformed_pdu"), 1u);
  }
  {  // command set with a bad length and one without CommandField
    FakeCtx c(kSpec);
    auto s = echo_script();
    run(c, {s[0], s[1]});
    c.feed(kTs, bytes(pdu(0x04, pdv(1, 0x03, el(0, 0x0110, u16le(1)) + u16le(0) + u16le(0x100) +
                                                  u32le(1000)))));
    c.feed(kTs, bytes(pdu(0x04, pdv(1, 0x03, command(el(0, 0x0110, u16le(1)))))));
    EXPECT_EQ(c.count("dicom.malformed_command"), 2u);
  }
}

TEST(DicomParser, OverLimits) {
  {  // declared PDU length over kMaxPdu
    FakeCtx c(kSpec);
    std::string h = std::string("\x04\x00", 2) + u32be(kMaxPdu + 1);
    auto r = c.parser()->parse(kTs, bytes(h), c);
    EXPECT_EQ(r.status, ParseStatus::Error);
    EXPECT_EQ(c.count("dicom.pdu_too_large"), 1u);
  }
  {  // more than kMaxContexts presentation contexts, A-ASSOCIATE-RQ over kAssocCap
    std::vector<std::pair<uint8_t, std::string>> pcs;
    for (int i = 0; i < 200; ++i) pcs.push_back({uint8_t(2 * i + 1), kCtStorage});
    FakeCtx c(kSpec);
    c.feed(kTs, bytes(assoc_rq("PACS", "MOD", pcs)));
    c.feed(kTc, bytes(pdu(0x03, std::string("\0\x01\x01\x07", 4))));
    EXPECT_EQ(c.count("dicom.too_many_contexts"), 1u);
    ASSERT_EQ(c.txs.size(), 1u);
    EXPECT_NE(c.txs[0].find(R"("contexts_truncated":true)"), std::string::npos);
    std::vector<std::string> many_ts(1500, kExplicit);
    FakeCtx t(kSpec);
    t.feed(kTs, bytes(assoc_rq("PACS", "MOD", {{1, kCtStorage}}, many_ts)));
    t.feed(kTc, bytes(pdu(0x03, std::string("\0\x01\x01\x07", 4))));
    EXPECT_EQ(t.count("dicom.assoc_truncated"), 1u);
    ASSERT_EQ(t.txs.size(), 1u);
    EXPECT_NE(t.txs[0].find(R"("calling_ae":"MOD")"), std::string::npos);
  }
  {  // command set over kCommandCap; more outstanding requests than kPendingDimse
    FakeCtx c(kSpec);
    auto s = echo_script();
    run(c, {s[0], s[1]});
    c.feed(kTs, bytes(pdu(0x04, pdv(1, 0x03, command(el(0, 0x0100, u16le(0x30)) +
                                                     el(0, 0x1234, std::string(5000, 'x')))))));
    EXPECT_EQ(c.count("dicom.command_too_large"), 1u);
    for (uint16_t i = 0; i < kPendingDimse + 4; ++i)
      c.feed(kTs, bytes(pdu(0x04, pdv(1, 0x03, echo_rq(i)))));
    EXPECT_EQ(c.txs.size(), 1u + 4u);  // association + the 4 oldest, unanswered
    c.feed(kTc, bytes(pdu(0x04, pdv(1, 0x03, echo_rsp(kPendingDimse + 3, 0xA700)))));
    ASSERT_EQ(c.txs.size(), 6u);
    EXPECT_NE(c.txs[5].find(R"("status":"A700","status_class":"failure")"), std::string::npos);
  }
}

TEST(DicomParser, GarbageNeverCrashes) {
  std::string g;
  uint32_t x = 99;
  auto s = store_script();
  for (auto& [d, b] : s) g += b;
  // Mutate a valid conversation: every 7th byte replaced.
  for (size_t i = 0; i < g.size(); i += 7) {
    x = x * 1103515245 + 12345;
    g[i] = char(x >> 16);
  }
  for (size_t step : {size_t(1), size_t(5), size_t(0)}) {
    FakeCtx c(kSpec);
    c.feed(kTs, bytes(g), step);
    c.feed(kTc, bytes(g), step);
    c.parser()->finish(kTs, c);
    c.parser()->finish(kTc, c);
  }
  // Truncated at every offset: no crash, and finish() closes a partial file as truncated.
  std::string all;
  for (auto& [d, b] : s) all += d == kTs ? b : "";
  for (size_t cut = 0; cut < all.size(); cut += 3) {
    FakeCtx c(kSpec);
    c.feed(kTs, bytes(all).first(cut));
    c.parser()->finish(kTs, c);
    c.parser()->finish(kTc, c);
    for (auto& f : c.files) EXPECT_TRUE(f.closed);
  }
}

}  // namespace
}  // namespace ww::app::dicom
