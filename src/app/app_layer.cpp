#include "app/app_layer.h"

namespace ww::app {

AppLayer::AppLayer(StatsBlock& stats)
    : stream_bytes_(stats.counter("app_layer.stream_bytes")),
      stream_chunks_(stats.counter("app_layer.stream_chunks")),
      gaps_(stats.counter("app_layer.gaps")),
      gap_bytes_(stats.counter("app_layer.gap_bytes")),
      closes_(stats.counter("app_layer.stream_closes")),
      datagrams_(stats.counter("app_layer.datagrams")) {}

void AppLayer::on_data(flow::Flow& f, Direction d, Bytes data, uint64_t offset) noexcept {
  stream_bytes_.inc(data.size());
  stream_chunks_.inc();
}

void AppLayer::on_gap(flow::Flow& f, Direction d, uint64_t len) noexcept {
  gaps_.inc();
  gap_bytes_.inc(len);
}

void AppLayer::on_close(flow::Flow& f, Direction d) noexcept { closes_.inc(); }

void AppLayer::on_datagram(flow::Flow& f, Direction d, const Packet& p) noexcept {
  datagrams_.inc();
}

void AppLayer::release(flow::Flow& f) noexcept {}

}  // namespace ww::app
