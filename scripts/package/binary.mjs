// The single executable: @yao-pkg/pkg in its SEA mode (Node's single-executable-application blob plus pkg's
// virtual file system for dist/, node_modules and the pages), run with the embedded Node itself.
//
// pkg would download that Node from nodejs.org, which this machine cannot reach. Its SEA mode looks first in
// its download cache, $HOME/.pkg-cache/sea/: an archive plus a `.ok` marker means "downloaded and verified",
// an extracted node-v<version>-<os>-<arch>/bin/node plus a `.ok` marker means "extracted". So pkg runs with
// HOME pointing at a folder of ours where the Node from npm (node-runtime.mjs) sits in exactly that place;
// the archive itself is never read again once marked, so an empty placeholder stands for it.
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { run, step } from './util.mjs';

function seedPkgCache(home, runtime, arch) {
  const sea = join(home, '.pkg-cache', 'sea');
  const name = `node-v${runtime.version}-linux-${arch}`;
  const node = join(sea, name, 'bin', 'node');
  mkdirSync(dirname(node), { recursive: true });
  if (!existsSync(node) || realpathSync(node) !== realpathSync(runtime.bin)) {
    rmSync(node, { force: true });
    symlinkSync(runtime.bin, node);
  }
  writeFileSync(`${node}.ok`, '');
  writeFileSync(join(sea, `${name}.tar.gz`), '');
  writeFileSync(join(sea, `${name}.tar.gz.ok`), '');
}

/** The package a file lies in: the nearest folder above it whose package.json has a name. */
function packageOf(file) {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    const name = existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).name : undefined;
    if (name) return { dir, name };
    if (dirname(dir) === dir) throw new Error(`no package.json with a name above ${file}`);
  }
}

/**
 * Files the code reads at run time that no import names: every page folder, the browser libraries the pages
 * load from node_modules (with what `require.resolve` needs to find them), package.json (the version).
 * Asked from the built pages module itself, so a new page or vendor file is carried without editing this.
 */
async function runtimeAssets(root) {
  const pages = await import(pathToFileURL(join(root, 'dist', 'agent', 'web', 'routes', 'pages.js')).href);
  const assets = [join(root, 'package.json')];
  for (const page of pages.PAGES) {
    const dir = pages.pageDir(page);
    if (!dir) throw new Error(`page folder missing for "${page}": agent/web/pages/${page}/index.html`);
    assets.push(`${dir}${sep}**${sep}*`);
  }
  const shared = pages.sharedDir();
  if (!shared) throw new Error('shared page modules missing: agent/web/pages/shared/');
  assets.push(`${shared}${sep}**${sep}*`);
  // The HQ page (hq/page-routes.ts reads it beside dist/hq at run time).
  assets.push(join(root, 'hq', 'pages', '**', '*'));
  const require = createRequire(join(root, 'package.json'));
  for (const file of pages.vendorFiles().values()) {
    const pkg = packageOf(file);
    assets.push(file, join(pkg.dir, 'package.json'), require.resolve(pkg.name));
  }
  return { assets, pages: [...pages.PAGES] };
}

/** The folder of package `name` as Node would find it from folder `from` (node_modules upwards). */
function installedPackageDir(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`package ${name} is not installed (needed from ${from}): run npm ci`);
  }
}

/**
 * pkg's walker follows a package's "require" export and then looks for that specifier the CommonJS way, so a
 * dual package imported from ESM by a subpath (csv-parse/sync) is reported "Cannot find module" and left out,
 * though Node loads its "import" file at run time. Such packages are carried whole (their JavaScript files).
 */
function unresolvedPackages(pkgOutput) {
  const dirs = new Set();
  const plain = stripVTControlCharacters(pkgOutput);
  for (const m of plain.matchAll(/Cannot find module '([^']+)' from '([^']+)'/g)) {
    const [, specifier, from] = m;
    if (specifier.startsWith('.') || specifier.startsWith('/'))
      throw new Error(`pkg cannot find ${specifier} from ${from}: a file missing from dist/? run npm run build`);
    const name = specifier
      .split('/')
      .slice(0, specifier.startsWith('@') ? 2 : 1)
      .join('/');
    dirs.add(installedPackageDir(name, from));
  }
  return [...dirs];
}

/** Builds `output` for linux-<arch> with pkg; returns the pages carried. */
export async function buildBinary({ root, runtime, hostRuntime = runtime, arch, cacheDir, workDir, output }) {
  const home = join(cacheDir, 'pkg-home');
  seedPkgCache(home, runtime, arch);
  const { assets, pages } = await runtimeAssets(root);
  const pkgBin = join(dirname(createRequire(join(root, 'package.json')).resolve('@yao-pkg/pkg/package.json')), 'lib-es5', 'bin.js');
  mkdirSync(workDir, { recursive: true });
  const configFile = join(workDir, 'pkg.config.json');
  // pkg joins every path in its config onto the config file's folder, absolute ones too.
  const fromConfig = (p) => relative(workDir, p);
  const pkgRun = (wholePackages) => {
    const config = {
      name: 'counter-agent',
      pkg: {
        // All of dist/ (some modules are imported lazily by computed path); no benchmarks, no source maps.
        scripts: [
          join(root, 'dist', '{agent,common,config,sync,device}', '**', '*.{js,cjs}'),
          ...wholePackages.map((d) => join(d, '**', '*.{js,mjs,cjs,json}')),
        ].map(fromConfig),
        assets: assets.map(fromConfig),
        // The addons lie beside the executable (native/), built for its Node; node_modules' copies are for Node 20.
        ignore: ['**/*.node', '**/*.js.map', '**/*.d.ts', '**/*.d.cts', '**/*.md'],
      },
    };
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    rmSync(output, { force: true });
    mkdirSync(dirname(output), { recursive: true });
    step(
      `pkg --sea for node${runtime.version}-linux-${arch}${wholePackages.length ? ` (whole: ${wholePackages.map((d) => relative(root, d)).join(', ')})` : ''}`,
    );
    const args = [pkgBin, join(root, 'scripts', 'package', 'entry.mjs'), '--sea', '-c', configFile, '-t', `node${runtime.version}-linux-${arch}`, '-o', output];
    return run(hostRuntime.bin, args, { cwd: root, env: { ...process.env, HOME: home, NO_COLOR: '1' }, quiet: true, combined: true });
  };
  // The packages found last time are carried from the start, so that pkg usually runs once.
  const remembered = join(cacheDir, 'whole-packages.json');
  let whole = existsSync(remembered) ? JSON.parse(readFileSync(remembered, 'utf8')).filter((d) => existsSync(d)) : [];
  // pkg still warns about the packages carried whole (it tries each import again): only new ones count.
  let missing = unresolvedPackages(pkgRun(whole)).filter((d) => !whole.includes(d));
  if (missing.length > 0) {
    whole = [...whole, ...missing];
    missing = unresolvedPackages(pkgRun(whole)).filter((d) => !whole.includes(d));
    if (missing.length > 0) throw new Error(`pkg still cannot resolve modules of ${missing.join(', ')}`);
  }
  // Written aside and renamed: another build sharing the cache (the other architecture's) may be reading it.
  writeFileSync(`${remembered}.${process.pid}`, JSON.stringify(whole));
  renameSync(`${remembered}.${process.pid}`, remembered);
  if (!existsSync(output)) throw new Error(`pkg produced no ${output}`);
  return { pages, wholePackages: whole.map((d) => relative(root, d)) };
}
