// Experiment hooks: transforms of sent messages (before the transcript and, for ClientHello, before
// PSK binders), transforms of received bodies (the transcript keeps what arrived), per-connection
// state, and splitting the handshake flight into small records.

import { describe, expect, it } from "vitest";
// The worked example's hooks: the client lists cached intermediates, the server omits them.
import { client as trimClient, server as trimServer } from "../../../examples/chain-trimming.hooks.mjs";
import {
  accept,
  connect,
  type HandshakeHooks,
  nobleProvider,
  TicketKeys,
  type TlsSocket,
} from "../src/index.js";
import type { ClientOptions, ServerOptions } from "../src/options.js";
import { generateChain } from "../src/x509/index.js";
import { duplexPair, once } from "./helpers.js";

const deep = generateChain({ sig: "ecdsa-p256", depth: 3, hostnames: ["localhost"] });

async function pair(client: Partial<ClientOptions>, server: Partial<ServerOptions>) {
  const [a, b] = duplexPair();
  const s = accept(b, { cert: deep.chain, key: deep.leafKey, provider: nobleProvider, ...server });
  const c = connect({
    ca: deep.root,
    servername: "localhost",
    provider: nobleProvider,
    socket: a,
    ...client,
  });
  await Promise.all([once(c, "secureConnect"), once(s, "secure")]);
  return { c, s };
}

const certificateBytes = (sock: TlsSocket, direction: "sent" | "received") =>
  sock.timings.messages.find((m) => m.type === "certificate" && m.direction === direction)!.length;

