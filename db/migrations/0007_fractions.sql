CREATE TABLE "share_listings" (
	"hash" text PRIMARY KEY NOT NULL,
	"chain_id" integer NOT NULL,
	"marketplace" text NOT NULL,
	"fraction_id" numeric(78, 0) NOT NULL,
	"seller" text NOT NULL,
	"token" text NOT NULL,
	"amount" numeric(78, 0) NOT NULL,
	"price" numeric(78, 0) NOT NULL,
	"currency" text NOT NULL,
	"expiry" bigint NOT NULL,
	"nonce" numeric(78, 0) NOT NULL,
	"salt" numeric(78, 0) NOT NULL,
	"signature" text NOT NULL,
	"remaining" numeric(78, 0) NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "share_listings_fraction_idx" ON "share_listings" USING btree ("chain_id","fraction_id","status");