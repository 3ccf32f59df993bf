// options.js — checks and conversions of the JavaScript-only parts of
// options: unknown names (typos) are refused, headers may be an object,
// metadata is any JSON value. Types and ranges are checked by the addon.
'use strict';

const SESSION_OPTIONS = new Set([
  'identifier', 'stateDir', 'downloadDir', 'maxConcurrent', 'autoResume', 'allowCellular',
  'progressIntervalMs', 'checkpointIntervalMs', 'checkpointBytes', 'maxRetries', 'retryBaseMs',
  'retryMaxMs', 'maxRetryAfterS', 'maxRedirects', 'connectTimeoutMs', 'lowSpeedLimit',
  'lowSpeedTimeS', 'maxRecvSpeed', 'maxFileSize', 'caFile', 'pinnedPublicKey', 'proxy',
  'userAgent', 'verifyTls', 'computeSha256', 'fetchBudgetFactor', 'fetchBudgetExtra',
  'urlRefreshStatuses', 'acceptTypes', 'diskReserve', 'preallocate', 'maxHostConnections',
  'connections', 'segmentMinSize',
  // Of this binding only (lib/session.js): not handed to the addon.
  'urlProvider',
  // Shared sessions (docs/background.md).
  'mode', 'attach', 'background', 'takeover', 'receiveEvents', 'hostCommand',
]);

const TASK_OPTIONS = new Set([
  'url', 'dest', 'destDir', 'fileId', 'displayName', 'thumbnailUrl', 'metadata', 'headers',
  'allowCellular', 'priority', 'expectedSize', 'checksum', 'maxRecvSpeed', 'conflict',
  'useContentDisposition', 'startPaused', 'group', 'mirrors', 'acceptTypes', 'minSize',
  'nameFromUrl', 'secretHeaders', 'connections',
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
function headerList(headers, what = 'options.headers') {
  if (headers === undefined || headers === null || Array.isArray(headers)) return headers;
  if (!isPlainObject(headers)) {
    throw invalid(`${what} must be an object of name: value pairs or an array of ` +
      '"Name: value" strings');
  }
  return Object.entries(headers).map(([name, value]) => {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw invalid(`${what}['${name}'] must be a string`);
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
  const { metadata, headers, secretHeaders, ...rest } = options;
  return {
    ...rest,
    headers: headerList(headers),
    secretHeaders: headerList(secretHeaders, 'options.secretHeaders'),
    userData: encodeMetadata(metadata),
  };
}

/**
 * The addon's session options from new Session(identifier, options) or
 * new Session(options): `attach: true` is `mode: 'attach'`, and
 * urlRefreshStatuses may be an array of statuses. Returns { native, urlProvider }:
 * the urlProvider function stays in JavaScript.
 */
function sessionOptions(identifierOrOptions, maybeOptions) {
  let options = identifierOrOptions;
  if (typeof identifierOrOptions === 'string') {
    if (maybeOptions !== undefined && !isPlainObject(maybeOptions)) {
      throw invalid('new Session(identifier, options): options must be an object');
    }
    if (maybeOptions?.identifier !== undefined) {
      throw invalid('new Session(identifier, options): options.identifier is the first argument');
    }
    options = { ...maybeOptions, identifier: identifierOrOptions };
  } else if (!isPlainObject(options)) {
    throw invalid('new Session(identifier, options): identifier must be a string, or options must be ' +
      'an object with an identifier');
  }
  checkNames(options, SESSION_OPTIONS, 'Session options');
  const { attach, urlRefreshStatuses, urlProvider, ...rest } = options;
  if (urlProvider !== undefined && urlProvider !== null && typeof urlProvider !== 'function') {
    throw invalid('options.urlProvider must be a function (task) => string');
  }
  if (urlProvider && rest.receiveEvents === false) {
    throw invalid('options.urlProvider needs events, and options.receiveEvents is false');
  }
  if (attach !== undefined) {
    if (typeof attach !== 'boolean') throw invalid('options.attach must be a boolean');
    if (rest.mode !== undefined) throw invalid("options.attach and options.mode cannot both be given");
    if (attach) rest.mode = 'attach';
  }
  if (Array.isArray(urlRefreshStatuses)) {
    if (!urlRefreshStatuses.every(Number.isInteger)) {
      throw invalid('options.urlRefreshStatuses must be an array of HTTP statuses (integers)');
    }
    rest.urlRefreshStatuses = urlRefreshStatuses.join(',');
  } else if (urlRefreshStatuses !== undefined) {
    throw invalid('options.urlRefreshStatuses must be an array of HTTP statuses, such as [401, 403, 410]');
  }
  return { native: rest, urlProvider: urlProvider ?? undefined };
}

/** Replaces the addon's userData bytes with the decoded metadata. */
function withMetadata(object) {
  const { userData, ...rest } = object;
  return { ...rest, metadata: decodeMetadata(userData) };
}

module.exports = {
  SESSION_OPTIONS, invalid, checkNames, headerList, taskOptions, sessionOptions, withMetadata,
};
