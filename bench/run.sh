#!/usr/bin/env bash
# Tessera benchmark harness (issue 5): `make bench` runs this script.
#
#   bench/run.sh            full run: installs wrk, nginx-light (and the build deps) when missing,
#                           builds a Release binary, `npm ci` for the oidc-provider peer, runs every
#                           workload against Tessera, nginx and node-oidc-provider, writes
#                           bench/results/latest.md (and .jsonl with every raw run)
#   bench/run.sh --smoke    one-second runs at one connection of every workload against all three
#                           servers (what `make test` runs, so the harness cannot rot); builds
#                           nothing when TESSERA_BIN is set; asserts only that every request got
#                           a 2xx, never anything about timing
#
# Knobs (environment): TESSERA_BIN (use this binary, build nothing), BENCH_DURATION (s per run,
# default 4), BENCH_REPEATS (default 3), BENCH_CONNS (default "1 64"), BENCH_SCALE_TOKENS
# (default 1000000; 0 skips the scale part), BENCH_WORKLOADS (default "1 2 3 4 5 6"),
# BENCH_OUT (default bench/results/latest.md), BENCH_KEEP=1 (keep the work directory).
#
# Every server listens on 127.0.0.1 ports chosen here; each is pinned to CPU 0 and wrk to CPU 1.
# Only processes this script started are stopped, by PID, on every exit path.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
SMOKE=0
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

DURATION=${BENCH_DURATION:-4}
REPEATS=${BENCH_REPEATS:-3}
CONNS=${BENCH_CONNS:-"1 64"}
SCALE_TOKENS=${BENCH_SCALE_TOKENS:-1000000}
BASE_TOKENS=1000
WORKLOADS=${BENCH_WORKLOADS:-"1 2 3 4 5 6"}
OUT=${BENCH_OUT:-$BENCH/results/latest.md}
if [ "$SMOKE" = 1 ]; then
  DURATION=1; REPEATS=1; CONNS=1; SCALE_TOKENS=0
fi
WRK_THREADS=1
T_START=$(date +%s)

log() { echo "[bench $(date +%T)] $*" >&2; }
# Every HTTP call of the set-up is bounded too (a hung server fails the run instead of stalling it).
curl() { command curl --max-time 30 "$@"; }
die() { echo "bench: error: $*" >&2; exit 1; }
has_wl() { [[ " $WORKLOADS " == *" $1 "* ]]; }

# ---------------------------------------------------------------- processes we started
PIDS=()
W=""
stop_pid() {  # TERM, then (bounded) KILL; only PIDs this script started
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  local pid
  for pid in "${PIDS[@]+"${PIDS[@]}"}"; do stop_pid "$pid"; done
  if [ -n "$W" ] && [ -d "$W" ]; then
    if [ "${BENCH_KEEP:-0}" = 1 ] || [ $rc -ne 0 ]; then log "work directory kept: $W"; else rm -rf "$W"; fi
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- dependencies
apt_install() {  # installs the Debian packages of "$@" that are missing
  local missing="" p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  [ -z "$missing" ] && return 0
  log "installing:$missing"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing >/dev/null
}

apt_install wrk nginx-light curl sqlite3 openssl util-linux
command -v node >/dev/null 2>&1 || apt_install nodejs npm
for tool in wrk curl sqlite3 openssl taskset; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
NGINX_BIN=$(command -v nginx || true)
[ -z "$NGINX_BIN" ] && [ -x /usr/sbin/nginx ] && NGINX_BIN=/usr/sbin/nginx
HAVE_NODE=0
command -v node >/dev/null 2>&1 && HAVE_NODE=1

# ---------------------------------------------------------------- the binary
if [ -n "${TESSERA_BIN:-}" ]; then
  [ -x "$TESSERA_BIN" ] || die "TESSERA_BIN=$TESSERA_BIN is not executable"
  TESSERA=$TESSERA_BIN
elif [ "$SMOKE" = 1 ]; then
  TESSERA=""
  for c in "$ROOT/build-release/apps/tessera/tessera" "$ROOT/build/apps/tessera/tessera"; do
    [ -x "$c" ] && { TESSERA=$c; break; }
  done
  [ -n "$TESSERA" ] || die "no tessera binary; set TESSERA_BIN"
else
  make -C "$ROOT" --no-print-directory deps >&2
  log "building the Release binary in build-release"
  # -Werror stays with `make build`/`make test` (-O2): at -O3 g++ 12 reports false positives in
  # Boost.Asio (-Wnull-dereference) and elsewhere.
  [ -f "$ROOT/build-release/build.ninja" ] ||
    cmake -S "$ROOT" -B "$ROOT/build-release" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$ROOT/build-release" tessera >&2
  TESSERA=$ROOT/build-release/apps/tessera/tessera
fi

OIDC_OK=0
[ "$HAVE_NODE" = 1 ] || die "node is required"
# The smoke run (part of `make test`) reuses an installed peer; a full run always reinstalls it.
if [ "$SMOKE" = 0 ] || [ ! -d "$BENCH/oidc-provider/node_modules/oidc-provider" ]; then
  log "npm ci in bench/oidc-provider"
  (cd "$BENCH/oidc-provider" && timeout 600 npm ci --no-audit --no-fund --loglevel=error >&2)
fi
OIDC_OK=1
NGINX_OK=0
[ -n "$NGINX_BIN" ] && NGINX_OK=1

W=$(mktemp -d /tmp/tessera-bench.XXXXXX)
RESULTS=$W/results.jsonl
: > "$RESULTS"
NOTES=()
WL_TEXT=()
CLK_TCK=$(getconf CLK_TCK)

# ---------------------------------------------------------------- helpers
used_ports=" "
free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    [[ "$used_ports" == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      used_ports="$used_ports$p "
      echo "$p"
      return 0
    fi
  done
  die "no free port"
}

cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }  # utime + stime
vm_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# start_server NAME PATTERN CMD...: starts CMD pinned to CPU 0, waits (<= 30 s) for a stdout line
# containing PATTERN (empty: do not wait); sets SERVER_PID and START_MS (exec to that line).
start_server() {
  local name=$1 pattern=$2
  shift 2
  local logf=$W/$name.log fifo=$W/$name.fifo
  rm -f "$fifo"
  mkfifo "$fifo"
  local t0
  t0=$(date +%s%N)
  taskset -c 0 "$@" >"$fifo" 2>>"$logf.err" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  local fd line found=0
  exec {fd}<"$fifo"
  if [ -z "$pattern" ]; then
    found=1
  else
    while IFS= read -r -t 30 -u "$fd" line; do
      echo "$line" >>"$logf"
      if [[ "$line" == *"$pattern"* ]]; then found=1; break; fi
    done
  fi
  START_MS=$((($(date +%s%N) - t0) / 1000000))
  cat <&"$fd" >>"$logf" &
  PIDS+=("$!")
  exec {fd}<&-
  rm -f "$fifo"
  [ "$found" = 1 ] || { cat "$logf" "$logf.err" >&2 2>/dev/null; die "$name did not start"; }
}

wait_http() {  # URL: bounded wait until it answers
  local i
  for i in $(seq 1 100); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.05
  done
  die "no answer from $1"
}

basic() { printf 'Basic %s' "$(printf '%s:%s' "$1" "$2" | base64 -w0)"; }
json_str() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | head -1; }
field() { grep -o "name=\"$1\" value=\"[^\"]*\"" | head -1 | sed 's/.*value="//;s/"$//'; }

