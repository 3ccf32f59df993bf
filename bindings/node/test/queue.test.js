// queue.test.js — the queue through the binding: at most maxConcurrent
// downloads at once, the rest started in FIFO order, and 'allFinished'
// exactly once when nothing is pending (paused tasks do not count).
'use strict';

const assert = require('node:assert/strict');
const test = require('node:test');

const { Session } = require('..');
const h = require('./helpers.js');

const { FAULT_URL, NGINX_URL } = h.servers;

/** Replays status events: the most downloading at once, and who started when. */
function replay(events) {
  let now = 0;
  let max = 0;
  const started = [];
  for (const e of events.filter((x) => x.type === 'status')) {
    if (e.newStatus === 'downloading') {
      now++;
      started.push(e.key);
    }
    if (e.oldStatus === 'downloading') now--;
    max = Math.max(max, now);
  }
  return { max, started };
}

test('runs_at_most_max_concurrent_and_starts_the_rest_in_fifo_order', async () => {
  const dir = h.tempDir('fifo');
  const session = new Session(h.sessionOptions('fifo', dir, { maxConcurrent: 2 }));
  const events = h.record(session);
  const allFinished = h.waitFor(session, 'allFinished');
  const shas = [];
  const tasks = [];
  for (let i = 0; i < 6; i++) {
    shas.push(h.makeFile(`fifo-${i}.bin`, 120000));
    tasks.push(session.add({ url: `${FAULT_URL}/fifo-${i}.bin?rate=600000` }));
  }
  assert.ok(session.tasks({ status: 'downloading' }).length <= 2);
  const paths = await Promise.all(tasks.map((t) => t.done()));
  await allFinished;

  paths.forEach((p, i) => assert.equal(h.sha256File(p), shas[i]));
  const { max, started } = replay(events);
  assert.equal(max, 2);
  assert.deepEqual(started, tasks.map((t) => t.key));
  assert.equal(events.filter((e) => e.type === 'allFinished').length, 1);
  session.close();
});

test('raising_max_concurrent_at_run_time_starts_waiting_tasks', async () => {
  const dir = h.tempDir('raise');
  const session = new Session(h.sessionOptions('raise', dir, { maxConcurrent: 1 }));
  const events = h.record(session);
  const tasks = [];
  for (let i = 0; i < 3; i++) {
    h.makeFile(`raise-${i}.bin`, 300000);
    tasks.push(session.add({ url: `${FAULT_URL}/raise-${i}.bin?rate=300000` }));
  }
  await h.waitFor(session, 'status', (e) => e.key === tasks[0].key && e.newStatus === 'downloading');
  assert.deepEqual(session.tasks({ status: 'waiting' }), tasks.slice(1));
  session.setMaxConcurrent(3);
  await Promise.all(tasks.map((t) => t.done()));
  assert.equal(replay(events).max, 3);
  session.close();
});

test('all_finished_fires_once_after_every_task_ends_and_paused_ones_do_not_count', async () => {
  const dir = h.tempDir('allfin');
  const session = new Session(h.sessionOptions('allfin', dir));
  const events = h.record(session);
  h.makeFile('allfin-1.bin', 100000);
  h.makeFile('allfin-2.bin', 100000);
  const paused = session.add({ url: `${NGINX_URL}/allfin-1.bin?x=paused`, startPaused: true });
  const a = session.add({ url: `${FAULT_URL}/allfin-1.bin?rate=400000` });
  const b = session.add({ url: `${FAULT_URL}/allfin-2.bin?rate=200000` });

  const all = await h.waitFor(session, 'allFinished');
  assert.equal(all.key, '');
  assert.equal(all.finished, 2);
  assert.equal(all.failed, 0);
  assert.equal(all.paused, 1);
  const finishedSeq = (task) => events.find((e) => e.type === 'finished' && e.key === task.key).seq;
  assert.ok(finishedSeq(a) < all.seq);
  assert.ok(finishedSeq(b) < all.seq);
  await h.sleep(300);
  assert.equal(events.filter((e) => e.type === 'allFinished').length, 1);
  assert.deepEqual(session.tasks({ status: 'paused' }), [paused]);
  assert.deepEqual(session.tasks({ status: ['finished'] }), [a, b]);
  assert.deepEqual(session.tasks(), [paused, a, b]);
  session.close();
});

test('offline_network_holds_tasks_until_it_changes', async () => {
  const dir = h.tempDir('offline');
  const sha = h.makeFile('offline.bin', 200000);
  const session = new Session(h.sessionOptions('offline', dir));
  session.setNetwork('offline');
  const task = session.add({ url: `${FAULT_URL}/offline.bin` });
  await h.waitFor(session, 'status', (e) => e.key === task.key && e.newStatus === 'waiting-for-network');
  assert.equal(task.info().status, 'waiting-for-network');
  session.setNetwork('unmetered');
  assert.equal(h.sha256File(await task.done()), sha);
  session.close();
});

test('cellular_switch_applies_to_tasks_already_created', async () => {
  const dir = h.tempDir('cellular');
  const sha = h.makeFile('cellular.bin', 50000);
  const session = new Session(h.sessionOptions('cellular', dir, { allowCellular: false }));
  session.setNetwork('cellular');
  const task = session.add({ url: `${FAULT_URL}/cellular.bin` });
  await h.waitFor(session, 'status', (e) => e.key === task.key && e.newStatus === 'waiting-for-network');
  session.setAllowCellular(true);
  assert.equal(h.sha256File(await task.done()), sha);
  session.close();
});
