// groups.test.js — groups of tasks through the binding: exact figures of a
// group with mixed outcomes, the calls for a whole group, done() on the
// groupFinished event, and the exact errors of bad names and unknown groups.
'use strict';

const assert = require('node:assert/strict');
const test = require('node:test');

const { Session, Group } = require('..');
const h = require('./helpers.js');

const { NGINX_URL, FAULT_URL } = h.servers;

function openSession(name, extra) {
  return new Session(h.sessionOptions(name, h.tempDir(name), extra));
}

function isGroupFinished(name) {
  return (e) => e.type === 'groupFinished' && e.group === name;
}

test('a_group_of_mixed_outcomes_finishes_with_exact_figures', async () => {
  const shas = [];
  const items = [];
  let known = 0;
  for (let i = 0; i < 6; i++) {
    shas.push(h.makeFile(`ng-known-${i}.bin`, 10000 + i * 3001));
    known += 10000 + i * 3001;
    items.push({ url: `${NGINX_URL}/ng-known-${i}.bin`, group: 'album' });
  }
  for (let i = 6; i < 8; i++) {
    shas.push(h.makeFile(`ng-chunked-${i}.bin`, 20000 + i));
    items.push({ url: `${FAULT_URL}/ng-chunked-${i}.bin?chunked=1&rate=2000000`, group: 'album' });
  }
  for (let i = 8; i < 10; i++) items.push({ url: `${FAULT_URL}/ng-missing-${i}.bin?always=404`, group: 'album' });
  h.makeFile('ng-paused.bin', 1000);
  items.push({ url: `${NGINX_URL}/ng-paused.bin`, group: 'album', startPaused: true });
  h.makeFile('ng-other.bin', 1000);
  items.push({ url: `${NGINX_URL}/ng-other.bin`, group: 'other' });
  items.push({ url: `${NGINX_URL}/ng-other.bin?none` });
  const session = openSession('ng-album', { maxConcurrent: 4, maxRetries: 0 });
  const events = h.record(session);
  const otherFinished = h.waitFor(session, 'groupFinished', (e) => e.group === 'other');
  // One call: the group cannot finish between two adds.
  const tasks = session.addMany(items);
  const album = session.group('album');

  const figures = await album.done();

  assert.ok(album instanceof Group);
  assert.deepEqual({ ...figures, bytesWrittenKnown: 0, bytesWrittenUnknown: 0, bytesExpected: 0 }, {
    group: 'album', tasks: 11, waiting: 0, downloading: 0, paused: 1, waitingForNetwork: 0,
    finished: 8, failed: 2, waitingForUrl: 0, bytesWrittenKnown: 0, bytesExpected: 0,
    bytesWrittenUnknown: 0, speedBps: 0, etaSeconds: -1,
  });
  assert.equal(figures.bytesWrittenKnown + figures.bytesWrittenUnknown, known + 20006 + 20007);
  assert.equal(figures.bytesWrittenKnown, figures.bytesExpected);
  assert.ok(figures.bytesExpected >= known);
  assert.deepEqual(album.info(), figures);
  for (let i = 0; i < 8; i++) {
    assert.equal(h.sha256File(tasks[i].info().dest), shas[i]);
    assert.equal(tasks[i].info().group, 'album');
  }
  assert.equal(tasks.at(-1).info().group, '');
  // The group's tasks in the order added (the same Task objects), and by status.
  assert.deepEqual(album.tasks(), tasks.slice(0, 11));
  assert.equal(album.tasks()[0], tasks[0]);
  assert.deepEqual(album.tasks({ status: 'failed' }), tasks.slice(8, 10));
  assert.deepEqual(album.tasks({ status: ['paused', 'failed'] }), tasks.slice(8, 11));
  await otherFinished;
  assert.deepEqual(session.groups().map((g) => g.name).sort(), ['album', 'other']);
  const ended = events.filter(isGroupFinished('album'));
  assert.equal(ended.length, 1);
  assert.equal(ended[0].key, '');
  const progress = events.filter((e) => e.type === 'groupProgress' && e.group === 'album');
  assert.ok(progress.length > 0);
  for (let i = 1; i < progress.length; i++) {
    assert.ok(progress[i].bytesWrittenKnown + progress[i].bytesWrittenUnknown >=
      progress[i - 1].bytesWrittenKnown + progress[i - 1].bytesWrittenUnknown);
  }
  for (const p of progress) assert.ok(p.bytesWrittenKnown <= p.bytesExpected);
  session.close();
});

test('a_group_pauses_and_resumes_as_one', async () => {
  const shas = [0, 1, 2].map((i) => h.makeFile(`ng-season-${i}.bin`, 600000));
  h.makeFile('ng-season-x.bin', 2000000);
  const session = openSession('ng-season', { maxConcurrent: 4 });
  const tasks = [0, 1, 2].map((i) => session.add({ url: `${FAULT_URL}/ng-season-${i}.bin?rate=300000`, group: 'season' }));
  const outside = session.add({ url: `${FAULT_URL}/ng-season-x.bin?rate=300000` });
  for (const task of [...tasks, outside]) await h.waitFor(session, 'progress', (e) => e.key === task.key);
  const season = session.group('season');

  season.pause();

  // Done when the call returns; the task outside goes on.
  assert.deepEqual(tasks.map((t) => t.info().status), ['paused', 'paused', 'paused']);
  assert.equal(outside.info().status, 'downloading');
  const paused = await season.done();   // nothing pending: at once
  assert.equal(paused.paused, 3);
  assert.equal(paused.finished + paused.downloading + paused.speedBps, 0);
  assert.equal(paused.bytesExpected, 3 * 600000);
  assert.ok(paused.bytesWrittenKnown > 0);
  season.setPriority(7);
  season.setAllowCellular(false);
  assert.deepEqual(tasks.map((t) => [t.info().priority, t.info().allowCellular]), [[7, false], [7, false], [7, false]]);
  assert.deepEqual([outside.info().priority, outside.info().allowCellular], [0, true]);

  season.start();
  const done = await season.done();

  assert.deepEqual([done.finished, done.tasks, done.paused], [3, 3, 0]);
  assert.equal(done.bytesWrittenKnown, 3 * 600000);
  assert.deepEqual(await Promise.all(tasks.map(async (t) => h.sha256File(await t.done()))), shas);
  outside.pause();
  session.close();
});

