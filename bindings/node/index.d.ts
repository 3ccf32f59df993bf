// index.d.ts — types of the ycdl package (a persistent download manager for
// Node and Electron, built on libycdl).

import { EventEmitter } from 'node:events';

/** Where a task is in its life. */
export type TaskStatus =
  | 'waiting'
  | 'downloading'
  | 'paused'
  | 'waiting-for-network'
  | 'finished'
  | 'failed'
  /** The URL no longer gives the file; the partial data waits for a new one. */
  | 'waiting-for-url';

/** What network the host is on (for the cellular policy). */
export type Network = 'unknown' | 'unmetered' | 'cellular' | 'offline';

/** What happens when a finished download's destination already exists. */
export type Conflict = 'fail' | 'overwrite' | 'rename';

/** The libycdl error codes, as `error.code`. */
export type ErrorCode =
  | 'YCDL_E_INVALID'
  | 'YCDL_E_NOMEM'
  | 'YCDL_E_LOCKED'
  | 'YCDL_E_NOT_FOUND'
  | 'YCDL_E_EXISTS'
  | 'YCDL_E_STATE'
  | 'YCDL_E_CLOSED'
  | 'YCDL_E_AGAIN'
  | 'YCDL_E_IO'
  | 'YCDL_E_DISK_FULL'
  | 'YCDL_E_STORE'
  | 'YCDL_E_NETWORK'
  | 'YCDL_E_RESOLVE'
  | 'YCDL_E_TIMEOUT'
  | 'YCDL_E_TLS'
  | 'YCDL_E_HTTP'
  | 'YCDL_E_TOO_MANY_REDIRECTS'
  | 'YCDL_E_PROTOCOL'
  | 'YCDL_E_CHECKSUM'
  | 'YCDL_E_SIZE_MISMATCH'
  | 'YCDL_E_TOO_LARGE'
  | 'YCDL_E_CANCELED'
  | 'YCDL_E_BAD_RESPONSE'
  | 'YCDL_E_UNSUPPORTED'
  | 'YCDL_E_INTERNAL'
  | 'YCDL_E_FETCH_LIMIT'
  | 'YCDL_E_NOT_THE_FILE'
  | 'YCDL_E_URL_EXPIRED'
  | 'YCDL_E_UNKNOWN';

/**
 * The errors the package throws and rejects with. Misuse is a TypeError
 * with code 'YCDL_E_INVALID'; everything else an Error.
 */
export interface YcdlError extends Error {
  code: ErrorCode;
  /** The negative YCDL_E_* number from ycdl.h. */
  errno: number;
  /** Set on download failures: the HTTP status involved, 0 when none. */
  httpStatus?: number;
  /** Set on download failures: the task's key. */
  key?: string;
}

