/**
 * `npm run wallets:rotate`: re-wraps every embedded wallet's data key under the first key of
 * WALLET_KEYS. Procedure: generate a key (`openssl rand -base64 32`), put it FIRST in WALLET_KEYS
 * (`new:…,old:…`), restart the app servers, run this, then drop the old key from WALLET_KEYS.
 */
import path from "node:path";
import { closeDb, getDbHandle, migrate } from "../db/client.server";
import { env } from "../app/env.server";
import { secrets } from "../app/services/secrets.server";
import { rotateWalletKeys } from "../app/services/wallets.server";

const config = env();
const handle = await getDbHandle({ databaseUrl: config.DATABASE_URL, pgliteDir: path.join(path.resolve(config.DATA_DIR), "pglite") });
await migrate(handle);
const changed = await rotateWalletKeys(handle.db);
console.log(`[ticketchain] ${changed} embedded wallet(s) re-wrapped under key "${secrets().keks[0]!.id}"`);
await closeDb();
