// package.test.js — the npm package as users get it: `npm pack` makes a
// tarball that carries the core's sources and generated code, and
// `npm install ./ycdl-*.tgz` in a directory outside the repository builds it
// offline; the installed package downloads a file from CommonJS and ESM.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');

const h = require('./helpers.js');

const { NGINX_URL } = h.servers;

function npm(args, cwd, cache) {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_cache: cache, npm_config_update_notifier: 'false' },
  });
}

/** Runs script with node in dir (which holds node_modules/ycdl); its stdout. */
function runIn(dir, args) {
  return execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8' }).trim();
}

test('the_npm_pack_tarball_installs_offline_outside_the_repo_and_downloads', { timeout: 180000 }, () => {
  const sha = h.makeFile('packaged.bin', 300000);
  const work = h.tempDir('package');
  const cache = path.join(work, 'npm-cache');

  npm(['pack', '--pack-destination', work, h.PACKAGE_DIR], work, cache);
  const tarball = fs.readdirSync(work).find((name) => /^ycdl-.*\.tgz$/.test(name));
  assert.ok(tarball, 'npm pack made no tarball');
  const files = execFileSync('tar', ['-tzf', path.join(work, tarball)], { encoding: 'utf8' })
    .trim().split('\n').map((f) => f.replace(/^package\//, ''));
  for (const needed of ['binding.gyp', 'index.js', 'index.mjs', 'index.d.ts', 'README.md',
    'src/addon.c', 'deps/libycdl/include/ycdl.h', 'deps/libycdl/src/session.c',
    'deps/proto/ycdl.proto', 'deps/proto/ycdl.pb-c.c', 'deps/proto/ycdl.pb-c.h']) {
    assert.ok(files.includes(needed), `the tarball lacks ${needed}`);
  }
  assert.deepEqual(files.filter((f) => /^(build|test|node_modules)\//.test(f)), []);

  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  npm(['install', '--offline', '--no-audit', '--no-fund', path.join(work, tarball)], app, cache);
  const installed = path.join(app, 'node_modules', 'ycdl');
  assert.ok(fs.existsSync(path.join(installed, 'build', 'Release', 'ycdl.node')));

  const options = JSON.stringify(h.sessionOptions('packaged', path.join(work, 'state')));
  const url = JSON.stringify(`${NGINX_URL}/packaged.bin`);
  const cjs = runIn(app, ['-e', `
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

  const esm = runIn(app, ['--input-type=module', '-e', `
    import ycdl, { Session, Task, version } from 'ycdl';
    const session = new Session(${options});
    const task = session.findByUrl(${url});
    console.log(task instanceof Task, ycdl.Session === Session, version, task.info().sha256);
    session.close();`]);
  assert.equal(esm, `true true ${require('..').version} ${sha}`);
});
