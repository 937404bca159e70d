// Building for an architecture other than this machine's (linux-arm64 on linux-x64): Debian's cross compiler
// builds better-sqlite3, qemu-user runs the target's Node so that every addon is loaded before it ships (and
// the tests run the executable), and dpkg-shlibdeps is told the target architecture so the .deb depends on
// the target's libraries. A missing part is named with the Debian package that brings it.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const GNU_TRIPLET = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
const QEMU = { x64: 'qemu-x86_64', arm64: 'qemu-aarch64' };
const DEB_ARCH = { x64: 'amd64', arm64: 'arm64' };
/** The target's dynamic loader, from its libc6 package (multiarch): qemu-user finds it and the libraries under /. */
const LOADER = { x64: '/lib64/ld-linux-x86-64.so.2', arm64: '/lib/ld-linux-aarch64.so.1' };

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** How to build for and run on linux-<arch> from here. */
export function toolchain(arch) {
  if (!GNU_TRIPLET[arch]) throw new Error(`unknown architecture ${arch} (known: ${Object.keys(GNU_TRIPLET).join(', ')})`);
  const cross = arch !== process.arch;
  const debArch = DEB_ARCH[arch];
  const need = (ok, what, apt) => {
    if (!ok) throw new Error(`building for linux-${arch} on linux-${process.arch} needs ${what}: ${apt} (sh scripts/debian-deps.sh installs it)`);
  };
  return {
    arch,
    cross,
    debArch,
    /** Environment for node-gyp: the target's compilers (the host's own when not crossing). */
    compilerEnv() {
      if (!cross) return {};
      const t = GNU_TRIPLET[arch];
      need(onPath(`${t}-g++`), `the cross compiler ${t}-g++`, `apt-get install g++-${t}`);
      return { CC: `${t}-gcc`, CXX: `${t}-g++`, AR: `${t}-ar`, LINK: `${t}-g++`, CC_host: 'gcc', CXX_host: 'g++' };
    },
    /** [command, args] that runs a linux-<arch> executable here (through qemu-user when crossing). */
    runner(bin, args) {
      if (!cross) return [bin, args];
      need(onPath(QEMU[arch]), QEMU[arch], 'apt-get install qemu-user');
      need(
        existsSync(LOADER[arch]),
        `the ${debArch} C library (${LOADER[arch]})`,
        `dpkg --add-architecture ${debArch} && apt-get update && apt-get install libc6:${debArch} libstdc++6:${debArch} libudev1:${debArch} libusb-1.0-0:${debArch}`,
      );
      return [QEMU[arch], [bin, ...args]];
    },
    /** Environment for dpkg-shlibdeps: the architecture whose libraries the .deb depends on. */
    shlibdepsEnv() {
      return cross ? { DEB_HOST_ARCH: debArch } : {};
    },
  };
}
