// Medical device telemetry: infusion pumps POST small JSON status documents to the device
// integration gateway; patient monitors send HL7 ORU^R01 vital signs to the interface engine.
#include "proto.h"

namespace ww::sim {

void pump_telemetry(Sim& sim, Session& s, Host& pump, Host& gateway) {
  Rng& r = sim.rng;
  Tcp tcp(sim, s, pump, gateway, 80);
  if (!tcp.connect()) return;
  static const char* kDrugs[] = {"Heparin", "Insulin", "Morphine", "Propofol", "Norepinephrine", "Saline 0.9%"};
  char rate[16], vol[16];
  std::snprintf(rate, sizeof rate, "%.1f", 1 + r.uniform() * 120);
  std::snprintf(vol, sizeof vol, "%.1f", r.uniform() * 900);
  HttpReq q;
  q.method = "POST";
  q.uri = "/api/v1/pumps/" + pump.name + "/status";
  q.host = gateway.fqdn;
  q.user_agent = user_agent_for(pump);
  q.content_type = "application/json";
  q.body = "{\"device\":\"" + pump.name + "\",\"vendor\":\"" + pump.vendor + "\",\"serial\":\"SN" +
           std::to_string(fnv1a(pump.name) % 100000000) + "\",\"drug\":\"" + kDrugs[r.below(6)] +
           "\",\"rate_ml_h\":" + rate + ",\"volume_infused_ml\":" + vol + ",\"state\":\"" +
           (r.chance(0.9) ? "infusing" : "paused") + "\",\"battery\":" + std::to_string(20 + r.below(80)) +
           ",\"alarms\":[" + (r.chance(0.05) ? "\"occlusion\"" : "") + "]}";
  HttpResp a;
  a.status = 204;
  a.content_type.clear();
  http_exchange(tcp, r, q, a, r.range(1 * kMs, 10 * kMs));
  tcp.close(Dir::kC2S);
}

void monitor_telemetry(Sim& sim, Session& s, Host& monitor, Host& engine) {
  hl7_session(sim, s, monitor, engine, 2575, {"ORU^R01"}, "INTELLIVUE");
}

}  // namespace ww::sim
