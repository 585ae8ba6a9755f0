// Resumption peer run by the Node 24 binary (OpenSSL 3.5): a node:tls server or client, one JSON
// argument, JSON lines on stdout. Kept dependency-free (any Node >= 24.7).
//
//   {"role":"server", cert, key, groups}   → {"listening": port}, then per connection
//                                             {"server": {reused, group, received}}
//   {"role":"client", port, ca, servername, groups, connections: n}
//     → n connections in sequence, each offering the newest session of the one before:
//       {"client": {reused, group, sessions, echoed}} per connection.
import { readFileSync } from "node:fs";
import tls from "node:tls";

const spec = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

if (spec.role === "server") {
  const server = tls.createServer(
    {
      cert: readFileSync(spec.cert),
      key: readFileSync(spec.key),
      minVersion: "TLSv1.3",
      ecdhCurve: spec.groups,
      allowHalfOpen: true,
    },
    (sock) => {
      const chunks = [];
      sock.on("data", (d) => {
        chunks.push(d);
        sock.write(d);
      });
      sock.on("end", () => {
        sock.end();
        out({
          server: {
            reused: sock.isSessionReused(),
            group: sock.getEphemeralKeyInfo?.()?.name ?? null,
            received: Buffer.concat(chunks).toString(),
          },
        });
      });
      sock.on("error", (e) => out({ server: { error: e.message } }));
    },
  );
  server.on("tlsClientError", (e) => out({ server: { error: e.message } }));
  server.listen(0, "127.0.0.1", () => out({ listening: server.address().port }));
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
} else {
  let session;
  for (let i = 0; i < spec.connections; i++) {
    const result = await new Promise((resolve) => {
      const sock = tls.connect({
        host: "127.0.0.1",
        port: spec.port,
        ca: readFileSync(spec.ca),
        servername: spec.servername,
        minVersion: "TLSv1.3",
        ecdhCurve: spec.groups,
        allowHalfOpen: true,
        ...(session ? { session } : {}),
      });
      let sessions = 0;
      sock.on("session", (s) => {
        session = s;
        sessions++;
      });
      const chunks = [];
      sock.on("secureConnect", () => sock.write(`hello ${i}\n`));
      sock.on("data", (d) => {
        chunks.push(d);
        // The reply is back; tickets came before it (the server sends them after our Finished).
        if (Buffer.concat(chunks).toString().endsWith("\n")) sock.end();
      });
      sock.on("end", () =>
        resolve({
          reused: sock.isSessionReused(),
          group: sock.getEphemeralKeyInfo?.()?.name ?? null,
          sessions,
          echoed: Buffer.concat(chunks).toString(),
        }),
      );
      sock.on("error", (e) => resolve({ error: e.message }));
    });
    out({ client: result });
  }
}
