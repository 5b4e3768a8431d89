#include "files/file_rules.h"

#include <filesystem>
#include <map>

#include "detect/keywords/util.h"

namespace ww::files {

namespace {

bool hash_kind(std::string_view kw, int& kind) {
  if (kw == "filemd5") kind = 16;
  else if (kw == "filesha1") kind = 20;
  else if (kw == "filesha256") kind = 32;
  else return false;
  return true;
}

}  // namespace

bool is_file_rule(const detect::Rule& r, std::string* why, bool* filestore_only) {
  bool file_only = false, store = false;
  if (filestore_only) *filestore_only = false;
  for (const auto& c : r.app_checks) {
    int k;
    if (hash_kind(c.keyword, k) || c.keyword == "filesize") {
      file_only = true;
    } else if (c.keyword == "filestore") {
      store = true;
    } else if (c.keyword != "app-layer-protocol") {
      if (why) *why = "keyword " + c.keyword;
      return false;
    }
  }
  for (const auto& b : r.buffers) {
    if (b.buffer == detect::BufferId::FileMagic) {
      file_only = true;
    } else if (b.buffer != detect::BufferId::FileName && b.buffer != detect::BufferId::FileData) {
      if (why) *why = "buffer " + std::string(detect::buffer_name(b.buffer));
      return false;
    }
  }
  if (!r.flowbits.empty() || !r.flowints.empty() || !r.xbits.empty() || !r.header_checks.empty() ||
      r.tcp_flags || r.fragbits) {
    if (why) *why = "packet or flow variable keywords";
    return false;
  }
  if (!file_only && store && filestore_only) {
    *filestore_only = true;
    return true;
  }
  if (!file_only && why) *why = "no file-only keyword";
  return file_only;
}

Result<std::shared_ptr<const FileRules>> FileRules::build(
    std::shared_ptr<const detect::DetectEngine> engine) {
  auto out = std::make_shared<FileRules>();
  out->engine_ = engine;
  if (!engine) return std::shared_ptr<const FileRules>(std::move(out));
  std::map<std::string, std::shared_ptr<const HashList>> cache;
  for (const auto& r : engine->rules().rules) {
    bool store_only = false;
    if (!is_file_rule(r, nullptr, &store_only)) continue;
    FileRule fr;
    fr.rule = &r;
    fr.alert = !store_only;
    for (const auto& c : r.app_checks) {
      int kind;
      if (hash_kind(c.keyword, kind)) {
        std::filesystem::path p(c.value);
        if (p.is_relative() && !r.file.empty())
          p = std::filesystem::path(r.file).parent_path() / p;
        std::string key = p.lexically_normal().string();
        auto it = cache.find(key);
        if (it == cache.end()) {
          auto l = HashList::load(key);
          if (!l) {
            Diagnostic d = l.error();
            d.message = fmt::format("sid {}: {}: {}", r.sid, c.keyword, d.message);
            return fail(std::move(d));
          }
          it = cache.emplace(key, std::move(*l)).first;
        }
        fr.hashes.push_back({kind, c.negated, it->second});
      } else if (c.keyword == "filesize") {
        auto n = detect::kw::parse_filesize(c.value);
        if (n) fr.sizes.push_back(*n);
      } else if (c.keyword == "filestore") {
        fr.filestore = true;
      }
    }
    out->rules_.push_back(std::move(fr));
  }
  out->lists_ = cache.size();
  return std::shared_ptr<const FileRules>(std::move(out));
}

}  // namespace ww::files
