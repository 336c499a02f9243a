/**
 * OCI content digests (`<algorithm>:<hex>`) as registries and Flux accept them:
 * a registered algorithm and its exact lowercase hex length. The OCI image spec's
 * grammar allows other algorithms, but no registry Flux talks to serves them.
 */

/** Hex length of each digest algorithm's encoded part. */
export const digestHexLengths: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

export type DigestCheck =
  | { ok: true; algorithm: string; hex: string }
  | { ok: false; problem: string; /** The corrected digest, when the intent is unambiguous. */ suggestion?: string };

export function checkDigest(value: string): DigestCheck {
  const v = value.trim();
  const colon = v.indexOf(':');
  if (colon < 0) {
    const byLength = Object.entries(digestHexLengths).find(([, n]) => n === v.length && /^[0-9a-fA-F]+$/.test(v));
    if (byLength) {
      return { ok: false, problem: `the algorithm prefix is missing`, suggestion: `${byLength[0]}:${v.toLowerCase()}` };
    }
    return { ok: false, problem: `expected '<algorithm>:<hex>', such as 'sha256:' followed by 64 lowercase hex digits` };
  }
  const algorithm = v.slice(0, colon);
  const hex = v.slice(colon + 1);
  const want = digestHexLengths[algorithm.toLowerCase()];
  if (want === undefined) {
    return { ok: false, problem: `unknown digest algorithm '${algorithm}' (use sha256, sha384 or sha512)` };
  }
  if (!/^[0-9a-fA-F]*$/.test(hex)) {
    return { ok: false, problem: `the ${algorithm} part must be hexadecimal (0-9, a-f)` };
  }
  if (hex.length !== want) {
    return { ok: false, problem: `a ${algorithm.toLowerCase()} digest has ${want} hex digits, this one has ${hex.length}` };
  }
  if (algorithm !== algorithm.toLowerCase() || hex !== hex.toLowerCase() || v !== value) {
    return { ok: false, problem: `digests are lowercase with no surrounding spaces`, suggestion: `${algorithm.toLowerCase()}:${hex.toLowerCase()}` };
  }
  return { ok: true, algorithm, hex };
}

/** Whether an OCI reference (`ref.digest`, a manifest reference) names content by digest rather than by tag. */
export function isDigestReference(reference: string): boolean {
  return /^sha(256|384|512):/.test(reference);
}