/** Options of `new Session()`. Only identifier is required. */
export interface SessionOptions {
  /** Names the session: letters, digits, '.', '_' and '-', 1..200 characters. One process owns it; others may attach (mode). */
  identifier: string;
  /** Root of all session state (default $XDG_STATE_HOME/ycdl, else ~/.local/state/ycdl). */
  stateDir?: string;
  /** Where tasks without dest or destDir are saved (default: the working directory). */
  downloadDir?: string;
  /** Downloads at once, 1..1000 (default 3). */
  maxConcurrent?: number;
  /** Continue restored downloads at once instead of bringing them back paused (default false). */
  autoResume?: boolean;
  /** The session-wide cellular switch (default true). */
  allowCellular?: boolean;
  /** Progress events per task at most this often (default 250). */
  progressIntervalMs?: number;
  /** Snapshot a running task at least this often (default 1000). */
  checkpointIntervalMs?: number;
  /** ... and every this many bytes (default 4 MiB). */
  checkpointBytes?: number;
  /** Retries per task for transient failures (default 5). */
  maxRetries?: number;
  /** First retry backoff (default 1000). */
  retryBaseMs?: number;
  /** Backoff cap (default 60000). */
  retryMaxMs?: number;
  /** Cap on a server's Retry-After (default 3600). */
  maxRetryAfterS?: number;
  /** Redirects followed per request (default 10). */
  maxRedirects?: number;
  /** Connect timeout (default 30000). */
  connectTimeoutMs?: number;
  /** Bytes per second below which a transfer counts as stalled (default 1). */
  lowSpeedLimit?: number;
  /** Seconds of stalling before a retry; 0 disables (default 30). */
  lowSpeedTimeS?: number;
  /** Session-wide speed limit in bytes per second; 0 = none. */
  maxRecvSpeed?: number;
  /** Refuse files larger than this many bytes; 0 = no limit. */
  maxFileSize?: number;
  /** A PEM bundle of trusted CAs (default: the system's). */
  caFile?: string;
  /** curl's "sha256//..." public key pin, or a key file. */
  pinnedPublicKey?: string;
  /** A proxy URL (default: the environment's). */
  proxy?: string;
  /** Default "libycdl/<version>". */
  userAgent?: string;
  /** Verify TLS certificates (default true; false for tests only). */
  verifyTls?: boolean;
  /**
   * Hash every download with SHA-256 as it arrives, for 'finished' events
   * and info() (default true). false saves about a second of CPU per 2 GB;
   * a 'sha256:' checksum is verified anyway.
   */
  computeSha256?: boolean;
  /**
   * A task may fetch at most fetchBudgetFactor times its size plus
   * fetchBudgetExtra bytes (over every attempt) before failing with
   * YCDL_E_FETCH_LIMIT (defaults 3 and 8 MiB; a factor of 0 removes it).
   */
  fetchBudgetFactor?: number;
  fetchBudgetExtra?: number;
  /** HTTP statuses meaning "this URL no longer works": the task waits for a new URL (default [401, 403, 410]; [] none). */
  urlRefreshStatuses?: number[];
  /** Content types a task accepts when it names none of its own (TaskOptions.acceptTypes); default: the core's guard against error pages. */
  acceptTypes?: string[];
  /** Bytes kept free on the download disk; a task that would not leave them fails with YCDL_E_DISK_FULL before writing. -1 (default): 1 % of the file system, at most 256 MiB; 0: none. */
  diskReserve?: number;
  /** Take a large download's room up front (default true, for files of 16 MiB and more). */
  preallocate?: boolean;
  /** The most connections to one host at once, for all tasks together (0, the default: no cap; at most 1000). */
  maxHostConnections?: number;
  /** The connections a task is fetched over when it names none (TaskOptions.connections): 1..MAX_CONNECTIONS (32), default 1. */
  connections?: number;
  /** The least bytes a segment of a download over several connections is cut to (at least 64 KiB; default 1 MiB): a file shorter than two of them uses one connection. */
  segmentMinSize?: number;
  /**
   * Called once for every 'urlNeeded' event (a task whose URL stopped
   * working waits in 'waiting-for-url') with that task, after the event's
   * listeners; its answer goes to task.setUrl(). null or undefined leaves
   * the task waiting (setUrl() may still come later); a throw, a rejection
   * or a URL setUrl() refuses leaves it waiting too and is reported to the
   * 'urlProviderError' listeners, else as a process warning (code
   * YCDL_URL_PROVIDER). Not with receiveEvents: false.
   */
  urlProvider?: ((task: Task) => string | URL | null | undefined | Promise<string | URL | null | undefined>) | null;

  // ------------------------------------------------- shared sessions
  /**
   * How to open a session another handle (another process) may hold:
   * 'own' (the default) owns it or throws YCDL_E_LOCKED; 'attach' attaches
   * to the running owner (its first event is 'attached') or throws
   * YCDL_E_NOT_FOUND; 'own-or-attach' does whichever fits (the default with
   * background). Settings that govern downloads are the owner's; an
   * attached handle's downloadDir still applies to what it adds.
   */
  mode?: OpenMode;
  /** true is mode: 'attach' (not both). */
  attach?: boolean;
  /**
   * When nobody owns the session, start a host process that keeps
   * downloading after this one exits (`ycdl serve … --exit-when-idle`,
   * ycdl from PATH or $YCDL_HOST_PROGRAM) and attach to it. Not with
   * mode 'own'. See docs/background.md.
   */
  background?: boolean;
  /** The host's argv instead of ycdl serve's (with background). */
  hostCommand?: string[];
  /**
   * An attached handle takes the session over when its owner exits,
   * crashes or is killed (default true): a 'roleChanged' event (role
   * 'owner'), then 'sessionRestored', and it runs the downloads. With
   * false its calls fail with YCDL_E_CLOSED once the owner is gone.
   */
  takeover?: boolean;
  /** false for a handle that only makes calls: it gets no events (default true). */
  receiveEvents?: boolean;
}

