// Test helper for app-layer and parser tests: one hand-built flow with its own arena, fed
// through a real AppLayer whose EVE lines land in memory, and whose transactions are handed to
// a callback (the parser's own struct, valid only during the call).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/app_layer.h"
#include "core/byte_reader.h"
#include "core/config.h"
#include "flow/arena.h"
#include "flow/flow.h"
#include "output/eve.h"

namespace ww::app::test {

class MemorySink final : public output::Sink {
 public:
  explicit MemorySink(std::string* out) : out_(out) {}
  void write(std::string_view lines) noexcept override { out_->append(lines); }

 private:
  std::string* out_;
};

struct Harness : TxObserver {
  using OnTx = std::function<void(const ParserSpec&, const void*, uint64_t, Direction)>;

  StatsBlock stats;
  flow::ArenaBudget budget{stats, 64u << 20};
  flow::Arena arena{&budget, 256u << 10};
  std::string eve_text;
  std::unique_ptr<output::EveOutput> out;
  std::unique_ptr<output::EveWriter> eve;
  std::unique_ptr<AppLayer> app;
  flow::Flow f;
  OnTx on_tx;
  OnTx on_inspect_tx;  // ParseContext::on_inspect (not a report: on_tx does not see it)
  std::function<bool()> log_tx;  // TxObserver::log_transaction (default: logged)

  explicit Harness(uint8_t proto = ipproto::kTcp, uint16_t sp = 40000, uint16_t dp = 80) {
    EveOutputConfig cfg;
    out = std::make_unique<output::EveOutput>(cfg);
    out->add_sink(std::make_unique<MemorySink>(&eve_text));
    eve = std::make_unique<output::EveWriter>(out.get());
    app = std::make_unique<AppLayer>(stats, eve.get());
    app->set_tx_observer(this);
    f.flow_id = 1;
    f.src = IpAddr::v4(0x0a000001);
    f.dst = IpAddr::v4(0x0a000002);
    f.sp = sp;
    f.dp = dp;
    f.proto = proto;
    f.arena = &arena;
  }
  ~Harness() override { end(); }

  void on_transaction(flow::Flow&, const ParserSpec& spec, const void* tx, uint64_t id,
                      Direction d) noexcept override {
    if (on_tx) on_tx(spec, tx, id, d);
  }
  void on_inspect(flow::Flow&, const ParserSpec& spec, const void* tx, uint64_t id,
                  Direction d) noexcept override {
    if (on_inspect_tx) on_inspect_tx(spec, tx, id, d);
  }
  bool log_transaction(flow::Flow&) noexcept override { return !log_tx || log_tx(); }
  static Bytes b(std::string_view s) {
    return Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  void data(Direction d, Bytes bytes) { app->on_data(f, d, bytes, 0); }
  void data(Direction d, std::string_view s) { data(d, b(s)); }
  // Feeds in pieces of `step` bytes.
  void data_split(Direction d, Bytes bytes, size_t step) {
    for (size_t i = 0; i < bytes.size(); i += step)
      data(d, bytes.subspan(i, std::min(step, bytes.size() - i)));
  }
  void datagram(Direction d, Bytes bytes) { app->on_datagram(f, d, bytes); }
  // Replays a fuzz input of records [flags u8][len u16be][payload] on this (TCP) flow:
  // flags bit 0: direction (1 = to client); bit 1: a gap of `len` bytes instead of data;
  // bit 3: feed the payload one byte at a time. The flow ends after the last record.
  void feed_records(const uint8_t* input, size_t size) {
    ByteReader r(input, size);
    while (r.remaining() >= 3) {
      uint8_t flags = r.u8();
      uint16_t len = r.u16be();
      Direction d = (flags & 1) ? Direction::ToClient : Direction::ToServer;
      if (flags & 2) {
        app->on_gap(f, d, len);
        continue;
      }
      Bytes b = r.bytes(std::min<size_t>(len, r.remaining()));
      if (flags & 8)
        data_split(d, b, 1);
      else
        data(d, b);
    }
    end();
  }
  // Flow end: closes both directions, releases app state, flushes EVE.
  void end() {
    if (ended) return;
    ended = true;
    if (f.proto == ipproto::kTcp) {
      app->on_close(f, Direction::ToServer);
      app->on_close(f, Direction::ToClient);
    }
    app->release(f);
    eve->flush();
  }
  std::vector<std::string> eve_lines() {
    eve->flush();
    std::vector<std::string> v;
    size_t p = 0;
    while (p < eve_text.size()) {
      size_t e = eve_text.find('\n', p);
      if (e == std::string::npos) break;
      v.push_back(eve_text.substr(p, e - p));
      p = e + 1;
    }
    return v;
  }
  const std::string& eve_all() {
    eve->flush();
    return eve_text;
  }
  uint64_t counter(std::string_view name) const { return stats.value(name); }
  bool ended = false;
};

}  // namespace ww::app::test
