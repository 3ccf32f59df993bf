// shared.test.js — shared sessions through the binding (docs/background.md):
// a Session attached to a session another process owns lists its tasks and
// gets its events; it takes the session over when the owner is killed with
// SIGKILL and finishes the download byte-identical; background: true starts
// a host; test/tools/attach-and-wait.js waits for another process's
// downloads, also those `ycdl serve` (the CLI, when built) owns; the
// session options of version 4 and 5 and secret headers take effect, and
// bad values fail with exact errors.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');

const { Session } = require('..');
const h = require('./helpers.js');

const { FAULT_URL, NGINX_URL } = h.servers;
const OWNER = path.join(__dirname, 'tools', 'own-session.js');
const ATTACH_AND_WAIT = path.join(__dirname, 'tools', 'attach-and-wait.js');
// The C command-line tool, when built (scripts/build, scripts/test).
const CLI = process.env.YCDL_CLI || path.join(h.REPO_DIR, 'build', 'cli', 'ycdl');

/**
 * Starts tools/own-session.js owning id in dir with urls added. events
 * collects its JSON lines; next(predicate) resolves with the first that
 * matches; exited resolves with [code, signal].
 */
function startOwner(dir, id, urls = []) {
  const child = spawn(process.execPath, [OWNER, dir, id, ...urls], { stdio: ['ignore', 'pipe', 'inherit'] });
  const events = [];
  const waiters = [];
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const event = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      events.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    }
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
  function next(predicate, timeoutMs = 20000) {
    const seen = events.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { predicate, resolve };
      waiters.push(waiter);
      const timer = setTimeout(() => reject(new Error('the owner did not print what was awaited')), timeoutMs);
      exited.then(() => reject(new Error('the owner exited first')));
      const settle = waiter.resolve;
      waiter.resolve = (event) => {
        clearTimeout(timer);
        settle(event);
      };
    });
  }
  return { child, events, next, exited, ready: next((e) => e.type === 'ready') };
}

/** A slow download of a fresh file from the fault server; its url and SHA-256. */
async function slowFile(id, size, rate) {
  const sha = h.makeFile(`${id}.bin`, size);
  await fetch(`${FAULT_URL}/_reset?id=${id}`);
  return { sha, url: `${FAULT_URL}/${id}.bin?rate=${rate}&id=${id}` };
}

/** Runs attach-and-wait.js on the session; [exit code, its stdout lines as objects, stderr]. */
async function attachAndWait(dir, id, timeoutS) {
  const tool = spawn(process.execPath, [ATTACH_AND_WAIT, dir, id, String(timeoutS)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  tool.stdout.on('data', (chunk) => { stdout += chunk; });
  tool.stderr.on('data', (chunk) => { stderr += chunk; });
  const [code] = await new Promise((resolve) => tool.on('exit', (...args) => resolve(args)));
  return [code, stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)), stderr];
}

function openOptions(dir, extra = {}) {
  const { identifier, ...options } = h.sessionOptions('unused', dir, extra);
  return options;
}

test('an_attached_handle_lists_the_owners_tasks_and_receives_their_events', async () => {
  const dir = h.tempDir('sh-attach');
  const { sha, url } = await slowFile('sh-attach', 600000, 300000);
  const owner = startOwner(dir, 'sa', [url]);
  try {
    const { pid, keys: [key] } = await owner.ready;
    const client = new Session('sa', { ...openOptions(dir), attach: true });
    const events = h.record(client);
    assert.equal(client.role, 'client');
    const attached = await h.waitFor(client, 'attached');
    assert.equal(events[0], attached, 'attached is the first event');
    assert.equal(attached.ownerPid, pid);
    assert.deepEqual(attached.tasks.map((t) => [t.key, t.url]), [[key, url]]);
    assert.deepEqual(client.tasks().map((t) => t.key), [key]);
    const info = client.info();
    assert.equal(info.role, 'client');
    assert.equal(info.ownerPid, pid);
    assert.equal(info.tasks, 1);
    await owner.next((e) => e.type === 'clientsChanged' && e.attached === 1);

    const file = await client.task(key).done();
    assert.equal(h.sha256File(file), sha);
    const finished = events.find((e) => e.type === 'finished');
    assert.equal(finished.key, key);
    assert.equal(finished.sha256, sha);
    assert.ok(events.some((e) => e.type === 'progress' && e.key === key), 'the owner\'s progress arrives');
    client.close();
    await owner.next((e) => e.type === 'clientsChanged' && e.attached === 0);
  } finally {
    owner.child.kill('SIGTERM');
    assert.deepEqual(await owner.exited, [0, null]);
  }
});

