// Classtypes: short name -> description (EVE alert.category) and default priority.
//
// Built in: the standard classification list Suricata and ET Open ship. A classification.config
// given in config replaces or extends it (`config classification: name,description,priority`).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ww::detect {

struct ClassType {
  std::string name;
  std::string description;
  int priority = 3;
};

class Classifications {
 public:
  static Classifications defaults();
  // Parses classification.config text; bad lines are reported in `problems`, good ones kept.
  void parse(std::string_view text, std::string_view file, std::vector<Diagnostic>* problems);
  Result<void> load_file(const std::string& path, std::vector<Diagnostic>* problems);
  void add(ClassType c) { map_[c.name] = std::move(c); }
  const ClassType* find(std::string_view name) const {
    auto it = map_.find(name);
    return it == map_.end() ? nullptr : &it->second;
  }
  size_t size() const { return map_.size(); }

 private:
  std::map<std::string, ClassType, std::less<>> map_;
};

}  // namespace ww::detect
