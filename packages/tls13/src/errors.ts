import { AlertDescription, alertName } from "./wire/codepoints.js";

/**
 * A fatal protocol error carrying the alert to send. Every layer (codecs, crypto, x509, state
 * machines) throws this; the socket turns it into an alert on the wire and closes. Go's crypto/tls
 * does the same with its alert-typed errors.
 */
export class TlsAlert extends Error {
  readonly alert: AlertDescription;
  /** true when the peer sent the alert, false when we raise it. */
  readonly remote: boolean;

  constructor(alert: AlertDescription, reason: string, options?: { remote?: boolean; cause?: unknown }) {
    super(
      `${alertName(alert)}: ${reason}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "TlsAlert";
    this.alert = alert;
    this.remote = options?.remote ?? false;
  }

  get alertName(): string {
    return alertName(this.alert);
  }
}

export function decodeError(reason: string): TlsAlert {
  return new TlsAlert(AlertDescription.decode_error, reason);
}

export function illegalParameter(reason: string): TlsAlert {
  return new TlsAlert(AlertDescription.illegal_parameter, reason);
}
