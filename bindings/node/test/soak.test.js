// soak.test.js — a long-lived session stays flat: rounds of adding small
// downloads, waiting for them and removing them leave no task tracked by the
// binding and no growth of the JavaScript heap. Needs `node --expose-gc`
// (run-tests passes it).
'use strict';

const assert = require('node:assert/strict');
const test = require('node:test');

const { Session } = require('..');
const { kTrackedTasks } = require('../lib/session.js');
const h = require('./helpers.js');

const { NGINX_URL } = h.servers;

const ROUNDS = 6;
const FILES = 300;
// Measured from the end of round 2 (round 1 warms up) to the end of the last:
// four rounds, 1200 removed tasks. A leak of 1 KiB per removed task shows as
// about 1.4 MiB; without one the heap after a full gc grows by 40-100 KiB,
// growth that stops by itself after about 15 rounds.
const HEAP_GROWTH_LIMIT = 512 * 1024;

function collectGarbage() {
  assert.equal(typeof global.gc, 'function', 'run with node --expose-gc');
  // Twice: the first pass can leave objects that weak callbacks and
  // finalizers free only for the next one.
  global.gc();
  global.gc();
}

/** Adds the round's files, waits for all of them, removes them all. */
async function round(session, number) {
  const tasks = [];
  for (let i = 0; i < FILES; i++) {
    // A new URL each round, so each round's tasks have keys of their own.
    tasks.push(session.add({ url: `${NGINX_URL}/soak-${i}.bin?round=${number}` }));
  }
  await Promise.all(tasks.map((task) => task.done()));
  let removed = 0;
  const allRemoved = h.waitFor(session, 'removed', () => ++removed === FILES);
  for (const task of tasks) task.remove({ deleteFile: true });
  await allRemoved;
}

test('add_finish_remove_rounds_leave_no_tracked_task_and_a_flat_heap', async (t) => {
  for (let i = 0; i < FILES; i++) h.makeFile(`soak-${i}.bin`, 1024 + i);
  const dir = h.tempDir('soak');
  const session = new Session(h.sessionOptions('soak', dir, { maxConcurrent: 16 }));
  const listeners = session.eventNames().length;
  const heap = [];
  const rss = [];

  for (let number = 1; number <= ROUNDS; number++) {
    const started = Date.now();
    await round(session, number);
    assert.equal(session[kTrackedTasks](), 0, `tasks still tracked after round ${number}`);
    assert.deepEqual(session.tasks(), []);
    collectGarbage();
    const memory = process.memoryUsage();
    heap.push(memory.heapUsed);
    rss.push(memory.rss);
    t.diagnostic(`round ${number}: ${Date.now() - started} ms, heapUsed ${memory.heapUsed}, rss ${memory.rss}`);
  }

  assert.equal(session.eventNames().length, listeners);
  const growth = heap.at(-1) - heap[1];
  t.diagnostic(`heapUsed growth from round 2 to round ${ROUNDS}: ${growth} bytes; ` +
    `rss growth ${rss.at(-1) - rss[1]} bytes`);
  assert.ok(growth < HEAP_GROWTH_LIMIT,
    `heapUsed grew by ${growth} bytes over ${(ROUNDS - 2) * FILES} removed tasks`);
  session.close();
});
