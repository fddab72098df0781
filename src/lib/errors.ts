// The vendor error codes sms-mock answers with, as data: one table, one error class, one renderer.

/**
 * SMS answers `{error_code, error_msg}`; the API gateway in front of it adds `request_id`. The mock's own API
 * (`/_mock`) answers in the same shape with MOCK codes.
 */
export type ErrorSource = 'SMS' | 'APIGW' | 'MOCK';

export interface ErrorDefinition {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly source: ErrorSource;
}

/**
 * Every error the mock can answer with. Codes marked "chosen" are not named by any public page (the real service's
 * code for them is unknown); they are stable here so tests can match on them.
 */
export const ERRORS = {
  /** A body, path or header value fails the documented schema. Chosen. */
  invalidParameter: { status: 400, code: 'SMS.2001', message: 'Invalid request parameter', source: 'SMS' },
  /** The body is not valid JSON (or holds a forbidden `__proto__`/`constructor` key). Chosen, like invalidParameter. */
  malformedBody: { status: 400, code: 'SMS.2001', message: 'Request body is not valid JSON', source: 'SMS' },
  /** A body was sent without a Content-Type header. */
  contentTypeMissing: { status: 400, code: 'SMS.2005', message: 'Content-Type is missing', source: 'SMS' },
  /** A body was sent with a Content-Type other than application/json. */
  contentTypeInvalid: {
    status: 400,
    code: 'SMS.2006',
    message: 'Content-Type must be application/json',
    source: 'SMS',
  },
  /** No task with that id. Chosen. */
  taskNotFound: { status: 404, code: 'SMS.2003', message: 'The migration task does not exist', source: 'SMS' },
  /** No source server with that id. Chosen. */
  sourceNotFound: { status: 404, code: 'SMS.2004', message: 'The source server does not exist', source: 'SMS' },
  /** CreateTask names a source server that is not registered (the v1 error table's code). */
  createTaskSourceMissing: {
    status: 400,
    code: 'SMS.2216',
    message: 'Failed to create the migration task: the source server does not exist',
    source: 'SMS',
  },
  /** CreateTask for a source server that already has a task (the code field reports give). */
  taskExistsForSource: {
    status: 400,
    code: 'SMS.7605',
    message: 'A migration task already exists for this source server',
    source: 'SMS',
  },
  /** CreateTask of a file-level migration for a Windows server (the code field reports give). */
  taskTypeMismatch: {
    status: 400,
    code: 'SMS.6610',
    message: 'The task type does not match the OS type: Windows servers migrate block-level only',
    source: 'SMS',
  },
  /** stop on a task that is neither running nor syncing (the v1 error table's code). */
  pauseNotAllowed: {
    status: 400,
    code: 'SMS.1038',
    message: 'Only the tasks that are created or monitored can be paused',
    source: 'SMS',
  },
  /** start on a task that is neither ready, paused, failed to migrate nor finished (the v1 error table's code). */
  resumeNotAllowed: { status: 400, code: 'SMS.1039', message: 'Only paused tasks can be resumed', source: 'SMS' },
  /** restart on a task that has not failed to migrate (the v1 error table's code). */
  restartNotAllowed: {
    status: 400,
    code: 'SMS.1040',
    message: 'Only migration tasks that fail to be created or migrated can be restarted',
    source: 'SMS',
  },
  /** test or cutover outside continuous sync. Chosen. */
  launchNotAllowed: {
    status: 400,
    code: 'SMS.1041',
    message: 'The target server can be launched only while the task is in continuous sync',
    source: 'SMS',
  },
  /** clone_test outside continuous sync. Chosen. */
  cloneNotAllowed: {
    status: 400,
    code: 'SMS.1042',
    message: 'The target server can be cloned only while the task is in continuous sync',
    source: 'SMS',
  },
  /** Any other task action the task's state does not allow. Chosen. */
  operationNotAllowed: {
    status: 400,
    code: 'SMS.1043',
    message: "The task's state does not allow this operation",
    source: 'SMS',
  },
  /** Deleting a running or syncing task, or one in a transient state (the v1 error table's code). */
  deleteTaskNotAllowed: {
    status: 400,
    code: 'SMS.2015',
    message: 'Running, syncing and stopping tasks cannot be deleted',
    source: 'SMS',
  },
  /** Deleting a source server that a task holds. Chosen. */
  sourceHasTask: {
    status: 400,
    code: 'SMS.2253',
    message: 'The source server has a migration task: delete the task first',
    source: 'SMS',
  },
  /** The caller lacks permission (the 403 the doc pages show). */
  forbidden: {
    status: 403,
    code: 'SMS.9004',
    message: 'The current account does not have the permission',
    source: 'SMS',
  },
  /** Anything unexpected inside the server. The detail is logged, never sent. */
  internal: { status: 500, code: 'SMS.2007', message: 'Background exception', source: 'SMS' },
  /** Neither X-Auth-Token nor an SDK-HMAC-SHA256 signature, or a signature that does not verify. */
  unauthorized: {
    status: 401,
    code: 'APIGW.0301',
    message: 'Incorrect IAM authentication information',
    source: 'APIGW',
  },
  /** No API at that path and method. */
  routeNotFound: {
    status: 404,
    code: 'APIGW.0101',
    message: 'The API does not exist or has not been published in the environment',
    source: 'APIGW',
  },
  /** Body larger than the gateway accepts. */
  bodyTooLarge: { status: 413, code: 'APIGW.0201', message: 'Request entity too large', source: 'APIGW' },
  /** A request the gateway cannot read at all. */
  badRequest: { status: 400, code: 'APIGW.0201', message: 'Bad request', source: 'APIGW' },
  /** A request that arrives while the server shuts down (the gateway's code for a backend it cannot reach). */
  shuttingDown: { status: 503, code: 'APIGW.0201', message: 'Backend unavailable', source: 'APIGW' },
  /** `/_mock/requests/wait` ran out of time. */
  waitTimeout: { status: 408, code: 'MOCK.0408', message: 'Timed out waiting for requests', source: 'MOCK' },
  /** A pending `/_mock/requests/wait` answered early: the same outcome for its client as running out of time. */
  waitClosing: {
    status: 408,
    code: 'MOCK.0408',
    message: 'Stopped waiting for requests, the server is closing',
    source: 'MOCK',
  },
  /** `/_mock/requests/wait` while as many waits as the journal allows are pending. */
  tooManyWaits: { status: 429, code: 'MOCK.0429', message: 'Too many pending waits', source: 'MOCK' },
  /** The dashboard's event streams open at once are bounded. */
  tooManyStreams: { status: 429, code: 'MOCK.0429', message: 'Too many dashboard event streams', source: 'MOCK' },
  /** `/_mock/faults/{id}` names no rule. */
  faultNotFound: { status: 404, code: 'MOCK.0404', message: 'No fault rule with that id', source: 'MOCK' },
  /**
   * The mock's own database refuses writes (disk full, file read-only, deleted or replaced): a fault of the mock's
   * environment, not an answer the real service gives. The detail says what happened.
   */
  storeUnavailable: {
    status: 503,
    code: 'MOCK.0503',
    message: "The mock's database cannot be written",
    source: 'MOCK',
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorName = keyof typeof ERRORS;

/** Thrown by domain code; the error handler renders it in the vendor's shape. */
export class ApiError extends Error {
  readonly definition: ErrorDefinition;
  readonly detail: string | undefined;
  /** Fields added to the error body (only the mock's own API uses them). */
  readonly extra: Readonly<Record<string, unknown>> | undefined;
  /** Headers the answer carries (a fault's Retry-After). */
  headers: Readonly<Record<string, string>> | undefined;

  constructor(name: ErrorName | ErrorDefinition, detail?: string, extra?: Readonly<Record<string, unknown>>) {
    const definition: ErrorDefinition = typeof name === 'string' ? ERRORS[name] : name;
    super(detail ? `${definition.message}: ${detail}` : definition.message);
    this.name = 'ApiError';
    this.definition = definition;
    this.detail = detail;
    this.extra = extra;
  }

  /** An error defined outside the table (a fault rule's), answered with exactly this message and these headers. */
  static of(definition: ErrorDefinition, message: string, headers?: Readonly<Record<string, string>>): ApiError {
    const error = new ApiError(definition);
    error.message = message;
    error.headers = headers;
    return error;
  }

  get statusCode(): number {
    return this.definition.status;
  }
}

export interface ErrorBody {
  error_code: string;
  error_msg: string;
  request_id?: string;
  [extra: string]: unknown;
}

/**
 * The wire body of an error, gateway errors carrying the request id as the real gateway does, and any `extra` fields
 * the error brings (only the mock's own API adds any).
 */
export function errorBody(
  definition: ErrorDefinition,
  message: string,
  requestId: string,
  extra?: Readonly<Record<string, unknown>>,
): ErrorBody {
  const body: ErrorBody = { error_code: definition.code, error_msg: message };
  if (definition.source === 'APIGW') body.request_id = requestId;
  return extra ? Object.assign(body, extra) : body;
}
