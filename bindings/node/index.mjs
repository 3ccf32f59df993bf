// index.mjs — the ycdl package for ES modules; the same objects as index.js.
import ycdl from './index.js';

export const { Session, Task, Group, version, MAX_CONNECTIONS } = ycdl;
export default ycdl;
