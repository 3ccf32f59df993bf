// url-provider.test.js — the urlProvider option: a task whose URL answers
// 403 gets the provider's URL through setUrl(), once; null leaves it waiting
// for a URL; a throw or rejection leaves it waiting and is reported; the
// 'url-expired' event is 'urlNeeded' under the name the issue asked for.
'use strict';

const assert = require('node:assert/strict');
const test = require('node:test');

const { Session } = require('..');
const h = require('./helpers.js');

const { FAULT_URL } = h.servers;

function openSession(name, extra) {
  const dir = h.tempDir(name);
  return new Session(h.sessionOptions(name, dir, { urlRefreshStatuses: [403], ...extra }));
}

test('an_async_provider_refreshes_an_expired_url_once', async () => {
  const sha = h.makeFile('nu-async.bin', 300000);
  const fresh = `${FAULT_URL}/nu-async.bin?id=nu-async-2`;
  const calls = [];
  const session = openSession('nu-async', {
    urlProvider: async (task) => {
      calls.push(task.key);
      await h.sleep(10);
      return fresh;
    },
  });
  const expired = [];
  session.on('url-expired', (event) => expired.push(event));
  const task = session.add({ url: `${FAULT_URL}/nu-async.bin?id=nu-async&always=403` });

  assert.equal(h.sha256File(await task.done()), sha);
  assert.deepEqual(calls, [task.key]);
  assert.deepEqual(expired.map((e) => [e.type, e.key, e.httpStatus]), [['urlNeeded', task.key, 403]]);
  assert.equal(task.info().requestUrl, fresh);
  session.close();
});

test('a_plain_provider_may_answer_a_URL_object', async () => {
  const sha = h.makeFile('nu-plain.bin', 100000);
  const calls = [];
  const session = openSession('nu-plain', {
    urlProvider: (task) => {
      calls.push(task);
      return new URL(`${FAULT_URL}/nu-plain.bin?id=nu-plain-2`);
    },
  });
  const task = session.add({ url: `${FAULT_URL}/nu-plain.bin?id=nu-plain&always=403` });

  assert.equal(h.sha256File(await task.done()), sha);
  assert.deepEqual(calls, [task]);
  session.close();
});

test('a_provider_answering_null_leaves_the_task_waiting', async () => {
  const sha = h.makeFile('nu-null.bin', 100000);
  const calls = [];
  const session = openSession('nu-null', { urlProvider: async (task) => { calls.push(task.key); return null; } });
  const task = session.add({ url: `${FAULT_URL}/nu-null.bin?id=nu-null&always=403` });
  await h.waitFor(session, 'urlNeeded', (e) => e.key === task.key);
  await h.sleep(300);

  assert.deepEqual(calls, [task.key]);
  assert.equal(task.info().status, 'waiting-for-url');
  task.setUrl(`${FAULT_URL}/nu-null.bin?id=nu-null-2`);    // the application still may
  assert.equal(h.sha256File(await task.done()), sha);
  session.close();
});

test('a_provider_that_throws_leaves_the_task_waiting_and_reports_the_error', async () => {
  h.makeFile('nu-throw.bin', 100000);
  const session = openSession('nu-throw', {
    urlProvider: (task) => { throw new Error(`no link for ${task.key}`); },
  });
  const reported = new Promise((resolve) => session.on('urlProviderError', (error, task) => resolve({ error, task })));
  const task = session.add({ url: `${FAULT_URL}/nu-throw.bin?id=nu-throw&always=403` });

  const { error, task: failed } = await reported;
  assert.equal(failed, task);
  assert.match(error.message, /no link for/);
  await h.sleep(200);
  assert.equal(task.info().status, 'waiting-for-url');
  session.close();
});

test('a_rejection_without_listeners_becomes_a_process_warning', async () => {
  h.makeFile('nu-reject.bin', 100000);
  const session = openSession('nu-reject', { urlProvider: async () => 'ftp://127.0.0.1/refused.bin' });
  const warned = new Promise((resolve) => {
    const onWarning = (warning) => {
      if (warning.code !== 'YCDL_URL_PROVIDER') return;
      process.off('warning', onWarning);
      resolve(warning);
    };
    process.on('warning', onWarning);
  });
  const task = session.add({ url: `${FAULT_URL}/nu-reject.bin?id=nu-reject&always=403` });

  const warning = await warned;
  assert.match(warning.message, new RegExp(`"${task.key}"`));
  assert.match(warning.message, /ftp/);
  assert.equal(task.info().status, 'waiting-for-url');
  session.close();
});

test('url_provider_must_be_a_function', () => {
  const dir = h.tempDir('nu-bad');
  assert.throws(() => new Session(h.sessionOptions('nu-bad', dir, { urlProvider: 'https://x/' })),
    { name: 'TypeError', code: 'YCDL_E_INVALID' });
  assert.throws(() => new Session(h.sessionOptions('nu-bad', dir, { urlProvider: () => null, receiveEvents: false })),
    { code: 'YCDL_E_INVALID' });
});
