#!/usr/bin/env bash
# Boot the DAHDI guest (built and cached by build-image.sh) under QEMU with software
# emulation, share this tree with it read-only, run a command inside after DAHDI is
# configured with two loopback spans (see guest-main.sh), print the guest's output and
# exit with the command's exit code.
#
#   run-in-vm.sh [--results DIR] [COMMAND...]
#
# COMMAND runs in the guest in /tmp/src (csrc/, telephonist/ with the guest-built
# engine, guest_tests/ = tests/dahdi/guest); default: python3 -m pytest -q -rs -s guest_tests.
# TELEPHONIST_DAHDI_VM_TIMEOUT (seconds, default 600) bounds one boot.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${TELEPHONIST_DAHDI_VM_CACHE:-/var/cache/telephonist-dahdi-vm}
TIMEOUT=${TELEPHONIST_DAHDI_VM_TIMEOUT:-600}
RESULTS=
if [[ ${1:-} == --results ]]; then RESULTS=$2; shift 2; fi
CMD=${*:-python3 -m pytest -q -rs -s guest_tests}

log() { printf '[dahdi-vm] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 97; }

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (apt-get install qemu-system-x86; scripts/bootstrap.sh does it)"
# build-image.sh prints the image directory last (a first build may print more on stdout before it)
IMG=$("$HERE/build-image.sh" | tail -n 1) || die "the guest image could not be built (see the messages above)"

if [[ -z $RESULTS ]]; then RESULTS=$(mktemp -d /tmp/dahdi-vm.XXXXXX); fi
mkdir -p "$RESULTS" "$CACHE/guest-build"
rm -f "$RESULTS/exit-code" "$RESULTS/output.log"
printf '%s\n' "$CMD" >"$RESULTS/command"

log "booting $IMG (results in $RESULTS)"
started=$SECONDS
rc=0
# DAHDI and the tests run on the guest's real time: as root, the guest gets the CPU before
# whatever else the machine runs (other test processes), so it does not fall behind its clock.
PRIO=()
if [[ $(id -u) -eq 0 ]]; then PRIO=(nice -n -10); fi
# A worktree's .venv may be a symlink to another checkout's: its target is shared too (the guest's chand
# borrows its site-packages, guest-main.sh).
VENV_SHARE=()
VENV=$(readlink -f "$REPO/.venv" 2>/dev/null || true)
if [[ -L $REPO/.venv && -d $VENV ]]; then
    VENV_SHARE=(-virtfs "local,path=$VENV,mount_tag=venv,security_model=none,readonly=on")
fi
timeout --foreground -k 10 "$TIMEOUT" "${PRIO[@]}" qemu-system-x86_64 \
    -accel tcg,thread=multi -cpu max -m 1024 -smp 2 \
    -kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 init=/sbin/telephonist-init panic=-1 quiet" \
    -drive "file=$IMG/rootfs.img,if=virtio,format=raw,snapshot=on" \
    -virtfs "local,path=$REPO,mount_tag=payload,security_model=none,readonly=on" \
    -virtfs "local,path=$RESULTS,mount_tag=results,security_model=none" \
    -virtfs "local,path=$CACHE/guest-build,mount_tag=cache,security_model=none" "${VENV_SHARE[@]}" \
    -display none -monitor none -serial "file:$RESULTS/console.log" \
    -no-reboot -nic none </dev/null || rc=$?

[[ -f $RESULTS/output.log ]] && cat "$RESULTS/output.log"
if [[ ! -f $RESULTS/exit-code ]]; then
    log "the guest left no exit code (qemu exit $rc after $((SECONDS - started)) s); its console:"
    tail -40 "$RESULTS/console.log" >&2 || true
    exit 98
fi
code=$(cat "$RESULTS/exit-code")
log "guest finished in $((SECONDS - started)) s with exit code $code"
exit "$code"
