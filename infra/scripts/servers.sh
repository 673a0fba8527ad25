#!/usr/bin/env bash
# Starts and stops the replicated servers the failover tests drive, all on 127.0.0.1 under one
# run directory, as root on Debian 12 without systemd (packages: infra/test-packages.txt).
#
#   servers.sh start RUN_DIR PORT_BASE COMPONENT...   postgres | postgres-sync | mariadb | redis | haproxy | bind | nginx
#   servers.sh stop  RUN_DIR                          stops everything started under RUN_DIR
#   servers.sh kill  RUN_DIR NAME                     kill -9 one server (pg1, my1, rd1, ...)
#   servers.sh pid   RUN_DIR NAME
#
# Ports (PORT_BASE + n, keep PORT_BASE + 20 < 32768):
#   0 pg1 (primary)  1 pg2            2 my1 (primary)  3 my2          4 rd1 (master)  5 rd2  6 rd3
#   7 HAProxy runtime API (TCP)       8 HAProxy pg     9 HAProxy mariadb             10 HAProxy redis
#   11 BIND primary  12 BIND secondary (zone vault.test, TSIG key vault-key; NS ns1 = 127.0.0.1 the primary,
#      ns2 = 127.0.0.2 the secondary, which a client reaches at 127.0.0.1:12 — Dns:NameserverAddresses)
#   16 HAProxy stats/admin page (http://127.0.0.1:P/stats, user admin, password in RUN_DIR/haproxy/stats.password)
#   17 nginx stream listener in front of the PostgreSQL pair (upstream "pg" in RUN_DIR/nginx/upstream.conf)
# nginx runs as NGINX_USER when set (an account that may then rewrite its upstream file and reload it over SSH), else root.
# Credentials: PostgreSQL postgres/$PASS, MariaDB vault/$PASS, Redis requirepass $PASS, where PASS is
# written to RUN_DIR/password; the TSIG secret (base64) to RUN_DIR/bind/tsig.secret.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
PASS=vault-test-pw
STATS_PASS=vault-stats-pw

die() { echo "servers.sh: $*" >&2; exit 1; }

# wait_for DESCRIPTION SECONDS COMMAND...: polls until COMMAND succeeds; fails naming what it awaited.
wait_for() {
    local what=$1 seconds=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ]; then
            die "timed out after ${seconds}s waiting for $what"
        fi
        sleep 0.1
    done
}

register() { echo "$2" > "$RUN/pids/$1"; }   # NAME PIDFILE

pid_of() {
    local f
    f=$(cat "$RUN/pids/$1" 2>/dev/null) || return 1
    head -1 "$f" 2>/dev/null | tr -d ' \n'
}

start_postgres() {
    local sync=$1 dir=$RUN/pg
    mkdir -p "$dir"; echo "$PASS" > "$dir/pwfile"; chown -R postgres:postgres "$dir"; chmod 700 "$dir"
    runuser -u postgres -- "$PGBIN/initdb" -D "$dir/pg1" -U postgres --pwfile="$dir/pwfile" --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || die "initdb failed: $(tail -5 "$dir/initdb.log")"
    cat >>"$dir/pg1/postgresql.conf" <<CONF
fsync = off
# pg_rewind (failover rejoin) needs wal_log_hints (or data checksums) on the old primary and full_page_writes on the new one.
full_page_writes = on
wal_log_hints = on
wal_keep_size = 256MB
shared_buffers = 32MB
max_connections = 40
CONF
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/pg1" -l "$dir/pg1.log" -w -t 20 \
        -o "-p $((BASE)) -c listen_addresses=127.0.0.1 -k $dir -c cluster_name=pg1" start >/dev/null || die "pg1 did not start: $(tail -5 "$dir/pg1.log")"
    register pg1 "$dir/pg1/postmaster.pid"
    runuser -u postgres -- psql -h "$dir" -p $BASE -U postgres -qAt \
        -c "CREATE ROLE replicator REPLICATION LOGIN PASSWORD '$PASS'" >/dev/null
    PGPASSWORD=$PASS runuser -u postgres -- env PGPASSWORD=$PASS "$PGBIN/pg_basebackup" -h 127.0.0.1 -p $BASE -U replicator \
        -D "$dir/pg2" -R -X stream -c fast -C -S pg2 >"$dir/basebackup.log" 2>&1 || die "pg_basebackup failed: $(tail -5 "$dir/basebackup.log")"
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/pg2" -l "$dir/pg2.log" -w -t 20 \
        -o "-p $((BASE + 1)) -c listen_addresses=127.0.0.1 -k $dir -c cluster_name=pg2" start >/dev/null || die "pg2 did not start: $(tail -5 "$dir/pg2.log")"
    register pg2 "$dir/pg2/postmaster.pid"
    wait_for "pg2 streaming from pg1" 20 bash -c \
        "runuser -u postgres -- psql -h '$dir' -p $BASE -U postgres -qAt -c \"SELECT 1 FROM pg_stat_replication WHERE application_name='pg2' AND state='streaming'\" | grep -q 1"
    if [ "$sync" = yes ]; then
        runuser -u postgres -- psql -h "$dir" -p $BASE -U postgres -qAt \
            -c "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (pg2)'" -c "SELECT pg_reload_conf()" >/dev/null
        wait_for "pg2 synchronous" 20 bash -c \
            "runuser -u postgres -- psql -h '$dir' -p $BASE -U postgres -qAt -c \"SELECT 1 FROM pg_stat_replication WHERE application_name='pg2' AND sync_state='sync'\" | grep -q 1"
    fi
}

