// byte_test, byte_jump, byte_extract, byte_math: read an integer from the buffer (raw bytes in
// big/little endian, or a decimal/hex/octal string) and test it, jump by it, keep it in a rule
// variable or compute with it. Offsets and values may be byte_extract/byte_math variables.
#include "detect/keywords/keywords.h"
#include "detect/keywords/util.h"

namespace ww::detect::kw {
namespace {

struct Common {
  bool relative = false, align = false, from_beginning = false, from_end = false, dce = false;
  bool string = false;
  Endian endian = Endian::Big;
  NumBase base = NumBase::Binary;
  uint64_t bitmask = 0;
  uint32_t multiplier = 1;
  int64_t post_offset = 0;
  uint8_t align_to = 0;
};

// Parses the trailing option words shared by the byte_* keywords. `allowed` lists the words a
// keyword accepts (space separated).
Result<void> parse_common(std::span<const std::string_view> items, std::string_view allowed,
                          Common& c) {
  auto allows = [&](std::string_view w) {
    std::string_view l = allowed;
    while (!l.empty()) {
      size_t sp = l.find(' ');
      if (l.substr(0, sp) == w) return true;
      if (sp == std::string_view::npos) break;
      l.remove_prefix(sp + 1);
    }
    return false;
  };
  for (std::string_view it : items) {
    std::string_view word = it, val;
    if (size_t sp = it.find(' '); sp != std::string_view::npos) {
      word = it.substr(0, sp);
      val = trim(it.substr(sp + 1));
    }
    if (!allows(word)) return fail(fmt::format("unknown option '{}'", it));
    if (word == "relative")
      c.relative = true;
    else if (word == "big")
      c.endian = Endian::Big;
    else if (word == "little")
      c.endian = Endian::Little;
    else if (word == "dce") {
      c.dce = true;
      c.endian = Endian::Dce;
    } else if (word == "string") {
      c.string = true;
      if (c.base == NumBase::Binary) c.base = NumBase::Dec;
      if (!val.empty()) {  // byte_math: "string dec"
        if (val == "dec")
          c.base = NumBase::Dec;
        else if (val == "hex")
          c.base = NumBase::Hex;
        else if (val == "oct")
          c.base = NumBase::Oct;
        else
          return fail(fmt::format("invalid string base '{}'", val));
      }
    } else if (word == "dec")
      c.base = NumBase::Dec;
    else if (word == "hex")
      c.base = NumBase::Hex;
    else if (word == "oct")
      c.base = NumBase::Oct;
    else if (word == "align") {
      c.align = true;
      if (!val.empty() && (!parse_int(val, c.align_to) || (c.align_to != 2 && c.align_to != 4)))
        return fail(fmt::format("invalid align '{}' (2 or 4)", val));
    } else if (word == "from_beginning")
      c.from_beginning = true;
    else if (word == "from_end")
      c.from_end = true;
    else if (word == "multiplier") {
      if (!parse_int(val, c.multiplier) || c.multiplier == 0)
        return fail(fmt::format("invalid multiplier '{}'", val));
    } else if (word == "post_offset") {
      if (!parse_int(val, c.post_offset)) return fail(fmt::format("invalid post_offset '{}'", val));
    } else if (word == "bitmask") {
      if (!parse_int(val, c.bitmask) || c.bitmask == 0)
        return fail(fmt::format("invalid bitmask '{}'", val));
    } else if (word == "endian") {  // byte_math: "endian big"
      if (val == "big")
        c.endian = Endian::Big;
      else if (val == "little")
        c.endian = Endian::Little;
      else if (val == "dce")
        c.endian = Endian::Dce;
      else
        return fail(fmt::format("invalid endian '{}'", val));
    }
  }
  if ((c.base == NumBase::Hex || c.base == NumBase::Oct || c.base == NumBase::Dec) && !c.string)
    return fail("dec/hex/oct need 'string'");
  if (c.string && c.endian == Endian::Little) return fail("'string' cannot be little endian");
  if (c.from_beginning && c.from_end) return fail("from_beginning and from_end both given");
  return {};
}

Result<uint8_t> parse_nbytes(std::string_view s, bool string, bool allow_zero = false) {
  unsigned n = 0;
  if (!parse_int(s, n)) return fail(fmt::format("invalid byte count '{}'", s));
  unsigned max = string ? 23 : 8;
  // 0 with string: the digits present, as ET Open uses it (byte_test:0,=,0,0,string,dec).
  // byte_jump:0,...: reads nothing and jumps by post_offset only (Suricata 7).
  if ((n < 1 && !string && !allow_zero) || n > max)
    return fail(fmt::format("byte count {} out of range [1, {}]", n, max));
  return uint8_t(n);
}

bool has_word(std::span<const std::string_view> items, std::string_view w) {
  for (auto it : items)
    if (it == w || it.substr(0, it.find(' ')) == w) return true;
  return false;
}

}  // namespace

Result<void> byte_test(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  if (p.size() < 4) return fail("expected 'bytes, [!]operator, value, offset[, options]'");
  Common c;
  std::span<const std::string_view> rest(p.data() + 4, p.size() - 4);
  if (auto r = parse_common(rest, "relative big little dce string dec hex oct bitmask", c); !r)
    return r;
  ByteTest t;
  auto n = parse_nbytes(p[0], c.string);
  if (!n) {
    // A byte_extract/byte_math variable may give the count (checked when matching).
    auto v = b.int_or_var(p[0], 1, c.string ? 23 : 8);
    if (!v || !v->is_var()) return Unexpected{n.error()};
    t.nbytes_var = v->var;
  } else {
    t.nbytes = *n;
  }
  std::string_view op = p[1];
  if (!op.empty() && op.front() == '!') {
    t.negated = true;
    op = trim(op.substr(1));
  }
  if (op == "<")
    t.op = '<';
  else if (op == ">")
    t.op = '>';
  else if (op == "=")
    t.op = '=';
  else if (op == "<=")
    t.op = 'l';
  else if (op == ">=")
    t.op = 'g';
  else if (op == "&")
    t.op = '&';
  else if (op == "^")
    t.op = '^';
  else if (op == "!=") {
    t.op = '=';
    t.negated = !t.negated;
  } else
    return fail(fmt::format("invalid operator '{}'", p[1]));
  auto v = b.int_or_var(p[2], INT64_MIN, INT64_MAX);
  if (!v) {
    uint64_t u;  // values above INT64_MAX (0xffffffffffffffff)
    if (!parse_int(p[2], u)) return Unexpected{v.error()};
    t.value.value = int64_t(u);
  } else {
    t.value = *v;
  }
  auto off = b.int_or_var(p[3], -65535, 65535);
  if (!off) return Unexpected{off.error()};
  t.offset = *off;
  t.relative = c.relative;
  t.endian = c.endian;
  t.base = c.base;
  t.bitmask = c.bitmask;
  b.add(std::move(t));
  return {};
}

Result<void> byte_jump(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  if (p.size() < 2) return fail("expected 'bytes, offset[, options]'");
  Common c;
  std::span<const std::string_view> rest(p.data() + 2, p.size() - 2);
  if (auto r = parse_common(rest,
                            "relative big little dce string dec hex oct bitmask align "
                            "from_beginning from_end multiplier post_offset",
                            c);
      !r)
    return r;
  ByteJump j;
  auto n = parse_nbytes(p[0], c.string, true);
  if (!n) return Unexpected{n.error()};
  j.nbytes = *n;
  auto off = b.int_or_var(p[1], -65535, 65535);
  if (!off) return Unexpected{off.error()};
  j.offset = *off;
  j.relative = c.relative;
  j.align = c.align;
  j.from_beginning = c.from_beginning;
  j.from_end = c.from_end;
  j.multiplier = c.multiplier;
  j.post_offset = c.post_offset;
  j.endian = c.endian;
  j.base = c.base;
  j.bitmask = c.bitmask;
  b.add(std::move(j));
  return {};
}

Result<void> byte_extract(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  if (p.size() < 3) return fail("expected 'bytes, offset, name[, options]'");
  Common c;
  std::span<const std::string_view> rest(p.data() + 3, p.size() - 3);
  if (auto r = parse_common(rest,
                            "relative big little dce string dec hex oct bitmask align "
                            "multiplier",
                            c);
      !r)
    return r;
  ByteExtract e;
  auto n = parse_nbytes(p[0], c.string);
  if (!n) return Unexpected{n.error()};
  e.nbytes = *n;
  auto off = b.int_or_var(p[1], -65535, 65535);
  if (!off) return Unexpected{off.error()};
  e.offset = *off;
  if (p[2].empty() || std::isdigit(static_cast<unsigned char>(p[2].front())))
    return fail(fmt::format("invalid variable name '{}'", p[2]));
  auto var = b.define_var(p[2]);
  if (!var) return Unexpected{var.error()};
  e.var = *var;
  e.relative = c.relative;
  e.align = c.align;
  e.align_to = c.align_to;
  e.multiplier = c.multiplier;
  e.endian = c.endian;
  e.base = c.base;
  e.bitmask = c.bitmask;
  b.add(std::move(e));
  return {};
}

Result<void> byte_math(RuleBuilder& b, std::string_view arg) {
  auto p = split(arg, ',');
  ByteMath m;
  Common c;
  std::vector<std::string_view> rest;
  bool have_bytes = false, have_off = false, have_oper = false, have_rval = false, have_res = false;
  std::string_view rval;
  for (std::string_view it : p) {
    size_t sp = it.find(' ');
    std::string_view word = it.substr(0, sp);
    std::string_view val = sp == std::string_view::npos ? "" : trim(it.substr(sp + 1));
    if (word == "bytes") {
      have_bytes = true;
      auto n = parse_nbytes(val, has_word(p, "string"));
      if (!n) return Unexpected{n.error()};
      m.nbytes = *n;
    } else if (word == "offset") {
      have_off = true;
      auto off = b.int_or_var(val, -65535, 65535);
      if (!off) return Unexpected{off.error()};
      m.offset = *off;
    } else if (word == "oper") {
      have_oper = true;
      if (val == "+" || val == "-" || val == "*" || val == "/")
        m.oper = val[0];
      else if (val == "<<")
        m.oper = '<';
      else if (val == ">>")
        m.oper = '>';
      else
        return fail(fmt::format("invalid oper '{}'", val));
    } else if (word == "rvalue") {
      have_rval = true;
      rval = val;
    } else if (word == "result") {
      have_res = true;
      auto var = b.define_var(val);
      if (!var) return Unexpected{var.error()};
      m.var = *var;
    } else {
      rest.push_back(it);
    }
  }
  if (!have_bytes || !have_off || !have_oper || !have_rval || !have_res)
    return fail("needs bytes, offset, oper, rvalue and result");
  auto rv = b.int_or_var(rval, 0, UINT32_MAX);
  if (!rv) return Unexpected{rv.error()};
  if (!rv->is_var() && rv->value == 0 && m.oper == '/') return fail("division by zero");
  m.rvalue = *rv;
  if (auto r = parse_common(rest, "relative endian dce string bitmask", c); !r) return r;
  m.relative = c.relative;
  m.endian = c.endian;
  m.base = c.base;
  m.bitmask = c.bitmask;
  b.add(std::move(m));
  return {};
}

}  // namespace ww::detect::kw