test('an_attached_handle_takes_over_when_the_owner_is_killed_and_finishes_byte_identical', async () => {
  const dir = h.tempDir('sh-takeover');
  const { sha, url } = await slowFile('sh-takeover', 1500000, 300000);
  const owner = startOwner(dir, 'st', [url]);
  const { keys: [key] } = await owner.ready;
  const client = new Session('st', { ...openOptions(dir), mode: 'attach' });
  const events = h.record(client);
  const done = client.task(key).done();
  await h.waitFor(client, 'progress', (e) => e.key === key && e.bytesWritten > 300000);
  // Listening before the kill: the event may come before the exit is seen.
  const roleChanged = h.waitFor(client, 'roleChanged', () => true, 40000);
  owner.child.kill('SIGKILL');
  assert.deepEqual(await owner.exited, [null, 'SIGKILL']);

  const changed = await roleChanged;
  assert.equal(changed.role, 'owner');
  assert.match(changed.reason, /took the session over/);
  assert.equal(client.role, 'owner');
  const file = await done;
  assert.equal(h.sha256File(file), sha);
  const kinds = events.map((e) => e.type);
  assert.ok(kinds.indexOf('sessionRestored') > kinds.indexOf('roleChanged'), kinds.join(' '));
  assert.ok((await h.faultStats('sh-takeover')).bytes < 1500000 * 1.5, 'the new owner resumed, not restarted');
  client.close();
});

test('background_opening_starts_a_host_that_downloads_and_stops_on_request', async () => {
  const dir = h.tempDir('sh-bg');
  const { sha, url } = await slowFile('sh-bg', 300000, 1000000);
  const hostCommand = [process.execPath, OWNER, dir, 'sb'];
  const client = new Session('sb', { ...openOptions(dir), background: true, hostCommand });
  try {
    assert.equal(client.role, 'client');
    await h.waitFor(client, 'attached');
    const { ownerPid } = client.info();
    assert.notEqual(ownerPid, process.pid);
    assert.equal(h.sha256File(await client.add({ url }).done()), sha);
    client.requestStop();
    await h.until(() => {
      try {
        process.kill(ownerPid, 0);
        return false;
      } catch {
        return true;
      }
    }, 'the host has exited');
    assert.match(fs.readFileSync(path.join(dir, 'sb', 'host.log'), 'utf8'), /"type":"stopRequested"/);
  } finally {
    client.close();
  }
});

test('attach_and_wait_prints_each_finished_task_of_another_process', async () => {
  const dir = h.tempDir('sh-tool');
  const one = await slowFile('sh-tool-1', 200000, 400000);
  const two = await slowFile('sh-tool-2', 400000, 400000);
  const owner = startOwner(dir, 'tool', [one.url, two.url]);
  try {
    const { keys } = await owner.ready;
    const [code, lines, stderr] = await attachAndWait(dir, 'tool', 60);
    assert.equal(code, 0, stderr);
    assert.deepEqual(lines.map((l) => [l.key, l.sha256]).sort(),
      [[keys[0], one.sha], [keys[1], two.sha]].sort());
    assert.match(stderr.split('\n')[0], /"type":"attached"/);
  } finally {
    owner.child.kill('SIGTERM');
    await owner.exited;
  }
});

