import { sql } from "drizzle-orm";
import {
  customType,
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
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

/** PostgreSQL full-text search vector (generated column; read with @@ queries, never written). */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

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
    /** the promoter's face-value waitlist (docs/decisions/013-resale.md, "Face-value waitlist") */
    waitlistEnabled: boolean("waitlist_enabled").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** full-text search over name (weight A), venue and city (B) and description (C) */
    searchVector: tsvector("search_vector").generatedAlwaysAs(
      sql`setweight(to_tsvector('simple', coalesce(name, '')), 'A') || setweight(to_tsvector('simple', coalesce(venue, '') || ' ' || coalesce(city, '')), 'B') || setweight(to_tsvector('simple', coalesce(description, '')), 'C')`,
    ),
  },
  (t) => [
    uniqueIndex("events_slug_key").on(t.slug),
    index("events_search_idx").using("gin", t.searchVector),
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
    /** seats sold (minted on chain, card or wallet) */
    sold: integer("sold").notNull().default(0),
    /** seats held by open card checkouts; sold + reserved <= supply is enforced by the reserving UPDATE */
    reserved: integer("reserved").notNull().default(0),
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

// ---------------------------------------------------------------------------------------------------
// Accounts and sign-in (issue 4)
// ---------------------------------------------------------------------------------------------------

/**
 * The server-held ("embedded") wallet of a card buyer. Envelope encryption: the private key is sealed
 * with AES-256-GCM under a random per-wallet data key; the data key is sealed under the key-encryption
 * key named by `kekId` (WALLET_KEYS in the environment). Rotating the KEK re-seals `wrappedDataKey` only.
 * The private key never leaves the server; the fan claims tickets to a wallet of their own.
 */
export const embeddedWallets = pgTable(
  "embedded_wallets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    address: text("address").notNull(),
    /** base64(iv ‖ ciphertext ‖ tag) of the 32-byte private key under the data key */
    sealedKey: text("sealed_key").notNull(),
    /** base64(iv ‖ ciphertext ‖ tag) of the data key under the KEK `kekId` */
    wrappedDataKey: text("wrapped_data_key").notNull(),
    kekId: text("kek_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("embedded_wallets_user_key").on(t.userId), uniqueIndex("embedded_wallets_address_key").on(sql`lower(${t.address})`)],
);

/** SIWE nonces: issued by the server, single use, short-lived. */
export const siweNonces = pgTable("siwe_nonces", {
  nonce: text("nonce").primaryKey(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** A signed-in browser. The JWT cookie carries `sid`; revoking or rotating happens here. */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** how the session was opened */
    method: text("method").notNull(), // "siwe" | "email"
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** One-time email sign-in links: only the SHA-256 of the token is stored. */
export const loginTokens = pgTable("login_tokens", {
  tokenHash: text("token_hash").primaryKey(),
  email: text("email").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Every email the app sent (or, on embedded defaults, would have sent): the dev mailbox reads it. */
export const mailOutbox = pgTable("mail_outbox", {
  id: uuid("id").primaryKey().defaultRandom(),
  to: text("to").notNull(),
  subject: text("subject").notNull(),
  text: text("text").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Venue staff of an event (mirrors scannerRole(eventId) on the factory). */
export const eventStaff = pgTable(
  "event_staff",
  {
    eventId: uuid("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.userId] })],
);

// ---------------------------------------------------------------------------------------------------
// Card checkout (issue 4): orders, Stripe events, mint batches
// ---------------------------------------------------------------------------------------------------

/**
 * reserved   seats held (`reservedUntil`), Checkout Session open
 * authorized card authorized (PaymentIntent requires_capture), a mint job is queued
 * minting     in a mint batch (see mintBatchId)
 * minted      tickets on chain, capture pending
 * paid        captured: the fan paid and owns the tickets (final)
 * expired     checkout abandoned or timed out: seats released, nothing charged (final)
 * voided      minting impossible: authorization cancelled, nothing charged (final)
 * refunded    refunded through Stripe after capture (final)
 */
export const orderStatus = pgEnum("order_status", [
  "reserved",
  "authorized",
  "minting",
  "minted",
  "paid",
  "expired",
  "voided",
  "refunded",
]);

export const orders = pgTable(
  "orders",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** the buyer; null until the webhook tells who paid (a guest checkout) */
    userId: uuid("user_id").references(() => users.id),
    eventId: uuid("event_id")
      .notNull()
      .references(() => events.id),
    tierId: uuid("tier_id")
      .notNull()
      .references(() => ticketTiers.id),
    quantity: integer("quantity").notNull(),
    unitPriceCents: bigint("unit_price_cents", { mode: "number" }).notNull(),
    amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
    currency: text("currency").notNull().default("usd"),
    status: orderStatus("status").notNull().default("reserved"),
    email: text("email"),
    /** where the tickets are minted (the buyer's embedded wallet) */
    recipient: text("recipient"),
    reservedUntil: timestamp("reserved_until", { withTimezone: true }).notNull(),
    stripeSessionId: text("stripe_session_id"),
    stripePaymentIntentId: text("stripe_payment_intent_id"),
    mintBatchId: uuid("mint_batch_id"),
    /** the order's tickets are firstTokenId .. firstTokenId + quantity - 1 */
    firstTokenId: numeric("first_token_id", { precision: 78, scale: 0 }),
    txHash: text("tx_hash"),
    failureReason: text("failure_reason"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("orders_stripe_session_key").on(t.stripeSessionId),
    index("orders_status_idx").on(t.status, t.reservedUntil),
    index("orders_user_idx").on(t.userId),
    index("orders_tier_idx").on(t.tierId),
  ],
);

/** Stripe webhook events already handled (idempotency by event id). */
export const stripeEvents = pgTable("stripe_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
});

export const mintBatchStatus = pgEnum("mint_batch_status", ["prepared", "sent", "confirmed", "failed"]);

/**
 * One `mintBatch` transaction. Written (with its orders) before the transaction is sent; `batchRef`
 * travels on chain (`mintBatch(tier, recipients, batchRef)`, usable once), so after a crash the worker
 * finds out from the chain (`tokenForOrder(batchRef)`) whether the batch was minted, and never mints twice.
 */
export const mintBatches = pgTable(
  "mint_batches",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    chainId: integer("chain_id").notNull(),
    contractAddress: text("contract_address").notNull(),
    tierPosition: integer("tier_position").notNull(),
    batchRef: text("batch_ref").notNull(),
    status: mintBatchStatus("status").notNull().default("prepared"),
    /** recipients in order, one per ticket */
    recipients: jsonb("recipients").$type<string[]>().notNull(),
    nonce: integer("nonce"),
    txHash: text("tx_hash"),
    firstTokenId: numeric("first_token_id", { precision: 78, scale: 0 }),
    gasUsed: numeric("gas_used", { precision: 78, scale: 0 }),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("mint_batches_ref_key").on(t.batchRef), index("mint_batches_status_idx").on(t.status)],
);

// ---------------------------------------------------------------------------------------------------
// Chain indexer (issue 4): the source of "who owns what" for pages
// ---------------------------------------------------------------------------------------------------

/** How far the indexer got on each chain (block applied last, and its hash for reorg detection). */
export const chainCursors = pgTable("chain_cursors", {
  chainId: integer("chain_id").primaryKey(),
  blockNumber: bigint("block_number", { mode: "number" }).notNull(),
  blockHash: text("block_hash").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Recent applied blocks (number → hash) to find the fork point after a reorg. */
export const indexedBlocks = pgTable(
  "indexed_blocks",
  {
    chainId: integer("chain_id").notNull(),
    number: bigint("number", { mode: "number" }).notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.number] })],
);

/** Every decoded log of the platform's contracts: the history; derived tables are rebuilt from it. */
export const chainLogs = pgTable(
  "chain_logs",
  {
    chainId: integer("chain_id").notNull(),
    blockNumber: bigint("block_number", { mode: "number" }).notNull(),
    logIndex: integer("log_index").notNull(),
    blockHash: text("block_hash").notNull(),
    txHash: text("tx_hash").notNull(),
    address: text("address").notNull(),
    eventName: text("event_name").notNull(),
    /** decoded arguments; bigints as decimal strings */
    args: jsonb("args").$type<Record<string, unknown>>().notNull(),
    blockTime: timestamp("block_time", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.blockNumber, t.logIndex] }),
    index("chain_logs_address_idx").on(t.chainId, t.address, t.eventName),
    index("chain_logs_tx_idx").on(t.txHash),
  ],
);

/** Current state of every ticket, derived from chain_logs. */
export const tickets = pgTable(
  "tickets",
  {
    chainId: integer("chain_id").notNull(),
    contractAddress: text("contract_address").notNull(),
    tokenId: numeric("token_id", { precision: 78, scale: 0 }).notNull(),
    eventId: uuid("event_id").references(() => events.id),
    tierPosition: integer("tier_position"),
    /** lower-case address; the fractions vault while fractionalized */
    owner: text("owner").notNull(),
    originalOwner: text("original_owner").notNull(),
    /** wei paid on chain (buy), "0" for card/complimentary tickets */
    paidWei: numeric("paid_wei", { precision: 78, scale: 0 }).notNull().default("0"),
    checkedIn: boolean("checked_in").notNull().default(false),
    fractionalized: boolean("fractionalized").notNull().default(false),
    refunded: boolean("refunded").notNull().default(false),
    mintedBlock: bigint("minted_block", { mode: "number" }).notNull(),
    updatedBlock: bigint("updated_block", { mode: "number" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.contractAddress, t.tokenId] }),
    index("tickets_owner_idx").on(t.owner),
    index("tickets_event_idx").on(t.eventId),
  ],
);

/** Ticket metadata documents (OpenSea/ERC-721 JSON), content-addressed by CIDv1. */
export const ticketMetadata = pgTable(
  "ticket_metadata",
  {
    cid: text("cid").primaryKey(),
    chainId: integer("chain_id").notNull(),
    contractAddress: text("contract_address").notNull(),
    tokenId: numeric("token_id", { precision: 78, scale: 0 }).notNull(),
    document: jsonb("document").$type<Record<string, unknown>>().notNull(),
    pinnedAt: timestamp("pinned_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("ticket_metadata_token_key").on(t.chainId, t.contractAddress, t.tokenId)],
);

// ---------------------------------------------------------------------------------------------------
// The local Stripe double (test-mode checkout on embedded defaults; app/services/stripe-double/)
// ---------------------------------------------------------------------------------------------------

/** The double's one account: its API key and webhook signing secret, generated on first use. */
export const stripeDoubleAccounts = pgTable("stripe_double_accounts", {
  id: text("id").primaryKey(),
  secretKey: text("secret_key").notNull(),
  webhookSecret: text("webhook_secret").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Stripe objects (checkout.session, payment_intent, charge, refund) as Stripe's JSON, by id. */
export const stripeDoubleObjects = pgTable(
  "stripe_double_objects",
  {
    id: text("id").primaryKey(),
    object: text("object").notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("stripe_double_objects_object_idx").on(t.object)],
);

/** Idempotency-Key replays: the first response to a key is returned again for the same request. */
export const stripeDoubleIdempotency = pgTable("stripe_double_idempotency", {
  key: text("key").primaryKey(),
  fingerprint: text("fingerprint").notNull(),
  status: integer("status"),
  body: jsonb("body").$type<Record<string, unknown>>(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Webhook events the double sent (or still has to deliver: Stripe retries failed deliveries). */
export const stripeDoubleEvents = pgTable(
  "stripe_double_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    attempts: integer("attempts").notNull().default(0),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("stripe_double_events_pending_idx").on(t.deliveredAt)],
);

// ---------------------------------------------------------------------------------------------------
// Resale (issue 5, slice "resale"): the marketplace's off-chain order book
// ---------------------------------------------------------------------------------------------------

export const listingStatus = pgEnum("listing_status", ["open", "filled", "cancelled", "expired", "invalid"]);

/**
 * Signed Marketplace orders for whole tickets (IMarketplace.Order field for field, plus the seller's
 * EIP-712 signature). Closed by the chain: OrderFilled / OrderCancelled / NonceIncremented logs, expiry,
 * or the seller no longer owning / approving the ticket (invalid).
 */
export const listings = pgTable(
  "listings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    chainId: integer("chain_id").notNull(),
    /** lower-case Marketplace proxy address (the EIP-712 verifying contract) */
    marketplace: text("marketplace").notNull(),
    eventId: uuid("event_id")
      .notNull()
      .references(() => events.id),
    /** lower-case ConcertTicket address (order.token) */
    contractAddress: text("contract_address").notNull(),
    tokenId: numeric("token_id", { precision: 78, scale: 0 }).notNull(),
    /** lower-case seller address (order.seller) */
    seller: text("seller").notNull(),
    sellerUserId: uuid("seller_user_id").references(() => users.id),
    priceWei: numeric("price_wei", { precision: 78, scale: 0 }).notNull(),
    /** the ticket's resale cap in wei when listed (null: uncapped) */
    capWei: numeric("cap_wei", { precision: 78, scale: 0 }),
    currency: text("currency").notNull(),
    /** order.expiry, unix seconds */
    expiry: bigint("expiry", { mode: "number" }).notNull(),
    nonce: numeric("nonce", { precision: 78, scale: 0 }).notNull(),
    salt: numeric("salt", { precision: 78, scale: 0 }).notNull(),
    signature: text("signature").notNull(),
    orderHash: text("order_hash").notNull(),
    status: listingStatus("status").notNull().default("open"),
    buyer: text("buyer"),
    closedTx: text("closed_tx"),
    /** the card resale order holding this listing (one guarded UPDATE reserves it; released on expiry or void) */
    reservedBy: uuid("reserved_by"),
    /** sold to the event's waitlist at face value: never shown publicly, handed only to the offered waiter */
    waitlist: boolean("waitlist").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp("closed_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("listings_order_hash_key").on(t.chainId, t.orderHash),
    index("listings_event_status_idx").on(t.eventId, t.status),
    index("listings_token_idx").on(t.chainId, t.contractAddress, t.tokenId),
  ],
);

/**
 * Card purchases of resale listings (app/services/resale-card.server.ts, docs/decisions/013-resale.md):
 * reserved    the listing is held (listings.reserved_by), Checkout Session open
 * authorized  card authorized (PaymentIntent requires_capture), a fill job is queued
 * filling     the buyer's embedded wallet signed the ForwardRequest for Marketplace.fill; sent by the server
 *             signer with the price from the platform float (txHash once sent)
 * filled      the receipt shows the ticket owned by the buyer's embedded wallet; capture pending
 * paid        captured (final)
 * expired     checkout abandoned: listing released, nothing charged (final)
 * voided      fill impossible (ticket moved, approval revoked, listing cancelled): authorization cancelled,
 *             listing released (final)
 * refunded    refunded through Stripe after capture (final)
 */
export const resaleOrderStatus = pgEnum("resale_order_status", [
  "reserved",
  "authorized",
  "filling",
  "filled",
  "paid",
  "expired",
  "voided",
  "refunded",
]);

export const resaleOrders = pgTable(
  "resale_orders",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    listingId: uuid("listing_id")
      .notNull()
      .references(() => listings.id),
    eventId: uuid("event_id")
      .notNull()
      .references(() => events.id),
    userId: uuid("user_id").references(() => users.id),
    email: text("email"),
    /** the buyer's embedded wallet (set when the card is authorized) */
    recipient: text("recipient"),
    /** the listing's price in wei (what the float pays on chain) */
    priceWei: numeric("price_wei", { precision: 78, scale: 0 }).notNull(),
    /** the feed's answer and decimals used to convert it (shown to the buyer) */
    rateAnswer: numeric("rate_answer", { precision: 78, scale: 0 }).notNull(),
    rateDecimals: integer("rate_decimals").notNull(),
    amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
    currency: text("currency").notNull().default("usd"),
    status: resaleOrderStatus("status").notNull().default("reserved"),
    reservedUntil: timestamp("reserved_until", { withTimezone: true }).notNull(),
    stripeSessionId: text("stripe_session_id"),
    stripePaymentIntentId: text("stripe_payment_intent_id"),
    /** the relayed fill: forwarder nonce and deadline signed, transaction hash once sent */
    forwardNonce: numeric("forward_nonce", { precision: 78, scale: 0 }),
    forwardDeadline: bigint("forward_deadline", { mode: "number" }),
    txHash: text("tx_hash"),
    attempts: integer("attempts").notNull().default(0),
    failureReason: text("failure_reason"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("resale_orders_stripe_session_key").on(t.stripeSessionId),
    index("resale_orders_status_idx").on(t.status, t.reservedUntil),
    index("resale_orders_listing_idx").on(t.listingId),
  ],
);

// Face-value waitlist: app/services/waitlist.server.ts
// ---------------------------------------------------------------------------------------------------

export const waitlistStatus = pgEnum("waitlist_status", ["waiting", "offered", "bought", "left", "expired"]);

/**
 * One fan's place in an event's waitlist (one row per account and event; rejoining reuses it with a new
 * joined_at). `offered`: `listingId` is held for them until `offerExpiresAt`. A partial unique index keeps a
 * listing offered to one entry at most; an entry holds one listing at most by construction.
 */
export const waitlistEntries = pgTable(
  "waitlist_entries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    eventId: uuid("event_id")
      .notNull()
      .references(() => events.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    joinedAt: timestamp("joined_at", { withTimezone: true }).notNull().defaultNow(),
    status: waitlistStatus("status").notNull().default("waiting"),
    /** the waitlist listing offered to this fan (status offered), or the one they bought */
    listingId: uuid("listing_id").references(() => listings.id),
    offeredAt: timestamp("offered_at", { withTimezone: true }),
    offerExpiresAt: timestamp("offer_expires_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("waitlist_entries_event_user_key").on(t.eventId, t.userId),
    index("waitlist_entries_line_idx").on(t.eventId, t.status, t.joinedAt),
    uniqueIndex("waitlist_entries_offered_listing_key").on(t.listingId).where(sql`${t.status} = 'offered'`),
  ],
);

// Door check-in (issue 5, branch door): app/services/door.server.ts
// ---------------------------------------------------------------------------------------------------

/**
 * A ticket let in at the door. The primary key makes a second scan of the same ticket fail even when two
 * gates scan it at the same instant (the INSERT of one of them finds the row). `onChain` follows the
 * batched `ConcertTicket.checkIn(tokenIds)` transaction sent by the server signer.
 */
export const checkInChainStatus = pgEnum("check_in_chain_status", ["pending", "confirmed", "failed"]);

export const checkIns = pgTable(
  "check_ins",
  {
    chainId: integer("chain_id").notNull(),
    /** lower-case ticket contract */
    contractAddress: text("contract_address").notNull(),
    tokenId: numeric("token_id", { precision: 78, scale: 0 }).notNull(),
    eventId: uuid("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    /** lower-case address that signed the pass (the owner at scan time) */
    holder: text("holder").notNull(),
    scannerId: uuid("scanner_id").references(() => users.id, { onDelete: "set null" }),
    gate: text("gate").notNull().default(""),
    /** when the ticket was scanned (the scanner's clock for offline scans) */
    scannedAt: timestamp("scanned_at", { withTimezone: true }).notNull(),
    /** id of an offline scan (the scanner's queue), so a retried sync is not a second check-in */
    scanId: text("scan_id"),
    onChain: checkInChainStatus("on_chain").notNull().default("pending"),
    txHash: text("tx_hash"),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.chainId, t.contractAddress, t.tokenId] }),
    uniqueIndex("check_ins_scan_key").on(t.scanId),
    index("check_ins_event_idx").on(t.eventId),
    index("check_ins_on_chain_idx").on(t.onChain),
  ],
);

/** Offline scans refused on sync (typically the same ticket let in at two gates while offline). */
export const checkInConflicts = pgTable(
  "check_in_conflicts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    eventId: uuid("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    scanId: text("scan_id").notNull(),
    tokenId: numeric("token_id", { precision: 78, scale: 0 }),
    scannerId: uuid("scanner_id").references(() => users.id, { onDelete: "set null" }),
    gate: text("gate").notNull().default(""),
    scannedAt: timestamp("scanned_at", { withTimezone: true }).notNull(),
    reason: text("reason").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("check_in_conflicts_scan_key").on(t.scanId), index("check_in_conflicts_event_idx").on(t.eventId)],
);

// Promoter tools (issue 5, branch promoter)
// ---------------------------------------------------------------------------------------------------

/**
 * What the promoter chose for an event that `events` does not hold: the on-chain resale terms (one
 * royalty and one resale cap per event contract) and the publishing transaction the promoter's wallet sent.
 */
export const eventTerms = pgTable("event_terms", {
  eventId: uuid("event_id")
    .primaryKey()
    .references(() => events.id, { onDelete: "cascade" }),
  royaltyBps: integer("royalty_bps").notNull(),
  /** 0 = no cap; otherwise ≥ 10000 (a resale may ask at most this share of the face value) */
  resaleCapBps: integer("resale_cap_bps").notNull(),
  publishTxHash: text("publish_tx_hash"),
  publishSubmittedAt: timestamp("publish_submitted_at", { withTimezone: true }),
});

// ---------------------------------------------------------------------------------------------------
// Fractions (issue 5, fractions slice): the off-chain order book of share listings
// ---------------------------------------------------------------------------------------------------

/**
 * Signed marketplace orders selling shares of a fraction (order.token = the fractions vault, order.tokenId =
 * the fraction id). `remaining` and `status` are recomputed from chain_logs (OrderFilled, OrderCancelled,
 * NonceIncremented) by reconcileShareListings, never decremented in place, so a reorg cannot leave them wrong.
 * Whole-ticket resale lives in its own table (`listings`).
 */
export const shareListings = pgTable(
  "share_listings",
  {
    /** EIP-712 order hash (lower-case hex), as Marketplace.orderHash computes it */
    hash: text("hash").primaryKey(),
    chainId: integer("chain_id").notNull(),
    marketplace: text("marketplace").notNull(),
    fractionId: numeric("fraction_id", { precision: 78, scale: 0 }).notNull(),
    seller: text("seller").notNull(),
    token: text("token").notNull(),
    amount: numeric("amount", { precision: 78, scale: 0 }).notNull(),
    /** wei per share (native coin orders only) */
    price: numeric("price", { precision: 78, scale: 0 }).notNull(),
    currency: text("currency").notNull(),
    expiry: bigint("expiry", { mode: "number" }).notNull(),
    nonce: numeric("nonce", { precision: 78, scale: 0 }).notNull(),
    salt: numeric("salt", { precision: 78, scale: 0 }).notNull(),
    signature: text("signature").notNull(),
    /** shares not sold yet: amount − Σ OrderFilled.amount */
    remaining: numeric("remaining", { precision: 78, scale: 0 }).notNull(),
    /** open | filled | cancelled | expired */
    status: text("status").notNull().default("open"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("share_listings_fraction_idx").on(t.chainId, t.fractionId, t.status)],
);
