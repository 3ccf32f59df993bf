#!/usr/bin/env node
// own-session.js — a process that owns a session, for tests of shared
// sessions (and as a background host through the hostCommand option):
//   node own-session.js STATE_DIR SESSION_ID [URL...]
// opens the session as its owner, adds the URLs, prints one JSON line
// {"type":"ready","pid":…,"keys":[…]} and then every event but progress as
// a JSON line, and stays up until a client asks it to stop (requestStop,
// `ycdl stop`), SIGTERM, or 300 s, whichever comes first. The ycdl package
// is the one around this file unless YCDL_NODE_PACKAGE names another.
'use strict';

const path = require('node:path');

const { Session } = require(process.env.YCDL_NODE_PACKAGE || path.join(__dirname, '..', '..'));

/** Owns the session; a handle that started this host may hold the lock for a moment. */
async function own(stateDir, identifier) {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return new Session(identifier, {
        stateDir, downloadDir: stateDir, mode: 'own', autoResume: true,
        progressIntervalMs: 50, checkpointIntervalMs: 200, checkpointBytes: 64 * 1024,
        retryBaseMs: 50, retryMaxMs: 400,
      });
    } catch (error) {
      if (error.code !== 'YCDL_E_LOCKED' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function main() {
  const [stateDir, identifier, ...urls] = process.argv.slice(2);
  if (!stateDir || !identifier) {
    console.error('usage: own-session.js STATE_DIR SESSION_ID [URL...]');
    process.exit(2);
  }
  const session = await own(stateDir, identifier);
  const print = (object) => process.stdout.write(`${JSON.stringify(object)}\n`);
  session.on('event', (event) => {
    if (event.type !== 'progress') print(event);
  });
  const keys = urls.map((url) => session.add({ url }).key);
  print({ type: 'ready', pid: process.pid, keys });
  const lifetime = setTimeout(stop, 300000);
  function stop() {
    clearTimeout(lifetime);
    session.close();
  }
  session.on('stopRequested', stop);
  process.on('SIGTERM', stop);
}

main();
