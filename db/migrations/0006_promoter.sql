CREATE TABLE "event_terms" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"royalty_bps" integer NOT NULL,
	"resale_cap_bps" integer NOT NULL,
	"publish_tx_hash" text,
	"publish_submitted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "event_terms" ADD CONSTRAINT "event_terms_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;