#include "files/hash_list.h"
#include "core/hex.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ww::files {

namespace {

template <size_t N>
bool unhex(std::string_view h, std::array<uint8_t, N>& out) {
  if (h.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    int a = hex::value(h[2 * i]), b = hex::value(h[2 * i + 1]);
    if (a < 0 || b < 0) return false;
    out[i] = uint8_t(a << 4 | b);
  }
  return true;
}

template <size_t N>
void sort_unique(std::vector<std::array<uint8_t, N>>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

Result<std::shared_ptr<const HashList>> HashList::parse(std::string_view text,
                                                       const std::string& name) {
  auto l = std::make_shared<HashList>();
  l->name_ = name;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string_view::npos || line[b] == '#') continue;
    line.remove_prefix(b);
    std::string_view h = line.substr(0, line.find_first_of(" \t\r,;"));
    std::array<uint8_t, 16> m;
    std::array<uint8_t, 20> s1;
    std::array<uint8_t, 32> s2;
    if (unhex(h, m))
      l->md5_.push_back(m);
    else if (unhex(h, s1))
      l->sha1_.push_back(s1);
    else if (unhex(h, s2))
      l->sha256_.push_back(s2);
    else
      return fail(Diagnostic{fmt::format("'{}' is not an MD5, SHA-1 or SHA-256 hex hash",
                                         std::string(h.substr(0, 80))),
                             name, line_no});
  }
  sort_unique(l->md5_);
  sort_unique(l->sha1_);
  sort_unique(l->sha256_);
  return std::shared_ptr<const HashList>(std::move(l));
}

Result<std::shared_ptr<const HashList>> HashList::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Diagnostic{"hash list missing or not readable", path});
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

std::shared_ptr<const HashList> HashList::merge(
    const std::vector<std::shared_ptr<const HashList>>& lists, std::string name) {
  auto l = std::make_shared<HashList>();
  l->name_ = std::move(name);
  for (const auto& x : lists) {
    l->md5_.insert(l->md5_.end(), x->md5_.begin(), x->md5_.end());
    l->sha1_.insert(l->sha1_.end(), x->sha1_.begin(), x->sha1_.end());
    l->sha256_.insert(l->sha256_.end(), x->sha256_.begin(), x->sha256_.end());
  }
  sort_unique(l->md5_);
  sort_unique(l->sha1_);
  sort_unique(l->sha256_);
  return l;
}

}  // namespace ww::files
