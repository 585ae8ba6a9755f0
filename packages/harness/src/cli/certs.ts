// `pqtls certs --sig mldsa65 --depth 2 [--pad-to BYTES] [--out DIR]`: makes a certificate chain,
// prints each certificate's size, what the chain costs on the wire, and what its Certificate
// message costs under each chain-size trimming mechanism (compression, suppressed CAs, trust
// anchor IDs, abridged), and optionally writes it as PEM files in the test-PKI layout (chain.pem,
// root.pem, leaf.key, ...), usable as a chain folder.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Certificate,
  CHAIN_ALGORITHMS,
  type ChainAlgorithm,
  certificateMessageSizes,
  chainWireSize,
  encodePrivateKey,
  type GeneratedChain,
  generateAuthKemModelChain,
  generateChain,
  generateMtcModelChain,
  pemEncode,
} from "@pqtls/tls13";
import { type Command, InvalidArgumentError, Option } from "commander";
import { UserError } from "../errors.js";
import { readBytes } from "../units.js";

interface CertsFlags {
  sig: ChainAlgorithm;
  depth: number;
  rootSig?: ChainAlgorithm;
  intermediateSig?: ChainAlgorithm;
  padTo?: number;
  includeRoot?: boolean;
  hostname: string[];
  ip: string[];
  seed?: string;
  scts?: number;
  out?: string;
  json?: boolean;
}

const ALGORITHMS = Object.keys(CHAIN_ALGORITHMS);

function depth(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 4)
    throw new InvalidArgumentError("expected 1..4 (certificates on the path, root included)");
  return n;
}

function sctCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 8) throw new InvalidArgumentError("expected 0..8");
  return n;
}

/**
 * Size models for what cannot run end to end here (x509/size_models.ts): their Certificate
 * message as carried by today's handshake, with the model's own label.
 */
function modelSizes(f: CertsFlags, hostnames: string[]) {
  const seed = f.seed ?? "pqtls-certs-models";
  const mtc = generateMtcModelChain({ sig: f.sig, hostnames, seed });
  const authkem = generateAuthKemModelChain({ sig: f.intermediateSig ?? f.sig, hostnames, seed });
  return [
    { mechanism: "mtc (model)", bytes: chainWireSize(mtc.chain), needs: mtc.model },
    { mechanism: "authkem (model)", bytes: chainWireSize(authkem.chain), needs: authkem.model },
  ];
}

