CREATE TABLE "import_schedule_files" (
	"workspace_id" uuid NOT NULL,
	"schedule_id" uuid NOT NULL,
	"file_name" text NOT NULL,
	"size" bigint NOT NULL,
	"mtime_ns" numeric(20, 0) NOT NULL,
	"inode" numeric(20, 0) NOT NULL,
	"checksum" text NOT NULL,
	"import_id" uuid NOT NULL,
	"seen_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "import_schedule_files_pkey" PRIMARY KEY("schedule_id","file_name")
);
--> statement-breakpoint
ALTER TABLE "import_schedules" ADD COLUMN "last_run_job_id" uuid;--> statement-breakpoint
ALTER TABLE "import_schedules" ADD COLUMN "last_run_trigger" text;--> statement-breakpoint
ALTER TABLE "import_schedules" ADD COLUMN "last_run_status" text;--> statement-breakpoint
ALTER TABLE "import_schedules" ADD COLUMN "last_run_finished_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "import_schedules" ADD COLUMN "last_run_error" text;--> statement-breakpoint
ALTER TABLE "import_schedules" ADD COLUMN "last_run_counts" jsonb;--> statement-breakpoint
ALTER TABLE "import_schedule_files" ADD CONSTRAINT "import_schedule_files_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_schedule_files" ADD CONSTRAINT "import_schedule_files_schedule_fkey" FOREIGN KEY ("workspace_id","schedule_id") REFERENCES "public"."import_schedules"("workspace_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "import_schedule_files_import_id_idx" ON "import_schedule_files" USING btree ("import_id");