import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { CID } from "multiformats/cid";
import * as jsonCodec from "multiformats/codecs/json";
import { sha256 } from "multiformats/hashes/sha2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, getDbHandle, migrate, type DbHandle } from "../../db/client.server";
import { events, ticketMetadata, tickets, ticketTiers, users } from "../../db/schema";
import { loader as ipfsLoader } from "~/routes/ipfs.$cid";
import { loader as metadataLoader } from "~/routes/metadata.$chainId.$contract.$tokenId";
import { canonicalJson, refreshTicketMetadata, requestPin, type PinningConfig } from "./metadata.server";
import { databaseBackends } from "../../test/support/databases";

const CONTRACT = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const OWNER = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
const BASE = "http://localhost:3000";

/** A stand-in for an IPFS Pinning Service API (POST /pins per the spec), on loopback. */
function pinningService(token: string) {
  const received: Array<{ cid: string; name: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401).end(JSON.stringify({ error: { reason: "UNAUTHORIZED", details: "Access token is missing or invalid" } }));
        return;
      }
      if (req.method === "POST" && req.url === "/pins") {
        const pin = JSON.parse(body) as { cid: string; name: string };
        if (!pin.cid) {
          res.writeHead(400).end(JSON.stringify({ error: { reason: "BAD_REQUEST", details: "cid is required" } }));
          return;
        }
        received.push(pin);
        res.writeHead(202).end(
          JSON.stringify({ requestid: `req-${received.length}`, status: "queued", created: new Date().toISOString(), pin, delegates: ["/dnsaddr/pin.example"], info: {} }),
        );
        return;
      }
      res.writeHead(404).end(JSON.stringify({ error: { reason: "NOT_FOUND" } }));
    });
  });
  return {
    received,
    start: () => new Promise<string>((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(databaseBackends())("ticket metadata (database: %s)", (_backend, createDatabase) => {
  let handle: DbHandle;
  let drop: () => Promise<void>;
  let eventId: string;
  const service = pinningService("secret-token-123");
  let pinning: PinningConfig;

  beforeAll(async () => {
    const database = await createDatabase();
    drop = database.drop;
    await closeDb();
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    const [promoter] = await handle.db.insert(users).values({ displayName: "P", role: "promoter" }).returning();
    const [event] = await handle.db
      .insert(events)
      .values({
        slug: "show",
        promoterId: promoter!.id,
        name: "Aurora Nights",
        venue: "Harbour Hall",
        city: "Lisbon",
        startsAt: new Date("2027-02-01T20:00:00Z"),
        imageUrl: "/demo-event.svg",
        status: "published",
        chainId: 31337,
        contractAddress: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      })
      .returning();
    eventId = event!.id;
    await handle.db.insert(ticketTiers).values([
      { eventId, position: 0, name: "General Admission", priceCents: 4500, priceWei: "1", supply: 10 },
      { eventId, position: 1, name: "VIP", priceCents: 12000, priceWei: "1", supply: 10 },
    ]);
    // Rows as the indexer writes them (its own tests check that derivation against a real chain).
    await handle.db.insert(tickets).values(
      [1, 2, 3].map((id) => ({
        chainId: 31337,
        contractAddress: CONTRACT,
        tokenId: String(id),
        eventId,
        tierPosition: id === 2 ? 1 : 0,
        owner: OWNER,
        originalOwner: OWNER,
        mintedBlock: 5,
        updatedBlock: 5,
      })),
    );
    pinning = { url: await service.start(), token: "secret-token-123" };
  });
  afterAll(async () => {
    await service.stop();
    await closeDb();
    await drop();
  });

  it("describes a ticket in the ERC-721 metadata shape with a CID that multiformats recomputes", async () => {
    const stored = await refreshTicketMetadata(31337, CONTRACT, "3", { baseUrl: BASE, pinning: null });
    expect(stored!.document).toEqual({
      name: "Aurora Nights — General Admission #3",
      description: expect.stringContaining("General Admission ticket for Aurora Nights at Harbour Hall, Lisbon"),
      image: `${BASE}/demo-event.svg`,
      external_url: `${BASE}/events/show`,
      attributes: [
        { trait_type: "Event", value: "Aurora Nights" },
        { trait_type: "Date", display_type: "date", value: 1801512000 },
        { trait_type: "Venue", value: "Harbour Hall" },
        { trait_type: "City", value: "Lisbon" },
        { trait_type: "Tier", value: "General Admission" },
        { trait_type: "Seat", display_type: "number", value: 2 }, // token 2 is VIP: #3 is the 2nd GA seat
        { trait_type: "Status", value: "Valid" },
      ],
    });
    const expected = CID.create(1, jsonCodec.code, await sha256.digest(new TextEncoder().encode(canonicalJson(stored!.document))));
    expect(stored!.cid).toBe(expected.toString());
    expect(stored!.cid).toMatch(/^bagaaiera[a-z2-7]+$/); // v1, json codec, sha2-256, base32
    // The canonical bytes are what multiformats' own json codec decodes back to the document.
    expect(jsonCodec.decode(stored!.bytes)).toEqual(stored!.document);
    // Same state, same CID: nothing new stored.
    expect((await refreshTicketMetadata(31337, CONTRACT, "3", { baseUrl: BASE, pinning: null }))!.created).toBe(false);
  });

  it("gives a ticket a new CID when its status changes, replacing the old row", async () => {
    const before = await refreshTicketMetadata(31337, CONTRACT, "1", { baseUrl: BASE, pinning: null });
    await handle.db.update(tickets).set({ checkedIn: true }).where(eq(tickets.tokenId, "1"));
    const after = await refreshTicketMetadata(31337, CONTRACT, "1", { baseUrl: BASE, pinning: null });
    expect(after!.cid).not.toBe(before!.cid);
    expect(after!.document.attributes.at(-1)).toEqual({ trait_type: "Status", value: "Checked in" });
    const rows = await handle.db.select({ cid: ticketMetadata.cid }).from(ticketMetadata).where(eq(ticketMetadata.tokenId, "1"));
    expect(rows).toEqual([{ cid: after!.cid }]);
  });

  it("pins a new document through the Pinning Service API and records when", async () => {
    const stored = await refreshTicketMetadata(31337, CONTRACT, "2", { baseUrl: BASE, pinning });
    expect(service.received).toEqual([{ cid: stored!.cid, name: `ticket-31337-${CONTRACT}-2` }]);
    expect(stored!.pinnedAt).toBeInstanceOf(Date);
    const [row] = await handle.db.select({ pinnedAt: ticketMetadata.pinnedAt }).from(ticketMetadata).where(eq(ticketMetadata.cid, stored!.cid));
    expect(row!.pinnedAt).not.toBeNull();
    // Unchanged document: not pinned again.
    await refreshTicketMetadata(31337, CONTRACT, "2", { baseUrl: BASE, pinning });
    expect(service.received).toHaveLength(1);
  });

  it("reports the service's refusal and leaves the document unpinned", async () => {
    await expect(requestPin({ ...pinning, token: "wrong-token-xyz" }, "bagaaiera", "x")).rejects.toThrow(/401: UNAUTHORIZED/);
    await handle.db.update(tickets).set({ refunded: true }).where(eq(tickets.tokenId, "3"));
    const warnings: string[] = [];
    const stored = await refreshTicketMetadata(31337, CONTRACT, "3", { baseUrl: BASE, pinning: { ...pinning, token: "wrong-token-xyz" }, log: (m) => warnings.push(m) });
    expect(stored!.pinnedAt).toBeNull();
    expect(warnings.join()).toMatch(/401: UNAUTHORIZED/);
  });

  describe("routes", () => {
    const metadata = (chainId: string, contract: string, tokenId: string) =>
      metadataLoader({ params: { chainId, contract, tokenId }, request: new Request("http://x/"), context: {} });
    const ipfs = (cid: string) => ipfsLoader({ params: { cid }, request: new Request("http://x/"), context: {} });

    it("serves /metadata/<chain>/<contract>/<token> (200) and the same bytes at /ipfs/<cid>, immutable", async () => {
      const response = await metadata("31337", CONTRACT.toUpperCase().replace("0X", "0x"), "1");
      expect(response.status).toBe(200);
      const cid = response.headers.get("ETag")!.replaceAll('"', "");
      const body = new Uint8Array(await response.arrayBuffer());
      expect(CID.create(1, jsonCodec.code, await sha256.digest(body)).toString()).toBe(cid);
      const fromIpfs = await ipfs(cid);
      expect(fromIpfs.status).toBe(200);
      expect(fromIpfs.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
      expect(new Uint8Array(await fromIpfs.arrayBuffer())).toEqual(body);
    });

    it("answers 400 for malformed input and 404 for unknown tickets or CIDs, as JSON", async () => {
      for (const [chainId, contract, tokenId] of [["x", CONTRACT, "1"], ["31337", "0x123", "1"], ["31337", CONTRACT, "-1"]]) {
        const r = await metadata(chainId!, contract!, tokenId!);
        expect(r.status).toBe(400);
        expect(((await r.json()) as { error: string }).error).toBeTruthy();
      }
      expect((await metadata("31337", CONTRACT, "999")).status).toBe(404);
      expect((await metadata("137", CONTRACT, "1")).status).toBe(404);
      expect((await ipfs("not-a-cid")).status).toBe(400);
      const unknown = CID.create(1, jsonCodec.code, await sha256.digest(new TextEncoder().encode("{}"))).toString();
      const r = await ipfs(unknown);
      expect(r.status).toBe(404);
      expect(await r.json()).toEqual({ error: `no document with CID ${unknown} here` });
    });
  });
});
