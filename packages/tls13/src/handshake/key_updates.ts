// When KeyUpdates (RFC 8446 §4.6.3) are answered, refused or sent on our own initiative: the
// received side bounds what a peer can make us do with them, the sending side keeps each traffic
// key under its AEAD's usage limit (RFC 8446 §5.5).

import type { AeadName } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import { AlertDescription } from "../wire/codepoints.js";

/**
 * KeyUpdates accepted in a row with no application data between them: BoringSSL's kMaxKeyUpdates.
 * Each one costs us a key derivation (and, if requested, a record); a peer that only rekeys is
 * spending our CPU, not moving data.
 */
export const MAX_KEY_UPDATES_WITHOUT_DATA = 32;

/**
 * Records sealed under one AES-GCM key before we rekey. RFC 8446 §5.5 and
 * draft-irtf-cfrg-aead-limits allow 2^24.5 full-size records for a 2^-57 margin; rekeying at 2^24
 * stays clear of it. ChaCha20-Poly1305's limit lies beyond the 64-bit sequence space, so it has none.
 */
export const AES_GCM_RECORDS_PER_KEY = 2 ** 24;

/** Default records per write key for an AEAD (Infinity: never rekey for usage). */
export function defaultRecordsPerKey(aead: AeadName): number {
  return aead === "CHACHA20_POLY1305" ? Number.POSITIVE_INFINITY : AES_GCM_RECORDS_PER_KEY;
}

/**
 * The receiving side's bookkeeping. Requests are coalesced: however many update_requested arrive
 * before we next send application data, one KeyUpdate answers them all (RFC 8446 §4.6.3 asks for
 * one before our next application data record; BoringSSL answers likewise).
 */
export class ReceivedKeyUpdates {
  private inARow = 0;
  /** A peer asked for an update that we have not sent yet. */
  owed = false;

  /** A KeyUpdate arrived. Throws unexpected_message past the run limit (BoringSSL's alert). */
  received(requested: boolean): void {
    if (++this.inARow > MAX_KEY_UPDATES_WITHOUT_DATA)
      throw new TlsAlert(
        AlertDescription.unexpected_message,
        `more than ${MAX_KEY_UPDATES_WITHOUT_DATA} KeyUpdates without application data`,
      );
    if (requested) this.owed = true;
  }

  /** Application data (non-empty) arrived: the run of KeyUpdates is over. */
  applicationData(): void {
    this.inARow = 0;
  }
}
