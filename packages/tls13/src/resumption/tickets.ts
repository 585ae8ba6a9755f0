// Server side of stateless resumption: tickets are the session state sealed (AES-GCM) under a
// server ticket key, so the server stores nothing per client. The key rotates; the previous key
// is kept for decryption, so a ticket stays valid for at least one rotation period (ticket
// lifetimes are capped at that period). rustls' TicketRotator and Go's ticket keys work alike.
//
// Ticket = key id (4) ‖ nonce (12) ‖ AES-GCM(plaintext, aad = key id).

import type { Aead, AeadKey, Bytes, CryptoProvider } from "../crypto/provider.js";
import { Reader, Writer } from "../wire/bytes.js";
import { CipherSuite, type CipherSuiteName, nameOf } from "../wire/codepoints.js";

/** What a ticket carries: enough to rebuild the PSK and check its use. */
export interface TicketState {
  cipherSuite: CipherSuiteName;
  psk: Bytes;
  /** Date.now() at issue. */
  issuedAt: number;
  ageAdd: number;
  /** Seconds. */
  lifetime: number;
  maxEarlyData: number;
  alpnProtocol?: string;
  servername?: string;
}

interface TicketKey {
  id: number;
  key: AeadKey;
  createdAt: number;
}

const KEY_ID_LENGTH = 4;
const NONCE_LENGTH = 12;

export interface TicketKeysOptions {
  /** How often a new sealing key is made, ms (default 12 h; a ticket lives at most this long). */
  rotateEveryMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export class TicketKeys {
  readonly rotateEveryMs: number;
  private readonly aead: Aead;
  private current: TicketKey;
  private previous?: TicketKey;
  private nextId = 1;
  private readonly now: () => number;
  /** 0-RTT anti-replay for tickets sealed with these keys (servers sharing keys share it too). */
  readonly replayCache: ReplayCache;

  constructor(
    private readonly provider: CryptoProvider,
    options: TicketKeysOptions = {},
  ) {
    const aead = (provider.suites.TLS_AES_256_GCM_SHA384 ?? provider.suites.TLS_AES_128_GCM_SHA256)?.aead;
    if (!aead) throw new TypeError(`crypto provider "${provider.name}" has no AES-GCM for ticket keys`);
    this.aead = aead;
    this.rotateEveryMs = options.rotateEveryMs ?? 12 * 3600_000;
    this.now = options.now ?? Date.now;
    this.replayCache = new ReplayCache(this.now);
    this.current = this.makeKey();
  }

  private makeKey(): TicketKey {
    // A random high half and a counter low half: ids never repeat within a process.
    const r = this.provider.randomBytes(2);
    const id = (((r[0] << 24) | (r[1] << 16)) >>> 0) + (this.nextId++ & 0xffff);
    return { id, key: this.aead.init(this.provider.randomBytes(this.aead.keyLength)), createdAt: this.now() };
  }

  /** Starts a new sealing key; the current one is kept for opening only, the one before is dropped. */
  rotate(): void {
    this.previous = this.current;
    this.current = this.makeKey();
  }

  private maybeRotate(): void {
    if (this.now() - this.current.createdAt >= this.rotateEveryMs) this.rotate();
  }

  seal(state: TicketState): Bytes {
    this.maybeRotate();
    const w = new Writer(128);
    const text = new TextEncoder();
    w.u16(CipherSuite[state.cipherSuite]).vec8(state.psk);
    w.u32(Math.floor(state.issuedAt / 0x100000000)).u32(state.issuedAt >>> 0);
    w.u32(state.ageAdd >>> 0)
      .u32(state.lifetime)
      .u32(state.maxEarlyData);
    w.vec8(text.encode(state.alpnProtocol ?? "")).vec8(text.encode(state.servername ?? ""));
    const k = this.current;
    const id = new Uint8Array([k.id >>> 24, (k.id >>> 16) & 0xff, (k.id >>> 8) & 0xff, k.id & 0xff]);
    const nonce = this.provider.randomBytes(NONCE_LENGTH);
    const sealed = k.key.seal(nonce, w.finish(), id);
    const out = new Uint8Array(KEY_ID_LENGTH + NONCE_LENGTH + sealed.length);
    out.set(id);
    out.set(nonce, KEY_ID_LENGTH);
    out.set(sealed, KEY_ID_LENGTH + NONCE_LENGTH);
    return out;
  }

  /** The ticket's state, or undefined for a ticket we cannot open (forged, foreign or key rotated out). */
  open(ticket: Bytes): TicketState | undefined {
    this.maybeRotate();
    if (ticket.length < KEY_ID_LENGTH + NONCE_LENGTH + 16) return undefined;
    const id = ((ticket[0] << 24) | (ticket[1] << 16) | (ticket[2] << 8) | ticket[3]) >>> 0;
    const k = [this.current, this.previous].find((x) => x?.id === id);
    if (!k) return undefined;
    const plain = k.key.open(
      ticket.subarray(KEY_ID_LENGTH, KEY_ID_LENGTH + NONCE_LENGTH),
      ticket.subarray(KEY_ID_LENGTH + NONCE_LENGTH),
      ticket.subarray(0, KEY_ID_LENGTH),
    );
    if (!plain) return undefined;
    try {
      const r = new Reader(plain, "ticket");
      const suite = nameOf(CipherSuite, r.u16()) as CipherSuiteName | undefined;
      const psk = r.vec8(32).slice();
      const issuedAt = r.u32() * 0x100000000 + r.u32();
      const ageAdd = r.u32();
      const lifetime = r.u32();
      const maxEarlyData = r.u32();
      const text = new TextDecoder();
      const alpnProtocol = text.decode(r.vec8()) || undefined;
      const servername = text.decode(r.vec8()) || undefined;
      r.expectEnd();
      if (!suite) return undefined;
      return { cipherSuite: suite, psk, issuedAt, ageAdd, lifetime, maxEarlyData, alpnProtocol, servername };
    } catch {
      return undefined; // sealed by us, so only a bug gets here; treat as unknown
    }
  }
}

/**
 * 0-RTT anti-replay (RFC 8446 §8.1, "single-use tickets"): the identities of tickets whose early
 * data was accepted, remembered until the ticket expires. A ticket seen again gets its early data
 * rejected (the handshake still resumes: 1-RTT data is replay-safe).
 *
 * Entries are also filed by the second they expire in, so forgetting expired ones costs O(1) per
 * entry instead of a scan of the whole cache on every insert once it is full: whole seconds in the
 * past are dropped bucket by bucket, and only the current second's bucket is ever scanned (when the
 * cache is full and something in it has expired).
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  /** Second of expiry → the entries filed there, with the expiry they were filed with. */
  private readonly buckets = new Map<number, ExpiryBucket>();
  /** Every bucket before this second has been dropped. */
  private droppedBefore: number;