/** How new Session() treats a session another handle holds. */
export type OpenMode = 'own' | 'attach' | 'own-or-attach';

/** sessionInfo: the session as its owner sees it. */
export interface SessionInfo {
  /** This handle's role. */
  role: 'owner' | 'client';
  /** The process that owns the session. */
  ownerPid: number;
  /** Handles attached to the owner. */
  clients: number;
  tasks: number;
  /** Tasks waiting, downloading or waiting for a network. */
  pending: number;
}

/** Options of `session.add()`. Only url is required. */
export interface TaskOptions {
  /** An http or https URL; with fileId, it identifies the task. */
  url: string;
  /** The exact path of the finished file. */
  dest?: string;
  /** A directory for the finished file (named by fileId, else the MD5 of url, plus url's extension). */
  destDir?: string;
  /** The caller's id for the file; becomes the task's key. */
  fileId?: string;
  displayName?: string;
  thumbnailUrl?: string;
  /** Any JSON value, kept with the task and returned by info() and 'taskAdded'. */
  metadata?: unknown;
  /** Extra request headers. Authorization and Cookie are used but never written to disk. */
  headers?: Record<string, string | number> | string[];
  /**
   * Headers that are secrets (an API token): like Authorization, sent only
   * to the origin of the task's URL, never after a redirect elsewhere, and
   * never written to disk (after a restart the task waits for setHeaders()).
   */
  secretHeaders?: Record<string, string | number> | string[];
  /** May this task use a cellular network (default true). */
  allowCellular?: boolean;
  /** Higher runs first (default 0). */
  priority?: number;
  /** The size the file must have; -1 unknown (default). */
  expectedSize?: number;
  /** "sha256:HEX" or "md5:HEX"; a mismatch fails with YCDL_E_CHECKSUM. */
  checksum?: string;
  /** This task's speed limit in bytes per second; 0 = none. */
  maxRecvSpeed?: number;
  /** What to do when the destination exists (default 'fail'). */
  conflict?: Conflict;
  /** Name the file as the server's Content-Disposition says. */
  useContentDisposition?: boolean;
  /** Add without queueing; resume() starts it. */
  startPaused?: boolean;
  /** The task's group (an album, a season): 1..200 bytes without control characters; persisted. */
  group?: string;
  /** Other URLs of the same file (at most 16), tried in order when the URL in use fails for good. */
  mirrors?: string[];
  /**
   * Content types a response must have to be saved ('video/mp4', 'video/*');
   * another is not the file: the task waits for a new URL ('urlNeeded').
   * Default: the core's guard, which refuses an HTML page for a file not named as one.
   */
  acceptTypes?: string[];
  /** A response announcing fewer bytes is not the file either. */
  minSize?: number;
  /** Name the file after the URL's last path segment, as wget and curl -O do. */
  nameFromUrl?: boolean;
  /**
   * The most connections the file is fetched over at once (1..MAX_CONNECTIONS,
   * 32; 0 or absent: the session's `connections`), as aria2c's -x. A file
   * whose size is known, at least two of the session's `segmentMinSize`
   * long, from a server that takes byte ranges and names it with a strong
   * validator is cut into segments, each validated like a resume (a file
   * that changed between two requests starts again, never spliced); any
   * other is fetched over one connection. maxRecvSpeed holds for the sum.
   */
  connections?: number;
}

/** The error recorded on a failed task. */
export interface TaskError {
  code: ErrorCode;
  errno: number;
  message: string;
  httpStatus: number;
}

