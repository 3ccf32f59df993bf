// options.js — checks and conversions of the JavaScript-only parts of
// options: unknown names (typos) are refused, headers may be an object,
// metadata is any JSON value. Types and ranges are checked by the addon.
'use strict';

const SESSION_OPTIONS = new Set([
  'identifier', 'stateDir', 'downloadDir', 'maxConcurrent', 'autoResume', 'allowCellular',
  'progressIntervalMs', 'checkpointIntervalMs', 'checkpointBytes', 'maxRetries', 'retryBaseMs',
  'retryMaxMs', 'maxRetryAfterS', 'maxRedirects', 'connectTimeoutMs', 'lowSpeedLimit',
  'lowSpeedTimeS', 'maxRecvSpeed', 'maxFileSize', 'caFile', 'pinnedPublicKey', 'proxy',
  'userAgent', 'verifyTls', 'computeSha256',
]);

const TASK_OPTIONS = new Set([
  'url', 'dest', 'destDir', 'fileId', 'displayName', 'thumbnailUrl', 'metadata', 'headers',
  'allowCellular', 'priority', 'expectedSize', 'checksum', 'maxRecvSpeed', 'conflict',
  'useContentDisposition', 'startPaused', 'group', 'mirrors', 'acceptTypes', 'minSize',
  'nameFromUrl',
]);

/** A TypeError with the code the addon gives invalid arguments. */
function invalid(message) {
  const error = new TypeError(message);
  error.code = 'YCDL_E_INVALID';
  error.errno = -1;
  return error;
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses option names not in known; other shapes are left to the addon. */
function checkNames(options, known, what) {
  if (!isPlainObject(options)) return;
  for (const name of Object.keys(options)) {
    if (!known.has(name)) throw invalid(`${what} has no option '${name}'`);
  }
}

/** { Name: value } or ["Name: value", ...] as the core's list. */
function headerList(headers) {
  if (headers === undefined || headers === null || Array.isArray(headers)) return headers;
  if (!isPlainObject(headers)) {
    throw invalid('options.headers must be an object of name: value pairs or an array of ' +
      '"Name: value" strings');
  }
  return Object.entries(headers).map(([name, value]) => {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw invalid(`options.headers['${name}'] must be a string`);
    }
    return `${name}: ${value}`;
  });
}

/** Metadata travels through the core as the UTF-8 bytes of its JSON. */
function encodeMetadata(metadata) {
  if (metadata === undefined) return undefined;
  let text;
  try {
    text = JSON.stringify(metadata);
  } catch (error) {
    throw invalid(`options.metadata must be JSON-serializable: ${error.message}`);
  }
  if (text === undefined) throw invalid('options.metadata must be JSON-serializable');
  return Buffer.from(text, 'utf8');
}

/** Bytes another binding stored that are not JSON come back as a Buffer. */
function decodeMetadata(bytes) {
  if (!bytes || bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return bytes;
  }
}

/** The addon's task options from the public ones. */
function taskOptions(options, what = 'session.add() options') {
  checkNames(options, TASK_OPTIONS, what);
  if (!isPlainObject(options)) return options;
  const { metadata, headers, ...rest } = options;
  return { ...rest, headers: headerList(headers), userData: encodeMetadata(metadata) };
}

/** Replaces the addon's userData bytes with the decoded metadata. */
function withMetadata(object) {
  const { userData, ...rest } = object;
  return { ...rest, metadata: decodeMetadata(userData) };
}

module.exports = {
  SESSION_OPTIONS, invalid, checkNames, headerList, taskOptions, withMetadata,
};