mariadb_cnf() { # NAME PORT SERVER_ID READ_ONLY
    local dir=$RUN/my
    cat >"$dir/$1.cnf" <<CONF
[client]
socket = $dir/$1.sock
port = $2
[mysqld]
user = mysql
port = $2
bind-address = 127.0.0.1
socket = $dir/$1.sock
pid-file = $dir/$1.pid
datadir = $dir/$1
log-error = $dir/$1.err
server-id = $3
log-bin = mariadb-bin
binlog-format = ROW
log-slave-updates = ON
gtid-strict-mode = ON
skip-name-resolve
read-only = $4
innodb-buffer-pool-size = 32M
innodb-log-file-size = 16M
innodb-flush-log-at-trx-commit = 2
sync-binlog = 0
performance-schema = OFF
CONF
}

start_mariadb_node() { # NAME PORT ID READ_ONLY
    local dir=$RUN/my
    mariadb_cnf "$@"
    mkdir -p "$dir/$1"; chown -R mysql:mysql "$dir"
    mariadb-install-db --defaults-file="$dir/$1.cnf" --skip-test-db >"$dir/$1.install.log" 2>&1 || die "mariadb-install-db $1 failed: $(tail -5 "$dir/$1.install.log")"
    setsid mariadbd --defaults-file="$dir/$1.cnf" >/dev/null 2>&1 < /dev/null &
    wait_for "MariaDB $1 to answer ping" 30 mariadb-admin --defaults-file="$dir/$1.cnf" ping
    register "$1" "$dir/$1.pid"
}

start_mariadb() {
    local dir=$RUN/my
    mkdir -p "$dir"
    start_mariadb_node my1 $((BASE + 2)) 1 OFF
    mariadb --defaults-file="$dir/my1.cnf" -e "
        CREATE USER 'vault'@'127.0.0.1' IDENTIFIED BY '$PASS'; GRANT ALL ON *.* TO 'vault'@'127.0.0.1' WITH GRANT OPTION;
        CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY '$PASS'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
        CREATE DATABASE drill;"
    start_mariadb_node my2 $((BASE + 3)) 2 ON
    mariadb --defaults-file="$dir/my2.cnf" -e "
        CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$((BASE + 2)), MASTER_USER='repl', MASTER_PASSWORD='$PASS',
        MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE;"
    wait_for "my2 replicating from my1" 20 bash -c \
        "mariadb --defaults-file='$dir/my2.cnf' -e 'SHOW SLAVE STATUS\\G' | grep -q 'Slave_SQL_Running: Yes' && mariadb --defaults-file='$dir/my2.cnf' -e 'SHOW DATABASES' | grep -q drill"
}