/** A snapshot of one task, from task.info(). */
export interface TaskInfo {
  key: string;
  /** The original URL: the task's identity. */
  url: string;
  /** After redirects; '' before the first response. */
  finalUrl: string;
  dest: string;
  fileId: string;
  displayName: string;
  thumbnailUrl: string;
  /** Decoded JSON metadata; a Buffer if another binding stored non-JSON bytes. */
  metadata: unknown;
  status: TaskStatus;
  bytesWritten: number;
  /** -1 when unknown. */
  bytesExpected: number;
  speedBps: number;
  /** -1 when unknown. */
  etaSeconds: number;
  /** null until the first response says. */
  resumable: boolean | null;
  priority: number;
  allowCellular: boolean;
  /** The last error; null when none. */
  error: TaskError | null;
  /** Of the last response; 0 when none. */
  httpStatus: number;
  /** Retries spent on the current attempt. */
  retries: number;
  /** SHA-256 hex of the finished file; '' before. */
  sha256: string;
  /** The URL requests go to when it is not url (setUrl() gave one, or a mirror is in use); else ''. */
  requestUrl: string;
  /** The task's group; '' when in none. */
  group: string;
  /** Connections it is receiving over now; 0 unless downloading. */
  connections: number;
  /** The most it may use: its own `connections`, else the session's. */
  maxConnections: number;
}

/**
 * A group's figures, from group.info(), group.done() and the group events.
 * A bar drawn from bytesWrittenKnown / bytesExpected never jumps back when
 * a length becomes known.
 */
export interface GroupFigures {
  /** The group's name. */
  group: string;
  tasks: number;
  waiting: number;
  downloading: number;
  paused: number;
  waitingForNetwork: number;
  finished: number;
  failed: number;
  waitingForUrl: number;
  /** Bytes written by the tasks whose size is known. */
  bytesWrittenKnown: number;
  /** The sum of those sizes. */
  bytesExpected: number;
  /** Bytes written by the tasks whose size is not known yet. */
  bytesWrittenUnknown: number;
  speedBps: number;
  /** -1 when it cannot be told. */
  etaSeconds: number;
}

/** Fields every event has. */
export interface EventBase {
  /** Per session, strictly increasing from 1. */
  seq: number;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  /** The task's key; '' for session-wide events. */
  key: string;
}

export interface TaskAddedEvent extends EventBase {
  type: 'taskAdded';
  url: string;
  dest: string;
  fileId: string;
  displayName: string;
  thumbnailUrl: string;
  metadata: unknown;
  /** Where the new task starts: 'waiting', or 'paused' when added paused. */
  status: TaskStatus;
}

export interface StatusEvent extends EventBase {
  type: 'status';
  oldStatus: TaskStatus;
  newStatus: TaskStatus;
}

export interface ProgressEvent extends EventBase {
  type: 'progress';
  /** Written since the previous progress event. */
  bytesThisBurst: number;
  bytesWritten: number;
  /** -1 when the server did not say. */
  bytesExpected: number;
  speedBps: number;
  /** Seconds left at this speed; -1 when unknown. */
  etaSeconds: number;
  /** Earlier progress events of the task this one replaced while nobody read. */
  coalesced: number;
  /** Connections receiving the task's bytes now (more than one for a segmented download). */
  connections: number;
}

export interface ResumedEvent extends EventBase {
  type: 'resumed';
  offset: number;
  /** -1 when unknown. */
  bytesExpected: number;
}

export interface RedirectedEvent extends EventBase {
  type: 'redirected';
  from: string;
  to: string;
  httpStatus: number;
}

export interface RestartedEvent extends EventBase {
  type: 'restarted';
  /** Why the partial data could not be kept. */
  reason: string;
  discardedBytes: number;
}

export interface FinishedEvent extends EventBase {
  type: 'finished';
  path: string;
  size: number;
  sha256: string;
  finalUrl: string;
  displayName: string;
  fileId: string;
}

export interface FailedEvent extends EventBase {
  type: 'failed';
  code: ErrorCode;
  errno: number;
  message: string;
  /** 0 when no HTTP answer was involved. */
  httpStatus: number;
  /** Resuming later may succeed. */
  retryable: boolean;
}

export interface RemovedEvent extends EventBase {
  type: 'removed';
}

export interface AllFinishedEvent extends EventBase {
  type: 'allFinished';
  finished: number;
  failed: number;
  paused: number;
  waitingForUrl: number;
}

