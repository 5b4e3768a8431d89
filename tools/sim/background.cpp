// Benign background traffic: what each kind of host does and how often. Inter-arrival times are
// exponential around a mean per activity. The first run of every activity falls inside the
// first 100 s (or its mean, if shorter), so even a two-minute capture holds every protocol.
#include <functional>

#include "proto/proto.h"
#include "scenarios.h"

namespace ww::sim {

namespace {

using Act = std::function<void(Sim&, Ts)>;

void recurring(Sim& sim, Ts t, Ts mean, Act act) {
  sim.at(t, [mean, act](Sim& s, Ts now) {
    act(s, now);
    Ts gap = static_cast<Ts>(s.rng.exp(static_cast<double>(mean))) + 10 * kMs;
    recurring(s, now + gap, mean, act);
  });
}

// First run uniformly inside [lo, lo + min(mean, 100 s)), then exponential gaps.
void every(Sim& sim, Ts mean, Act act, Ts lo = 0) {
  Ts window = std::min<Ts>(mean, 100 * kSec);
  Ts first = sim.start + lo + static_cast<Ts>(sim.rng.below(static_cast<uint64_t>(window)));
  recurring(sim, first, mean, std::move(act));
}

Host& internet_site(Sim& sim, bool& https) {
  static const char* kSites[] = {"www.nhs.uk", "www.google.com", "outlook.office365.com",
                                 "login.microsoftonline.com", "update.microsoft.com", "www.bbc.co.uk",
                                 "pubmed.ncbi.nlm.nih.gov", "www.uptodate.com", "cdn.jsdelivr.net",
                                 "www.gov.uk", "www.bnf.org", "www.wikipedia.org"};
  const char* name = kSites[sim.rng.below(std::size(kSites))];
  https = sim.rng.chance(0.65);
  return sim.net.internet(name);
}

void browse(Sim& sim, Ts t, Host& client, bool https_only) {
  Session& s = sim.open(t);
  Rng& r = sim.rng;
  bool https;
  Host& site = internet_site(sim, https);
  if (https_only) https = true;
  resolve(sim, s, client, site);
  Tcp tcp(sim, s, client, site, https ? 443 : 80);
  if (!tcp.connect()) return;
  if (https) {
    TlsParams p;
    p.sni = site.fqdn;
    p.tls13 = r.chance(0.75);
    p.exchanges = 1 + static_cast<int>(r.below(4));
    p.up = 500 + r.below(3000);
    p.down = sim.scaled(5000 + r.below(120000));
    tls_session(sim, tcp, p);
  } else {
    int pages = 1 + static_cast<int>(r.below(3));
    for (int i = 0; i < pages; ++i) {
      HttpReq q;
      q.host = site.fqdn;
      q.uri = i == 0 ? "/" : "/" + lorem(r, 1) + "/" + r.alnum(8, true) + ".html";
      q.user_agent = user_agent_for(client);
      q.headers = {{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
                   {"Accept-Encoding", "gzip, deflate"},
                   {"Accept-Language", "en-GB,en;q=0.9"}};
      HttpResp a;
      a.body = lorem_html(r, 2000 + r.below(40000), site.fqdn);
      a.gzip = r.chance(0.6);
      a.chunked = !a.gzip || r.chance(0.3);
      http_exchange(tcp, r, q, a, r.range(5 * kMs, 150 * kMs));
    }
  }
  tcp.close(Dir::kC2S);
}

void studies(Sim& sim, Ts t, Host& modality) {
  Host* ris = sim.net.role("ris");
  Host& pacs = *sim.net.role("pacs");
  DicomStudy st = random_study(sim.rng, modality, sim.bulk);
  Session& s = sim.open(t);
  if (ris) dicom_association(sim, s, modality, *ris, DicomOp::kFindMwl, st);
  s.now += sim.rng.range(30 * kSec, 90 * kSec);  // patient on the table
  dicom_association(sim, s, modality, pacs, DicomOp::kStore, st);
}

void hl7_feed(Sim& sim, Ts t) {
  Rng& r = sim.rng;
  Host& engine = *sim.net.role("hl7_engine");
  static const char* kTypes[] = {"ADT^A01", "ADT^A03", "ADT^A08", "ORM^O01", "ORU^R01"};
  std::vector<Host*> senders = {sim.net.role("ehr"), sim.net.role("lis"), sim.net.role("ris")};
  Host* from = senders[r.below(senders.size())];
  if (!from) from = sim.net.role("ehr");
  std::vector<std::string> types;
  int n = 1 + static_cast<int>(r.below(4));
  for (int i = 0; i < n; ++i) types.push_back(kTypes[r.below(5)]);
  Session& s = sim.open(t);
  std::string app = from->role == "lis" ? "LAB" : from->role == "ris" ? "RIS" : "EPIC";
  hl7_session(sim, s, *from, engine, 2575, types, app);
  // The engine routes the messages on to the EHR.
  s.now += r.range(5 * kMs, 200 * kMs);
  hl7_session(sim, s, engine, *sim.net.role("ehr"), 2575, types, "MIRTH");
}

}  // namespace

void schedule_background(Sim& sim) {
  Hospital& h = sim.net;
  Rng& r = sim.rng;
  Host& dns = *h.role("dns");
  Host& ntp = *h.role("ntp");
  Host& pacs = *h.role("pacs");
  Host& fs = *h.role("fileserver");
  Host& mail = *h.role("mail");
  Host& ehr = *h.role("ehr");
  Host& engine = *h.role("hl7_engine");
  Host* devgw = h.role("device_gateway");
  Host* ftp = h.role("ftp_legacy");
  Host* admin = h.role("admin_ws");
  (void)dns;

  for (Host* host : h.internal) {
    Host& c = *host;
    // ARP for the gateway now and then; DHCP leases being renewed or new devices joining.
    every(sim, 6 * kMin, [&c](Sim& s, Ts t) {
      Session& ss = s.open(t);
      arp_resolve(s, ss, c, c.gateway, s.net.router);
    });
    if (c.dhcp)
      every(sim, c.role == "guest" ? 8 * kMin : 20 * kMin, [&c](Sim& s, Ts t) {
        Session& ss = s.open(t);
        dhcp_lease(s, ss, c);
      });
    if (c.role != "ntp")
      every(sim, 12 * kMin, [&c, &ntp](Sim& s, Ts t) {
        Session& ss = s.open(t);
        ntp_sync(s, ss, c, ntp);
      });
    if (c.role == "workstation") {
      bool clinical = c.zone == "clinical";
      every(sim, 50 * kSec, [&c](Sim& s, Ts t) { browse(s, t, c, false); });
      every(sim, 3 * kMin, [&c, &fs](Sim& s, Ts t) {
        Session& ss = s.open(t);
        smb_office_session(s, ss, c, fs);
      });
      every(sim, 5 * kMin, [&c, &mail](Sim& s, Ts t) {
        Session& ss = s.open(t);
        Mail m;
        m.from = c.name + "@" + s.net.domain;
        m.to = "ward.manager@" + s.net.domain;
        m.subject = "Re: " + lorem(s.rng, 4);
        m.body = lorem(s.rng, 60);
        if (s.rng.chance(0.4)) {
          m.attachment_name = "minutes_" + s.rng.digits(4) + ".pdf";
          m.attachment_type = "application/pdf";
          m.attachment.resize(s.scaled(8000 + s.rng.below(60000)));
          s.rng.fill(m.attachment.data(), m.attachment.size());
          std::memcpy(m.attachment.data(), "%PDF-1.7\n", 9);
        }
        smtp_send(s, ss, c, mail, m);
      });
      if (clinical)
        every(sim, 70 * kSec, [&c, &ehr](Sim& s, Ts t) {
          Session& ss = s.open(t);
          fhir_session(s, ss, c, ehr, s.rng.chance(0.3), 1 + static_cast<int>(s.rng.below(4)));
        });
    } else if (c.role == "guest") {
      every(sim, 40 * kSec, [&c](Sim& s, Ts t) { browse(s, t, c, true); });
    } else if (c.role == "modality") {
      every(sim, 4 * kMin, [&c](Sim& s, Ts t) { studies(s, t, c); });
      every(sim, 5 * kMin, [&c, &pacs](Sim& s, Ts t) {
        Session& ss = s.open(t);
        DicomStudy st;
        dicom_association(s, ss, c, pacs, DicomOp::kEcho, st);
      });
    } else if (c.role == "reading_station") {
      every(sim, 5 * kMin, [&c, &pacs](Sim& s, Ts t) {
        // The PACS pushes prior studies to the reading station.
        Session& ss = s.open(t);
        Host* mod = s.net.role("modality");
        DicomStudy st = random_study(s.rng, *mod, s.bulk);
        st.images = std::min(st.images, 6);
        dicom_association(s, ss, pacs, c, DicomOp::kStore, st);
      });
      every(sim, 12 * kMin, [&c, &pacs](Sim& s, Ts t) {
        Session& ss = s.open(t);
        DicomStudy st;
        dicom_association(s, ss, c, pacs, DicomOp::kRejected, st);
      });
      if (ftp)
        every(sim, 6 * kMin, [&c, ftp](Sim& s, Ts t) {
          Session& ss = s.open(t);
          FtpParams p;
          p.file = "film_" + s.rng.digits(4) + ".tif";
          p.bytes = s.scaled(50000 + s.rng.below(300000));
          ftp_session(s, ss, c, *ftp, p);
        });
    } else if (c.role == "pump" && devgw) {
      every(sim, 45 * kSec, [&c, devgw](Sim& s, Ts t) {
        Session& ss = s.open(t);
        pump_telemetry(s, ss, c, *devgw);
      });
    } else if (c.role == "monitor") {
      every(sim, 60 * kSec, [&c, &engine](Sim& s, Ts t) {
        Session& ss = s.open(t);
        monitor_telemetry(s, ss, c, engine);
      });
    } else if (c.role == "hvac") {
      Host* bms = h.role("bms");
      if (bms)
        every(sim, 90 * kSec, [&c, bms](Sim& s, Ts t) {
          Session& ss = s.open(t);
          Tcp tcp(s, ss, *bms, c, 80);
          if (!tcp.connect()) return;
          HttpReq q;
          q.uri = "/api/status";
          q.host = ip_str(c.ip);
          q.user_agent = "Metasys/12.0";
          HttpResp a;
          a.content_type = "application/json";
          a.body = "{\"zone\":\"" + c.name + "\",\"supply_temp_c\":" + std::to_string(14 + s.rng.below(6)) +
                   ",\"return_temp_c\":" + std::to_string(20 + s.rng.below(4)) + ",\"fan\":\"on\"}";
          http_exchange(tcp, s.rng, q, a, s.rng.range(2 * kMs, 20 * kMs));
          tcp.close(Dir::kC2S);
        });
    }
  }
  every(sim, 25 * kSec, [](Sim& s, Ts t) { hl7_feed(s, t); });
  every(sim, 4 * kMin, [&mail](Sim& s, Ts t) {
    // Inbound mail from a partner laboratory, after an SPF lookup (a fragmented TXT answer).
    Session& ss = s.open(t);
    Host& partner = s.net.internet("mail.partner-labs.example");
    dns_large_txt(s, ss, mail, "partner-labs.example");
    Mail m;
    m.from = "results@partner-labs.example";
    m.to = "pathology@" + s.net.domain;
    m.subject = "Batch results " + s.rng.digits(6);
    m.body = lorem(s.rng, 40);
    m.attachment_name = "results_" + s.rng.digits(6) + ".csv";
    m.attachment_type = "text/csv";
    std::string csv = "mrn,test,value,unit\n";
    for (int i = 0; i < 40; ++i) csv += "MRN" + s.rng.digits(7) + ",GLU," + s.rng.digits(1) + "." + s.rng.digits(1) + ",mmol/L\n";
    m.attachment.assign(csv.begin(), csv.end());
    smtp_send(s, ss, partner, mail, m);
  });
  every(sim, 2 * kMin, [&ntp](Sim& s, Ts t) {
    Session& ss = s.open(t);
    ntp_sync(s, ss, ntp, s.net.internet("pool.ntp.org"));
  });
  if (admin) {
    every(sim, 4 * kMin, [admin](Sim& s, Ts t) {
      Session& ss = s.open(t);
      std::vector<Host*> targets = {s.net.role("pacs"), s.net.role("hl7_engine"), s.net.role("ehr"),
                                    s.net.role("proxy")};
      Host* tgt = targets[s.rng.below(targets.size())];
      resolve(s, ss, *admin, *tgt);
      ssh_session(s, ss, *admin, *tgt, true, 2000 + s.rng.below(20000));
    });
    every(sim, 10 * kMin, [admin](Sim& s, Ts t) {
      auto hv = s.net.with_role("hvac");
      if (hv.empty()) return;
      Session& ss = s.open(t);
      telnet_session(s, ss, *admin, *hv[s.rng.below(hv.size())], "maint", "Hvac2019", true);
    });
  }
  (void)r;
}

}  // namespace ww::sim
