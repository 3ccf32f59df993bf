// helpers.js — what the tests share: the test servers, deterministic files
// and their SHA-256, fresh state directories, session options for tests,
// and waiting on events.
//
// The servers are nginx and the project's fault server, started by
// tests/servers/testservers.py. run-tests starts them once and passes
// YCDL_TEST_SERVERS (the servers.env file); a test file run on its own
// starts its own and stops them when it exits.
'use strict';

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PACKAGE_DIR = path.resolve(__dirname, '..');
const REPO_DIR = path.resolve(PACKAGE_DIR, '..', '..');
const TESTSERVERS = path.join(REPO_DIR, 'tests', 'servers', 'testservers.py');

function parseEnvFile(file) {
  const env = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

function startOwnServers() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ycdl-node-servers-'));
  execFileSync('python3', [TESTSERVERS, 'start', '--dir', dir], { stdio: 'ignore' });
  process.on('exit', () => {
    execFileSync('python3', [TESTSERVERS, 'stop', '--dir', dir], { stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return path.join(dir, 'servers.env');
}

const servers = parseEnvFile(process.env.YCDL_TEST_SERVERS || startOwnServers());
const TMP = process.env.YCDL_TEST_TMP || path.join(os.tmpdir(), 'ycdl-node-tests');
fs.mkdirSync(TMP, { recursive: true });

/** A fresh, empty directory for one test. */
function tempDir(name) {
  return fs.mkdtempSync(path.join(TMP, `${name}-`));
}

/**
 * Writes www/<name>: size bytes that depend only on the name (AES-CTR of
 * zeros keyed by it), and returns their SHA-256 hex.
 */
function makeFile(name, size) {
  const key = crypto.createHash('sha256').update(name).digest().subarray(0, 16);
  const cipher = crypto.createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const data = Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
  fs.writeFileSync(path.join(servers.WWW_DIR, name), data);
  return sha256(data);
}

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function sha256File(file) {
  return sha256(fs.readFileSync(file));
}

/** Options like the C tests': short retries, frequent progress and checkpoints. */
function sessionOptions(identifier, dir, extra = {}) {
  return {
    identifier,
    stateDir: dir,
    downloadDir: dir,
    retryBaseMs: 50,
    retryMaxMs: 400,
    progressIntervalMs: 50,
    checkpointIntervalMs: 200,
    checkpointBytes: 256 * 1024,
    lowSpeedTimeS: 5,
    connectTimeoutMs: 5000,
    ...extra,
  };
}

/** Every event the session emits, in order. */
function record(session) {
  const events = [];
  session.on('event', (event) => events.push(event));
  return events;
}

/** The next event of type that satisfies predicate. */
function waitFor(session, type, predicate = () => true, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.off(type, listener);
      reject(new Error(`timed out waiting for a '${type}' event`));
    }, timeoutMs);
    function listener(event) {
      if (!predicate(event)) return;
      clearTimeout(timer);
      session.off(type, listener);
      resolve(event);
    }
    session.on(type, listener);
  });
}

/** The fault server's counters for id: { requests, bytes }. */
async function faultStats(id) {
  const text = await (await fetch(`${servers.FAULT_URL}/_stats?id=${id}`)).text();
  return Object.fromEntries(text.trim().split('\n').map((line) => {
    const [name, value] = line.split('=');
    return [name, Number(value)];
  }));
}

/** The value of header name in the last request the fault server saw for id. */
async function faultHeader(id, name) {
  const text = await (await fetch(`${servers.FAULT_URL}/_headers?id=${id}`)).text();
  const prefix = `${name.toLowerCase()}: `;
  const line = text.split('\n').find((l) => l.toLowerCase().startsWith(prefix));
  return line === undefined ? undefined : line.slice(prefix.length).trim();
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until check() is truthy; fails after timeoutMs. */
async function until(check, what, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

/** Event types other than progress for key, as "type" or "status:old>new". */
function timeline(events, key) {
  return events
    .filter((e) => e.key === key && e.type !== 'progress')
    .map((e) => (e.type === 'status' ? `status:${e.oldStatus}>${e.newStatus}` : e.type));
}

module.exports = {
  PACKAGE_DIR, REPO_DIR, servers, tempDir, makeFile, sha256, sha256File, sessionOptions,
  record, waitFor, faultStats, faultHeader, sleep, until, timeline,
};