test('attach_and_wait_follows_a_session_that_ycdl_serve_owns', { skip: !fs.existsSync(CLI) && 'the CLI is not built' }, async () => {
  const dir = h.tempDir('sh-cli');
  const { sha, url } = await slowFile('sh-cli', 400000, 400000);
  const where = ['--session', 'cli', '--state-dir', dir];
  const serve = spawn(CLI, ['serve', ...where], { cwd: dir, stdio: 'ignore' });
  const served = new Promise((resolve) => serve.on('exit', (...args) => resolve(args)));
  try {
    const key = execFileSync(CLI, ['add', ...where, url], { cwd: dir, encoding: 'utf8' }).trim();
    const [code, lines, stderr] = await attachAndWait(dir, 'cli', 60);
    assert.equal(code, 0, stderr);
    assert.deepEqual(lines.map((l) => [l.key, l.sha256]), [[key, sha]]);
    assert.equal(h.sha256File(lines[0].path), sha);
    execFileSync(CLI, ['stop', ...where], { stdio: 'ignore' });
    assert.deepEqual(await served, [0, null]);
  } finally {
    serve.kill('SIGTERM');
  }
});

test('attach_and_wait_exits_3_when_nobody_owns_the_session', async () => {
  const dir = h.tempDir('sh-none');
  const [code, , stderr] = await attachAndWait(dir, 'nobody', 1);
  assert.equal(code, 3);
  assert.match(stderr, /cannot attach to nobody .*YCDL_E_NOT_FOUND/);
});

test('open_modes_own_attach_and_own_or_attach_in_one_process', async () => {
  const dir = h.tempDir('sh-modes');
  assert.throws(() => new Session('modes', { ...openOptions(dir), attach: true }),
    { code: 'YCDL_E_NOT_FOUND', message: /no process owns the session modes/ });
  const owner = new Session('modes', openOptions(dir));
  try {
    assert.equal(owner.role, 'owner');
    assert.throws(() => new Session('modes', openOptions(dir)), { code: 'YCDL_E_LOCKED' });
    const client = new Session('modes', { ...openOptions(dir), mode: 'own-or-attach', receiveEvents: false });
    const clientEvents = h.record(client);
    assert.equal(client.role, 'client');
    const task = client.add({ url: `${NGINX_URL}/nothing-here.bin`, startPaused: true });
    assert.deepEqual(owner.tasks().map((t) => t.key), [task.key]);
    assert.equal(owner.info().clients, 1);
    await h.waitFor(owner, 'taskAdded');
    await h.sleep(200);
    assert.deepEqual(clientEvents, [], 'a handle with receiveEvents: false gets no events');
    client.close();
  } finally {
    owner.close();
  }
});

test('sharing_options_fail_with_exact_errors', () => {
  const dir = h.tempDir('sh-bad');
  const open = (extra) => () => new Session('bad', { ...openOptions(dir), ...extra });
  const invalid = (extra, message) => assert.throws(open(extra),
    (error) => error instanceof TypeError && error.code === 'YCDL_E_INVALID' && error.message === message);
  invalid({ mode: 'steal' }, "options.mode must be one of 'own-or-attach', 'own', 'attach'");
  invalid({ attach: true, mode: 'own' }, 'options.attach and options.mode cannot both be given');
  invalid({ attach: 'yes' }, 'options.attach must be a boolean');
  invalid({ background: true, mode: 'own' },
    'background attaches to a host: it cannot be combined with open_mode YCDL_OPEN_OWN');
  invalid({ background: true, hostCommand: [] }, 'host_command is empty');
  invalid({ hostCommand: 'ycdl serve' }, 'options.hostCommand must be an array of strings');
  invalid({ takeover: 1 }, 'options.takeover must be a boolean');
  invalid({ receiveEvents: 'no' }, 'options.receiveEvents must be a boolean');
  invalid({ maxHostConnections: 1001 }, 'max_host_connections must be <= 1000');
  invalid({ connections: 0 }, 'connections must be 1..32');
  invalid({ connections: 33 }, 'connections must be 1..32');
  invalid({ connections: -1 }, 'options.connections must be an integer from 0 to 4294967295');
  invalid({ segmentMinSize: 1024 }, 'segment_min_size must be at least 64 KiB');
  invalid({ diskReserve: -2 }, 'options.diskReserve must be an integer from -1 to 9007199254740991');
  invalid({ urlRefreshStatuses: [200] }, 'url_refresh_statuses must be at most 16 HTTP error statuses ' +
    'separated by commas, such as "401,403,410"');
  invalid({ urlRefreshStatuses: '403' },
    'options.urlRefreshStatuses must be an array of HTTP statuses, such as [401, 403, 410]');
  invalid({ acceptTypes: 'video/*' }, 'options.acceptTypes must be an array of strings');
  invalid({ preallocate: 0 }, 'options.preallocate must be a boolean');
  invalid({ hostComand: [] }, "Session options has no option 'hostComand'");
});

