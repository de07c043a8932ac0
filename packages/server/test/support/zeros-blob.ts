import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createDeflate } from 'node:zlib';

/** git's object type number of a blob, in a pack entry's header. */
const OBJ_BLOB = 3;

/**
 * Writes a blob of `size` zero bytes into the repository at `gitDir` as a pack of its own (with its
 * index) and returns the blob's id: what `head -c <size> /dev/zero > f && git add f` stores, for a
 * fraction of the CPU, and without the blob ever being a file. git hashes with its
 * collision-detecting SHA-1, about 10 CPU-seconds per gigabyte on the 2-core machine (`git add`,
 * `git index-pack`); OpenSSL's SHA-1 and zlib's fastest level here take about 2. Packed, not loose:
 * a fetch from the repository sends the entry as it is stored instead of inflating and compressing
 * the gigabyte again (7 CPU-seconds for a loose one). The pack is a few megabytes.
 */
export async function writeZerosBlob(gitDir: string, size: number): Promise<string> {
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  function* zeros() {
    for (let left = size; left > 0; left -= chunk.length)
      yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
  const id = createHash('sha1').update(`blob ${size}\0`);
  for (const part of zeros()) id.update(part);
  const blobId = id.digest();

  // The pack: its header, one entry (type and size, then the zlib stream), the SHA-1 of it all.
  const dir = join(gitDir, 'objects', 'pack');
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `tmp-zeros-${process.pid}.pack`);
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(1, 8);
  const entryHead = packEntryHeader(OBJ_BLOB, size);
  const packHash = createHash('sha1').update(head).update(entryHead);
  let entryCrc = crc32(entryHead);
  const compressed = createDeflate({ level: 1 });
  compressed.on('data', (c: Buffer) => {
    packHash.update(c);
    entryCrc = crc32(c, entryCrc);
  });
  const out = createWriteStream(tmp);
  out.write(head);
  out.write(entryHead);
  await pipeline(Readable.from(zeros()), compressed, out, { end: false });
  const packId = packHash.digest();
  await new Promise<void>((resolve, reject) =>
    out.end(packId, (err?: Error | null) => (err ? reject(err) : resolve())),
  );

  // Its index (version 2): fan-out table, the id, the entry's CRC-32, its offset, the checksums.
  const fanout = Buffer.alloc(256 * 4);
  for (let i = blobId[0] as number; i < 256; i++) fanout.writeUInt32BE(1, i * 4);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(entryCrc >>> 0);
  const offset = Buffer.alloc(4);
  offset.writeUInt32BE(head.length);
  const body = Buffer.concat([
    Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]),
    fanout,
    blobId,
    crc,
    offset,
    packId,
  ]);
  const name = join(dir, `pack-${packId.toString('hex')}`);
  writeFileSync(`${name}.idx`, Buffer.concat([body, createHash('sha1').update(body).digest()]));
  renameSync(tmp, `${name}.pack`);
  return blobId.toString('hex');
}

/** A pack entry's header: the type, then the size seven bits at a time, least significant first. */
function packEntryHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (type << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}
