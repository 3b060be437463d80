/**
 * The error types every layer throws. Each one carries the exit code the CLI
 * entry maps it to, so that policy lives in one place (src/cli/main.ts) and the
 * layers only say what went wrong and where.
 */

/** Exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  outOfDate: 1,
  badInput: 2,
  registry: 3,
  verification: 4,
  /** readme-gen's own bug (BSD sysexits EX_SOFTWARE) */
  internal: 70,
  /** the machine could not store a file: disk full, quota, I/O error (BSD sysexits EX_IOERR) */
  storage: 74,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class ReadmeGenError extends Error {
  abstract readonly exitCode: ExitCode;
}

/** Flags, config, state, template or a local file that cannot be used as given. */
export class InputError extends ReadmeGenError {
  readonly exitCode = ExitCode.badInput;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InputError';
  }
}

/** A registry or the network failed us. */
export class RegistryError extends ReadmeGenError {
  readonly exitCode = ExitCode.registry;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryError';
  }
}

/** A remote (git push, ls-remote, fetch) or the GitHub API failed: exit 3, like a registry. */
export class RemoteError extends ReadmeGenError {
  readonly exitCode = ExitCode.registry;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RemoteError';
  }
}

/** A signature did not verify, or signing data could not be read as what it claims to be. */
export class VerificationError extends ReadmeGenError {
  readonly exitCode = ExitCode.verification;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VerificationError';
  }
}

/**
 * readme-gen broke a promise of its own — a built-in template rendered a
 * broken tags table, say. Not the user's input: a bug to report.
 */
export class InternalError extends ReadmeGenError {
  readonly exitCode = ExitCode.internal;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

/**
 * A file could not be stored for a reason that is the machine's, not the
 * input's (disk full, quota, an I/O error): retrying after freeing space
 * helps, fixing the config does not.
 */
export class StorageError extends ReadmeGenError {
  readonly exitCode = ExitCode.storage;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}
