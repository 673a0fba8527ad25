#!/usr/bin/env bash
# A real OpenSSH server for the remote-operation tests, on 127.0.0.1 with its own configuration, port and
# generated keys, as root on Debian 12 without systemd (package openssh-server: infra/test-packages.txt).
#
#   sshd.sh start RUN_DIR PORT     generate keys, start sshd; prints nothing, fails naming what went wrong
#   sshd.sh stop  RUN_DIR          stop the sshd started under RUN_DIR
#   sshd.sh rekey RUN_DIR          replace the host key with a new one and restart (a "changed host key")
#   sshd.sh pid   RUN_DIR
#
# Under RUN_DIR afterwards:
#   sshd/ssh_host_ed25519_key(.pub)   the host key          sshd/sshd_config, sshd/sshd.log
#   client/id_ed25519                 the test user's key (mode 0600), authorized for USER
#   client/wrong_ed25519              a key sshd does not authorize
#   client/known_hosts                pins the host key as "[127.0.0.1]:PORT"
#   client/user                       the test user's name        files/  a directory the user owns
set -euo pipefail

# SSHD_USER: another account to log in as (the failover drills fence PostgreSQL as postgres).
USER_NAME=${SSHD_USER:-vault-ssh-test}
die() { echo "sshd.sh: $*" >&2; exit 1; }

wait_for() { # DESCRIPTION SECONDS COMMAND...
    local what=$1 seconds=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || die "timed out after ${seconds}s waiting for $what"
        sleep 0.1
    done
}

banner() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && head -c 4 <&3" | grep -q '^SSH-'; }

ensure_user() {
    if ! id "$USER_NAME" >/dev/null 2>&1; then
        useradd --create-home --shell /bin/sh "$USER_NAME" 2>/dev/null || id "$USER_NAME" >/dev/null 2>&1 || die "cannot create user $USER_NAME"
    fi
    # useradd leaves the account locked ('!'), which sshd refuses without PAM; '*' allows key logins only.
    usermod -p '*' "$USER_NAME"
}

start() {
    local run=$1 port=$2
    [ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd is missing: install openssh-server (infra/test-packages.txt)"
    [ "$port" -lt 32768 ] || die "port $port is in the ephemeral range; use a port below 32768"
    ensure_user
    mkdir -p "$run/sshd" "$run/client" "$run/files" /run/sshd
    chmod 755 "$run" "$run/sshd" "$run/files"
    chmod 700 "$run/client"
    chown "$USER_NAME" "$run/files"
    ssh-keygen -q -t ed25519 -N '' -C "vault-test-host" -f "$run/sshd/ssh_host_ed25519_key" || die "ssh-keygen (host key) failed"
    ssh-keygen -q -t ed25519 -N '' -C "vault-test-user" -f "$run/client/id_ed25519" || die "ssh-keygen (user key) failed"
    ssh-keygen -q -t ed25519 -N '' -C "vault-test-wrong" -f "$run/client/wrong_ed25519" || die "ssh-keygen (wrong key) failed"
    cp "$run/client/id_ed25519.pub" "$run/sshd/authorized_keys"
    chmod 644 "$run/sshd/authorized_keys"
    echo "$USER_NAME" > "$run/client/user"
    echo "$port" > "$run/client/port"
    write_known_hosts "$run" "$port"
    cat >"$run/sshd/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $run/sshd/ssh_host_ed25519_key
PidFile $run/sshd/sshd.pid
AuthorizedKeysFile $run/sshd/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
AllowUsers $USER_NAME
UsePAM no
StrictModes no
MaxStartups 100
MaxSessions 50
LogLevel VERBOSE
Subsystem sftp internal-sftp
CONF
    /usr/sbin/sshd -t -f "$run/sshd/sshd_config" 2>"$run/sshd/check.log" || die "sshd -t rejected the configuration: $(cat "$run/sshd/check.log")"
    launch "$run" "$port"
}

write_known_hosts() {
    echo "[127.0.0.1]:$2 $(cut -d' ' -f1,2 "$1/sshd/ssh_host_ed25519_key.pub")" > "$1/client/known_hosts"
    chmod 600 "$1/client/known_hosts"
}

launch() {
    local run=$1 port=$2
    /usr/sbin/sshd -f "$run/sshd/sshd_config" -E "$run/sshd/sshd.log" || die "sshd did not start: $(tail -5 "$run/sshd/sshd.log" 2>/dev/null)"
    wait_for "sshd's banner on 127.0.0.1:$port" 20 banner "$port"
}

pid_of() { head -1 "$1/sshd/sshd.pid" 2>/dev/null | tr -d ' \n'; }

stop() {
    local run=$1 pid
    pid=$(pid_of "$run") || true
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    wait_for "sshd (pid $pid) to exit" 10 bash -c "! kill -0 $pid"
    rm -f "$run/sshd/sshd.pid"
}

case "${1:-}" in
    start) [ $# -eq 3 ] || die "usage: sshd.sh start RUN_DIR PORT"; start "$2" "$3" ;;
    stop) [ $# -eq 2 ] || die "usage: sshd.sh stop RUN_DIR"; stop "$2" ;;
    rekey)
        [ $# -eq 2 ] || die "usage: sshd.sh rekey RUN_DIR"
        stop "$2"
        rm -f "$2/sshd/ssh_host_ed25519_key" "$2/sshd/ssh_host_ed25519_key.pub"
        ssh-keygen -q -t ed25519 -N '' -C "vault-test-host-2" -f "$2/sshd/ssh_host_ed25519_key" || die "ssh-keygen (new host key) failed"
        launch "$2" "$(cat "$2/client/port")" ;;
    pid) pid_of "$2" ;;
    *) die "usage: sshd.sh start|stop|rekey|pid RUN_DIR ..." ;;
esac