function bytes(value: string): number {
  try {
    return readBytes("--pad-to", value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function list(value: string, previous: string[] | undefined): string[] {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return [...(previous ?? []), ...items];
}

/** Role names leaf first, in chain order: leaf, intermediate-1 (the leaf's issuer), ..., root. */
function roles(n: number): string[] {
  if (n === 1) return ["leaf"];
  return ["leaf", ...Array.from({ length: n - 2 }, (_, i) => `intermediate-${i + 1}`), "root"];
}

function describeChain(c: GeneratedChain, f: CertsFlags, models: ReturnType<typeof modelSizes>) {
  const names = roles(c.certificates.length);
  return {
    sig: f.sig,
    depth: f.depth,
    includeRoot: c.chain.length === c.certificates.length,
    certificates: c.certificates.map((cert: Certificate, i: number) => ({
      role: names[i],
      subject: cert.subject,
      key: cert.publicKey.algorithm,
      signature: cert.signatureScheme,
      bytes: cert.der.length,
      sent: i < c.chain.length,
    })),
    sentCertificates: c.chain.length,
    certificateMessageBytes: chainWireSize(c.chain),
    certificateMessageBytesWithRoot: chainWireSize(c.certificates),
    mechanisms: [...certificateMessageSizes(c.chain, { root: c.root }), ...models],
  };
}

function writeChain(dir: string, c: GeneratedChain, servername: string): string[] {
  mkdirSync(dir, { recursive: true });
  const names = roles(c.certificates.length);
  const files: Array<[string, string]> = [
    ["chain.pem", c.chain.map((x) => pemEncode("CERTIFICATE", x.der)).join("")],
  ];
  c.certificates.forEach((cert, i) => {
    files.push([`${names[i]}.pem`, pemEncode("CERTIFICATE", cert.der)]);
    files.push([`${names[i]}.key`, encodePrivateKey(c.keys[i])]);
  });
  if (c.certificates.length === 1) files.push(["root.pem", pemEncode("CERTIFICATE", c.root.der)]);
  files.push(["servername", `${servername}\n`]);
  for (const [name, content] of files)
    writeFileSync(join(dir, name), content, { mode: name.endsWith(".key") ? 0o600 : 0o644 });
  return files.map(([name]) => name);
}

export function register(program: Command): void {
  program
    .command("certs")
    .description("make a certificate chain; print each certificate's size and the chain's wire size")
    .addOption(
      new Option("--sig <alg>", "leaf signature algorithm (and CAs' unless set)")
        .choices(ALGORITHMS)
        .makeOptionMandatory(),
    )
    .option(
      "--depth <n>",
      "certificates on the path, root included: 1 self-signed .. 4 (default 3: leaf + intermediate sent, as a WebPKI server does)",
      depth,
      3,
    )
    .addOption(new Option("--root-sig <alg>", "root's algorithm (mixed chains)").choices(ALGORITHMS))
    .addOption(new Option("--intermediate-sig <alg>", "intermediates' algorithm").choices(ALGORITHMS))
    .option(
      "--pad-to <bytes>",
      "pad the sent chain to this exact Certificate message size, e.g. 16384 or 16KiB",
      bytes,
    )
    .option("--include-root", "send the root too (counted in the wire size and chain.pem)")
    .option(
      "--hostname <names>",
      "leaf DNS names, comma-separated (default localhost,server.pqtls.test)",
      list,
    )
    .option("--ip <addresses>", "leaf IP addresses, comma-separated (default 127.0.0.1)", list)
    .option("--seed <text>", "reproducible keys: the same seed gives the same chain")
    .option("--scts <n>", "embed n SCTs signed with ML-DSA-44 (PQ CT logs' size) in the leaf", sctCount)
    .option("-o, --out <dir>", "write chain.pem, root.pem, leaf.key, ... to this folder")
    .option("--json", "print one JSON object instead of a table")
    .action((flags: CertsFlags) => {
      const hostnames = flags.hostname ?? ["localhost", "server.pqtls.test"];
      const ipAddresses = flags.ip ?? ["127.0.0.1"];
      let chain: GeneratedChain;
      try {
        chain = generateChain({
          sig: flags.sig,
          depth: flags.depth,
          ...(flags.rootSig ? { rootSig: flags.rootSig } : {}),
          ...(flags.intermediateSig ? { intermediateSig: flags.intermediateSig } : {}),
          hostnames,
          ipAddresses,
          includeRoot: flags.includeRoot ?? false,
          ...(flags.padTo !== undefined ? { padTo: flags.padTo } : {}),
          ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
          ...(flags.scts ? { scts: flags.scts } : {}),
        });
      } catch (err) {
        throw new UserError(`certs: ${(err as Error).message}`);
      }
      let models: ReturnType<typeof modelSizes>;
      try {
        models = modelSizes(flags, hostnames);
      } catch (err) {
        throw new UserError(`certs: ${(err as Error).message}`);
      }
      const summary = describeChain(chain, flags, models);
      const written = flags.out ? writeChain(flags.out, chain, hostnames[0] ?? ipAddresses[0]) : [];
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ ...summary, ...(flags.out ? { out: flags.out, files: written } : {}) })}\n`,
        );
        return;
      }
      const rows = summary.certificates.map((c) => [
        c.role,
        c.key,
        c.signature,
        String(c.bytes),
        c.sent ? "yes" : "no",
        c.subject,
      ]);
      const header = ["role", "key", "signed with", "DER bytes", "sent", "subject"];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (cells: string[]) =>
        cells
          .map((cell, i) => (i === 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
          .join("  ")
          .trimEnd();
      const out = [line(header), ...rows.map(line)];
      out.push(
        `chain wire size: ${summary.certificateMessageBytes} B (TLS 1.3 Certificate message, ${summary.sentCertificates} certificate(s) sent${summary.includeRoot ? ", root included" : ", root omitted"})`,
      );
      if (!summary.includeRoot)
        out.push(`with the root sent too: ${summary.certificateMessageBytesWithRoot} B`);
      out.push("", "certificate message by mechanism (bytes, 4-byte handshake header included):");
      const mechWidth = Math.max(...summary.mechanisms.map((m) => m.mechanism.length));
      const byteWidth = Math.max(...summary.mechanisms.map((m) => String(m.bytes).length));
      for (const m of summary.mechanisms)
        out.push(
          `${m.mechanism.padEnd(mechWidth)}  ${String(m.bytes).padStart(byteWidth)}  ${m.mechanism.endsWith("(model)") ? "" : "needs "}${m.needs}`,
        );
      if (flags.out) out.push(`wrote ${written.join(", ")} to ${flags.out}`);
      process.stdout.write(`${out.join("\n")}\n`);
    });
}
