#!/usr/bin/env node
// Chain-size trimming with the library's own options, over TCP loopback in one process: the same
// ML-DSA-65 server (leaf + 5.6 KB intermediate) reached by clients using each mechanism, printing
// what its certificate message cost and whether the chain verified.
//
//   npm run build && node examples/chain-size-trimming.mjs
//
// - suppressCaCertificates (draft-kampanakis-tls-scas): a warm-up connection fills the client's
//   IntermediateStore; the next one asks the server to leave the intermediate out.
// - abridged (draft-ietf-tls-cert-abridge): an RFC 8879 algorithm whose shared list and dictionary
//   are built from this PKI (the draft's real ones come from the CCADB, not reachable here).
// - trustAnchorIds (draft-ietf-tls-trust-anchor-ids): the server holds a second path ending at the
//   intermediate, which this client trusts as an anchor with its own ID: the intermediate is elided.
// - brotli (RFC 8879), for comparison: it cannot shrink ML-DSA keys and signatures much.

import { readFileSync } from "node:fs";
import {
  buildAbridgedScheme,
  connect,
  createServer,
  IntermediateStore,
  loadCertificates,
} from "@pqtls/tls13";

const pki = new URL("../fixtures/pki/mldsa65/", import.meta.url);
const read = (f) => readFileSync(new URL(f, pki), "utf8");
const [leaf, intermediate] = loadCertificates(read("chain.pem"));
const [root] = loadCertificates(read("root.pem"));
const abridgedScheme = buildAbridgedScheme([intermediate, root], [leaf]);
const INTERMEDIATE_ID = "32473.1";

const server = createServer(
  {
    cert: read("chain.pem"),
    key: read("leaf.key"),
    certificateCompression: ["abridged", "brotli"],
    abridgedScheme,
    trustAnchorChains: [{ id: INTERMEDIATE_ID, cert: [leaf] }],
    tickets: 0,
  },
  (socket) => socket.end(),
);

/** One handshake; resolves with the bytes of the server's certificate message as received. */
function handshake(port, options) {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: "127.0.0.1", port, servername: "localhost", ca: read("root.pem"), ...options },
      () => {
        const msg = socket.timings.messages.find(
          (m) =>
            m.direction === "received" && (m.type === "certificate" || m.type === "compressed_certificate"),
        );
        resolve({ bytes: msg.length, authorized: socket.authorized, socket });
        socket.end();
      },
    );
    socket.on("error", reject);
  });
}

server.listen(0, "127.0.0.1", async () => {
  const { port } = server.address();
  const store = new IntermediateStore();
  const rows = [];
  rows.push(["none", await handshake(port, {})]);
  rows.push(["brotli (RFC 8879)", await handshake(port, { certificateCompression: ["brotli"] })]);
  await handshake(port, { suppressCaCertificates: store }); // warm-up: fills the store
  rows.push(["suppress-ca (warm cache)", await handshake(port, { suppressCaCertificates: store })]);
  rows.push(["abridged", await handshake(port, { certificateCompression: ["abridged"], abridgedScheme })]);
  rows.push([
    "trust anchor IDs (elided)",
    await handshake(port, { ca: [intermediate], trustAnchorIds: [INTERMEDIATE_ID] }),
  ]);
  console.log("mechanism                   certificate message (B)   verified");
  for (const [name, r] of rows)
    console.log(`${name.padEnd(28)}${String(r.bytes).padStart(10)}${String(r.authorized).padStart(22)}`);
  server.close();
});
