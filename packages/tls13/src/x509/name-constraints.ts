// RFC 5280 §4.2.1.10 name constraints on CA certificates (trust anchors included), as webpki and
// OpenSSL enforce them: every dNSName and iPAddress SAN of each certificate below the CA must fall
// inside one of its permitted subtrees of that form (when it has any) and outside all excluded
// ones. Other name forms are not evaluated here: a critical extension that constrains them makes
// the CA unusable (see verify.ts) rather than silently unconstrained.

import { assertSingleDerValue, children, DerError, tlvContent } from "./der.js";
import { formatIp } from "./ip.js";

export interface NameConstraints {
  permitted: Subtree[];
  excluded: Subtree[];
  /** GeneralName forms constrained here that pqtls does not evaluate ("directoryName", ...). */
  unevaluated: string[];
}

export type Subtree = { form: "dns"; base: string } | { form: "ip"; address: Uint8Array; mask: Uint8Array };

const FORM_NAMES: Record<number, string> = {
  160: "otherName",
  129: "rfc822Name",
  163: "x400Address",
  164: "directoryName",
  165: "ediPartyName",
  134: "uniformResourceIdentifier",
  136: "registeredID",
};

/** NameConstraints ::= SEQUENCE { permittedSubtrees [0], excludedSubtrees [1] } (extnValue DER). */
export function parseNameConstraints(value: Uint8Array): NameConstraints {
  const outer = assertSingleDerValue(value);
  if (outer.tag !== 0x30) throw new DerError("nameConstraints is not a SEQUENCE");
  const parts = children(value, outer);
  if (parts.length === 0) throw new DerError("nameConstraints is empty (RFC 5280 forbids it)");
  const out: NameConstraints = { permitted: [], excluded: [], unevaluated: [] };
  let last = -1;
  for (const part of parts) {
    const which = part.tag === 0xa0 ? 0 : part.tag === 0xa1 ? 1 : -1;
    if (which <= last) throw new DerError("nameConstraints has an unknown or misplaced field");
    last = which;
    const subtrees = children(value, part);
    if (subtrees.length === 0) throw new DerError("nameConstraints has an empty list of subtrees");
    for (const subtree of subtrees) {
      const fields = subtree.tag === 0x30 ? children(value, subtree) : [];
      // minimum is DEFAULT 0 (so absent in DER) and maximum MUST be absent (RFC 5280 §4.2.1.10).
      if (fields.length !== 1) throw new DerError("a GeneralSubtree has minimum/maximum or no base");
      const base = fields[0];
      const content = tlvContent(value, base);
      if (base.tag === 0x82) {
        for (const c of content)
          if (c < 0x20 || c > 0x7e) throw new DerError("a dNSName constraint is not printable ASCII");
        (which === 0 ? out.permitted : out.excluded).push({
          form: "dns",
          base: Buffer.from(content).toString("latin1").toLowerCase().replace(/\.$/, ""),
        });
      } else if (base.tag === 0x87) {
        if (content.length !== 8 && content.length !== 32)
          throw new DerError(
            `an iPAddress constraint of ${content.length} bytes (8 or 32: address and mask)`,
          );
        const half = content.length / 2;
        (which === 0 ? out.permitted : out.excluded).push({
          form: "ip",
          address: content.slice(0, half),
          mask: content.slice(half),
        });
      } else {
        const form = FORM_NAMES[base.tag] ?? `GeneralName tag 0x${base.tag.toString(16)}`;
        if (!out.unevaluated.includes(form)) out.unevaluated.push(form);
      }
    }
  }
  return out;
}

/** Is DNS name `name` (possibly a "*." wildcard) inside subtree `base`? */
function dnsWithin(name: string, base: string): boolean {
  if (base === "") return true;
  // ".example.com" (OpenSSL's and webpki's reading): subdomains only.
  if (base.startsWith(".")) return name.endsWith(base);
  return name === base || name.endsWith(`.${base}`);
}

/** Could a name matched by `name` fall inside excluded subtree `base`? A wildcard "*.s" covers
 *  every one-label name under s, so it is excluded when the subtree lies under s as well. */
function dnsMayMatch(name: string, base: string): boolean {
  if (dnsWithin(name, base)) return true;
  return name.startsWith("*.") && base.replace(/^\./, "").endsWith(`.${name.slice(2)}`);
}

function ipWithin(ip: Uint8Array, address: Uint8Array, mask: Uint8Array): boolean {
  if (ip.length !== address.length) return false;
  return ip.every((b, i) => (b & mask[i]) === (address[i] & mask[i]));
}

function describe(t: Subtree): string {
  return t.form === "dns" ? t.base || "(any DNS name)" : `${formatIp(t.address)} mask ${formatIp(t.mask)}`;
}

/**
 * Why the names (lowercase DNS names and IP bytes) break `nc`, or undefined when they are inside it.
 */
export function nameConstraintViolation(
  nc: NameConstraints,
  dnsNames: readonly string[],
  ipAddresses: readonly Uint8Array[],
): string | undefined {
  const permittedDns = nc.permitted.filter((t) => t.form === "dns");
  const permittedIp = nc.permitted.filter((t) => t.form === "ip");
  for (const raw of dnsNames) {
    const name = raw.toLowerCase().replace(/\.$/, "");
    if (permittedDns.length && !permittedDns.some((t) => dnsWithin(name, t.base)))
      return `DNS name ${raw} is outside the permitted subtrees (${permittedDns.map(describe).join(", ")})`;
    const hit = nc.excluded.find((t) => t.form === "dns" && dnsMayMatch(name, t.base));
    if (hit) return `DNS name ${raw} is inside the excluded subtree ${describe(hit)}`;
  }
  for (const ip of ipAddresses) {
    if (permittedIp.length && !permittedIp.some((t) => t.form === "ip" && ipWithin(ip, t.address, t.mask)))
      return `IP ${formatIp(ip)} is outside the permitted subtrees (${permittedIp.map(describe).join(", ")})`;
    const hit = nc.excluded.find((t) => t.form === "ip" && ipWithin(ip, t.address, t.mask));
    if (hit) return `IP ${formatIp(ip)} is inside the excluded subtree ${describe(hit)}`;
  }
  return undefined;
}
