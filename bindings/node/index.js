// index.js — the ycdl package: a persistent download manager (libycdl) for
// Node and Electron. See README.md and index.d.ts.
'use strict';

const native = require('./lib/native.js');
const { Session } = require('./lib/session.js');
const { Task } = require('./lib/task.js');
const { Group } = require('./lib/group.js');

module.exports = {
  Session, Task, Group, version: native.version(), MAX_CONNECTIONS: native.MAX_CONNECTIONS,
};
// What `import ycdl from 'ycdl'` gives, so TypeScript's default import
// means the same from CommonJS.
module.exports.default = module.exports;
