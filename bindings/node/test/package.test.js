// package.test.js — the npm package as users get it: `npm pack` leaves the
// source tree as it was and makes a tarball that carries a prebuilt addon
// plus the C sources; `npm install --offline ./ycdl-*.tgz` outside the
// repository with no compiler on PATH uses the prebuild, and the installed
// package downloads a file from CommonJS and ESM; --build-from-source
// compiles the tarball's sources instead.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');

const h = require('./helpers.js');
const { platformTag } = require('../lib/prebuild.js');

const { NGINX_URL } = h.servers;
const TAG = platformTag();

/** Runs npm (the one on env's PATH) in cwd with its own cache; its stdout. */
function npm(args, cwd, cache, env = process.env) {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, npm_config_cache: cache, npm_config_update_notifier: 'false' },
  });
}

/**
 * The package folder's files git reports, ignored ones included, but not
 * build/: the addon run-tests built and the scratch files of the tests
 * running meanwhile (build/test-run).
 */
function treeState() {
  return execFileSync('git', ['status', '--porcelain', '--ignored', '--untracked-files=all', '--',
    '.', ':(exclude)build'], { cwd: h.PACKAGE_DIR, encoding: 'utf8' });
}

/** A PATH of one folder holding node, npm and sh: no cc, gcc, make or python. */
function pathWithoutCompiler(work) {
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  const npmCli = fs.realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(npmCli, path.join(bin, 'npm'));
  fs.symlinkSync(fs.realpathSync('/bin/sh'), path.join(bin, 'sh'));
  return bin;
}

function newApp(dir) {
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  return dir;
}

const work = h.tempDir('package');
const cache = path.join(work, 'npm-cache');
let tarball;

test.before(() => {
  const before = treeState();
  npm(['pack', '--pack-destination', work, h.PACKAGE_DIR], work, cache);
  tarball = path.join(work, fs.readdirSync(work).find((name) => /^ycdl-.*\.tgz$/.test(name)));
  assert.equal(treeState(), before, 'npm pack changed the source tree');
});

test('npm_pack_leaves_the_tree_unchanged_and_ships_a_prebuilt_addon_with_the_sources', () => {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .trim().split('\n').map((f) => f.replace(/^package\//, ''));
  for (const needed of ['binding.gyp', 'index.js', 'index.mjs', 'index.d.ts', 'README.md',
    'scripts/install.js', 'src/addon.c', 'deps/libycdl/include/ycdl.h', 'deps/libycdl/src/session.c',
    'deps/libycdl/generated/ycdl.pb-c.c', 'deps/libycdl/generated/ycdl.pb-c.h',
    'deps/libycdl/generated/ycdl_wire.pb-c.c',
    `prebuilds/${TAG}/ycdl.node`]) {
    assert.ok(files.includes(needed), `the tarball lacks ${needed}`);
  }
  assert.deepEqual(files.filter((f) => /^(build|test|node_modules)\//.test(f)), []);
  for (const absent of ['deps', 'prebuilds']) {
    assert.ok(!fs.existsSync(path.join(h.PACKAGE_DIR, absent)), `${absent}/ was left in the package folder`);
  }
});

test('the_tarball_installs_without_a_compiler_outside_the_repo_and_downloads', { timeout: 180000 }, () => {
  const sha = h.makeFile('packaged.bin', 300000);
  const bin = pathWithoutCompiler(work);
  const env = { HOME: process.env.HOME, PATH: bin, YCDL_TEST_SERVERS: process.env.YCDL_TEST_SERVERS };
  for (const tool of ['cc', 'gcc', 'c++', 'make', 'python3', 'pkg-config']) {
    assert.throws(() => execFileSync('sh', ['-c', `command -v ${tool}`], { env, stdio: 'ignore' }),
      `${tool} is on the test's PATH`);
  }
  const app = newApp(path.join(work, 'app'));
  const log = npm(['install', '--offline', '--no-audit', '--no-fund', '--foreground-scripts', tarball],
    app, cache, env);
  assert.match(log, new RegExp(`using the prebuilt addon for ${TAG}`));
  const installed = path.join(app, 'node_modules', 'ycdl');
  assert.ok(!fs.existsSync(path.join(installed, 'build')), 'installing compiled the addon');
  // The core is compiled into the addon: only system libraries are needed.
  const libs = execFileSync('ldd', [path.join(installed, 'prebuilds', TAG, 'ycdl.node')], { encoding: 'utf8' });
  assert.doesNotMatch(libs, /libycdl|not found/);
  assert.match(libs, /libcurl/);

  const options = JSON.stringify(h.sessionOptions('packaged', path.join(work, 'state')));
  const url = JSON.stringify(`${NGINX_URL}/packaged.bin`);
  const run = (args) => execFileSync(process.execPath, args, { cwd: app, env, encoding: 'utf8' }).trim();
  const cjs = run(['-e', `
    const { Session } = require('ycdl');
    console.log(require.resolve('ycdl'));
    const session = new Session(${options});
    session.add({ url: ${url} }).done().then((file) => {
      console.log(require('node:crypto').createHash('sha256')
        .update(require('node:fs').readFileSync(file)).digest('hex'));
      session.close();
    });`]).split('\n');
  assert.equal(cjs[0], path.join(installed, 'index.js'));
  assert.equal(cjs[1], sha);

  const esm = run(['--input-type=module', '-e', `
    import ycdl, { Session, Task, version } from 'ycdl';
    const session = new Session(${options});
    const task = session.findByUrl(${url});
    console.log(task instanceof Task, ycdl.Session === Session, version, task.info().sha256);
    session.close();`]);
  assert.equal(esm, `true true ${require('..').version} ${sha}`);
});

test('the_tarball_builds_from_its_sources_when_asked', { timeout: 180000 }, () => {
  const app = newApp(path.join(work, 'app-from-source'));
  npm(['install', '--offline', '--no-audit', '--no-fund', '--build-from-source', tarball], app, cache,
    { ...process.env, JOBS: '2' });
  const installed = path.join(app, 'node_modules', 'ycdl');
  assert.ok(fs.existsSync(path.join(installed, 'build', 'Release', 'ycdl.node')));
  assert.ok(!fs.existsSync(path.join(installed, 'prebuilds')), 'the prebuild would be loaded first');
  const version = execFileSync(process.execPath, ['-p', "require('ycdl').version"], { cwd: app, encoding: 'utf8' });
  assert.equal(version.trim(), require('..').version);
});
