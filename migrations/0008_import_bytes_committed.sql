ALTER TABLE "imports" ADD COLUMN "bytes_committed" bigint;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "bytes_committed_at_row" integer;