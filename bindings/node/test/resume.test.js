// resume.test.js — pause and resume ("断点续传") through the binding: a
// resumable server continues at the paused offset with one Range request; a
// server without ranges is reported and restarts from zero; cancel and
// remove settle done() with exact codes, and a task added again after
// remove is a new one.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const test = require('node:test');

const { Session } = require('..');
const h = require('./helpers.js');

const { FAULT_URL } = h.servers;
const SIZE = 2 * 1024 * 1024;

/** Waits until at least bytes are written, pauses, returns the held offset. */
async function pauseAfter(session, task, bytes) {
  await h.waitFor(session, 'progress', (e) => e.key === task.key && e.bytesWritten >= bytes);
  task.pause();
  const info = task.info();
  assert.equal(info.status, 'paused');
  assert.ok(info.bytesWritten >= bytes);
  assert.ok(info.bytesWritten < SIZE);
  return info.bytesWritten;
}

test('pause_then_resume_continues_at_the_paused_offset', async () => {
  const sha = h.makeFile('resume.bin', SIZE);
  const dir = h.tempDir('resume');
  const session = new Session(h.sessionOptions('resume', dir));
  const events = h.record(session);
  const task = session.add({ url: `${FAULT_URL}/resume.bin?rate=800000&id=node-resume` });
  const done = task.done();

  const held = await pauseAfter(session, task, 300000);
  await h.sleep(300);
  assert.equal(task.info().bytesWritten, held, 'nothing is written while paused');
  task.resume();
  const finalPath = await done;

  assert.equal(h.sha256File(finalPath), sha);
  const resumed = events.filter((e) => e.type === 'resumed');
  assert.equal(resumed.length, 1);
  assert.equal(resumed[0].offset, held);
  assert.equal(resumed[0].bytesExpected, SIZE);
  assert.equal(events.filter((e) => e.type === 'restarted').length, 0);
  assert.deepEqual(h.timeline(events, task.key), [
    'taskAdded',
    'status:waiting>downloading',
    'resumability',
    'status:downloading>paused',
    'status:paused>waiting',
    'status:waiting>downloading',
    'resumed',
    'status:downloading>finished',
    'finished',
  ]);
  // From 64 KiB before the offset: the core compares that overlap with the part file.
  assert.equal(await h.faultHeader('node-resume', 'Range'), `bytes=${held - 65536}-`);
  assert.match(await h.faultHeader('node-resume', 'If-Range'), /^"/);
  assert.equal((await h.faultStats('node-resume')).requests, 2);
  session.close();
});

test('server_without_ranges_is_reported_and_restarts_from_zero', async () => {
  const sha = h.makeFile('norange.bin', SIZE);
  const dir = h.tempDir('norange');
  const session = new Session(h.sessionOptions('norange', dir));
  const events = h.record(session);
  const resumability = h.waitFor(session, 'resumability');
  const task = session.add({ url: `${FAULT_URL}/norange.bin?rate=800000&norange=1&id=node-norange` });
  const done = task.done();

  assert.equal((await resumability).resumability, 'no');
  const held = await pauseAfter(session, task, 200000);
  assert.equal(task.info().resumable, false);
  task.resume();
  const finalPath = await done;

  assert.equal(h.sha256File(finalPath), sha);
  const restarted = events.filter((e) => e.type === 'restarted');
  assert.equal(restarted.length, 1);
  assert.equal(restarted[0].discardedBytes, held);
  assert.ok(restarted[0].reason.length > 0);
  assert.equal(events.filter((e) => e.type === 'resumed').length, 0);
  assert.equal(await h.faultHeader('node-norange', 'Range'), undefined);
  session.close();
});

test('cancel_rejects_done_with_YCDL_E_CANCELED_and_resume_finishes', async () => {
  const sha = h.makeFile('cancel.bin', SIZE);
  const dir = h.tempDir('cancel');
  const session = new Session(h.sessionOptions('cancel', dir));
  const task = session.add({ url: `${FAULT_URL}/cancel.bin?rate=1500000` });
  const done = task.done();
  await h.waitFor(session, 'progress', (e) => e.key === task.key);

  task.cancel();
  const error = await done.then(() => assert.fail('resolved'), (e) => e);
  assert.equal(error.code, 'YCDL_E_CANCELED');
  assert.equal(error.errno, -22);
  assert.equal(task.info().status, 'failed');
  // A cancelled task keeps its data and can be started again.
  task.resume();
  assert.equal(h.sha256File(await task.done()), sha);
  session.close();
});

test('remove_rejects_done_and_forgets_the_task_and_its_data', async () => {
  h.makeFile('remove.bin', SIZE);
  const dir = h.tempDir('remove');
  const session = new Session(h.sessionOptions('remove', dir));
  const task = session.add({ url: `${FAULT_URL}/remove.bin?rate=800000` });
  const done = task.done();
  await h.waitFor(session, 'progress', (e) => e.key === task.key && e.bytesWritten > 0);
  const dest = task.info().dest;
  const removed = h.waitFor(session, 'removed');

  task.remove();
  const error = await done.then(() => assert.fail('resolved'), (e) => e);
  assert.equal(error.code, 'YCDL_E_NOT_FOUND');
  assert.equal((await removed).key, task.key);
  assert.equal(session.task(task.key), undefined);
  assert.deepEqual(session.tasks(), []);
  assert.equal(fs.existsSync(`${dest}.part`), false);
  assert.throws(() => task.info(), { name: 'Error', code: 'YCDL_E_NOT_FOUND' });
  session.close();
});

test('a_task_added_again_right_after_remove_is_a_new_task_that_its_removal_leaves_alone', async () => {
  const sha = h.makeFile('readd.bin', 300000);
  const dir = h.tempDir('readd');
  const session = new Session(h.sessionOptions('readd', dir));
  const url = `${FAULT_URL}/readd.bin?rate=1000000`;
  const first = session.add({ url });
  const firstError = first.done().then(() => assert.fail('resolved'), (e) => e);
  await h.waitFor(session, 'progress', (e) => e.key === first.key && e.bytesWritten > 0);
  const removed = h.waitFor(session, 'removed');

  // In one turn: the 'removed' event of the first comes after the second is added.
  first.remove();
  const second = session.add({ url });
  const secondDone = second.done();
  await removed;

  assert.notEqual(second, first);
  assert.equal(second.key, first.key);
  assert.equal((await firstError).code, 'YCDL_E_NOT_FOUND');
  assert.equal(session.task(second.key), second);
  assert.equal(h.sha256File(await secondDone), sha);
  session.close();
});
