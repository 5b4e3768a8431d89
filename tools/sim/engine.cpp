// Scheduler, merge and labels writer; see engine.h.
#include "engine.h"

#include <algorithm>
#include <cstdio>

namespace ww::sim {

Sim::Sim(Hospital& h, uint64_t seed, Ts start_, Ts end_, std::string scenario_)
    : rng(seed), net(h), start(start_), end(end_), scenario(std::move(scenario_)) {}

void Sim::at(Ts t, Fn fn) {
  if (t >= end || stopping_) return;
  events_.push_back(Event{t, order_++, std::move(fn)});
  std::push_heap(events_.begin(), events_.end(), EventLater{});
}

Session& Sim::open(Ts t) {
  Session* s;
  if (!free_.empty()) {
    s = free_.back();
    free_.pop_back();
  } else {
    pool_.push_back(std::make_unique<Session>());
    s = pool_.back().get();
  }
  s->clear();
  s->now = t;
  s->order = order_++;
  opened_.push_back(s);
  return *s;
}

Label& Sim::label(const std::string& technique, const std::string& mitre,
                  const std::string& tactic, const std::string& expected, Ts t) {
  Label& l = labels.emplace_back();
  l.scenario = scenario;
  l.technique = technique;
  l.mitre = mitre;
  l.tactic = tactic;
  l.expected = expected;
  l.start = t;
  l.end = t;
  return l;
}

bool Sim::dns_cached(const Host& client, const std::string& name, Ts now, Ts ttl) {
  uint64_t key = fnv1a(name) ^ (static_cast<uint64_t>(client.id) * 0x9e3779b97f4a7c15ULL);
  auto [it, inserted] = dns_cache_.try_emplace(key, now);
  if (!inserted && now - it->second < ttl) return true;
  it->second = now;
  return false;
}

void Sim::run(PcapWriter& w, uint64_t max_bytes) {
  constexpr Ts kNever = INT64_MAX;
  for (;;) {
    if (!stopping_ && max_bytes && w.bytes() >= max_bytes) {
      stopping_ = true;
      events_.clear();
    }
    Ts next_event = events_.empty() ? kNever : events_.front().t;
    Ts next_pkt = active_.empty() ? kNever : active_.front()->next_ts();
    if (next_event == kNever && next_pkt == kNever) break;
    if (next_event <= next_pkt) {
      std::pop_heap(events_.begin(), events_.end(), EventLater{});
      Event ev = std::move(events_.back());
      events_.pop_back();
      ev.fn(*this, ev.t);
      for (Session* s : opened_) {
        if (s->done()) {
          free_.push_back(s);
        } else {
          active_.push_back(s);
          std::push_heap(active_.begin(), active_.end(), SessionLater{});
        }
      }
      opened_.clear();
      continue;
    }
    // Write packets of the earliest session while it stays earliest.
    std::pop_heap(active_.begin(), active_.end(), SessionLater{});
    Session* s = active_.back();
    active_.pop_back();
    Ts limit = next_event;
    if (!active_.empty()) limit = std::min(limit, active_.front()->next_ts());
    do {
      const PacketRec& r = s->peek();
      w.write(r.ts, s->bytes(r), r.len);
      s->pop();
    } while (!s->done() && s->next_ts() < limit);
    if (s->done()) {
      free_.push_back(s);
    } else {
      active_.push_back(s);
      std::push_heap(active_.begin(), active_.end(), SessionLater{});
    }
  }
}

namespace {
std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          o += b;
        } else {
          o.push_back(c);
        }
    }
  }
  return o;
}
}  // namespace

std::string label_json(const Label& l, int id) {
  std::string o = "{\"id\":" + std::to_string(id) + ",\"scenario\":\"" + esc(l.scenario) +
                  "\",\"technique\":\"" + esc(l.technique) + "\",\"mitre_id\":\"" + esc(l.mitre) +
                  "\",\"tactic\":\"" + esc(l.tactic) + "\",\"start\":\"" + iso_time(l.start) +
                  "\",\"end\":\"" + iso_time(l.end) + "\",\"start_us\":" + std::to_string(l.start) +
                  ",\"end_us\":" + std::to_string(l.end) + ",\"hosts\":[";
  for (size_t i = 0; i < l.hosts.size(); ++i) o += (i ? ",\"" : "\"") + l.hosts[i] + "\"";
  o += "],\"flows\":[";
  for (size_t i = 0; i < l.flows.size(); ++i) {
    const auto& f = l.flows[i];
    o += i ? "," : "";
    o += "{\"proto\":\"";
    o += f.proto == Proto::kTcp ? "tcp" : f.proto == Proto::kUdp ? "udp" : "icmp";
    o += "\",\"src_ip\":\"" + ip_str(f.src) + "\",\"src_port\":" + std::to_string(f.sport) +
         ",\"dest_ip\":\"" + ip_str(f.dst) + "\",\"dest_port\":" + std::to_string(f.dport) + "}";
  }
  o += "],\"expected\":\"" + esc(l.expected) + "\"}";
  return o;
}

bool write_labels(const std::string& path, const std::deque<Label>& labels) {
  std::vector<const Label*> v;
  for (const auto& l : labels) v.push_back(&l);
  std::stable_sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->start < b->start; });
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  int id = 1;
  for (const Label* l : v) {
    std::string line = label_json(*l, id++);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), f);
  }
  return std::fclose(f) == 0;
}

}  // namespace ww::sim
