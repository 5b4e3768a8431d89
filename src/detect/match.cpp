// Buffer match verification; see match.h.
#include "detect/match.h"

#include "app/hl7/field_path.h"

#include <algorithm>
#include <cstring>
#include <string>

#include <openssl/evp.h>
#include <zlib.h>

#include "detect/keywords/pcre.h"

namespace ww::detect {
namespace {

constexpr int kRecursionBudget = 3000;  // Suricata's default inspection recursion limit

inline uint8_t lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? uint8_t(c + 32) : c; }

// First occurrence of `pat` in data[start, end), or -1.
int64_t find(Bytes data, int64_t start, int64_t end, std::string_view pat, bool nocase) {
  int64_t n = int64_t(pat.size());
  if (start < 0) start = 0;
  if (end > int64_t(data.size())) end = int64_t(data.size());
  if (n == 0) return start <= end ? start : -1;
  if (start + n > end) return -1;
  if (!nocase) {
    const void* hit = memmem(data.data() + start, size_t(end - start), pat.data(), size_t(n));
    return hit ? int64_t(static_cast<const uint8_t*>(hit) - data.data()) : -1;
  }
  for (int64_t i = start; i + n <= end; ++i) {
    bool ok = true;
    for (int64_t j = 0; j < n; ++j) {
      uint8_t a = data[size_t(i + j)], b = uint8_t(pat[size_t(j)]);
      if (nocase ? lower(a) != lower(b) : a != b) {
        ok = false;
        break;
      }
    }
    if (ok) return i;
  }
  return -1;
}

struct Ctx {
  std::span<int64_t> vars;
  int budget = kRecursionBudget;
  std::string* base64_out = nullptr;
  pcre2_match_data* md = nullptr;  // shared by all pcre items; null: allocate per call
  MatchScratch* scratch = nullptr;  // receives the captures of a matching pcre
};

int64_t val(const IntOrVar& v, const Ctx& c) {
  return v.is_var() && size_t(v.var) < c.vars.size() ? c.vars[size_t(v.var)] : v.value;
}

// Reads nbytes at pos as a number; false when out of bounds or not a number.
bool read_number(Bytes d, int64_t pos, uint8_t nbytes, Endian e, NumBase base, uint64_t mask,
                 uint64_t& out) {
  if (pos < 0) return false;
  if (base == NumBase::Binary) {
    if (pos + nbytes > int64_t(d.size())) return false;
    uint64_t v = 0;
    for (int i = 0; i < nbytes; ++i) {
      uint8_t b = d[size_t(pos + (e == Endian::Big ? i : nbytes - 1 - i))];
      v = v << 8 | b;
    }
    out = v;
  } else {
    int64_t avail = int64_t(d.size()) - pos;
    int64_t n = nbytes == 0 ? std::min<int64_t>(avail, 23) : nbytes;
    if (n <= 0 || n > avail) return false;
    unsigned radix = base == NumBase::Hex ? 16 : base == NumBase::Oct ? 8 : 10;
    uint64_t v = 0;
    int digits = 0;
    for (int64_t i = 0; i < n; ++i) {
      uint8_t c = d[size_t(pos + i)];
      unsigned dv;
      if (c >= '0' && c <= '9')
        dv = c - '0';
      else if (c >= 'a' && c <= 'f')
        dv = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        dv = c - 'A' + 10;
      else
        break;
      if (dv >= radix) break;
      v = v * radix + dv;
      ++digits;
    }
    if (digits == 0) return false;
    out = v;
  }
  if (mask) {
    out &= mask;
    out >>= __builtin_ctzll(mask);
  }
  return true;
}

// `mode` (from_base64's Transform::mode): 0 rfc4648 stops at the first byte outside the
// alphabet (base64_decode, Suricata), 1 rfc2045 skips such bytes, 2 strict decodes nothing when
// there is one. '=' ends the input.
void base64_decode_bytes(Bytes in, std::string& out, uint8_t mode = 0) {
  auto dv = [](uint8_t c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t c : in) {
    if (c == '=') break;
    int v = dv(c);
    if (v < 0 && mode == 1) continue;
    if (v < 0 && mode == 2) return out.clear();
    if (v < 0) break;  // Suricata stops at the first non-base64 byte
    acc = acc << 6 | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char(acc >> bits & 0xff));
    }
  }
}