describe("experiment hooks", () => {
  it("observe every handshake message in order, both directions, with per-connection state", async () => {
    const seen: string[] = [];
    const hooks: HandshakeHooks = {
      onSend: (m, ctx) => {
        seen.push(`${ctx.role} sent ${m.type}`);
        ctx.state.count = ((ctx.state.count as number) ?? 0) + 1;
      },
      onReceive: (m, ctx) => {
        seen.push(`${ctx.role} got ${m.type}`);
      },
    };
    await pair({ hooks }, { hooks, tickets: 0 });
    expect(seen.filter((x) => x.startsWith("client"))).toEqual([
      "client sent client_hello",
      "client got server_hello",
      "client got encrypted_extensions",
      "client got certificate",
      "client got certificate_verify",
      "client got finished",
      "client sent finished",
    ]);
    expect(seen.filter((x) => x.startsWith("server sent"))).toHaveLength(5);
  });

  it("a transform both sides agree on keeps Finished valid: chain trimming drops the cached intermediate", async () => {
    // First connection: the client learns the intermediate; second: it is left out and put back.
    const first = await pair({ hooks: trimClient }, { hooks: trimServer, tickets: 0 });
    const second = await pair({ hooks: trimClient }, { hooks: trimServer, tickets: 0 });
    expect(first.c.peerCertificates).toHaveLength(2);
    const intermediate = deep.chain[1].der.length;
    expect(certificateBytes(first.s, "sent") - certificateBytes(second.s, "sent")).toBe(intermediate + 3 + 2);
    expect(certificateBytes(second.c, "received")).toBe(certificateBytes(second.s, "sent"));
    // The client verified the full chain (the hook put the intermediate back before parsing).
    expect(second.c.authorized).toBe(true);
    expect(second.c.peerCertificates.map((x) => x.subject)).toEqual(
      first.c.peerCertificates.map((x) => x.subject),
    );
    // Without the client's hook the server's trimmed chain does not verify: the hook really acted.
    const [a, b] = duplexPair();
    const server = accept(b, {
      cert: deep.chain,
      key: deep.leafKey,
      provider: nobleProvider,
      hooks: trimServer,
      tickets: 0,
    });
    server.on("error", () => {}); // it hears the client's alert
    const bare = connect({
      ca: deep.root,
      servername: "localhost",
      provider: nobleProvider,
      socket: a,
      hooks: { onSend: trimClient.onSend },
    });
    const err = await once<Error>(bare, "error");
    expect(err.message).toMatch(/certificate|issuer|unknown_ca/i);
  });

  it("onReceive changes what the state machine parses, not the transcript", async () => {
    // The client's hook adds an ALPN answer to EncryptedExtensions as it arrives: the client acts on
    // it, while both transcripts still hash the bytes that were sent, so Finished verifies.
    const addAlpn: HandshakeHooks = {
      onReceive(m) {
        if (m.type !== "encrypted_extensions") return;
        const b = Buffer.from(m.body);
        const exts = Buffer.concat([b.subarray(2), Buffer.from([0, 16, 0, 5, 0, 3, 2, 0x68, 0x32])]);
        return Buffer.concat([Buffer.from([exts.length >> 8, exts.length & 0xff]), exts]);
      },
    };
    const { c, s } = await pair({ ALPNProtocols: ["h2"], hooks: addAlpn }, { tickets: 0 });
    expect(c.alpnProtocol).toBe("h2");
    expect(s.alpnProtocol).toBe(false);
  });

  it("pads the ClientHello before binders are computed, so a padded resumption still verifies", async () => {
    const ticketKeys = new TicketKeys(nobleProvider);
    const sessions: Buffer[] = [];
    const first = await pair({}, { ticketKeys });
    first.c.on("session", (s: Buffer) => sessions.push(s));
    await new Promise<void>((r) => (sessions.length ? r() : first.c.once("session", () => r())));
    const pad: HandshakeHooks = {
      onSend(m) {
        if (m.type !== "client_hello") return;
        // Append 100 zero bytes inside a padding extension placed first (pre_shared_key stays last).
        const b = Buffer.from(m.body);
        let at = 34;
        at += 1 + b[at];
        at += 2 + b.readUInt16BE(at);
        at += 1 + b[at];
        const ext = Buffer.concat([Buffer.from([0, 21, 0, 100]), Buffer.alloc(100)]);
        const all = Buffer.concat([ext, b.subarray(at + 2)]);
        return Buffer.concat([b.subarray(0, at), Buffer.from([all.length >> 8, all.length & 0xff]), all]);
      },
    };
    const plain = first.c.timings.messages[0].length;
    const r = await pair({ session: sessions[0], hooks: pad }, { ticketKeys });
    expect(r.c.resumed).toBe(true);
    expect(r.c.timings.messages[0].length).toBeGreaterThan(plain + 100);
  });

  it("maxHandshakeRecordSize splits the server flight into records of at most that size", async () => {
    const lengths: number[] = [];
    const [a, b] = duplexPair();
    const origWrite = b.write.bind(b) as (...x: unknown[]) => boolean;
    let pending = Buffer.alloc(0);
    (b as unknown as { write: (...x: unknown[]) => boolean }).write = (
      chunk: unknown,
      ...rest: unknown[]
    ) => {
      pending = Buffer.concat([pending, chunk as Buffer]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
        lengths.push(pending.readUInt16BE(3));
        pending = pending.subarray(5 + pending.readUInt16BE(3));
      }
      return origWrite(chunk, ...rest);
    };
    const s = accept(b, {
      cert: deep.chain,
      key: deep.leafKey,
      provider: nobleProvider,
      tickets: 0,
      hooks: { maxHandshakeRecordSize: 200 },
    });
    const c = connect({ ca: deep.root, servername: "localhost", provider: nobleProvider, socket: a });
    await Promise.all([once(c, "secureConnect"), once(s, "secure")]);
    // Protected records: 200 bytes of handshake + content type + 16-byte tag at most.
    const protectedRecords = lengths.slice(2); // ServerHello (plaintext), CCS
    expect(protectedRecords.length).toBeGreaterThan(5);
    for (const l of protectedRecords) expect(l).toBeLessThanOrEqual(200 + 1 + 16);
  });
});
