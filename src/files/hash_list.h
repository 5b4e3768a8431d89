// files/hash_list: lists of file hashes (MD5, SHA-1, SHA-256) for hash reputation and the
// filemd5/filesha1/filesha256 rule keywords.
//
// Format (Suricata's): one hex hash per line; blank lines and lines starting with '#' are
// skipped; anything after the hash (a space, tab or comma, then a comment) is ignored. The
// hash's length says its kind (32 MD5, 40 SHA-1, 64 SHA-256); a list may mix kinds. A line
// that is not a hash is an error naming file:line. Lookups are binary searches in sorted
// arrays: no allocation, safe from any number of threads once loaded.
#pragma once

#include <algorithm>
#include <array>
#include <cstring>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ww::files {

class HashList {
 public:
  static Result<std::shared_ptr<const HashList>> load(const std::string& path);
  static Result<std::shared_ptr<const HashList>> parse(std::string_view text,
                                                      const std::string& name);

  bool has_md5(const uint8_t* d) const noexcept { return find(md5_, d); }
  bool has_sha1(const uint8_t* d) const noexcept { return find(sha1_, d); }
  bool has_sha256(const uint8_t* d) const noexcept { return find(sha256_, d); }
  size_t md5_count() const noexcept { return md5_.size(); }
  size_t sha1_count() const noexcept { return sha1_.size(); }
  size_t sha256_count() const noexcept { return sha256_.size(); }
  size_t size() const noexcept { return md5_.size() + sha1_.size() + sha256_.size(); }
  const std::string& name() const noexcept { return name_; }

  // Merges several lists (files.hash-lists): one lookup for all.
  static std::shared_ptr<const HashList> merge(
      const std::vector<std::shared_ptr<const HashList>>& lists, std::string name);

 private:
  template <size_t N>
  static bool find(const std::vector<std::array<uint8_t, N>>& v, const uint8_t* d) noexcept {
    std::array<uint8_t, N> k;
    std::memcpy(k.data(), d, N);
    return std::binary_search(v.begin(), v.end(), k);
  }
  std::string name_;
  std::vector<std::array<uint8_t, 16>> md5_;
  std::vector<std::array<uint8_t, 20>> sha1_;
  std::vector<std::array<uint8_t, 32>> sha256_;
};

}  // namespace ww::files