# run_wrk SERVER PID WORKLOAD LABEL CONNS REP URL [VAR=VALUE...]: one wrk run, one JSON line.
run_wrk() {
  local server=$1 pid=$2 wl=$3 label=$4 conns=$5 rep=$6 url=$7
  shift 7
  local idle_var="IDLE_${server//[^a-zA-Z0-9]/_}_${wl//[^a-zA-Z0-9]/_}"
  local idle=${!idle_var:-}
  if [ -z "$idle" ]; then
    idle=$(vm_kb "$pid" VmRSS)
    printf -v "$idle_var" '%s' "$idle"
    # Reset VmHWM to the current RSS (Linux >= 4.0), so that the peak is this workload's and not,
    # say, the 64 MiB argon2id buffer of the login in the set-up flow.
    echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
  fi
  local c0 c1 out line strict=0
  [ "$SMOKE" = 1 ] && strict=1
  c0=$(cpu_ticks "$pid")
  out=$(env BENCH_STRICT=$strict "$@" taskset -c 1 wrk -t"$WRK_THREADS" -c"$conns" -d"${DURATION}s" \
    --timeout 5s -s "$BENCH/lua/request.lua" "$url" 2>&1) || { echo "$out" >&2; die "wrk failed ($server $label)"; }
  c1=$(cpu_ticks "$pid")
  line=$(echo "$out" | sed -n 's/^BENCH //p')
  [ -n "$line" ] || { echo "$out" >&2; die "no wrk summary ($server $label)"; }
  local rss hwm
  rss=$(vm_kb "$pid" VmRSS)
  hwm=$(vm_kb "$pid" VmHWM)
  echo "${line%\}},\"server\":\"$server\",\"workload\":\"$wl\",\"label\":\"$label\",\"conns\":$conns,\"rep\":$rep,\"cpu_ticks\":$((c1 - c0)),\"clk_tck\":$CLK_TCK,\"rss_idle_kb\":$idle,\"rss_kb\":$rss,\"hwm_kb\":$hwm}" >>"$RESULTS"
  local req fails
  req=$(echo "$line" | sed 's/.*"requests":\([0-9]*\).*/\1/')
  fails=$(echo "$line" | sed 's/.*"err_connect":\([0-9]*\),"err_read":\([0-9]*\),"err_write":\([0-9]*\),"err_status":\([0-9]*\),"err_timeout":\([0-9]*\),"non2xx":\([0-9]*\).*/\1+\2+\3+\4+\5+\6/')
  fails=$((fails))
  log "  $label c=$conns rep=$rep $server: $req requests, $((req / DURATION))/s, failed $fails"
  if [ "$fails" -ne 0 ] || [ "$req" -eq 0 ]; then
    FAILED_RUNS=$((FAILED_RUNS + 1))
    echo "$out" >&2
  fi
}
FAILED_RUNS=0

