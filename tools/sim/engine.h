// The event scheduler over simulated time and the packet merge.
//
// An event (a host deciding to browse, a modality finishing a study, an attacker's next step)
// runs at its simulated time and writes whole conversations into Sessions whose packets are all
// stamped at or after that time. The run loop always takes the earliest of "next event" and
// "next packet of any open session", so the pcap is in time order even though conversations are
// generated whole. Sessions are pooled; nothing is allocated per packet.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "hospital.h"
#include "pcap_writer.h"
#include "sim.h"

namespace ww::sim {

class Sim {
 public:
  using Fn = std::function<void(Sim&, Ts)>;

  Sim(Hospital& h, uint64_t seed, Ts start, Ts end, std::string scenario);

  Rng rng;
  Hospital& net;
  Ts start;
  Ts end;  // no event at or after `end` runs
  std::string scenario;
  std::deque<Label> labels;  // stable references
  std::map<std::string, Bytes> certs;  // DER certificates by server name (see proto/tls.cpp)
  double bulk = 1.0;  // scales bulk payloads (images, files, uploads); --bulk

  // A bulk payload size scaled by --bulk (never below 512 bytes).
  size_t scaled(size_t n) const {
    double v = static_cast<double>(n) * bulk;
    return v < 512 ? 512 : static_cast<size_t>(v);
  }

  void at(Ts t, Fn fn);
  // A new conversation buffer; its packets are merged into the capture once the current event
  // returns. `t` is its clock's start.
  Session& open(Ts t);
  Label& label(const std::string& technique, const std::string& mitre, const std::string& tactic,
               const std::string& expected, Ts t);
  // DNS cache per client: true if `name` was resolved recently (and marks it resolved now).
  bool dns_cached(const Host& client, const std::string& name, Ts now, Ts ttl);

  // Runs until no event is left before `end` (or the writer passed max_bytes) and every open
  // session is written out.
  void run(PcapWriter& w, uint64_t max_bytes);
  bool stopping() const { return stopping_; }

 private:
  struct Event {
    Ts t;
    uint64_t order;
    Fn fn;
  };
  struct EventLater {
    bool operator()(const Event& a, const Event& b) const {
      return a.t != b.t ? a.t > b.t : a.order > b.order;
    }
  };
  struct SessionLater {
    bool operator()(const Session* a, const Session* b) const {
      Ts x = a->next_ts(), y = b->next_ts();
      return x != y ? x > y : a->order > b->order;
    }
  };
  std::vector<Event> events_;
  std::vector<Session*> active_;  // heap by next packet time
  std::vector<Session*> opened_;  // opened by the running event
  std::vector<std::unique_ptr<Session>> pool_;
  std::vector<Session*> free_;
  std::unordered_map<uint64_t, Ts> dns_cache_;
  uint64_t order_ = 0;
  bool stopping_ = false;
};

// Labels as JSON lines, sorted by start time.
bool write_labels(const std::string& path, const std::deque<Label>& labels);
std::string label_json(const Label& l, int id);

}  // namespace ww::sim
