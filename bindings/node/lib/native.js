// native.js — loads the addon: the prebuilt one the tarball carries for
// this platform (prebuilds/, see prebuild.js), else the one built from
// source (build/Release, build/Debug).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { prebuildPath } = require('./prebuild.js');

const pkg = path.join(__dirname, '..');

function load() {
  const candidates = [prebuildPath(pkg),
    path.join(pkg, 'build', 'Release', 'ycdl.node'), path.join(pkg, 'build', 'Debug', 'ycdl.node')];
  const failures = [];
  for (const file of candidates) {
    if (!fs.existsSync(file)) continue;
    try {
      return require(file);
    } catch (error) {
      // A prebuild for another libc, or missing a shared library: say why
      // if nothing else loads.
      failures.push(`${path.relative(pkg, file)}: ${error.message}`);
    }
  }
  throw new Error('ycdl: no native addon loads' +
    (failures.length ? ` (${failures.join('; ')})` : ' (no prebuild fits this platform and ' +
      'build/Release/ycdl.node is not built)') +
    '; run `npm rebuild ycdl --build-from-source`, which needs gcc, make, python3 and the ' +
    '-dev packages listed in the README');
}

module.exports = load();
