// Reading stored bytes with their hash checked: get file streams an object
// while hashing it and fails loudly when what it read is not what the hash
// names (a disk or a hand changed the object file). `what` names the request
// for the one error line ("get file r@3fa9…:/cat.png").
import type { Hasher } from "../../runtime/types.ts";
import { failed } from "../errors.ts";
import type { ObjectStore } from "../store/types.ts";

const HINT = "run calf fsck to see everything that uses it; restore the object from a backup or put the file again";

/** The object's chunks; throws after the last one when they do not hash to `hash` (or at once when it is missing). */
export async function* verifiedStream(store: ObjectStore, hash: string, hasher: () => Hasher, what: string): AsyncIterable<Uint8Array> {
  const h = hasher();
  try {
    for await (const chunk of store.stream(hash)) {
      h.update(chunk);
      yield chunk;
    }
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") throw missing(what, hash, err);
    throw err;
  }
  const got = h.digest();
  if (got !== hash) throw mismatch(what, hash, got);
}

/** The object's bytes, checked against `hash`. */
export async function verifiedRead(store: ObjectStore, hash: string, sha256: (b: Uint8Array) => string, what: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await store.read(hash);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") throw missing(what, hash, err);
    throw err;
  }
  const got = sha256(bytes);
  if (got !== hash) throw mismatch(what, hash, got);
  return bytes;
}

const mismatch = (what: string, want: string, got: string) =>
  failed(`${what}: the stored bytes do not match their hash: expected sha256 ${want}, read ${got}`, HINT);

const missing = (what: string, hash: string, cause: unknown) =>
  Object.assign(failed(`${what}: stored object ${hash} is missing`, HINT), { cause });
