// api.test.js — misuse never aborts the process: garbage arguments throw a
// TypeError (code YCDL_E_INVALID) naming what is wrong, state errors throw
// an Error with the core's exact code, and the native layer refuses calls
// on foreign objects. Also: the ES module gives the same classes.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const test = require('node:test');

const ycdl = require('..');
const native = require('../lib/native.js');
const h = require('./helpers.js');

const { Session, Task } = ycdl;
const { NGINX_URL } = h.servers;

/** Asserts fn throws a TypeError with code YCDL_E_INVALID and a message matching pattern. */
function invalid(fn, pattern) {
  assert.throws(fn, (error) => {
    assert.equal(error.constructor, TypeError, `${error.constructor.name}: ${error.message}`);
    assert.equal(error.code, 'YCDL_E_INVALID');
    assert.equal(error.errno, -1);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

function openSession(name, extra) {
  return new Session(h.sessionOptions(name, h.tempDir(name), extra));
}

test('new_session_rejects_garbage_options', () => {
  const dir = h.tempDir('garbage');
  const base = { identifier: 'garbage', stateDir: dir };
  invalid(() => new Session(), /options must be an object/);
  invalid(() => new Session(null), /options must be an object/);
  invalid(() => new Session(42), /identifier must be a string/);
  invalid(() => new Session('id', 'garbage'), /options must be an object/);
  invalid(() => new Session('id', { ...base, identifier: 'other' }), /identifier is the first argument/);
  invalid(() => new Session([]), /options must be an object/);
  invalid(() => new Session({ stateDir: dir }), /identifier is required/);
  invalid(() => new Session({ identifier: 42 }), /options.identifier must be a string/);
  invalid(() => new Session({ ...base, identifier: 'a/b' }), /identifier/);
  invalid(() => new Session({ ...base, identifier: '' }), /identifier/);
  invalid(() => new Session({ ...base, identifier: 'a\0b' }), /NUL/);
  invalid(() => new Session({ ...base, maxConcurrent: 0 }), /maxConcurrent must be an integer from 1 to 1000/);
  invalid(() => new Session({ ...base, maxConcurrent: 1.5 }), /maxConcurrent/);
  invalid(() => new Session({ ...base, maxConcurrent: '3' }), /maxConcurrent/);
  invalid(() => new Session({ ...base, maxConcurrent: NaN }), /maxConcurrent/);
  invalid(() => new Session({ ...base, maxConcurrent: Infinity }), /maxConcurrent/);
  invalid(() => new Session({ ...base, checkpointBytes: -1 }), /checkpointBytes/);
  invalid(() => new Session({ ...base, progressIntervalMs: 2 ** 32 }), /progressIntervalMs/);
  invalid(() => new Session({ ...base, stateDir: 42 }), /stateDir must be a string/);
  invalid(() => new Session({ ...base, autoResume: 'yes' }), /autoResume must be a boolean/);
  invalid(() => new Session({ ...base, retryBaseMs: 0 }), /retry_base_ms/);
  invalid(() => new Session({ ...base, maxConcurent: 3 }), /no option 'maxConcurent'/);
  invalid(() => new Session({ ...base, get caFile() { return {}; } }), /caFile must be a string/);
  assert.throws(() => new Session({ ...base, get proxy() { throw new RangeError('from a getter'); } }),
    { name: 'RangeError', message: 'from a getter' });
  assert.throws(() => Session(base), TypeError);
  // Nothing above opened the session: it is free.
  new Session(base).close();
});

test('add_rejects_garbage_options', () => {
  const session = openSession('add-garbage');
  const url = `${NGINX_URL}/x.bin`;
  invalid(() => session.add(), /url/);
  invalid(() => session.add(null), /url/);
  invalid(() => session.add(url), /options must be an object/);
  invalid(() => session.add({}), /options.url is required/);
  invalid(() => session.add({ url: 5 }), /options.url must be a string/);
  invalid(() => session.add({ url: '' }), /url/);
  invalid(() => session.add({ url: 'not a url' }), /not a valid URL/);
  invalid(() => session.add({ url, headers: 5 }), /headers/);
  invalid(() => session.add({ url, headers: ['no colon'] }), /header 0/);
  invalid(() => session.add({ url, headers: ['X-A: 1\r\nX-B: 2'] }), /header 0/);
  invalid(() => session.add({ url, headers: [5] }), /headers\[0\] must be a string/);
  invalid(() => session.add({ url, headers: { 'X-A': {} } }), /headers\['X-A'\]/);
  invalid(() => session.add({ url, checksum: 'sha1:00' }), /checksum/);
  invalid(() => session.add({ url, priority: 2 ** 40 }), /priority/);
  invalid(() => session.add({ url, expectedSize: -2 }), /expectedSize/);
  invalid(() => session.add({ url, conflict: 'merge' }), /'fail', 'overwrite', 'rename'/);
  invalid(() => session.add({ url, startPaused: 1 }), /startPaused must be a boolean/);
  invalid(() => session.add({ url, metadata: () => 1 }), /metadata must be JSON-serializable/);
  invalid(() => session.add({ url, metadata: 10n }), /metadata must be JSON-serializable/);
  invalid(() => session.add({ url, dest: '/tmp/' }), /dest_path must name a file/);
  invalid(() => session.add({ url, fileId: '' }), /file_id/);
  invalid(() => session.add({ url, bogus: true }), /no option 'bogus'/);
  assert.throws(() => session.add({ url: 'ftp://127.0.0.1/x.bin' }),
    { name: 'Error', code: 'YCDL_E_PROTOCOL', errno: -18 });
  assert.deepEqual(session.tasks(), []);
  session.close();
});

test('methods_reject_garbage_arguments', () => {
  const session = openSession('method-garbage');
  const task = session.add({ url: `${NGINX_URL}/never.bin`, startPaused: true });
  invalid(() => session.setNetwork('moon'), /'unknown', 'unmetered', 'cellular', 'offline'/);
  invalid(() => session.setNetwork(2), /network must be a string/);
  invalid(() => session.setMaxConcurrent(0), /maxConcurrent/);
  invalid(() => session.setMaxConcurrent(), /maxConcurrent/);
  invalid(() => session.setAllowCellular('yes'), /allow must be a boolean/);
  invalid(() => session.setMaxRecvSpeed(-5), /bytesPerSecond/);
  invalid(() => session.tasks({ status: 'done' }), /statuses\[0\] must be one of/);
  invalid(() => session.tasks({ status: 5 }), /statuses must be an array/);
  invalid(() => session.tasks({ state: 'paused' }), /no option 'state'/);
  invalid(() => session.task(5), /key must be a string/);
  invalid(() => session.task(''), /key/);
  invalid(() => session.findByUrl(undefined), /url must be a string/);
  invalid(() => task.setPriority('high'), /priority/);
  invalid(() => task.setAllowCellular(null), /allow must be a boolean/);
  invalid(() => task.setHeaders(), /headers/);
  invalid(() => task.cancel({ deleteData: 'yes' }), /deleteData must be a boolean/);
  invalid(() => task.remove({ purge: true }), /no option 'purge'/);
  assert.equal(session.task('no-such-key'), undefined);
  assert.equal(session.findByUrl(`${NGINX_URL}/other.bin`), undefined);
  assert.throws(() => new Task(), TypeError);
  session.close();
});

test('state_errors_carry_the_core_codes', async () => {
  const sha = h.makeFile('state.bin', 1000);
  const session = openSession('state');
  const task = session.add({ url: `${NGINX_URL}/state.bin` });
  assert.equal(h.sha256File(await task.done()), sha);
  assert.throws(() => task.pause(), (error) => {
    assert.equal(error.constructor, Error);
    assert.equal(error.code, 'YCDL_E_STATE');
    assert.equal(error.errno, -6);
    assert.match(error.message, /finished/);
    return true;
  });
  assert.throws(() => task.resume(), { code: 'YCDL_E_STATE' });
  assert.throws(() => task.cancel(), { code: 'YCDL_E_STATE' });
  task.remove({ deleteFile: true });
  await h.waitFor(session, 'removed');
  assert.throws(() => task.info(), { code: 'YCDL_E_NOT_FOUND', errno: -4 });
  await assert.rejects(task.done(), { code: 'YCDL_E_NOT_FOUND' });
  session.close();
});

test('a_file_id_added_again_with_another_url_is_refused', () => {
  const session = openSession('readd');
  const first = session.add({ url: 'http://127.0.0.1:9/first.bin', fileId: 'ep-1', startPaused: true });
  assert.equal(first.key, 'ep-1');
  assert.throws(() => session.add({ url: 'http://127.0.0.1:9/second.bin', fileId: 'ep-1', startPaused: true }),
    (error) => {
      assert.equal(error.code, 'YCDL_E_EXISTS');
      assert.equal(error.errno, -5);
      assert.match(error.message, /ep-1/);
      assert.match(error.message, /first\.bin/);
      return true;
    });
  assert.equal(first.info().url, 'http://127.0.0.1:9/first.bin');
  assert.equal(session.add({ url: 'http://127.0.0.1:9/first.bin', fileId: 'ep-1' }).key, 'ep-1');
  session.close();
});

test('native_methods_refuse_foreign_this_and_missing_callbacks', () => {
  const proto = native.Session.prototype;
  for (const name of Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor')) {
    // V8's "Illegal invocation" or the addon's own check: a TypeError.
    assert.throws(() => proto[name].call({}, 'key'), TypeError);
    assert.throws(() => proto[name].call(undefined), TypeError);
    assert.throws(() => proto[name].call(Object.create(proto), 'key'), TypeError);
  }
  const dir = h.tempDir('native-garbage');
  invalid(() => new native.Session({ identifier: 'native-garbage', stateDir: dir }), /onEvents must be a function/);
  invalid(() => new native.Session({ identifier: 'native-garbage', stateDir: dir }, 'fn'), /onEvents/);
  invalid(() => native.Session({ identifier: 'native-garbage', stateDir: dir }, () => {}), /use new Session/);
  invalid(() => native.Session.call({}, { identifier: 'native-garbage', stateDir: dir }, () => {}), /use new/);
  assert.throws(() => Session.prototype.add.call({}, {}), TypeError);
  const s = new native.Session({ identifier: 'native-garbage', stateDir: dir }, () => {});
  assert.throws(() => s.onEvents = null, TypeError, 'onEvents is read-only');
  s.close();
  s.close();
  assert.throws(() => s.list(), { code: 'YCDL_E_CLOSED' });
});

test('a_throwing_listener_is_reported_and_later_events_still_arrive', () => {
  const sha = h.makeFile('throwing.bin', 1000);
  const dir = h.tempDir('throwing');
  // In a child: the test runner treats any uncaught exception as a failure.
  const script = `
    const { Session } = require(${JSON.stringify(h.PACKAGE_DIR)});
    process.on('uncaughtException', (e) => console.log('uncaught ' + e.message));
    const session = new Session(${JSON.stringify(h.sessionOptions('throwing', dir))});
    session.once('taskAdded', () => { throw new Error('listener bug'); });
    session.on('finished', (e) => console.log('finished ' + e.sha256));
    session.add({ url: ${JSON.stringify(`${NGINX_URL}/throwing.bin`)} });`;
  const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.deepEqual(output.trim().split('\n'), ['uncaught listener bug', `finished ${sha}`]);
});

test('esm_import_gives_the_same_classes', async () => {
  const esm = await import('../index.mjs');
  assert.equal(esm.Session, Session);
  assert.equal(esm.Task, Task);
  assert.equal(esm.version, ycdl.version);
  assert.equal(esm.MAX_CONNECTIONS, 32);
  assert.equal(ycdl.MAX_CONNECTIONS, 32);
  assert.equal(esm.default, ycdl);
  assert.match(ycdl.version, /^\d+\.\d+\.\d+$/);
});
