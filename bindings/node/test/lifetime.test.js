// lifetime.test.js — what keeps the process alive and what frees a
// session: an idle session never holds the process, a running download
// does until it ends; unref() lets go; close() settles done() from the
// tasks' state and keeps the data for the next session; a collected session
// and a finished worker release the lock.
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const test = require('node:test');
const { Worker } = require('node:worker_threads');

const { Session } = require('..');
const h = require('./helpers.js');

const { FAULT_URL, NGINX_URL } = h.servers;
const CHILD = path.join(__dirname, 'fixtures', 'child.js');

/** Runs the child to its natural exit: { code, signal, ms, lines }. */
function runChild(config, args = [], timeoutMs = 20000) {
  const started = Date.now();
  const child = spawn(process.execPath, [...args, CHILD, JSON.stringify(config)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - started, lines: output.trim().split('\n') });
    });
  });
}

test('an_idle_session_lets_the_process_exit', async () => {
  const dir = h.tempDir('idle');
  const result = await runChild({ options: h.sessionOptions('idle', dir) });
  assert.equal(result.signal, null, 'the child had to be killed: the idle session held it');
  assert.equal(result.code, 0);
  assert.deepEqual(result.lines, ['ready']);
});

test('a_running_download_keeps_the_process_alive_until_it_finishes', async () => {
  const sha = h.makeFile('alive.bin', 600000);
  const dir = h.tempDir('alive');
  // About a second at this rate; nothing but the session keeps the child up.
  const url = `${FAULT_URL}/alive.bin?rate=600000`;
  const result = await runChild({ options: h.sessionOptions('alive', dir), url });
  assert.equal(result.code, 0);
  assert.deepEqual(result.lines, ['ready', `finished ${sha}`]);
  assert.ok(result.ms >= 700, `exited after ${result.ms} ms`);
});

/** Runs `node -e script` to its natural exit: { code, signal, ms, out, err }. */
function runScript(script, timeoutMs = 30000) {
  const started = Date.now();
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => { out += chunk; });
  child.stderr.on('data', (chunk) => { err += chunk; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - started, out: out.trim(), err });
    });
  });
}

const PACKAGE = JSON.stringify(path.resolve(__dirname, '..'));

test('an_awaited_done_keeps_the_process_alive_until_the_download_ends', async () => {
  // Nothing but the task's done() keeps this child up: no listener, no
  // timer, the session in no variable. The download takes about 1.5 s.
  const sha = h.makeFile('done-alive.bin', 900000);
  const dir = h.tempDir('done-alive');
  const url = `${FAULT_URL}/done-alive.bin?rate=600000`;
  const result = await runScript(`
    const { Session } = require(${PACKAGE});
    new Session(${JSON.stringify(h.sessionOptions('done-alive', dir))})
      .add({ url: ${JSON.stringify(url)} }).done().then((p) => console.log(p));`);
  assert.equal(result.signal, null, 'killed: the child never exited');
  assert.equal(result.code, 0, result.err);
  assert.ok(result.out, `exited at ${result.ms} ms without printing the path`);
  assert.equal(h.sha256File(result.out), sha);
  assert.ok(result.ms >= 1000, `exited after ${result.ms} ms`);
});

test('done_of_a_task_waiting_in_the_queue_keeps_the_process_alive_too', async () => {
  // maxConcurrent 1: the second task waits for the first before it starts.
  h.makeFile('queued-a.bin', 400000);
  const sha = h.makeFile('queued-b.bin', 100000);
  const dir = h.tempDir('done-queued');
  const options = { ...h.sessionOptions('done-queued', dir), maxConcurrent: 1 };
  const result = await runScript(`
    const { Session } = require(${PACKAGE});
    const session = new Session(${JSON.stringify(options)});
    session.add({ url: ${JSON.stringify(`${FAULT_URL}/queued-a.bin?rate=400000`)} });
    const second = session.add({ url: ${JSON.stringify(`${FAULT_URL}/queued-b.bin`)} });
    console.log(second.info().status);
    second.done().then((p) => console.log(p));`);
  assert.equal(result.code, 0, result.err);
  const [status, file] = result.out.split('\n');
  assert.equal(status, 'waiting');
  assert.equal(h.sha256File(file), sha);
  assert.ok(result.ms >= 700, `exited after ${result.ms} ms`);
});

test('done_of_a_paused_task_rejects_when_the_process_would_exit', async () => {
  // A paused task cannot end by itself: the process does not wait for it,
  // and its done() says so instead of leaving the await unsettled.
  const dir = h.tempDir('done-paused');
  const result = await runScript(`
    const { Session } = require(${PACKAGE});
    const session = new Session(${JSON.stringify(h.sessionOptions('done-paused', dir))});
    const task = session.add({ url: ${JSON.stringify(`${FAULT_URL}/never.bin`)}, startPaused: true });
    task.done().then((p) => console.log('resolved ' + p),
      (e) => console.log(e.code + ' ' + e.status + ' ' + (e.key === task.key)));`);
  assert.equal(result.code, 0, result.err);
  assert.equal(result.out, 'YCDL_E_STATE paused true');

  // Unhandled, the rejection ends the process with an error, not with 0.
  const unhandled = await runScript(`
    const { Session } = require(${PACKAGE});
    const session = new Session(${JSON.stringify(h.sessionOptions('done-paused-2', dir))});
    session.add({ url: ${JSON.stringify(`${FAULT_URL}/never.bin`)}, startPaused: true }).done()
      .then((p) => console.log(p));`);
  assert.notEqual(unhandled.code, 0);
  assert.match(unhandled.err, /YCDL_E_STATE|is paused/);
  assert.equal(unhandled.out, '');
});

