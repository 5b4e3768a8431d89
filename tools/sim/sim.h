// wardwatch-sim core types: simulated time, the deterministic RNG, hosts, packet buffers,
// five-tuples and labels. Everything the simulator writes comes from one Rng seeded by --seed
// and one simulated clock, so a seed and a command line give byte-identical output.
// Limits: IPv4 only; one Ethernet segment view (a SPAN of the core switch).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ww::sim {

using Ts = int64_t;  // microseconds since the Unix epoch (simulated)
constexpr Ts kUs = 1;
constexpr Ts kMs = 1000;
constexpr Ts kSec = 1000000;
constexpr Ts kMin = 60 * kSec;

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;

// xoshiro256** seeded through splitmix64: fast, good enough, and fully specified so the output
// does not depend on the standard library's distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed = 1) { reseed(seed); }
  void reseed(uint64_t seed) {
    uint64_t z = seed;
    for (auto& w : s_) w = splitmix(z);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  uint32_t u32() { return static_cast<uint32_t>(next() >> 32); }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  // Inclusive range.
  int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(below(hi - lo + 1)); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return uniform() < p; }
  double exp(double mean) { return -mean * std::log(1.0 - uniform()); }
  // A duration around `mean` with +-jitter fraction.
  Ts jitter(Ts mean, double frac) {
    return mean + static_cast<Ts>((uniform() * 2 - 1) * frac * static_cast<double>(mean));
  }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
  template <class T, size_t N>
  const T& pick(const std::array<T, N>& v) {
    return v[below(N)];
  }
  void fill(uint8_t* p, size_t n) {
    while (n >= 8) {
      uint64_t x = next();
      std::memcpy(p, &x, 8);
      p += 8;
      n -= 8;
    }
    if (n) {
      uint64_t x = next();
      std::memcpy(p, &x, n);
    }
  }
  std::string hex(size_t nbytes) {
    static const char* d = "0123456789abcdef";
    std::string s;
    s.reserve(nbytes * 2);
    for (size_t i = 0; i < nbytes; ++i) {
      uint8_t b = static_cast<uint8_t>(next());
      s.push_back(d[b >> 4]);
      s.push_back(d[b & 15]);
    }
    return s;
  }
  std::string digits(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + below(10)));
    return s;
  }
  std::string alnum(size_t n, bool lower_only = false) {
    static const char* a = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back(a[below(lower_only ? 36 : 62)]);
    return s;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix(uint64_t& z) {
    uint64_t r = (z += 0x9e3779b97f4a7c15ULL);
    r = (r ^ (r >> 30)) * 0xbf58476d1ce4e5b9ULL;
    r = (r ^ (r >> 27)) * 0x94d049bb133111ebULL;
    return r ^ (r >> 31);
  }
  uint64_t s_[4];
};

enum class HostKind { kInternal, kInternet };

struct Host {
  int id = 0;
  std::string name;    // short hostname (DHCP option 12, NetBIOS name)
  std::string fqdn;    // DNS name
  std::string role;    // workstation, modality, pacs, hl7_engine, pump, ...
  std::string zone;    // zone name from the config
  std::string vendor;  // vendor of the NIC / device
  std::string model;   // device model string (DICOM Manufacturer model, user agent ...)
  std::string os;      // windows, linux, embedded, ios, android, macos
  std::string ae_title;  // DICOM AE title for modalities and PACS
  HostKind kind = HostKind::kInternal;
  uint32_t ip = 0;       // host byte order
  uint32_t netmask = 0;  // host byte order
  uint32_t gateway = 0;
  Mac mac{};
  bool dhcp = false;
  uint8_t ttl = 64;
  uint16_t next_port = 0;  // ephemeral port allocator
  uint16_t ip_id = 0;

  uint16_t ephemeral_port() {
    if (next_port < 49152) next_port = 49152;
    uint16_t p = next_port;
    next_port = next_port >= 65500 ? 49152 : static_cast<uint16_t>(next_port + 1);
    return p;
  }
};

enum class Proto : uint8_t { kTcp = 6, kUdp = 17, kIcmp = 1 };

struct FiveTuple {
  Proto proto = Proto::kTcp;
  uint32_t src = 0;
  uint16_t sport = 0;
  uint32_t dst = 0;
  uint16_t dport = 0;
  bool operator==(const FiveTuple&) const = default;
};

std::string ip_str(uint32_t ip);
std::string mac_str(const Mac& m);
std::string iso_time(Ts t);  // 2024-03-04T08:00:00.000000Z

// One generated conversation (or a burst of them): its packets, in time order, in one
// contiguous buffer. Sessions are pooled and reused, so steady state allocates nothing per
// packet.
struct PacketRec {
  Ts ts;
  uint32_t off;
  uint32_t len;
};

class Session {
 public:
  Ts now = 0;  // the session's clock; only moves forward
  uint64_t order = 0;

  // Reserves `len` zeroed bytes for a packet stamped `ts` (clamped to stay monotonic).
  uint8_t* append(Ts ts, size_t len) {
    if (ts < last_ts_) ts = last_ts_;
    last_ts_ = ts;
    size_t off = data_.size();
    data_.resize(off + len);
    pkts_.push_back(PacketRec{ts, static_cast<uint32_t>(off), static_cast<uint32_t>(len)});
    return data_.data() + off;
  }
  void clear() {
    data_.clear();
    pkts_.clear();
    next_ = 0;
    last_ts_ = 0;
    now = 0;
  }
  bool done() const { return next_ >= pkts_.size(); }
  Ts next_ts() const { return pkts_[next_].ts; }
  const PacketRec& peek() const { return pkts_[next_]; }
  void pop() { ++next_; }
  const uint8_t* bytes(const PacketRec& r) const { return data_.data() + r.off; }
  size_t size() const { return pkts_.size(); }
  const std::vector<PacketRec>& packets() const { return pkts_; }
  Ts last_ts() const { return last_ts_; }

 private:
  std::vector<uint8_t> data_;
  std::vector<PacketRec> pkts_;
  size_t next_ = 0;
  Ts last_ts_ = 0;
};

struct Label {
  std::string scenario;
  std::string technique;
  std::string mitre;   // ATT&CK technique id, e.g. T1486
  std::string tactic;  // ATT&CK tactic, e.g. impact
  Ts start = 0;
  Ts end = 0;
  std::vector<std::string> hosts;  // attacker first, then victims
  std::vector<FiveTuple> flows;
  std::string expected;  // what a detector should say
  void add_flow(const FiveTuple& t) {
    for (const auto& f : flows)
      if (f == t) return;
    flows.push_back(t);
  }
  void add_host(const Host& h) {
    std::string s = ip_str(h.ip);
    for (const auto& x : hosts)
      if (x == s) return;
    hosts.push_back(s);
  }
};

}  // namespace ww::sim
