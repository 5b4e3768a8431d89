// HL7 v2.5.1 over MLLP (0x0B message 0x1C 0x0D): ADT^A01/A03/A08, ORM^O01, ORU^R01 with MSH,
// EVN, PID, PV1, ORC, OBR, OBX segments, each answered by an ACK carrying MSA|AA (or AE).
#include <ctime>

#include "proto.h"

namespace ww::sim {

namespace {
const char* kFamily[] = {"SMITH", "JONES", "WILLIAMS", "TAYLOR", "BROWN", "DAVIES", "EVANS",
                         "WILSON", "THOMAS", "JOHNSON", "ROBERTS", "WALKER", "WRIGHT", "PATEL",
                         "KHAN", "NGUYEN", "MUELLER", "GARCIA", "MARTIN", "OKAFOR"};
const char* kGiven[] = {"OLIVIA", "AMELIA", "ISLA", "AVA", "MIA", "NOAH", "OLIVER", "GEORGE",
                        "ARTHUR", "LEO", "HARRY", "GRACE", "FREYA", "JACK", "PRIYA", "MOHAMMED",
                        "SOPHIE", "DANIEL", "CHLOE", "SAMUEL"};

std::string hl7_time(Ts t) {
  time_t sec = static_cast<time_t>(t / kSec);
  struct tm tm;
  gmtime_r(&sec, &tm);
  char b[64];
  std::snprintf(b, sizeof b, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return b;
}

struct Obs {
  const char* loinc;
  const char* name;
  const char* unit;
  double lo, hi;
};
const Obs kObs[] = {{"8867-4", "Heart rate", "/min", 55, 110},
                    {"8480-6", "Systolic blood pressure", "mm[Hg]", 95, 160},
                    {"8462-4", "Diastolic blood pressure", "mm[Hg]", 55, 95},
                    {"59408-5", "Oxygen saturation", "%", 91, 100},
                    {"8310-5", "Body temperature", "Cel", 36.1, 38.4},
                    {"2345-7", "Glucose", "mmol/L", 3.9, 9.5},
                    {"718-7", "Hemoglobin", "g/dL", 10.5, 16.5},
                    {"2823-3", "Potassium", "mmol/L", 3.4, 5.2}};
}  // namespace

Patient random_patient(Rng& rng) {
  Patient p;
  p.mrn = "MRN" + rng.digits(7);
  p.family = kFamily[rng.below(std::size(kFamily))];
  p.given = kGiven[rng.below(std::size(kGiven))];
  char dob[12];
  std::snprintf(dob, sizeof dob, "%04d%02d%02d", static_cast<int>(1930 + rng.below(90)),
                static_cast<int>(1 + rng.below(12)), static_cast<int>(1 + rng.below(28)));
  p.dob = dob;
  p.sex = rng.chance(0.5) ? "F" : "M";
  p.account = "V" + rng.digits(8);
  return p;
}

std::string hl7_message(Rng& rng, const std::string& type, const Patient& p,
                        const std::string& sending_app, const std::string& sending_fac, Ts t,
                        const std::string& ctrl_id) {
  std::string ts = hl7_time(t);
  std::string event = type.substr(type.find('^') + 1);
  std::string structure = type.substr(0, 3) + "_" + event;
  if (type == "ADT^A08") structure = "ADT_A01";
  if (type == "ADT^A03") structure = "ADT_A03";
  std::string m = "MSH|^~\\&|" + sending_app + "|" + sending_fac + "|MIRTH|STMARYS|" + ts + "||" +
                  type + "^" + structure + "|" + ctrl_id + "|P|2.5.1|||AL|NE\r";
  const std::string pid = "PID|1||" + p.mrn + "^^^STMARYS^MR||" + p.family + "^" + p.given +
                          "||" + p.dob + "|" + p.sex + "|||" + std::to_string(1 + rng.below(200)) +
                          " High Street^^London^^NW1 " + rng.digits(1) + "AA^GB||020" +
                          rng.digits(8) + "|||||" + p.account + "\r";
  const std::string ward = std::string("WARD") + static_cast<char>('A' + rng.below(6));
  const std::string pv1 = "PV1|1|I|" + ward + "^" + std::to_string(1 + rng.below(30)) +
                          "^A^STMARYS||||" + rng.digits(6) + "^" + kFamily[rng.below(20)] +
                          "^" + kGiven[rng.below(20)] + "^^^DR|||MED||||||||" + p.account + "\r";
  if (type.rfind("ADT", 0) == 0) {
    m += "EVN|" + event + "|" + ts + "\r" + pid + pv1;
  } else if (type == "ORM^O01") {
    std::string ord = "ORD" + rng.digits(8);
    m += pid + pv1 + "ORC|NW|" + ord + "|||||^^^" + ts + "^^R||" + ts + "\r";
    m += "OBR|1|" + ord + "||71045^XR CHEST 1 VIEW^CPT4|||" + ts + "\r";
  } else {  // ORU^R01
    std::string ord = "ORD" + rng.digits(8);
    m += pid + pv1 + "OBR|1|" + ord + "|RES" + rng.digits(6) + "|VITALS^Vital signs^L|||" + ts +
         "||||||||||||||||F\r";
    int n = 2 + static_cast<int>(rng.below(5));
    for (int i = 0; i < n; ++i) {
      const Obs& o = kObs[rng.below(std::size(kObs))];
      char val[32];
      std::snprintf(val, sizeof val, "%.1f", o.lo + rng.uniform() * (o.hi - o.lo));
      char range[48];
      std::snprintf(range, sizeof range, "%.1f-%.1f", o.lo, o.hi);
      m += "OBX|" + std::to_string(i + 1) + "|NM|" + o.loinc + "^" + o.name + "^LN||" + val + "|" +
           o.unit + "|" + range + "|N|||F|||" + ts + "\r";
    }
  }
  return m;
}

std::string hl7_ack(const std::string& msg, const std::string& ctrl_id, Ts t, bool accept) {
  // Echo the trigger event of the message being acknowledged.
  std::string event = "A01";
  size_t p = msg.find("||", msg.find("|", 20));
  (void)p;
  size_t type_at = 0;
  int bars = 0;
  for (size_t i = 0; i < msg.size() && bars < 8; ++i)
    if (msg[i] == '|' && ++bars == 8) type_at = i + 1;
  if (type_at) event = msg.substr(type_at + 4, 3);
  return "MSH|^~\\&|MIRTH|STMARYS|SENDER|STMARYS|" + hl7_time(t) + "||ACK^" + event + "^ACK|ACK" +
         ctrl_id + "|P|2.5.1\rMSA|" + (accept ? "AA" : "AE") + "|" + ctrl_id + "\r";
}

std::string mllp(const std::string& msg) { return "\x0b" + msg + "\x1c\x0d"; }

FiveTuple hl7_session(Sim& sim, Session& s, Host& sender, Host& receiver, uint16_t port,
                      const std::vector<std::string>& types, const std::string& sending_app,
                      bool accept) {
  Rng& r = sim.rng;
  resolve(sim, s, sender, receiver);
  Tcp tcp(sim, s, sender, receiver, port);
  if (!tcp.connect()) return tcp.tuple();
  for (const auto& type : types) {
    Patient p = random_patient(r);
    std::string ctrl = r.digits(10);
    std::string msg = hl7_message(r, type, p, sending_app, "STMARYS", tcp.now(), ctrl);
    tcp.send(Dir::kC2S, mllp(msg), r.range(1 * kMs, 500 * kMs));
    tcp.send(Dir::kS2C, mllp(hl7_ack(msg, ctrl, tcp.now(), accept)), r.range(2 * kMs, 30 * kMs));
  }
  tcp.close(Dir::kC2S);
  return tcp.tuple();
}

}  // namespace ww::sim
