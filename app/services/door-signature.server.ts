import { createRequire } from "node:module";
import { keccak256, type Hex } from "viem";
import { doorPassDigest, isSignedByHolder, recoveryBit, type DoorPass } from "~/lib/door-pass";

/**
 * The door's signature check on the server (docs/decisions/011-door-check-in.md): the same answer as
 * `isSignedByHolder` (app/lib/door-pass.ts, viem + @noble/curves), about 30 times faster. The EIP-712
 * digest is computed by hand (door-pass.ts, precomputed type hash and domain separator); the public key
 * is recovered by libsecp256k1 (Bitcoin Core's C library, the `secp256k1` package's prebuilt N-API
 * binding), then hashed to the address and compared with the pass's holder. The three keccak-256 hashes
 * (struct, digest, address) use the `keccak` package's native binding (XKCP, ~7 µs each against ~25 µs for
 * the JavaScript one), with viem's as the fallback.
 *
 * Where the binding cannot load (a platform without a prebuild and no compiler), this falls back to
 * `isSignedByHolder` and says so once; app/services/door-signature.server.test.ts checks that both
 * paths, and viem's recoverTypedDataAddress, agree on many random and tampered passes.
 */

interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean, output?: Uint8Array): Uint8Array;
}

/**
 * A native binding, loaded on first use and kept (null when it cannot load: the JavaScript fallback is
 * used, and this is said once). `module` names the package's native-only entry (its main entry would
 * fall back to JavaScript quietly).
 */
function nativeBinding<T>(module: string, fallback: string): () => T | null {
  let loaded: T | null | undefined; // undefined: not tried yet
  return () => {
    if (loaded === undefined) {
      try {
        loaded = createRequire(import.meta.url)(module) as T;
      } catch (error) {
        console.warn(`door: ${module} unavailable, ${fallback} (slower): ${(error as Error).message.split("\n")[0]}`);
        loaded = null;
      }
    }
    return loaded;
  };
}

const binding = nativeBinding<NativeSecp256k1>("secp256k1/bindings", "verifying passes with @noble/curves");
type NativeKeccak = (algorithm: "keccak256") => { update(data: Uint8Array): { digest(): Buffer } };
const keccakBinding = nativeBinding<NativeKeccak>("keccak/bindings", "hashing with viem");

/** Which keccak-256 the server's pass check uses in this process. */
export function keccakBackend(): "native" | "viem" {
  return keccakBinding() ? "native" : "viem";
}

/** keccak-256 of `bytes`: native when the `keccak` binding loads, else viem's (JavaScript). */
export function keccak256Bytes(bytes: Uint8Array): Uint8Array {
  const binding = keccakBinding();
  if (!binding) return keccak256(bytes, "bytes");
  // The binding takes Buffers only: a view of the same memory, no copy.
  return binding("keccak256").update(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).digest();
}

/** Which implementation verifies passes in this process. */
export function signatureBackend(): "libsecp256k1" | "noble" {
  return binding() ? "libsecp256k1" : "noble";
}

/** Synchronous check with libsecp256k1; null when the binding is not available. */
export function passSignedByHolderNative(pass: DoorPass, signature: Hex): boolean | null {
  const secp256k1 = binding();
  if (!secp256k1) return null;
  const digest = doorPassDigest(pass, keccak256Bytes);
  const recid = recoveryBit(signature);
  if (!digest || recid === null || signature.length !== 132 || !/^0x[0-9a-fA-F]{130}$/.test(signature)) return false;
  let publicKey: Uint8Array;
  try {
    // r ‖ s, 64 bytes; libsecp256k1 refuses r or s of 0 or ≥ n like @noble/curves does
    publicKey = secp256k1.ecdsaRecover(Buffer.from(signature.slice(2, 130), "hex"), recid, digest, false);
  } catch {
    return false;
  }
  // address = last 20 bytes of keccak256(x ‖ y)
  const address = Buffer.from(keccak256Bytes(publicKey.subarray(1)).subarray(12)).toString("hex");
  return address === pass.holder.slice(2).toLowerCase();
}

/** True when `signature` over `pass` was made by `pass.holder`. */
export async function passSignedByHolder(pass: DoorPass, signature: Hex): Promise<boolean> {
  return passSignedByHolderNative(pass, signature) ?? (await isSignedByHolder(pass, signature));
}
