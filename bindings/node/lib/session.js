// session.js — the Session class: a libycdl session as an EventEmitter.
// The addon reads the core's events on this thread and hands them over in
// batches; each becomes one emit() under its type, and a finished or failed
// event settles the done() promises of its task. A urlNeeded event is also
// emitted as 'url-expired', and goes to the urlProvider option when there
// is one, whose answer becomes the task's setUrl().
'use strict';

const { EventEmitter } = require('node:events');
const native = require('./native.js');
const { checkNames, invalid, sessionOptions, taskOptions, withMetadata } = require('./options.js');
const { Task, kCreate, kForget, kSettle, kSettleIfEnded, taskError } = require('./task.js');
const group = require('./group.js');

// Tests only: how many Task objects the session keeps, one per key it has
// handed out and not removed since.
const kTrackedTasks = Symbol('ycdl.trackedTasks');

function closedError(what = 'the task ended') {
  const error = new Error(`the session was closed before ${what}`);
  error.code = 'YCDL_E_CLOSED';
  error.errno = -7;
  return error;
}

class Session extends EventEmitter {
  #native;
  #tasks = new Map();
  // Group name -> the done() promises waiting for its groupFinished event.
  #groupWaiters = new Map();
  #closed = false;
  #urlProvider;

  /**
   * new Session(identifier, options) or new Session({ identifier, ... }):
   * opens the session (creating its state under options.stateDir). With
   * mode 'own' (the default) it throws an Error with code YCDL_E_LOCKED
   * when another handle holds it; 'attach' (or attach: true) attaches to
   * the running owner or throws YCDL_E_NOT_FOUND; 'own-or-attach' does
   * whichever fits; background: true starts a host when nobody owns it.
   */
  constructor(identifierOrOptions, options) {
    super();
    const { native: opts, urlProvider } = sessionOptions(identifierOrOptions, options);
    this.#urlProvider = urlProvider;
    this.#native = new native.Session(opts, (events) => this.#dispatch(events));
    Object.defineProperty(this, 'identifier', { value: opts.identifier, enumerable: true });
  }

  /** True once close() was called. */
  get closed() {
    return this.#closed;
  }

  /** 'owner' (this process runs the downloads) or 'client' (attached to the owner's process). */
  get role() {
    return this.#native.role();
  }

  /** The session as its owner sees it: { role, ownerPid, clients, tasks, pending }. */
  info() {
    return this.#native.sessionInfo();
  }

  /** Asks the owner to close the session: its handle gets a stopRequested event. */
  requestStop() {
    this.#native.requestStop();
  }

  /** Adds a download (or returns the task already holding its URL or file id). */
  add(options) {
    return this.#task(this.#native.add(taskOptions(options)));
  }