test('session_options_take_effect', async () => {
  const dir = h.tempDir('sh-opts');
  h.makeFile('sh-opts.bin', 100000);
  // Without 403 among the refresh statuses, a 403 fails the task at once.
  let session = new Session('opts', { ...openOptions(dir), urlRefreshStatuses: [410], maxRetries: 0 });
  await assert.rejects(session.add({ url: `${FAULT_URL}/sh-opts.bin?always=403&id=sh-opts-a` }).done(),
    { code: 'YCDL_E_HTTP', httpStatus: 403 });
  session.close();
  // By default it waits for a new URL.
  session = new Session('opts', openOptions(dir));
  session.add({ url: `${FAULT_URL}/sh-opts.bin?always=403&id=sh-opts-b` });
  assert.equal((await h.waitFor(session, 'urlNeeded')).httpStatus, 403);
  // The session's accepted types guard every task that names none.
  session.close();
  session = new Session('opts', { ...openOptions(dir), acceptTypes: ['video/*'] });
  session.add({ url: `${NGINX_URL}/sh-opts.bin` });
  const refused = await h.waitFor(session, 'urlNeeded');
  assert.equal(refused.code, 'YCDL_E_NOT_THE_FILE');
  session.close();
  // A reserve larger than any disk refuses the download before it writes.
  session = new Session('opts', { ...openOptions(dir), diskReserve: 2 ** 52, maxHostConnections: 1 });
  await assert.rejects(session.add({ url: `${FAULT_URL}/sh-opts.bin?id=sh-opts-c`, fileId: 'reserve' }).done(),
    { code: 'YCDL_E_DISK_FULL' });
  session.close();
});

test('secret_headers_are_sent_and_never_written_to_disk', async () => {
  const dir = h.tempDir('sh-secret');
  const sha = h.makeFile('sh-secret.bin', 50000);
  const session = new Session('secret', openOptions(dir));
  const secret = 'sk-4f9a1c0e7d2b';
  const task = session.add({
    url: `${FAULT_URL}/sh-secret.bin?id=sh-secret`,
    secretHeaders: { 'X-Api-Key': secret },
    headers: { 'X-Plain': 'visible' },
  });
  assert.equal(h.sha256File(await task.done()), sha);
  assert.equal(await h.faultHeader('sh-secret', 'X-Api-Key'), secret);
  assert.equal(await h.faultHeader('sh-secret', 'X-Plain'), 'visible');
  session.close();
  const state = path.join(dir, 'secret');
  const files = fs.readdirSync(state, { recursive: true }).map((name) => path.join(state, name))
    .filter((file) => fs.statSync(file).isFile());
  assert.ok(files.some((file) => fs.readFileSync(file).includes('visible')), 'the plain header is persisted');
  for (const file of files) assert.ok(!fs.readFileSync(file).includes(secret), `${file} holds the secret`);
});
