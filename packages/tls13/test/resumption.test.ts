// Session resumption and 0-RTT between our client and our server (in memory): tickets, PSK offers
// with binders, psk_dhe_ke (hybrid share kept) and psk_ke, early data accepted / rejected /
// replayed, and the fallbacks: stale, forged and foreign tickets → full handshake; bad binder →
// decrypt_error.

import { describe, expect, it } from "vitest";
import {
  accept,
  connect,
  decodeSession,
  encodeSession,
  MemorySessionStore,
  nobleProvider,
  ReplayCache,
  TicketKeys,
  type TlsAlert,
  type TlsSession,
  type TlsSocket,
} from "../src/index.js";
import type { ClientOptions, ServerOptions } from "../src/options.js";
import { failing } from "./handshake-helpers.js";
import { duplexPair, once, testChain } from "./helpers.js";

const chain = testChain("ecdsa-p256");

function serverOptions(extra: Partial<ServerOptions> = {}): ServerOptions {
  return { cert: chain.chain, key: chain.leafKey, provider: nobleProvider, ...extra };
}
function clientOptions(extra: Partial<ClientOptions> = {}): ClientOptions {
  return { ca: chain.root, servername: "localhost", provider: nobleProvider, ...extra };
}

interface Outcome {
  c: TlsSocket;
  s: TlsSocket;
  /** Sessions the client got (one per NewSessionTicket). */
  sessions: Buffer[];
  /** What the server read before and after its handshake completed. */
  serverData: () => string;
}

/** Connects in memory; waits until both sides are secure and `tickets` sessions arrived. */
async function run(client: ClientOptions, server: ServerOptions, tickets = 2): Promise<Outcome> {
  const [a, b] = duplexPair();
  const s = accept(b, server);
  const chunks: Buffer[] = [];
  s.on("data", (d: Buffer) => chunks.push(d));
  const c = connect({ ...client, socket: a });
  const sessions: Buffer[] = [];
  const gotTickets = new Promise<void>((resolve) => {
    if (tickets === 0) resolve();
    c.on("session", (b: Buffer) => {
      sessions.push(b);
      if (sessions.length === tickets) resolve();
    });
  });
  await Promise.all([once(c, "secureConnect"), once(s, "secure"), withTimeout(gotTickets)]);
  return { c, s, sessions, serverData: () => Buffer.concat(chunks).toString() };
}

function withTimeout<T>(p: Promise<T>, ms = 10_000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error("timeout")), ms))]);
}

