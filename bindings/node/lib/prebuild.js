// prebuild.js — where a packed tarball keeps the addon it was built with:
// prebuilds/<platform>-<arch>[-musl]/ycdl.node. scripts/pack.js puts it
// there, scripts/install.js skips compiling when it loads, and native.js
// loads it first. N-API 8 keeps one build valid for every Node >= 18 and
// Electron on the same platform; the C library (glibc or musl) must match
// too.
'use strict';

const path = require('node:path');

/** 'linux-x64', 'linux-x64-musl', 'darwin-arm64'… for this process. */
function platformTag() {
  let tag = `${process.platform}-${process.arch}`;
  if (process.platform === 'linux') {
    // What detect-libc asks; without a report (never seen) assume glibc.
    const header = process.report?.getReport?.().header;
    if (header && !header.glibcVersionRuntime) tag += '-musl';
  }
  return tag;
}

/** The prebuilt addon that fits this process, in the package at pkgDir. */
function prebuildPath(pkgDir) {
  return path.join(pkgDir, 'prebuilds', platformTag(), 'ycdl.node');
}

module.exports = { platformTag, prebuildPath };
