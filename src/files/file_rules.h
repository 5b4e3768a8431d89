// files/file_rules: signature rules that only a finished file can answer (Suricata's file
// keywords), evaluated by the FileTracker when a file closes.
//
// A rule is a file rule when it uses filemd5/filesha1/filesha256, filesize or filemagic
// (file.magic): the transaction matcher cannot answer those (it has no hashes, sizes or
// types) and never alerts on them. A file rule's other parts must be ones a file has: its
// header (protocol, addresses, ports, direction), flow:to_server/to_client,
// app-layer-protocol, filestore, and matches on file.name (filename, fileext), file.magic and
// file.data (the first 4 KiB of the file). Rules with other buffers or flowbits are left to
// the transaction matcher (they would need both at once). Hash list files are loaded when the
// rule set is built (relative paths from the rule file's folder) and shared by all workers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "detect/engine.h"
#include "detect/keywords/util.h"
#include "files/hash_list.h"

namespace ww::files {

struct FileRule {
  const detect::Rule* rule = nullptr;
  struct Hash {
    int kind = 0;  // 16 md5, 20 sha1, 32 sha256
    bool negated = false;
    std::shared_ptr<const HashList> list;
  };
  std::vector<Hash> hashes;
  std::vector<detect::kw::FileSize> sizes;  // filesize: the file's direction, if named
  bool filestore = false;
  // False for a rule that is here only for its filestore side effect (no file-only keyword):
  // the transaction matcher alerts on it, this only marks the file for the filestore.
  bool alert = true;
};

class FileRules {
 public:
  // Picks the file rules of `engine` and loads their hash lists. Fails on a hash list that is
  // missing or malformed (file:line and the rule's sid).
  static Result<std::shared_ptr<const FileRules>> build(
      std::shared_ptr<const detect::DetectEngine> engine);
  const std::vector<FileRule>& rules() const noexcept { return rules_; }
  const detect::DetectEngine& engine() const noexcept { return *engine_; }
  size_t hash_lists() const noexcept { return lists_; }

 private:
  std::shared_ptr<const detect::DetectEngine> engine_;
  std::vector<FileRule> rules_;
  size_t lists_ = 0;
};

// True when `r` is a file rule (see above); `why` says why not. With `filestore_only`, also a
// rule with the filestore keyword and nothing a file lacks.
bool is_file_rule(const detect::Rule& r, std::string* why = nullptr, bool* filestore_only = nullptr);

}  // namespace ww::files