# A workload: WORKLOAD LABEL then, per server, "name|pid|url|VAR=VALUE;VAR=VALUE" (values without
# ';' or '|'). The servers take turns inside each repeat.
run_workload() {
  local wl=$1 label=$2
  shift 2
  local conns rep spec name pid url envs
  local -a envarr
  for conns in $CONNS; do
    for rep in $(seq 1 "$REPEATS"); do
      for spec in "$@"; do
        IFS='|' read -r name pid url envs <<<"$spec"
        IFS=';' read -r -a envarr <<<"$envs"
        run_wrk "$name" "$pid" "$wl" "$label" "$conns" "$rep" "$url" "${envarr[@]}"
      done
    done
  done
}

# The authorization code flow with an EHR launch, driven with curl (authorize -> login -> consent
# -> token), as a browser and an app would; prints the token response.
ehr_flow() {  # BASE DB CLIENT_ID REDIRECT USER PASSWORD PATIENT ENCOUNTER SCOPE
  local base=$1 db=$2 client=$3 redirect=$4 user=$5 password=$6 patient=$7 encounter=$8 scope=$9
  local launch verifier challenge jar loc page ix csrf back code
  launch=$("$TESSERA" --database "$db" launch create --patient "$patient" --encounter "$encounter" \
    --user "$user" --need-patient-banner --smart-style-url "$base/smart-style/v1.json" | head -1)
  verifier=$(openssl rand -hex 32)
  challenge=$(printf %s "$verifier" | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '=')
  jar=$W/cookies.$RANDOM
  loc=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' -G "$base/authorize" \
    --data-urlencode response_type=code --data-urlencode "client_id=$client" \
    --data-urlencode "redirect_uri=$redirect" --data-urlencode "scope=$scope" \
    --data-urlencode state=bench-state-0001 --data-urlencode "aud=$base/fhir" \
    --data-urlencode "code_challenge=$challenge" --data-urlencode code_challenge_method=S256 \
    --data-urlencode "launch=$launch")
  [[ "$loc" == "$base/interaction/"* ]] || die "authorize did not start an interaction: $loc"
  page=$(curl -s -c "$jar" -b "$jar" "$loc")
  ix=$(field interaction <<<"$page")
  csrf=$(field csrf <<<"$page")
  curl -s -c "$jar" -b "$jar" -o /dev/null "$loc/login" --data-urlencode "interaction=$ix" \
    --data-urlencode "csrf=$csrf" --data-urlencode "username=$user" --data-urlencode "password=$password"
  page=$(curl -s -c "$jar" -b "$jar" "$loc")
  if grep -q 'action="[^"]*/patient"' <<<"$page"; then
    csrf=$(field csrf <<<"$page")
    curl -s -c "$jar" -b "$jar" -o /dev/null "$loc/patient" --data-urlencode "interaction=$ix" \
      --data-urlencode "csrf=$csrf" --data-urlencode "patient=$patient"
    page=$(curl -s -c "$jar" -b "$jar" "$loc")
  fi
  csrf=$(field csrf <<<"$page")
  local args=(--data-urlencode "interaction=$ix" --data-urlencode "csrf=$csrf" --data-urlencode decision=approve)
  local s
  for s in $(grep -o 'name="scope" value="[^"]*"' <<<"$page" | sed 's/.*value="//;s/"$//'); do
    args+=(--data-urlencode "scope=$s")
  done
  back=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' "$loc/consent" "${args[@]}")
  code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$back")
  [ -n "$code" ] || die "no code after consent: $back"
  curl -s "$base/token" --data-urlencode grant_type=authorization_code --data-urlencode "code=$code" \
    --data-urlencode "client_id=$client" --data-urlencode "redirect_uri=$redirect" \
    --data-urlencode "code_verifier=$verifier"
}

add_client() {  # DB ARGS...: prints the secret (if any)
  local db=$1
  shift
  "$TESSERA" --database "$db" client add "$@" | sed -n 's/^client_secret: \(.*\)$/\1/p'
}

tessera_conf() {  # FILE: the bench configuration (one worker thread: the server has one core)
  cat >"$1" <<'EOF'
[log]
level = "warn"

[server]
threads = 1
EOF
}

db_bytes() { sqlite3 "$1" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null; stat -c %s "$1"; }
live_tokens() { sqlite3 "$1" "SELECT count(*) FROM tokens WHERE revoked = 0 AND expires_at > CAST(strftime('%s','now') AS INTEGER)"; }
dbstat_bytes() {  # DB NAME...: bytes of these tables/indexes (dbstat)
  local db=$1
  shift
  local list
  list=$(printf "'%s'," "$@")
  sqlite3 "$db" "SELECT coalesce(sum(pgsize),0) FROM dbstat WHERE name IN (${list%,})"
}

