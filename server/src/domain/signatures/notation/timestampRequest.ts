/**
 * Asks an RFC 3161 timestamping authority to countersign a Notary signature, as
 * notation sign --timestamp-url does: a TimeStampReq (message imprint = the
 * signature's hash with the signing algorithm's hash function, a nonce,
 * certReq) POSTed as application/timestamp-query; the granted token must then
 * verify against the given TSA roots (notation's --timestamp-root-cert).
 */
import { createHash, randomBytes, type X509Certificate } from 'node:crypto';
import { ASN1Obj } from '@sigstore/core';
import { SignatureError } from '../types';
import { verifyTimestampToken } from './timestamp';

const hashOids: Record<string, number[]> = {
  sha256: [2, 16, 840, 1, 101, 3, 4, 2, 1],
  sha384: [2, 16, 840, 1, 101, 3, 4, 2, 2],
  sha512: [2, 16, 840, 1, 101, 3, 4, 2, 3],
};

function tlv(tag: number, value: Buffer): Buffer {
  const n = value.length;
  const len =
    n < 0x80
      ? Buffer.from([n])
      : (() => {
          const bytes: number[] = [];
          for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
          return Buffer.from([0x80 | bytes.length, ...bytes]);
        })();
  return Buffer.concat([Buffer.from([tag]), len, value]);
}

function oid(parts: number[]): Buffer {
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const bytes: number[] = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return tlv(0x06, Buffer.from(out));
}

function positiveInteger(bytes: Buffer): Buffer {
  return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

export function timestampRequest(signature: Buffer, hash: 'sha256' | 'sha384' | 'sha512'): Buffer {
  const imprint = tlv(
    0x30,
    Buffer.concat([tlv(0x30, Buffer.concat([oid(hashOids[hash]!), tlv(0x05, Buffer.alloc(0))])), tlv(0x04, createHash(hash).update(signature).digest())]),
  );
  const nonce = positiveInteger(randomBytes(8));
  return tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([1])), imprint, nonce, tlv(0x01, Buffer.from([0xff]))]));
}

export async function requestTimestamp(
  url: string,
  signature: Buffer,
  hash: 'sha256' | 'sha384' | 'sha512',
  roots: X509Certificate[],
  signal?: AbortSignal,
): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: new Uint8Array(timestampRequest(signature, hash)),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    throw new SignatureError(`cannot reach the timestamping authority ${url}: ${(err as Error).message}`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new SignatureError(`the timestamping authority ${url} answered ${res.status}: ${body.toString('utf8').slice(0, 200)}`);
  let token: Buffer;
  try {
    const resp = ASN1Obj.parseBuffer(body as Buffer<ArrayBuffer>);
    const status = resp.subs[0]?.subs[0]?.toInteger();
    if (status !== 0n && status !== 1n) throw new Error(`status ${String(status)} (the request was not granted)`);
    const t = resp.subs[1];
    if (!t) throw new Error('no timestamp token in the reply');
    token = t.toDER();
  } catch (err) {
    throw new SignatureError(`the timestamping authority ${url} gave no usable timestamp: ${(err as Error).message}`);
  }
  try {
    verifyTimestampToken(token, signature, roots);
  } catch (err) {
    throw new SignatureError(`the timestamp from ${url} does not verify against --timestamp-root-cert: ${(err as Error).message}`);
  }
  return token;
}