start_redis() {
    local dir=$RUN/redis i port
    mkdir -p "$dir"
    for i in 1 2 3; do
        port=$((BASE + 3 + i))
        mkdir -p "$dir/rd$i"
        local args=(--bind 127.0.0.1 --port $port --daemonize yes --pidfile "$dir/rd$i.pid" --logfile "$dir/rd$i.log"
            --dir "$dir/rd$i" --save '' --appendonly no --repl-diskless-sync-delay 0 --requirepass "$PASS" --masterauth "$PASS")
        [ $i -gt 1 ] && args+=(--replicaof 127.0.0.1 $((BASE + 4)))
        redis-server "${args[@]}" || die "redis rd$i did not start: $(tail -5 "$dir/rd$i.log")"
        register "rd$i" "$dir/rd$i.pid"
        wait_for "redis rd$i to answer PING" 10 bash -c "redis-cli -p $port -a '$PASS' --no-auth-warning ping | grep -q PONG"
    done
    for i in 2 3; do
        wait_for "redis rd$i link up" 10 bash -c "redis-cli -p $((BASE + 3 + i)) -a '$PASS' --no-auth-warning info replication | grep -q 'master_link_status:up'"
    done
}

start_haproxy() {
    local dir=$RUN/haproxy
    mkdir -p "$dir"
    echo "$STATS_PASS" > "$dir/stats.password"
    cat >"$dir/haproxy.cfg" <<CONF
global
    stats socket ipv4@127.0.0.1:$((BASE + 7)) level admin
    maxconn 200
defaults
    mode tcp
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    default-server inter 500ms fall 2 rise 1
listen stats
    mode http
    bind 127.0.0.1:$((BASE + 16))
    stats enable
    stats uri /stats
    stats auth admin:$STATS_PASS
    stats admin if TRUE
frontend pg
    bind 127.0.0.1:$((BASE + 8))
    default_backend pg
backend pg
    server pg1 127.0.0.1:$((BASE)) check
    server pg2 127.0.0.1:$((BASE + 1)) check disabled
frontend mariadb
    bind 127.0.0.1:$((BASE + 9))
    default_backend mariadb
backend mariadb
    server my1 127.0.0.1:$((BASE + 2)) check
    server my2 127.0.0.1:$((BASE + 3)) check disabled
frontend redis
    bind 127.0.0.1:$((BASE + 10))
    default_backend redis
backend redis
    server rd1 127.0.0.1:$((BASE + 4)) check
    server rd2 127.0.0.1:$((BASE + 5)) check disabled
    server rd3 127.0.0.1:$((BASE + 6)) check disabled
CONF
    haproxy -c -q -f "$dir/haproxy.cfg" || die "haproxy configuration is invalid"
    haproxy -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid" || die "haproxy did not start"
    register haproxy "$dir/haproxy.pid"
    wait_for "HAProxy runtime API on $((BASE + 7))" 10 bash -c "echo 'show info' | timeout 2 bash -c 'cat > /dev/tcp/127.0.0.1/$((BASE + 7))'"
}

