// HTTP/1.1 (RFC 9112): requests with Host/User-Agent/Accept headers, responses with
// Content-Length, gzip Content-Encoding (real zlib streams) or chunked Transfer-Encoding.
#include <zlib.h>

#include "proto.h"

namespace ww::sim {

namespace {
const char* kWords[] = {"patient", "ward", "clinic", "care", "nurse", "doctor", "medication",
                        "schedule", "results", "imaging", "report", "health", "service",
                        "appointment", "guidance", "therapy", "blood", "pressure", "review",
                        "the", "and", "for", "with", "from", "this", "that", "update", "policy",
                        "staff", "training", "infection", "control", "visit", "hours", "news"};

std::string gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&z, in.size()) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    default: return "OK";
  }
}
}  // namespace

std::string lorem(Rng& rng, size_t words) {
  std::string s;
  for (size_t i = 0; i < words; ++i) {
    if (i) s.push_back(' ');
    s += kWords[rng.below(std::size(kWords))];
  }
  return s;
}

std::string lorem_html(Rng& rng, size_t approx, const std::string& title) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>" +
                  title + "</title>\n<link rel=\"stylesheet\" href=\"/static/site.css\"></head>\n<body>\n";
  while (s.size() < approx) {
    s += "<h2>" + lorem(rng, 4) + "</h2>\n<p>" + lorem(rng, 40 + rng.below(60)) + "</p>\n";
    if (rng.chance(0.3)) s += "<a href=\"/" + lorem(rng, 1) + "/" + rng.alnum(6, true) + "\">more</a>\n";
  }
  s += "</body>\n</html>\n";
  return s;
}

std::string user_agent_for(const Host& h) {
  if (h.os == "windows")
    return "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.66";
  if (h.os == "mobile") {
    if (h.vendor == "Apple")
      return "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1";
    return "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/122.0.6261.64 Mobile Safari/537.36";
  }
  if (h.os == "embedded") return h.vendor + "-" + h.role + "/2.4.1";
  return "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0";
}

std::string http_request(const HttpReq& r) {
  std::string s = r.method + " " + r.uri + " HTTP/1.1\r\nHost: " + r.host + "\r\n";
  if (!r.user_agent.empty()) s += "User-Agent: " + r.user_agent + "\r\n";
  bool has_accept = false;
  for (const auto& [k, v] : r.headers) {
    s += k + ": " + v + "\r\n";
    if (k == "Accept") has_accept = true;
  }
  if (!has_accept) s += "Accept: */*\r\n";
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
    if (!r.content_type.empty()) s += "Content-Type: " + r.content_type + "\r\n";
    s += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  s += "Connection: keep-alive\r\n\r\n";
  s += r.body;
  return s;
}

std::string http_response(Rng& rng, const HttpResp& r) {
  std::string s = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
  s += "Date: Mon, 04 Mar 2024 08:00:00 GMT\r\nServer: nginx\r\n";
  for (const auto& [k, v] : r.headers) s += k + ": " + v + "\r\n";
  std::string body = r.body;
  if (r.status == 204 || r.status == 304) {
    s += "\r\n";
    return s;
  }
  if (!r.content_type.empty()) s += "Content-Type: " + r.content_type + "\r\n";
  if (r.gzip) {
    body = gzip(body);
    s += "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n";
  }
  if (r.chunked) {
    s += "Transfer-Encoding: chunked\r\n\r\n";
    size_t off = 0;
    while (off < body.size()) {
      size_t n = std::min<size_t>(body.size() - off, 1024 + rng.below(7000));
      char hex[16];
      std::snprintf(hex, sizeof hex, "%zx", n);
      s += hex;
      s += "\r\n";
      s.append(body, off, n);
      s += "\r\n";
      off += n;
    }
    s += "0\r\n\r\n";
  } else {
    s += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    s += body;
  }
  return s;
}

void http_exchange(Tcp& tcp, Rng& rng, const HttpReq& req, const HttpResp& resp, Ts think) {
  tcp.send(Dir::kC2S, http_request(req), rng.range(200, 3000));
  tcp.send(Dir::kS2C, http_response(rng, resp), think);
}

}  // namespace ww::sim
