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
  /**
   * node:tls's error code for the same refusal where one exists: the certificate verification codes
   * (`CERT_HAS_EXPIRED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`, …) that
   * node:tls puts on the error and on `authorizationError`. Set where the reason is known.
   */
  readonly code?: string;

  constructor(
    alert: AlertDescription,
    reason: string,
    options?: { remote?: boolean; cause?: unknown; code?: string },
  ) {
    super(
      `${alertName(alert)}: ${reason}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "TlsAlert";
    this.alert = alert;
    this.remote = options?.remote ?? false;
    if (options?.code !== undefined) this.code = options.code;
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
