// DICOM captures of ../shared/corpus (DCMTK 3.6.7 clients and servers): AE titles,
// presentation contexts, DIMSE commands, SOP classes, statuses and dataset elements as the
// corpus MANIFEST lists them (tshark's dicom dissector shows the same). Skipped without it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "app/dicom/parser.h"
#include "app/test_ctx.h"
#include "app/hl7/pcap_conv.h"

namespace ww::app::dicom {
namespace {

namespace fs = std::filesystem;
fs::path corpus() { return fs::path(WW_SOURCE_DIR) / ".." / "shared" / "corpus"; }

struct Result {
  std::vector<std::string> txs, anomalies;
  std::vector<testing::FakeCtx::File> files;
  std::string all;
  size_t count(const std::string& sub) const {
    size_t n = 0;
    for (auto& t : txs) n += t.find(sub) != std::string::npos;
    return n;
  }
  bool has(const std::string& sub) const { return all.find(sub) != std::string::npos; }
};

Result parse_capture(const fs::path& f) {
  Result r;
  for (auto& conv : testing::read_conversations(f.string())) {
    testing::FakeCtx c(kSpec);
    bool matched = false;
    for (auto& ch : conv.chunks) {
      if (!matched && probe(ch.dir, testing::bytes(ch.data)) != ProbeResult::Match) continue;
      matched = true;
      c.feed(ch.dir, testing::bytes(ch.data));
    }
    if (!matched) continue;
    c.parser()->finish(Direction::ToServer, c);
    c.parser()->finish(Direction::ToClient, c);
    for (auto& t : c.txs) r.txs.push_back(t), r.all += t + "\n";
    for (auto& a : c.anomalies) r.anomalies.push_back(a);
    for (auto& fl : c.files) r.files.push_back(fl);
  }
  return r;
}

#define SKIP_WITHOUT(path) \
  if (!fs::exists(path)) GTEST_SKIP() << "no corpus at " << (path)

TEST(CorpusDicom, GeneratedEcho) {
  fs::path f = corpus() / "generated" / "dicom_echo.pcap";
  SKIP_WITHOUT(f);
  Result r = parse_capture(f);
  ASSERT_EQ(r.txs.size(), 2u) << r.all;
  EXPECT_TRUE(r.has(R"("type":"association","calling_ae":"MODALITY1","called_ae":"PACS_QR","result":"accepted")")) << r.all;
  EXPECT_TRUE(r.has(R"("max_pdu_length":16384)"));
  EXPECT_TRUE(r.has(R"("abstract_syntax":"1.2.840.10008.1.1")"));
  EXPECT_TRUE(r.has(R"("command":"C-ECHO")"));
  EXPECT_TRUE(r.has(R"("status":"0000","status_class":"success")"));
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(CorpusDicom, GeneratedStore) {
  fs::path f = corpus() / "generated" / "dicom_store.pcap";
  SKIP_WITHOUT(f);
  Result r = parse_capture(f);
  ASSERT_EQ(r.count(R"("command":"C-STORE")"), 3u) << r.all;
  EXPECT_EQ(r.count(R"("sop_class":"1.2.840.10008.5.1.4.1.1.2")"), 2u);
  EXPECT_EQ(r.count(R"("sop_class":"1.2.840.10008.5.1.4.1.1.7")"), 1u);
  EXPECT_EQ(r.count(R"("status":"0000")"), 3u);
  EXPECT_EQ(r.count(R"("modality":"CT")"), 2u);
  EXPECT_EQ(r.count(R"("modality":"OT")"), 1u);
  EXPECT_EQ(r.count(R"("manufacturer":"ACME Medical Systems")"), 3u) << r.all;
  EXPECT_TRUE(r.has(R"("manufacturer_model_name":"ACME CT-9000")"));
  EXPECT_TRUE(r.has(R"("station_name":"CT01_ROOM3")"));
  EXPECT_EQ(r.count(R"("study_instance_uid":"2.25.301210915441826493715122213211990000001")"), 3u);
  EXPECT_TRUE(r.has("2.25.301210915441826493715122213211990000101"));
  EXPECT_TRUE(r.has("2.25.301210915441826493715122213211990000102"));
  for (const char* phi : {"DOE", "MRN123456", "19610714", "MERCY GENERAL"})
    EXPECT_FALSE(r.has(phi)) << phi;
  // Three Part 10 files, complete, named by SOP Instance UID.
  ASSERT_EQ(r.files.size(), 3u);
  for (auto& fl : r.files) {
    EXPECT_TRUE(fl.closed);
    EXPECT_EQ(fl.end, FileEnd::Complete);
    EXPECT_EQ(fl.data.substr(128, 4), "DICM");
    EXPECT_NE(fl.data.find("DOE^JOHN"), std::string::npos);  // the object itself, for YARA
  }
  EXPECT_EQ(r.files[0].name, "2.25.301210915441826493715122213211990000101");
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(CorpusDicom, GeneratedFindWorklistGetReject) {
  fs::path g = corpus() / "generated";
  SKIP_WITHOUT(g / "dicom_find.pcap");
  Result find = parse_capture(g / "dicom_find.pcap");
  EXPECT_EQ(find.count(R"("type":"association","calling_ae":"VIEWER1","called_ae":"PACS_QR")"), 2u)
      << find.all;
  EXPECT_EQ(find.count(R"("command":"C-FIND")"), 2u);
  EXPECT_EQ(find.count(R"("sop_class":"1.2.840.10008.5.1.4.1.2.2.1")"), 2u);
  EXPECT_TRUE(find.has(R"("query_retrieve_level":"STUDY")"));
  EXPECT_TRUE(find.has(R"("query_retrieve_level":"SERIES")"));
  EXPECT_TRUE(find.has(R"("pending_responses":1)"));
  EXPECT_TRUE(find.has(R"("pending_responses":2)"));
  EXPECT_EQ(find.count(R"("status":"0000")"), 2u);
  EXPECT_FALSE(find.has("DOE"));

  Result wl = parse_capture(g / "dicom_worklist.pcap");
  EXPECT_TRUE(wl.has(R"("calling_ae":"MODALITY1","called_ae":"RIS_WL")")) << wl.all;
  EXPECT_TRUE(wl.has(R"("command":"C-FIND")"));
  EXPECT_TRUE(wl.has(R"("sop_class":"1.2.840.10008.5.1.4.31")"));
  EXPECT_TRUE(wl.has(R"("pending_responses":2)"));
  EXPECT_FALSE(wl.has("ROE"));

  Result get = parse_capture(g / "dicom_get.pcap");
  EXPECT_TRUE(get.has(R"("calling_ae":"VIEWER1","called_ae":"PACS_QR","result":"accepted")"))
      << get.all.substr(0, 2000);
  EXPECT_EQ(get.count(R"("command":"C-GET")"), 1u);
  EXPECT_TRUE(get.has(R"("sop_class":"1.2.840.10008.5.1.4.1.2.2.3")"));
  // The PACS pushes the 3 images back on the same association (role reversal).
  EXPECT_EQ(get.count(R"("command":"C-STORE")"), 3u);
  EXPECT_EQ(get.count(R"("status":"0000")"), 4u);
  EXPECT_EQ(get.files.size(), 3u);
  EXPECT_FALSE(get.has("assoc_truncated"));

  Result rj = parse_capture(g / "dicom_reject.pcap");
  EXPECT_EQ(rj.count(R"("result":"rejected","reject":{"result":1,"source":1,"reason":7})"), 2u)
      << rj.all;
  EXPECT_TRUE(rj.has(R"("calling_ae":"MODALITY1","called_ae":"PACS_MAIN")"));
  EXPECT_TRUE(rj.has(R"("calling_ae":"MODALITY1","called_ae":"ARCHIVE")"));
}

TEST(CorpusDicom, GeneratedLoopback) {
  fs::path d = corpus() / "healthcare" / "pcaps" / "generated-loopback";
  SKIP_WITHOUT(d);
  Result echo = parse_capture(d / "dicom-c-echo.pcap");
  EXPECT_TRUE(echo.has(R"("calling_ae":"MODALITY1","called_ae":"HOSP_PACS")")) << echo.all;
  EXPECT_TRUE(echo.has(R"("command":"C-ECHO")"));
  EXPECT_TRUE(echo.has(R"("status":"0000")"));

  Result ctmr = parse_capture(d / "dicom-c-store-ct-mr.pcap");
  EXPECT_EQ(ctmr.count(R"("command":"C-STORE")"), 2u) << ctmr.all;
  EXPECT_TRUE(ctmr.has(R"("sop_class":"1.2.840.10008.5.1.4.1.1.2")"));
  EXPECT_TRUE(ctmr.has(R"("sop_class":"1.2.840.10008.5.1.4.1.1.4")"));
  EXPECT_EQ(ctmr.count(R"("status":"0000")"), 2u);
  EXPECT_FALSE(ctmr.has("CompressedSamples"));

  Result ecg = parse_capture(d / "dicom-c-store-ecg-rtplan-sr.pcap");
  EXPECT_EQ(ecg.count(R"("command":"C-STORE")"), 3u) << ecg.all;
  EXPECT_EQ(ecg.count(R"("status":"0000")"), 3u);
  EXPECT_EQ(ecg.files.size(), 3u);

  Result imp = parse_capture(d / "dicom-c-store-implicit-vr.pcap");
  EXPECT_TRUE(imp.has(R"("transfer_syntax":"1.2.840.10008.1.2")")) << imp.all;
  EXPECT_TRUE(imp.has(R"("sop_class":"1.2.840.10008.5.1.4.1.1.4")"));
  EXPECT_TRUE(imp.has(R"("modality":"MR")"));

  Result ab = parse_capture(d / "dicom-association-abort.pcap");
  EXPECT_EQ(ab.count(R"("type":"abort")"), 1u) << ab.all;

  Result rj = parse_capture(d / "dicom-association-rejected.pcap");
  EXPECT_TRUE(rj.has(R"("result":"rejected","reject":{"result":1,"source":1,"reason":1})"))
      << rj.all;

  Result pr = parse_capture(d / "dicom-c-find-patient-root.pcap");
  EXPECT_TRUE(pr.has(R"("command":"C-FIND")")) << pr.all;
  EXPECT_TRUE(pr.has(R"("pending_responses":2)"));
  EXPECT_TRUE(pr.has(R"("query_retrieve_level":"PATIENT")"));
  EXPECT_FALSE(pr.has("4MR1"));

  Result sr = parse_capture(d / "dicom-c-find-study-root.pcap");
  EXPECT_TRUE(sr.has(R"("query_retrieve_level":"STUDY")")) << sr.all;

  Result mv = parse_capture(d / "dicom-c-move-with-c-store-suboperations.pcap");
  EXPECT_TRUE(mv.has(R"("command":"C-MOVE")")) << mv.all;
  EXPECT_TRUE(mv.has(R"("move_destination":"MOVE_DEST")"));
  EXPECT_TRUE(mv.has(R"("calling_ae":"HOSP_QR","called_ae":"MOVE_DEST")"));
  EXPECT_TRUE(mv.has(R"("command":"C-STORE")"));

  Result rst = parse_capture(d / "dicom-echo-wrong-port-rst.pcap");
  EXPECT_TRUE(rst.txs.empty());
  for (Result* r : {&echo, &ctmr, &ecg, &imp, &ab, &pr, &sr, &mv})
    EXPECT_TRUE(r->anomalies.empty()) << r->anomalies.size() << " " << r->anomalies[0];
}

}  // namespace
}  // namespace ww::app::dicom