/** The task's URL no longer gives the file; it waits for task.setUrl(), its data kept. */
export interface UrlNeededEvent extends EventBase {
  type: 'urlNeeded';
  /** YCDL_E_HTTP, YCDL_E_NOT_THE_FILE or YCDL_E_URL_EXPIRED. */
  code: ErrorCode;
  errno: number;
  /** Names the status, the type and the body's first bytes. */
  message: string;
  httpStatus: number;
  /** The URL that stopped working. */
  url: string;
}

/** Requests go to another URL from now on (setUrl(), or a mirror). */
export interface UrlChangedEvent extends EventBase {
  type: 'urlChanged';
  from: string;
  to: string;
  reason: string;
}

/** A group's figures changed (session-wide: key ''); coalesced like progress. */
export interface GroupProgressEvent extends EventBase, GroupFigures {
  type: 'groupProgress';
}

/** Nothing of the group is pending any more (paused and failed tasks are not pending). */
export interface GroupFinishedEvent extends EventBase, GroupFigures {
  type: 'groupFinished';
}

export interface SessionRestoredEvent extends EventBase {
  type: 'sessionRestored';
  tasksFound: number;
  /** Unreadable records moved aside. */
  tasksQuarantined: number;
  /** Where they went; '' if none. */
  quarantinePath: string;
}

export interface ResumabilityEvent extends EventBase {
  type: 'resumability';
  resumability: 'unknown' | 'yes' | 'no';
  reason: string;
}

export interface RetryingEvent extends EventBase {
  type: 'retrying';
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  code: ErrorCode;
  errno: number;
  message: string;
  httpStatus: number;
}

/**
 * The first event of a handle attached to another process's session
 * (session-wide: key ''): the tasks as they were then. Its seq is the last
 * event they include.
 */
export interface AttachedEvent extends EventBase {
  type: 'attached';
  /** Each as task.info() gives it. */
  tasks: TaskInfo[];
  /** The process that owns the session and runs its downloads. */
  ownerPid: number;
}

/** What a session handle is: the owner runs the downloads; a client is attached to the owner's process. */
export type Role = 'owner' | 'client' | 'unknown';

/** The handle's role changed: the owner went away and this handle took the session over, or attached to the one that did. */
export interface RoleChangedEvent extends EventBase {
  type: 'roleChanged';
  role: Role;
  reason: string;
}

/** To the owner: an attached client asked it to close the session (ycdl stop). A host closes; an application decides. */
export interface StopRequestedEvent extends EventBase {
  type: 'stopRequested';
  /** The client's name. */
  by: string;
}

/** To the owner: a client attached or detached. */
export interface ClientsChangedEvent extends EventBase {
  type: 'clientsChanged';
  /** Clients attached now. */
  attached: number;
}

/** An event kind newer than this package; only the common fields. */
export interface UnknownEvent extends EventBase {
  type: 'unknown';
}

export type YcdlEvent =
  | TaskAddedEvent
  | StatusEvent
  | ProgressEvent
  | ResumedEvent
  | RedirectedEvent
  | RestartedEvent
  | FinishedEvent
  | FailedEvent
  | RemovedEvent
  | AllFinishedEvent
  | SessionRestoredEvent
  | ResumabilityEvent
  | RetryingEvent
  | AttachedEvent
  | RoleChangedEvent
  | StopRequestedEvent
  | ClientsChangedEvent
  | UrlNeededEvent
  | UrlChangedEvent
  | GroupProgressEvent
  | GroupFinishedEvent
  | UnknownEvent;