nginx_start() {  # DIR PORT: nginx, one process (master_process off), static files from DIR/www
  local d=$1 port=$2
  mkdir -p "$d/tmp" "$d/www" "$d/logs"
  cat >"$d/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  default_type application/json;
  sendfile on;
  tcp_nodelay on;
  keepalive_timeout 65s;
  keepalive_requests 100000000;
  open_file_cache max=64 inactive=600s;
  open_file_cache_valid 600s;
  server {
    listen 127.0.0.1:$port;
    root $d/www;
    # wrk sends the same POST it sends to Tessera; the static module answers POST with 405, so
    # turn that into the file itself (an internal redirect, then a plain static answer).
    location / { error_page 405 =200 \$uri; }
  }
}
EOF
  start_server nginx "" "$NGINX_BIN" -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log"
  NGINX_PID=$SERVER_PID
  NGINX_PORT=$port
}

# ================================================================ the authorization server
log "work directory $W; Tessera binary $TESSERA"
AS_PORT=$(free_port)
AS=http://127.0.0.1:$AS_PORT
DB=$W/authz.db
CONF=$W/tessera.toml
tessera_conf "$CONF"
"$TESSERA" --database "$DB" init >/dev/null
RS_SECRET=$(add_client "$DB" --id bench-rs --name "Bench resource server" --type resource-server --scope __introspect)
BACKEND_SECRET=$(add_client "$DB" --id bench-backend --name "Bench backend" --type confidential \
  --grant-type client_credentials --scope "system/Patient.rs system/Observation.rs")
"$TESSERA" --database "$DB" client add --id bench-app --name "Bench App" --type public \
  --redirect-uri http://127.0.0.1:9/cb --launch-uri http://127.0.0.1:9/launch \
  --scope "launch openid fhirUser patient/*.rs" >/dev/null
"$TESSERA" --database "$DB" user add doctor --password bench-doctor-password \
  --fhir-user Practitioner/bench-practitioner --name "Dr. Bench" --can-launch >/dev/null
"$TESSERA" --database "$DB" access grant --user doctor --patient '*' --relationship practitioner >/dev/null
[ -n "$RS_SECRET" ] && [ -n "$BACKEND_SECRET" ] || die "seeding failed"

start_server tessera "port=" "$TESSERA" --config "$CONF" --database "$DB" serve --role authz --listen "127.0.0.1:$AS_PORT"
T_PID=$SERVER_PID
TOKEN_JSON=$(ehr_flow "$AS" "$DB" bench-app http://127.0.0.1:9/cb doctor bench-doctor-password \
  bench-patient bench-encounter "launch openid fhirUser patient/*.rs")
AT=$(json_str access_token <<<"$TOKEN_JSON")
[ -n "$AT" ] || die "no access token: $TOKEN_JSON"
RS_AUTH=$(basic bench-rs "$RS_SECRET")
BACKEND_AUTH=$(basic bench-backend "$BACKEND_SECRET")
INTRO_BODY=$(curl -s -H "Authorization: $RS_AUTH" "$AS/introspect" --data-urlencode "token=$AT")
grep -q '"active":true' <<<"$INTRO_BODY" && grep -q '"patient":"bench-patient"' <<<"$INTRO_BODY" &&
  grep -q '"encounter":"bench-encounter"' <<<"$INTRO_BODY" && grep -q '"fhirUser"' <<<"$INTRO_BODY" ||
  die "introspection of the flow's token lacks the launch context: $INTRO_BODY"
UNKNOWN="tsr_at_$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')"
INACTIVE_BODY=$(curl -s -H "Authorization: $RS_AUTH" "$AS/introspect" --data-urlencode "token=$UNKNOWN")
[ "$INACTIVE_BODY" = '{"active":false}' ] || die "unknown token: $INACTIVE_BODY"
CC_BODY_FORM="grant_type=client_credentials&scope=system%2FPatient.rs+system%2FObservation.rs"
CC_BODY=$(curl -s -H "Authorization: $BACKEND_AUTH" "$AS/token" --data "$CC_BODY_FORM")
grep -q '"access_token":"tsr_at_' <<<"$CC_BODY" || die "client_credentials: $CC_BODY"
log "introspection answer: ${#INTRO_BODY} bytes; token answer: ${#CC_BODY} bytes"
# For bench/profile.sh (BENCH_KEEP=1): how to replay the requests against this store.
cat >"$W/session.env" <<EOF
DB='$DB'
CONF='$CONF'
AT='$AT'
UNKNOWN='$UNKNOWN'
RS_AUTH='$RS_AUTH'
BACKEND_AUTH='$BACKEND_AUTH'
CC_BODY_FORM='$CC_BODY_FORM'
EOF

# The store: exactly BASE_TOKENS live tokens (the flow's, the one above, and generated ones).
SCALE=0
[ "$SCALE_TOKENS" -gt 0 ] && [ "$HAVE_NODE" = 1 ] && has_wl 1 && SCALE=1
have_live=$(live_tokens "$DB")
if [ "$HAVE_NODE" = 1 ] && has_wl 1; then
  log "adding $((BASE_TOKENS - have_live)) live tokens (store: $BASE_TOKENS)"
  node "$BENCH/gen-tokens.mjs" $((BASE_TOKENS - have_live)) "$AS" "$AS/fhir" "$W/tokens-1k.txt" 1 | sqlite3 "$DB" >/dev/null
  LIVE_1K=$(live_tokens "$DB")
