// crash.test.js — cross-process behaviour through the binding: a child
// process downloading is killed with SIGKILL and a new Session in this
// process finishes the file byte-identical; a second process on the same
// identifier gets YCDL_E_LOCKED.
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');

const { Session } = require('..');
const h = require('./helpers.js');

const { FAULT_URL } = h.servers;
const CHILD = path.join(__dirname, 'fixtures', 'child.js');
const SIZE = 4 * 1024 * 1024;
const CHECKPOINT = 256 * 1024;

/** Starts the child; resolves once it printed "ready". */
function startChild(config) {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(config)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('ready\n')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before it was ready`)));
  });
  return ready;
}

function killed(child) {
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(signal));
    child.kill('SIGKILL');
  });
}

/** The child's part file once it exists. */
function partFile(dir) {
  const name = fs.readdirSync(dir).find((n) => n.endsWith('.bin.part'));
  return name && path.join(dir, name);
}

async function downloadThenKill(id, file) {
  const sha = h.makeFile(file, SIZE);
  const dir = h.tempDir(id);
  const url = `${FAULT_URL}/${file}?rate=1500000&id=${id}`;
  const options = h.sessionOptions(id, dir, { checkpointBytes: CHECKPOINT });
  await fetch(`${FAULT_URL}/_reset?id=${id}`);
  const child = await startChild({ options, url });
  const part = await h.until(() => partFile(dir), 'the part file exists');
  await h.until(() => fs.statSync(part).size >= SIZE / 2, 'half the file is on disk');
  assert.equal(await killed(child), 'SIGKILL');
  return { sha, dir, url, options, atKill: fs.statSync(part).size };
}

test('sigkilled_download_is_finished_by_a_new_session', async () => {
  const { sha, url, options, atKill } = await downloadThenKill('node-crash', 'crash.bin');

  const session = new Session(options);
  const events = h.record(session);
  const restored = await h.waitFor(session, 'sessionRestored');
  assert.equal(restored.tasksFound, 1);
  assert.equal(restored.tasksQuarantined, 0);
  const task = session.findByUrl(url);
  assert.ok(task);
  const info = task.info();
  assert.equal(info.status, 'paused');
  assert.ok(info.bytesWritten > 0 && info.bytesWritten <= atKill);

  task.resume();
  const finalPath = await task.done();
  assert.equal(h.sha256File(finalPath), sha);
  const resumed = events.find((e) => e.type === 'resumed');
  assert.equal(resumed.offset, info.bytesWritten);
  assert.equal(resumed.bytesExpected, SIZE);
  assert.equal(events.filter((e) => e.type === 'restarted').length, 0);
  // At most one checkpoint, plus what was in flight, is fetched twice.
  const refetched = (await h.faultStats('node-crash')).bytes - SIZE;
  assert.ok(refetched >= 0 && refetched <= CHECKPOINT + 256 * 1024, `refetched ${refetched}`);
  session.close();
});

test('auto_resume_continues_a_killed_download_without_a_call', async () => {
  const { sha, url, options } = await downloadThenKill('node-autoresume', 'autoresume.bin');

  const session = new Session({ ...options, autoResume: true });
  const resumed = h.waitFor(session, 'resumed');
  const task = session.findByUrl(url);
  assert.ok(['waiting', 'downloading'].includes(task.info().status));
  assert.equal(h.sha256File(await task.done()), sha);
  assert.ok((await resumed).offset > 0);
  session.close();
});

test('a_second_process_on_one_identifier_gets_YCDL_E_LOCKED', async () => {
  const dir = h.tempDir('locked');
  const options = h.sessionOptions('locked', dir);
  const child = await startChild({ options, hold: true });
  try {
    assert.throws(() => new Session(options), (error) => {
      assert.equal(error.constructor, Error);
      assert.equal(error.code, 'YCDL_E_LOCKED');
      assert.equal(error.errno, -3);
      assert.ok(error.message.length > 0);
      return true;
    });
  } finally {
    await killed(child);
  }
  // The lock dies with its process.
  new Session(options).close();
});

test('a_second_session_in_one_process_gets_YCDL_E_LOCKED', () => {
  const dir = h.tempDir('locked-self');
  const options = h.sessionOptions('locked-self', dir);
  const first = new Session(options);
  assert.throws(() => new Session(options), { code: 'YCDL_E_LOCKED' });
  first.close();
  new Session(options).close();
});
