#!/usr/bin/env node
// install.js — the package's install script. A tarball from `npm pack`
// carries the addon prebuilt for the packing platform (prebuilds/): when it
// fits this one and loads (its shared libraries are present), installing
// compiles nothing. Otherwise, or with `npm install --build-from-source`,
// scripts/build.js builds the addon from the C sources the tarball also
// carries, and the prebuilds are removed so that the fresh build is the one
// lib/native.js loads.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { platformTag, prebuildPath } = require('../lib/prebuild.js');

const pkg = path.resolve(__dirname, '..');

function wantsSource() {
  const flag = process.env.npm_config_build_from_source;
  return flag === 'true' || flag === 'ycdl' || flag === '1';
}

/** Why the prebuild cannot be used, or null when it loads. */
function prebuildProblem() {
  const file = prebuildPath(pkg);
  if (!fs.existsSync(file)) return `no prebuilt addon for ${platformTag()}`;
  try {
    require(file);
    return null;
  } catch (error) {
    return `the prebuilt addon for ${platformTag()} does not load: ${error.message}`;
  }
}

function main() {
  const problem = wantsSource() ? 'building from source as asked' : prebuildProblem();
  if (problem === null) {
    console.log(`ycdl: using the prebuilt addon for ${platformTag()}`);
    return;
  }
  console.log(`ycdl: ${problem}; building the addon from source`);
  const build = spawnSync(process.execPath, [path.join(__dirname, 'build.js')], { cwd: pkg, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status === null ? 1 : build.status);
  fs.rmSync(path.join(pkg, 'prebuilds'), { recursive: true, force: true });
}

main();