else
  LIVE_1K=$have_live
fi
if [ "$SCALE" = 1 ]; then
  DB1M=$W/authz-1m.db
  BYTES_1K=$(db_bytes "$DB")
  sqlite3 "$DB" ".backup '$DB1M'"
  log "adding $((SCALE_TOKENS - LIVE_1K)) live tokens to a copy (store: $SCALE_TOKENS)"
  t0=$(date +%s%N)
  node "$BENCH/gen-tokens.mjs" $((SCALE_TOKENS - LIVE_1K)) "$AS" "$AS/fhir" "$W/tokens-1m.txt" \
    $(((SCALE_TOKENS - LIVE_1K) / 20000 + 1)) | sqlite3 "$DB1M" >/dev/null
  LOAD_S=$(awk -v ns=$(($(date +%s%N) - t0)) 'BEGIN {printf "%.1f", ns / 1e9}')
  LIVE_1M=$(live_tokens "$DB1M")
  BYTES_1M=$(db_bytes "$DB1M")
  log "loaded in ${LOAD_S} s; $LIVE_1M live tokens, $BYTES_1M bytes"
fi

# ---- the references for workloads 1-3
SERVERS_W1=("tessera|$T_PID|$AS/introspect|BENCH_BODY=token=$AT;BENCH_AUTH=$RS_AUTH")
SERVERS_W2=("tessera|$T_PID|$AS/introspect|BENCH_BODY=token=$UNKNOWN;BENCH_AUTH=$RS_AUTH")
SERVERS_W3=("tessera|$T_PID|$AS/token|BENCH_BODY=$CC_BODY_FORM;BENCH_AUTH=$BACKEND_AUTH")
if [ "$NGINX_OK" = 1 ]; then
  nginx_start "$W/nginx" "$(free_port)"
  NG=http://127.0.0.1:$NGINX_PORT
  printf '%s' "$INTRO_BODY" >"$W/nginx/www/introspect-active.json"
  printf '%s' "$INACTIVE_BODY" >"$W/nginx/www/introspect-inactive.json"
  printf '%s' "$CC_BODY" >"$W/nginx/www/token.json"
  wait_http "$NG/token.json"
  SERVERS_W1+=("nginx|$NGINX_PID|$NG/introspect-active.json|BENCH_BODY=token=$AT;BENCH_AUTH=$RS_AUTH")
  SERVERS_W2+=("nginx|$NGINX_PID|$NG/introspect-inactive.json|BENCH_BODY=token=$UNKNOWN;BENCH_AUTH=$RS_AUTH")
  SERVERS_W3+=("nginx|$NGINX_PID|$NG/token.json|BENCH_BODY=$CC_BODY_FORM;BENCH_AUTH=$BACKEND_AUTH")
  for f in introspect-active introspect-inactive token; do
    [ "$(curl -s -X POST -d x=1 "$NG/$f.json" | wc -c)" -gt 0 ] || die "nginx does not serve $f.json to POST"
  done
fi
if [ "$OIDC_OK" = 1 ]; then
  OP_PORT=$(free_port)
  OP=http://127.0.0.1:$OP_PORT
  start_server oidc-provider "port=" env NODE_ENV=production node "$BENCH/oidc-provider/server.js" "$OP_PORT"
  OP_PID=$SERVER_PID
  OP_AUTH=$(basic bench-client bench-client-secret-0123456789abcdef)
  OP_TOKEN_JSON=$(curl -s -H "Authorization: $OP_AUTH" "$OP/token" --data "grant_type=client_credentials&scope=system%2FPatient.rs+launch")
  OP_AT=$(json_str access_token <<<"$OP_TOKEN_JSON")
  OP_INTRO=$(curl -s -H "Authorization: $OP_AUTH" "$OP/introspect" --data-urlencode "token=$OP_AT")
  grep -q '"active":true' <<<"$OP_INTRO" && grep -q '"patient":"bench-patient"' <<<"$OP_INTRO" ||
    die "oidc-provider introspection: $OP_INTRO"
  OP_UNKNOWN=$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')
  [ "$(curl -s -H "Authorization: $OP_AUTH" "$OP/introspect" --data-urlencode "token=$OP_UNKNOWN")" = '{"active":false}' ] ||
    die "oidc-provider unknown token"
  log "oidc-provider introspection answer: ${#OP_INTRO} bytes"
  SERVERS_W1+=("oidc-provider|$OP_PID|$OP/introspect|BENCH_BODY=token=$OP_AT;BENCH_AUTH=$OP_AUTH")
  SERVERS_W2+=("oidc-provider|$OP_PID|$OP/introspect|BENCH_BODY=token=$OP_UNKNOWN;BENCH_AUTH=$OP_AUTH")
  SERVERS_W3+=("oidc-provider|$OP_PID|$OP/token|BENCH_BODY=$CC_BODY_FORM;BENCH_AUTH=$OP_AUTH")
