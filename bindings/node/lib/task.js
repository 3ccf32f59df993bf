// task.js — one download, named by its key. A thin handle: every method is
// one call into the session's core; done() settles from the session's
// finished and failed events, and at remove(). A waiting done() holds the
// process through the session while its task is pending (the addon's event
// watcher is ref'd while any task waits, downloads or waits for a network);
// when the process is about to exit with it still pending because its task
// is paused or waits for a URL, it rejects instead of vanishing.
'use strict';

const { checkNames, headerList, invalid, withMetadata } = require('./options.js');

const kCreate = Symbol('ycdl.createTask');
const kSettle = Symbol('ycdl.settleTask');
const kSettleIfEnded = Symbol('ycdl.settleTaskIfEnded');
const kForget = Symbol('ycdl.forgetTask');

/**
 * The Error a failed download rejects with: the core's code and message.
 * The same fields whether it comes from the 'failed' event or from info()
 * (done() called after the failure).
 */
// The tasks whose done() promises wait, for the 'beforeExit' check: held
// only while they wait, one listener for all of them.
const waitingTasks = new Set();
let exitHookInstalled = false;

function settleStuckTasks() {
  for (const task of [...waitingTasks]) task[kSettleIfStuck]();
}

/** The rejection of a done() whose task cannot end before the process exits. */
function stuckError(key, status) {
  const what = status === 'paused' ? 'is paused' : 'waits for a new URL (setUrl())';
  const error = new Error(`the process is exiting while task "${key}" ${what}: ` +
    'its done() could never settle (resume the task, or keep the process alive)');
  error.code = 'YCDL_E_STATE';
  error.errno = -6;
  error.key = key;
  error.status = status;
  return error;
}

const kSettleIfStuck = Symbol('ycdl.settleTaskIfStuck');

function taskError(key, { code, errno, message, httpStatus }) {
  const error = new Error(message || code);
  error.code = code;
  error.errno = errno;
  error.httpStatus = httpStatus;
  error.key = key;
  return error;
}

class Task {
  #native;
  #session;
  #waiters = [];

  constructor(token, session, native, key) {
    if (token !== kCreate) throw new TypeError('tasks come from session.add(), session.task() or session.tasks()');
    this.#session = session;
    this.#native = native;
    Object.defineProperty(this, 'key', { value: key, enumerable: true });
  }

  /** The session the task belongs to. */
  get session() {
    return this.#session;
  }

  /** Stops the download, keeping its data for resume(). */
  pause() {
    this.#native.pause(this.key);
  }

  /** Queues a paused or failed task again; continues from its data when the server allows. */
  resume() {
    this.#native.resume(this.key);
  }

  /** Stops the task; it fails with code YCDL_E_CANCELED. */
  cancel(options) {
    checkNames(options, new Set(['deleteData']), 'task.cancel() options');
    this.#native.cancel(this.key, options?.deleteData);
  }

  /** Forgets the task and its partial data (the finished file too with deleteFile). */
  remove(options) {
    checkNames(options, new Set(['deleteFile']), 'task.remove() options');
    this.#native.remove(this.key, options?.deleteFile);
    this.#session[kForget](this);
  }

  /** A snapshot of the task's state. */
  info() {
    return withMetadata(this.#native.info(this.key));
  }

  setPriority(priority) {
    this.#native.setPriority(this.key, priority);
  }

  setAllowCellular(allow) {
    this.#native.setTaskAllowCellular(this.key, allow);
  }

  /**
   * Gives the task a new URL to request (a refreshed signed link); its key
   * and original URL stay. A task waiting for a URL is queued again. null
   * goes back to the original URL.
   */
  setUrl(url) {
    this.#native.setUrl(this.key, url);
  }

  /** Puts the task in a group (null: in none); persisted with the task. */
  setGroup(group) {
    this.#native.setGroup(this.key, group);
  }

  /** Replaces the extra request headers, e.g. credentials after a restart. */
  setHeaders(headers) {
    if (headers === undefined || headers === null) throw invalid('headers must be given');
    this.#native.setHeaders(this.key, headerList(headers));
  }

  /**
   * Resolves with the final path once the download is finished; rejects with
   * the core's error when it fails, is cancelled or removed, or when the
   * session closes first. While the task is paused (or waits for a URL) the
   * promise stays pending and settles when the task ends after resume() (or
   * setUrl()); it does not keep the process alive then, and if the process
   * is about to exit ('beforeExit') with the task still so, it rejects with
   * code YCDL_E_STATE.
   */
  done() {
    const promise = new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
    waitingTasks.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('beforeExit', settleStuckTasks);
    }
    this[kSettleIfEnded]();
    return promise;
  }

  /** At 'beforeExit': nothing keeps the loop alive, so a paused task (or one
   * waiting for a URL) cannot end any more; its done() rejects. */
  [kSettleIfStuck]() {
    this[kSettleIfEnded]();
    if (this.#waiters.length === 0) {
      waitingTasks.delete(this);
      return;
    }
    let status;
    try {
      status = this.#native.info(this.key).status;
    } catch (error) {
      this[kSettle](error);
      return;
    }
    if (status === 'paused' || status === 'waiting-for-url') this[kSettle](stuckError(this.key, status));
  }

  /** Settles the waiting done() promises if the task has already ended (or is gone). */
  [kSettleIfEnded]() {
    if (this.#waiters.length === 0) return;
    let info;
    try {
      info = this.#native.info(this.key);
    } catch (error) {
      this[kSettle](error);
      return;
    }
    if (info.status === 'finished') this[kSettle](null, info.dest);
    else if (info.status === 'failed') this[kSettle](taskError(this.key, info.error));
  }

  [kSettle](error, path) {
    const waiters = this.#waiters;
    this.#waiters = [];
    waitingTasks.delete(this);
    for (const { resolve, reject } of waiters) {
      if (error) reject(error);
      else resolve(path);
    }
  }
}

module.exports = { Task, kCreate, kForget, kSettle, kSettleIfEnded, taskError };
