#!/usr/bin/env node
// pack.js — what `npm pack` (and `npm publish`) run around packing, so that
// the tarball installs without a compiler and the source tree stays as it
// was:
//   prepack:  copies the package's C files and libycdl's sources into a
//             temporary folder, builds the addon there (the committed
//             libycdl/generated code means no protoc-c), and puts into the package
//             only what the tarball needs and git ignores: deps/libycdl (the
//             core's sources, for installs that must compile) and
//             prebuilds/<platform>-<arch>/ycdl.node (the addon).
//   postpack: removes deps/ and prebuilds/ again.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { prebuildPath } = require('../lib/prebuild.js');

const pkg = path.resolve(__dirname, '..');
const repo = path.resolve(pkg, '..', '..');
const GENERATED = ['deps', 'prebuilds'];

function copy(from, to, keep = () => true) {
  fs.cpSync(from, to, { recursive: true, filter: (file) => fs.statSync(file).isDirectory() || keep(file) });
}

/** The package's build inputs plus the core's sources in staging. */
function stage(staging) {
  for (const name of ['package.json', 'binding.gyp', 'src', 'scripts/build.js',
    'scripts/core-sources.js']) {
    copy(path.join(pkg, name), path.join(staging, name));
  }
  const core = path.join(staging, 'deps', 'libycdl');
  copy(path.join(repo, 'libycdl', 'src'), path.join(core, 'src'), (file) => /\.[ch]$/.test(file));
  copy(path.join(repo, 'libycdl', 'include'), path.join(core, 'include'), (file) => file.endsWith('.h'));
  copy(path.join(repo, 'libycdl', 'generated'), path.join(core, 'generated'), (file) => /\.[ch]$/.test(file));
}

function prepack() {
  if (!fs.existsSync(path.join(repo, 'libycdl', 'include', 'ycdl.h'))) {
    console.error(`pack: no libycdl checkout at ${repo}; the package can only be packed from the repository`);
    process.exit(1);
  }
  postpack();
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'ycdl-pack-'));
  try {
    stage(staging);
    const build = spawnSync(process.execPath, [path.join(staging, 'scripts', 'build.js')],
      { cwd: staging, encoding: 'utf8' });
    if (build.status !== 0) {
      console.error(`${build.stdout}${build.stderr}pack: building the prebuilt addon failed`);
      process.exit(1);
    }
    const prebuild = prebuildPath(pkg);
    fs.mkdirSync(path.dirname(prebuild), { recursive: true });
    fs.copyFileSync(path.join(staging, 'build', 'Release', 'ycdl.node'), prebuild);
    copy(path.join(staging, 'deps'), path.join(pkg, 'deps'));
  } catch (error) {
    postpack();
    throw error;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function postpack() {
  for (const name of GENERATED) fs.rmSync(path.join(pkg, name), { recursive: true, force: true });
}

const step = { prepack, postpack }[process.argv[2]];
if (!step) {
  console.error('usage: pack.js prepack|postpack');
  process.exit(2);
}
step();