fi

WL_TEXT+=("{\"label\":\"1 introspect active\",\"text\":\"POST /introspect (Basic, resource server) of an access token from a real EHR-launch authorization code flow: patient, encounter, fhirUser, need_patient_banner, smart_style_url; ${#INTRO_BODY}-byte answer; the store holds ${LIVE_1K} live tokens. oidc-provider: a client_credentials token with the same launch members as extra claims.\"}")
WL_TEXT+=("{\"label\":\"2 introspect unknown\",\"text\":\"POST /introspect of a well-formed token that is not in the store ({\\\"active\\\":false}).\"}")
WL_TEXT+=("{\"label\":\"3 client_credentials\",\"text\":\"POST /token grant_type=client_credentials (Basic, confidential client), scope system/Patient.rs system/Observation.rs; Tessera commits grant, token and audit row to SQLite (WAL, synchronous=NORMAL: survives a crash of the process) before it answers.\"}")

if has_wl 1; then
  log "workload 1: introspection of an active token"
  run_workload w1 "1 introspect active" "${SERVERS_W1[@]}"
  if [ "$SMOKE" = 0 ] && [ -s "$W/tokens-1k.txt" ]; then
    log "workload 1r: introspection of random live tokens ($LIVE_1K in the store)"
    CONNS_SAVE=$CONNS; CONNS=64
    run_workload w1r "1r introspect random live" "tessera|$T_PID|$AS/introspect|BENCH_TOKENS=$W/tokens-1k.txt;BENCH_AUTH=$RS_AUTH"
    CONNS=$CONNS_SAVE
    WL_TEXT+=("{\"label\":\"1r introspect random live\",\"text\":\"Tessera only, 64 connections: each request introspects the next of the generated live tokens (all ${BASE_TOKENS}), so lookups spread over the whole table.\"}")
  fi
fi
has_wl 2 && { log "workload 2: introspection of an unknown token"; run_workload w2 "2 introspect unknown" "${SERVERS_W2[@]}"; }
has_wl 3 && { log "workload 3: client_credentials token issuance"; run_workload w3 "3 client_credentials" "${SERVERS_W3[@]}"; }
stop_pid "$T_PID"
if [ "$OIDC_OK" = 1 ]; then stop_pid "$OP_PID"; fi

# ---- scale: the same introspection with SCALE_TOKENS live tokens; start-up time
STARTUP_1M=()
STARTUP_1K=()
if [ "$SCALE" = 1 ]; then
  for i in 1 2 3; do
    start_server tessera-1k "port=" "$TESSERA" --config "$CONF" --database "$DB" serve --role authz --listen "127.0.0.1:$AS_PORT"
    STARTUP_1K+=("$START_MS")
    stop_pid "$SERVER_PID"
  done
  for i in 1 2 3 4 5; do
    start_server tessera-1m "port=" "$TESSERA" --config "$CONF" --database "$DB1M" serve --role authz --listen "127.0.0.1:$AS_PORT"
    STARTUP_1M+=("$START_MS")
    if [ "$i" -lt 5 ]; then stop_pid "$SERVER_PID"; fi
  done
  T1M_PID=$SERVER_PID
  log "start-up with $LIVE_1M tokens: ${STARTUP_1M[*]} ms (with $LIVE_1K: ${STARTUP_1K[*]} ms)"
  grep -q '"active":true' <<<"$(curl -s -H "Authorization: $RS_AUTH" "$AS/introspect" --data-urlencode "token=$AT")" ||
    die "1M store: token not active"
  log "workload 1 with $LIVE_1M live tokens"
  run_workload w1-1M "1 introspect active, 1M tokens" "tessera|$T1M_PID|$AS/introspect|BENCH_BODY=token=$AT;BENCH_AUTH=$RS_AUTH"
  CONNS_SAVE=$CONNS; CONNS=64
  run_workload w1r-1M "1r introspect random live, 1M tokens" "tessera|$T1M_PID|$AS/introspect|BENCH_TOKENS=$W/tokens-1m.txt;BENCH_AUTH=$RS_AUTH"
  CONNS=$CONNS_SAVE
  stop_pid "$T1M_PID"
  WL_TEXT+=("{\"label\":\"1 introspect active, 1M tokens\",\"text\":\"workload 1 on a copy of the store with ${LIVE_1M} live tokens (generated rows: token + grant each, random keys).\"}")
  WL_TEXT+=("{\"label\":\"1r introspect random live, 1M tokens\",\"text\":\"as 1r, over $(wc -l <"$W/tokens-1m.txt") tokens sampled evenly from the ${LIVE_1M}.\"}")
  TOK_1K=$(dbstat_bytes "$DB" tokens tokens_grant tokens_expiry)
  GR_1K=$(dbstat_bytes "$DB" grants sqlite_autoindex_grants_1)
  TOK_1M=$(dbstat_bytes "$DB1M" tokens tokens_grant tokens_expiry)
  GR_1M=$(dbstat_bytes "$DB1M" grants sqlite_autoindex_grants_1)
  BYTES_1K_NOW=$(db_bytes "$DB")
