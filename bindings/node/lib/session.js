// session.js — the Session class: a libycdl session as an EventEmitter.
// The addon reads the core's events on this thread and hands them over in
// batches; each becomes one emit() under its type, and a finished or failed
// event settles the done() promises of its task.
'use strict';

const { EventEmitter } = require('node:events');
const native = require('./native.js');
const { SESSION_OPTIONS, checkNames, invalid, taskOptions, withMetadata } = require('./options.js');
const { Task, kCreate, kForget, kSettle, kSettleIfEnded, taskError } = require('./task.js');

// Tests only: how many Task objects the session keeps, one per key it has
// handed out and not removed since.
const kTrackedTasks = Symbol('ycdl.trackedTasks');

function closedError() {
  const error = new Error('the session was closed before the task ended');
  error.code = 'YCDL_E_CLOSED';
  error.errno = -7;
  return error;
}

class Session extends EventEmitter {
  #native;
  #tasks = new Map();
  #closed = false;

  /**
   * Opens the session named options.identifier (creating its state under
   * options.stateDir); throws an Error with code YCDL_E_LOCKED when another
   * process holds it.
   */
  constructor(options) {
    super();
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw invalid('new Session(options): options must be an object with an identifier');
    }
    checkNames(options, SESSION_OPTIONS, 'Session options');
    this.#native = new native.Session(options, (events) => this.#dispatch(events));
    Object.defineProperty(this, 'identifier', { value: options.identifier, enumerable: true });
  }

  /** True once close() was called. */
  get closed() {
    return this.#closed;
  }

  /** Adds a download (or returns the task already holding its URL or file id). */
  add(options) {
    return this.#task(this.#native.add(taskOptions(options)));
  }

  /** The task with this key, or undefined. */
  task(key) {
    try {
      this.#native.info(key);
    } catch (error) {
      if (error.code === 'YCDL_E_NOT_FOUND') return undefined;
      throw error;
    }
    return this.#task(key);
  }

  /** The task whose original URL (before redirects) is url, or undefined. */
  findByUrl(url) {
    const key = this.#native.findByUrl(url);
    return key === null ? undefined : this.#task(key);
  }

  /** Tasks in queue order; options.status limits them to one status or a list. */
  tasks(options) {
    checkNames(options, new Set(['status']), 'session.tasks() options');
    let status = options?.status;
    if (typeof status === 'string') status = [status];
    return this.#native.list(status).map((key) => this.#task(key));
  }

  /** 'unknown' | 'unmetered' | 'cellular' | 'offline'. */
  setNetwork(network) {
    this.#native.setNetwork(network);
  }

  setMaxConcurrent(n) {
    this.#native.setMaxConcurrent(n);
  }

  /** The session-wide cellular switch; applies to existing tasks at once. */
  setAllowCellular(allow) {
    this.#native.setAllowCellular(allow);
  }

  /** Speed limit shared by all running tasks, bytes per second; 0 removes it. */
  setMaxRecvSpeed(bytesPerSecond) {
    this.#native.setMaxRecvSpeed(bytesPerSecond);
  }

  /** Keeps the process alive while tasks are pending (the default). */
  ref() {
    this.#native.ref();
    return this;
  }

  /** Never keeps the process alive, even while downloading. */
  unref() {
    this.#native.unref();
    return this;
  }

  /**
   * Pauses running downloads (keeping their data), writes every snapshot and
   * frees the session; a new Session continues where this one stopped.
   * Pending done() promises reject with code YCDL_E_CLOSED.
   */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    // A task may have ended with its event still queued, which closing
    // discards: settle from its state first.
    for (const task of this.#tasks.values()) task[kSettleIfEnded]();
    try {
      this.#native.close();
    } finally {
      const error = closedError();
      for (const task of this.#tasks.values()) task[kSettle](error);
      this.#tasks.clear();
      this.emit('close');
    }
  }

  /**
   * After task.remove() succeeded: the core has forgotten the key, so done()
   * rejects now, and the key is free at once. A task added again under it
   * before the 'removed' event arrives is a new Task, which that event must
   * not settle.
   */
  [kForget](task) {
    const error = taskError(task.key, {
      code: 'YCDL_E_NOT_FOUND', errno: -4, message: `task "${task.key}" was removed`, httpStatus: 0,
    });
    const tracked = this.#tasks.get(task.key);
    this.#tasks.delete(task.key);
    tracked?.[kSettle](error);
    task[kSettle](error);
  }

  [kTrackedTasks]() {
    return this.#tasks.size;
  }

  #task(key) {
    let task = this.#tasks.get(key);
    if (!task) {
      task = new Task(kCreate, this, this.#native, key);
      this.#tasks.set(key, task);
    }
    return task;
  }

  #dispatch(events) {
    for (const event of events) {
      // A throwing listener must not cost the events after it.
      try {
        this.#handle(event);
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }

  #handle(raw) {
    if (raw.type === 'undecodable') {
      process.emitWarning(`ycdl: an event of ${raw.length} bytes could not be decoded`);
      return;
    }
    const event = raw.type === 'taskAdded' ? withMetadata(raw) : raw;
    const task = event.key ? this.#tasks.get(event.key) : undefined;
    if (task && event.type === 'finished') {
      task[kSettle](null, event.path);
    } else if (task && event.type === 'failed') {
      task[kSettle](taskError(event.key, event));
    }
    this.emit(event.type, event);
    this.emit('event', event);
  }
}

module.exports = { Session, kTrackedTasks };
