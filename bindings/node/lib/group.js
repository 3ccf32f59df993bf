// group.js — the tasks of one group (an album, a season) as a whole, named
// by the group's name. A thin handle: every method is one call into the
// session's core, each control acting on all the group's tasks in one turn
// of the core's loop; done() settles from the session's groupFinished
// events.
'use strict';

const { checkNames } = require('./options.js');

const kCreate = Symbol('ycdl.createGroup');
// What a Group asks of its session: the Task of a key, a done() promise,
// and settling after group.remove().
const kTaskFor = Symbol('ycdl.taskFor');
const kGroupDone = Symbol('ycdl.groupDone');
const kGroupRemoved = Symbol('ycdl.groupRemoved');

class Group {
  #native;
  #session;

  constructor(token, session, native, name) {
    if (token !== kCreate) throw new TypeError('groups come from session.group() or session.groups()');
    this.#session = session;
    this.#native = native;
    Object.defineProperty(this, 'name', { value: name, enumerable: true });
  }

  /** The session the group belongs to. */
  get session() {
    return this.#session;
  }

  /** The group's figures now: counts by status, bytes, speed. */
  info() {
    return this.#native.groupInfo(this.name);
  }

  /** The group's tasks in the order added; options.status limits them to one status or a list. */
  tasks(options) {
    checkNames(options, new Set(['status']), 'group.tasks() options');
    let status = options?.status;
    if (typeof status === 'string') status = [status];
    return this.#native.groupTasks(this.name, status).map((key) => this.#session[kTaskFor](key));
  }

  /** Queues every paused or failed task of the group. */
  start() {
    this.#native.groupStart(this.name);
  }

  /** The same as start(). */
  resume() {
    this.start();
  }

  /** Stops every waiting or running task of the group, keeping their data. */
  pause() {
    this.#native.groupPause(this.name);
  }

  /** Cancels every unfinished task of the group (YCDL_E_CANCELED). */
  cancel(options) {
    checkNames(options, new Set(['deleteData']), 'group.cancel() options');
    this.#native.groupCancel(this.name, options?.deleteData);
  }

  /** Forgets every task of the group (the finished files too with deleteFile). */
  remove(options) {
    checkNames(options, new Set(['deleteFile']), 'group.remove() options');
    const keys = this.#native.groupTasks(this.name);
    this.#native.groupRemove(this.name, options?.deleteFile);
    this.#session[kGroupRemoved](this.name, keys);
  }

  setPriority(priority) {
    this.#native.groupSetPriority(this.name, priority);
  }

  setAllowCellular(allow) {
    this.#native.groupSetAllowCellular(this.name, allow);
  }

  /**
   * Resolves with the group's figures once nothing of it is pending (the
   * groupFinished event); at once when nothing is pending now (paused and
   * failed tasks are not pending). Rejects with YCDL_E_NOT_FOUND when no
   * task has the group, also when its tasks are removed meanwhile, and with
   * YCDL_E_CLOSED when the session closes first.
   */
  done() {
    return this.#session[kGroupDone](this.name);
  }
}

module.exports = { Group, kCreate, kTaskFor, kGroupDone, kGroupRemoved };
