#!/usr/bin/env node
// generate-protobuf.js — writes generated/: the C code protoc-c makes from
// every contract in the repository's proto/, committed so that neither
// packing nor installing needs protoc-c. `--check` regenerates into a
// temporary folder and fails when the committed files differ (a .proto
// changed without `node scripts/generate-protobuf.js`).
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const pkg = path.resolve(__dirname, '..');
const protoDir = path.resolve(pkg, '..', '..', 'proto');
const generated = path.join(pkg, 'generated');

/** Runs protoc-c on every .proto of proto/ into out; the names it wrote. */
function generate(out) {
  const contracts = fs.readdirSync(protoDir).filter((name) => name.endsWith('.proto')).sort();
  execFileSync('protoc-c', [`--c_out=${out}`, `-I${protoDir}`,
    ...contracts.map((name) => path.join(protoDir, name))], { stdio: 'inherit' });
  return fs.readdirSync(out).filter((name) => /\.pb-c\.[ch]$/.test(name)).sort();
}

function check() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ycdl-protobuf-'));
  try {
    const fresh = generate(scratch);
    const committed = fs.readdirSync(generated).filter((name) => /\.pb-c\.[ch]$/.test(name)).sort();
    const stale = [...new Set([...fresh, ...committed])].filter((name) => !fresh.includes(name) ||
      !committed.includes(name) ||
      !fs.readFileSync(path.join(scratch, name)).equals(fs.readFileSync(path.join(generated, name))));
    if (stale.length > 0) {
      console.error(`generate-protobuf: generated/ does not match proto/ (${stale.join(', ')}); ` +
        'run `node scripts/generate-protobuf.js` and commit the result');
      process.exit(1);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--check') {
  check();
} else {
  for (const name of fs.readdirSync(generated)) {
    if (/\.pb-c\.[ch]$/.test(name)) fs.rmSync(path.join(generated, name));
  }
  generate(generated);
}