/** Waits until `get()` holds, polling (bounded). */
async function until(get: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!get()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("session resumption", () => {
  it("issues two tickets by default and resumes with psk_dhe_ke over the hybrid group, without a certificate", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const full = await run(clientOptions(), serverOptions({ ticketKeys }));
    expect(full.c.resumed).toBe(false);
    expect(full.sessions).toHaveLength(2);
    expect(full.c.sessionTicketsReceived).toBe(2);
    const s0 = decodeSession(full.sessions[0]);
    expect(s0.cipherSuite).toBe("TLS_AES_128_GCM_SHA256");
    expect(s0.lifetime).toBe(7200);
    expect(s0.maxEarlyData).toBe(0);
    expect(encodeSession(s0).equals(full.sessions[0])).toBe(true);

    const resumed = await run(clientOptions({ session: full.sessions[0] }), serverOptions({ ticketKeys }));
    for (const sock of [resumed.c, resumed.s]) {
      expect(sock.resumed).toBe(true);
      expect(sock.pskMode).toBe("psk_dhe_ke");
      expect(sock.group).toBe("X25519MLKEM768");
    }
    expect(resumed.c.authorized).toBe(true);
    const certSent = (sock: TlsSocket) => sock.timings.messages.some((m) => m.type === "certificate");
    expect(certSent(resumed.s)).toBe(false);
    expect(certSent(full.s)).toBe(true);
    // No chain, no CertificateVerify: the server's handshake bytes shrink to a fraction (tickets included).
    expect(resumed.c.handshakeBytes.received).toBeLessThan(full.c.handshakeBytes.received - 500);
    // The resumed connection issues fresh tickets, and data flows.
    expect(resumed.sessions).toHaveLength(2);
    resumed.c.write("ping");
    await until(() => resumed.serverData() === "ping");
  });

  it("getSession() without a 'session' listener: the latest ticket's session, dated when it arrived", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const [a, b] = duplexPair();
    accept(b, serverOptions({ ticketKeys }));
    const c = connect({ ...clientOptions(), socket: a });
    await once(c, "secureConnect");
    await until(() => c.sessionTicketsReceived === 2);
    const arrived = Date.now();
    await new Promise((r) => setTimeout(r, 60));
    const bytes = c.getSession();
    expect(bytes).toBeInstanceOf(Buffer);
    const session = decodeSession(bytes!);
    // Its age runs from the ticket's arrival (the obfuscated age the server checks), not from the ask.
    expect(session.receivedAt).toBeLessThanOrEqual(arrived);
    expect(c.getSession()!.equals(bytes!)).toBe(true);
    const resumed = await run(clientOptions({ session: bytes }), serverOptions({ ticketKeys }));
    expect(resumed.c.resumed).toBe(true);
    expect(resumed.c.authorized).toBe(true);
    // With a listener, getSession() is the last session emitted.
    expect(resumed.c.getSession()!.equals(resumed.sessions[1])).toBe(true);
  });

  it("resumes with psk_ke (no key exchange) when both sides allow only that", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const full = await run(clientOptions(), serverOptions({ ticketKeys }));
    const r = await run(
      clientOptions({ session: full.sessions[1], pskModes: ["psk_ke"] }),
      serverOptions({ ticketKeys, pskModes: ["psk_ke"] }),
    );
    expect(r.c.resumed).toBe(true);
    expect(r.c.pskMode).toBe("psk_ke");
    expect(r.s.pskMode).toBe("psk_ke");
    expect(r.s.group).toBeUndefined();
  });

  it("server: psk_ke (no forward secrecy) only when opted in; psk_dhe_ke by default", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const full = await run(clientOptions(), serverOptions({ ticketKeys }));
    const pskKeClient = clientOptions({ session: full.sessions[0], pskModes: ["psk_ke"] });
    const byDefault = await run(pskKeClient, serverOptions({ ticketKeys }));
    expect(byDefault.c.resumed).toBe(false); // a full handshake with a fresh key exchange
    expect(byDefault.s.group).toBe("X25519MLKEM768");
    const optedIn = await run(
      clientOptions({ session: full.sessions[1], pskModes: ["psk_ke"] }),
      serverOptions({ ticketKeys, pskModes: ["psk_dhe_ke", "psk_ke"] }),
    );
    expect(optedIn.s.pskMode).toBe("psk_ke");
  });

  it("answers a psk_ke-only ClientHello without key_share whose ticket is unusable with handshake_failure", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const good = decodeSession((await run(clientOptions(), serverOptions({ ticketKeys }))).sessions[0]);
    // No supported_groups (10) and no key_share (51): only a psk_ke resumption can go on.
    const noKeyShare = {
      onSend(m: { type: string; body: Uint8Array }) {
        if (m.type !== "client_hello") return;
        return reorderExtensions(m.body, (types) => types.filter((t) => t !== 10 && t !== 51));
      },
    };
    const pskKeServer = serverOptions({ ticketKeys, pskModes: ["psk_ke"] });
    const ok = await run(
      clientOptions({ session: good, pskModes: ["psk_ke"], hooks: noKeyShare }),
      pskKeServer,
    );
    expect(ok.s.pskMode).toBe("psk_ke");

    const forgedTicket = good.ticket.slice();
    forgedTicket[forgedTicket.length - 1] ^= 1;
    const forged = { ...good, ticket: forgedTicket };
    for (const server of [pskKeServer, serverOptions({ ticketKeys })]) {
      const { client, server: s } = await failing(
        clientOptions({ session: forged, pskModes: ["psk_ke"], hooks: noKeyShare }),
        server,
      );
      expect(s.alertName).toBe("handshake_failure");
      expect(s.message).toContain("no key_share");
      expect(client.alertName).toBe("handshake_failure");
    }
  });

  it("honours the ticket count, including 0 (no tickets)", async () => {
    const three = await run(clientOptions(), serverOptions({ tickets: 3 }), 3);
    expect(three.sessions).toHaveLength(3);
    const none = await run(clientOptions(), serverOptions({ tickets: 0 }), 0);
    await new Promise((r) => setTimeout(r, 50));
    expect(none.c.sessionTicketsReceived).toBe(0);
  });

  it("falls back to a full handshake for a forged, a foreign-key, a rotated-out and an expired ticket", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const full = await run(clientOptions(), serverOptions({ ticketKeys }));
    const good = decodeSession(full.sessions[0]);

    const forgedTicket = good.ticket.slice();
    forgedTicket[forgedTicket.length - 1] ^= 1;
    const forged = await run(
      clientOptions({ session: { ...good, ticket: forgedTicket } }),
      serverOptions({ ticketKeys }),
    );
    expect(forged.c.resumed).toBe(false);
    expect(forged.c.authorized).toBe(true); // verified the chain instead

    const foreign = await run(
      clientOptions({ session: good }),
      serverOptions({ ticketKeys: new TicketKeys(nobleProvider) }),
    );
    expect(foreign.c.resumed).toBe(false);

    // One rotation keeps the ticket (previous key still opens it); a second drops it.
    const rotating = new TicketKeys(nobleProvider);
    const t = decodeSession(
      (await run(clientOptions(), serverOptions({ ticketKeys: rotating }))).sessions[0],
    );
    rotating.rotate();
    expect(
      (await run(clientOptions({ session: t }), serverOptions({ ticketKeys: rotating }))).c.resumed,
    ).toBe(true);
    rotating.rotate();
    expect(
      (await run(clientOptions({ session: t }), serverOptions({ ticketKeys: rotating }))).c.resumed,
    ).toBe(false);

    // Stale on the server's clock: issued "3 hours ago" with a 2 h lifetime. The client thinks it
    // is fresh (its own receivedAt is now), so only the server's check stops it.
    let now = Date.now();
    const clocked = new TicketKeys(nobleProvider, { now: () => now });
    const realNow = Date.now;
    Date.now = () => now;
    let stale: TlsSocket;
    try {
      now = realNow() - 3 * 3600_000;
      const old = decodeSession(
        (await run(clientOptions(), serverOptions({ ticketKeys: clocked }))).sessions[0],
      );
      now = realNow();
      stale = (
        await run(
          clientOptions({ session: { ...old, receivedAt: now } }),
          serverOptions({ ticketKeys: clocked }),
        )
      ).c;
    } finally {
      Date.now = realNow;
    }
    expect(stale.resumed).toBe(false);
  });

  it("does not offer an expired session or one for another server name", async () => {
    const full = await run(clientOptions(), serverOptions());
    const s = decodeSession(full.sessions[0]);
    const sent: number[][] = [];
    const hooks = {
      onSend(m: { type: string; body: Uint8Array }) {
        if (m.type === "client_hello")
          reorderExtensions(m.body, (types) => {
            sent.push(types);
            return types;
          });
      },
    };
    const expired = await run(
      clientOptions({ session: { ...s, receivedAt: Date.now() - 7201_000 }, hooks }),
      serverOptions(),
    );
    expect(expired.c.resumed).toBe(false);
    const other = await run(
      clientOptions({ session: { ...s, servername: "server.test" }, hooks }),
      serverOptions(),
    );
    expect(other.c.resumed).toBe(false);
    // Neither ClientHello carried pre_shared_key (41) or psk_key_exchange_modes (45); a usable one does.
    expect(sent).toHaveLength(2);
    for (const types of sent) expect(types.filter((t) => t === 41 || t === 45)).toEqual([]);
    await run(clientOptions({ session: s, hooks }), serverOptions());
    expect(sent[2].slice(-2)).toEqual([45, 41]);
  });

  it("never resumes an unverified connection's session as authorized; its sessions are opt-in", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    // The chain is valid for localhost and server.test, not for wrong.example.
    const unverified = clientOptions({ servername: "wrong.example", rejectUnauthorized: false });
    const plain = await run(unverified, serverOptions({ ticketKeys }), 0);
    expect(plain.c.authorized).toBe(false);
    const emitted: Buffer[] = [];
    plain.c.on("session", (b: Buffer) => emitted.push(b));
    await until(() => plain.c.sessionTicketsReceived === 2);
    expect(emitted).toEqual([]); // tickets arrived, no session was handed out

    const optIn = { ...unverified, allowUnauthorizedSessions: true };
    const full = await run(optIn, serverOptions({ ticketKeys }));
    const stored = decodeSession(full.sessions[0]);
    expect(stored.authorized).toBe(false);
    expect(stored.authorizationError).toBe(full.c.authorizationError);
    expect(stored.authorizationError).toBeTruthy();

    // Reused with default options: not offered, so the full handshake refuses the chain.
    const strict = await withTimeout(
      failing(
        clientOptions({ servername: "wrong.example", session: full.sessions[0] }),
        serverOptions({ ticketKeys }),
      ),
    );
    expect(strict.client.remote).toBe(false);
    // Without the opt-in it is not offered either (a full, unauthorized handshake).
    const noOptIn = await run({ ...unverified, session: full.sessions[0] }, serverOptions({ ticketKeys }), 0);
    expect(noOptIn.c.resumed).toBe(false);
    // With it, the resumption reports the stored verdict.
    const resumed = await run({ ...optIn, session: full.sessions[1] }, serverOptions({ ticketKeys }), 0);
    expect(resumed.c.resumed).toBe(true);
    expect(resumed.c.authorized).toBe(false);
    expect(resumed.c.authorizationError).toBe(stored.authorizationError);
  });

  it("offers a session only for the host it came from (IP hosts too) and the same trust anchors", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    // The chain has an IP SAN for 127.0.0.1 only; no servername, so the host is the name.
    const byIp = (host: string, extra: Partial<ClientOptions> = {}) =>
      clientOptions({ servername: undefined, host, ...extra });
    const full = await run(byIp("127.0.0.1"), serverOptions({ ticketKeys }));
    expect(decodeSession(full.sessions[0]).name).toBe("127.0.0.1");
    const other = await withTimeout(
      failing(byIp("127.0.0.2", { session: full.sessions[0] }), serverOptions({ ticketKeys })),
    );
    expect(other.client.message).toMatch(/127\.0\.0\.2/); // the full handshake checked the chain
    const same = await run(
      byIp("127.0.0.1", { session: full.sessions[0] }),
      serverOptions({ ticketKeys }),
      0,
    );
    expect(same.c.resumed).toBe(true);
    expect(same.c.authorized).toBe(true);

    // Another set of trust anchors (here: one more root) judged nothing yet: full handshake.
    const otherRoot = testChain("ed25519").root;
    const moreAnchors = await run(
      byIp("127.0.0.1", { session: full.sessions[1], ca: [chain.root, otherRoot] }),
      serverOptions({ ticketKeys }),
      0,
    );
    expect(moreAnchors.c.resumed).toBe(false);
    expect(moreAnchors.c.authorized).toBe(true);
    // A hand-built session without a trust identity is not offered (and does not break the handshake).
    const { trust: _, ...untrusted } = decodeSession(full.sessions[1]);
    const handBuilt = await run(
      byIp("127.0.0.1", { session: untrusted as TlsSession }),
      serverOptions({ ticketKeys }),
      0,
    );
    expect(handBuilt.c.resumed).toBe(false);
  });

  it("answers a bad binder with decrypt_error", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const full = await run(clientOptions(), serverOptions({ ticketKeys }));
    const good = decodeSession(full.sessions[0]);
    const wrongPsk = good.psk.slice();
    wrongPsk[0] ^= 0xff;
    const { client, server } = await failing(
      clientOptions({ session: { ...good, psk: wrongPsk } }),
      serverOptions({ ticketKeys }),
    );
    expect(server.alertName).toBe("decrypt_error");
    expect(server.message).toContain("binder");
    expect(client.alertName).toBe("decrypt_error");
    expect(client.remote).toBe(true);
  });

  it("aborts a ClientHello whose pre_shared_key is not last, or lacks psk_key_exchange_modes", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const full = await run(clientOptions(), serverOptions({ ticketKeys }));
    const session = full.sessions[0];
    const moveKeyShareLast = {
      onSend(m: { type: string; body: Uint8Array }) {
        if (m.type !== "client_hello") return;
        return reorderExtensions(m.body, (types) => [...types.filter((t) => t !== 51), 51]);
      },
    };
    const notLast = await failing(
      clientOptions({ session, hooks: moveKeyShareLast }),
      serverOptions({ ticketKeys }),
    );
    expect(notLast.server.alertName).toBe("illegal_parameter");
    const dropModes = {
      onSend(m: { type: string; body: Uint8Array }) {
        if (m.type !== "client_hello") return;
        return reorderExtensions(m.body, (types) => types.filter((t) => t !== 45));
      },
    };
    const noModes = await failing(
      clientOptions({ session, hooks: dropModes }),
      serverOptions({ ticketKeys }),
    );
    expect(noModes.server.alertName).toBe("missing_extension");
  });

  it("keeps sessions in a MemorySessionStore, newest first, each handed out once", async () => {
    const store = new MemorySessionStore();
    const full = await run(clientOptions(), serverOptions());
    for (const s of full.sessions) store.add("localhost:443", s);
    expect(store.size("localhost:443")).toBe(2);
    expect(store.take("localhost:443")).toBe(full.sessions[1]);
    expect(store.take("localhost:443")).toBe(full.sessions[0]);
    expect(store.take("localhost:443")).toBeUndefined();
    expect(() => decodeSession(Buffer.from("nonsense"))).toThrow(/not a session/);
  });
});

