// DICOM Upper Layer (PS3.8) and DIMSE (PS3.7): A-ASSOCIATE-RQ/AC/RJ with AE titles,
// application context, presentation contexts and user information; P-DATA-TF carrying command
// and dataset PDVs in Implicit VR Little Endian; C-ECHO, C-STORE (with Modality, Manufacturer,
// PatientName, SOP Class/Instance UIDs and pixel data), C-FIND Modality Worklist; A-RELEASE.
// Also DICOM Part 10 files (PS3.10: preamble, "DICM", file meta in Explicit VR LE).
#include <ctime>

#include "proto.h"

namespace ww::sim {

namespace {

constexpr const char* kAppContext = "1.2.840.10008.3.1.1.1";
constexpr const char* kImplicitLE = "1.2.840.10008.1.2";
constexpr const char* kExplicitLE = "1.2.840.10008.1.2.1";
constexpr const char* kVerification = "1.2.840.10008.1.1";
constexpr const char* kMwlFind = "1.2.840.10008.5.1.4.31";
constexpr const char* kImplClass = "1.2.826.0.1.3680043.10.543.1";
constexpr const char* kUidRoot = "1.2.826.0.1.3680043.10.543.";
constexpr size_t kMaxPdv = 16372;

const char* sop_class_for(const std::string& modality) {
  if (modality == "CT") return "1.2.840.10008.5.1.4.1.1.2";
  if (modality == "MR") return "1.2.840.10008.5.1.4.1.1.4";
  if (modality == "US") return "1.2.840.10008.5.1.4.1.1.6.1";
  if (modality == "DX") return "1.2.840.10008.5.1.4.1.1.1.1";
  return "1.2.840.10008.5.1.4.1.1.7";  // secondary capture
}

std::string uid(Rng& r) { return kUidRoot + std::to_string(1 + r.below(999)) + "." + r.digits(12) + "." + std::to_string(1 + r.below(9999)); }

std::string date_of(Ts t) {
  time_t sec = static_cast<time_t>(t / kSec);
  struct tm tm;
  gmtime_r(&sec, &tm);
  char b[40];
  std::snprintf(b, sizeof b, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return b;
}

bool is_long_vr(const char* vr) {
  return !std::strcmp(vr, "OB") || !std::strcmp(vr, "OW") || !std::strcmp(vr, "SQ") ||
         !std::strcmp(vr, "UN") || !std::strcmp(vr, "UT");
}

// One data element. Implicit VR LE unless `explicit_vr`. Strings pad to even length (UI with
// NUL, others with space).
void el(Buf& b, uint16_t g, uint16_t e, const char* vr, std::span<const uint8_t> v, bool explicit_vr) {
  size_t n = v.size() + (v.size() & 1);
  b.u16le(g).u16le(e);
  if (explicit_vr) {
    b.str(vr);
    if (is_long_vr(vr))
      b.u16le(0).u32le(static_cast<uint32_t>(n));
    else
      b.u16le(static_cast<uint32_t>(n));
  } else {
    b.u32le(static_cast<uint32_t>(n));
  }
  b.bytes(v);
  if (v.size() & 1) b.u8(!std::strcmp(vr, "UI") || !std::strcmp(vr, "OB") ? 0 : ' ');
}
void els(Buf& b, uint16_t g, uint16_t e, const char* vr, const std::string& s, bool x = false) {
  el(b, g, e, vr, as_bytes(s), x);
}
void elus(Buf& b, uint16_t g, uint16_t e, uint16_t v, bool x = false) {
  uint8_t d[2] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
  el(b, g, e, "US", d, x);
}
void elul(Buf& b, uint16_t g, uint16_t e, uint32_t v, bool x = false) {
  uint8_t d[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                  static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
  el(b, g, e, "UL", d, x);
}

// Command set (group 0000) with its group length first.
Buf command(uint16_t field, const std::string& sop_class, uint16_t msg_id, bool response,
            bool has_dataset, const std::string& sop_inst, uint16_t status) {
  Buf body;
  els(body, 0x0000, 0x0002, "UI", sop_class);
  elus(body, 0x0000, 0x0100, field);
  if (response)
    elus(body, 0x0000, 0x0120, msg_id);
  else
    elus(body, 0x0000, 0x0110, msg_id);
  if (!response && field != 0x0030) elus(body, 0x0000, 0x0700, 0);  // priority medium
  elus(body, 0x0000, 0x0800, has_dataset ? 0x0000 : 0x0101);
  if (response) elus(body, 0x0000, 0x0900, status);
  if (!sop_inst.empty()) els(body, 0x0000, 0x1000, "UI", sop_inst);
  Buf c;
  elul(c, 0x0000, 0x0000, static_cast<uint32_t>(body.size()));
  c.bytes(body.span());
  return c;
}

void item(Buf& b, uint8_t type, std::string_view s) {
  b.u8(type).u8(0).u16be(static_cast<uint32_t>(s.size())).str(s);
}

void user_info(Buf& b) {
  Buf ui;
  ui.u8(0x51).u8(0).u16be(4).u32be(16384);
  item(ui, 0x52, kImplClass);
  item(ui, 0x55, "WARDWATCH_SIM");
  b.u8(0x50).u8(0).u16be(static_cast<uint32_t>(ui.size())).bytes(ui.span());
}

struct Pc {
  uint8_t id;
  std::string abstract;
};

Buf associate_rq(const std::string& called, const std::string& calling, const std::vector<Pc>& pcs) {
  Buf b;
  b.u8(0x01).u8(0).u32be(0);
  b.u16be(1).u16be(0).padded(called, 16).padded(calling, 16).zeros(32);
  item(b, 0x10, kAppContext);
  for (const auto& pc : pcs) {
    Buf p;
    p.u8(pc.id).u8(0).u8(0).u8(0);
    item(p, 0x30, pc.abstract);
    item(p, 0x40, kImplicitLE);
    item(p, 0x40, kExplicitLE);
    b.u8(0x20).u8(0).u16be(static_cast<uint32_t>(p.size())).bytes(p.span());
  }
  user_info(b);
  b.put_u32be(2, static_cast<uint32_t>(b.size() - 6));
  return b;
}

Buf associate_ac(const std::string& called, const std::string& calling, const std::vector<Pc>& pcs) {
  Buf b;
  b.u8(0x02).u8(0).u32be(0);
  b.u16be(1).u16be(0).padded(called, 16).padded(calling, 16).zeros(32);
  item(b, 0x10, kAppContext);
  for (const auto& pc : pcs) {
    Buf p;
    p.u8(pc.id).u8(0).u8(0).u8(0);  // result 0: acceptance
    item(p, 0x40, kImplicitLE);
    b.u8(0x21).u8(0).u16be(static_cast<uint32_t>(p.size())).bytes(p.span());
  }
  user_info(b);
  b.put_u32be(2, static_cast<uint32_t>(b.size() - 6));
  return b;
}

// P-DATA-TF PDUs, one PDV each, fragmenting `data` at the negotiated maximum.
void p_data(Buf& out, uint8_t pc_id, bool is_command, std::span<const uint8_t> data) {
  size_t off = 0;
  do {
    size_t n = std::min(kMaxPdv, data.size() - off);
    bool last = off + n >= data.size();
    out.u8(0x04).u8(0).u32be(static_cast<uint32_t>(n + 6));
    out.u32be(static_cast<uint32_t>(n + 2)).u8(pc_id).u8((is_command ? 1 : 0) | (last ? 2 : 0));
    out.bytes(data.data() + off, n);
    off += n;
  } while (off < data.size());
}

Buf image_dataset(Rng& r, const DicomStudy& st, int index, const std::string& sop_inst,
                  bool explicit_vr, size_t pixel_bytes) {
  Buf d;
  const bool x = explicit_vr;
  const std::string date = "20240304";
  els(d, 0x0008, 0x0005, "CS", "ISO_IR 100", x);
  els(d, 0x0008, 0x0016, "UI", sop_class_for(st.modality), x);
  els(d, 0x0008, 0x0018, "UI", sop_inst, x);
  els(d, 0x0008, 0x0020, "DA", date, x);
  els(d, 0x0008, 0x0030, "TM", "0815" + r.digits(2), x);
  els(d, 0x0008, 0x0050, "SH", "ACC" + (st.patient.account.size() > 1 ? st.patient.account.substr(1) : std::string("0")), x);
  els(d, 0x0008, 0x0060, "CS", st.modality, x);
  els(d, 0x0008, 0x0070, "LO", st.manufacturer, x);
  els(d, 0x0008, 0x0080, "LO", "St. Mary's General Hospital", x);
  els(d, 0x0008, 0x1090, "LO", st.model, x);
  els(d, 0x0010, 0x0010, "PN", st.patient.family + "^" + st.patient.given, x);
  els(d, 0x0010, 0x0020, "LO", st.patient.mrn, x);
  els(d, 0x0010, 0x0030, "DA", st.patient.dob, x);
  els(d, 0x0010, 0x0040, "CS", st.patient.sex, x);
  els(d, 0x0020, 0x000D, "UI", st.study_uid, x);
  els(d, 0x0020, 0x000E, "UI", st.series_uid, x);
  els(d, 0x0020, 0x0013, "IS", std::to_string(index + 1), x);
  elus(d, 0x0028, 0x0002, 1, x);
  els(d, 0x0028, 0x0004, "CS", "MONOCHROME2", x);
  uint16_t cols = 512;
  uint16_t rows = static_cast<uint16_t>(std::max<size_t>(1, pixel_bytes / (2 * cols)));
  elus(d, 0x0028, 0x0010, rows, x);
  elus(d, 0x0028, 0x0011, cols, x);
  elus(d, 0x0028, 0x0100, 16, x);
  elus(d, 0x0028, 0x0101, 12, x);
  elus(d, 0x0028, 0x0102, 11, x);
  elus(d, 0x0028, 0x0103, 0, x);
  size_t n = size_t{rows} * cols * 2;
  d.u16le(0x7fe0).u16le(0x0010);
  if (x) d.str("OW").u16le(0);
  d.u32le(static_cast<uint32_t>(n));
  size_t at = d.size();
  d.zeros(n);
  r.fill(d.v.data() + at, n);
  for (size_t i = at + 1; i < d.size(); i += 2) d.v[i] &= 0x0f;  // 12 bits stored
  return d;
}

}  // namespace

DicomStudy random_study(Rng& rng, const Host& h, double bulk) {
  DicomStudy st;
  auto bar = h.model.find('|');
  st.modality = bar == std::string::npos ? "OT" : h.model.substr(0, bar);
  st.model = bar == std::string::npos ? h.model : h.model.substr(bar + 1);
  st.manufacturer = h.vendor == "Siemens Healthineers" ? "SIEMENS"
                    : h.vendor == "GE Healthcare"      ? "GE MEDICAL SYSTEMS"
                    : h.vendor == "Philips Medical"    ? "Philips"
                    : h.vendor == "Carestream"         ? "Carestream Health"
                                                       : h.vendor;
  st.patient = random_patient(rng);
  st.study_uid = uid(rng);
  st.series_uid = uid(rng);
  if (st.modality == "CT") {
    st.images = 8 + static_cast<int>(rng.below(24));
    st.image_bytes = 512 * 512 * 2;
  } else if (st.modality == "MR") {
    st.images = 8 + static_cast<int>(rng.below(16));
    st.image_bytes = 256 * 512 * 2;
  } else if (st.modality == "DX") {
    st.images = 1 + static_cast<int>(rng.below(3));
    st.image_bytes = 1536 * 512 * 2;
  } else {
    st.images = 2 + static_cast<int>(rng.below(6));
    st.image_bytes = 384 * 512 * 2;
  }
  st.image_bytes = std::max<size_t>(16 * 512 * 2, static_cast<size_t>(static_cast<double>(st.image_bytes) * bulk));
  return st;
}

FiveTuple dicom_association(Sim& sim, Session& s, Host& scu, Host& scp, DicomOp op,
                            const DicomStudy& st, uint16_t port) {
  Rng& r = sim.rng;
  Tcp tcp(sim, s, scu, scp, port);
  if (!tcp.connect()) return tcp.tuple();
  std::string calling = scu.ae_title.empty() ? "WS_" + scu.name : scu.ae_title;
  std::string called = scp.ae_title.empty() ? "ANY-SCP" : scp.ae_title;
  std::vector<Pc> pcs;
  if (op == DicomOp::kEcho || op == DicomOp::kRejected) pcs.push_back({1, kVerification});
  if (op == DicomOp::kStore) {
    pcs.push_back({1, sop_class_for(st.modality)});
    pcs.push_back({3, kVerification});
  }
  if (op == DicomOp::kFindMwl) pcs.push_back({1, kMwlFind});
  if (op == DicomOp::kRejected) called = "UNKNOWN_AE";
  tcp.send(Dir::kC2S, associate_rq(called, calling, pcs).span(), r.range(1 * kMs, 5 * kMs));
  if (op == DicomOp::kRejected) {
    Buf rj;
    rj.u8(0x03).u8(0).u32be(4).u8(0).u8(1).u8(1).u8(7);  // rejected-permanent, called AE unknown
    tcp.send(Dir::kS2C, rj.span(), r.range(1 * kMs, 5 * kMs));
    tcp.close(Dir::kS2C);
    return tcp.tuple();
  }
  tcp.send(Dir::kS2C, associate_ac(called, calling, pcs).span(), r.range(1 * kMs, 8 * kMs));
  uint16_t msg_id = 1;
  if (op == DicomOp::kEcho) {
    Buf out, in;
    p_data(out, 1, true, command(0x0030, kVerification, msg_id, false, false, "", 0).span());
    tcp.send(Dir::kC2S, out.span(), r.range(200, 2000));
    p_data(in, 1, true, command(0x8030, kVerification, msg_id, true, false, "", 0).span());
    tcp.send(Dir::kS2C, in.span(), r.range(200, 2000));
  } else if (op == DicomOp::kStore) {
    for (int i = 0; i < st.images; ++i) {
      std::string inst = uid(r);
      Buf out, in;
      p_data(out, 1, true, command(0x0001, sop_class_for(st.modality), msg_id, false, true, inst, 0).span());
      Buf ds = image_dataset(r, st, i, inst, false, st.image_bytes);
      p_data(out, 1, false, ds.span());
      tcp.send(Dir::kC2S, out.span(), r.range(500, 20 * kMs));
      p_data(in, 1, true, command(0x8001, sop_class_for(st.modality), msg_id, true, false, inst, 0).span());
      tcp.send(Dir::kS2C, in.span(), r.range(2 * kMs, 15 * kMs));
      ++msg_id;
    }
  } else if (op == DicomOp::kFindMwl) {
    Buf q;
    els(q, 0x0008, 0x0050, "SH", "");
    els(q, 0x0010, 0x0010, "PN", "");
    els(q, 0x0010, 0x0020, "LO", "");
    Buf it;
    els(it, 0x0008, 0x0060, "CS", st.modality);
    els(it, 0x0040, 0x0001, "AE", calling);
    els(it, 0x0040, 0x0002, "DA", date_of(tcp.now()));
    Buf seq;
    seq.u16le(0xfffe).u16le(0xe000).u32le(static_cast<uint32_t>(it.size())).bytes(it.span());
    q.u16le(0x0040).u16le(0x0100).u32le(static_cast<uint32_t>(seq.size())).bytes(seq.span());
    Buf out;
    p_data(out, 1, true, command(0x0020, kMwlFind, msg_id, false, true, "", 0).span());
    p_data(out, 1, false, q.span());
    tcp.send(Dir::kC2S, out.span(), r.range(1 * kMs, 10 * kMs));
    int n = 1 + static_cast<int>(r.below(5));
    Buf in;
    for (int i = 0; i < n; ++i) {
      Patient p = random_patient(r);
      Buf d;
      els(d, 0x0008, 0x0050, "SH", "ACC" + r.digits(8));
      els(d, 0x0010, 0x0010, "PN", p.family + "^" + p.given);
      els(d, 0x0010, 0x0020, "LO", p.mrn);
      Buf it2;
      els(it2, 0x0008, 0x0060, "CS", st.modality);
      els(it2, 0x0040, 0x0001, "AE", calling);
      els(it2, 0x0040, 0x0002, "DA", date_of(tcp.now()));
      Buf seq2;
      seq2.u16le(0xfffe).u16le(0xe000).u32le(static_cast<uint32_t>(it2.size())).bytes(it2.span());
      d.u16le(0x0040).u16le(0x0100).u32le(static_cast<uint32_t>(seq2.size())).bytes(seq2.span());
      p_data(in, 1, true, command(0x8020, kMwlFind, msg_id, true, true, "", 0xff00).span());
      p_data(in, 1, false, d.span());
    }
    p_data(in, 1, true, command(0x8020, kMwlFind, msg_id, true, false, "", 0x0000).span());
    tcp.send(Dir::kS2C, in.span(), r.range(5 * kMs, 60 * kMs));
  }
  Buf rq, rp;
  rq.u8(0x05).u8(0).u32be(4).u32be(0);
  rp.u8(0x06).u8(0).u32be(4).u32be(0);
  tcp.send(Dir::kC2S, rq.span(), r.range(1 * kMs, 20 * kMs));
  tcp.send(Dir::kS2C, rp.span(), r.range(200, 2000));
  tcp.close(Dir::kC2S);
  return tcp.tuple();
}

FiveTuple dicom_dimse(Sim& sim, Session& s, Host& scu, Host& scp, const std::string& sop_class,
                      uint16_t cmd, int count, uint16_t status, uint16_t port,
                      std::span<const uint8_t> payload) {
  Rng& r = sim.rng;
  Tcp tcp(sim, s, scu, scp, port);
  if (!tcp.connect()) return tcp.tuple();
  std::string calling = scu.ae_title.empty() ? "WS_" + scu.name : scu.ae_title;
  std::string called = scp.ae_title.empty() ? "ANY-SCP" : scp.ae_title;
  std::vector<Pc> pcs = {{1, sop_class}};
  tcp.send(Dir::kC2S, associate_rq(called, calling, pcs).span(), r.range(1 * kMs, 5 * kMs));
  tcp.send(Dir::kS2C, associate_ac(called, calling, pcs).span(), r.range(1 * kMs, 8 * kMs));
  bool with_ds = cmd == 0x0020 || cmd == 0x0021 || cmd == 0x0001;
  for (int i = 0; i < count; ++i) {
    uint16_t id = static_cast<uint16_t>(i + 1);
    std::string inst = cmd == 0x0020 || cmd == 0x0021 ? "" : uid(r);
    Buf out, in;
    p_data(out, 1, true, command(cmd, sop_class, id, false, with_ds, inst, 0).span());
    if (with_ds) {
      Buf q;
      els(q, 0x0008, 0x0052, "CS", cmd == 0x0001 ? "" : (i % 2 ? "STUDY" : "PATIENT"));
      els(q, 0x0010, 0x0020, "LO", cmd == 0x0001 ? random_patient(r).mrn : "*");
      els(q, 0x0020, 0x000d, "UI", cmd == 0x0021 ? uid(r) : "");
      if (!payload.empty()) el(q, 0x0009, 0x1010, "OB", payload, false);
      p_data(out, 1, false, q.span());
    }
    tcp.send(Dir::kC2S, out.span(), r.range(200, 5 * kMs));
    p_data(in, 1, true, command(uint16_t(cmd | 0x8000), sop_class, id, true, false, inst, status).span());
    tcp.send(Dir::kS2C, in.span(), r.range(1 * kMs, 10 * kMs));
  }
  Buf rq, rp;
  rq.u8(0x05).u8(0).u32be(4).u32be(0);
  rp.u8(0x06).u8(0).u32be(4).u32be(0);
  tcp.send(Dir::kC2S, rq.span(), r.range(1 * kMs, 20 * kMs));
  tcp.send(Dir::kS2C, rp.span(), r.range(200, 2000));
  tcp.close(Dir::kC2S);
  return tcp.tuple();
}

Bytes dicom_part10(Rng& r, const DicomStudy& st, size_t pixel_bytes, bool pe_preamble) {
  Buf f;
  if (pe_preamble) {
    // DOS header: "MZ", e_lfanew (offset 0x3C) = 0x40; at 0x40 "PE\0\0" and a COFF header for
    // i386 with one section, then the start of a PE32 optional header; all inside 128 bytes.
    f.str("MZ").u16le(0x90).u16le(3).u16le(0).u16le(4).u16le(0).u16le(0xffff).u16le(0);
    f.u16le(0xb8).zeros(0x3c - f.size()).u32le(0x40);
    f.str(std::string("PE\0\0", 4)).u16le(0x014c).u16le(1).u32le(0x65e5a2c0).u32le(0).u32le(0);
    f.u16le(0xe0).u16le(0x0102);
    f.u16le(0x010b).u8(14).u8(0).u32le(0x1000).u32le(0x400).u32le(0).u32le(0x1000);
    f.zeros(128 - f.size());
  } else {
    f.zeros(128);
  }
  f.str("DICM");
  std::string inst = uid(r);
  Buf meta;
  uint8_t ver[2] = {0, 1};
  el(meta, 0x0002, 0x0001, "OB", ver, true);
  els(meta, 0x0002, 0x0002, "UI", sop_class_for(st.modality), true);
  els(meta, 0x0002, 0x0003, "UI", inst, true);
  els(meta, 0x0002, 0x0010, "UI", kExplicitLE, true);
  els(meta, 0x0002, 0x0012, "UI", kImplClass, true);
  els(meta, 0x0002, 0x0013, "SH", "WARDWATCH_SIM", true);
  elul(f, 0x0002, 0x0000, static_cast<uint32_t>(meta.size()), true);
  f.bytes(meta.span());
  Buf ds = image_dataset(r, st, 0, inst, true, pixel_bytes);
  f.bytes(ds.span());
  return std::move(f.v);
}

}  // namespace ww::sim
