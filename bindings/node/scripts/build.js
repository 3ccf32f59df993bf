#!/usr/bin/env node
// build.js — builds build/Release/ycdl.node from source (run-tests, and
// install.js when no prebuild fits) with the node-gyp that npm ships, against the running Node's own headers
// when it has them (Debian, NodeSource and official tarballs install them
// under <prefix>/include/node), so that installing downloads nothing.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const pkg = path.resolve(__dirname, '..');

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath &&
      path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules',
      'node-gyp', 'bin', 'node-gyp.js'),
  ];
  for (const candidate of candidates) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    console.error('ycdl: cannot find node-gyp (it ships with npm); set npm_config_node_gyp');
    process.exit(1);
  }
}

// A --nodedir the user gave (npm_config_nodedir) wins; node-gyp reads it.
function nodeDirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
    return [`--nodedir=${prefix}`];
  }
  return [];
}

function main() {
  const jobs = process.env.JOBS || String(os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  const args = [findNodeGyp(), 'rebuild', ...nodeDirArgs(), `--jobs=${jobs}`, ...process.argv.slice(2)];
  const result = spawnSync(process.execPath, args, { cwd: pkg, stdio: 'inherit' });
  if (result.error) {
    console.error(`ycdl: ${result.error.message}`);
    process.exit(1);
  }
  process.exit(result.status === null ? 1 : result.status);
}

main();
