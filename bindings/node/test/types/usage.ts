// usage.ts — compiled (never run) by types.test.js: correct uses of the
// package must type-check, and each @ts-expect-error line must not.
import ycdl, { Session, Task, TaskInfo, YcdlError, YcdlEvent, version } from 'ycdl';

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
