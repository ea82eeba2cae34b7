CREATE TABLE "lead_scoring_rule_versions" (
	"workspace_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"rules" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" uuid,
	CONSTRAINT "lead_scoring_rule_versions_workspace_id_version_pk" PRIMARY KEY("workspace_id","version")
);
--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "score_facts" integer[];--> statement-breakpoint
ALTER TABLE "lead_scoring_rule_versions" ADD CONSTRAINT "lead_scoring_rule_versions_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_scoring_rule_versions" ADD CONSTRAINT "lead_scoring_rule_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- Each workspace's rules in force become the first entry of its history;
-- the versions before them were never kept, so leads scored with those
-- keep the breakdown they were written with until they are rescored.
INSERT INTO "lead_scoring_rule_versions" ("workspace_id", "version", "rules", "created_at", "created_by")
SELECT "workspace_id", "version", "rules", "updated_at", "updated_by" FROM "lead_scoring_rules";
