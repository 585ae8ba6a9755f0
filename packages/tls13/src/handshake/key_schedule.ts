// The TLS 1.3 key schedule (RFC 8446 §7.1) as typed stages: EarlySecret → HandshakeSecret →
// MasterSecret. Each stage can only produce what the RFC derives from it, so a state machine cannot
// use a secret out of order. Traffic keys (§7.3), Finished (§4.4.4) and KeyUpdate (§7.2) helpers.

import { hkdfExpand, hkdfExtract } from "../crypto/hkdf.js";
import type { Aead, Bytes, Hash } from "../crypto/provider.js";

const LABEL_PREFIX = new TextEncoder().encode("tls13 ");

// The labels are a small fixed set: encode each once (about 50 expansions per handshake).
const LABEL_BYTES = new Map<string, Uint8Array>();
function labelBytesOf(label: string): Uint8Array {
  let bytes = LABEL_BYTES.get(label);
  if (!bytes) {
    bytes = new TextEncoder().encode(label);
    if (LABEL_BYTES.size < 64) LABEL_BYTES.set(label, bytes);
  }
  return bytes;
}

/** HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 §7.1). */
export function hkdfExpandLabel(
  hash: Hash,
  secret: Bytes,
  label: string,
  context: Bytes,
  length: number,
): Bytes {
  const labelBytes = labelBytesOf(label);
  const fullLabelLength = LABEL_PREFIX.length + labelBytes.length;
  const info = new Uint8Array(2 + 1 + fullLabelLength + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[2] = fullLabelLength;
  info.set(LABEL_PREFIX, 3);
  info.set(labelBytes, 3 + LABEL_PREFIX.length);
  info[3 + fullLabelLength] = context.length;
  info.set(context, 4 + fullLabelLength);
  return hkdfExpand(hash, secret, info, length);
}

/** Derive-Secret(Secret, Label, Messages) with the transcript hash already computed. */
export function deriveSecret(hash: Hash, secret: Bytes, label: string, transcriptHash: Bytes): Bytes {
  return hkdfExpandLabel(hash, secret, label, transcriptHash, hash.outputLength);
}

export function emptyHash(hash: Hash): Bytes {
  return hash.digest(new Uint8Array(0));
}

export class EarlySecret {
  readonly secret: Bytes;
  /** psk absent: the full handshake's zero PSK. */
  constructor(
    readonly hash: Hash,
    psk?: Bytes,
  ) {
    this.secret = hkdfExtract(
      hash,
      new Uint8Array(hash.outputLength),
      psk ?? new Uint8Array(hash.outputLength),
    );
  }

  binderKey(external: boolean): Bytes {
    return deriveSecret(this.hash, this.secret, external ? "ext binder" : "res binder", emptyHash(this.hash));
  }

  /** client_early_traffic_secret (0-RTT); transcriptHash: the ClientHello. */
  clientEarlyTrafficSecret(transcriptHash: Bytes): Bytes {
    return deriveSecret(this.hash, this.secret, "c e traffic", transcriptHash);
  }

  /** Extracts the (EC)DHE/KEM shared secret into the handshake secret. */
  handshakeSecret(sharedSecret: Bytes): HandshakeSecret {
    const salt = deriveSecret(this.hash, this.secret, "derived", emptyHash(this.hash));
    return new HandshakeSecret(this.hash, hkdfExtract(this.hash, salt, sharedSecret));
  }
}

export class HandshakeSecret {
  constructor(
    readonly hash: Hash,
    readonly secret: Bytes,
  ) {}

  /** transcriptHash: ClientHello..ServerHello. */
  clientTrafficSecret(transcriptHash: Bytes): Bytes {
    return deriveSecret(this.hash, this.secret, "c hs traffic", transcriptHash);
  }
  serverTrafficSecret(transcriptHash: Bytes): Bytes {
    return deriveSecret(this.hash, this.secret, "s hs traffic", transcriptHash);
  }

  masterSecret(): MasterSecret {
    const salt = deriveSecret(this.hash, this.secret, "derived", emptyHash(this.hash));
    return new MasterSecret(this.hash, hkdfExtract(this.hash, salt, new Uint8Array(this.hash.outputLength)));
  }
}

export class MasterSecret {
  constructor(
    readonly hash: Hash,
    readonly secret: Bytes,
  ) {}

  /** transcriptHash: ClientHello..server Finished. */
  clientTrafficSecret(transcriptHash: Bytes): Bytes {
    return deriveSecret(this.hash, this.secret, "c ap traffic", transcriptHash);
  }
  serverTrafficSecret(transcriptHash: Bytes): Bytes {
    return deriveSecret(this.hash, this.secret, "s ap traffic", transcriptHash);
  }
  exporterSecret(transcriptHash: Bytes): Bytes {
    return deriveSecret(this.hash, this.secret, "exp master", transcriptHash);
  }
  /** transcriptHash: ClientHello..client Finished. */
  resumptionSecret(transcriptHash: Bytes): Bytes {
    return deriveSecret(this.hash, this.secret, "res master", transcriptHash);
  }
}

export interface TrafficKeys {
  key: Bytes;
  iv: Bytes;
}

/** [sender]_write_key and [sender]_write_iv (RFC 8446 §7.3). */
export function trafficKeys(hash: Hash, aead: Aead, trafficSecret: Bytes): TrafficKeys {
  return {
    key: hkdfExpandLabel(hash, trafficSecret, "key", new Uint8Array(0), aead.keyLength),
    iv: hkdfExpandLabel(hash, trafficSecret, "iv", new Uint8Array(0), aead.nonceLength),
  };
}

/** verify_data = HMAC(finished_key, transcript hash) (RFC 8446 §4.4.4). */
export function finishedVerifyData(hash: Hash, baseKey: Bytes, transcriptHash: Bytes): Bytes {
  const finishedKey = hkdfExpandLabel(hash, baseKey, "finished", new Uint8Array(0), hash.outputLength);
  return hash.hmac(finishedKey, transcriptHash);
}

/** application_traffic_secret_N+1 (RFC 8446 §7.2). */
export function nextTrafficSecret(hash: Hash, secret: Bytes): Bytes {
  return hkdfExpandLabel(hash, secret, "traffic upd", new Uint8Array(0), hash.outputLength);
}

/** PSK for a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", nonce) (§4.6.1). */
export function ticketPsk(hash: Hash, resumptionSecret: Bytes, nonce: Bytes): Bytes {
  return hkdfExpandLabel(hash, resumptionSecret, "resumption", nonce, hash.outputLength);
}
