// FTP data channel parser (see data.h).
#include "app/ftp/data.h"

#include <algorithm>
#include <cstring>

#include "detect/match.h"
#include "flow/arena.h"
#include "output/eve.h"

namespace ww::app::ftp {

FtpDataParser::FtpDataParser(const Expectation* e) noexcept {
  if (!e) return;
  tx_.command.assign(e->command_view());
  tx_.filename.assign(e->name_view());
}

Parser* create_data(ParseContext& ctx) noexcept {
  return ctx.arena().make<FtpDataParser>(ctx.expectation());
}

ParseResult FtpDataParser::parse(Direction d, Bytes data, ParseContext& ctx) noexcept {
  if (dir_ < 0) {
    dir_ = int8_t(idx(d));
    tx_.dir = dir_;
    if (!tx_.filename.empty()) file_ = ctx.file_open(d, tx_.filename.view(), 0);
  }
  if (idx(d) != dir_) {
    tx_.other_bytes += data.size();
    return {ParseStatus::Ok, data.size(), 0};
  }
  if (tx_.file_data_len < kFileInspect && !data.empty()) {
    if (!insp_tried_) {
      insp_tried_ = true;
      insp_ = ctx.arena().alloc_array<uint8_t>(kFileInspect);
      tx_.file_data = insp_;
    }
    if (insp_) {
      size_t k = std::min<size_t>(data.size(), kFileInspect - tx_.file_data_len);
      std::memcpy(insp_ + tx_.file_data_len, data.data(), k);
      tx_.file_data_len += uint32_t(k);
    }
  }
  tx_.bytes += data.size();
  if (file_) ctx.file_data(file_, data);
  return {ParseStatus::Ok, data.size(), 0};
}

void FtpDataParser::gap(Direction d, uint64_t, ParseContext& ctx) noexcept {
  if (idx(d) != dir_) return;
  tx_.gap = true;
  if (file_) ctx.file_close(file_, FileEnd::Gap);
  file_ = 0;
}

void FtpDataParser::finish(Direction d, ParseContext& ctx) noexcept {
  if (reported_ || (dir_ >= 0 && idx(d) != dir_)) return;
  reported_ = true;
  if (file_) ctx.file_close(file_, FileEnd::Complete);
  file_ = 0;
  ctx.on_transaction(&tx_, 0, dir_ >= 0 ? Direction(dir_) : d);
}

// EVE `ftp_data`: Suricata's filename and command.
void log_data_tx(const void* p, output::EveWriter& w) noexcept {
  const DataTx& tx = *static_cast<const DataTx*>(p);
  auto& j = w.begin_raw();
  j.StartObject();
  if (!tx.filename.empty()) w.kv("filename", tx.filename.view());
  if (!tx.command.empty()) w.kv("command", tx.command.view());
  j.EndObject();
}

// Rule buffers: file.name (Suricata's ftp-data rules match the transfer's file name),
// file.data (the transfer's first kFileInspect bytes) and ftp_data.command (ftpdata_command).
void data_buffers(const void* p, Direction d, detect::InspectBuffers& out) noexcept {
  const DataTx& tx = *static_cast<const DataTx*>(p);
  // One transaction for the whole transfer, inspected in both directions (tx_both_dirs); the
  // file's bytes only in the direction they travelled.
  if (tx.file_data_len && (tx.dir < 0 || tx.dir == idx(d)))
    out.set(detect::BufferId::FileData, Bytes(tx.file_data, tx.file_data_len));
  std::string_view n = tx.filename.view();
  if (!n.empty())
    out.set(detect::BufferId::FileName, Bytes(reinterpret_cast<const uint8_t*>(n.data()), n.size()));
  std::string_view c = tx.command.view();  // ftpdata_command
  if (!c.empty())
    out.set(detect::BufferId::FtpDataCommand,
            Bytes(reinterpret_cast<const uint8_t*>(c.data()), c.size()));
}

// Never probed (probe is null): only an expectation picks this spec.
const ParserSpec kDataSpec = {Proto::FtpData, true,        false,       {0, 0, 0, 0},
                              nullptr,        create_data, "ftp_data", log_data_tx,
                              data_buffers,   true};

}  // namespace ww::app::ftp
