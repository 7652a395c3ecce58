#!/usr/bin/env bash
# Build the Debian bookworm guest that runs the DAHDI tests under QEMU: a minbase
# root with the distribution kernel, dahdi-dkms built for it by dkms, the DAHDI
# tools and what the engine needs to build and run (python3, cffi, spandsp).
#
# Built once into a cache outside the tree and rebuilt only when this script
# changes (its sha256 names the image directory, so a change to the package list
# below makes a new image).  A lock keeps two builds from
# running at once; a second caller waits and then finds the image made.
#
#   TELEPHONIST_DAHDI_VM_CACHE  cache directory (default /var/cache/telephonist-dahdi-vm)
#   DEBIAN_MIRROR               mirror (default http://deb.debian.org/debian)
#
# Prints the image directory (vmlinuz, initrd.img, rootfs.img) on stdout.
# Needs root, debootstrap, mke2fs and network access to the mirror.
set -euo pipefail

CACHE=${TELEPHONIST_DAHDI_VM_CACHE:-/var/cache/telephonist-dahdi-vm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${DEBIAN_SECURITY_MIRROR:-http://security.debian.org/debian-security}
HASH=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
IMG=$CACHE/image-$HASH

log() { printf '[dahdi-vm build] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ -f $IMG/done ]]; then echo "$IMG"; exit 0; fi

[[ $(id -u) -eq 0 ]] || die "building the guest image needs root (debootstrap, chroot, bind mounts); run as root or build it once with sudo: sudo $0"
for tool in debootstrap mke2fs chroot flock; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install debootstrap e2fsprogs util-linux; scripts/bootstrap.sh does it)"
done
mkdir -p "$CACHE" || die "cannot create $CACHE (set TELEPHONIST_DAHDI_VM_CACHE)"

exec 9>"$CACHE/.build.lock"
if ! flock -n 9; then
    log "another build of the guest image is running; waiting for it"
    flock -w 1800 9 || die "timed out waiting for $CACHE/.build.lock"
fi
if [[ -f $IMG/done ]]; then echo "$IMG"; exit 0; fi

WORK=$CACHE/build-$HASH
ROOT=$WORK/root
cleanup() {
    for m in dev/pts dev sys proc; do
        mountpoint -q "$ROOT/$m" 2>/dev/null && umount -l "$ROOT/$m" || true
    done
}
trap cleanup EXIT
cleanup
rm -rf "$WORK"
mkdir -p "$WORK"
started=$SECONDS

log "debootstrap bookworm (minbase) from $MIRROR into $ROOT"
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (network to $MIRROR? see $WORK/debootstrap.log)"; }

cat >"$ROOT/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY bookworm-security main
SOURCES
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod +x "$ROOT/usr/sbin/policy-rc.d"
# A small initrd: only what mounts the virtio root.
mkdir -p "$ROOT/etc/initramfs-tools/conf.d"
printf 'MODULES=list\nCOMPRESS=gzip\n' >"$ROOT/etc/initramfs-tools/conf.d/telephonist"
printf 'virtio_pci\nvirtio_blk\next4\n' >"$ROOT/etc/initramfs-tools/modules"
# No docs or translations: a smaller image.
cat >"$ROOT/etc/dpkg/dpkg.cfg.d/01-nodoc" <<'NODOC'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/info/*
NODOC

mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"

PACKAGES=(
    linux-image-amd64 linux-headers-amd64 dkms dahdi-dkms dahdi kmod initramfs-tools
    python3 python3-cffi python3-pytest python3-dev python3-setuptools
    gcc libc6-dev libspandsp-dev libtiff-dev portaudio19-dev libsofia-sip-ua-dev libsrtp2-dev
    libpri-dev libpri1.4
    libopenr2-dev libopenr2-3
)
log "installing in the guest: ${PACKAGES[*]}"
chroot "$ROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c \
    "apt-get update -q && apt-get install -y -q --no-install-recommends ${PACKAGES[*]}" \
    >"$WORK/apt.log" 2>&1 \
    || { tail -30 "$WORK/apt.log" >&2; die "apt-get install in the guest failed (see $WORK/apt.log)"; }

KVER=$(basename "$(ls -d "$ROOT"/lib/modules/*/ | sort -V | tail -1)")
find "$ROOT/lib/modules/$KVER" -name 'dahdi_dynamic_loc.ko*' | grep -q . \
    || die "dkms did not build dahdi_dynamic_loc for $KVER (see $WORK/apt.log)"
# The engine's build includes <dahdi/user.h>: dahdi-dkms ships it with its sources.
DAHDI_SRC=$(basename "$(ls -d "$ROOT"/usr/src/dahdi-* | head -1)")
[[ -f $ROOT/usr/src/$DAHDI_SRC/include/dahdi/user.h ]] || die "no dahdi/user.h in the guest's dahdi-dkms"
ln -sfn "../src/$DAHDI_SRC/include/dahdi" "$ROOT/usr/include/dahdi"

# PID 1 of the guest: mount what a test needs, the two 9p shares, run the repo's
# guest script, keep its exit code in the results share and power off.
cat >"$ROOT/sbin/telephonist-init" <<'INIT'
#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
hostname dahdi-vm
modprobe 9pnet_virtio
modprobe 9p
mkdir -p /payload /results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 payload /payload
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /results
if [ -f /payload/scripts/dahdi-vm/guest-main.sh ]; then
    sh /payload/scripts/dahdi-vm/guest-main.sh >/results/output.log 2>&1
    echo $? >/results/exit-code
else
    echo "no scripts/dahdi-vm/guest-main.sh in the shared tree" >/results/output.log
    echo 99 >/results/exit-code
fi
sync
umount /results
echo o >/proc/sysrq-trigger
sleep 30
INIT
chmod +x "$ROOT/sbin/telephonist-init"

log "making the initrd for $KVER"
chroot "$ROOT" update-initramfs -c -k "$KVER" >>"$WORK/apt.log" 2>&1 || die "update-initramfs failed"

mkdir -p "$WORK/out"
cp "$ROOT/boot/vmlinuz-$KVER" "$WORK/out/vmlinuz"
cp "$ROOT/boot/initrd.img-$KVER" "$WORK/out/initrd.img"
cleanup

# Trim what the guest never uses once dkms has built the modules.
chroot "$ROOT" apt-get clean
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/lib/dkms/*/*/build "$ROOT"/boot/*
rm -rf "$ROOT"/lib/modules/"$KVER"/kernel/drivers/{gpu,net/wireless,media,infiniband,staging,bluetooth,isdn,usb}
chroot "$ROOT" depmod -a "$KVER"

log "writing the root file system image"
USED_MB=$(du -sm "$ROOT" | cut -f1)
mke2fs -q -t ext4 -L telephonist-dahdi -d "$ROOT" "$WORK/out/rootfs.img" "$((USED_MB + 400))M" \
    || die "mke2fs -d failed"
echo "$KVER" >"$WORK/out/kernel-version"
date -u +%FT%TZ >"$WORK/out/done"
rm -rf "$IMG"
mv "$WORK/out" "$IMG"
rm -rf "$WORK"
# Images of older versions of this script are no use any more.
for old in "$CACHE"/image-*; do
    [[ $old == "$IMG" ]] || rm -rf "$old"
done
log "guest image ready in $IMG ($((SECONDS - started)) s)"
echo "$IMG"