start_nginx() {
    local dir=$RUN/nginx user=${NGINX_USER:-root}
    [ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || die "nginx's stream module is missing: install libnginx-mod-stream (infra/test-packages.txt)"
    mkdir -p "$dir"
    cat >"$dir/upstream.conf" <<CONF
upstream pg {
    server 127.0.0.1:$((BASE));
    server 127.0.0.1:$((BASE + 1)) down;
}
CONF
    cat >"$dir/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
pid $dir/nginx.pid;
error_log $dir/error.log;
worker_processes 1;
events { worker_connections 64; }
stream {
    include $dir/upstream.conf;
    server {
        listen 127.0.0.1:$((BASE + 17));
        proxy_pass pg;
        proxy_connect_timeout 1s;
    }
}
CONF
    chown -R "$user" "$dir"
    runuser -u "$user" -- nginx -t -q -c "$dir/nginx.conf" -e "$dir/error.log" || die "nginx configuration is invalid: $(tail -3 "$dir/error.log" 2>/dev/null)"
    runuser -u "$user" -- nginx -c "$dir/nginx.conf" -e "$dir/error.log" || die "nginx did not start: $(tail -3 "$dir/error.log" 2>/dev/null)"
    register nginx "$dir/nginx.pid"
    wait_for "nginx listening on $((BASE + 17))" 10 bash -c "timeout 1 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$((BASE + 17))'"
}

start_bind() {
    local dir=$RUN/bind
    mkdir -p "$dir/primary" "$dir/secondary"
    tsig-keygen -a hmac-sha256 vault-key >"$dir/key.conf"
    sed -nE 's/.*secret "([^"]+)".*/\1/p' "$dir/key.conf" >"$dir/tsig.secret"
    cat >"$dir/primary/vault.test.zone" <<ZONE
\$TTL 60
@       IN SOA ns1.vault.test. admin.vault.test. 1 60 10 3600 5
@       IN NS  ns1.vault.test.
@       IN NS  ns2.vault.test.
ns1     IN A   127.0.0.1
ns2     IN A   127.0.0.2
pg      IN A   127.0.1.1
my      IN A   127.0.2.1
redis   IN A   127.0.3.1
ZONE
    local common="listen-on-v6 { none; }; recursion no; dnssec-validation no; allow-transfer { any; };"
    cat >"$dir/primary.conf" <<CONF
options { directory "$dir/primary"; pid-file "$dir/primary/named.pid"; session-keyfile "$dir/primary/session.key";
    listen-on port $((BASE + 11)) { 127.0.0.1; }; $common notify explicit; also-notify { 127.0.0.1 port $((BASE + 12)); }; };
controls { };
include "$dir/key.conf";
zone "vault.test" { type primary; file "$dir/primary/vault.test.zone"; allow-update { key "vault-key"; }; };
CONF
    cat >"$dir/secondary.conf" <<CONF
options { directory "$dir/secondary"; pid-file "$dir/secondary/named.pid"; session-keyfile "$dir/secondary/session.key";
    listen-on port $((BASE + 12)) { 127.0.0.1; }; $common notify no; };
controls { };
zone "vault.test" { type secondary; primaries { 127.0.0.1 port $((BASE + 11)); }; file "$dir/secondary/vault.test.zone"; };
CONF
    chown -R bind:bind "$dir"
    named -u bind -c "$dir/primary.conf" -L "$dir/primary.log" || die "BIND primary did not start: $(tail -5 "$dir/primary.log" 2>/dev/null)"
    register bind1 "$dir/primary/named.pid"
    named -u bind -c "$dir/secondary.conf" -L "$dir/secondary.log" || die "BIND secondary did not start"
    register bind2 "$dir/secondary/named.pid"
    wait_for "BIND primary to answer for vault.test" 10 bash -c "dig @127.0.0.1 -p $((BASE + 11)) +short +time=1 +tries=1 vault.test SOA | grep -q ns1"
    wait_for "BIND secondary to transfer vault.test" 15 bash -c "dig @127.0.0.1 -p $((BASE + 12)) +short +time=1 +tries=1 pg.vault.test A | grep -q 127.0.1.1"
}

stop_one() {
    local name=$1 pid
    pid=$(pid_of "$name") || return 0
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 5))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
}

cmd=${1:-}; RUN=${2:-}
[ -n "$cmd" ] && [ -n "$RUN" ] || die "usage: servers.sh start|stop|kill|pid RUN_DIR ..."
[ "$(id -u)" -eq 0 ] || die "must run as root (the daemons are started under their own users)"
case "$cmd" in
start)
    BASE=${3:?PORT_BASE}; shift 3
    [ $((BASE + 20)) -lt 32768 ] || die "PORT_BASE $BASE is too high: ports must stay below 32768"
    mkdir -p "$RUN/pids"; chmod 755 "$RUN"; echo "$PASS" > "$RUN/password"; chmod 644 "$RUN/password"
    for c in "$@"; do
        case "$c" in
        postgres) start_postgres no ;;
        postgres-sync) start_postgres yes ;;
        mariadb) start_mariadb ;;
        redis) start_redis ;;
        haproxy) start_haproxy ;;
        bind) start_bind ;;
        nginx) start_nginx ;;
        *) die "unknown component '$c'" ;;
        esac
    done
    ;;
stop)
    [ -d "$RUN/pids" ] || exit 0
    for f in "$RUN"/pids/*; do [ -e "$f" ] && stop_one "$(basename "$f")" & done
    wait
    ;;
kill)
    pid=$(pid_of "${3:?NAME}") || die "no server '$3' under $RUN"
    children=$(pgrep -P "$pid" || true)
    kill -KILL "$pid" $children 2>/dev/null || true
    ;;
pid)
    pid_of "${3:?NAME}" || die "no server '$3' under $RUN"
    ;;
*) die "unknown command '$cmd'" ;;
esac
