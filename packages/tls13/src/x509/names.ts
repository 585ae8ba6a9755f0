// Distinguished names: build them for issued certificates, print them for people.
// Chains link by comparing Name DER bytes (what issuers copy verbatim), so no string round trip
// is ever used for matching.

import { AsnConvert } from "@peculiar/asn1-schema";
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from "@peculiar/asn1-x509";

const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.5": "serialNumber",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
};
const OID_BY_SHORT_NAME: Record<string, string> = Object.fromEntries(
  Object.entries(SHORT_NAMES).map(([oid, name]) => [name, oid]),
);

/** "CN=pqtls root, O=pqtls" style, in the certificate's own order (as OpenSSL prints it). */
export function formatName(name: Name): string {
  return name
    .map((rdn) =>
      rdn
        .map((atv) => {
          const key = SHORT_NAMES[atv.type] ?? atv.type;
          const value = atv.value.toString().replace(/([,+\\])/g, "\\$1");
          return `${key}=${value}`;
        })
        .join("+"),
    )
    .join(", ");
}

/**
 * A Name from ordered pairs, e.g. [["O", "pqtls test PKI"], ["CN", "mldsa65 root"]].
 * C is a PrintableString (RFC 5280); everything else UTF8String.
 */
export function buildName(attributes: ReadonlyArray<readonly [string, string]>): Name {
  return new Name(
    attributes.map(([key, value]) => {
      const oid = OID_BY_SHORT_NAME[key] ?? (/^\d+(\.\d+)+$/.test(key) ? key : undefined);
      if (!oid) throw new Error(`unknown name attribute "${key}"`);
      const v =
        key === "C"
          ? new AttributeValue({ printableString: value })
          : new AttributeValue({ utf8String: value });
      return new RelativeDistinguishedName([new AttributeTypeAndValue({ type: oid, value: v })]);
    }),
  );
}

export function nameDer(name: Name): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(name));
}

/** The common name, if any (for labels and file names). */
export function commonName(name: Name): string | undefined {
  for (const rdn of name) for (const atv of rdn) if (atv.type === "2.5.4.3") return atv.value.toString();
  return undefined;
}
