#!/usr/bin/env bash
# Build the Debian package (dist/telephonist_VERSION_ARCH.deb) from an sdist: the sdist is unpacked
# into build/deb/, packaging/debian/ becomes its debian/, and dpkg-buildpackage builds the binary
# package (debian/rules: a virtualenv in /opt/telephonist with the engine compiled for Debian's
# python3.11). `make deb` makes the sdist first. Needs the Build-Depends of packaging/debian/control
# (scripts/bootstrap.sh installs them) and PyPI for the Python libraries.
#
#   packaging/build-deb.sh [SDIST [OUTDIR]]   (default: the newest dist/telephonist-*.tar.gz, into dist/)
#
# Prints the .deb's path on stdout; a failed build leaves its folder (and build.log) under build/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '[deb] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

SDIST=${1:-$(ls -t dist/telephonist-*.tar.gz 2>/dev/null | head -1)}
OUT=${2:-dist}
[[ -f $SDIST ]] || die "no sdist (dist/telephonist-*.tar.gz): make sdist, or name one"
NAME=$(basename "$SDIST" .tar.gz)
VERSION=${NAME#telephonist-}
mkdir -p build "$OUT"
WORK=$(mktemp -d build/deb.XXXXXX)
tar -xzf "$SDIST" -C "$WORK"
SRC=$WORK/$NAME
[[ -d $SRC/packaging/debian ]] || die "$SDIST has no packaging/debian"
cp -r "$SRC/packaging/debian" "$SRC/debian"
DEB_VERSION=$(cd "$SRC" && dpkg-parsechangelog -S Version)
[[ $DEB_VERSION == "$VERSION" ]] \
    || die "packaging/debian/changelog is at $DEB_VERSION, the package at $VERSION: add a changelog entry (dch -v $VERSION)"
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
log "building telephonist $VERSION ($ARCH) from $SDIST"
started=$SECONDS
(cd "$SRC" && nice -n 10 dpkg-buildpackage -b -uc -us) >"$WORK/build.log" 2>&1 \
    || { tail -30 "$WORK/build.log" >&2; die "dpkg-buildpackage failed (see $WORK/build.log)"; }
DEB=telephonist_${VERSION}_${ARCH}.deb
mv "$WORK/$DEB" "$OUT/"
rm -rf "$WORK"
log "$OUT/$DEB ($((SECONDS - started)) s)"
echo "$OUT/$DEB"
