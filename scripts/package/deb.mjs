// The .deb: the executable, its native addons, the systemd units, udev rules, sysusers and tmpfiles entries,
// the example config (a conffile) and the maintainer scripts of packaging/debian/, built with
// `dpkg-deb --build --root-owner-group` (every file root:root without fakeroot).
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run, step } from './util.mjs';

/** Where each file of the checkout goes in the package (mode, path inside the root). */
function layout(root, binary, nativeDir) {
  const files = [
    { from: binary, to: 'usr/lib/counter-agent/counter-agent', mode: 0o755 },
    ...readdirSync(nativeDir).map((name) => ({ from: join(nativeDir, name), to: `usr/lib/counter-agent/native/${name}`, mode: 0o644 })),
    { from: join(root, 'systemd', '99-counter-agent.rules'), to: 'lib/udev/rules.d/99-counter-agent.rules', mode: 0o644 },
    { from: join(root, 'systemd', 'counter-agent.sysusers'), to: 'usr/lib/sysusers.d/counter-agent.conf', mode: 0o644 },
    { from: join(root, 'systemd', 'counter-agent.tmpfiles'), to: 'usr/lib/tmpfiles.d/counter-agent.conf', mode: 0o644 },
    { from: join(root, 'config', 'counter-agent.example.yaml'), to: 'etc/counter-agent/config.example.yaml', mode: 0o644 },
  ];
  const units = readdirSync(join(root, 'systemd')).filter((n) => n.endsWith('.service'));
  if (units.length === 0) throw new Error('no systemd/*.service in the checkout: the package would install no service');
  for (const unit of units) files.push({ from: join(root, 'systemd', unit), to: `lib/systemd/system/${unit}`, mode: 0o644 });
  return files;
}

/** Depends on the shared libraries the executable and addons link, as Debian computes them. */
function shlibDepends(stage, elfFiles, env) {
  // dpkg-shlibdeps wants to run in a source tree: a bare debian/control is enough.
  const tree = join(dirname(stage), 'shlibdeps');
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(join(tree, 'debian'), { recursive: true });
  writeFileSync(join(tree, 'debian', 'control'), '');
  const out = run('dpkg-shlibdeps', ['-O', '--ignore-missing-info', '-e', ...elfFiles], { cwd: tree, env: { ...process.env, ...env }, quiet: true });
  rmSync(tree, { recursive: true, force: true });
  const m = /^shlibs:Depends=(.*)$/m.exec(out);
  if (!m) throw new Error(`dpkg-shlibdeps gave no Depends: ${out}`);
  return m[1];
}

/** Stages the package root under `work` and builds `<outDir>/counter-agent_<version>_<arch>.deb`. */
export function buildDeb({ root, tc, binary, nativeDir, version, work, outDir }) {
  const debArch = tc.debArch;
  const stage = join(work, 'root');
  rmSync(stage, { recursive: true, force: true });
  const files = layout(root, binary, nativeDir);
  for (const f of files) {
    const to = join(stage, f.to);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(f.from, to);
    chmodSync(to, f.mode);
  }
  // Relative, so that it also works inside a scratch root.
  mkdirSync(join(stage, 'usr', 'bin'), { recursive: true });
  symlinkSync('../lib/counter-agent/counter-agent', join(stage, 'usr', 'bin', 'counter-agent'));

  const debian = join(stage, 'DEBIAN');
  mkdirSync(debian, { recursive: true });
  const installedKiB = Number(run('du', ['-sk', '--apparent-size', '--exclude=DEBIAN', stage], { quiet: true }).split('\t')[0]);
  const elf = files.filter((f) => f.to.startsWith('usr/lib/counter-agent/')).map((f) => join(stage, f.to));
  const control = readFileSync(join(root, 'packaging', 'debian', 'control.in'), 'utf8')
    .replace('@VERSION@', version)
    .replace('@ARCH@', debArch)
    .replace('@INSTALLED_SIZE@', String(installedKiB))
    .replace('@SHLIBS@', shlibDepends(stage, elf, tc.shlibdepsEnv()));
  writeFileSync(join(debian, 'control'), control);
  writeFileSync(
    join(debian, 'conffiles'),
    `${files
      .filter((f) => f.to.startsWith('etc/'))
      .map((f) => `/${f.to}`)
      .join('\n')}\n`,
  );
  for (const script of ['postinst', 'prerm', 'postrm']) {
    const from = join(root, 'packaging', 'debian', script);
    if (!existsSync(from)) throw new Error(`maintainer script missing: ${from}`);
    copyFileSync(from, join(debian, script));
    chmodSync(join(debian, script), 0o755);
  }
  mkdirSync(outDir, { recursive: true });
  const deb = join(outDir, `counter-agent_${version}_${debArch}.deb`);
  rmSync(deb, { force: true });
  step(`dpkg-deb --build ${deb}`);
  // zstd -9: 3 s and 42 MB here, where xz takes 67 s for 34 MB; dpkg reads zstd since 1.21.18 (Debian 12),
  // and the executable needs Debian 12's glibc anyway.
  run('dpkg-deb', ['--build', '--root-owner-group', '-Zzstd', '-z9', stage, deb], { quiet: true });
  rmSync(stage, { recursive: true, force: true });
  return { deb, files: files.map((f) => `/${f.to}`).concat('/usr/bin/counter-agent') };
}
