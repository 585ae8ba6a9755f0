#!/usr/bin/env node
// Experiment hooks without forking the state machine: pad the ClientHello to a chosen size (RFC 7685
// padding extension) and split the server's handshake flight into small records, then look at what
// went on the wire. Our client and server over TCP loopback, in this process.
//
//   npm run build && node examples/client-hello-padding.mjs [targetBytes=1500] [serverRecordBytes=1200]
//
// Why: a hybrid ClientHello (X25519MLKEM768 share: 1216 B) already crosses one 1500-byte packet
// when a second share is added; padding it to a size lets an experiment place that boundary
// deliberately (middlebox tolerance, first-flight loss). Splitting the server flight into
// records of N bytes shows how record framing adds bytes (5-byte header + 17 bytes AEAD per record).

import { connect, createServer, generateChain } from "@pqtls/tls13";

const target = Number(process.argv[2] ?? 1500);
const serverRecord = Number(process.argv[3] ?? 1200);
const PADDING = 21; // RFC 7685

/** Hook: grow the ClientHello body to `size` bytes with a padding extension placed first. */
function padClientHelloTo(size) {
  return {
    onSend(msg) {
      if (msg.type !== "client_hello") return;
      const b = Buffer.from(msg.body);
      let at = 2 + 32;
      at += 1 + b[at];
      at += 2 + b.readUInt16BE(at);
      at += 1 + b[at];
      const exts = b.subarray(at + 2);
      const missing = size - 4 - b.length; // the framed message is body + 4
      if (missing < 4) return; // already that large
      const pad = Buffer.alloc(4 + missing - 4);
      pad.writeUInt16BE(PADDING, 0);
      pad.writeUInt16BE(missing - 4, 2);
      const all = Buffer.concat([pad, exts]); // first, so pre_shared_key stays last
      const len = Buffer.alloc(2);
      len.writeUInt16BE(all.length);
      return Buffer.concat([b.subarray(0, at), len, all]);
    },
  };
}

const chain = generateChain({ sig: "mldsa65", depth: 2, hostnames: ["localhost"] });

async function once(clientHooks, serverHooks) {
  const server = createServer({ cert: chain.chain, key: chain.leafKey, hooks: serverHooks }, (s) =>
    s.end("ok"),
  );
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const c = connect({
    host: "127.0.0.1",
    port: server.address().port,
    servername: "localhost",
    ca: chain.root,
    keyShares: ["X25519MLKEM768", "x25519"],
    hooks: clientHooks,
  });
  // Count the server's records as they arrive on the raw TCP socket (5-byte headers).
  let records = 0;
  let pending = Buffer.alloc(0);
  let done = false;
  c.once("secureConnect", () => {
    done = true;
  });
  // Ahead of the TLS socket's own listener, so the chunk that completes the handshake is counted.
  c.transport.prependListener("data", (d) => {
    if (done) return; // handshake records only
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
      records++;
      pending = pending.subarray(5 + pending.readUInt16BE(3));
    }
  });
  await new Promise((r, j) => c.once("secureConnect", r).once("error", j));
  const clientHello = c.timings.messages.find((m) => m.type === "client_hello").length;
  const result = {
    clientHello,
    c2s: c.handshakeBytes.sent,
    s2c: c.handshakeBytes.received,
    serverRecords: records,
  };
  c.end();
  server.close();
  return result;
}

const plain = await once(undefined, undefined);
const shaped = await once(padClientHelloTo(target), { maxHandshakeRecordSize: serverRecord });
console.log("                      ClientHello   client→server   server→client   server records");
for (const [name, r] of [
  ["no hooks", plain],
  [`pad ${target} / split ${serverRecord}`, shaped],
])
  console.log(
    `${name.padEnd(22)}${String(r.clientHello).padStart(11)}${String(r.c2s).padStart(16)}` +
      `${String(r.s2c).padStart(16)}${String(r.serverRecords).padStart(17)}`,
  );
