// files/filestore: content-addressed storage of extracted files (Suricata's filestore v2
// layout): <dir>/<first two hex digits>/<sha256>, plus a JSON sidecar per stored copy,
// <sha256>.<unix seconds>.<flow_id>.json, holding what the fileinfo event says.
//
// While a file streams, its worker appends its bytes to a temporary file (<dir>/tmp/); at close
// the file is kept (renamed to its SHA-256 name; a file already stored is not written twice)
// or removed. Kept are the files of filestore rules (the `filestore` keyword) or every file
// (files.filestore.all). Limits: max_file_bytes per file (a bigger file is not stored:
// files.filestore.too_big) and max_total_bytes for the whole store: when a new file takes the
// store over it, the oldest files (by time stored; files found at start by modification time)
// and their sidecars are removed (files.filestore.evicted). The index behind the retention is
// shared by the workers under a mutex taken once per kept file, never per packet.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"

namespace ww::files {

struct FilestoreConfig {
  bool enabled = false;
  std::string dir;                         // default: <log dir>/filestore
  bool all = false;                        // store every file, not only filestore rules'
  uint64_t max_file_bytes = 64ull << 20;   // bigger files are not stored
  uint64_t max_total_bytes = 1ull << 30;   // retention: oldest removed beyond this
};

class FileStore {
 public:
  static Result<std::shared_ptr<FileStore>> open(const FilestoreConfig& cfg);
  const FilestoreConfig& config() const noexcept { return cfg_; }

  // A new temporary file for a worker; returns its fd (-1 on error) and writes its path.
  int create_tmp(char (&path)[256]) noexcept;
  // Keeps a closed temporary file under its SHA-256 and writes the sidecar. Returns false on
  // an I/O error (the temporary file is removed either way). `evicted` counts removed files.
  bool commit(const char* tmp, const uint8_t (&sha256)[32], uint64_t size,
              const std::string& sidecar_name, const std::string& sidecar_json,
              uint64_t& evicted) noexcept;
  void discard(const char* tmp) noexcept;
  uint64_t total_bytes() const noexcept;

 private:
  FileStore() = default;
  void evict_locked(uint64_t& evicted) noexcept;
  FilestoreConfig cfg_;
  mutable std::mutex mu_;
  struct Entry {
    std::string sha;  // hex
    uint64_t size;
  };
  std::deque<Entry> order_;  // oldest first
  uint64_t total_ = 0;
  uint64_t tmp_seq_ = 0;
};

}  // namespace ww::files
