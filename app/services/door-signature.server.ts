import { createRequire } from "node:module";
import path from "node:path";
import { keccak256, type Hex } from "viem";
import { doorPassDigest, isSignedByHolder, recoveryBit, type DoorPass } from "~/lib/door-pass";

/**
 * The door's signature check on the server (docs/decisions/011-door-check-in.md): the same answer as
 * `isSignedByHolder` (app/lib/door-pass.ts, viem + @noble/curves), about 30 times faster. The EIP-712
 * digest is computed by hand (door-pass.ts, precomputed type hash and domain separator); the public key
 * is recovered by libsecp256k1 (Bitcoin Core's C library, the `secp256k1` package's prebuilt N-API
 * binding), then hashed to the address and compared with the pass's holder. The three keccak-256 hashes
 * (struct, digest, address) use the `keccak` package's native sponge (XKCP, ~2 µs each against ~25 µs for
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
 * used, and this is said once).
 */
function nativeBinding<T>(name: string, fallback: string, load: () => T): () => T | null {
  let loaded: T | null | undefined; // undefined: not tried yet
  return () => {
    if (loaded === undefined) {
      try {
        loaded = load();
      } catch (error) {
        console.warn(`door: ${name} unavailable, ${fallback} (slower): ${(error as Error).message.split("\n")[0]}`);
        loaded = null;
      }
    }
    return loaded;
  };
}

const requireModule = createRequire(import.meta.url);
// The package's native-only entry (its main entry would fall back to JavaScript quietly).
const binding = nativeBinding("secp256k1/bindings", "verifying passes with @noble/curves", () => requireModule("secp256k1/bindings") as NativeSecp256k1);

/** The `keccak` package's native sponge (XKCP): `keccak/bindings` wraps it in a stream per hash, ~4x its cost. */
interface KeccakState {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  squeeze(length: number): Buffer;
}
const keccakState = nativeBinding("keccak", "hashing with viem", () => {
  // Loaded as keccak/bindings.js loads it: node-gyp-build (keccak's own dependency) finds the prebuild.
  const packageJson = requireModule.resolve("keccak/package.json");
  const State = createRequire(packageJson)("node-gyp-build")(path.dirname(packageJson)) as unknown;
  if (typeof State !== "function") throw new Error("native add-on failed to load");
  return new (State as new () => KeccakState)();
});

/** Which keccak-256 the server's pass check uses in this process. */
export function keccakBackend(): "native" | "viem" {
  return keccakState() ? "native" : "viem";
}

/** keccak-256 of `bytes`: native when the `keccak` binding loads, else viem's (JavaScript). */
export function keccak256Bytes(bytes: Uint8Array): Uint8Array {
  const state = keccakState();
  if (!state) return keccak256(bytes, "bytes");
  // One sponge for the process, reset per hash (the calls are synchronous). Keccak-256: rate 1088 bits,
  // capacity 512, the original padding (the binding's default). Buffers only: a view, no copy.
  state.initialize(1088, 512);
  state.absorb(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return state.squeeze(32);
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
  return addressHexOf(publicKey) === pass.holder.slice(2).toLowerCase();
}

/** The address of an uncompressed public key (0x04 ‖ x ‖ y) as 40 lowercase hex digits, no 0x: the last 20 bytes of keccak256(x ‖ y). */
export function addressHexOf(publicKey: Uint8Array): string {
  return Buffer.from(keccak256Bytes(publicKey.subarray(1)).subarray(12)).toString("hex");
}

/** True when `signature` over `pass` was made by `pass.holder`. */
export async function passSignedByHolder(pass: DoorPass, signature: Hex): Promise<boolean> {
  return passSignedByHolderNative(pass, signature) ?? (await isSignedByHolder(pass, signature));
}
