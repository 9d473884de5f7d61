CREATE TYPE "public"."check_in_chain_status" AS ENUM('pending', 'confirmed', 'failed');--> statement-breakpoint
CREATE TABLE "check_in_conflicts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"scan_id" text NOT NULL,
	"token_id" numeric(78, 0),
	"scanner_id" uuid,
	"gate" text DEFAULT '' NOT NULL,
	"scanned_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "check_ins" (
	"chain_id" integer NOT NULL,
	"contract_address" text NOT NULL,
	"token_id" numeric(78, 0) NOT NULL,
	"event_id" uuid NOT NULL,
	"holder" text NOT NULL,
	"scanner_id" uuid,
	"gate" text DEFAULT '' NOT NULL,
	"scanned_at" timestamp with time zone NOT NULL,
	"scan_id" text,
	"on_chain" "check_in_chain_status" DEFAULT 'pending' NOT NULL,
	"tx_hash" text,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "check_ins_chain_id_contract_address_token_id_pk" PRIMARY KEY("chain_id","contract_address","token_id")
);
--> statement-breakpoint
ALTER TABLE "check_in_conflicts" ADD CONSTRAINT "check_in_conflicts_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "check_in_conflicts" ADD CONSTRAINT "check_in_conflicts_scanner_id_users_id_fk" FOREIGN KEY ("scanner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "check_ins" ADD CONSTRAINT "check_ins_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "check_ins" ADD CONSTRAINT "check_ins_scanner_id_users_id_fk" FOREIGN KEY ("scanner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "check_in_conflicts_scan_key" ON "check_in_conflicts" USING btree ("scan_id");--> statement-breakpoint
CREATE INDEX "check_in_conflicts_event_idx" ON "check_in_conflicts" USING btree ("event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "check_ins_scan_key" ON "check_ins" USING btree ("scan_id");--> statement-breakpoint
CREATE INDEX "check_ins_event_idx" ON "check_ins" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "check_ins_on_chain_idx" ON "check_ins" USING btree ("on_chain");