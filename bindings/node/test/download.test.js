// download.test.js — whole downloads through the binding: bytes, names,
// headers, metadata, TLS, and failures that reject done() with the core's
// exact error.
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');

const { Session } = require('..');
const h = require('./helpers.js');

const { NGINX_URL, NGINX_TLS_URL, FAULT_URL, CA_FILE } = h.servers;

test('downloads_from_nginx_byte_identical_with_exact_events', async () => {
  const size = 3 * 1024 * 1024 + 17;
  const sha = h.makeFile('basic.bin', size);
  const dir = h.tempDir('basic');
  const session = new Session(h.sessionOptions('basic', dir));
  const events = h.record(session);
  const url = `${NGINX_URL}/basic.bin`;
  const allFinished = h.waitFor(session, 'allFinished');

  const task = session.add({ url });
  const finalPath = await task.done();
  const all = await allFinished;

  assert.equal(finalPath, path.join(dir, `${task.key}.bin`));
  assert.equal(h.sha256File(finalPath), sha);
  assert.equal(fs.existsSync(`${finalPath}.part`), false);
  assert.equal(task.key, crypto.createHash('md5').update(url).digest('hex'));
  assert.deepEqual(h.timeline(events, task.key), [
    'taskAdded',
    'status:waiting>downloading',
    'resumability',
    'status:downloading>finished',
    'finished',
  ]);
  assert.equal(events[0].type, 'sessionRestored');
  assert.equal(events[0].seq, 1);
  // seq strictly increases; the numbers it skips are those of progress
  // events a newer one replaced while waiting (summed in `coalesced`).
  const seqs = events.map((e) => e.seq);
  assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), String(seqs));
  const coalesced = events.reduce((n, e) => n + (e.type === 'progress' ? e.coalesced : 0), 0);
  assert.equal(seqs.at(-1), events.length + coalesced);
  const finished = events.find((e) => e.type === 'finished');
  assert.equal(finished.sha256, sha);
  assert.equal(finished.size, size);
  assert.equal(finished.path, finalPath);
  assert.equal(finished.finalUrl, url);
  const progress = events.filter((e) => e.type === 'progress');
  assert.ok(progress.length >= 1);
  for (let i = 1; i < progress.length; i++) {
    assert.ok(progress[i].bytesWritten >= progress[i - 1].bytesWritten);
  }
  assert.equal(progress.at(-1).bytesWritten, size);
  assert.equal(progress.at(-1).bytesExpected, size);
  assert.deepEqual({ ...all, seq: 0, timestamp: 0 },
    { type: 'allFinished', seq: 0, timestamp: 0, key: '', finished: 1, failed: 0, paused: 0, waitingForUrl: 0 });
  assert.equal(all.seq, events.at(-1).seq);

  const info = task.info();
  assert.equal(info.status, 'finished');
  assert.equal(info.bytesWritten, size);
  assert.equal(info.bytesExpected, size);
  assert.equal(info.resumable, true);
  assert.equal(info.sha256, sha);
  assert.equal(info.url, url);
  assert.equal(info.finalUrl, url);
  assert.equal(info.error, null);
  assert.equal(info.httpStatus, 200);
  session.close();
});

test('downloads_over_https_with_the_test_ca', async () => {
  const sha = h.makeFile('tls.bin', 700000);
  const dir = h.tempDir('tls');
  const session = new Session(h.sessionOptions('tls', dir, { caFile: CA_FILE }));
  const finalPath = await session.add({ url: `${NGINX_TLS_URL}/tls.bin` }).done();
  assert.equal(h.sha256File(finalPath), sha);
  session.close();
});

