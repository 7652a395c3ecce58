#!/bin/sh
# Runs inside the DAHDI guest (started by the image's /sbin/telephonist-init), from the
# read-only 9p share of the tree at /payload.  Loads DAHDI with two loopback spans wired
# back to back, builds the engine with the guest's own python into a build cache share
# (never into the tree), then runs the command from /results/command in /tmp/src.
#
# Spans (the guest tests name these channels; tests/dahdi/guest/chand_rig.py for chand's):
#   span 1 = channels 1-24, span 2 = channels 25-48; channel n of span 1 faces n+24.
#   1-2  fxoks (our FXS ports, a phone)   <->  25-26 fxsks (our FXO ports, a trunk)
#   3-4  e&m                              <->  27-28 e&m
#   5-8  cas (idle 1101)                  <->  29-32 cas (idle 1101)   (7-8: chand's E1 CAS lines)
#   9-10 clear (audio only)               <->  33-34 clear
#   11-12 fxsks, echo canceller mg2 (chand's trunks)  <->  35-36 fxoks (the test's exchange)
#   13-14 fxoks (chand's phone ports)                 <->  37-38 fxsks (the test's phones)
# chand itself runs on span 1 only, so the alarm test can take span 2 away under it.
# Spans 3 and 4 are E1-sized (31 timeslots) and wired back to back for ISDN PRI (test_pri.py):
#   span 3 = channels 49-79, span 4 = 80-110; timeslot 16 is the D-channel (dchan=64, dchan=95),
#   the others B-channels (bchan); timeslot n of span 3 faces timeslot n of span 4.
# Spans 5 and 6 are E1-sized too, for MFC-R2 (test_r2.py): span 5 = channels 111-141, span 6 = 142-172;
#   timeslots 1-4 are CAS channels (111-114 <-> 142-145, idle 1101), the others left unconfigured.
# Spans 7-12 are three more E1 PRI pairs like 3/4, for the 120-call scale test (test_e1_scale.py): with spans 3/4
#   four pairs of 30 B-channels. Span 7 = 173-203 faces span 8 = 204-234, span 9 = 235-265 faces span 10 = 266-296,
#   span 11 = 297-327 faces span 12 = 328-358; the D-channels on timeslot 16 (188, 219, 250, 281, 312, 343).
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
step() { echo "[guest $(cut -d' ' -f1 /proc/uptime)s] $*"; }
fail() { echo "[guest] error: $*"; dmesg | tail -30; exit 2; }

step "kernel $(uname -r), $(nproc) cpus"
modprobe dahdi auto_assign_spans=1 || fail "modprobe dahdi"
modprobe dahdi_dynamic || fail "modprobe dahdi_dynamic"
modprobe dahdi_dynamic_loc || fail "modprobe dahdi_dynamic_loc"
modprobe dahdi_echocan_mg2 || fail "modprobe dahdi_echocan_mg2"

cat >/tmp/system.conf <<'CONF'
dynamic=loc,1:0,24,0
dynamic=loc,1:1,24,0
dynamic=loc,2:0,31,0
dynamic=loc,2:1,31,0
dynamic=loc,3:0,31,0
dynamic=loc,3:1,31,0
dynamic=loc,4:0,31,0
dynamic=loc,4:1,31,0
dynamic=loc,5:0,31,0
dynamic=loc,5:1,31,0
dynamic=loc,6:0,31,0
dynamic=loc,6:1,31,0
fxoks=1-2
e&m=3-4
cas=5-8:1101
clear=9-10
fxsks=11-12
fxoks=13-14
echocanceller=mg2,11-12
fxsks=25-26
e&m=27-28
cas=29-32:1101
clear=33-34
fxoks=35-36
fxsks=37-38
bchan=49-63,65-79
dchan=64
bchan=80-94,96-110
dchan=95
cas=111-114:1101
cas=142-145:1101
bchan=173-187,189-203
dchan=188
bchan=204-218,220-234
dchan=219
bchan=235-249,251-265
dchan=250
bchan=266-280,282-296
dchan=281
bchan=297-311,313-327
dchan=312
bchan=328-342,344-358
dchan=343
loadzone=us
defaultzone=us
CONF
dahdi_cfg -c /tmp/system.conf >/tmp/dahdi_cfg.log 2>&1 || { cat /tmp/dahdi_cfg.log; fail "dahdi_cfg"; }
[ -e /dev/dahdi/channel ] || fail "no /dev/dahdi/channel"
step "dahdi configured: $(grep -c . /proc/dahdi/1 2>/dev/null) lines in /proc/dahdi/1"

