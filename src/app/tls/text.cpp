// Digests for fingerprints (JA3/JA3S/JA4, certificate SHA-1, HASSH) through OpenSSL.
//
// OpenSSL's one-shot digest functions (MD5_Init ... SHA256_Final) are used where the library
// has them: they are the same block functions EVP runs, without EVP's per-call dispatch (context
// init, provider lookups: ~1.5k instructions a digest) and without the one-time fetch of the
// default provider (~5M instructions at the first handshake). They are deprecated in OpenSSL 3
// but present unless the library was built without them (OPENSSL_NO_DEPRECATED_3_0); then the
// EVP path below is used.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "app/tls/text.h"
#include "core/hex.h"

#include <openssl/evp.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <algorithm>
#include <functional>
#include <string_view>

namespace ww::app::tls {
namespace {

#ifndef OPENSSL_NO_DEPRECATED_3_0
// One digest with a one-shot API's Init/Update/Final; its length `len`, or 0 on failure.
template <typename Ctx, int (*Init)(Ctx*), int (*Update)(Ctx*, const void*, size_t),
          int (*Final)(unsigned char*, Ctx*)>
unsigned one_shot(Bytes data, unsigned char* md, unsigned len) noexcept {
  Ctx c;
  return Init(&c) == 1 && Update(&c, data.data(), data.size()) == 1 && Final(md, &c) == 1 ? len
                                                                                           : 0;
}

// The digest of `data` into `md` (at least EVP_MAX_MD_SIZE bytes); its length.
unsigned direct_digest(Digest kind, Bytes data, unsigned char* md) noexcept {
  switch (kind) {
    case Digest::Md5:
      return one_shot<MD5_CTX, MD5_Init, MD5_Update, MD5_Final>(data, md, MD5_DIGEST_LENGTH);
    case Digest::Sha1:
      return one_shot<SHA_CTX, SHA1_Init, SHA1_Update, SHA1_Final>(data, md, SHA_DIGEST_LENGTH);
    case Digest::Sha256:
      return one_shot<SHA256_CTX, SHA256_Init, SHA256_Update, SHA256_Final>(data, md,
                                                                            SHA256_DIGEST_LENGTH);
  }
  return 0;
}
#endif

// One digest context per thread, made on first use and reused (EVP_DigestInit_ex resets it),
// so no allocation per handshake beyond the first. The digests are fetched once per thread too
// (OpenSSL 3 EVP_MD_fetch): with the legacy EVP_md5() ... pointers every EVP_DigestInit_ex
// fetches the implementation again from the provider store (locks, name compares: ~3k
// instructions per handshake digest).
struct CtxHolder {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_MD* md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  EVP_MD* sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  ~CtxHolder() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md5);
    EVP_MD_free(sha1);
    EVP_MD_free(sha256);
  }
  // The fetched digest, or the legacy pointer when the fetch failed.
  const EVP_MD* md_of(Digest kind) const noexcept {
    switch (kind) {
      case Digest::Md5:
        return md5 ? md5 : EVP_md5();
      case Digest::Sha1:
        return sha1 ? sha1 : EVP_sha1();
      case Digest::Sha256:
        return sha256 ? sha256 : EVP_sha256();
    }
    return nullptr;
  }
};

}  // namespace

size_t to_hex(Bytes data, char* out, size_t cap, bool colon, bool upper) noexcept {
  const char* digits = upper ? hex::kUpper : hex::kLower;
  if (!colon) {  // the common case (fingerprint hashes): whole pairs, no per-byte checks
    size_t bytes = std::min(data.size(), cap / 2);
    hex::bytes(data.data(), bytes, out, upper);
    return 2 * bytes;
  }
  size_t n = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    size_t need = (colon && i) ? 3 : 2;
    if (n + need > cap) break;
    if (colon && i) out[n++] = ':';
    out[n++] = digits[data[i] >> 4];
    out[n++] = digits[data[i] & 15];
  }
  return n;
}

namespace {

// The digest of `data` into `md` (EVP_MAX_MD_SIZE bytes); its length, 0 on failure.
unsigned raw_digest(Digest kind, Bytes data, unsigned char* md) noexcept {
#ifndef OPENSSL_NO_DEPRECATED_3_0
  if (unsigned n = direct_digest(kind, data, md)) return n;
#endif
  thread_local CtxHolder holder;
  if (!holder.ctx) return 0;
  unsigned int md_len = 0;
  if (EVP_DigestInit_ex(holder.ctx, holder.md_of(kind), nullptr) != 1 ||
      EVP_DigestUpdate(holder.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(holder.ctx, md, &md_len) != 1)
    return 0;
  return md_len;
}

// A per-thread memo of recent digests of short inputs. Fingerprint inputs repeat: the same
// client software sends the same cipher and extension lists (JA3, JA4), a server answers with
// the same choice (JA3S), an SSH implementation offers the same algorithms (HASSH). Direct
// mapped by a 64-bit hash of the input; an entry is used only when kind, length and bytes are
// exactly the input's, so a hit gives the digest computing it would. Bounded: kSlots entries
// of at most kMaxInput bytes (longer inputs are always computed).
struct DigestMemo {
  static constexpr size_t kSlots = 64, kMaxInput = 512;
  struct Slot {
    uint64_t hash = 0;
    uint16_t len = 0;
    uint8_t md_len = 0;  // 0: empty
    Digest kind = Digest::Md5;
    uint8_t md[EVP_MAX_MD_SIZE];
    uint8_t data[kMaxInput];
  };
  Slot slots[kSlots];
};

unsigned memo_digest(Digest kind, Bytes data, unsigned char* md) noexcept {
  if (data.size() > DigestMemo::kMaxInput) return raw_digest(kind, data, md);
  thread_local DigestMemo memo;
  uint64_t h = std::hash<std::string_view>{}(
                   std::string_view(reinterpret_cast<const char*>(data.data()), data.size())) ^
               uint64_t(kind);
  DigestMemo::Slot& s = memo.slots[h % DigestMemo::kSlots];
  if (s.md_len && s.hash == h && s.kind == kind && s.len == data.size() &&
      (data.empty() || std::memcmp(s.data, data.data(), data.size()) == 0)) {
    std::memcpy(md, s.md, s.md_len);
    return s.md_len;
  }
  unsigned n = raw_digest(kind, data, md);
  if (n && n <= sizeof s.md) {
    s.hash = h;
    s.kind = kind;
    s.len = uint16_t(data.size());
    s.md_len = uint8_t(n);
    std::memcpy(s.md, md, n);
    if (!data.empty()) std::memcpy(s.data, data.data(), data.size());
  }
  return n;
}

}  // namespace

size_t hex_digest(Digest kind, Bytes data, char* out, size_t cap, bool colon, bool upper) noexcept {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = memo_digest(kind, data, md);
  return n ? to_hex({md, n}, out, cap, colon, upper) : 0;
}

}  // namespace ww::app::tls