fi

# ================================================================ FHIR (workloads 4-6)
FHIR_WL=0
for w in 4 5 6; do has_wl $w && FHIR_WL=1; done
if [ "$FHIR_WL" = 1 ]; then
  F_PORT=$(free_port)
  FB=http://127.0.0.1:$F_PORT
  FDB=$W/demo.db
  if "$TESSERA" --database "$FDB" --mode demo init --demo --demo-base-url "$FB" >"$W/demo-init.log" 2>&1 &&
     "$TESSERA" --database "$FDB" --mode demo client add --id bench-app --name "Bench App" --type public \
       --redirect-uri http://127.0.0.1:9/cb --launch-uri http://127.0.0.1:9/launch \
       --scope "launch openid fhirUser patient/*.rs" >/dev/null 2>&1 &&
     "$TESSERA" --database "$FDB" --mode demo user add bench-doctor --password bench-doctor-password \
       --fhir-user Practitioner/bench-practitioner --name "Dr. Bench" --can-launch >/dev/null 2>&1 &&
     "$TESSERA" --database "$FDB" --mode demo access grant --user bench-doctor --patient '*' --relationship practitioner >/dev/null 2>&1; then
    F_OK=1
  else
    F_OK=0
    NOTES+=("FHIR workloads skipped: demo seeding failed ($(tail -1 "$W/demo-init.log"))")
  fi
  # A build without src/fhir/engine + src/gateway carries this message (and only such a build).
  if [ "$F_OK" = 1 ] && grep -aq "this build has no FHIR server" "$TESSERA"; then
    F_OK=0
    NOTES+=("FHIR workloads skipped: this tessera build has no FHIR server (src/fhir/engine, src/gateway)")
  fi
fi
if [ "$FHIR_WL" = 1 ] && [ "$F_OK" = 1 ]; then
  PID_FHIR=$(sqlite3 "$FDB" "SELECT patient_id FROM compartments WHERE type = 'Observation' AND patient_id <> '*' GROUP BY patient_id HAVING count(*) >= 20 ORDER BY count(*) DESC, patient_id LIMIT 1")
  [ -n "$PID_FHIR" ] || die "no demo patient with 20 Observations"
  start_server tessera-fhir "port=" "$TESSERA" --config "$CONF" --database "$FDB" --mode demo serve --role all --listen "127.0.0.1:$F_PORT"
  TF_PID=$SERVER_PID
  F_TOKEN_JSON=$(ehr_flow "$FB" "$FDB" bench-app http://127.0.0.1:9/cb bench-doctor bench-doctor-password \
    "$PID_FHIR" bench-encounter "launch openid fhirUser patient/*.rs")
  FAT=$(json_str access_token <<<"$F_TOKEN_JSON")
  [ -n "$FAT" ] || die "FHIR flow: no token: $F_TOKEN_JSON"
  BEARER="Bearer $FAT"
  P_PATH="/fhir/Patient/$PID_FHIR"
  O_PATH="/fhir/Observation?patient=$PID_FHIR&_count=20"
  P_BODY=$(curl -s -f -H "Authorization: $BEARER" "$FB$P_PATH") || die "FHIR read failed"
  O_BODY=$(curl -s -f -H "Authorization: $BEARER" "$FB$O_PATH") || die "FHIR search failed"
  n_obs=$(grep -o '"resourceType":"Observation"' <<<"$O_BODY" | wc -l)
  [ "$n_obs" -eq 20 ] || NOTES+=("FHIR search returned $n_obs Observations (expected 20)")
  log "FHIR: Patient $PID_FHIR ${#P_BODY} bytes; 20 Observations ${#O_BODY} bytes"
  cat >>"$W/session.env" <<EOF