test('done_of_a_paused_task_stays_pending_while_the_process_lives_and_settles_after_resume', async () => {
  const sha = h.makeFile('done-resume.bin', 200000);
  const dir = h.tempDir('done-resume');
  const session = new Session(h.sessionOptions('done-resume', dir));
  const task = session.add({ url: `${NGINX_URL}/done-resume.bin`, startPaused: true });
  let settled = false;
  const done = task.done().finally(() => { settled = true; });
  await h.sleep(300);
  assert.equal(settled, false);
  task.resume();
  assert.equal(h.sha256File(await done), sha);
  session.close();
});

test('unref_lets_the_process_exit_mid_download_and_the_data_is_kept', async () => {
  h.makeFile('unref.bin', 2 * 1024 * 1024);
  const dir = h.tempDir('unref');
  const options = h.sessionOptions('unref', dir);
  const url = `${NGINX_URL}/unref.bin?rate=200000`;
  const result = await runChild({ options, url, unref: true });
  assert.equal(result.code, 0);
  assert.deepEqual(result.lines, ['ready']);

  // Closed at exit by the environment's cleanup: the task is on disk, paused.
  const session = new Session(options);
  const task = session.findByUrl(url);
  assert.ok(task);
  assert.equal(task.info().status, 'paused');
  session.close();
});

test('close_rejects_pending_done_with_YCDL_E_CLOSED_and_a_new_session_finishes', async () => {
  const sha = h.makeFile('close.bin', 2 * 1024 * 1024);
  const dir = h.tempDir('close');
  const options = h.sessionOptions('close', dir);
  const session = new Session(options);
  const task = session.add({ url: `${FAULT_URL}/close.bin?rate=1000000` });
  const done = task.done();
  await h.waitFor(session, 'progress', (e) => e.key === task.key && e.bytesWritten >= 300000);
  let closeEvents = 0;
  session.on('close', () => closeEvents++);

  session.close();
  const error = await done.then(() => assert.fail('resolved'), (e) => e);
  assert.equal(error.code, 'YCDL_E_CLOSED');
  assert.equal(session.closed, true);
  session.close();
  assert.equal(closeEvents, 1);
  assert.throws(() => task.pause(), { name: 'Error', code: 'YCDL_E_CLOSED' });
  assert.throws(() => session.add({ url: `${FAULT_URL}/x` }), { code: 'YCDL_E_CLOSED' });
  assert.throws(() => session.tasks(), { code: 'YCDL_E_CLOSED' });

  const next = new Session(options);
  const again = next.findByUrl(`${FAULT_URL}/close.bin?rate=1000000`);
  assert.equal(again.info().status, 'paused');
  assert.ok(again.info().bytesWritten >= 300000);
  again.resume();
  assert.equal(h.sha256File(await again.done()), sha);
  next.close();
});

test('close_resolves_done_of_a_task_that_finished_before_its_event_arrived', async () => {
  const sha = h.makeFile('close-race.bin', 100000);
  const dir = h.tempDir('close-race');
  const session = new Session(h.sessionOptions('close-race', dir));
  const task = session.add({ url: `${NGINX_URL}/close-race.bin` });
  const done = task.done();
  // Spin without yielding: the 'finished' event stays queued in the core.
  const deadline = Date.now() + 10000;
  while (task.info().status !== 'finished' && Date.now() < deadline);
  assert.equal(task.info().status, 'finished');
  session.close();
  assert.equal(h.sha256File(await done), sha);
});

test('a_collected_idle_session_is_closed_by_its_finalizer', async () => {
  const dir = h.tempDir('collected');
  const script = `
    const { Session } = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    const options = ${JSON.stringify(h.sessionOptions('collected', dir))};
    (function open() { new Session(options); })();
    (async () => {
      for (let i = 0; i < 100; i++) {
        global.gc();
        await new Promise((r) => setImmediate(r));
        try { new Session(options).close(); console.log('reopened'); return; }
        catch (e) { if (e.code !== 'YCDL_E_LOCKED') throw e; }
      }
      console.log('still locked');
    })();`;
  const child = spawn(process.execPath, ['--expose-gc', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  assert.equal(output.trim(), 'reopened');
});

test('a_downloading_session_nobody_references_is_not_collected', async () => {
  const sha = h.makeFile('unreferenced.bin', 600000);
  const dir = h.tempDir('unreferenced');
  const script = `
    const { Session } = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    (function start() {
      const session = new Session(${JSON.stringify(h.sessionOptions('unreferenced', dir))});
      session.on('finished', (e) => console.log('finished ' + e.sha256));
      session.add({ url: ${JSON.stringify(`${FAULT_URL}/unreferenced.bin?rate=600000`)} });
    })();
    const timer = setInterval(() => global.gc(), 20);
    timer.unref();`;
  const child = spawn(process.execPath, ['--expose-gc', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  assert.equal(output.trim(), `finished ${sha}`);
});

test('a_worker_that_ends_releases_its_session', async () => {
  h.makeFile('worker.bin', 2 * 1024 * 1024);
  const dir = h.tempDir('worker');
  const options = h.sessionOptions('worker', dir);
  const url = `${FAULT_URL}/worker.bin?rate=500000`;
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    const { Session } = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    const session = new Session(workerData.options);
    session.add({ url: workerData.url });
    session.once('progress', () => parentPort.postMessage('downloading'));
  `, { eval: true, workerData: { options, url } });
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();

  const session = new Session(options);
  assert.equal(session.findByUrl(url).info().status, 'paused');
  session.close();
});
