// Digests for fingerprints (JA3/JA3S/JA4, certificate SHA-1, HASSH) through OpenSSL EVP.
#include "app/tls/text.h"

#include <openssl/evp.h>

namespace ww::app::tls {
namespace {

// One digest context per thread, made on first use and reused (EVP_DigestInit_ex resets it),
// so no allocation per handshake beyond the first.
struct CtxHolder {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~CtxHolder() { EVP_MD_CTX_free(ctx); }
};

const EVP_MD* md_of(Digest kind) noexcept {
  switch (kind) {
    case Digest::Md5:
      return EVP_md5();
    case Digest::Sha1:
      return EVP_sha1();
    case Digest::Sha256:
      return EVP_sha256();
  }
  return nullptr;
}

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
  if (EVP_DigestInit_ex(holder.ctx, md_of(kind), nullptr) != 1 ||
      EVP_DigestUpdate(holder.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(holder.ctx, md, &md_len) != 1)
    return 0;
  return to_hex({md, md_len}, out, cap, colon, upper);
}

}  // namespace ww::app::tls
