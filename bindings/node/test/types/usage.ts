// usage.ts — compiled (never run) by types.test.js: correct uses of the
// package must type-check, and each @ts-expect-error line must not.
import ycdl, { Group, GroupFigures, MAX_CONNECTIONS, Session, SessionInfo, Task, TaskInfo, YcdlError, YcdlEvent, version } from 'ycdl';

const session: Session = new ycdl.Session({ identifier: 'app.downloads', maxConcurrent: 2, autoResume: true });
const task: Task = session.add({
  url: 'https://example.com/a.mp4',
  fileId: 'a',
  headers: { Authorization: 'Bearer x' },
  metadata: { title: 'A' },
  conflict: 'rename',
});
const path: Promise<string> = task.done();
const info: TaskInfo = task.info();
const status: 'waiting' | 'downloading' | 'paused' | 'waiting-for-network' | 'finished' | 'failed' | 'waiting-for-url' = info.status;
const resumable: boolean | null = info.resumable;
const tasks: Task[] = session.tasks({ status: ['paused', 'failed'] });
const found: Task | undefined = session.findByUrl('https://example.com/a.mp4');
session.on('progress', (e) => { const n: number = e.bytesWritten + e.bytesExpected; void n; });
session.on('finished', (e) => { const s: string = e.sha256 + e.path; void s; });
session.on('failed', (e) => { const c: YcdlError['code'] = e.code; const r: boolean = e.retryable; void c; void r; });
session.on('allFinished', (e) => { const n: number = e.finished + e.failed + e.paused; void n; });
session.on('event', (e: YcdlEvent) => { if (e.type === 'redirected') { const u: string = e.from + e.to; void u; } });
session.once('close', () => {});
session.setNetwork('cellular');
session.unref().ref();
task.cancel({ deleteData: true });
task.remove({ deleteFile: false });
const v: string = version;
void path; void status; void resumable; void tasks; void found; void v;

const many: Task[] = session.addMany([{ url: 'https://example.com/b.mp4', group: 'album', mirrors: ['https://m.example.com/b.mp4'] }]);
session.add({ url: 'https://example.com/c.mp4', acceptTypes: ['video/*'], minSize: 1000, nameFromUrl: true });
const album: Group = session.group('album');
const figures: GroupFigures = album.info();
const finished: Promise<GroupFigures> = album.done();
const groupTasks: Task[] = album.tasks({ status: 'failed' });
const groups: Group[] = session.groups();
const infos: TaskInfo[] = session.taskInfos({ status: ['paused'] });
const group: string = infos[0].group + infos[0].requestUrl;
album.pause(); album.start(); album.cancel({ deleteData: true }); album.remove({ deleteFile: true });
album.setPriority(3); album.setAllowCellular(false);
task.setGroup('album'); task.setGroup(null); task.setUrl('https://example.com/fresh.mp4'); task.setUrl(null);
session.on('groupProgress', (e) => { const n: number = e.bytesWrittenKnown / e.bytesExpected + e.speedBps; void n; });
session.on('groupFinished', (e) => { const n: number = e.finished + e.failed + e.paused; const g: string = e.group; void n; void g; });
session.on('urlNeeded', (e) => { const c: YcdlError['code'] = e.code; const u: string = e.url; void c; void u; });
session.on('url-expired', (e) => { const u: string = e.url; const n: number = e.httpStatus; void u; void n; });
session.on('urlProviderError', (error, t) => { const m: string = error.message + t.key; void m; });
new Session('refreshing', { urlRefreshStatuses: [403], urlProvider: async (t) => `https://example.com/${t.key}` });
new Session('refreshing-sync', { urlProvider: (t) => (t.key ? new URL('https://example.com/') : null) });
// @ts-expect-error a provider answers with a URL
new Session('refreshing-bad', { urlProvider: (t: Task) => 5 });
session.on('urlChanged', (e) => { const u: string = e.from + e.to + e.reason; void u; });
session.on('progress', (e) => { const n: number = e.etaSeconds + e.coalesced + e.connections; void n; });
const segmented: Task = session.add({ url: 'https://example.com/d.iso', connections: MAX_CONNECTIONS });
const over: number = segmented.info().connections + segmented.info().maxConnections + ycdl.MAX_CONNECTIONS;
void over;
// @ts-expect-error connections are a number
session.add({ url: 'https://x', connections: '4' });
void many; void figures; void finished; void groupTasks; void groups; void group;

// @ts-expect-error group names are strings
session.add({ url: 'https://x', group: 5 });
// @ts-expect-error mirrors are a list
session.add({ url: 'https://x', mirrors: 'https://y' });
// @ts-expect-error group events carry figures, not a path
session.on('groupFinished', (e) => e.path);
// @ts-expect-error groups come from a session
new Group();

// @ts-expect-error identifier is required
new Session({ stateDir: '/tmp' });
// @ts-expect-error no such option
session.add({ url: 'https://x', bogus: 1 });
// @ts-expect-error conflict is a fixed set
session.add({ url: 'https://x', conflict: 'merge' });
// @ts-expect-error not a network
session.setNetwork('moon');
// @ts-expect-error progress events have no path
session.on('progress', (e) => e.path);
// @ts-expect-error tasks come from a session
new Task();

// The kinds of shared sessions.
session.on('attached', (e) => { const t: TaskInfo[] = e.tasks; const p: number = e.ownerPid; void t; void p; });
session.on('roleChanged', (e) => { const r: 'owner' | 'client' | 'unknown' = e.role; const s: string = e.reason; void r; void s; });
session.on('stopRequested', (e) => { const by: string = e.by; void by; });
session.on('clientsChanged', (e) => { const n: number = e.attached; void n; });
session.on('event', (e: YcdlEvent) => { if (e.type === 'attached') { const k: string = e.tasks[0].key; void k; } });
// @ts-expect-error a role is one of three names
session.on('roleChanged', (e) => { const r: 'host' = e.role; void r; });

// Opening a shared session.
const client: Session = new Session('app.downloads', { mode: 'attach', takeover: true, receiveEvents: true });
const host: Session = new Session('app.downloads', { background: true, hostCommand: ['ycdl', 'serve'] });
new Session('app.downloads', { attach: true, acceptTypes: ['video/*'], urlRefreshStatuses: [401, 410] });
new Session({ identifier: 'app.downloads', diskReserve: 0, preallocate: false, maxHostConnections: 2 });
new Session({ identifier: 'app.downloads', connections: 4, segmentMinSize: 1 << 20 });
const role: 'owner' | 'client' = client.role;
const sharing: SessionInfo = host.info();
const owner: number = sharing.ownerPid + sharing.clients + sharing.pending;
client.requestStop();
client.add({ url: 'https://x', secretHeaders: { 'X-Api-Key': 'k' } });
void role; void owner;
// @ts-expect-error not an open mode
new Session('app.downloads', { mode: 'steal' });
// @ts-expect-error the identifier is the first argument
new Session('app.downloads', { identifier: 'other' });
