#!/usr/bin/env node
// attach-and-wait.js — for two-process tests across bindings: attaches to
// a session another process owns and waits for its downloads.
//
//   node attach-and-wait.js STATE_DIR SESSION_ID [TIMEOUT_S]
//   (or YCDL_STATE_DIR, YCDL_SESSION and YCDL_TIMEOUT_S in the environment)
//
// It attaches (retrying while nobody serves the session yet, up to the
// timeout), prints every event but progress to stderr as a JSON line, and
// takes the tasks of the 'attached' event as its work. For each of them
// that has finished (already, or later) it prints one JSON line to stdout:
//   {"key":"…","sha256":"…","path":"…","size":N}
// (sha256 from the core, else hashed from the file). Exit status: 0 once
// every one has finished; 1 when one fails (or was failed already), 2 on
// timeout (default 120 s), 3 when it cannot attach. When the owner goes
// away this handle takes the session over (the default) and finishes the
// downloads itself. The ycdl package is the one around this file unless
// YCDL_NODE_PACKAGE names another.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const { Session } = require(process.env.YCDL_NODE_PACKAGE || path.join(__dirname, '..', '..'));

const [stateDir = process.env.YCDL_STATE_DIR, identifier = process.env.YCDL_SESSION,
  timeoutS = process.env.YCDL_TIMEOUT_S || '120'] = process.argv.slice(2);

function log(object) {
  process.stderr.write(`${JSON.stringify(object)}\n`);
}

function fail(status, message) {
  log({ type: 'attach-and-wait', error: message });
  process.exit(status);
}

/** Attaches, retrying while the owner does not serve the session yet. */
async function attach(deadline) {
  for (;;) {
    try {
      return new Session(identifier, { stateDir, mode: 'attach' });
    } catch (error) {
      if (error.code !== 'YCDL_E_NOT_FOUND' || Date.now() > deadline) {
        fail(3, `cannot attach to ${identifier} in ${stateDir}: ${error.code} ${error.message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function sha256Of(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function main() {
  if (!stateDir || !identifier) {
    console.error('usage: attach-and-wait.js STATE_DIR SESSION_ID [TIMEOUT_S]');
    process.exit(2);
  }
  const deadline = Date.now() + Number(timeoutS) * 1000;
  const session = await attach(deadline);
  const timer = setTimeout(() => fail(2, `timed out after ${timeoutS} s`), Math.max(0, deadline - Date.now()));
  const waiting = new Set();
  let attached = false;

  function exitWhenAllFinished() {
    if (!attached || waiting.size > 0) return;
    clearTimeout(timer);
    session.close();
    process.exit(0);
  }

  function finished(key, sha256, file, size) {
    if (!waiting.delete(key)) return;
    process.stdout.write(`${JSON.stringify({ key, sha256: sha256 || sha256Of(file), path: file, size })}\n`);
    exitWhenAllFinished();
  }

  session.on('event', (event) => {
    if (event.type !== 'progress') log(event);
  });
  session.on('attached', (event) => {
    for (const task of event.tasks) waiting.add(task.key);
    for (const task of event.tasks) {
      if (task.status === 'failed') fail(1, `task ${task.key} has failed: ${task.error?.message ?? ''}`);
      if (task.status === 'finished') finished(task.key, task.sha256, task.dest, task.bytesWritten);
    }
    attached = true;
    exitWhenAllFinished();
  });
  session.on('finished', (event) => finished(event.key, event.sha256, event.path, event.size));
  session.on('failed', (event) => {
    if (waiting.has(event.key)) fail(1, `task ${event.key} failed: ${event.code} ${event.message}`);
  });
}

main();
