#!/usr/bin/env bash
# Set up this machine for Telephonist from the project's own files: Debian
# packages, the .venv with the Python deps, and the C media engine built in
# place.  Idempotent: a second run with nothing changed takes about a second,
# because every step is skipped when it is already done (dpkg status,
# stamp files under .venv/, timestamps of csrc/ against the built module).
#
# Meant for Debian 12 as root (or with sudo), Python 3.11 as `python3`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
VENV=$ROOT/.venv
PY=$VENV/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK=1
export DEBIAN_FRONTEND=noninteractive

log() { printf '[bootstrap] %s\n' "$*" >&2; }

APT_PACKAGES=(
    build-essential pkg-config
    libspandsp-dev libtiff-tools libtiff-dev portaudio19-dev
    libsofia-sip-ua-dev                   # the engine's sip driver: sofia-sip's user agent and SDP parser
    libsrtp2-dev                          # the engine's sip driver: SRTP (SDES-keyed) in its RTP
    sip-tester                            # tests/sip: SIPp as the far end of sip spans
    baresip-core                          # tests/sip: baresip as a SIP phone over TLS with SRTP
    kamailio kamailio-websocket-modules kamailio-tls-modules   # the browser agents' edge proxy (etc/kamailio; tests/sip)
    rtpengine-daemon                      # WebRTC media for browser agents: ICE + DTLS-SRTP <-> RTP (etc/rtpengine; tests/sip)
    espeak-ng sox libsox-fmt-all
    postgresql
    chromium fonts-wqy-microhei
    ghostscript
    qemu-system-x86 debootstrap e2fsprogs
    dahdi-source
    libpri-dev
    libopenr2-dev                         # the engine's MFC-R2 (China No.1) on DAHDI E1 CAS spans
    libfuse2 fuse3
    clang libclang-rt-14-dev
    ca-certificates
    rsync openssh-client openssh-server   # telephonist backup to user@host:/folder; the tests' own sshd
    debhelper dpkg-dev python3.11-dev python3.11-venv   # make deb (packaging/debian/control's Build-Depends)
    systemd-container                     # tests/packaging: the .deb's units booted under systemd-nspawn
)

# Debian's own python3 has neither venv (ensurepip) nor Python.h without these.
if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    APT_PACKAGES+=(python3-venv)
fi
if ! python3 -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' >/dev/null 2>&1; then
    APT_PACKAGES+=(python3-dev)
fi

# ---------------------------------------------------------------- apt
# One dpkg-query for all packages; anything not "ii" is missing.
declare -A INSTALLED=()
while read -r pkg status; do
    if [[ $status == ii ]]; then INSTALLED[$pkg]=1; fi
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${APT_PACKAGES[@]}" 2>/dev/null || true)
MISSING=()
for pkg in "${APT_PACKAGES[@]}"; do
    [[ -n ${INSTALLED[$pkg]:-} ]] || MISSING+=("$pkg")
done
if ((${#MISSING[@]})); then
    SUDO=
    if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
    log "installing Debian packages: ${MISSING[*]}"
    APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
    $SUDO apt-get "${APT_OPTS[@]}" update -qq
    $SUDO apt-get "${APT_OPTS[@]}" install -y -q --no-install-recommends "${APT_PACKAGES[@]}"
fi

# ---------------------------------------------------------------- venv
# Recreate the venv if it is missing or its interpreter no longer runs
# (e.g. python3 was upgraded underneath it).
if ! "$PY" -c '' >/dev/null 2>&1; then
    log "creating $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$PY" -m pip install -q --upgrade pip setuptools wheel
fi

# Stamp = hash of the file that drives the step, so editing it redoes the step.
stamp_ok() { [[ -f $VENV/.stamp-$1 && $(cat "$VENV/.stamp-$1") == "$2" ]]; }
stamp_set() { printf '%s\n' "$2" >"$VENV/.stamp-$1"; }

REQ_HASH=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
if ! stamp_ok requirements "$REQ_HASH"; then
    log "pip install -r requirements.txt"
    "$PY" -m pip install -q -r requirements.txt
    stamp_set requirements "$REQ_HASH"
fi

# Editable install of the project itself (console script `telephonist`,
# package metadata).  Redone when pyproject.toml, setup.py or requirements change, when the
# package's __init__.py appears or goes, or when the console script is missing.
EDIT_HASH=$( { cat pyproject.toml setup.py requirements*.txt; ls telephonist/__init__.py 2>/dev/null || true; } | sha256sum | cut -d' ' -f1)
if ! stamp_ok editable "$EDIT_HASH" || [[ ! -x $VENV/bin/telephonist ]]; then
    log "pip install -e ."
    "$PY" -m pip install -q --no-build-isolation -e .
    stamp_set editable "$EDIT_HASH"
fi

# ---------------------------------------------------------------- C engine
# Build telephonist/_engine*.so in place (cffi names it _engine.abi3.so or
# _engine.cpython-311-*.so).  Rebuild from scratch whenever any file under
# csrc/ or setup.py is newer than a built module, so header-only edits count
# too; skip entirely otherwise.
shopt -s nullglob
SOS=(telephonist/_engine*.so)
shopt -u nullglob
stale=
for so in "${SOS[@]}"; do
    if [[ -n $(find csrc setup.py -newer "$so" -print -quit) ]]; then stale=1; fi
done
if ((${#SOS[@]} == 0)) || [[ -n $stale ]]; then
    log "building the C engine (csrc/ changed or not built yet)"
    rm -f "${SOS[@]}"
    "$PY" setup.py -q build_ext --inplace --force
    shopt -s nullglob
    SOS=(telephonist/_engine*.so)
    shopt -u nullglob
    if ((${#SOS[@]} == 0)); then
        log "error: build finished but no telephonist/_engine*.so was made"
        exit 1
    fi
fi

log "ready"
