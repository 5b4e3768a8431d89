// Test helper shared by the protocol tests and fuzz drivers: a ParseContext that renders each
// transaction to its EVE object (through the spec's log_tx) and its rule buffers, records
// anomalies and files, over a real flow arena.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/parser.h"
#include "core/stats.h"
#include "detect/buffers.h"
#include "detect/match.h"
#include "flow/arena.h"
#include "flow/flow.h"
#include "output/eve.h"

namespace ww::app::testing {

class FakeCtx final : public ParseContext {
 public:
  explicit FakeCtx(const ParserSpec& spec, size_t flow_cap = 256u << 10)
      : spec_(spec), budget_(stats_, 64u << 20), arena_(&budget_, flow_cap) {}

  flow::Flow& flow() noexcept override { return flow_; }
  flow::Arena& arena() noexcept override { return arena_; }
  void on_transaction(const void* tx, uint64_t tx_id, Direction d) noexcept override {
    output::EveWriter w(nullptr);
    spec_.log_tx(tx, w);
    txs.emplace_back(w.pending());
    tx_ids.push_back(tx_id);
    detect::InspectBuffers b;
    spec_.buffers(tx, d, b);
    std::map<std::string, std::string> m;
    for (const auto& bs : detect::buffer_specs())
      if (const Bytes* v = b.get(bs.id)) m[std::string(bs.name)] = std::string(as_sv(*v));
    bufs.push_back(std::move(m));
  }
  void on_anomaly(const char* event) noexcept override { anomalies.emplace_back(event); }
  uint32_t file_open(Direction d, std::string_view name, uint64_t tx_id) noexcept override {
    files.push_back({std::string(name), {}, false, FileEnd::Complete, tx_id});
    return uint32_t(files.size());
  }
  void file_data(uint32_t id, Bytes data) noexcept override {
    files[id - 1].data.append(as_sv(data));
  }
  void file_close(uint32_t id, FileEnd end) noexcept override {
    files[id - 1].closed = true;
    files[id - 1].end = end;
  }

  // Feeds `data` in chunks of `step` bytes (0: whole) and finishes both directions if asked.
  Parser* parser() {
    if (!parser_) parser_ = spec_.create(*this);
    return parser_;
  }
  void feed(Direction d, Bytes data, size_t step = 0) {
    Parser* p = parser();
    if (step == 0) step = data.size() ? data.size() : 1;
    for (size_t off = 0; off < data.size(); off += step) {
      size_t n = std::min(step, data.size() - off);
      p->parse(d, data.subspan(off, n), *this);
    }
  }
  size_t count(const std::string& anomaly) const {
    size_t n = 0;
    for (auto& a : anomalies) n += a == anomaly;
    return n;
  }

  struct File {
    std::string name, data;
    bool closed;
    FileEnd end;
    uint64_t tx_id;
  };
  std::vector<std::string> txs;
  std::vector<uint64_t> tx_ids;
  std::vector<std::map<std::string, std::string>> bufs;
  std::vector<std::string> anomalies;
  std::vector<File> files;

 private:
  const ParserSpec& spec_;
  StatsBlock stats_;
  flow::ArenaBudget budget_;
  flow::Arena arena_;
  flow::Flow flow_;
  Parser* parser_ = nullptr;
};

// A ParseContext for parser unit tests that keeps copies of the protocol's own transaction
// structs (`Tx`), anomalies, and files (name, data, how they ended: -1 while open).
template <typename Tx>
class TxRecorder final : public ParseContext {
 public:
  TxRecorder() : budget_(stats_, 64u << 20), arena_(&budget_, 256u << 10) {}
  flow::Flow& flow() noexcept override { return flow_; }
  flow::Arena& arena() noexcept override { return arena_; }
  void on_transaction(const void* tx, uint64_t, Direction) noexcept override {
    txs.push_back(*static_cast<const Tx*>(tx));
  }
  void on_anomaly(const char* e) noexcept override { anomalies.emplace_back(e); }
  uint32_t file_open(Direction, std::string_view name, uint64_t) noexcept override {
    names.emplace_back(name);
    data.emplace_back();
    ends.push_back(-1);
    return uint32_t(names.size());
  }
  void file_data(uint32_t id, Bytes b) noexcept override {
    data[id - 1].append(reinterpret_cast<const char*>(b.data()), b.size());
  }
  void file_close(uint32_t id, FileEnd e) noexcept override { ends[id - 1] = int(e); }
  bool has(std::string_view a) const {
    for (auto& s : anomalies)
      if (s == a) return true;
    return false;
  }
  // ParseContext::on_inspect: `inspect` sees the Tx while its buffers are valid.
  void on_inspect(const void* tx, uint64_t, Direction d) noexcept override {
    if (inspect) inspect(*static_cast<const Tx*>(tx), d);
  }
  std::function<void(const Tx&, Direction)> inspect;
  std::vector<Tx> txs;
  std::vector<std::string> anomalies, names, data;
  std::vector<int> ends;

 private:
  StatsBlock stats_;
  flow::ArenaBudget budget_;
  flow::Arena arena_;
  flow::Flow flow_{};
};

inline Bytes bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace ww::app::testing
