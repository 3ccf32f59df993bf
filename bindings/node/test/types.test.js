// types.test.js — index.d.ts describes what the package really has: every
// method of Session and Task, every option the addon reads, every event
// type it emits; and, where the TypeScript compiler is installed
// (Debian's node-typescript), test/types/usage.ts compiles against it, with
// each misuse marked @ts-expect-error refused.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');

const { Session, Task, Group } = require('..');
const { SESSION_OPTIONS } = require('../lib/options.js');

const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');

/** The body of `declare class name` or `interface name` in index.d.ts. */
function block(kind, name) {
  const start = dts.indexOf(`${kind} ${name} `);
  assert.ok(start >= 0, `index.d.ts has no ${kind} ${name}`);
  return dts.slice(start, dts.indexOf('\n}\n', start));
}

function methods(cls) {
  return Object.getOwnPropertyNames(cls.prototype).filter((n) => n !== 'constructor');
}

test('types_declare_every_method_option_and_event', () => {
  for (const [cls, name] of [[Session, 'Session'], [Task, 'Task'], [Group, 'Group']]) {
    const body = block('declare class', name);
    for (const method of methods(cls)) {
      assert.match(body, new RegExp(`\\n  (readonly )?${method}[(<:]`), `${name}.${method} is not typed`);
    }
  }
  const sessionOptions = block('interface', 'SessionOptions');
  for (const option of SESSION_OPTIONS) {
    assert.match(sessionOptions, new RegExp(`\\n  ${option}\\??:`), `SessionOptions.${option} is not typed`);
  }
  const taskOptions = block('interface', 'TaskOptions');
  const source = fs.readFileSync(path.join(__dirname, '..', 'lib', 'options.js'), 'utf8');
  const taskNames = source.match(/const TASK_OPTIONS = new Set\(\[([^\]]*)\]/)[1].match(/'[^']+'/g);
  for (const option of taskNames.map((n) => n.slice(1, -1))) {
    assert.match(taskOptions, new RegExp(`\\n  ${option}\\??:`), `TaskOptions.${option} is not typed`);
  }
  const addon = fs.readFileSync(path.join(__dirname, '..', 'src', 'event_object.c'), 'utf8');
  const kinds = [...addon.matchAll(/return "([a-zA-Z]+)";/g)].map((m) => m[1])
    .filter((k) => !['yes', 'no'].includes(k));
  assert.ok(kinds.length >= 18);
  const events = block('interface', 'SessionEvents');
  for (const kind of kinds) {
    assert.match(dts, new RegExp(`type: '${kind}';`), `no event interface for '${kind}'`);
    assert.match(events, new RegExp(`\\n  ${kind}: \\[`), `SessionEvents lacks '${kind}'`);
  }
});

const tsc = spawnSync('tsc', ['--version']).status === 0;

test('usage_ts_compiles_against_index_d_ts', { skip: !tsc && 'tsc is not installed (apt-get install node-typescript)' }, () => {
  execFileSync('tsc', ['-p', path.join(__dirname, 'types')], { encoding: 'utf8' });
});