// gunzip (gzip member) / zlib_deflate (zlib stream): at most `max` output bytes into `out`;
// what inflated before an error or the end of the input is kept. One inflate state per thread,
// reset for each buffer (no allocation once made).
void inflate_into(std::string_view in, bool gzip, uint32_t max, std::string& out) {
  struct Inflater {
    z_stream z{};
    bool ok = inflateInit2(&z, MAX_WBITS) == Z_OK;
    ~Inflater() {
      if (ok) inflateEnd(&z);
    }
  };
  thread_local Inflater inf;
  out.clear();
  if (!inf.ok || inflateReset2(&inf.z, gzip ? 16 + MAX_WBITS : MAX_WBITS) != Z_OK) return;
  z_stream& z = inf.z;
  out.resize(max);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(max);
  while (z.avail_out > 0) {
    int rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK) break;  // end of stream, error, or no progress possible
  }
  out.resize(max - z.avail_out);
}

bool inspect(const std::vector<MatchItem>& items, size_t idx, Bytes d, int64_t prev_end, Ctx& c);

bool inspect_content(const std::vector<MatchItem>& items, size_t idx, const Content& ct, Bytes d,
                     int64_t prev_end, Ctx& c) {
  const int64_t len = int64_t(d.size());
  const int64_t n = int64_t(ct.bytes.size());
  int64_t start = 0, end = len;
  if (ct.relative()) {
    int64_t dist = ct.distance ? val(*ct.distance, c) : 0;
    start = prev_end + dist;
    if (ct.within) end = std::min(end, prev_end + dist + val(*ct.within, c));
  } else {
    if (ct.offset) start = val(*ct.offset, c);
    if (ct.depth) end = std::min(end, start + val(*ct.depth, c));
  }
  if (ct.startswith) {
    start = 0;
    end = std::min(len, n);
  }
  if (start < 0) start = 0;
  if (ct.endswith) start = std::max(start, len - n);
  bool next_relative = false;
  if (idx + 1 < items.size()) {
    const MatchItem& nx = items[idx + 1];
    if (auto* a = std::get_if<Content>(&nx))
      next_relative = a->relative();
    else if (auto* p = std::get_if<Pcre>(&nx))
      next_relative = p->relative;
    else if (auto* t = std::get_if<ByteTest>(&nx))
      next_relative = t->relative;
    else if (auto* j = std::get_if<ByteJump>(&nx))
      next_relative = j->relative;
    else if (auto* e = std::get_if<ByteExtract>(&nx))
      next_relative = e->relative;
    else if (auto* m = std::get_if<ByteMath>(&nx))
      next_relative = m->relative;
    else if (auto* i = std::get_if<IsDataAt>(&nx))
      next_relative = i->relative;
    else if (auto* b = std::get_if<Base64Decode>(&nx))
      next_relative = b->relative;
  }
  int64_t from = start;
  for (;;) {
    int64_t pos = find(d, from, end, ct.bytes, ct.nocase);
    if (ct.endswith && pos >= 0 && pos + n != len) pos = -1;
    if (ct.negated) {
      if (pos >= 0) return false;
      return inspect(items, idx + 1, d, prev_end, c);
    }
    if (pos < 0) return false;
    if (inspect(items, idx + 1, d, pos + n, c)) return true;
    // Backtrack only when what follows depends on where this content matched.
    if (!next_relative || --c.budget <= 0) return false;
    from = pos + 1;
  }
}

bool inspect_pcre(const std::vector<MatchItem>& items, size_t idx, const Pcre& p, Bytes d,
                  int64_t prev_end, Ctx& c) {
  if (!p.code) return false;
  p.code->ensure_jit();
  int64_t base = p.relative ? prev_end : 0;
  if (base > int64_t(d.size())) return p.negated;
  Bytes subject = d.subspan(size_t(base));
  // The ovector may be smaller than the pattern's capture count: pcre2_match then returns 0
  // and still fills the whole-match pair, which is all the matcher reads.
  pcre2_match_data* md = c.md;
  bool own = !md;
  if (own) md = pcre2_match_data_create_from_pattern(p.code->code, nullptr);
  if (!md) return false;
  size_t from = 0;
  bool result = false;
  for (;;) {
    int rc = pcre2_match(p.code->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(),
                         from, 0, md, nullptr);
    if (p.negated) {
      result = rc < 0 && inspect(items, idx + 1, d, prev_end, c);
      break;
    }
    if (rc < 0) break;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    if (inspect(items, idx + 1, d, base + int64_t(ov[1]), c)) {
      result = true;
      if (c.scratch && !p.captures.empty() && !own) {  // rc: the groups set, plus one
        uint32_t pairs = pcre2_get_ovector_count(md);
        for (const auto& cap : p.captures) {
          auto& s = *c.scratch;
          if (cap.group >= pairs || int(cap.group) >= rc || s.n_captures >= s.captures.size())
            continue;
          PCRE2_SIZE a = ov[2 * cap.group], e = ov[2 * cap.group + 1];
          if (a == PCRE2_UNSET || e < a) continue;
          s.captures[s.n_captures++] = {&cap, subject.subspan(a, e - a)};
        }
      }
      break;
    }
    if (--c.budget <= 0 || ov[0] >= subject.size()) break;
    from = ov[0] + 1;
  }
  if (own) pcre2_match_data_free(md);
  return result;
}

