#!/usr/bin/env bash
# Throughput of `judgebox worker` through Redis Streams, against
# `judgebox exec --stream` on the same jobs.
#
#   bench/redis_bench.sh [BUILD_DIR] [JOBS] [RUNS]   (defaults: build, 400, 3)
#
# Each figure is the best of RUNS runs (the machine is shared: the best run
# is the one least disturbed), after one warm-up run of exec --stream.
# Starts a private redis-server on a free loopback port (--save "" --appendonly
# no) in a scratch directory, and removes both at the end. Prints jobs/s for
# 1, 2 and 4 workers (--parallel 1 each) and the per-job overhead of the
# Redis path over exec --stream with as many slots. On a 2-core machine
# expect the rate to be about flat beyond 2 workers: a job's set-up is mostly
# CPU work and 2 cores do 2 at a time; what it still gains comes from the
# part of the set-up that waits (exec --stream --parallel 4 gains as much).
#
#   bench/redis_bench.sh --big-entry [BUILD_DIR] [MIB]   (defaults: build, 400)
#
# instead measures the worker's memory for one big queue entry: a Job whose
# stdin is MIB MiB, through one worker (--parallel 1) with its default
# --max-entry (refused unread: INVALID_JOB) and with --max-entry 2G (run),
# printing the worker's peak RSS (VmHWM of /proc/PID/status, read once the
# verdict is out) and the verdict. Not timed.
set -euo pipefail
if [ "${1:-}" = --big-entry ]; then
	BUILD=${2:-build}
	JB=$(realpath "$BUILD/judgebox")
	exec env JB_BIN="$JB" python3 - "$(dirname "$(realpath "$0")")/../tests/redis" "${3:-400}" <<'EOF'
import os, signal, subprocess, sys
sys.path.insert(0, sys.argv[1])
import rtest  # noqa: E402  (its private redis-server and RESP client)

