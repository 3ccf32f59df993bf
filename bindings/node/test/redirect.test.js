// redirect.test.js — redirects through the binding: a 302 chain is
// followed, each hop reported, and the task stays keyed and findable by its
// original URL (the seed's CDN lesson), not the final one.
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const test = require('node:test');

const { Session } = require('..');
const h = require('./helpers.js');

const { FAULT_URL } = h.servers;

test('follows_a_302_chain_and_keeps_the_original_url_as_identity', async () => {
  const sha = h.makeFile('redirected.bin', 123456);
  const dir = h.tempDir('redirect');
  const session = new Session(h.sessionOptions('redirect', dir));
  const events = h.record(session);
  const url = `${FAULT_URL}/redirect/3?to=%2Fredirected.bin&code=302`;
  const final = `${FAULT_URL}/redirected.bin`;

  const task = session.add({ url });
  const finalPath = await task.done();

  assert.equal(h.sha256File(finalPath), sha);
  const hops = events.filter((e) => e.type === 'redirected');
  assert.equal(hops.length, 4);
  assert.equal(hops[0].from, url);
  assert.equal(hops.at(-1).to, final);
  for (let i = 0; i < hops.length; i++) {
    assert.equal(hops[i].httpStatus, 302);
    assert.equal(hops[i].key, task.key);
    if (i > 0) assert.equal(hops[i].from, hops[i - 1].to);
  }
  assert.equal(events.find((e) => e.type === 'finished').finalUrl, final);
  assert.equal(task.key, crypto.createHash('md5').update(url).digest('hex'));
  assert.equal(session.findByUrl(url), task);
  assert.equal(session.findByUrl(final), undefined);
  const info = task.info();
  assert.equal(info.url, url);
  assert.equal(info.finalUrl, final);
  session.close();
});

test('a_redirect_loop_fails_with_YCDL_E_TOO_MANY_REDIRECTS', async () => {
  const dir = h.tempDir('loop');
  const session = new Session(h.sessionOptions('loop', dir, { maxRedirects: 5 }));
  const error = await session.add({ url: `${FAULT_URL}/loop` }).done()
    .then(() => assert.fail('resolved'), (e) => e);
  assert.equal(error.code, 'YCDL_E_TOO_MANY_REDIRECTS');
  assert.equal(error.errno, -17);
  session.close();
});
