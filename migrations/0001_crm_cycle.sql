CREATE TABLE "opportunity_history" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"opportunity_id" uuid NOT NULL,
	"changed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"changed_by_id" uuid,
	"changed_fields" text[] DEFAULT '{}'::text[] NOT NULL,
	"stage" text NOT NULL,
	"amount" numeric(14, 2),
	"probability" integer NOT NULL,
	"close_date" date,
	"previous_stage" text,
	"previous_amount" numeric(14, 2),
	"previous_probability" integer,
	"previous_close_date" date
);
--> statement-breakpoint
CREATE TABLE "opportunity_line_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	"opportunity_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"quantity" numeric(14, 4) NOT NULL,
	"unit_price" numeric(14, 2) NOT NULL,
	"discount_percent" numeric(5, 2) DEFAULT '0' NOT NULL,
	"total_price" numeric(14, 2) NOT NULL,
	"description" text,
	CONSTRAINT "opportunity_line_items_workspace_id_id_key" UNIQUE("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "opportunity_contact_roles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	"opportunity_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"role" text NOT NULL,
	"is_primary" boolean DEFAULT false NOT NULL,
	CONSTRAINT "opportunity_contact_roles_workspace_id_id_key" UNIQUE("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "case_comments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	"case_id" uuid NOT NULL,
	"body" text NOT NULL,
	"is_public" boolean DEFAULT false NOT NULL,
	"author_id" uuid,
	CONSTRAINT "case_comments_workspace_id_id_key" UNIQUE("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "case_sla_policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	"priority" text NOT NULL,
	"first_response_minutes" integer NOT NULL,
	"resolution_minutes" integer NOT NULL,
	CONSTRAINT "case_sla_policies_workspace_id_priority_key" UNIQUE("workspace_id","priority")
);
--> statement-breakpoint
CREATE TABLE "campaign_members" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	"campaign_id" uuid NOT NULL,
	"lead_id" uuid,
	"contact_id" uuid,
	"status" text DEFAULT 'targeted' NOT NULL,
	"sent_at" timestamp (3) with time zone,
	"opened_at" timestamp (3) with time zone,
	"clicked_at" timestamp (3) with time zone,
	"responded_at" timestamp (3) with time zone,
	"bounced_at" timestamp (3) with time zone,
	"unsubscribed_at" timestamp (3) with time zone,
	"failed_at" timestamp (3) with time zone,
	CONSTRAINT "campaign_members_workspace_id_id_key" UNIQUE("workspace_id","id"),
	CONSTRAINT "campaign_members_one_person" CHECK (("campaign_members"."lead_id" is null) <> ("campaign_members"."contact_id" is null))
);
--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "escalated_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "reopened_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "reopen_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "opportunity_history" ADD CONSTRAINT "opportunity_history_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opportunity_history" ADD CONSTRAINT "opportunity_history_opportunity_id_fkey" FOREIGN KEY ("workspace_id","opportunity_id") REFERENCES "public"."opportunities"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opportunity_history" ADD CONSTRAINT "opportunity_history_changed_by_id_fkey" FOREIGN KEY ("workspace_id","changed_by_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opportunity_line_items" ADD CONSTRAINT "opportunity_line_items_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opportunity_line_items" ADD CONSTRAINT "opportunity_line_items_opportunity_id_fkey" FOREIGN KEY ("workspace_id","opportunity_id") REFERENCES "public"."opportunities"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opportunity_line_items" ADD CONSTRAINT "opportunity_line_items_product_id_fkey" FOREIGN KEY ("workspace_id","product_id") REFERENCES "public"."products"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opportunity_contact_roles" ADD CONSTRAINT "opportunity_contact_roles_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opportunity_contact_roles" ADD CONSTRAINT "opportunity_contact_roles_opportunity_id_fkey" FOREIGN KEY ("workspace_id","opportunity_id") REFERENCES "public"."opportunities"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opportunity_contact_roles" ADD CONSTRAINT "opportunity_contact_roles_contact_id_fkey" FOREIGN KEY ("workspace_id","contact_id") REFERENCES "public"."contacts"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_comments" ADD CONSTRAINT "case_comments_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_comments" ADD CONSTRAINT "case_comments_case_id_fkey" FOREIGN KEY ("workspace_id","case_id") REFERENCES "public"."cases"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_comments" ADD CONSTRAINT "case_comments_author_id_fkey" FOREIGN KEY ("workspace_id","author_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_sla_policies" ADD CONSTRAINT "case_sla_policies_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD CONSTRAINT "campaign_members_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD CONSTRAINT "campaign_members_campaign_id_fkey" FOREIGN KEY ("workspace_id","campaign_id") REFERENCES "public"."campaigns"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD CONSTRAINT "campaign_members_lead_id_fkey" FOREIGN KEY ("workspace_id","lead_id") REFERENCES "public"."leads"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD CONSTRAINT "campaign_members_contact_id_fkey" FOREIGN KEY ("workspace_id","contact_id") REFERENCES "public"."contacts"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "opportunity_history_workspace_id_opportunity_id_idx" ON "opportunity_history" USING btree ("workspace_id","opportunity_id","changed_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "opportunity_line_items_workspace_id_opportunity_id_idx" ON "opportunity_line_items" USING btree ("workspace_id","opportunity_id","created_at","id") WHERE "opportunity_line_items"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "opportunity_line_items_workspace_id_product_id_idx" ON "opportunity_line_items" USING btree ("workspace_id","product_id");--> statement-breakpoint
CREATE UNIQUE INDEX "opportunity_contact_roles_opportunity_id_contact_id_key" ON "opportunity_contact_roles" USING btree ("workspace_id","opportunity_id","contact_id") WHERE "opportunity_contact_roles"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "opportunity_contact_roles_primary_key" ON "opportunity_contact_roles" USING btree ("workspace_id","opportunity_id") WHERE "opportunity_contact_roles"."is_primary" and "opportunity_contact_roles"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "opportunity_contact_roles_workspace_id_contact_id_idx" ON "opportunity_contact_roles" USING btree ("workspace_id","contact_id");--> statement-breakpoint
CREATE INDEX "case_comments_workspace_id_case_id_idx" ON "case_comments" USING btree ("workspace_id","case_id","created_at","id") WHERE "case_comments"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_members_campaign_id_lead_id_key" ON "campaign_members" USING btree ("workspace_id","campaign_id","lead_id") WHERE "campaign_members"."lead_id" is not null and "campaign_members"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_members_campaign_id_contact_id_key" ON "campaign_members" USING btree ("workspace_id","campaign_id","contact_id") WHERE "campaign_members"."contact_id" is not null and "campaign_members"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "campaign_members_workspace_id_campaign_id_idx" ON "campaign_members" USING btree ("workspace_id","campaign_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "campaign_members"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "campaign_members_workspace_id_lead_id_idx" ON "campaign_members" USING btree ("workspace_id","lead_id");--> statement-breakpoint
CREATE INDEX "campaign_members_workspace_id_contact_id_idx" ON "campaign_members" USING btree ("workspace_id","contact_id");--> statement-breakpoint
CREATE INDEX "accounts_search_idx" ON "accounts" USING gin (to_tsvector('simple'::regconfig, coalesce("name", '') || ' ' || coalesce("domain", '') || ' ' || coalesce("email", '') || ' ' || coalesce(translate("email", '@.+_-', '     '), '')));--> statement-breakpoint
CREATE INDEX "contacts_search_idx" ON "contacts" USING gin (to_tsvector('simple'::regconfig, coalesce("first_name", '') || ' ' || coalesce("last_name", '') || ' ' || coalesce("email", '') || ' ' || coalesce(translate("email", '@.+_-', '     '), '')));--> statement-breakpoint
CREATE INDEX "campaigns_search_idx" ON "campaigns" USING gin (to_tsvector('simple'::regconfig, coalesce("name", '') || ' ' || coalesce("description", '')));--> statement-breakpoint
CREATE INDEX "leads_search_idx" ON "leads" USING gin (to_tsvector('simple'::regconfig, coalesce("first_name", '') || ' ' || coalesce("last_name", '') || ' ' || coalesce("email", '') || ' ' || coalesce(translate("email", '@.+_-', '     '), '') || ' ' || coalesce("company", '')));--> statement-breakpoint
CREATE INDEX "opportunities_search_idx" ON "opportunities" USING gin (to_tsvector('simple'::regconfig, coalesce("name", '')));--> statement-breakpoint
CREATE INDEX "products_search_idx" ON "products" USING gin (to_tsvector('simple'::regconfig, coalesce("name", '') || ' ' || coalesce("sku", '') || ' ' || coalesce("description", '')));--> statement-breakpoint
CREATE INDEX "cases_search_idx" ON "cases" USING gin (to_tsvector('simple'::regconfig, coalesce("subject", '') || ' ' || coalesce("description", '')));