import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventFromDiscovery,
  eventFromPastedJson,
  fetchDiscoveryEvent,
  majorUnitsToCents,
  parseTicketmasterId,
  TicketmasterError,
} from "./ticketmaster.server";

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/ticketmaster/${name}`, import.meta.url), "utf8");
const EVENT = JSON.parse(fixture("event.json"));
const ERRORS = JSON.parse(fixture("errors.json"));

describe("Discovery API event -> draft event", () => {
  it("maps the recorded response", () => {
    const draft = eventFromDiscovery(EVENT);
    expect(draft).toMatchObject({
      externalId: "G5vYZ9aKxQ2Lm",
      name: "Aurora Lights — The Northern Tour",
      venue: "Brooklyn Steel",
      city: "Brooklyn",
      timezone: "America/New_York",
      imageUrl: expect.stringContaining("TABLET_LANDSCAPE_LARGE_16_9"),
      tiers: [
        { name: "General admission", priceCents: 4950, currency: "usd" },
        { name: "VIP", priceCents: 24999, currency: "usd" },
      ],
    });
    expect(draft.startsAt.toISOString()).toBe("2027-03-15T00:00:00.000Z");
    expect(draft.description).toContain("Doors open");
  });

  it("converts prices without float error", () => {
    expect(majorUnitsToCents(49.5)).toBe(4950);
    expect(majorUnitsToCents(0.29)).toBe(29); // 0.29 * 100 = 28.999999999999996 in floats
    expect(majorUnitsToCents(1005)).toBe(100500);
    expect(() => majorUnitsToCents(1.005)).toThrow(TicketmasterError);
  });

  it("refuses an event without a fixed date, a venue, or the right shape", () => {
    const tba = structuredClone(EVENT);
    tba.dates.start = { localDate: "2027-03-14", dateTBA: false, timeTBA: true };
    expect(() => eventFromDiscovery(tba)).toThrow(/no fixed start time/);
    const noVenue = structuredClone(EVENT);
    delete noVenue._embedded;
    expect(() => eventFromDiscovery(noVenue)).toThrow(/no venue/);
    expect(() => eventFromDiscovery({ hello: "world" })).toThrow(/Not a Ticketmaster event: id/);
    expect(() => eventFromPastedJson("{nope")).toThrow(/not valid JSON/);
  });

  it("accepts an id or an event URL", () => {
    expect(parseTicketmasterId(" G5vYZ9aKxQ2Lm ")).toBe("G5vYZ9aKxQ2Lm");
    expect(parseTicketmasterId(EVENT.url)).toBe("3000614FD2A1B9C4");
    expect(() => parseTicketmasterId("../../etc/passwd")).toThrow(TicketmasterError);
  });
});

describe("Discovery API client against a local server answering like the API", () => {
  let server: Server;
  let baseUrl: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url!, "http://x");
      seen.push(url.pathname + url.search);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json;charset=utf-8" });
        res.end(JSON.stringify(body));
      };
      if (url.searchParams.get("apikey") !== "good-key") return send(401, ERRORS["401"]);
      if (url.pathname === "/discovery/v2/events/G5vYZ9aKxQ2Lm.json") return send(200, EVENT);
      if (url.pathname === "/discovery/v2/events/LIMITED.json") return send(429, ERRORS["429"]);
      return send(404, ERRORS["404"]);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("fetches and maps an event, sending the key as the API expects", async () => {
    const draft = await fetchDiscoveryEvent("G5vYZ9aKxQ2Lm", { apiKey: "good-key", baseUrl });
    expect(draft.name).toBe("Aurora Lights — The Northern Tour");
    expect(seen.at(-1)).toBe("/discovery/v2/events/G5vYZ9aKxQ2Lm.json?apikey=good-key&locale=*");
  });

  it.each([
    ["NOPE123", "good-key", 404, /no event with that id/],
    ["G5vYZ9aKxQ2Lm", "bad-key", 502, /refused the API key/],
    ["LIMITED", "good-key", 503, /rate limit/],
  ])("maps %s with %s to %i", async (id, apiKey, status, message) => {
    const error = await fetchDiscoveryEvent(id, { apiKey, baseUrl }).catch((e) => e);
    expect(error).toBeInstanceOf(TicketmasterError);
    expect(error.status).toBe(status);
    expect(error.message).toMatch(message);
  });

  it("reports an unreachable API as 503", async () => {
    const error = await fetchDiscoveryEvent("G5vYZ9aKxQ2Lm", { apiKey: "good-key", baseUrl: "http://127.0.0.1:9", timeoutMs: 2000 }).catch((e) => e);
    expect(error).toMatchObject({ status: 503 });
  });
});
