// native.js — loads the compiled addon, build/Release/ycdl.node.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

function load() {
  for (const flavour of ['Release', 'Debug']) {
    const file = path.join(__dirname, '..', 'build', flavour, 'ycdl.node');
    if (fs.existsSync(file)) return require(file);
  }
  throw new Error('ycdl: the native addon is not built (no build/Release/ycdl.node); ' +
    'run `npm rebuild ycdl`, which needs gcc, make, python3 and the -dev packages ' +
    'listed in the README');
}

module.exports = load();
