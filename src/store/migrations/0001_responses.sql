CREATE TABLE `responses` (
	`id` text PRIMARY KEY NOT NULL,
	`key_name` text NOT NULL,
	`created_at` integer NOT NULL,
	`model` text,
	`previous_response_id` text,
	`input_json` text NOT NULL,
	`response_json` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `responses_key_created_idx` ON `responses` (`key_name`,`created_at`);