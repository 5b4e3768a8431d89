# Helpers for the live-capture system tests (sourced).

# ww_live_or_skip BIN DIR: exits 77 (skip) when BIN cannot capture on lo here (no CAP_NET_RAW).
ww_live_or_skip() {
  local bin=$1 dir=$2 p
  "$bin" run -i lo -f "udp port 1" -l "$dir/probe" --workers 1 -q >/dev/null 2>"$dir/probe.err" &
  p=$!
  sleep 0.5
  kill -INT $p 2>/dev/null
  wait $p
  if grep -qi "permission\|not permitted\|socket" "$dir/probe.err"; then
    echo "SKIP: live capture not permitted here: $(head -1 "$dir/probe.err")"
    exit 77
  fi
}

# ww_send_udp PORT MESSAGE...: one datagram per message to 127.0.0.1:PORT, 50 ms apart.
ww_send_udp() {
  python3 - "$@" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
for m in sys.argv[2:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(m.encode(), ("127.0.0.1", port))
    s.close()
    time.sleep(0.05)
PY
}
