#include "output/eve.h"
#include "core/hex.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <openssl/sha.h>
#include <spdlog/spdlog.h>

namespace ww::output {
namespace {

int64_t wall_sec() { return static_cast<int64_t>(::time(nullptr)); }

// Writes all of `data` or returns false (EINTR retried).
bool write_all(int fd, const char* data, size_t len) noexcept {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------- FileSink

FileSink::FileSink(std::string path, const EveOutputConfig& cfg, StatsBlock& stats)
    : path_(std::move(path)),
      cfg_(cfg),
      written_(stats.counter("output.eve.written_bytes")),
      dropped_(stats.counter("output.eve.dropped_bytes")),
      rotations_(stats.counter("output.eve.rotations")) {}

Result<std::unique_ptr<FileSink>> FileSink::open(std::string path, const EveOutputConfig& cfg,
                                                 StatsBlock& stats) {
  std::unique_ptr<FileSink> s(new FileSink(std::move(path), cfg, stats));
  std::lock_guard lk(s->mu_);
  if (!s->open_locked())
    return fail(Diagnostic{std::string("cannot open for writing: ") + std::strerror(errno), s->path_});
  return s;
}

FileSink::~FileSink() {
  if (fd_ >= 0) ::close(fd_);
}

bool FileSink::open_locked() noexcept {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) return false;
  struct stat st {};
  size_ = ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  opened_at_ = wall_sec();
  return true;
}

void FileSink::rotate_locked() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  // eve.json.N-1 -> eve.json.N ... eve.json -> eve.json.1
  char from[4096], to[4096];
  std::snprintf(to, sizeof to, "%s.%d", path_.c_str(), cfg_.max_rotated_files);
  ::unlink(to);
  for (int i = cfg_.max_rotated_files - 1; i >= 1; --i) {
    std::snprintf(from, sizeof from, "%s.%d", path_.c_str(), i);
    std::snprintf(to, sizeof to, "%s.%d", path_.c_str(), i + 1);
    ::rename(from, to);
  }
  std::snprintf(to, sizeof to, "%s.1", path_.c_str());
  ::rename(path_.c_str(), to);
  rotations_.inc();
  open_locked();
}

void FileSink::write(std::string_view lines) noexcept {
  std::lock_guard lk(mu_);
  if (fd_ >= 0) {
    bool rotate = (cfg_.rotate_bytes && size_ + lines.size() > cfg_.rotate_bytes && size_ > 0) ||
                  (cfg_.rotate_interval_sec && wall_sec() - opened_at_ >= cfg_.rotate_interval_sec);
    if (rotate) rotate_locked();
  }
  if (fd_ < 0 && !open_locked()) {
    dropped_.inc(lines.size());
    return;
  }
  if (!write_all(fd_, lines.data(), lines.size())) {
    dropped_.inc(lines.size());
    if (!reported_error_) {
      reported_error_ = true;
      spdlog::error("{}: write failed: {} (further losses are counted in output.eve.dropped_bytes)",
                    path_, std::strerror(errno));
    }
    return;
  }
  size_ += lines.size();
  written_.inc(lines.size());
}

void FileSink::flush() noexcept {
  std::lock_guard lk(mu_);
  if (fd_ >= 0) ::fdatasync(fd_);
}

void FileSink::reopen() noexcept {
  std::lock_guard lk(mu_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  open_locked();
}

// ---------------------------------------------------------------------------- UnixSocketSink

UnixSocketSink::UnixSocketSink(std::string path, StatsBlock& stats)
    : path_(std::move(path)),
      written_(stats.counter("output.unix_socket.written_bytes")),
      dropped_(stats.counter("output.unix_socket.dropped_bytes")) {}

UnixSocketSink::~UnixSocketSink() {
  if (fd_ >= 0) ::close(fd_);
}

bool UnixSocketSink::connect_locked() noexcept {
  int64_t now = wall_sec();
  if (now == last_attempt_) return false;  // at most one attempt per second
  last_attempt_ = now;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path_.size() >= sizeof sa.sun_path) {
    ::close(fd);
    return false;
  }
  std::memcpy(sa.sun_path, path_.c_str(), path_.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return false;
  }
  fd_ = fd;
  return true;
}

void UnixSocketSink::write(std::string_view lines) noexcept {
  std::lock_guard lk(mu_);
  if (fd_ < 0 && !connect_locked()) {
    dropped_.inc(lines.size());
    return;
  }
  const char* p = lines.data();
  size_t len = lines.size();
  while (len > 0) {
    ssize_t n = ::send(fd_, p, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd_);
      fd_ = -1;
      dropped_.inc(len);
      return;
    }
    p += n;
    len -= static_cast<size_t>(n);
  }
  written_.inc(lines.size());
}

