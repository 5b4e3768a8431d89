// hl7.field path selection; see field_path.h.
#include "app/hl7/field_path.h"

namespace ww::app::hl7 {

namespace {

bool parse_num(std::string_view& s, uint16_t& v) noexcept {
  size_t i = 0;
  uint32_t n = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i < 3) n = n * 10 + uint32_t(s[i++] - '0');
  if (i == 0 || n == 0 || (i < s.size() && s[i] >= '0' && s[i] <= '9')) return false;
  v = uint16_t(n);
  s.remove_prefix(i);
  return true;
}

struct Seps {
  uint8_t field = '|', comp = '^', rep = '~', esc = '\\', sub = '&';
};

bool is_delim(uint8_t c) noexcept {
  bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  return c > 0x20 && c < 0x7f && !alnum;
}

// Splits `v` on `sep` and returns part k (1-based); empty when there are fewer.
Bytes part(Bytes v, uint8_t sep, size_t k, bool& found) noexcept {
  size_t idx = 1, start = 0;
  for (size_t i = 0; i <= v.size(); ++i) {
    if (i == v.size() || v[i] == sep) {
      if (idx == k) {
        found = true;
        return v.subspan(start, i - start);
      }
      ++idx;
      start = i + 1;
    }
  }
  found = false;
  return {};
}

// Appends `v` with the standard separators and the separator escapes decoded.
void put(Bytes v, const Seps& s, std::string& out) {
  for (size_t i = 0; i < v.size(); ++i) {
    uint8_t c = v[i];
    if (c == s.esc && i + 2 < v.size() && v[i + 2] == s.esc) {
      char o = 0;
      switch (v[i + 1]) {
        case 'F': o = '|'; break;
        case 'S': o = '^'; break;
        case 'T': o = '&'; break;
        case 'R': o = '~'; break;
        case 'E': o = '\\'; break;
        default: break;
      }
      if (o) {
        out.push_back(o);
        i += 2;
        continue;
      }
    }
    if (c == s.comp) out.push_back('^');
    else if (c == s.rep) out.push_back('~');
    else if (c == s.sub) out.push_back('&');
    else out.push_back(char(c));
  }
}

}  // namespace

bool parse_field_path(std::string_view t, FieldPath& p) noexcept {
  p = FieldPath{};
  if (t.size() < 5) return false;
  for (int i = 0; i < 3; ++i) {
    char c = t[size_t(i)];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    p.segment[i] = c;
  }
  t.remove_prefix(3);
  if (t[0] != '.' && t[0] != '-') return false;
  t.remove_prefix(1);
  if (!parse_num(t, p.field)) return false;
  if (!t.empty()) {
    if (t[0] != '.') return false;
    t.remove_prefix(1);
    if (!parse_num(t, p.component)) return false;
  }
  if (!t.empty()) {
    if (t[0] != '.') return false;
    t.remove_prefix(1);
    if (!parse_num(t, p.subcomponent)) return false;
  }
  return t.empty();
}

bool select_field(Bytes m, std::string_view path, std::string& out) {
  FieldPath p;
  if (!parse_field_path(path, p)) return false;
  return select_field(m, p, out);
}

bool select_field(Bytes m, const FieldPath& p, std::string& out) {
  out.clear();
  Seps s;
  // Declared separators (MSH-1, MSH-2), as the parser reads them.
  if (m.size() >= 4 && m[0] == 'M' && m[1] == 'S' && m[2] == 'H' && is_delim(m[3])) {
    s.field = m[3];
    uint8_t enc[4] = {'^', '~', '\\', '&'};
    size_t n = 0;
    for (size_t i = 4; i < m.size() && m[i] != s.field && m[i] != '\r' && m[i] != '\n'; ++i)
      if (n < 4) enc[n++] = m[i];
    s.comp = enc[0], s.rep = enc[1], s.esc = enc[2], s.sub = enc[3];
  }
  const bool msh = p.segment[0] == 'M' && p.segment[1] == 'S' && p.segment[2] == 'H';
  bool any = false;
  size_t i = 0;
  while (i < m.size()) {
    size_t e = i;
    while (e < m.size() && m[e] != '\r' && m[e] != '\n') ++e;
    Bytes seg = m.subspan(i, e - i);
    i = e + 1;
    if (seg.size() < 3 || seg[0] != uint8_t(p.segment[0]) || seg[1] != uint8_t(p.segment[1]) ||
        seg[2] != uint8_t(p.segment[2]) || (seg.size() > 3 && seg[3] != s.field))
      continue;
    Bytes value;
    bool found = false;
    if (msh && p.field == 1) {
      found = seg.size() > 3;
      value = seg.subspan(3, found ? 1 : 0);
      if (found) {
        if (any) out.push_back('\n');
        any = true;
        out.push_back(char(value[0]));  // the separator itself, not normalised
      }
      continue;
    }
    // Fields after the name: split index k is SEG-k (MSH-(k+1) for MSH).
    Bytes fields = seg.size() > 4 ? seg.subspan(4) : Bytes();
    size_t k = msh ? size_t(p.field) - 1 : p.field;
    if (seg.size() <= 3) continue;
    value = part(fields, s.field, k, found);
    if (!found) continue;
    if (any) out.push_back('\n');
    any = true;
    if (msh && p.field == 2) {  // the encoding characters, as declared
      out.append(reinterpret_cast<const char*>(value.data()), value.size());
      continue;
    }
    if (p.component == 0) {
      put(value, s, out);
      continue;
    }
    // Component (and subcomponent) of every repetition.
    size_t r = 1;
    bool first = true;
    for (;;) {
      bool rf = false;
      Bytes rep = part(value, s.rep, r++, rf);
      if (!rf) break;
      bool cf = false;
      Bytes c = part(rep, s.comp, p.component, cf);
      if (cf && p.subcomponent) c = part(c, s.sub, p.subcomponent, cf);
      if (!first) out.push_back('~');
      first = false;
      if (cf) put(c, s, out);
    }
  }
  return any;
}

}  // namespace ww::app::hl7
