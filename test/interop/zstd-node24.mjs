// Run by the Node 24 binary (node:zlib has zstd there, not on Node 20): our client and our server
// negotiate zstd certificate compression over loopback and print what each side saw as one JSON line.
import { connect, createServer, generateChain } from "@pqtls/tls13";

const chain = generateChain({ sig: "ecdsa-p256", depth: 2, hostnames: ["localhost"], includeRoot: true });
const server = createServer(
  { cert: chain.chain, key: chain.leafKey, certificateCompression: ["zstd", "brotli"] },
  (s) => {
    s.on("data", (d) => s.write(d));
    s.on("end", () => s.end());
    s.once("error", () => {});
    server.lastSocket = s;
  },
);
server.listen(0, "127.0.0.1", () => {
  const c = connect({
    host: "127.0.0.1",
    port: server.address().port,
    servername: "localhost",
    ca: chain.root,
    certificateCompression: ["zstd", "zlib"],
  });
  const fail = (e) => {
    process.stdout.write(`${JSON.stringify({ error: String(e?.message ?? e) })}\n`);
    process.exit(1);
  };
  const timer = setTimeout(() => fail("timeout"), 15_000);
  c.once("error", fail);
  c.once("secureConnect", () => c.write("zstd?"));
  c.once("data", (d) => {
    clearTimeout(timer);
    process.stdout.write(
      `${JSON.stringify({
        node: process.version,
        echoed: d.toString(),
        authorized: c.authorized,
        client: c.certificateCompression,
        server: server.lastSocket?.certificateCompression,
      })}\n`,
    );
    c.destroy();
    server.close();
  });
});
