import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  integer,
  numeric,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/**
 * Off-chain state. Money is stored in integer minor units: cents as bigint (mode "number" is safe
 * below 2^53 cents) and wei as numeric(78,0) read back as strings and converted with BigInt.
 */

export const userRole = pgEnum("user_role", ["fan", "promoter", "scanner", "admin"]);
export const eventStatus = pgEnum("event_status", ["draft", "published", "cancelled"]);

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email"),
    displayName: text("display_name").notNull(),
    walletAddress: text("wallet_address"),
    role: userRole("role").notNull().default("fan"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("users_email_key").on(sql`lower(${t.email})`),
    uniqueIndex("users_wallet_key").on(sql`lower(${t.walletAddress})`),
  ],
);

export const events = pgTable(
  "events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull(),
    promoterId: uuid("promoter_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    venue: text("venue").notNull(),
    city: text("city").notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    imageUrl: text("image_url"),
    status: eventStatus("status").notNull().default("draft"),
    chainId: integer("chain_id").notNull(),
    /** factory event id; null until published on chain */
    onChainId: numeric("on_chain_id", { precision: 78, scale: 0 }),
    contractAddress: text("contract_address"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("events_slug_key").on(t.slug),
    uniqueIndex("events_chain_contract_key").on(t.chainId, sql`lower(${t.contractAddress})`),
    index("events_starts_at_idx").on(t.startsAt),
  ],
);

export const ticketTiers = pgTable(
  "ticket_tiers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    eventId: uuid("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    /** index of the tier in the event's ConcertTicket contract */
    position: integer("position").notNull(),
    name: text("name").notNull(),
    priceCents: bigint("price_cents", { mode: "number" }).notNull(),
    priceWei: numeric("price_wei", { precision: 78, scale: 0 }).notNull(),
    supply: integer("supply").notNull(),
    sold: integer("sold").notNull().default(0),
  },
  (t) => [uniqueIndex("ticket_tiers_event_position_key").on(t.eventId, t.position)],
);

/**
 * One row per chain the app has talked to: the genesis hash seen there. A local chain whose genesis
 * differs from the recorded one (its journal was deleted) would disagree with this database, so the
 * app refuses to start instead (docs/decisions/003-local-chain-journal.md).
 */
export const chains = pgTable("chains", {
  chainId: integer("chain_id").primaryKey(),
  genesisHash: text("genesis_hash").notNull(),
  firstSeenAt: timestamp("first_seen_at", { withTimezone: true }).notNull().defaultNow(),
});
