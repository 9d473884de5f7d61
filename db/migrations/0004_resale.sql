CREATE TYPE "public"."listing_status" AS ENUM('open', 'filled', 'cancelled', 'expired', 'invalid');--> statement-breakpoint
CREATE TABLE "listings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"chain_id" integer NOT NULL,
	"marketplace" text NOT NULL,
	"event_id" uuid NOT NULL,
	"contract_address" text NOT NULL,
	"token_id" numeric(78, 0) NOT NULL,
	"seller" text NOT NULL,
	"seller_user_id" uuid,
	"price_wei" numeric(78, 0) NOT NULL,
	"cap_wei" numeric(78, 0),
	"currency" text NOT NULL,
	"expiry" bigint NOT NULL,
	"nonce" numeric(78, 0) NOT NULL,
	"salt" numeric(78, 0) NOT NULL,
	"signature" text NOT NULL,
	"order_hash" text NOT NULL,
	"status" "listing_status" DEFAULT 'open' NOT NULL,
	"buyer" text,
	"closed_tx" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "listings" ADD CONSTRAINT "listings_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "listings" ADD CONSTRAINT "listings_seller_user_id_users_id_fk" FOREIGN KEY ("seller_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "listings_order_hash_key" ON "listings" USING btree ("chain_id","order_hash");--> statement-breakpoint
CREATE INDEX "listings_event_status_idx" ON "listings" USING btree ("event_id","status");--> statement-breakpoint
CREATE INDEX "listings_token_idx" ON "listings" USING btree ("chain_id","contract_address","token_id");