bool inspect(const std::vector<MatchItem>& items, size_t idx, Bytes d, int64_t prev_end, Ctx& c) {
  if (idx >= items.size()) return true;
  if (--c.budget <= 0) return false;
  const int64_t len = int64_t(d.size());
  const MatchItem& it = items[idx];
  if (auto* ct = std::get_if<Content>(&it)) return inspect_content(items, idx, *ct, d, prev_end, c);
  if (auto* p = std::get_if<Pcre>(&it)) return inspect_pcre(items, idx, *p, d, prev_end, c);
  if (auto* t = std::get_if<ByteTest>(&it)) {
    int64_t pos = (t->relative ? prev_end : 0) + val(t->offset, c);
    uint64_t v;
    uint8_t nb = t->nbytes;
    if (t->nbytes_var >= 0) {
      int64_t n = val(IntOrVar{0, t->nbytes_var}, c);
      if (n < 1 || n > (t->base == NumBase::Binary ? 8 : 23)) return false;
      nb = uint8_t(n);
    }
    if (!read_number(d, pos, nb, t->endian, t->base, t->bitmask, v)) return false;
    uint64_t ref = uint64_t(val(t->value, c));
    bool m = false;
    switch (t->op) {
      case '<':
        m = v < ref;
        break;
      case '>':
        m = v > ref;
        break;
      case '=':
        m = v == ref;
        break;
      case 'l':
        m = v <= ref;
        break;
      case 'g':
        m = v >= ref;
        break;
      case '&':
        m = (v & ref) != 0;
        break;
      case '^':
        m = (v ^ ref) != 0;
        break;
    }
    if (m == t->negated) return false;
    return inspect(items, idx + 1, d, prev_end, c);
  }
  if (auto* j = std::get_if<ByteJump>(&it)) {
    int64_t pos = (j->relative ? prev_end : 0) + val(j->offset, c);
    uint64_t v = 0;
    if (j->nbytes == 0 && j->base == NumBase::Binary) {
      if (pos < 0 || pos > len) return false;  // byte_jump:0: nothing read, jump 0
    } else if (!read_number(d, pos, j->nbytes, j->endian, j->base, j->bitmask, v)) {
      return false;
    }
    int64_t jump = int64_t(v) * j->multiplier;
    if (j->align && jump % 4) jump += 4 - jump % 4;
    int64_t origin = j->from_beginning ? 0 : j->from_end ? len : pos + j->nbytes;
    int64_t np = origin + jump + j->post_offset;
    if (np < 0 && j->post_offset < 0) np = 0;  // a negative post_offset stops at the start
    if (np < 0 || np > len) return false;
    return inspect(items, idx + 1, d, np, c);
  }
  if (auto* e = std::get_if<ByteExtract>(&it)) {
    int64_t pos = (e->relative ? prev_end : 0) + val(e->offset, c);
    uint64_t v;
    if (!read_number(d, pos, e->nbytes, e->endian, e->base, e->bitmask, v)) return false;
    v *= e->multiplier;
    if (e->align && e->align_to && v % e->align_to) v += e->align_to - v % e->align_to;
    if (size_t(e->var) < c.vars.size()) c.vars[size_t(e->var)] = int64_t(v);
    return inspect(items, idx + 1, d, pos + e->nbytes, c);
  }
  if (auto* m = std::get_if<ByteMath>(&it)) {
    int64_t pos = (m->relative ? prev_end : 0) + val(m->offset, c);
    uint64_t v;
    if (!read_number(d, pos, m->nbytes, m->endian, m->base, m->bitmask, v)) return false;
    int64_t r = val(m->rvalue, c);
    int64_t out = 0;
    switch (m->oper) {
      case '+':
        out = int64_t(v) + r;
        break;
      case '-':
        out = int64_t(v) - r;
        break;
      case '*':
        out = int64_t(v) * r;
        break;
      case '/':
        if (r == 0) return false;
        out = int64_t(v) / r;
        break;
      case '<':
        out = int64_t(v << (r & 63));
        break;
      case '>':
        out = int64_t(v >> (r & 63));
        break;
    }
    if (size_t(m->var) < c.vars.size()) c.vars[size_t(m->var)] = out;
    return inspect(items, idx + 1, d, pos + m->nbytes, c);
  }
  if (auto* i = std::get_if<IsDataAt>(&it)) {
    int64_t n = val(i->size, c);
    bool present = i->relative ? prev_end + n <= len : n < len;
    if (present == i->negated) return false;
    return inspect(items, idx + 1, d, prev_end, c);
  }
  if (auto* b = std::get_if<Bsize>(&it)) {
    if (!b->cmp.match(uint64_t(len))) return false;
    return inspect(items, idx + 1, d, prev_end, c);
  }
  if (auto* b = std::get_if<Base64Decode>(&it)) {
    int64_t pos = (b->relative ? prev_end : 0) + b->offset;
    if (pos > len) return false;
    Bytes in = d.subspan(size_t(pos));
    if (b->bytes && in.size() > b->bytes) in = in.first(b->bytes);
    if (!c.base64_out) return false;
    base64_decode_bytes(in, *c.base64_out);
    if (c.base64_out->empty()) return false;
    return inspect(items, idx + 1, d, prev_end, c);
  }
  return false;
}

