#include "capture/pipeline.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "capture/ring.h"
#include "capture/worker.h"
#include "flow/flow.h"

namespace ww::capture {

std::atomic<bool> Signals::stop{false};
std::atomic<bool> Signals::reopen{false};

namespace {

extern "C" void on_stop_signal(int) { Signals::stop.store(true, std::memory_order_relaxed); }
extern "C" void on_hup_signal(int) { Signals::reopen.store(true, std::memory_order_relaxed); }

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Waits without burning a core: a few pause-spins, then yields, then short sleeps.
class Backoff {
 public:
  void wait() noexcept {
    if (n_ < 16) {
      __builtin_ia32_pause();
    } else if (n_ < 64) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    ++n_;
  }
  void reset() noexcept { n_ = 0; }

 private:
  int n_ = 0;
};

// Writes one nested stats event from dotted counter names.
void write_stats_event(output::EveWriter& w, const std::map<std::string, uint64_t>& snap,
                       uint64_t uptime) {
  auto& j = w.begin(Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count()},
                    "stats");
  j.Key("stats");
  j.StartObject();
  w.kv("uptime", uptime);
  // snap is sorted, so names sharing a prefix are adjacent: keep a stack of open objects.
  std::vector<std::string> open;
  for (const auto& [name, value] : snap) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t dot; (dot = name.find('.', start)) != std::string::npos; start = dot + 1)
      parts.push_back(name.substr(start, dot - start));
    std::string leaf = name.substr(start);
    size_t common = 0;
    while (common < open.size() && common < parts.size() && open[common] == parts[common]) ++common;
    while (open.size() > common) {
      j.EndObject();
      open.pop_back();
    }
    for (size_t i = common; i < parts.size(); ++i) {
      j.Key(parts[i].c_str());
      j.StartObject();
      open.push_back(parts[i]);
    }
    w.kv(leaf.c_str(), value);
  }
  while (!open.empty()) {
    j.EndObject();
    open.pop_back();
  }
  j.EndObject();
  w.end();
}

}  // namespace

void Signals::install() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sa.sa_handler = on_hup_signal;
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

// Memcaps in the configuration are for the whole process, as in Suricata: each of n workers
// gets 1/n of the flow, stream and arena caps (and of defrag's when each worker defragments).
Config share_memcaps(const Config& cfg, int n, bool defrag_per_worker) {
  Config c = cfg;
  const size_t k = static_cast<size_t>(n);
  c.flow.memcap = std::max<size_t>(cfg.flow.memcap / k, 1u << 20);
  c.flow.arena_memcap = std::max<size_t>(cfg.flow.arena_memcap / k, 1u << 20);
  c.stream.memcap = std::max<size_t>(cfg.stream.memcap / k, 1u << 20);
  c.stream.retain_memcap = std::min(c.stream.retain_memcap, c.stream.memcap);
  if (defrag_per_worker) c.defrag.memcap = std::max<size_t>(cfg.defrag.memcap / k, 1u << 20);
  return c;
}

int default_workers() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