  /**
   * Adds many downloads with one hand-over to the core and one journal
   * write. Returns their tasks in order; when an item fails, the others are
   * added all the same and the first failure is thrown, with index (of its
   * item) and results (a Task or an Error per item).
   */
  addMany(items) {
    if (!Array.isArray(items)) throw invalid('session.addMany(items): items must be an array of task options');
    const answers = this.#native.addMany(items.map((item, i) => taskOptions(item, `session.addMany() items[${i}]`)));
    const results = answers.map((answer) => (typeof answer === 'string'
      ? this.#task(answer) : itemError(answer)));
    const index = results.findIndex((result) => !(result instanceof Task));
    if (index < 0) return results;
    const error = results[index];
    error.index = index;
    error.results = results;
    throw error;
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

  /** Every task's info in queue order with one call; options.status as for tasks(). */
  taskInfos(options) {
    checkNames(options, new Set(['status']), 'session.taskInfos() options');
    let status = options?.status;
    if (typeof status === 'string') status = [status];
    return this.#native.listInfo(status).map(withMetadata);
  }

  /** The group of this name: its tasks as a whole. Unknown groups throw YCDL_E_NOT_FOUND from its calls. */
  group(name) {
    if (typeof name !== 'string') throw invalid('group must be a string');
    return new group.Group(group.kCreate, this, this.#native, name);
  }

  /** The session's groups (those some task has). */
  groups() {
    return this.#native.groupList().map((name) => this.group(name));
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
   * Owner: pauses running downloads (keeping their data), writes every
   * snapshot and frees the session; a new Session continues where this one
   * stopped (an attached handle takes it over). Client: detaches; the
   * owner's downloads go on. Pending done() promises reject with code
   * YCDL_E_CLOSED.
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
      const groupError = closedError('the group finished');
      for (const name of [...this.#groupWaiters.keys()]) this.#settleGroup(name, groupError);
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

  [group.kTaskFor](key) {
    return this.#task(key);
  }

  [group.kGroupDone](name) {
    return new Promise((resolve, reject) => {
      let info;
      try {
        info = this.#native.groupInfo(name);
      } catch (error) {
        reject(error);
        return;
      }
      if (!isPending(info)) {
        resolve(info);
        return;
      }
      if (!this.#groupWaiters.has(name)) this.#groupWaiters.set(name, []);
      this.#groupWaiters.get(name).push({ resolve, reject });
    });
  }

  /** After group.remove() succeeded: its tasks and its done() promises end now. */
  [group.kGroupRemoved](name, keys) {
    for (const key of keys) {
      const task = this.#tasks.get(key);
      if (task) this[kForget](task);
    }
    this.#settleGroup(name, notFound(name));
  }

  #settleGroup(name, error, figures) {
    const waiters = this.#groupWaiters.get(name) ?? [];
    this.#groupWaiters.delete(name);
    for (const { resolve, reject } of waiters) {
      if (error) reject(error);
      else resolve(figures);
    }
  }

  /** A groupFinished event ends the waits of its group, unless the group is
   * pending again by now (the event was queued before a later start). A
   * removed task may have taken its group with it. */
  #settleGroups(event) {
    if (this.#groupWaiters.size === 0) return;
    if (event.type === 'groupFinished' && this.#groupWaiters.has(event.group)) {
      let info;
      try {
        info = this.#native.groupInfo(event.group);
      } catch (error) {
        this.#settleGroup(event.group, error);
        return;
      }
      if (!isPending(info)) this.#settleGroup(event.group, null, groupFigures(event));
    } else if (event.type === 'removed') {
      for (const name of [...this.#groupWaiters.keys()]) {
        try {
          this.#native.groupInfo(name);
        } catch (error) {
          this.#settleGroup(name, error);
        }
      }
    }
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
    const event = toEvent(raw);
    const task = event.key ? this.#tasks.get(event.key) : undefined;
    if (task && event.type === 'finished') {
      task[kSettle](null, event.path);
    } else if (task && event.type === 'failed') {
      task[kSettle](taskError(event.key, event));
    }
    this.#settleGroups(event);
    this.emit(event.type, event);
    if (event.type === 'urlNeeded') {
      this.emit('url-expired', event);
      if (this.#urlProvider) this.#provideUrl(this.#task(event.key));
    }
    this.emit('event', event);
  }

  /**
   * Asks the urlProvider for the task's new URL and hands the answer to
   * setUrl(). null or undefined leaves the task waiting; a throw, a
   * rejection or an answer setUrl() refuses leaves it waiting too and is
   * reported (#reportUrlProviderError).
   */
  #provideUrl(task) {
    const provider = this.#urlProvider;
    Promise.resolve()
      .then(() => provider(task))
      .then((url) => {
        if (url === null || url === undefined || this.#closed) return;
        if (url instanceof URL) url = url.href;
        if (typeof url !== 'string') {
          throw invalid(`urlProvider must return a string, a URL or null, not ${typeof url}`);
        }
        task.setUrl(url);
      })
      .catch((error) => this.#reportUrlProviderError(error, task));
  }

  /** To the 'urlProviderError' listeners, else as a process warning. */
  #reportUrlProviderError(error, task) {
    if (this.#closed) return;
    if (this.listenerCount('urlProviderError') > 0) {
      this.emit('urlProviderError', error, task);
      return;
    }
    process.emitWarning(`ycdl: urlProvider failed for task "${task.key}", which keeps waiting for ` +
      `a URL (task.setUrl()): ${error?.message ?? error}`, { code: 'YCDL_URL_PROVIDER' });
  }
}

/** The event listeners get from the addon's object: userData as metadata. */
function toEvent(raw) {
  if (raw.type === 'taskAdded') return withMetadata(raw);
  if (raw.type === 'attached') return { ...raw, tasks: raw.tasks.map(withMetadata) };
  return raw;
}

/** Waiting, downloading or waiting for a network: what keeps a group from finishing. */
function isPending(figures) {
  return figures.waiting + figures.downloading + figures.waitingForNetwork > 0;
}

/** The figures of a group event, without the event's own fields. */
function groupFigures(event) {
  const { type, seq, timestamp, key, ...figures } = event;
  return figures;
}

/** The error of one addMany item: a TypeError for YCDL_E_INVALID, as add() throws. */
function itemError({ code, errno, message }) {
  const error = code === 'YCDL_E_INVALID' ? new TypeError(message) : new Error(message);
  error.code = code;
  error.errno = errno;
  return error;
}

function notFound(name) {
  const error = new Error(`no task has the group "${name}": its tasks were removed`);
  error.code = 'YCDL_E_NOT_FOUND';
  error.errno = -4;
  return error;
}

module.exports = { Session, kTrackedTasks, toEvent };