// Applies the transforms wardwatch implements; false for one it does not (no match).
bool apply_transforms(const std::vector<Transform>& ts, Bytes in, std::string& out,
                      std::string& r, pcre2_match_data* md) {
  out.assign(reinterpret_cast<const char*>(in.data()), in.size());
  for (const auto& t : ts) {
    r.clear();
    if (t.name == "to_lowercase") {
      for (char ch : out) r.push_back(char(lower(uint8_t(ch))));
    } else if (t.name == "to_uppercase") {
      for (char ch : out) r.push_back(ch >= 'a' && ch <= 'z' ? char(ch - 32) : ch);
    } else if (t.name == "strip_whitespace") {
      for (char ch : out)
        if (!std::isspace(static_cast<unsigned char>(ch))) r.push_back(ch);
    } else if (t.name == "compress_whitespace") {
      for (char ch : out) {
        bool sp = std::isspace(static_cast<unsigned char>(ch));
        if (sp && !r.empty() && r.back() == ' ') continue;
        r.push_back(sp ? ' ' : ch);
      }
    } else if (t.name == "hl7_path") {  // hl7.field:PATH (app/hl7/field_path.h)
      if (!app::hl7::select_field(Bytes(reinterpret_cast<const uint8_t*>(out.data()), out.size()),
                                  t.arg, r))
        return false;
    } else if (t.name == "xor") {  // hex key applied cyclically
      const std::string& k = t.arg;
      size_t kl = k.size() / 2;
      auto hv = [](char ch) { return ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10; };
      for (size_t i = 0; i < out.size(); ++i) {
        size_t j = (i % kl) * 2;
        r.push_back(char(uint8_t(out[i]) ^ uint8_t(hv(k[j]) << 4 | hv(k[j + 1]))));
      }
    } else if (t.name == "pcrexform") {  // the first capture group (or the whole match)
      if (!t.re || !md) return false;
      t.re->ensure_jit();
      int rc = pcre2_match(t.re->code, reinterpret_cast<PCRE2_SPTR>(out.data()), out.size(), 0, 0,
                           md, nullptr);
      if (rc <= 0) return false;
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      int g = rc > 1 ? 1 : 0;
      if (ov[2 * g] == PCRE2_UNSET) return false;
      r.assign(out, ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
    } else if (t.name == "to_md5" || t.name == "to_sha1" || t.name == "to_sha256") {
      unsigned char md_out[EVP_MAX_MD_SIZE];
      unsigned int n = 0;
      const EVP_MD* alg = t.name == "to_md5" ? EVP_md5() : t.name == "to_sha1" ? EVP_sha1()
                                                                               : EVP_sha256();
      if (!EVP_Digest(out.data(), out.size(), md_out, &n, alg, nullptr)) return false;
      r.assign(reinterpret_cast<const char*>(md_out), n);
    } else if (t.name == "from_base64") {
      Bytes in(reinterpret_cast<const uint8_t*>(out.data()), out.size());
      in = in.subspan(std::min<size_t>(t.offset, in.size()));
      if (t.bytes && in.size() > t.bytes) in = in.first(t.bytes);
      base64_decode_bytes(in, r, t.mode);
    } else if (t.name == "gunzip" || t.name == "zlib_deflate") {
      inflate_into(out, t.name == "gunzip", t.max_size, r);
    } else if (t.name == "header_lowercase") {  // "Name: value" lines: names lower-cased
      bool name = true;
      for (char ch : out) {
        if (ch == '\n') name = true;
        else if (ch == ':') name = false;
        r.push_back(name ? char(lower(uint8_t(ch))) : ch);
      }
    } else if (t.name == "strip_pseudo_headers") {  // drops ":name: value" lines (HTTP/2)
      size_t i = 0;
      while (i < out.size()) {
        size_t e = out.find('\n', i);
        e = e == std::string::npos ? out.size() : e + 1;
        if (out[i] != ':') r.append(out, i, e - i);
        i = e;
      }
    } else if (t.name == "dotprefix") {
      r.push_back('.');
      r.append(out);
    } else if (t.name == "url_decode") {
      for (size_t i = 0; i < out.size(); ++i) {
        if (out[i] == '%' && i + 2 < out.size() && std::isxdigit(uint8_t(out[i + 1])) &&
            std::isxdigit(uint8_t(out[i + 2]))) {
          auto hv = [](char ch) { return ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10; };
          r.push_back(char(hv(out[i + 1]) << 4 | hv(out[i + 2])));
          i += 2;
        } else {
          r.push_back(out[i] == '+' ? ' ' : out[i]);
        }
      }
    } else {
      return false;
    }
    out.swap(r);
  }
  return true;
}

}  // namespace

