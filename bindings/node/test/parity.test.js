// parity.test.js — the rest of the C API through the binding: many tasks
// added in one call, every task's info in one call, a new URL for a task
// whose URL stopped working, mirrors, the body guard (accepted types, a
// minimum size), files named after their URL, the fields progress
// events carry, and one file over several connections.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const test = require('node:test');

const { Session, Task, MAX_CONNECTIONS } = require('..');
const h = require('./helpers.js');

const { NGINX_URL, FAULT_URL } = h.servers;

function openSession(name, extra) {
  const dir = h.tempDir(name);
  return { dir, session: new Session(h.sessionOptions(name, dir, extra)) };
}

test('add_many_adds_in_one_call_and_reports_each_item', async () => {
  const shas = [0, 1, 2].map((i) => h.makeFile(`np-many-${i}.bin`, 5000 + i));
  const { dir, session } = openSession('np-many');
  const items = [
    { url: `${NGINX_URL}/np-many-0.bin` },
    { url: `${NGINX_URL}/np-many-1.bin`, fileId: 'second', displayName: 'Second' },
    { url: 'ftp://127.0.0.1/np-refused.bin' },
    { url: `${NGINX_URL}/np-many-2.bin`, dest: path.join(dir, 'third.bin') },
  ];
  let thrown;
  assert.throws(() => session.addMany(items), (error) => {
    thrown = error;
    return true;
  });
  assert.equal(thrown.code, 'YCDL_E_PROTOCOL');
  assert.equal(thrown.errno, -18);
  assert.match(thrown.message, /ftp/);
  assert.equal(thrown.index, 2);
  assert.equal(thrown.results.length, 4);
  assert.ok(thrown.results[0] instanceof Task && thrown.results[3] instanceof Task);
  assert.equal(thrown.results[2], thrown);
  assert.equal(thrown.results[1].key, 'second');
  // The other items were added all the same.
  assert.equal(session.tasks().length, 3);
  const paths = await Promise.all([0, 1, 3].map((i) => thrown.results[i].done()));
  assert.deepEqual(paths.map(h.sha256File), shas);
  assert.equal(paths[2], path.join(dir, 'third.bin'));
  const again = session.addMany([items[0], items[1]]);
  assert.deepEqual(again, [thrown.results[0], thrown.results[1]]);
  assert.deepEqual(session.addMany([]), []);
  assert.throws(() => session.addMany(items[0]), { name: 'TypeError', code: 'YCDL_E_INVALID' });
  assert.throws(() => session.addMany([{ url: `${NGINX_URL}/x.bin`, bogus: 1 }]), { message: /items\[0\] has no option 'bogus'/ });
  assert.throws(() => session.addMany([{ url: `${NGINX_URL}/x.bin` }, { url: 5 }]), { name: 'TypeError', message: /items\[1\]\.url must be a string/ });
  assert.throws(() => session.addMany([{ url: 'not a url' }]), { name: 'TypeError', code: 'YCDL_E_INVALID' });
  assert.equal(session.tasks().length, 3);
  session.close();
});

