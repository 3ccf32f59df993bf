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
  const kinds = [...addon.matchAll(/YCDL__EVENT__KIND_\w+: return "([a-zA-Z]+)";/g)].map((m) => m[1])
    .concat('unknown');
  assert.ok(kinds.length >= 22);
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

// ------------------------------------------------ every kind of the .proto

const native = require('../lib/native.js');
const { toEvent } = require('../lib/session.js');

/** [message type, field name, field number] of Event's oneof kind, read from proto/ycdl.proto. */
function protoEventKinds() {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'proto', 'ycdl.proto'), 'utf8')
    .replace(/\/\/[^\n]*/g, '');
  const event = text.match(/message Event \{([\s\S]*?)\n\}/);
  assert.ok(event, 'no message Event in ycdl.proto');
  const oneof = event[1].match(/oneof kind \{([\s\S]*?)\}/);
  assert.ok(oneof, 'no oneof kind in Event');
  const kinds = [...oneof[1].matchAll(/^\s*(\w+)\s+(\w+)\s*=\s*(\d+)\s*;/gm)]
    .map((m) => [m[1], m[2], Number(m[3])]);
  assert.ok(kinds.length >= 21);
  return kinds;
}

// Protocol buffers' wire format, enough to write test events by hand.
function varint(n) {
  let v = BigInt.asUintN(64, BigInt(n));
  const out = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? low | 0x80 : low);
  } while (v);
  return Buffer.from(out);
}
const pbInt = (field, n) => Buffer.concat([varint(field * 8), varint(n)]);
const pbBytes = (field, bytes) => {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  return Buffer.concat([varint(field * 8 + 2), varint(b.length), b]);
};
const pbEvent = (field, ...body) => Buffer.concat([pbInt(1, 7), pbInt(2, 1700000000000),
  pbBytes(field, Buffer.concat(body))]);

test('every_event_kind_of_the_proto_has_a_typed_counterpart', () => {
  const addon = fs.readFileSync(path.join(__dirname, '..', 'src', 'event_object.c'), 'utf8');
  const events = block('interface', 'SessionEvents');
  const union = dts.slice(dts.indexOf('export type YcdlEvent ='), dts.indexOf(';', dts.indexOf('export type YcdlEvent =')));
  const missing = [];
  for (const [message, field, number] of protoEventKinds()) {
    const name = addon.match(new RegExp(`YCDL__EVENT__KIND_${field.toUpperCase()}: return "(\\w+)";`))?.[1];
    if (!name) {
      missing.push(`event_object.c names no type for ${field} (${message})`);
      continue;
    }
    // The addon decodes it as that type, not as 'unknown'.
    const decoded = native.decodeEvent(pbEvent(number));
    if (decoded.type !== name) missing.push(`${field} decodes as '${decoded.type}', not '${name}'`);
    const iface = dts.match(new RegExp(`export interface (\\w+) extends [\\w, ]+ \\{\\n  type: '${name}';`))?.[1];
    if (!iface) missing.push(`index.d.ts has no event interface with type '${name}' (${message})`);
    else if (!new RegExp(`\\| ${iface}\\n`).test(`${union}\n`)) missing.push(`YcdlEvent lacks ${iface}`);
    if (!new RegExp(`\\n  ${name}: \\[event: `).test(events)) missing.push(`SessionEvents lacks '${name}'`);
  }
  assert.deepEqual(missing, []);
  // A kind newer than the addon stays 'unknown', with the common fields.
  assert.deepEqual(native.decodeEvent(pbEvent(999)), { type: 'unknown', seq: 7, timestamp: 1700000000000, key: '' });
});

test('the_kinds_of_shared_sessions_decode_with_their_fields', () => {
  const task = Buffer.concat([pbBytes(1, 'k1'), pbBytes(2, 'https://example.com/a.mp4'),
    pbBytes(4, '/tmp/a.mp4'), pbBytes(8, JSON.stringify({ title: 'A' })), pbInt(9, 2),
    pbInt(10, 1000), pbInt(11, 5000), pbInt(13, -1), pbInt(14, -1), pbInt(17, -16),
    pbBytes(18, 'HTTP 503'), pbInt(19, 503), pbBytes(23, 'album'), pbInt(24, 3), pbInt(25, 4)]);
  const attached = toEvent(native.decodeEvent(pbEvent(23, pbBytes(1, task), pbInt(2, 4242))));
  assert.equal(attached.type, 'attached');
  assert.equal(attached.ownerPid, 4242);
  assert.equal(attached.tasks.length, 1);
  assert.deepEqual(attached.tasks[0], {
    key: 'k1', url: 'https://example.com/a.mp4', finalUrl: '', dest: '/tmp/a.mp4', fileId: '',
    displayName: '', thumbnailUrl: '', status: 'downloading', bytesWritten: 1000,
    bytesExpected: 5000, speedBps: 0, etaSeconds: -1, resumable: null, priority: 0,
    allowCellular: false, error: { code: 'YCDL_E_HTTP', errno: -16, message: 'HTTP 503', httpStatus: 503 },
    httpStatus: 503, retries: 0, sha256: '', requestUrl: '', group: 'album', connections: 3,
    maxConnections: 4, metadata: { title: 'A' },
  });
  // Progress (field 12) carries the connections receiving now (its field 7).
  assert.equal(native.decodeEvent(pbEvent(12, pbInt(2, 100), pbInt(7, 4))).connections, 4);
  assert.equal(native.decodeEvent(pbEvent(12)).connections, 0);
  assert.deepEqual(native.decodeEvent(pbEvent(24, pbInt(1, 1), pbBytes(2, 'the owner exited'))),
    { type: 'roleChanged', seq: 7, timestamp: 1700000000000, key: '', role: 'owner', reason: 'the owner exited' });
  assert.equal(native.decodeEvent(pbEvent(24, pbInt(1, 2))).role, 'client');
  assert.deepEqual(native.decodeEvent(pbEvent(25, pbBytes(1, 'ycdl stop'))),
    { type: 'stopRequested', seq: 7, timestamp: 1700000000000, key: '', by: 'ycdl stop' });
  assert.deepEqual(native.decodeEvent(pbEvent(26, pbInt(1, 3))),
    { type: 'clientsChanged', seq: 7, timestamp: 1700000000000, key: '', attached: 3 });
  assert.throws(() => native.decodeEvent('not bytes'), { name: 'TypeError' });
});
