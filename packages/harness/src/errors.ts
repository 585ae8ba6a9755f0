// The harness's user-error type. Everything below the CLI (net/, run/) throws it for input a person
// can fix — a bad config value, a missing privilege, an unknown preset — and the CLI prints its
// message as one line and exits with `exitCode`. It lives here, not in cli/, so the layers point one
// way: cli/ imports the core, never the reverse.

/** An error meant for the user: printed as one line, exits with `exitCode`. */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = "UserError";
    this.exitCode = exitCode;
  }
}