# The engine, built by the guest for the guest, cached by the hash of csrc/ in the
# cache share so a boot with unchanged C sources skips the compile.
mkdir -p /cache
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 cache /cache || fail "mount the build cache share"
mkdir -p /tmp/src
cp -r /payload/csrc /tmp/src/
tar -C /payload --exclude='__pycache__' --exclude='_engine*' -cf - telephonist | tar -C /tmp/src -xf -
KEY=$( (cd /tmp/src/csrc && cat $(ls | sort)) | sha256sum | cut -c1-16)
BUILT=/cache/engine-$KEY
if ! ls "$BUILT"/_engine*.so >/dev/null 2>&1; then
    step "building the engine (csrc hash $KEY)"
    (cd /tmp/src && python3 -c "import sys; sys.path.insert(0, 'csrc'); from build_engine import ffibuilder; ffibuilder.compile(tmpdir='.')") \
        >/tmp/build.log 2>&1 || { tail -40 /tmp/build.log; fail "engine build"; }
    mkdir -p "$BUILT.tmp.$$"
    cp /tmp/src/telephonist/_engine*.so "$BUILT.tmp.$$/"
    rm -rf "$BUILT"
    mv "$BUILT.tmp.$$" "$BUILT"
    # keep the cache small: only the last few builds
    ls -dt /cache/engine-* 2>/dev/null | tail -n +4 | xargs -r rm -rf
else
    step "engine already built for csrc hash $KEY"
fi
cp "$BUILT"/_engine*.so /tmp/src/telephonist/

mkdir -p /tmp/src/guest_tests
cp /payload/tests/dahdi/guest/*.py /tmp/src/guest_tests/
printf '[pytest]\naddopts = -p no:cacheprovider\n' >/tmp/src/pytest.ini
cd /tmp/src
PYTHONPATH=/tmp/src
DAHDI_SYSTEM_CONF=/tmp/system.conf
# chand needs the project's Python dependencies (SQLAlchemy 2, Alembic): the guest borrows them from
# the tree's .venv (same Debian, same Python), appended after its own packages by the chand tests
# only, so the guest's cffi and pytest stay the ones the engine was built and run with. Plugins
# of that venv must not load into the guest's pytest.
PYTEST_DISABLE_PLUGIN_AUTOLOAD=1
TELEPHONIST_HOST_SITE=
PYVER=$(python3 -c 'import sys; print("python%d.%d" % sys.version_info[:2])')
VENV=/payload/.venv
if [ ! -d "$VENV/lib" ]; then
    # .venv is a symlink out of the shared tree (a worktree's): run-in-vm.sh shares its target as "venv"
    mkdir -p /venv && mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro venv /venv 2>/dev/null && VENV=/venv
fi
if [ -d "$VENV/lib/$PYVER/site-packages" ]; then
    TELEPHONIST_HOST_SITE=$VENV/lib/$PYVER/site-packages
else
    step "no /payload/.venv/lib/$PYVER/site-packages: the chand tests will fail (run make setup on the host)"
fi
export PYTHONPATH DAHDI_SYSTEM_CONF PYTEST_DISABLE_PLUGIN_AUTOLOAD TELEPHONIST_HOST_SITE
step "running: $(cat /results/command)"
sh -c "$(cat /results/command)"
rc=$?
step "exit code $rc"
if [ $rc -ne 0 ]; then
    echo "---- dmesg (last 30 lines)"
    dmesg | tail -30
fi
exit $rc
