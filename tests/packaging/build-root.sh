#!/usr/bin/env bash
# A clean Debian bookworm root for the package tests (tests/packaging): debootstrap's minbase, the
# mirror's package lists, nothing else, so the .deb must bring every dependency itself. With
# --systemd, the same plus systemd and dbus, to boot with systemd-nspawn and run the units under
# the real systemd (sandbox, User=, StateDirectory= ...).
#
# Built once into a cache outside the tree and rebuilt only when this script changes (its sha256
# names the root). Tests never change the cached root: they install into a copy. A lock keeps two
# builds from running at once; a second caller waits and then finds the root made.
#
#   TELEPHONIST_PACKAGING_CACHE  cache directory (default /var/cache/telephonist-packaging)
#   DEBIAN_MIRROR                mirror (default http://deb.debian.org/debian)
#
# Prints the root's directory on stdout. Needs root, debootstrap and the mirror.
set -euo pipefail

FLAVOUR=minbase
if [[ ${1:-} == --systemd ]]; then FLAVOUR=systemd; fi
CACHE=${TELEPHONIST_PACKAGING_CACHE:-/var/cache/telephonist-packaging}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${DEBIAN_SECURITY_MIRROR:-http://security.debian.org/debian-security}
HASH=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
OUT=$CACHE/root-$FLAVOUR-$HASH

log() { printf '[packaging root] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ -f $OUT/done ]]; then echo "$OUT/root"; exit 0; fi
[[ $(id -u) -eq 0 ]] || die "building the root needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap is missing (scripts/bootstrap.sh installs it)"
mkdir -p "$CACHE"
exec 9>"$CACHE/.build-$FLAVOUR.lock"
if ! flock -n 9; then
    log "another build of the $FLAVOUR root is running; waiting for it"
    flock -w 1800 9 || die "timed out waiting for $CACHE/.build-$FLAVOUR.lock"
fi
if [[ -f $OUT/done ]]; then echo "$OUT/root"; exit 0; fi

WORK=$CACHE/build-$FLAVOUR-$HASH
ROOT=$WORK/root
rm -rf "$WORK"
mkdir -p "$WORK"
started=$SECONDS
INCLUDE=()
if [[ $FLAVOUR == systemd ]]; then INCLUDE=(--include=systemd,systemd-sysv,dbus); fi
log "debootstrap bookworm (minbase${INCLUDE:+, systemd}) from $MIRROR into $ROOT"
nice -n 10 debootstrap --variant=minbase "${INCLUDE[@]}" bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (network to $MIRROR? see $WORK/debootstrap.log)"; }
cat >"$ROOT/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY bookworm-security main
SOURCES
# package lists in the root; the downloaded .debs are kept in the cache (the tests bind-mount it)
chroot "$ROOT" apt-get -q -o Acquire::Retries=3 update >"$WORK/apt.log" 2>&1 \
    || { tail -20 "$WORK/apt.log" >&2; die "apt-get update in the root failed (see $WORK/apt.log)"; }
chroot "$ROOT" apt-get clean
if [[ $FLAVOUR == systemd ]]; then
    # a booted container: a machine id, no console getty, no units that need hardware
    chroot "$ROOT" systemd-machine-id-setup >/dev/null 2>&1 || true
    rm -f "$ROOT/etc/machine-id" && : >"$ROOT/etc/machine-id"
    chroot "$ROOT" systemctl mask console-getty.service getty@tty1.service systemd-timesyncd.service \
        >/dev/null 2>&1 || true
fi
mkdir -p "$WORK/out"
mv "$ROOT" "$WORK/out/root"
date -u +%FT%TZ >"$WORK/out/done"
rm -rf "$OUT"
mv "$WORK/out" "$OUT"
rm -rf "$WORK"
# older roots, unless a test run still works on one (it holds .in-use shared; tests/packaging/debian_root.py)
for old in "$CACHE"/root-"$FLAVOUR"-*; do
    [[ $old == "$OUT" ]] && continue
    if (exec 8>"$old/.in-use" && flock -n 8 && rm -rf "$old"); then log "removed the older root $old"
    else log "keeping the older root $old: a run uses it"; fi
done
log "$FLAVOUR root ready in $OUT ($((SECONDS - started)) s)"
echo "$OUT/root"
