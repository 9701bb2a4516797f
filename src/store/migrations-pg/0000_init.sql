CREATE TABLE "attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"n" integer NOT NULL,
	"provider" text NOT NULL,
	"upstream_model" text,
	"status" integer,
	"error_code" text,
	"latency_ms" integer,
	"ts" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cache_entries" (
	"hash" text PRIMARY KEY NOT NULL,
	"body" text NOT NULL,
	"status" integer DEFAULT 200 NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"size_bytes" integer NOT NULL,
	"hits" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"key_name" text,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"request_json" text NOT NULL,
	"result_json" text,
	"error_json" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "key_spend" (
	"key_name" text PRIMARY KEY NOT NULL,
	"spent_micros" bigint DEFAULT 0 NOT NULL,
	"budget_adjust_micros" bigint DEFAULT 0 NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"id" text PRIMARY KEY NOT NULL,
	"ts" bigint NOT NULL,
	"key_name" text,
	"group_name" text,
	"route" text,
	"model" text,
	"provider" text,
	"upstream_model" text,
	"prompt_tokens" integer DEFAULT 0 NOT NULL,
	"completion_tokens" integer DEFAULT 0 NOT NULL,
	"cached_tokens" integer DEFAULT 0 NOT NULL,
	"usage_source" text DEFAULT 'upstream' NOT NULL,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"status" integer NOT NULL,
	"error_code" text,
	"latency_ms" integer,
	"ttft_ms" integer,
	"stream" boolean DEFAULT false NOT NULL,
	"partial" boolean DEFAULT false NOT NULL,
	"config_hash" text
);
--> statement-breakpoint
CREATE TABLE "responses" (
	"id" text PRIMARY KEY NOT NULL,
	"key_name" text NOT NULL,
	"created_at" bigint NOT NULL,
	"model" text,
	"previous_response_id" text,
	"input_json" text NOT NULL,
	"response_json" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runtime_keys" (
	"name" text PRIMARY KEY NOT NULL,
	"digest" text NOT NULL,
	"prefix" text NOT NULL,
	"group_name" text DEFAULT 'default' NOT NULL,
	"budget_micros" bigint,
	"expires_at" bigint,
	"models" text DEFAULT '[]' NOT NULL,
	"allow_ips" text DEFAULT '[]' NOT NULL,
	"limits" text,
	"revoked_at" bigint,
	"created_at" bigint NOT NULL,
	CONSTRAINT "runtime_keys_digest_unique" UNIQUE("digest")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "attempts_request_n_idx" ON "attempts" USING btree ("request_id","n");--> statement-breakpoint
CREATE INDEX "cache_expires_idx" ON "cache_entries" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "cache_created_idx" ON "cache_entries" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "jobs_key_created_idx" ON "jobs" USING btree ("key_name","created_at");--> statement-breakpoint
CREATE INDEX "requests_key_ts_idx" ON "requests" USING btree ("key_name","ts");--> statement-breakpoint
CREATE INDEX "requests_ts_idx" ON "requests" USING btree ("ts");--> statement-breakpoint
CREATE INDEX "responses_key_created_idx" ON "responses" USING btree ("key_name","created_at");