FDB='$FDB'
F_PORT='$F_PORT'
BEARER='$BEARER'
P_PATH='$P_PATH'
O_PATH='$O_PATH'
EOF
  S4=("tessera|$TF_PID|$FB$P_PATH|BENCH_METHOD=GET;BENCH_AUTH=$BEARER")
  S5=("tessera|$TF_PID|$FB$O_PATH|BENCH_METHOD=GET;BENCH_AUTH=$BEARER")
  if [ "$NGINX_OK" = 1 ]; then
    printf '%s' "$P_BODY" >"$W/nginx/www/patient.json"
    printf '%s' "$O_BODY" >"$W/nginx/www/observations.json"
    S4+=("nginx|$NGINX_PID|$NG/patient.json|BENCH_METHOD=GET;BENCH_AUTH=$BEARER")
    S5+=("nginx|$NGINX_PID|$NG/observations.json|BENCH_METHOD=GET;BENCH_AUTH=$BEARER")
  fi
  WL_TEXT+=("{\"label\":\"4 FHIR read warm\",\"text\":\"GET /fhir/Patient/{id} (${#P_BODY} bytes) through the resource server, --role all (the gateway introspects over HTTP), introspection cache warm (cache_ttl_ms 5000).\"}")
  WL_TEXT+=("{\"label\":\"5 FHIR search warm\",\"text\":\"GET /fhir/Observation?patient={id}&_count=20 (${#O_BODY}-byte Bundle), cache warm.\"}")
  WL_TEXT+=("{\"label\":\"6 FHIR read cold\",\"text\":\"GET /fhir/Patient/{id} with --cache-ttl-ms 0: the cache never answers, so every request introspects over HTTP (loopback, same process), as a fresh token per request would.\"}")
  has_wl 4 && { log "workload 4: FHIR read, cache warm"; run_workload w4 "4 FHIR read warm" "${S4[@]}"; }
  has_wl 5 && { log "workload 5: FHIR search, cache warm"; run_workload w5 "5 FHIR search warm" "${S5[@]}"; }
  stop_pid "$TF_PID"
  if has_wl 6; then
    start_server tessera-fhir-cold "port=" "$TESSERA" --config "$CONF" --database "$FDB" --mode demo serve --role all \
      --listen "127.0.0.1:$F_PORT" --cache-ttl-ms 0
    TC_PID=$SERVER_PID
    curl -s -f -o /dev/null -H "Authorization: $BEARER" "$FB$P_PATH" || die "FHIR cold read failed"
    S6=("tessera|$TC_PID|$FB$P_PATH|BENCH_METHOD=GET;BENCH_AUTH=$BEARER")
    [ "$NGINX_OK" = 1 ] && S6+=("nginx|$NGINX_PID|$NG/patient.json|BENCH_METHOD=GET;BENCH_AUTH=$BEARER")
    log "workload 6: FHIR read, cache cold (TTL 0)"
    run_workload w6 "6 FHIR read cold" "${S6[@]}"
    stop_pid "$TC_PID"
  fi
fi
[ "$NGINX_OK" = 1 ] && stop_pid "$NGINX_PID"

# ================================================================ report
[ "$FAILED_RUNS" -eq 0 ] || die "$FAILED_RUNS run(s) had failed requests (see above)"
if [ "$SMOKE" = 1 ]; then
  log "smoke: $(wc -l <"$RESULTS") runs, every request answered 2xx"
  exit 0
fi
[ "$HAVE_NODE" = 1 ] || exit 0
notes_json=""
for n in "${NOTES[@]+"${NOTES[@]}"}"; do notes_json="$notes_json\"${n//\"/\\\"}\","; done
wl_json=$(IFS=,; echo "${WL_TEXT[*]}")
scale_json=null
if [ "$SCALE" = 1 ]; then
  scale_json="{\"inserted\":$((SCALE_TOKENS - LIVE_1K)),\"load_s\":$LOAD_S,\"marginal_bytes_per_token\":$(awk -v a="$BYTES_1K" -v b="$BYTES_1M" -v la="$LIVE_1K" -v lb="$LIVE_1M" 'BEGIN {printf "%.1f", (b - a) / (lb - la)}'),\"dbs\":[{\"name\":\"1k store\",\"live\":$LIVE_1K,\"bytes\":$BYTES_1K_NOW,\"tokens_bytes\":$TOK_1K,\"grants_bytes\":$GR_1K},{\"name\":\"1M store\",\"live\":$LIVE_1M,\"bytes\":$BYTES_1M,\"tokens_bytes\":$TOK_1M,\"grants_bytes\":$GR_1M}]}"
fi
join_ms() { local IFS=,; echo "$*"; }
cat >"$W/meta.json" <<EOF
{"date":"$(date -u +%Y-%m-%dT%H:%MZ)","cpu":"$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)","nproc":$(nproc),
 "mem":"$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)","loadavg":"$(cut -d' ' -f1-3 /proc/loadavg)",
 "duration":$DURATION,"repeats":$REPEATS,"wrk":"$(wrk -v 2>&1 | head -1 | awk '{print $2}')",
 "tessera":"$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$ROOT" && [ -n "$(git status --porcelain -- src apps 2>/dev/null)" ] && echo '+local changes' || true)",
 "nginx":"$([ -n "$NGINX_BIN" ] && "$NGINX_BIN" -v 2>&1 | sed 's/.*nginx\///')","node":"$(node --version)",
 "oidc":"$(node -p "require('$BENCH/oidc-provider/node_modules/oidc-provider/package.json').version" 2>/dev/null)",
 "startup_ms_1m":[$(join_ms "${STARTUP_1M[@]+"${STARTUP_1M[@]}"}")],"startup_ms_1k":[$(join_ms "${STARTUP_1K[@]+"${STARTUP_1K[@]}"}")],
 "scale":$scale_json,"workloads":[$wl_json],"notes":[${notes_json%,}]}
EOF
mkdir -p "$(dirname "$OUT")"
node "$BENCH/report.mjs" "$RESULTS" "$W/meta.json" >"$OUT.tmp"
echo "" >>"$OUT.tmp"
echo "Total bench time: $(($(date +%s) - T_START)) s." >>"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cp "$RESULTS" "${OUT%.md}.jsonl"
cat "$OUT"
log "wrote $OUT"