mib = int(sys.argv[2])
jb = os.environ["JB_BIN"]
helps = subprocess.run([jb, "worker", "--help"], capture_output=True, text=True)
caps = [[], ["--max-entry", "2G"]] if "--max-entry" in helps.stdout + helps.stderr else [[]]
job = rtest.job("big", ["/usr/bin/wc", "-c"], stdin=b"x" * (mib << 20))
print("entry: a Job of %d bytes (stdin %d MiB); worker %s" % (len(job), mib, jb))
r = rtest.Redis()
try:
    c = r.client(timeout=600)
    for n, flags in enumerate(caps):
        stream = "big%d" % n
        entry = rtest.add_job(c, stream, job, stream + ":out")
        w = subprocess.Popen([jb, "worker", "--redis", r.url(), "--jobs", stream, "--group", "g",
                              "--parallel", "1"] + flags, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        vs = rtest.Verdicts(c, stream + ":out")
        vs.wait([entry], 600)
        v = vs.by_entry.get(entry, {})
        with open("/proc/%d/status" % w.pid) as f:
            hwm = [l.split()[1] for l in f if l.startswith("VmHWM:")][0]
        w.send_signal(signal.SIGTERM)
        w.wait(60)
        print("worker %-22s peak RSS (VmHWM) %7.1f MiB = %.2f x the entry; verdict %s %s" % (
            " ".join(flags) or "(default --max-entry)", int(hwm) / 1024,
            int(hwm) * 1024 / len(job), v.get("status"),
            (v.get("message") or v.get("stdout", b"").decode().strip())[:90]))
        c.call("DEL", stream)
finally:
    r.close()
EOF
fi
BUILD=${1:-build}
N=${2:-400}
RUNS=${3:-3}
JB=$(realpath "$BUILD/judgebox")
command -v redis-server >/dev/null || { echo "redis_bench: redis-server is not installed" >&2; exit 77; }
if "$JB" submit --jobs probe </dev/null 2>&1 | grep -q "without hiredis"; then
	echo "redis_bench: $JB was built without hiredis" >&2
	exit 77
fi

TMP=$(mktemp -d /tmp/jbredisbench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=redis://127.0.0.1:$PORT
REDIS_PID=
WORKERS=()
cleanup() {
	for p in "${WORKERS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${WORKERS[@]}"; do wait "$p" 2>/dev/null || true; done
	[ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP" \
	--daemonize no >"$TMP/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 100); do
	python3 - "$PORT" <<'EOF' 2>/dev/null && break
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)
s.sendall(b"*1\r\n$4\r\nPING\r\n")
sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
EOF
	sleep 0.05
done

# N delimited copies of one short job (/bin/true), ids b0..b(N-1).
"$JB" job -- /bin/true >"$TMP/one.job"
python3 - "$TMP/one.job" "$N" >"$TMP/jobs" <<'EOF'
import sys
def varint(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)
one = open(sys.argv[1], "rb").read()
for i in range(int(sys.argv[2])):
    idf = b"b%d" % i
    job = b"\x0a" + varint(len(idf)) + idf + one   # field 1 (id) in front
    sys.stdout.buffer.write(varint(len(job)) + job)
EOF

now() { date +%s.%N; }
best() { python3 -c "import sys; print(min(map(float, sys.argv[1:])))" "$@"; }
rate() { python3 -c "import sys; n,t=int(sys.argv[1]),float(sys.argv[2]); print('%.0f' % (n/t))" "$@"; }


run_exec() {
	local t0 t1
	t0=$(now)
	"$JB" exec --stream --parallel "$1" <"$TMP/jobs" >"$TMP/exec.out"
	t1=$(now)
	python3 -c "print($t1 - $t0)"
}

# One submit of all N jobs to W idle workers (--parallel 1 each).
run_redis() {
	local w=$1 stream=$2 p i t0 t1
	WORKERS=()
	for i in $(seq "$w"); do
		"$JB" worker --redis "$URL" --jobs "$stream" --group g --consumer "w$i" \
			2>>"$TMP/worker.log" &
		WORKERS+=($!)
	done
	sleep 0.5 # connected, blocked in XREADGROUP
	t0=$(now)
	"$JB" submit --redis "$URL" --jobs "$stream" --timeout 600 <"$TMP/jobs" >"$TMP/sub.out"
	t1=$(now)
	for p in "${WORKERS[@]}"; do kill -TERM "$p"; done
	for p in "${WORKERS[@]}"; do wait "$p"; done
	WORKERS=()
	[ "$("$JB" show --stream <"$TMP/sub.out" | wc -l)" = "$N" ] ||
		{ echo "redis_bench: verdicts missing" >&2; exit 1; }
	python3 -c "print($t1 - $t0)"
}

# Runs interleaved, so that a busy spell of the machine hits every figure.
"$JB" exec --stream --parallel 2 <"$TMP/jobs" >/dev/null # warm-up
E1=() E2=() E4=() R1=() R2=() R4=()
for k in $(seq "$RUNS"); do
	E1+=("$(run_exec 1)")
	R1+=("$(run_redis 1 "b1-$k")")
	E2+=("$(run_exec 2)")
	R2+=("$(run_redis 2 "b2-$k")")
	E4+=("$(run_exec 4)")
	R4+=("$(run_redis 4 "b4-$k")")
done
declare -A EXEC_T RED_T
EXEC_T[1]=$(best "${E1[@]}")
EXEC_T[2]=$(best "${E2[@]}")
EXEC_T[4]=$(best "${E4[@]}")
RED_T[1]=$(best "${R1[@]}")
RED_T[2]=$(best "${R2[@]}")
RED_T[4]=$(best "${R4[@]}")
for p in 1 2 4; do
	printf "exec --stream --parallel %d: %5s jobs/s (%d jobs in %.2fs)\n" "$p" \
		"$(rate "$N" "${EXEC_T[$p]}")" "$N" "${EXEC_T[$p]}"
done
for w in 1 2 4; do
	printf "redis, %d worker(s):         %5s jobs/s (%d jobs in %.2fs)\n" "$w" \
		"$(rate "$N" "${RED_T[$w]}")" "$N" "${RED_T[$w]}"
done

python3 - "$N" "${EXEC_T[1]}" "${RED_T[1]}" "${EXEC_T[2]}" "${RED_T[2]}" "${EXEC_T[4]}" \
	"${RED_T[4]}" <<'EOF'
import os, sys
n = int(sys.argv[1])
t = list(map(float, sys.argv[2:]))
for k, w in enumerate((1, 2, 4)):
    e, r = t[2 * k], t[2 * k + 1]
    print("overhead per job, %d worker(s) vs exec --stream --parallel %d: %+.2f ms" % (
        w, w, (r - e) / n * 1e3))
print("cores: %d; a short job's set-up is partly waiting (clone, exec, the init's report), "
      "so more slots than cores can still gain a little, for exec --stream as for workers"
      % os.cpu_count())
EOF
