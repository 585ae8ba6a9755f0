// What a client keeps from a NewSessionTicket to resume later (RFC 8446 §4.6.1), and how it is
// handed to the application: like node:tls, a 'session' event carries an opaque Buffer that the
// `session` option of a later connect() takes back. The Buffer is a versioned binary encoding.

import type { CryptoProvider } from "../crypto/provider.js";
import { ticketPsk } from "../handshake/key_schedule.js";
import { Reader, Writer } from "../wire/bytes.js";
import { CipherSuite, type CipherSuiteName, nameOf } from "../wire/codepoints.js";
import type { NewSessionTicket } from "../wire/new_session_ticket.js";
import type { SessionBinding } from "./binding.js";

/** A session, with what binds it to the connection that received it (name, trust, verdict). */
export interface TlsSession extends SessionBinding {
  /** The cipher suite of the connection that issued the ticket; a resumption must use its hash. */
  cipherSuite: CipherSuiteName;
  /** The PSK: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce). */
  psk: Uint8Array;
  /** The opaque ticket (the PSK identity). */
  ticket: Uint8Array;
  ticketAgeAdd: number;
  /** ticket_lifetime in seconds (at most 7 days). */
  lifetime: number;
  /** Date.now() when the ticket arrived. */
  receivedAt: number;
  /** max_early_data_size from the ticket's early_data extension; 0 = no 0-RTT. */
  maxEarlyData: number;
  /** SNI of the original connection (sent again when the session is offered). */
  servername?: string;
  /** ALPN protocol of the original connection (0-RTT needs the same one). */
  alpnProtocol?: string;
}

/** 2: with the binding (name, trust, verdict); format-1 sessions carried no verdict. */
const FORMAT = 2;

export function encodeSession(s: TlsSession): Buffer {
  const w = new Writer(256 + s.ticket.length);
  const text = new TextEncoder();
  w.u8(FORMAT).u16(CipherSuite[s.cipherSuite]).vec8(s.psk).vec16(s.ticket);
  w.u32(s.ticketAgeAdd >>> 0)
    .u32(s.lifetime)
    .u32(s.maxEarlyData);
  // receivedAt in ms fits 48 bits: write high and low halves.
  w.u32(Math.floor(s.receivedAt / 0x100000000)).u32(s.receivedAt >>> 0);
  w.vec8(text.encode(s.servername ?? "")).vec8(text.encode(s.alpnProtocol ?? ""));
  w.vec16(text.encode(s.name ?? ""))
    .vec8(s.trust)
    .u8(s.authorized ? 1 : 0);
  w.vec16(text.encode(s.authorizationError ?? ""));
  const out = w.finish();
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Throws a TypeError for bytes that are not a session this library wrote. */
export function decodeSession(data: Uint8Array): TlsSession {
  try {
    const r = new Reader(data, "session");
    if (r.u8() !== FORMAT) throw new Error("unknown format");
    const suite = nameOf(CipherSuite, r.u16()) as CipherSuiteName | undefined;
    if (!suite) throw new Error("unknown cipher suite");
    const psk = r.vec8(32).slice();
    const ticket = r.vec16(1).slice();
    const ticketAgeAdd = r.u32();
    const lifetime = r.u32();
    const maxEarlyData = r.u32();
    const receivedAt = r.u32() * 0x100000000 + r.u32();
    const text = new TextDecoder();
    const servername = text.decode(r.vec8()) || undefined;
    const alpnProtocol = text.decode(r.vec8()) || undefined;
    const name = text.decode(r.vec16()) || undefined;
    const trust = r.vec8(32).slice();
    const authorized = r.u8() === 1;
    const authorizationError = text.decode(r.vec16()) || undefined;
    r.expectEnd();
    return {
      cipherSuite: suite,
      psk,
      ticket,
      ticketAgeAdd,
      lifetime,
      receivedAt,
      maxEarlyData,
      servername,
      alpnProtocol,
      name,
      trust,
      authorized,
      authorizationError,
    };
  } catch (e) {
    throw new TypeError(`session: not a session from @pqtls/tls13 (${(e as Error).message})`);
  }
}

/** Whether the ticket may still be offered at `now` (ms): RFC 8446 §4.6.1 lifetime. */
export function sessionUsable(s: TlsSession, now = Date.now()): boolean {
  return now - s.receivedAt < s.lifetime * 1000;
}

/**
 * An in-memory ticket store keyed by "host:port" (or any string): keeps the newest few tickets per
 * key and hands each out once, newest first, as RFC 8446 §C.4 advises (a ticket reused across
 * connections links them for an observer).
 *
 *   const store = new MemorySessionStore();
 *   const s = connect({ host, port, session: store.take(`${host}:${port}`) });
 *   s.on("session", (b) => store.add(`${host}:${port}`, b));
 */
export class MemorySessionStore {
  private readonly byKey = new Map<string, Buffer[]>();

  constructor(private readonly perKey = 4) {}

  add(key: string, session: Buffer): void {
    const list = this.byKey.get(key) ?? [];
    list.push(session);
    while (list.length > this.perKey) list.shift();
    this.byKey.set(key, list);
  }

  /** The newest usable session for key, removed from the store; undefined when none. */
  take(key: string, now = Date.now()): Buffer | undefined {
    const list = this.byKey.get(key);
    while (list?.length) {
      const b = list.pop()!;
      if (sessionUsable(decodeSession(b), now)) return b;
    }
    return undefined;
  }

  size(key: string): number {
    return this.byKey.get(key)?.length ?? 0;
  }
}

/** The session a NewSessionTicket stands for; undefined for lifetime 0 ("do not resume"). */
export function sessionFromTicket(
  t: NewSessionTicket,
  resumptionMasterSecret: Uint8Array,
  info: { cipherSuite?: string; servername?: string; alpnProtocol?: string },
  binding: SessionBinding,
  provider: CryptoProvider,
): TlsSession | undefined {
  const cipherSuite = info.cipherSuite as CipherSuiteName;
  const suite = provider.suites[cipherSuite];
  if (!suite || t.lifetime === 0) return undefined;
  return {
    cipherSuite,
    psk: ticketPsk(suite.hash, resumptionMasterSecret, t.nonce),
    ticket: t.ticket.slice(),
    ticketAgeAdd: t.ageAdd,
    lifetime: Math.min(t.lifetime, 604800),
    receivedAt: Date.now(),
    maxEarlyData: t.maxEarlyData ?? 0,
    servername: info.servername,
    alpnProtocol: info.alpnProtocol,
    ...binding,
  };
}
