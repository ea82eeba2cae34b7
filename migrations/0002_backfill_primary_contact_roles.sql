-- Opportunities made before contact roles existed name their primary contact
-- only in contact_id; give each the primary role row that the API now keeps
-- in step with it (role "other", as the API's own sync makes it).
INSERT INTO "opportunity_contact_roles" ("workspace_id", "opportunity_id", "contact_id", "role", "is_primary")
SELECT o."workspace_id", o."id", o."contact_id", 'other', true
FROM "opportunities" o
WHERE o."contact_id" IS NOT NULL
  AND o."deleted_at" IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "opportunity_contact_roles" r
    WHERE r."workspace_id" = o."workspace_id"
      AND r."opportunity_id" = o."id"
      AND r."deleted_at" IS NULL
      AND (r."contact_id" = o."contact_id" OR r."is_primary")
  );
