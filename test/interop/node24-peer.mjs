// Interop peer run by the Node 24 binary (OpenSSL 3.5): a node:tls server or client driven by one
// JSON argument, reporting what it negotiated as JSON lines on stdout. Kept dependency-free so it
// runs with any Node >= 24.7.
//
//   {"role":"server","servers":[{name, cert, key, groups, ciphers?, sigalgs?, alpn?, requestCert?,
//       clientCa?, rejectUnauthorized?}], "mode"}
//     → prints {"listening": {name: port, ...}}, then one {"server": {...}} line per connection.
//     requestCert asks for a client certificate (verified against clientCa; rejectUnauthorized
//     defaults to false so the line reports authorized/authorizationError).
//   {"role":"client","connections":[{port, ca, servername, groups, ciphers?, sigalgs?, alpn?, send?, bulk?,
//       cert?, key?}]}   (cert/key: the client certificate chain and key, PEM files)
//     → one {"client": {...}} line per connection, in order; exits when all are done.
//
// mode "echo": echo data back, end when the peer ends. mode "bulk": read N bytes (hash them), then
// send N bytes of the shared pattern (see patternStream()); N comes in the first 8 bytes of the stream.
import { createCipheriv, createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import tls from "node:tls";

const spec = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

/** The shared test stream: the AES-128-CTR keystream under a fixed key (fast and identical everywhere). */
export function patternStream() {
  const c = createCipheriv("aes-128-ctr", Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  return (n) => c.update(Buffer.alloc(n));
}

function describe(sock) {
  const cert = sock.getPeerCertificate?.();
  return {
    protocol: sock.getProtocol(),
    cipher: sock.getCipher()?.standardName ?? sock.getCipher()?.name,
    group: sock.getEphemeralKeyInfo?.()?.name,
    alpn: sock.alpnProtocol || null,
    servername: sock.servername ?? null,
    authorized: sock.authorized,
    authorizationError: sock.authorizationError ? String(sock.authorizationError) : null,
    peerSubject: cert && Object.keys(cert).length ? cert.subject : null,
  };
}

function bulkServer(sock, done) {
  let want = -1;
  let got = 0;
  const hash = createHash("sha256");
  let head = Buffer.alloc(0);
  sock.on("data", (d) => {
    if (want < 0) {
      head = Buffer.concat([head, d]);
      if (head.length < 8) return;
      want = Number(head.readBigUInt64BE(0));
      d = head.subarray(8);
    }
    got += d.length;
    hash.update(d);
    if (got === want) {
      const digest = hash.digest("hex");
      // Send back `want` bytes of the pattern, in 1 MiB writes respecting backpressure.
      let sent = 0;
      const next = patternStream();
      const pump = () => {
        while (sent < want) {
          const n = Math.min(1 << 20, want - sent);
          const ok = sock.write(next(n));
          sent += n;
          if (!ok) return sock.once("drain", pump);
        }
        sock.end();
        done({ received: got, sha256: digest });
      };
      pump();
    }
  });
}

if (spec.role === "server") {
  const ports = {};
  const keylogs = new WeakMap(); // per connection: OpenSSL's NSS key log lines
  let pending = spec.servers.length;
  for (const s of spec.servers) {
    const server = tls.createServer(
      {
        cert: readFileSync(s.cert),
        key: readFileSync(s.key),
        minVersion: "TLSv1.3",
        ecdhCurve: s.groups,
        ...(s.ciphers ? { ciphers: s.ciphers } : {}),
        ...(s.sigalgs ? { sigalgs: s.sigalgs } : {}),
        ...(s.alpn ? { ALPNProtocols: s.alpn } : {}),
        ...(s.requestCert
          ? {
              requestCert: true,
              rejectUnauthorized: s.rejectUnauthorized ?? false,
              ...(s.clientCa ? { ca: readFileSync(s.clientCa) } : {}),
            }
          : {}),
        allowHalfOpen: true,
      },
      (sock) => {
        const info = { name: s.name, ...describe(sock), keylog: keylogs.get(sock) ?? [] };
        if (spec.mode === "bulk") bulkServer(sock, (r) => out({ server: { ...info, ...r } }));
        else {
          sock.on("data", (d) => sock.write(d));
          sock.on("end", () => {
            sock.end();
            out({ server: info });
          });
        }
        sock.on("error", (e) => out({ server: { name: s.name, error: e.message } }));
      },
    );
    server.on("keylog", (line, sock) => {
      if (!keylogs.has(sock)) keylogs.set(sock, []);
      keylogs.get(sock).push(line.toString().trim());
    });
    server.on("tlsClientError", (e) => out({ server: { name: s.name, error: e.message } }));
    server.listen(0, "127.0.0.1", () => {
      ports[s.name] = server.address().port;
      if (--pending === 0) out({ listening: ports });
    });
  }
  process.stdin.on("end", () => process.exit(0)); // the test closes stdin to stop us
  process.stdin.resume();
} else {
  for (const c of spec.connections) {
    const result = await new Promise((resolve) => {
      const sock = tls.connect({
        host: "127.0.0.1",
        port: c.port,
        ca: readFileSync(c.ca),
        servername: c.servername,
        minVersion: "TLSv1.3",
        ecdhCurve: c.groups,
        ...(c.ciphers ? { ciphers: c.ciphers } : {}),
        ...(c.sigalgs ? { sigalgs: c.sigalgs } : {}),
        ...(c.alpn ? { ALPNProtocols: c.alpn } : {}),
        ...(c.cert ? { cert: readFileSync(c.cert), key: readFileSync(c.key) } : {}),
        allowHalfOpen: true,
      });
      const chunks = [];
      if (c.bulk) {
        // Send the 8-byte length and `bulk` pattern bytes; hash what comes back.
        const hash = createHash("sha256");
        let received = 0;
        sock.on("secureConnect", () => {
          const head = Buffer.alloc(8);
          head.writeBigUInt64BE(BigInt(c.bulk));
          sock.write(head);
          const next = patternStream();
          let sent = 0;
          const pump = () => {
            while (sent < c.bulk) {
              const n = Math.min(1 << 20, c.bulk - sent);
              sent += n;
              if (!sock.write(next(n))) return sock.once("drain", pump);
            }
            sock.end();
          };
          pump();
        });
        sock.on("data", (d) => {
          received += d.length;
          hash.update(d);
        });
        sock.on("end", () => resolve({ ...describe(sock), received, sha256: hash.digest("hex") }));
      } else {
        sock.on("secureConnect", () => sock.end(c.send ?? "hello from node24"));
        sock.on("data", (d) => chunks.push(d));
        sock.on("end", () => resolve({ ...describe(sock), echoed: Buffer.concat(chunks).toString() }));
      }
      sock.on("error", (e) => resolve({ error: e.message, code: e.code }));
    });
    out({ client: result });
  }
}