/** Event name to listener arguments, for Session's on/once/off/emit. */
export interface SessionEvents {
  taskAdded: [event: TaskAddedEvent];
  status: [event: StatusEvent];
  progress: [event: ProgressEvent];
  resumed: [event: ResumedEvent];
  redirected: [event: RedirectedEvent];
  restarted: [event: RestartedEvent];
  finished: [event: FinishedEvent];
  failed: [event: FailedEvent];
  removed: [event: RemovedEvent];
  allFinished: [event: AllFinishedEvent];
  sessionRestored: [event: SessionRestoredEvent];
  resumability: [event: ResumabilityEvent];
  retrying: [event: RetryingEvent];
  attached: [event: AttachedEvent];
  roleChanged: [event: RoleChangedEvent];
  stopRequested: [event: StopRequestedEvent];
  clientsChanged: [event: ClientsChangedEvent];
  urlNeeded: [event: UrlNeededEvent];
  /** The same event as 'urlNeeded', emitted right after it under this name too. */
  'url-expired': [event: UrlNeededEvent];
  /** A urlProvider threw, rejected or answered a URL setUrl() refused; the task keeps waiting for a URL. */
  urlProviderError: [error: Error, task: Task];
  urlChanged: [event: UrlChangedEvent];
  groupProgress: [event: GroupProgressEvent];
  groupFinished: [event: GroupFinishedEvent];
  unknown: [event: UnknownEvent];
  /** Every event above, after its own. */
  event: [event: YcdlEvent];
  /** After close(). */
  close: [];
}

/** One download, named by its key. Tasks come from a Session. */
export declare class Task {
  private constructor();
  /** The caller's fileId, else the MD5 hex of the original URL. */
  readonly key: string;
  readonly session: Session;
  /** Stops the download, keeping its data for resume(). */
  pause(): void;
  /** Queues a paused or failed task again; continues from its data when the server allows. */
  resume(): void;
  /** Stops the task; it fails with YCDL_E_CANCELED. deleteData drops the partial data. */
  cancel(options?: { deleteData?: boolean }): void;
  /** Forgets the task and its partial data; deleteFile also deletes a finished file. */
  remove(options?: { deleteFile?: boolean }): void;
  info(): TaskInfo;
  setPriority(priority: number): void;
  setAllowCellular(allow: boolean): void;
  /** Replaces the extra request headers (e.g. credentials again after a restart). */
  setHeaders(headers: Record<string, string | number> | string[]): void;
  /** A new URL to request (key and original URL stay); a task waiting for one is queued again. null: the original. */
  setUrl(url: string | null): void;
  /** Puts the task in a group; null: in none. */
  setGroup(group: string | null): void;
  /**
   * Resolves with the final path once finished; rejects with a YcdlError
   * when the task fails, is cancelled or removed, or the session closes
   * (YCDL_E_CLOSED).
   *
   * Keeping the process alive: while the task waits in the queue, downloads
   * or waits for a network, the session keeps the process alive (unless
   * session.unref() was called), so `session.add(o).done().then(...)` in a
   * script that does nothing else runs to the end of the download.
   *
   * A paused task (or one waiting for a new URL): the promise stays pending
   * and settles when the task ends after resume() (or setUrl()), or rejects
   * at close(). The task does not keep the process alive; if the process is
   * about to exit ('beforeExit': nothing else keeps it up) with the task
   * still paused or waiting for a URL, the promise rejects with a YcdlError
   * whose code is YCDL_E_STATE (and `status` 'paused' or 'waiting-for-url'),
   * so an awaited done() never ends a process silently with status 0.
   */
  done(): Promise<string>;
}

/** The tasks of one group as a whole, named by the group's name. Groups come from a Session. */
export declare class Group {
  private constructor();
  readonly name: string;
  readonly session: Session;
  /** The group's figures now; throws YCDL_E_NOT_FOUND when no task has the group. */
  info(): GroupFigures;
  /** The group's tasks in the order added, optionally only those in some statuses. */
  tasks(options?: { status?: TaskStatus | TaskStatus[] }): Task[];
  /** Queues every paused or failed task of the group. */
  start(): void;
  /** The same as start(). */
  resume(): void;
  /** Stops every waiting or running task of the group, keeping their data. */
  pause(): void;
  /** Cancels every unfinished task of the group. */
  cancel(options?: { deleteData?: boolean }): void;
  /** Forgets every task of the group (deleteFile: their finished files too). */
  remove(options?: { deleteFile?: boolean }): void;
  setPriority(priority: number): void;
  setAllowCellular(allow: boolean): void;
  /**
   * Resolves with the figures of the groupFinished event once nothing of the
   * group is pending, at once when nothing is now; rejects with
   * YCDL_E_NOT_FOUND (no task has the group, or its tasks were removed) or
   * YCDL_E_CLOSED.
   */
  done(): Promise<GroupFigures>;
}