describe("ticket keys and the replay cache", () => {
  it("rotate on their own clock; the previous key still opens, the one before does not", () => {
    let now = 1_000_000;
    const keys = new TicketKeys(nobleProvider, { rotateEveryMs: 1000, now: () => now });
    const state = {
      cipherSuite: "TLS_AES_128_GCM_SHA256" as const,
      psk: new Uint8Array(32).fill(7),
      issuedAt: now,
      ageAdd: 5,
      lifetime: 1,
      maxEarlyData: 0,
    };
    const t1 = keys.seal(state);
    expect(keys.open(t1)).toMatchObject({ ageAdd: 5, lifetime: 1, cipherSuite: "TLS_AES_128_GCM_SHA256" });
    now += 1000;
    const t2 = keys.seal(state); // sealed under a new key
    expect(t2.subarray(0, 4)).not.toEqual(t1.subarray(0, 4));
    expect(keys.open(t1)?.psk).toEqual(state.psk);
    now += 1000;
    keys.open(t2); // triggers the next rotation
    expect(keys.open(t1)).toBeUndefined();
    expect(keys.open(t2)).toBeDefined();
    const tampered = t2.slice();
    tampered[10] ^= 1;
    expect(keys.open(tampered)).toBeUndefined();
    expect(new TicketKeys(nobleProvider).open(new Uint8Array(10))).toBeUndefined();
  });

  it("a replay cache admits an identity once until it expires, and refuses 0-RTT when full", () => {
    let now = 0;
    const cache = new ReplayCache(() => now, 2);
    const id = (n: number) => Uint8Array.of(n);
    expect(cache.firstUse(id(1), 100)).toBe(true);
    expect(cache.firstUse(id(1), 100)).toBe(false);
    expect(cache.firstUse(id(2), 50)).toBe(true);
    expect(cache.firstUse(id(3), 100)).toBe(false); // full of live entries: fail closed
    now = 60; // id(2) expired: room again
    expect(cache.firstUse(id(3), 100)).toBe(true);
    now = 100;
    expect(cache.firstUse(id(1), 200)).toBe(true); // the ticket itself has expired by now
  });
});

