# Shared by scripts/bench*: machine description, ports, readiness polling, per-process CPU and
# memory readings. Sourced, not run; the sourcing script sets BENCH_NAME first.

bench_die() { echo "${BENCH_NAME:-bench}: error: $*" >&2; exit 1; }
bench_log() { echo "${BENCH_NAME:-bench}: $*" >&2; }

# Installs what the bench scripts run, builds the release binaries and sets BIN (their dir).
bench_prepare() {
    . scripts/lib.sh
    ensure_build_deps
    local need=()
    command -v curl >/dev/null 2>&1 || need+=(curl)
    command -v python3 >/dev/null 2>&1 || need+=(python3)
    command -v taskset >/dev/null 2>&1 || need+=(util-linux)
    command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
    local pkg
    for pkg in "$@"; do
        case $pkg in
            nginx) [[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null 2>&1 || need+=(nginx-light) ;;
            *) command -v "$pkg" >/dev/null 2>&1 || need+=("$pkg") ;;
        esac
    done
    [[ ${#need[@]} -eq 0 ]] || apt_install "${need[@]}"
    bench_log "building (swift build -c release)"
    local out
    out=$(swift build -c release --product entitlement-sidecar 2>&1) || { echo "$out" | tail -n 30 >&2; bench_die "release build failed"; }
    out=$(swift build -c release --product fake-stigg 2>&1) || { echo "$out" | tail -n 30 >&2; bench_die "release build of fake-stigg failed"; }
    BIN=$(swift build -c release --show-bin-path)
    [[ -x $BIN/entitlement-sidecar && -x $BIN/fake-stigg ]] || bench_die "no release binaries in $BIN"
}

cpu_model() { awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo; }

# The header every bench prints, so a figure is never separated from the machine it came from.
bench_machine_info() {
    local rev
    rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -z $(git status --porcelain --untracked-files=no 2>/dev/null) ]] || rev="$rev-dirty"
    echo "date:     $(date -u '+%Y-%m-%d %H:%M:%SZ')"
    echo "cpu:      $(cpu_model) ($(nproc) CPUs)"
    echo "kernel:   $(uname -sr)"
    echo "os:       $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
    echo "swift:    $(swift --version 2>&1 | head -n 1)"
    echo "git:      $rev ($(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo '?'))"
    echo "loadavg:  $(cat /proc/loadavg)"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_http NAME PID URL [SECONDS]: polls until URL answers 2xx; fails if PID dies first.
wait_http() {
    local name=$1 pid=$2 url=$3 limit=${4:-30} start=$SECONDS
    while ((SECONDS - start < limit)); do
        kill -0 "$pid" 2>/dev/null || bench_die "$name exited during start-up"
        curl -fsS --max-time 1 -o /dev/null "$url" 2>/dev/null && return 0
        sleep 0.05
    done
    bench_die "$name did not answer $url within ${limit}s"
}

# stop_pid PID: TERM, up to 10 s, then KILL. Only ever for a process this script started.
stop_pid() {
    local pid=$1
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    local i
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# A process and its direct children (nginx: the master and its worker).
with_children() {
    local p kids=()
    for p in "$@"; do
        echo "$p"
        read -r -a kids <"/proc/$p/task/$p/children" 2>/dev/null || true
        [[ ${#kids[@]} -eq 0 ]] || printf '%s\n' "${kids[@]}"
    done
}

# proc_cpu PID...: "utime stime" in USER_HZ ticks, summed over the processes and their
# children (every thread, including threads that have exited, is in the process's figure).
proc_cpu() {
    local p u=0 s=0 a
    for p in $(with_children "$@"); do
        # after "pid (comm) " utime is field 12 and stime field 13
        read -r -a a < <(awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$p/stat" 2>/dev/null || echo 0 0)
        u=$((u + a[0])); s=$((s + a[1]))
    done
    echo "$u $s"
}

# proc_ctxsw PID...: "voluntary involuntary" context switches over the live threads (threads
# that have exited are missing, so this can undercount a server that ends threads).
proc_ctxsw() {
    local p v=0 n=0 t a
    for p in $(with_children "$@"); do
        for t in /proc/"$p"/task/*; do
            read -r -a a < <(awk '/^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { n = $2 } END { print v + 0, n + 0 }' "$t/status" 2>/dev/null || echo 0 0)
            v=$((v + a[0])); n=$((n + a[1]))
        done
    done
    echo "$v $n"
}

CLK_TCK=$(getconf CLK_TCK)
rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
hwm_mib() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# Busy CPU time of the whole machine (user+nice+system+irq+softirq) and all CPU time, ticks.
machine_ticks() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8; all = 0; for (i = 2; i <= NF; i++) all += $i; print busy, all; exit }' /proc/stat; }
# Steal (time the hypervisor ran someone else while this VM wanted its CPUs) and all ticks:
# a round with steal measured the host, not us.
steal_ticks() { awk '/^cpu / { all = 0; for (i = 2; i <= NF; i++) all += $i; print $9 + 0, all; exit }' /proc/stat; }
# Percentage of the machine's CPU busy over the next second.
busy_1s() {
    local m0 m1
    read -r -a m0 < <(machine_ticks); sleep 1; read -r -a m1 < <(machine_ticks)
    awk -v b="$((m1[0] - m0[0]))" -v a="$((m1[1] - m0[1]))" 'BEGIN { printf "%.1f", (a > 0) ? 100 * b / a : 0 }'
}
above() { awk -v x="$1" -v lim="$2" 'BEGIN { exit !(x > lim) }'; }
verdict() { awk -v x="$1" -v op="$2" -v lim="$3" 'BEGIN { ok = (op == ">=") ? (x >= lim) : (x <= lim); print ok ? "PASS" : "MISS" }'; }
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) printf "%.2f", a[(NR + 1) / 2]; else printf "%.2f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }'; }

# "123.45us" / "1.20ms" / "2.00s" (wrk's latency units) -> microseconds
to_us() {
    awk -v v="$1" 'BEGIN {
        if (match(v, /^[0-9.]+/) == 0) exit 1
        n = substr(v, 1, RLENGTH); u = substr(v, RLENGTH + 1)
        f = (u == "us") ? 1 : (u == "ms") ? 1e3 : (u == "s") ? 1e6 : (u == "m") ? 6e7 : -1
        if (f < 0) exit 1
        printf "%.2f", n * f
    }'
}

# wrk duration ("10s", "1m", "30") -> whole seconds
duration_s() {
    [[ $1 =~ ^([0-9]+)([smh]?)$ ]] || bench_die "bad duration '$1' (use e.g. 10s, 1m)"
    case ${BASH_REMATCH[2]} in
        m) echo $((BASH_REMATCH[1] * 60)) ;;
        h) echo $((BASH_REMATCH[1] * 3600)) ;;
        *) echo "${BASH_REMATCH[1]}" ;;
    esac
}

nginx_bin() { if [[ -x /usr/sbin/nginx ]]; then echo /usr/sbin/nginx; else command -v nginx; fi; }

# nginx_yardstick DIR PORT BODY HEAD: DIR/nginx.conf and DIR/www/bench.json for DESIGN §9's
# yardstick: nginx serves BODY's exact bytes at /bench.json with every header of HEAD (a
# `curl -D` file of the sidecar's answer) but those nginx writes itself. DIR must be readable
# by nginx's worker, which drops root.
nginx_yardstick() {
    local dir=$1 port=$2 body=$3 head=$4 line name value content_type=application/octet-stream add_headers=""
    mkdir -p "$dir/www" "$dir/nginx-temp"
    chmod 755 "$dir" "$dir/www"
    cp "$body" "$dir/www/bench.json"
    chmod 644 "$dir/www/bench.json"
    while IFS= read -r line; do
        line=${line%$'\r'}
        [[ $line == *:* ]] || continue
        name=${line%%:*} value=${line#*:}
        value=${value#"${value%%[![:space:]]*}"}
        [[ $value != *[\"\\\$]* ]] || bench_die "cannot copy header '$name' into nginx's config: $value"
        case ${name,,} in
            date | content-length | connection | keep-alive | server | transfer-encoding) ;;
            content-type) content_type=$value ;;
            *) add_headers+="            add_header $name \"$value\";"$'\n' ;;
        esac
    done < <(tail -n +2 "$head")
    cat >"$dir/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log error;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile off;
    open_file_cache max=16 inactive=60s;
    open_file_cache_valid 60s;
    keepalive_requests 1000000000;
    server_tokens off;
    etag off;
    max_ranges 0;
    types { }
    default_type "$content_type";
    client_body_temp_path $dir/nginx-temp/body;
    proxy_temp_path $dir/nginx-temp/proxy;
    fastcgi_temp_path $dir/nginx-temp/fastcgi;
    uwsgi_temp_path $dir/nginx-temp/uwsgi;
    scgi_temp_path $dir/nginx-temp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $dir/www;
        location = /bench.json {
$add_headers            add_header Last-Modified "";
        }
    }
}
NGINX
}
