#include "files/filestore.h"
#include "core/hex.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

namespace ww::files {

namespace fs = std::filesystem;

namespace {

std::string hex32(const uint8_t (&d)[32]) {
  std::string s(64, '0');
  hex::bytes(d, 32, s.data());
  return s;
}

bool is_sha_name(const std::string& n) {
  return n.size() == 64 && std::all_of(n.begin(), n.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

Result<std::shared_ptr<FileStore>> FileStore::open(const FilestoreConfig& cfg) {
  auto s = std::shared_ptr<FileStore>(new FileStore);
  s->cfg_ = cfg;
  std::error_code ec;
  fs::create_directories(fs::path(cfg.dir) / "tmp", ec);
  if (ec) return fail(Diagnostic{"cannot create the filestore: " + ec.message(), cfg.dir});
  // Files left from earlier runs count towards the retention, oldest first.
  struct Old {
    fs::file_time_type t;
    std::string sha;
    uint64_t size;
  };
  std::vector<Old> old;
  for (auto it = fs::recursive_directory_iterator(cfg.dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string n = it->path().filename().string();
    if (!is_sha_name(n) || it->path().parent_path().filename() != n.substr(0, 2)) continue;
    old.push_back({it->last_write_time(ec), n, uint64_t(it->file_size(ec))});
  }
  std::sort(old.begin(), old.end(), [](const Old& a, const Old& b) { return a.t < b.t; });
  for (auto& o : old) {
    s->order_.push_back({o.sha, o.size});
    s->total_ += o.size;
  }
  // Temporary files of an earlier run that stopped abruptly.
  for (auto& e : fs::directory_iterator(fs::path(cfg.dir) / "tmp", ec)) fs::remove(e.path(), ec);
  return s;
}

int FileStore::create_tmp(char (&path)[256]) noexcept {
  uint64_t n;
  {
    std::lock_guard lk(mu_);
    n = ++tmp_seq_;
  }
  std::snprintf(path, sizeof path, "%s/tmp/file.%d.%llu", cfg_.dir.c_str(), int(::getpid()),
                static_cast<unsigned long long>(n));
  return ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

void FileStore::discard(const char* tmp) noexcept { ::unlink(tmp); }

uint64_t FileStore::total_bytes() const noexcept {
  std::lock_guard lk(mu_);
  return total_;
}

bool FileStore::commit(const char* tmp, const uint8_t (&sha256)[32], uint64_t size,
                       const std::string& sidecar_name, const std::string& sidecar_json,
                       uint64_t& evicted) noexcept {
  try {
    std::string sha = hex32(sha256);
    fs::path dir = fs::path(cfg_.dir) / sha.substr(0, 2);
    std::error_code ec;
    fs::create_directories(dir, ec);
    fs::path dst = dir / sha;
    std::lock_guard lk(mu_);
    bool fresh = !fs::exists(dst, ec);
    if (fresh) {
      if (::rename(tmp, dst.c_str()) != 0) {
        ::unlink(tmp);
        return false;
      }
      order_.push_back({sha, size});
      total_ += size;
    } else {
      ::unlink(tmp);  // the same content is already stored
    }
    // Same file twice in one flow and second: the later sidecar gets a counter (".1.json" ...).
    fs::path side = dir / sidecar_name;
    for (int k = 1; fs::exists(side, ec) && k < 1000; ++k) {
      std::string n = sidecar_name;
      n.insert(n.size() - 5, "." + std::to_string(k));
      side = dir / n;
    }
    if (FILE* f = std::fopen(side.c_str(), "w")) {
      std::fwrite(sidecar_json.data(), 1, sidecar_json.size(), f);
      std::fclose(f);
    }
    evict_locked(evicted);
    return true;
  } catch (...) {
    ::unlink(tmp);
    return false;
  }
}

void FileStore::evict_locked(uint64_t& evicted) noexcept {
  // Keeps the newest file even when it alone is over the limit.
  while (total_ > cfg_.max_total_bytes && order_.size() > 1) {
    Entry e = order_.front();
    order_.pop_front();
    total_ -= std::min(total_, e.size);
    std::error_code ec;
    fs::path dir = fs::path(cfg_.dir) / e.sha.substr(0, 2);
    fs::remove(dir / e.sha, ec);
    for (auto& x : fs::directory_iterator(dir, ec)) {
      std::string n = x.path().filename().string();
      if (n.size() > 64 && n.compare(0, 64, e.sha) == 0 && n[64] == '.') fs::remove(x.path(), ec);
    }
    ++evicted;
  }
}

}  // namespace ww::files