describe("0-RTT early data", () => {
  async function ticketWithEarlyData(ticketKeys: TicketKeys, maxEarlyData = 16384): Promise<Buffer[]> {
    return (await run(clientOptions(), serverOptions({ ticketKeys, maxEarlyData }))).sessions;
  }

  it("sends early data that the server reads before the handshake completes; EndOfEarlyData follows", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const [session] = await ticketWithEarlyData(ticketKeys);
    expect(decodeSession(session).maxEarlyData).toBe(16384);
    const r = await run(
      clientOptions({ session, earlyData: "GET / HTTP/1.0\r\n\r\n" }),
      serverOptions({ ticketKeys, maxEarlyData: 16384 }),
    );
    expect(r.c.earlyDataAccepted).toBe(true);
    expect(r.s.earlyDataAccepted).toBe(true);
    expect(r.s.earlyDataReceived).toBe(18);
    await until(() => r.serverData() === "GET / HTTP/1.0\r\n\r\n"); // exactly once
    expect(r.c.timings.messages.filter((m) => m.direction === "sent").map((m) => m.type)).toEqual([
      "client_hello",
      "end_of_early_data",
      "finished",
    ]);
    r.c.write("more");
    await until(() => r.serverData().endsWith("more"));
  });

  it("rejects a replayed 0-RTT ticket's early data (single use) but still resumes; the client re-sends", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const [session] = await ticketWithEarlyData(ticketKeys);
    const first = await run(
      clientOptions({ session, earlyData: "once" }),
      serverOptions({ ticketKeys, maxEarlyData: 16384 }),
    );
    expect(first.s.earlyDataAccepted).toBe(true);
    const replay = await run(
      clientOptions({ session, earlyData: "twice" }),
      serverOptions({ ticketKeys, maxEarlyData: 16384 }),
    );
    expect(replay.c.resumed).toBe(true);
    expect(replay.c.earlyDataAccepted).toBe(false);
    expect(replay.s.earlyDataReceived).toBe(0);
    // retryEarlyData (default): the data arrives after the handshake instead.
    await until(() => replay.serverData() === "twice");
    const noRetry = await run(
      clientOptions({ session, earlyData: "thrice", retryEarlyData: false }),
      serverOptions({ ticketKeys, maxEarlyData: 16384 }),
    );
    expect(noRetry.c.earlyDataAccepted).toBe(false);
    noRetry.c.write("after");
    await until(() => noRetry.serverData() === "after");
  });

  it("skips early data when the server has 0-RTT off or answers with HelloRetryRequest, then completes", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const sessions = await ticketWithEarlyData(ticketKeys);
    const off = await run(
      clientOptions({ session: sessions[0], earlyData: "x".repeat(1000) }),
      serverOptions({ ticketKeys }),
    );
    expect(off.c.resumed).toBe(true);
    expect(off.c.earlyDataAccepted).toBe(false);
    await until(() => off.serverData() === "x".repeat(1000));

    // The client shares only x25519, the server insists on X25519MLKEM768: HRR, CH2 without early_data.
    const hrr = await run(
      clientOptions({ session: sessions[1], earlyData: "y".repeat(100), keyShares: ["x25519"] }),
      serverOptions({ ticketKeys, maxEarlyData: 16384, groups: ["X25519MLKEM768"] }),
    );
    expect(hrr.c.helloRetryRequest).toBe(true);
    expect(hrr.c.resumed).toBe(true);
    expect(hrr.c.earlyDataAccepted).toBe(false);
    expect(hrr.c.group).toBe("X25519MLKEM768");
    await until(() => hrr.serverData() === "y".repeat(100));
  });

  it("lets the server answer early data before the client's Finished (0.5-RTT)", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const [session] = await ticketWithEarlyData(ticketKeys);
    const [a, b] = duplexPair();
    const s = accept(b, serverOptions({ ticketKeys, maxEarlyData: 16384 }));
    let secure = false;
    let answeredBeforeSecure: boolean | undefined;
    s.once("secure", () => {
      secure = true;
    });
    s.on("data", (d: Buffer) => {
      answeredBeforeSecure ??= !secure;
      s.write(`reply to ${d}`);
    });
    const c = connect({ ...clientOptions({ session, earlyData: "request" }), socket: a });
    const reply = await withTimeout(once<Buffer>(c, "data"));
    expect(reply.toString()).toBe("reply to request");
    expect(answeredBeforeSecure).toBe(true);
    expect(c.earlyDataAccepted).toBe(true);
  });

  it("does not send more early data than the ticket allows (falls back to 1-RTT data)", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const [session] = await ticketWithEarlyData(ticketKeys, 10);
    const r = await run(
      clientOptions({ session, earlyData: "more than ten bytes" }),
      serverOptions({ ticketKeys, maxEarlyData: 10 }),
    );
    expect(r.c.resumed).toBe(true);
    expect(r.c.earlyDataAccepted).toBeUndefined(); // not offered
    expect(r.s.earlyDataReceived).toBe(0);
  });

  it("aborts with unexpected_message past the ticket's max_early_data_size; the application gets at most that", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const [session] = await ticketWithEarlyData(ticketKeys, 1024);
    // A client that ignores the ticket's limit (ours would not send more than it allows).
    const greedy = { ...decodeSession(session), maxEarlyData: 4 << 20 };
    const [a, b] = duplexPair();
    const s = accept(b, serverOptions({ ticketKeys, maxEarlyData: 1024 }));
    let delivered = 0;
    s.on("data", (d: Buffer) => {
      delivered += d.length;
    });
    const c = connect({
      ...clientOptions({ session: greedy, earlyData: new Uint8Array(4 << 20) }),
      socket: a,
    });
    const [se, ce] = await withTimeout(Promise.all([once<TlsAlert>(s, "error"), once<TlsAlert>(c, "error")]));
    expect(se.alertName).toBe("unexpected_message");
    expect(se.message).toContain("max_early_data_size");
    expect(ce.alertName).toBe("unexpected_message");
    expect(ce.remote).toBe(true);
    expect(delivered).toBeLessThanOrEqual(1024);
    expect(s.earlyDataReceived).toBeLessThanOrEqual(1024);
  });
});

/** Rebuilds a ClientHello body with its extensions in a new order (or some dropped). */
function reorderExtensions(body: Uint8Array, order: (types: number[]) => number[]): Uint8Array {
  const b = Buffer.from(body);
  let at = 2 + 32;
  at += 1 + b[at]; // session id
  at += 2 + b.readUInt16BE(at); // cipher suites
  at += 1 + b[at]; // compression
  const extStart = at + 2;
  const exts = new Map<number, Buffer>();
  for (let p = extStart; p < b.length; ) {
    const type = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    exts.set(type, b.subarray(p, p + 4 + len));
    p += 4 + len;
  }
  const out = Buffer.concat(order([...exts.keys()]).map((t) => exts.get(t)!));
  const len = Buffer.alloc(2);
  len.writeUInt16BE(out.length);
  return Buffer.concat([b.subarray(0, at), len, out]);
}
