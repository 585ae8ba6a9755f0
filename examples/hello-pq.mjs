import { readFileSync } from "node:fs";
import { connect, createServer } from "@pqtls/tls13";

const pki = new URL("../fixtures/pki/mldsa65/", import.meta.url);
const read = (f) => readFileSync(new URL(f, pki), "utf8");

const server = createServer(
  { cert: read("chain.pem"), key: read("leaf.key"), groups: ["X25519MLKEM768", "x25519"] },
  (socket) => socket.end("hello over post-quantum TLS\n"),
);
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  const socket = connect({ host: "127.0.0.1", port, servername: "localhost", ca: read("root.pem") }, () => {
    console.log(socket.getProtocol(), socket.cipherSuite, socket.group, socket.signatureScheme);
    console.log(
      "handshake bytes",
      socket.handshakeBytes,
      "complete at",
      socket.timings.handshakeComplete.toFixed(1),
      "ms",
    );
  });
  socket.on("data", (d) => process.stdout.write(d));
  socket.on("end", () => {
    socket.end(); // half-close is supported, so close our side too
    server.close();
  });
});
