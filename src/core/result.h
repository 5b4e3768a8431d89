// Result<T>: the error channel off the packet path (config, rules, CLI, API).
// Shaped like std::expected<T, Diagnostic> so it can be swapped for it with C++23.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace ww {

// What went wrong and where: file:line, the rule sid and keyword when it is about a rule.
struct Diagnostic {
  std::string message;
  std::string file;
  int line = 0;
  uint32_t sid = 0;
  std::string keyword;

  std::string str() const {
    std::string s;
    if (!file.empty()) s += line > 0 ? fmt::format("{}:{}: ", file, line) : file + ": ";
    if (sid) s += fmt::format("sid {}: ", sid);
    if (!keyword.empty()) s += fmt::format("keyword '{}': ", keyword);
    s += message;
    return s;
  }
};

struct Unexpected {
  Diagnostic diag;
};

inline Unexpected fail(std::string message) { return Unexpected{Diagnostic{std::move(message)}}; }
inline Unexpected fail(Diagnostic d) { return Unexpected{std::move(d)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT: implicit like expected
  Result(Unexpected e) : v_(std::in_place_index<1>, std::move(e.diag)) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Diagnostic& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Diagnostic> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected e) : err_(std::move(e.diag)), ok_(false) {}  // NOLINT
  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Diagnostic& error() const { return err_; }

 private:
  Diagnostic err_;
  bool ok_ = true;
};

}  // namespace ww
