#!/usr/bin/env bash
# Profiles one workload of bench/run.sh on a store it kept (BENCH_KEEP=1 leaves the work
# directory and its session.env):
#
#   TESSERA_BIN=build-release/apps/tessera/tessera bench/profile.sh WORKDIR TOOL WORKLOAD [SECONDS]
#     TOOL      none (just the numbers), callgrind (instruction counts, user space; the default of issue 5 on machines
#               without hardware counters) or perf (cpu-clock samples, user + kernel)
#     WORKLOAD  w1 (introspect active), w2 (unknown), w3 (client_credentials), w4 (FHIR read),
#               w5 (FHIR search)
#
# The server runs pinned to CPU 0 under the tool, wrk (-t1 -c64) pinned to CPU 1 for SECONDS
# (default 10); the top entries are printed and the raw profile is left in WORKDIR.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
W=${1:?work directory}; TOOL=${2:-callgrind}; WL=${3:-w1}; SECS=${4:-10}
TESSERA=${TESSERA_BIN:-$ROOT/build-release/apps/tessera/tessera}
# shellcheck disable=SC1091
source "$W/session.env"
PORT=$((20000 + RANDOM % 40000))
URL=http://127.0.0.1:$PORT
role=authz; db=$DB; mode=()
case "$WL" in
  w1) path=/introspect; envs=(BENCH_BODY="token=$AT" BENCH_AUTH="$RS_AUTH") ;;
  w2) path=/introspect; envs=(BENCH_BODY="token=$UNKNOWN" BENCH_AUTH="$RS_AUTH") ;;
  w3) path=/token; envs=(BENCH_BODY="$CC_BODY_FORM" BENCH_AUTH="$BACKEND_AUTH") ;;
  w4|w5) role=all; db=$FDB; mode=(--mode demo); envs=(BENCH_METHOD=GET BENCH_AUTH="$BEARER")
     [ "$WL" = w4 ] && path=$P_PATH || path=$O_PATH ;;
  *) echo "unknown workload $WL" >&2; exit 2 ;;
esac
case "$TOOL" in
  callgrind) pre=(valgrind --tool=callgrind --callgrind-out-file="$W/callgrind.$WL.out" --dump-instr=no) ;;
  none) pre=() ;;
  perf) pre=(perf record -e cpu-clock -F 2000 -g -o "$W/perf.$WL.data" --) ;;
  *) echo "unknown tool $TOOL" >&2; exit 2 ;;
esac
# The demo FHIR server must introspect at its own port: its demo clients are registered for the
# base URL it was seeded with, so re-use that port when profiling the FHIR workloads.
if [ "$role" = all ]; then PORT=$F_PORT; URL=http://127.0.0.1:$PORT; fi
taskset -c 0 ${pre[@]+"${pre[@]}"} "$TESSERA" --config "$CONF" --database "$db" "${mode[@]}" serve --role "$role" \
  --listen "127.0.0.1:$PORT" >"$W/profile.log" 2>&1 &
PID=$!
trap 'kill -INT $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -s -o /dev/null --max-time 1 "$URL/.well-known/openid-configuration" && break
  sleep 0.1
done
c0=$(sed 's/^.*) //' "/proc/$PID/stat" | awk '{print $12 + $13}')
env "${envs[@]}" taskset -c 1 wrk -t1 -c64 -d"${SECS}s" --timeout 10s -s "$ROOT/bench/lua/request.lua" "$URL$path" |
  sed -n 's/^BENCH //p'
c1=$(sed 's/^.*) //' "/proc/$PID/stat" | awk '{print $12 + $13}')
echo "server CPU: $(((c1 - c0) * 1000 / $(getconf CLK_TCK))) ms over ${SECS} s"
kill -INT $PID
wait $PID 2>/dev/null || true
trap - EXIT
if [ "$TOOL" = none ]; then :
elif [ "$TOOL" = callgrind ]; then
  callgrind_annotate --inclusive=no "$W/callgrind.$WL.out" 2>/dev/null | sed -n '1,60p'
else
  perf report -i "$W/perf.$WL.data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep -v '^$' | sed -n '1,70p'
fi
