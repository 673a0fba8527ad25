#!/usr/bin/env bash
# Installs promtool (Prometheus' rule and exposition checker) into /usr/local/bin without
# installing or starting Prometheus itself: the Debian package is downloaded and only its
# promtool binary is extracted. Idempotent: does nothing when promtool already runs.
set -euo pipefail
dest=${PROMTOOL_DIR:-/usr/local/bin}
if command -v promtool >/dev/null 2>&1 && promtool --version >/dev/null 2>&1; then
    exit 0
fi
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download prometheus >/dev/null 2>&1; then
    $sudo apt-get update -qq
    apt-get download prometheus >/dev/null
fi
dpkg-deb --fsys-tarfile prometheus_*.deb | tar -xO ./usr/bin/promtool > promtool
chmod 755 promtool
$sudo install -m 755 promtool "$dest/promtool"
"$dest/promtool" --version >/dev/null
echo "install-promtool: installed $("$dest/promtool" --version 2>&1 | head -1) into $dest"
