CREATE TYPE "public"."resale_order_status" AS ENUM('reserved', 'authorized', 'filling', 'filled', 'paid', 'expired', 'voided', 'refunded');--> statement-breakpoint
CREATE TABLE "resale_orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"listing_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"user_id" uuid,
	"email" text,
	"recipient" text,
	"price_wei" numeric(78, 0) NOT NULL,
	"rate_answer" numeric(78, 0) NOT NULL,
	"rate_decimals" integer NOT NULL,
	"amount_cents" bigint NOT NULL,
	"currency" text DEFAULT 'usd' NOT NULL,
	"status" "resale_order_status" DEFAULT 'reserved' NOT NULL,
	"reserved_until" timestamp with time zone NOT NULL,
	"stripe_session_id" text,
	"stripe_payment_intent_id" text,
	"forward_nonce" numeric(78, 0),
	"forward_deadline" bigint,
	"tx_hash" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"failure_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "listings" ADD COLUMN "reserved_by" uuid;--> statement-breakpoint
ALTER TABLE "resale_orders" ADD CONSTRAINT "resale_orders_listing_id_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."listings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resale_orders" ADD CONSTRAINT "resale_orders_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resale_orders" ADD CONSTRAINT "resale_orders_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "resale_orders_stripe_session_key" ON "resale_orders" USING btree ("stripe_session_id");--> statement-breakpoint
CREATE INDEX "resale_orders_status_idx" ON "resale_orders" USING btree ("status","reserved_until");--> statement-breakpoint
CREATE INDEX "resale_orders_listing_idx" ON "resale_orders" USING btree ("listing_id");