#!/usr/bin/env node
// core-sources.js — prints the C files of the vendored core for binding.gyp
// (gyp has no globs): libycdl's sources and the protobuf-c code generated from
// every contract in proto/.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const pkg = path.resolve(__dirname, '..');
const src = path.join('deps', 'libycdl', 'src');
const files = fs.readdirSync(path.join(pkg, src))
  .filter((name) => name.endsWith('.c'))
  .sort()
  .map((name) => path.posix.join('deps', 'libycdl', 'src', name));
for (const name of fs.readdirSync(path.join(pkg, 'deps', 'proto')).sort()) {
  if (name.endsWith('.pb-c.c')) files.push(path.posix.join('deps', 'proto', name));
}
console.log(files.join(' '));
