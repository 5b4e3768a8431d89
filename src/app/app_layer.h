// app: the application layer of one worker.
//
// Receives in-order TCP bytes from stream reassembly (StreamSink) and UDP payloads, picks a
// parser by probing the first bytes (the port is a hint, not the truth), feeds it, and hands
// its transactions to detection and EVE. Parsers plug in through app/registry.cpp.
// This stage is a pass-through until the protocol parsers land (issues 5 and 6): it counts what
// it receives so the stream path can be tested end to end.
#pragma once

#include "core/packet.h"
#include "core/stats.h"
#include "flow/flow.h"
#include "stream/stream.h"

namespace ww::app {

class AppLayer final : public stream::StreamSink {
 public:
  explicit AppLayer(StatsBlock& stats);

  void on_data(flow::Flow& f, Direction d, Bytes data, uint64_t offset) noexcept override;
  void on_gap(flow::Flow& f, Direction d, uint64_t len) noexcept override;
  void on_close(flow::Flow& f, Direction d) noexcept override;
  // A UDP (or other datagram) payload of flow f.
  void on_datagram(flow::Flow& f, Direction d, const Packet& p) noexcept;
  // Flow end: release per-flow app state.
  void release(flow::Flow& f) noexcept;

 private:
  Counter& stream_bytes_;
  Counter& stream_chunks_;
  Counter& gaps_;
  Counter& gap_bytes_;
  Counter& closes_;
  Counter& datagrams_;
};

}  // namespace ww::app
