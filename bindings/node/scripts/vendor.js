#!/usr/bin/env node
// vendor.js — copies the C core into deps/ so that the package builds
// without the repository: libycdl's sources and public header, the proto
// contract, and the protobuf-c code generated from it (so installing needs
// no protoc-c). Run by `npm pack` (prepack) and by run-tests.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkg = path.resolve(__dirname, '..');
const repo = path.resolve(pkg, '..', '..');
const deps = path.join(pkg, 'deps');

function copyDir(from, to, keep) {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from).sort()) {
    if (keep(name)) fs.copyFileSync(path.join(from, name), path.join(to, name));
  }
}

function main() {
  if (!fs.existsSync(path.join(repo, 'libycdl', 'include', 'ycdl.h'))) {
    console.error(`vendor: no libycdl checkout at ${repo}; deps/ can only be made from the repository`);
    process.exit(1);
  }
  fs.rmSync(deps, { recursive: true, force: true });
  copyDir(path.join(repo, 'libycdl', 'src'), path.join(deps, 'libycdl', 'src'),
    (name) => /\.[ch]$/.test(name));
  copyDir(path.join(repo, 'libycdl', 'include'), path.join(deps, 'libycdl', 'include'),
    (name) => name.endsWith('.h'));
  const proto = path.join(deps, 'proto');
  copyDir(path.join(repo, 'proto'), proto, (name) => name.endsWith('.proto'));
  const contracts = fs.readdirSync(proto).filter((name) => name.endsWith('.proto')).sort()
    .map((name) => path.join(proto, name));
  execFileSync('protoc-c', [`--c_out=${proto}`, `-I${proto}`, ...contracts], { stdio: 'inherit' });
}

main();