// Periodic stats events and SIGHUP handling, on its own thread.
class Engine::StatsThread {
 public:
  StatsThread(Engine& e) : e_(e), w_(e.eve_.get()), t0_(Clock::now()) {
    th_ = std::thread([this] { loop(); });
  }
  ~StatsThread() { stop(); }
  void stop() {
    {
      std::lock_guard lk(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (th_.joinable()) th_.join();
  }
  // Final stats at exit (after workers stopped).
  void final_event() { emit(); }
  std::function<void()> before_emit;  // e.g. read kernel counters

 private:
  void emit() {
    if (!w_.enabled("stats")) return;
    write_stats_event(w_, e_.stats_.snapshot(), static_cast<uint64_t>(seconds_since(t0_)));
    w_.flush();
  }
  void loop() {
    auto next = Clock::now() + std::chrono::seconds(e_.cfg_.stats_interval_sec);
    std::unique_lock lk(mu_);
    while (!done_) {
      cv_.wait_for(lk, std::chrono::milliseconds(100));
      if (done_) break;
      if (Signals::reopen.exchange(false)) {
        spdlog::info("SIGHUP: reopening log files");
        e_.eve_->reopen();
        if (e_.reload_.request()) spdlog::info("SIGHUP: reloading rules in the background");
      }
      if (e_.cfg_.stats_interval_sec > 0 && Clock::now() >= next) {
        next += std::chrono::seconds(e_.cfg_.stats_interval_sec);
        lk.unlock();
        emit();
        lk.lock();
      }
    }
  }
  Engine& e_;
  output::EveWriter w_;
  Clock::time_point t0_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread th_;
};

Engine::Engine(Config cfg, std::string log_dir)
    : cfg_(std::move(cfg)),
      log_dir_(std::move(log_dir)),
      out_stats_(stats_.add_block("output")),
      reload_(stats_.add_block("reload")) {}

Engine::~Engine() = default;

std::string Engine::eve_path() const { return log_dir_ + "/" + cfg_.eve.filename; }

Result<void> Engine::open_outputs() {
  eve_ = std::make_unique<output::EveOutput>(cfg_.eve);
  if (!cfg_.eve.enabled) return {};
  auto fs = output::FileSink::open(eve_path(), cfg_.eve, out_stats_);
  if (!fs) return fail(fs.error());
  eve_->add_sink(std::move(*fs));
  if (!cfg_.eve.unix_socket.empty())
    eve_->add_sink(std::make_unique<output::UnixSocketSink>(cfg_.eve.unix_socket, out_stats_));
  return {};
}

namespace {

// kPacket carries a copy of the bytes after the header; kPacketRef points at bytes that stay
// valid for the whole run (a memory-mapped capture file), so nothing is copied.
enum EntryKind : uint32_t { kPacket = 1, kTick = 2, kEnd = 3, kPacketRef = 4 };

struct PacketEntry {
  SpscRing::EntryHeader h;
  Packet pkt;
  // frame bytes follow, 64-byte aligned
};
constexpr size_t kDataOff = SpscRing::round_up(sizeof(PacketEntry));

struct WorkerSlot {
  WorkerSlot(int id, StatsRegistry& reg, const Config& cfg, output::EveOutput* eve)
      : stats(reg.add_block("worker" + std::to_string(id))),
        ring(cfg.ring_bytes),
        worker(id, stats, cfg, eve) {}
  StatsBlock& stats;
  SpscRing ring;
  Worker worker;
  std::thread th;
  uint64_t ring_full_waits = 0;
};

void worker_loop(WorkerSlot& s) {
  Backoff backoff;
  for (;;) {
    const SpscRing::EntryHeader* h = s.ring.peek();
    if (!h) {
      s.ring.release();
      backoff.wait();
      continue;
    }
    backoff.reset();
    if (h->kind == kPacket) {
      auto* e = reinterpret_cast<const PacketEntry*>(h);
      Packet p = e->pkt;
      p.data = reinterpret_cast<const uint8_t*>(h) + kDataOff;
      p.stable_data = false;  // the ring slot is reused
      s.worker.process(p);
    } else if (h->kind == kPacketRef) {
      s.worker.process(reinterpret_cast<const PacketEntry*>(h)->pkt);
    } else if (h->kind == kTick) {
      s.worker.tick(reinterpret_cast<const PacketEntry*>(h)->pkt.ts);
    } else if (h->kind == kEnd) {
      s.ring.pop(h);
      s.ring.release();
      break;
    }
    s.ring.pop(h);
  }
  s.worker.finish();
}

// Pushes one entry to a worker's ring, waiting while it is full (offline: never drop).
uint8_t* reserve_blocking(WorkerSlot& s, size_t n, Counter& waits) {
  uint8_t* p = s.ring.reserve(n);
  if (p) return p;
  s.ring.publish();
  waits.inc();
  Backoff backoff;
  while (!(p = s.ring.reserve(n))) backoff.wait();
  return p;
}

void push_control(WorkerSlot& s, uint32_t kind, Timestamp ts, Counter& waits) {
  auto* e = reinterpret_cast<PacketEntry*>(reserve_blocking(s, sizeof(PacketEntry), waits));
  e->h.kind = kind;
  e->pkt.ts = ts;
  s.ring.commit();
}

}  // namespace

// Where reading a capture is counted: only one reader counts (with several readers of the same
// file, the others pass nullptr counters and no summary).
struct ReadAccounting {
  Counter* pkts = nullptr;
  Counter* bytes = nullptr;
  Counter* files = nullptr;
  Counter* trunc = nullptr;
  RunSummary* sum = nullptr;
  Counter* filtered = nullptr;  // records a BPF filter skipped
};

namespace {

// Reads every source in order, calling on_packet(Packet&, PcapFileSource&) for each record and
// on_tick(ts) once per second of capture time. Stops early on SIGINT/SIGTERM.
template <typename OnPacket, typename OnTick>
Result<void> read_sources(std::vector<std::unique_ptr<PcapFileSource>>& sources,
                          ReadAccounting& acct, uint64_t& count, Timestamp& last_ts,
                          OnPacket&& on_packet, OnTick&& on_tick) {
  Timestamp last_tick{};
  for (auto& src : sources) {
    if (acct.files) acct.files->inc();
    Packet p;
    for (;;) {
      if (Signals::stop.load(std::memory_order_relaxed)) {
        if (acct.sum) acct.sum->interrupted = true;
        return {};
      }
      ReadStatus st = src->next(p);
      if (st != ReadStatus::Packet) {
        if (acct.filtered) acct.filtered->inc(src->filtered());
        if (st == ReadStatus::Error)
          return fail(Diagnostic{"read error: " + src->error(), src->path()});
        if (src->truncated() && acct.sum) {
          acct.trunc->inc();
          ++acct.sum->truncated_files;
          acct.sum->warnings.push_back(src->path() +
                                       ": truncated or corrupt capture, processed up to the cut (" +
                                       src->error() + ")");
        }
        break;
      }
      p.pcap_cnt = ++count;
      if (last_ts < p.ts) last_ts = p.ts;
      if (acct.pkts) {
        acct.pkts->inc();
        acct.bytes->inc(p.wirelen);
        acct.sum->bytes += p.wirelen;
      }
      on_packet(p, *src);
      if (p.ts.usec - last_tick.usec >= 1000000 || p.ts.usec < last_tick.usec) {
        last_tick = p.ts;
        on_tick(p.ts);
      }
    }
  }
  return {};
}

Result<std::vector<std::unique_ptr<PcapFileSource>>> open_sources(
    const std::vector<std::string>& files, const std::string& bpf) {
  std::vector<std::unique_ptr<PcapFileSource>> sources;
  for (size_t i = 0; i < files.size(); ++i) {
    auto s = PcapFileSource::open(files[i], static_cast<uint16_t>(i));
    if (!s) return fail(s.error());
    if (auto r = (*s)->set_filter(bpf); !r) return fail(r.error());
    sources.push_back(std::move(*s));
  }
  return sources;
}

}  // namespace

Result<RunSummary> Engine::analyze(const std::vector<std::string>& files, int nworkers) {
  if (!eve_) return fail("outputs not opened");
  if (nworkers <= 0) nworkers = default_workers();
  // Open every file first so a bad argument fails before any output is produced.
  auto opened = open_sources(files, file_bpf_);
  if (!opened) return fail(opened.error());
  auto& sources = *opened;

  RunSummary sum;
  StatsBlock& fe_stats = stats_.add_block("dispatcher");
  ReadAccounting acct{&fe_stats.counter("capture.pcap.packets"),
                      &fe_stats.counter("capture.pcap.bytes"),
                      &fe_stats.counter("capture.pcap.files"),
                      &fe_stats.counter("capture.pcap.truncated"), &sum,
                      &fe_stats.counter("capture.pcap.filtered")};
  Counter& ring_waits = fe_stats.counter("capture.ring_full_waits");

  StatsThread stats_thread(*this);
  auto t0 = Clock::now();
  uint64_t count = 0;
  Timestamp last_ts{};
  constexpr size_t kReleaseStep = 8u << 20;  // drop mapped file pages every 8 MiB read

  Result<void> rr;
  if (nworkers == 1) {
    PacketFrontEnd front(fe_stats, cfg_);
    StatsBlock& ws = stats_.add_block("worker0");
    Worker w(0, ws, cfg_, eve_.get());
    w.set_detect(detect_);
    w.set_reload(&reload_);
    size_t next_release = kReleaseStep;
    // Ticks from every packet (IP or not) and the last packet's time at the end: the clock
    // several workers get too, so flows end the same way (timeout vs shutdown).
    rr = read_sources(
        sources, acct, count, last_ts,
        [&](Packet& p, PcapFileSource& src) {
          front.ingest(p, [&](Packet& q) { w.process(q); });
          if (src.stable_data() && src.offset() >= next_release) {
            next_release = src.offset() + kReleaseStep;
            src.release_before(src.offset());  // inline: everything before is done with
          }
        },
        [&](Timestamp ts) {
          front.tick(ts);
          w.tick(ts);
        });
    w.tick(last_ts);
    w.finish();
  } else {
    rr = analyze_dispatcher(sources, nworkers, acct, ring_waits, count, last_ts);
  }
  sum.seconds = seconds_since(t0);
  sum.packets = count;
  stats_thread.stop();
  stats_thread.final_event();
  eve_->flush();
  if (!rr) return fail(rr.error());
  return sum;
}

// Share of the flow-hash space the reader thread keeps for its own inline worker (see
// analyze_dispatcher). `reader-share` in the configuration fixes it; by default it balances the
// reader's two jobs: with read+decode costing r times a worker's per-packet work, the reader's
// load r + x matches each ring worker's (1 - x) / (n - 1) when x = (1 - r (n - 1)) / n.
// r is a cost model of the pipeline mode, from bench/e2e on the simulator's hospital capture
// (docs/performance.md): with no parsers reading dominates (best share 0.1 of 0, 0.1, 0.2, 0.28,
// 0.4: r ~0.8); with parsers r ~0.1; with ET Open ~0.03.
double reader_share(const Config& cfg, bool rules, int n) {
  if (cfg.reader_share >= 0) return cfg.reader_share;
  const double r = !cfg.app_layer_enabled ? 0.8 : rules ? 0.03 : 0.1;
  return std::clamp((1.0 - r * (n - 1)) / n, 0.0, 1.0 / n);
}

// N workers: the reader thread reads, decodes, defragments and hashes every packet. It keeps the
// flows of the first `share` of the hash space for an inline worker of its own (worker 0: no
// ring, no copy, like the single-worker mode) and hands the others through an SpscRing per
// worker, by reference when their bytes stay valid (memory-mapped files), else copied (pcapng
// through libpcap, whose buffer is reused). With one thread per core this needs no extra thread
// for dispatching: on 2 cores, 2 workers = 2 threads. With share 0 (many workers, or
// `reader-share: 0`) the reader only dispatches, to N ring workers.
// (Tried and dropped: every worker walking the mapped file itself and keeping its own packets.
// It spent the same CPU as the dispatcher: each worker then pays the cache misses of every
// packet's headers.)
Result<void> Engine::analyze_dispatcher(std::vector<std::unique_ptr<PcapFileSource>>& sources,
                                        int nworkers, ReadAccounting& acct, Counter& ring_waits,
                                        uint64_t& count, Timestamp& last_ts) {
  StatsBlock& fe_stats = stats_.add_block("dispatcher.decode");
  PacketFrontEnd front(fe_stats, cfg_);
  const Config wcfg = share_memcaps(cfg_, nworkers, false);
  const double share = reader_share(cfg_, detect_ != nullptr, nworkers);
  // Hash values below `inline_below` stay on the reader thread.
  const uint64_t inline_below = share > 0 ? uint64_t(share * 4294967296.0) : 0;
  std::unique_ptr<Worker> inline_worker;
  if (inline_below > 0) {
    inline_worker = std::make_unique<Worker>(0, stats_.add_block("worker0"), wcfg, eve_.get());
    inline_worker->set_detect(detect_);
    inline_worker->set_reload(&reload_);
  }
  std::vector<std::unique_ptr<WorkerSlot>> slots;
  for (int i = inline_worker ? 1 : 0; i < nworkers; ++i)
    slots.push_back(std::make_unique<WorkerSlot>(i, stats_, wcfg, eve_.get()));
  for (auto& s : slots) {
    s->worker.set_detect(detect_);
    s->worker.set_reload(&reload_);
  }
  for (auto& s : slots) s->th = std::thread(worker_loop, std::ref(*s));
  const uint64_t nring = slots.size();
  const uint64_t ring_span = (uint64_t(1) << 32) - inline_below;
  fe_stats.counter("capture.reader_share_pct").set(uint64_t(share * 100 + 0.5));
  // Packets travel by reference when their bytes stay valid: file pages can go once every
  // worker has consumed every entry written before them. Checkpoints record (file offset, each
  // ring's write position). The inline worker is always done with what was read.
  struct Checkpoint {
    size_t offset;
    std::vector<size_t> written;
  };
  std::deque<Checkpoint> checkpoints;
  const PcapFileSource* checkpoint_src = nullptr;
  auto release_pages = [&](PcapFileSource& src) {
    if (checkpoint_src != &src) checkpoints.clear();  // a new file
    checkpoint_src = &src;
    Checkpoint cp{src.offset(), {}};
    for (auto& s : slots) {
      s->ring.publish();
      cp.written.push_back(s->ring.written());
    }
    checkpoints.push_back(std::move(cp));
    while (!checkpoints.empty()) {
      const Checkpoint& oldest = checkpoints.front();
      bool done = true;
      for (size_t i = 0; i < slots.size() && done; ++i)
        done = slots[i]->ring.consumed() >= oldest.written[i];
      if (!done) break;
      src.release_before(oldest.offset);
      checkpoints.pop_front();
    }
  };
  constexpr size_t kReleaseStep = 8u << 20;
  size_t next_release = kReleaseStep;
  const PcapFileSource* current = nullptr;
  auto rr = read_sources(
      sources, acct, count, last_ts,
      [&](Packet& raw, PcapFileSource& src) {
        if (current != &src) {
          current = &src;
          next_release = kReleaseStep;
        }
        const bool stable = src.stable_data();
        front.ingest(raw, [&](Packet& p) {
          // By host pair, not 5-tuple: FTP data meets its control connection (flow.h).
          const uint64_t h = flow::host_pair_hash(p);
          if (h < inline_below) {
            inline_worker->process(p);
            return;
          }
          WorkerSlot& s = *slots[((h - inline_below) * nring) / ring_span];
          // Reassembled datagrams live in the defragmenter's buffer: always copied.
          bool by_ref = stable && !p.reassembled;
          size_t need = by_ref ? sizeof(PacketEntry) : kDataOff + p.caplen;
          auto* e = reinterpret_cast<PacketEntry*>(reserve_blocking(s, need, ring_waits));
          e->h.kind = by_ref ? kPacketRef : kPacket;
          e->pkt = p;
          if (!by_ref) std::memcpy(reinterpret_cast<uint8_t*>(e) + kDataOff, p.data, p.caplen);
          s.ring.commit();
        });
        if (stable && src.offset() >= next_release) {
          next_release = src.offset() + kReleaseStep;
          release_pages(src);
        }
      },
      [&](Timestamp ts) {
        front.tick(ts);
        for (auto& s : slots) {
          push_control(*s, kTick, ts, ring_waits);
          s->ring.publish();
        }
        if (inline_worker) inline_worker->tick(ts);
      });
  for (auto& s : slots) {
    // The last packet time goes to every worker first, so each ends its flows at the same
    // time as a single worker would (timeout vs shutdown).
    push_control(*s, kTick, last_ts, ring_waits);
    push_control(*s, kEnd, {}, ring_waits);
    s->ring.publish();
  }
  if (inline_worker) {
    inline_worker->tick(last_ts);
    inline_worker->finish();
  }
  for (auto& s : slots) s->th.join();
  return rr;
}

Result<RunSummary> Engine::run_live(const LiveOptions& base, int nworkers) {
  if (!eve_) return fail("outputs not opened");
  if (nworkers <= 0) nworkers = default_workers();
  struct LiveWorker {
    StatsBlock* stats;
    std::unique_ptr<LiveSource> src;
    std::unique_ptr<PacketFrontEnd> front;
    std::unique_ptr<Worker> worker;
    std::thread th;
    std::string error;
  };
  std::vector<std::unique_ptr<LiveWorker>> ws;
  const Config wcfg = share_memcaps(cfg_, nworkers, true);
  const int group = static_cast<int>(::getpid() & 0xffff);
  for (int i = 0; i < nworkers; ++i) {
    auto lw = std::make_unique<LiveWorker>();
    lw->stats = &stats_.add_block("worker" + std::to_string(i));
    LiveOptions opt = base;
    opt.fanout_group = nworkers > 1 ? group : -1;
    auto src = LiveSource::open(opt, *lw->stats);
    if (!src) return fail(src.error());
    lw->src = std::move(*src);
    lw->front = std::make_unique<PacketFrontEnd>(*lw->stats, wcfg);
    lw->worker = std::make_unique<Worker>(i, *lw->stats, wcfg, eve_.get(), base.iface);
    lw->worker->set_detect(detect_);
    lw->worker->set_reload(&reload_);
    ws.push_back(std::move(lw));
  }
  RunSummary sum;
  StatsThread stats_thread(*this);
  auto t0 = Clock::now();
  std::atomic<uint64_t> total{0}, total_bytes{0};
  for (auto& lw : ws) {
    lw->th = std::thread([&, w = lw.get()] {
      Packet p;
      uint64_t n = 0, bytes = 0;
      auto last_stats = Clock::now();
      while (!Signals::stop.load(std::memory_order_relaxed)) {
        ReadStatus st = w->src->next(p);
        if (st == ReadStatus::Packet) {
          p.pcap_cnt = ++n;
          bytes += p.wirelen;
          w->front->ingest(p, [&](Packet& q) { w->worker->process(q); });
        } else if (st == ReadStatus::Timeout) {
          // Idle link: advance packet time with the wall clock so flows still time out.
          auto now = std::chrono::system_clock::now().time_since_epoch();
          Timestamp ts{std::chrono::duration_cast<std::chrono::microseconds>(now).count()};
          w->front->tick(ts);
          w->worker->tick(ts);
          w->worker->flush_output();
        } else {
          if (st == ReadStatus::Error) w->error = w->src->error();
          break;
        }
        if (Clock::now() - last_stats > std::chrono::seconds(1)) {
          last_stats = Clock::now();
          w->src->update_stats();
          w->worker->flush_output();
        }
      }
      w->src->update_stats();
      w->worker->finish();
      total += n;
      total_bytes += bytes;
    });
  }
  for (auto& lw : ws) lw->th.join();
  sum.seconds = seconds_since(t0);
  sum.packets = total;
  sum.bytes = total_bytes;
  sum.interrupted = Signals::stop.load();
  stats_thread.stop();
  stats_thread.final_event();
  eve_->flush();
  for (auto& lw : ws)
    if (!lw->error.empty()) return fail(Diagnostic{"capture error: " + lw->error, base.iface});
  return sum;
}

}  // namespace ww::capture