test('bad_group_names_and_unknown_groups_throw_exact_errors', async () => {
  const session = openSession('ng-bad');
  const url = 'http://127.0.0.1:9/ng-bad.bin';
  const invalid = { name: 'TypeError', code: 'YCDL_E_INVALID', errno: -1 };
  assert.throws(() => session.add({ url, group: 'bad\nname', startPaused: true }), invalid);
  assert.throws(() => session.add({ url, group: 'g'.repeat(201), startPaused: true }), invalid);
  assert.throws(() => session.add({ url, group: 5, startPaused: true }), { ...invalid, message: /options.group must be a string/ });
  assert.deepEqual(session.tasks(), []);
  const task = session.add({ url, startPaused: true });
  assert.throws(() => task.setGroup('tab\there'), invalid);
  assert.throws(() => task.setGroup('nul\0inside'), { ...invalid, message: /NUL/ });
  assert.throws(() => task.setGroup(7), invalid);
  assert.throws(() => session.group(undefined), invalid);
  const nobody = session.group('nobody');
  const notFound = { name: 'Error', code: 'YCDL_E_NOT_FOUND', errno: -4 };
  for (const call of [() => nobody.info(), () => nobody.tasks(), () => nobody.start(), () => nobody.pause(),
    () => nobody.cancel(), () => nobody.remove(), () => nobody.setPriority(1), () => nobody.setAllowCellular(true)]) {
    assert.throws(call, notFound);
  }
  await assert.rejects(nobody.done(), notFound);
  assert.throws(() => nobody.setPriority('high'), invalid);
  assert.throws(() => nobody.cancel({ deleteData: 'yes' }), invalid);
  assert.throws(() => nobody.remove({ purge: true }), { ...invalid, message: /no option 'purge'/ });
  assert.throws(() => new Group(), TypeError);
  assert.deepEqual(session.groups(), []);
  // The task is untouched by all that.
  assert.deepEqual([task.info().status, task.info().group], ['paused', '']);
  session.close();
});

test('a_group_set_later_survives_a_restart_and_goes_with_its_tasks', async () => {
  const dir = h.tempDir('ng-later');
  let session = new Session(h.sessionOptions('ng-later', dir));
  const keys = [0, 1, 2].map((i) => session.add({ url: `http://127.0.0.1:9/ng-later-${i}.bin`, startPaused: true }).key);
  session.task(keys[0]).setGroup('later');
  session.task(keys[1]).setGroup('later');
  session.task(keys[2]).setGroup('elsewhere');
  assert.deepEqual([session.group('later').info().tasks, session.group('later').info().paused], [2, 2]);
  session.close();

  session = new Session(h.sessionOptions('ng-later', dir));
  const later = session.group('later');
  assert.equal(session.task(keys[1]).info().group, 'later');
  assert.equal(later.info().tasks, 2);
  session.task(keys[2]).setGroup('later');
  assert.throws(() => session.group('elsewhere').info(), { code: 'YCDL_E_NOT_FOUND' });
  assert.equal(later.info().tasks, 3);
  session.task(keys[0]).setGroup(null);
  assert.equal(session.task(keys[0]).info().group, '');
  const removedTask = session.task(keys[1]);
  const taskDone = removedTask.done();
  later.remove({ deleteFile: true });
  await assert.rejects(taskDone, { code: 'YCDL_E_NOT_FOUND' });
  assert.throws(() => later.info(), { code: 'YCDL_E_NOT_FOUND' });
  assert.deepEqual(session.tasks().map((t) => t.key), [keys[0]]);
  assert.deepEqual(session.groups(), []);
  session.close();
});

test('done_rejects_when_the_group_is_removed_or_the_session_closes', async () => {
  h.makeFile('ng-slow.bin', 2000000);
  const session = openSession('ng-slow', { maxRetries: 1000 });
  const slow = session.group('slow');
  const task = session.add({ url: `${FAULT_URL}/ng-slow.bin?rate=200000`, group: 'slow' });
  const removed = slow.done();
  setTimeout(() => task.remove(), 200);
  await assert.rejects(removed, { code: 'YCDL_E_NOT_FOUND', errno: -4 });
  session.add({ url: `${FAULT_URL}/ng-slow.bin?rate=200000&again`, group: 'slow' });
  const groupRemoved = slow.done();
  setTimeout(() => slow.remove(), 200);
  await assert.rejects(groupRemoved, { code: 'YCDL_E_NOT_FOUND' });
  assert.deepEqual(session.tasks(), []);
  session.add({ url: 'http://127.0.0.1:9/ng-closed.bin', group: 'closed' });   // waits, retrying
  const closed = session.group('closed').done();
  setTimeout(() => session.close(), 200);
  await assert.rejects(closed, { code: 'YCDL_E_CLOSED', errno: -7 });
  assert.throws(() => slow.info(), { code: 'YCDL_E_CLOSED' });
});
