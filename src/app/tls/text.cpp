// Digests for fingerprints (JA3/JA3S/JA4, certificate SHA-1, HASSH) through OpenSSL EVP.
#include "app/tls/text.h"

#include <openssl/evp.h>

namespace ww::app::tls {
namespace {

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
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
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

size_t hex_digest(Digest kind, Bytes data, char* out, size_t cap, bool colon, bool upper) noexcept {
  thread_local CtxHolder holder;
  if (!holder.ctx) return 0;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_DigestInit_ex(holder.ctx, holder.md_of(kind), nullptr) != 1 ||
      EVP_DigestUpdate(holder.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(holder.ctx, md, &md_len) != 1)
    return 0;
  return to_hex({md, md_len}, out, cap, colon, upper);
}

}  // namespace ww::app::tls