/** An addMany() item that failed, thrown for the first of them. */
export interface AddManyError extends YcdlError {
  /** The position of the item. */
  index: number;
  /** Per item, its Task or its error. */
  results: (Task | YcdlError)[];
}

/** A libycdl session: owns tasks, persists them, reports events. */
export declare class Session extends EventEmitter {
  /**
   * Opens the session. With mode 'own' (the default) throws a YcdlError
   * with code YCDL_E_LOCKED when another handle holds the identifier; with
   * 'attach', YCDL_E_NOT_FOUND when nobody does.
   */
  constructor(identifier: string, options?: Omit<SessionOptions, 'identifier'>);
  constructor(options: SessionOptions);
  readonly identifier: string;
  /** True once close() was called. */
  readonly closed: boolean;
  /** 'owner' (this process runs the downloads) or 'client' (attached to the owner's); a takeover changes it. */
  readonly role: 'owner' | 'client';
  /** The session as its owner sees it. */
  info(): SessionInfo;
  /** Asks the owner to close the session: its handle gets a 'stopRequested' event (a host closes on it). */
  requestStop(): void;
  /** Adds a download, or returns the task already holding its URL or fileId. */
  add(options: TaskOptions): Task;
  /** Adds many in one call; throws an AddManyError for the first failing item (the others are added). */
  addMany(items: TaskOptions[]): Task[];
  /** The task with this key, or undefined. */
  task(key: string): Task | undefined;
  /** The task whose original URL (before redirects) is url, or undefined. */
  findByUrl(url: string): Task | undefined;
  /** Tasks in queue order, optionally only those in some statuses. */
  tasks(options?: { status?: TaskStatus | TaskStatus[] }): Task[];
  /** Every task's info in queue order, in one call. */
  taskInfos(options?: { status?: TaskStatus | TaskStatus[] }): TaskInfo[];
  /** The group of this name (a handle; calls on a group no task has throw YCDL_E_NOT_FOUND). */
  group(name: string): Group;
  /** The session's groups. */
  groups(): Group[];
  setNetwork(network: Network): void;
  setMaxConcurrent(maxConcurrent: number): void;
  /** The session-wide cellular switch; applies to existing tasks at once. */
  setAllowCellular(allow: boolean): void;
  /** Shared by all running tasks, bytes per second; 0 removes the limit. */
  setMaxRecvSpeed(bytesPerSecond: number): void;
  /** Keep the process alive while tasks are pending (the default): waiting, downloading or waiting for a network. */
  ref(): this;
  /**
   * Never keep the process alive, even while downloading or while done()
   * promises wait (at exit they stay pending; the data is kept for the next
   * session).
   */
  unref(): this;
  /** Owner: pauses running downloads (keeping their data), saves everything, frees the session (an attached handle may take it over). Client: detaches; the owner's downloads go on. */
  close(): void;

  on<K extends keyof SessionEvents>(event: K, listener: (...args: SessionEvents[K]) => void): this;
  once<K extends keyof SessionEvents>(event: K, listener: (...args: SessionEvents[K]) => void): this;
  off<K extends keyof SessionEvents>(event: K, listener: (...args: SessionEvents[K]) => void): this;
  addListener<K extends keyof SessionEvents>(event: K, listener: (...args: SessionEvents[K]) => void): this;
  removeListener<K extends keyof SessionEvents>(event: K, listener: (...args: SessionEvents[K]) => void): this;
  prependListener<K extends keyof SessionEvents>(event: K, listener: (...args: SessionEvents[K]) => void): this;
  prependOnceListener<K extends keyof SessionEvents>(event: K, listener: (...args: SessionEvents[K]) => void): this;
  emit<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): boolean;
}

/** The libycdl version, e.g. "0.1.0". */
export declare const version: string;
/** The most connections one download may use (TaskOptions.connections): 32. */
export declare const MAX_CONNECTIONS: number;

declare const ycdl: {
  Session: typeof Session;
  Task: typeof Task;
  Group: typeof Group;
  version: string;
  MAX_CONNECTIONS: number;
};
export default ycdl;
