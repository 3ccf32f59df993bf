#!/usr/bin/env node
// core-sources.js — where binding.gyp finds the C core (gyp has no globs):
// libycdl's sources, header and committed protobuf-c code (libycdl/generated,
// kept equal to proto/ by scripts/generate-protobuf-c and a ctest) from
// deps/libycdl in the tarball (copied there by scripts/pack.js), else from
// the repository around this checkout.
//   node scripts/core-sources.js             the .c files
//   node scripts/core-sources.js --include   the include folders
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const pkg = path.resolve(__dirname, '..');

/** deps/libycdl in a packed package, ../../libycdl in the repository. */
function coreDir() {
  const vendored = path.posix.join('deps', 'libycdl');
  if (fs.existsSync(path.join(pkg, vendored, 'include', 'ycdl.h'))) return vendored;
  const repo = path.posix.join('..', '..', 'libycdl');
  if (fs.existsSync(path.join(pkg, repo, 'include', 'ycdl.h'))) return repo;
  console.error('core-sources: no libycdl sources (deps/libycdl, or a repository checkout)');
  process.exit(1);
}

function cFiles(dir) {
  return fs.readdirSync(path.join(pkg, dir)).filter((name) => name.endsWith('.c')).sort()
    .map((name) => path.posix.join(dir, name));
}

const core = coreDir();
if (process.argv[2] === '--include') {
  console.log([path.posix.join(core, 'include'), path.posix.join(core, 'generated')].join(' '));
} else {
  console.log([...cFiles(path.posix.join(core, 'src')),
    ...cFiles(path.posix.join(core, 'generated'))].join(' '));
}