bool match_list(const BufferList& list, Bytes data, std::span<int64_t> vars) {
  Ctx c{vars};
  return inspect(list.items, 0, data, 0, c);
}

MatchScratch::MatchScratch() noexcept { md_ = pcre2_match_data_create(16, nullptr); }
MatchScratch::~MatchScratch() {
  if (md_) pcre2_match_data_free(static_cast<pcre2_match_data*>(md_));
}

bool match_buffers(const Rule& rule, const InspectBuffers& buffers) {
  MatchScratch s;
  return match_buffers(rule, buffers, s);
}

bool match_buffers(const Rule& rule, const InspectBuffers& buffers, MatchScratch& s,
                   const InspectBuffers* to_client) noexcept {
  std::array<int64_t, 64> vars{};
  std::string& base64 = s.base64;
  std::string& transformed = s.transformed;
  base64.clear();
  Ctx c{vars};
  c.base64_out = &base64;
  c.md = static_cast<pcre2_match_data*>(s.pcre_match_data());
  c.scratch = &s;
  s.n_captures = 0;
  // base64_data is decoded by a base64_decode in another list: inspect it last.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& l : rule.buffers) {
      if ((l.buffer == BufferId::Base64Data) != (pass == 1)) continue;
      Bytes data;
      if (l.buffer == BufferId::Base64Data) {
        data = Bytes(reinterpret_cast<const uint8_t*>(base64.data()), base64.size());
      } else {
        const bool tc = to_client && l.dir == BufferList::Dir::ToClient;
        const Bytes* b = (tc ? *to_client : buffers).get(l.buffer);
        if (!b && to_client && l.dir == BufferList::Dir::Default) b = to_client->get(l.buffer);
        if (!b) {
          if (l.absent != BufferList::Absent::No) continue;  // absent: what was asked for
          return false;
        }
        if (l.absent == BufferList::Absent::Only) return false;
        data = *b;
      }
      // A multi-buffer (InspectBuffers::add): the list matches when one instance does.
      for (;;) {
        Bytes in = data;
        bool ok = true;
        if (!l.transforms.empty()) {
          ok = apply_transforms(l.transforms, data, transformed, s.tmp, c.md);
          in = Bytes(reinterpret_cast<const uint8_t*>(transformed.data()), transformed.size());
        }
        c.budget = kRecursionBudget;
        if (ok && inspect(l.items, 0, in, 0, c)) break;
        const Bytes* nx =
            l.buffer == BufferId::Base64Data ? nullptr : buffers.next(l.buffer, data);
        if (!nx) return false;
        data = *nx;
      }
    }
  }
  return true;
}

}  // namespace ww::detect
