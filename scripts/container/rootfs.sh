#!/bin/sh
# A minimal Debian 12 (bookworm) root filesystem in which test/systemd-container.test.ts boots a real systemd
# with systemd-nspawn and installs the .deb. Built once with mmdebstrap (a few minutes, from Debian's mirror)
# and cached as a tarball outside the checkout, keyed by the suite and package list, so CI runs and other
# checkouts reuse it. Prints the tarball's path.
#
# Env: COUNTER_AGENT_TEST_CACHE  cache folder (default /var/cache/counter-agent-tests)
set -eu
SUITE=bookworm
# What the box needs at install time (the .deb's Depends: ffmpeg, systemd, udev, and the libraries of its
# executable and addons) and what the test uses inside (curl for the API, socat for the scanner pty,
# procps for ps/pkill, iproute2 for ss, dbus for systemctl's bus), and Debian's PostgreSQL for the chain HQ's unit.
PACKAGES=systemd,systemd-sysv,dbus,udev,ca-certificates,curl,procps,ffmpeg,libusb-1.0-0,libudev1,socat,iproute2,postgresql
CACHE=${COUNTER_AGENT_TEST_CACHE:-/var/cache/counter-agent-tests}
KEY=$(printf '%s %s %s\n' "$SUITE" minbase "$PACKAGES" | sha256sum | cut -c1-16)
TAR=$CACHE/rootfs-$SUITE-$KEY.tar
if [ -s "$TAR" ]; then echo "$TAR"; exit 0; fi
command -v mmdebstrap >/dev/null || { echo "mmdebstrap is missing: run scripts/debian-deps.sh" >&2; exit 1; }
mkdir -p "$CACHE"
# Another run may be building the same tarball: one builder at a time, the others wait and reuse it.
exec 9>"$TAR.lock"
flock 9
if [ ! -s "$TAR" ]; then
  LOG=$TAR.log
  # The name must end in .tar: mmdebstrap picks its output format from it (anything else means a directory).
  TMP=$CACHE/.building-$KEY.tar
  if ! mmdebstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$TMP" >"$LOG" 2>&1; then
    rm -f "$TMP"
    echo "mmdebstrap failed (log: $LOG):" >&2
    tail -20 "$LOG" >&2
    exit 1
  fi
  mv "$TMP" "$TAR"
fi
echo "$TAR"
