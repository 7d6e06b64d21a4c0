/**
 * Expected errors. Each carries a stable `code` that the GraphQL layer puts in
 * `extensions.code`; anything that is not an AppError is unexpected, masked and logged.
 */
export class AppError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that breaks a documented rule; `field` is the dotted path of the offending input field. */
export class ValidationError extends AppError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`, 'BAD_USER_INPUT', { field });
  }
}

const ID_ECHO_LENGTH = 40;

export class NotFoundError extends AppError {
  constructor(kind: string, id: string) {
    // Only a short prefix is echoed: an id is a UUID, anything longer is not one and need not travel back.
    const shown = id.length > ID_ECHO_LENGTH ? `${id.slice(0, ID_ECHO_LENGTH)}…` : id;
    super(`${kind} ${JSON.stringify(shown)} not found`, 'NOT_FOUND', { kind, id: shown });
  }
}

/** The request is valid but the current state forbids it (e.g. running an experiment that already runs). */
export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 'CONFLICT');
  }
}