test('file_id_names_the_file_and_headers_and_metadata_travel_with_the_task', async () => {
  const sha = h.makeFile('episode.mp4', 50000);
  const dir = h.tempDir('named');
  const session = new Session(h.sessionOptions('named', dir));
  const events = h.record(session);
  const metadata = { title: 'Episode 42', tags: ['a', 'b'], n: 1 };
  const task = session.add({
    url: `${FAULT_URL}/episode.mp4?id=named`,
    fileId: 'episode-42',
    displayName: 'Episode 42',
    thumbnailUrl: 'https://example.com/42.jpg',
    headers: { 'X-Ycdl-Test': 'node binding' },
    metadata,
  });

  assert.equal(task.key, 'episode-42');
  const finalPath = await task.done();
  assert.equal(finalPath, path.join(dir, 'episode-42.mp4'));
  assert.equal(h.sha256File(finalPath), sha);
  assert.equal(await h.faultHeader('named', 'X-Ycdl-Test'), 'node binding');
  const added = events.find((e) => e.type === 'taskAdded');
  assert.deepEqual(added.metadata, metadata);
  assert.equal(added.fileId, 'episode-42');
  assert.equal(added.dest, finalPath);
  assert.equal(added.status, 'waiting');
  const info = task.info();
  assert.deepEqual(info.metadata, metadata);
  assert.equal(info.displayName, 'Episode 42');
  assert.equal(info.thumbnailUrl, 'https://example.com/42.jpg');
  assert.equal(info.fileId, 'episode-42');
  // The same file id and URL again is the same task, not a second download;
  // the same file id with another URL is refused, never a silent no-op.
  assert.equal(session.add({ url: `${FAULT_URL}/episode.mp4?id=named`, fileId: 'episode-42' }), task);
  assert.throws(() => session.add({ url: `${FAULT_URL}/other.mp4`, fileId: 'episode-42' }),
    { code: 'YCDL_E_EXISTS' });
  session.close();
});

test('explicit_dest_is_used_as_is', async () => {
  const sha = h.makeFile('dest.bin', 10000);
  const dir = h.tempDir('dest');
  const dest = path.join(dir, 'sub', 'chosen name.dat');
  fs.mkdirSync(path.dirname(dest));
  const session = new Session(h.sessionOptions('dest', dir));
  assert.equal(await session.add({ url: `${NGINX_URL}/dest.bin`, dest }).done(), dest);
  assert.equal(h.sha256File(dest), sha);
  session.close();
});

test('sha256_can_be_left_out', async () => {
  const sha = h.makeFile('nohash.bin', 200000);
  const dir = h.tempDir('nohash');
  const session = new Session({ ...h.sessionOptions('nohash', dir), computeSha256: false });
  const task = session.add({ url: `${NGINX_URL}/nohash.bin` });
  const finalPath = await task.done();
  assert.equal(h.sha256File(finalPath), sha);
  assert.equal(task.info().sha256, '');
  session.close();
});

test('http_404_rejects_done_with_YCDL_E_HTTP_and_the_status', async () => {
  const dir = h.tempDir('notfound');
  const session = new Session(h.sessionOptions('notfound', dir));
  const failedEvent = h.waitFor(session, 'failed');
  const task = session.add({ url: `${NGINX_URL}/does-not-exist.bin` });

  const error = await task.done().then(() => assert.fail('resolved'), (e) => e);
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'YCDL_E_HTTP');
  assert.equal(error.errno, -16);
  assert.equal(error.httpStatus, 404);
  assert.equal(error.key, task.key);
  assert.match(error.message, /404/);
  const failed = await failedEvent;
  assert.equal(failed.code, 'YCDL_E_HTTP');
  assert.equal(failed.httpStatus, 404);
  assert.equal(failed.message, error.message);
  assert.equal(failed.retryable, false);
  // done() on a task that already failed rejects the same way, at once.
  const again = await task.done().then(() => assert.fail('resolved'), (e) => e);
  assert.equal(again.code, 'YCDL_E_HTTP');
  assert.equal(again.httpStatus, 404);
  assert.deepEqual(task.info().error, {
    code: 'YCDL_E_HTTP', errno: -16, message: error.message, httpStatus: 404,
  });
  session.close();
});

test('checksum_mismatch_rejects_with_YCDL_E_CHECKSUM', async () => {
  h.makeFile('checksum.bin', 20000);
  const dir = h.tempDir('checksum');
  const session = new Session(h.sessionOptions('checksum', dir));
  const task = session.add({ url: `${NGINX_URL}/checksum.bin`, checksum: `sha256:${'0'.repeat(64)}` });
  const error = await task.done().then(() => assert.fail('resolved'), (e) => e);
  assert.equal(error.code, 'YCDL_E_CHECKSUM');
  assert.equal(error.errno, -19);
  assert.equal(task.info().status, 'failed');
  session.close();
});

test('matching_checksum_finishes', async () => {
  const sha = h.makeFile('checksum-ok.bin', 20000);
  const dir = h.tempDir('checksum-ok');
  const session = new Session(h.sessionOptions('checksum-ok', dir));
  const finalPath = await session.add({ url: `${NGINX_URL}/checksum-ok.bin`, checksum: `sha256:${sha}` }).done();
  assert.equal(h.sha256File(finalPath), sha);
  session.close();
});
