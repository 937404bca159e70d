#!/bin/sh
# Debian packages the box and its tests use (run once on a fresh machine; safe to run again):
#   socat         pseudo-terminals for the simulated scanner and ID reader, and the device tests
#   libusb-1.0-0  loaded by node-hid for USB HID scanners (its hidraw build links it too)
#   udev          udevadm, with which the tests check the udev rules in systemd/
#   ffmpeg        records the counter cameras (and makes the test camera in demo mode and tests)
#   rtsp-server-perl  a real RTSP server that re-serves the test camera stream (demo and tests)
#   chromium      the browser the page tests drive (playwright-core, no browser download)
#   fonts-wqy-microhei  a Chinese font for the kiosk browser and the page screenshots
#   systemd       systemd-notify (READY/WATCHDOG from the service), and systemd-analyze, -sysusers and
#                 -tmpfiles with which the tests check the files in systemd/
#   perl          the tests' stand-in for systemd's notify socket (a datagram socket with arrival times)
#   dpkg-dev      dpkg-shlibdeps: `npm run package` computes the .deb's library dependencies with it
#   iproute2      ip: the package test brings up loopback in the network namespace it runs the executable in
#   postgresql    the chain HQ's database (`counter-agent hq`); its tests and bench start a throwaway server from its
#                 initdb/pg_ctl in a temp dir (the Debian cluster it sets up is not used and may stay stopped)
#   systemd-container  systemd-nspawn: test/systemd-container.test.ts boots a real systemd in a container and
#                 installs the .deb there (this machine need not run systemd itself)
#   mmdebstrap    builds that container's minimal Debian 12 root file system (once; cached, scripts/container/rootfs.sh)
# and, to build and test the executable for the other architecture (arm64 on an amd64 machine, amd64 on arm64):
#   g++-<triplet> the cross compiler for better-sqlite3
#   qemu-user     runs the other architecture's Node and executable (load checks, the cross package test)
#   libc6, libstdc++6, libudev1, libusb-1.0-0 of the other architecture (Debian multiarch: the architecture is
#                 added to dpkg), which that Node and the addons load under qemu-user, and which
#                 dpkg-shlibdeps reads for the other .deb's dependencies
set -e
if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
PACKAGES="socat libusb-1.0-0 udev ffmpeg rtsp-server-perl chromium fonts-wqy-microhei systemd perl dpkg-dev iproute2 postgresql systemd-container mmdebstrap"
# The other architecture's packages come from the same Debian mirror (multiarch). Only on Debian itself: on a
# derivative whose mirror lacks that architecture (Ubuntu's is elsewhere), adding it would break apt-get update;
# there the cross-built package cannot be made or tested (the package test names what is missing).
OTHER=
if [ "$(. /etc/os-release 2>/dev/null && echo "$ID")" = debian ]; then
  case "$(dpkg --print-architecture)" in
    amd64) OTHER=arm64; CROSS=g++-aarch64-linux-gnu ;;
    arm64) OTHER=amd64; CROSS=g++-x86-64-linux-gnu ;;
  esac
fi
if [ -n "$OTHER" ]; then
  dpkg --print-foreign-architectures | grep -qx "$OTHER" || $SUDO dpkg --add-architecture "$OTHER"
  PACKAGES="$PACKAGES $CROSS qemu-user libc6:$OTHER libstdc++6:$OTHER libudev1:$OTHER libusb-1.0-0:$OTHER"
fi
missing=
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