test('task_infos_gives_every_task_in_one_call', () => {
  const { session } = openSession('np-infos');
  const tasks = [0, 1, 2, 3].map((i) => session.add({
    url: `http://127.0.0.1:9/np-info-${i}.bin`, startPaused: true, metadata: { i }, group: i % 2 ? 'g' : undefined,
  }));
  tasks[1].cancel();
  const infos = session.taskInfos();
  assert.deepEqual(infos, tasks.map((t) => t.info()));
  assert.deepEqual(infos.map((i) => i.metadata), [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
  assert.deepEqual(infos.map((i) => i.group), ['', 'g', '', 'g']);
  assert.deepEqual(session.taskInfos({ status: 'failed' }).map((i) => i.key), [tasks[1].key]);
  assert.deepEqual(session.taskInfos({ status: ['finished'] }), []);
  assert.throws(() => session.taskInfos({ status: 'done' }), { code: 'YCDL_E_INVALID' });
  session.close();
});

test('a_task_whose_url_stops_working_waits_for_a_new_one', async () => {
  const sha = h.makeFile('np-refresh.bin', 300000);
  const { session } = openSession('np-refresh');
  const original = `${FAULT_URL}/np-refresh.bin?id=np-refresh&always=403`;
  const needed = h.waitFor(session, 'urlNeeded');
  const task = session.add({ url: original });
  const event = await needed;
  assert.deepEqual([event.key, event.code, event.errno, event.httpStatus, event.url],
    [task.key, 'YCDL_E_HTTP', -16, 403, original]);
  assert.equal(task.info().status, 'waiting-for-url');
  assert.equal(task.info().requestUrl, '');
  const fresh = `${FAULT_URL}/np-refresh.bin?id=np-refresh-2`;
  const changed = h.waitFor(session, 'urlChanged', (e) => e.key === task.key);

  task.setUrl(fresh);

  assert.equal(h.sha256File(await task.done()), sha);
  assert.deepEqual([(await changed).to, task.info().url, task.info().requestUrl], [fresh, original, fresh]);
  assert.equal(session.findByUrl(original), task);
  assert.throws(() => task.setUrl('ftp://127.0.0.1/x.bin'), { code: 'YCDL_E_PROTOCOL' });
  assert.throws(() => task.setUrl(5), { name: 'TypeError', code: 'YCDL_E_INVALID' });
  session.close();
});

test('mirrors_take_over_from_a_url_that_fails_for_good', async () => {
  const sha = h.makeFile('np-mirror.bin', 200000);
  const { session } = openSession('np-mirror', { maxRetries: 0 });
  const events = h.record(session);
  const mirror = `${NGINX_URL}/np-mirror.bin`;
  const task = session.add({
    url: `${FAULT_URL}/np-mirror.bin?id=np-mirror&always=404`,
    mirrors: [`${FAULT_URL}/np-mirror.bin?always=500`, mirror],
  });
  assert.equal(h.sha256File(await task.done()), sha);
  const changes = events.filter((e) => e.type === 'urlChanged' && e.key === task.key);
  assert.equal(changes.at(-1).to, mirror);
  assert.match(changes[0].reason, /404/);
  assert.equal(task.info().requestUrl, mirror);
  assert.throws(() => session.add({ url: `${mirror}?17`, mirrors: Array(17).fill(mirror) }), { code: 'YCDL_E_INVALID' });
  assert.throws(() => session.add({ url: `${mirror}?str`, mirrors: mirror }), { name: 'TypeError', message: /mirrors must be an array/ });
  session.close();
});

test('the_body_guard_refuses_what_is_not_the_file', async () => {
  h.makeFile('np-guard.bin', 20000);
  const { dir, session } = openSession('np-guard');
  const events = h.record(session);
  const typed = session.add({ url: `${FAULT_URL}/np-guard.bin?type=text/plain`, dest: path.join(dir, 'a.mp4'), acceptTypes: ['video/*'] });
  const small = session.add({ url: `${FAULT_URL}/np-guard.bin?small`, dest: path.join(dir, 'b.bin'), minSize: 20001 });
  for (const task of [typed, small]) {
    // Recorded: the two tasks' events may come in either order.
    const needed = await h.until(() => events.find((e) => e.type === 'urlNeeded' && e.key === task.key),
      `urlNeeded of ${task.key}`);
    assert.deepEqual([needed.code, needed.errno], ['YCDL_E_NOT_THE_FILE', -27]);
    assert.equal(task.info().status, 'waiting-for-url');
    assert.equal(task.info().error.code, 'YCDL_E_NOT_THE_FILE');
  }
  const good = session.add({
    url: `${FAULT_URL}/np-guard.bin?type=video/mp4`, dest: path.join(dir, 'c.mp4'), acceptTypes: ['video/*'], minSize: 20000,
  });
  assert.equal(await good.done(), path.join(dir, 'c.mp4'));
  assert.ok(events.some((e) => e.type === 'status' && e.key === typed.key && e.newStatus === 'waiting-for-url'));
  assert.throws(() => session.add({ url: `${NGINX_URL}/np-guard.bin?x`, acceptTypes: 'video/*' }), { name: 'TypeError' });
  assert.throws(() => session.add({ url: `${NGINX_URL}/np-guard.bin?y`, minSize: -1 }), { message: /minSize/ });
  session.close();
});

test('name_from_url_names_the_file_as_wget_does', async () => {
  const sha = h.makeFile('np name.bin', 3000);
  const { dir, session } = openSession('np-names');
  const first = session.add({ url: `${NGINX_URL}/np%20name.bin?x=1`, destDir: dir, nameFromUrl: true, conflict: 'rename' });
  const second = session.add({ url: `${NGINX_URL}/np%20name.bin?x=2`, destDir: dir, nameFromUrl: true, conflict: 'rename' });
  assert.equal(await first.done(), path.join(dir, 'np name.bin'));
  assert.equal(await second.done(), path.join(dir, 'np name (1).bin'));
  assert.equal(h.sha256File(path.join(dir, 'np name (1).bin')), sha);
  assert.throws(() => session.add({ url: `${NGINX_URL}/np%20name.bin?x=3`, nameFromUrl: 1 }), { message: /nameFromUrl must be a boolean/ });
  session.close();
});

test('progress_events_carry_the_eta_and_what_they_replaced', async () => {
  h.makeFile('np-eta.bin', 600000);
  const { session } = openSession('np-eta');
  const events = h.record(session);
  const task = session.add({ url: `${FAULT_URL}/np-eta.bin?rate=1000000` });
  await task.done();
  const progress = events.filter((e) => e.type === 'progress');
  assert.ok(progress.length >= 2);
  for (const p of progress) {
    assert.equal(typeof p.coalesced, 'number');
    if (p.speedBps) assert.equal(p.etaSeconds, Math.floor((600000 - p.bytesWritten) / p.speedBps));
  }
  // The numbers skipped are the progress events that newer ones replaced.
  const coalesced = events.reduce((n, e) => n + (e.type === 'progress' ? e.coalesced : 0), 0);
  assert.equal(events.at(-1).seq, events.length + coalesced);
  assert.equal(progress.reduce((n, p) => n + p.bytesThisBurst, 0), 600000);
  session.close();
});

test('a_file_is_fetched_over_several_connections_byte_identical', async () => {
  // nginx lets a second's worth of its rate through at once on every
  // request: four pieces of 2 MiB at 512 KiB/s overlap for 3 s.
  const size = 8 * 1024 * 1024;
  const sha = h.makeFile('np-segments.bin', size);
  const { session } = openSession('np-segments', { segmentMinSize: 2 * 1024 * 1024 });
  const events = h.record(session);
  const task = session.add({ url: `${NGINX_URL}/np-segments.bin?rate=512k`, connections: 4 });
  const done = task.done();
  let most = 0;
  await h.until(() => {
    const info = task.info();
    most = Math.max(most, info.connections);
    return most > 1 || info.status === 'finished';
  }, 'info() reports more than one connection', 30000);
  assert.ok(most > 1, 'info() never reported more than one connection');
  assert.equal(task.info().maxConnections, 4);

  const file = await done;

  assert.equal(h.sha256File(file), sha);
  const finished = events.find((e) => e.type === 'finished' && e.key === task.key);
  assert.equal(finished.sha256, sha);
  const progress = events.filter((e) => e.type === 'progress' && e.key === task.key);
  assert.ok(Math.max(...progress.map((p) => p.connections)) > 1);
  assert.ok(progress.every((p) => p.connections <= 4));
  // Every piece was validated: nothing restarted, nothing spliced.
  assert.deepEqual(events.filter((e) => e.type === 'restarted'), []);
  const info = task.info();
  assert.deepEqual([info.connections, info.maxConnections, info.bytesWritten, info.sha256],
    [0, 4, size, sha]);
  session.close();
});

test('connections_default_to_the_session_s_and_are_refused_out_of_range', () => {
  const { session } = openSession('np-conn', { connections: 3 });
  const url = (name) => `http://127.0.0.1:9/${name}.bin`;
  const paused = session.add({ url: url('np-conn'), startPaused: true });
  assert.deepEqual([paused.info().connections, paused.info().maxConnections], [0, 3]);
  assert.equal(session.add({ url: url('np-conn-0'), startPaused: true, connections: 0 })
    .info().maxConnections, 3);
  const [most] = session.addMany([{ url: url('np-conn-most'), startPaused: true, connections: MAX_CONNECTIONS }]);
  assert.equal(most.info().maxConnections, 32);
  assert.throws(() => session.add({ url: url('np-conn-33'), connections: 33 }),
    { name: 'TypeError', code: 'YCDL_E_INVALID', message: 'connections must be 0..32' });
  assert.throws(() => session.add({ url: url('np-conn-neg'), connections: -1 }),
    { name: 'TypeError', code: 'YCDL_E_INVALID', message: /options\.connections must be an integer/ });
  assert.throws(() => session.add({ url: url('np-conn-str'), connections: '4' }),
    { name: 'TypeError', code: 'YCDL_E_INVALID' });
  assert.equal(session.tasks().length, 3);
  session.close();
});