  constructor(
    private readonly now: () => number = Date.now,
    /** Entries kept at most; when full of unexpired ones, 0-RTT is refused (fails closed). */
    readonly capacity = 100_000,
  ) {
    this.droppedBefore = Math.floor(now() / 1000);
  }

  /** true the first time `identity` is presented before `expiresAt`; false for a replay (or when full). */
  firstUse(identity: Bytes, expiresAt: number): boolean {
    const t = this.now();
    this.dropPastSeconds(t);
    const key = Buffer.from(identity).toString("base64");
    const prev = this.seen.get(key);
    if (prev !== undefined && prev > t) return false;
    if (prev === undefined && this.seen.size >= this.capacity) {
      this.dropExpiredThisSecond(t);
      if (this.seen.size >= this.capacity) return false;
    }
    this.seen.set(key, expiresAt);
    const second = Math.floor(expiresAt / 1000);
    let bucket = this.buckets.get(second);
    if (!bucket) {
      bucket = { keys: [], expiries: [], earliest: expiresAt };
      this.buckets.set(second, bucket);
    }
    bucket.keys.push(key);
    bucket.expiries.push(expiresAt);
    if (expiresAt < bucket.earliest) bucket.earliest = expiresAt;
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  /** Forgets every entry filed under a second that has entirely passed. */
  private dropPastSeconds(t: number): void {
    const current = Math.floor(t / 1000);
    if (current <= this.droppedBefore) return;
    if (current - this.droppedBefore <= this.buckets.size) {
      for (let s = this.droppedBefore; s < current; s++) this.dropBucket(s, t);
    } else {
      // A long idle gap: fewer buckets than seconds to walk.
      for (const s of [...this.buckets.keys()]) if (s < current) this.dropBucket(s, t);
    }
    this.droppedBefore = current;
  }

  /** The cache is full: forget what expired within the current second, if anything has. */
  private dropExpiredThisSecond(t: number): void {
    const second = Math.floor(t / 1000);
    const bucket = this.buckets.get(second);
    if (!bucket || bucket.earliest > t) return;
    const kept: ExpiryBucket = { keys: [], expiries: [], earliest: Number.POSITIVE_INFINITY };
    for (let i = 0; i < bucket.keys.length; i++) {
      const key = bucket.keys[i];
      const expiry = bucket.expiries[i];
      if (this.seen.get(key) !== expiry) continue; // filed again since, elsewhere
      if (expiry <= t) {
        this.seen.delete(key);
        continue;
      }
      kept.keys.push(key);
      kept.expiries.push(expiry);
      if (expiry < kept.earliest) kept.earliest = expiry;
    }
    if (kept.keys.length) this.buckets.set(second, kept);
    else this.buckets.delete(second);
  }

  private dropBucket(second: number, t: number): void {
    const bucket = this.buckets.get(second);
    if (!bucket) return;
    this.buckets.delete(second);
    for (let i = 0; i < bucket.keys.length; i++) {
      const key = bucket.keys[i];
      const expiry = bucket.expiries[i];
      if (this.seen.get(key) === expiry && expiry <= t) this.seen.delete(key);
    }
  }
}

interface ExpiryBucket {
  keys: string[];
  expiries: number[];
  /** The earliest expiry among `keys`: nothing in the bucket has expired before then. */
  earliest: number;
}