// --------------------------------------------------------------------------------- EveWriter

EveWriter::Json& EveWriter::begin(Timestamp ts, std::string_view event_type) {
  json_.Reset();
  json_.StartObject();
  char tsbuf[40];
  size_t n = format_timestamp(ts, tsbuf);
  json_.Key("timestamp");
  json_.String(tsbuf, n);
  kv("event_type", event_type);
  return json_;
}

void EveWriter::end() {
  json_.EndObject();
  json_.put('\n');
  ++events_;
  if (json_.size() >= kChunk) flush();
}

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encode(const uint8_t* p, size_t n, char* out) noexcept {
  size_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = uint32_t(p[i]) << 16 | uint32_t(p[i + 1]) << 8 | p[i + 2];
    out[o++] = kB64[v >> 18];
    out[o++] = kB64[(v >> 12) & 63];
    out[o++] = kB64[(v >> 6) & 63];
    out[o++] = kB64[v & 63];
  }
  if (i < n) {
    uint32_t v = uint32_t(p[i]) << 16 | (i + 1 < n ? uint32_t(p[i + 1]) << 8 : 0);
    out[o++] = kB64[v >> 18];
    out[o++] = kB64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? kB64[(v >> 6) & 63] : '=';
    out[o++] = '=';
  }
  return o;
}
}  // namespace

void EveWriter::kv_base64(std::string_view k, Bytes v) {
  scratch_.resize((v.size() + 2) / 3 * 4);
  size_t n = base64_encode(v.data(), v.size(), scratch_.data());
  json_.Key(k);
  json_.String(scratch_.data(), n);
}

void EveWriter::kv_printable(std::string_view k, Bytes v) {
  scratch_.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    uint8_t c = v[i];
    scratch_[i] = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' ? char(c) : '.';
  }
  json_.Key(k);
  json_.String(scratch_.data(), v.size());
}

size_t format_hex(uint64_t v, unsigned min_digits, char* out) noexcept {
  unsigned n = 1;
  while (n < 16 && (v >> (4 * n)) != 0) ++n;
  if (n < min_digits) n = min_digits > 16 ? 16 : min_digits;
  for (unsigned i = n; i-- > 0; v >>= 4) out[i] = hex::kLower[v & 15];
  return n;
}

size_t community_id(const IpAddr& src, const IpAddr& dst, uint16_t sp, uint16_t dp,
                    uint8_t proto, uint16_t seed, char (&out)[64]) noexcept {
  bool v4 = src.is_v4() && dst.is_v4();
  size_t alen = v4 ? 4 : 16;
  const uint8_t* a = src.b.data() + (v4 ? 12 : 0);
  const uint8_t* b = dst.b.data() + (v4 ? 12 : 0);
  int c = std::memcmp(a, b, alen);
  if (c > 0 || (c == 0 && sp > dp)) {
    std::swap(a, b);
    std::swap(sp, dp);
  }
  uint8_t buf[2 + 16 + 16 + 2 + 4];
  size_t n = 0;
  buf[n++] = uint8_t(seed >> 8);
  buf[n++] = uint8_t(seed);
  std::memcpy(buf + n, a, alen);
  n += alen;
  std::memcpy(buf + n, b, alen);
  n += alen;
  buf[n++] = proto;
  buf[n++] = 0;
  buf[n++] = uint8_t(sp >> 8);
  buf[n++] = uint8_t(sp);
  buf[n++] = uint8_t(dp >> 8);
  buf[n++] = uint8_t(dp);
  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA1(buf, n, digest);
  out[0] = '1';
  out[1] = ':';
  size_t len = 2 + base64_encode(digest, sizeof digest, out + 2);
  out[len] = '\0';
  return len;
}

void EveWriter::flush() {
  if (json_.size() == 0) return;
  if (out_) out_->write(json_.text());
  json_.clear();
}

}  // namespace ww::output
